import type { Channel, ConsumeMessage } from 'amqplib';
import type { ActorEnvironment, ConsumerConfig, Outcome } from './protocol.js';
import { headers, parseMessageId } from './protocol.js';

type LabId = NonNullable<ReturnType<typeof parseMessageId>>;

import type { BatchReporter } from './reporter.js';

/** Simulated work for one message: a fixed part plus a part per '.' in the body. */
export function workFor(config: ConsumerConfig, body: Buffer): number {
  if (config.workPerDotMs === 0) return config.workMs;
  let dots = 0;
  for (const byte of body) if (byte === 0x2e) dots++;
  return config.workMs + dots * config.workPerDotMs;
}

/** Consumes one queue, works through deliveries one at a time, acks as configured. */
export class Consumer {
  /** Deliveries waiting for the worker, with their lab identity read once on arrival. */
  private backlog: { msg: ConsumeMessage; id: LabId | undefined }[] = [];
  private handled = 0;
  private working = false;
  private stopped = false;

  constructor(
    private readonly channel: Channel,
    private readonly queue: string,
    private config: ConsumerConfig,
    private readonly env: ActorEnvironment,
    private readonly reporter: BatchReporter,
  ) {}

  private consumerTag: string | undefined;

  async start(): Promise<void> {
    if (this.config.prefetch > 0) await this.channel.prefetch(this.config.prefetch);
    await this.subscribe();
  }

  private async subscribe(): Promise<void> {
    const { consumerTag } = await this.channel.consume(this.queue, (msg) => this.onMessage(msg), {
      noAck: this.config.ack === 'auto',
    });
    this.consumerTag = consumerTag;
  }

  /**
   * Apply new settings live. Prefetch (basic.qos) only applies to consumers started after it, and
   * automatic ack is fixed per consumer, so those changes start a new consumer on the same channel;
   * messages already delivered stay with this channel and are still acknowledged here.
   * Returns what the change took, for the screen.
   */
  async update(config: ConsumerConfig): Promise<string | undefined> {
    const old = this.config;
    this.config = config;
    const resubscribe =
      old.prefetch !== config.prefetch || (old.ack === 'auto') !== (config.ack === 'auto');
    if (!resubscribe) return undefined;
    await this.channel.prefetch(config.prefetch);
    if (this.consumerTag) await this.channel.cancel(this.consumerTag);
    await this.subscribe();
    return 'applied with a new consumer on the same channel (prefetch and auto-ack are fixed per consumer)';
  }

  stop(): void {
    this.stopped = true;
  }

  private onMessage(msg: ConsumeMessage | null): void {
    if (msg === null) return; // cancelled by the broker (queue deleted)
    const { reporter } = this;
    reporter.counts.received++;
    const redelivered = msg.fields.redelivered;
    if (redelivered) reporter.counts.redelivered++;
    const id = this.labId(msg);
    if (id) {
      (redelivered ? reporter.redeliveredRuns : reporter.runs).add(id.producer, id.seq);
      reporter.receivedKey(msg.fields.routingKey);
    } else {
      reporter.counts.external++;
    }
    reporter.touch();
    this.backlog.push({ msg, id });
    if (!this.working) this.work();
  }

  /** Producer and sequence of a message from this run's producers; undefined for any other. */
  private labId(msg: ConsumeMessage): LabId | undefined {
    const id = parseMessageId(msg.properties.messageId);
    return id && msg.properties.headers?.[headers.run] === this.env.runId ? id : undefined;
  }

  private work(): void {
    const next = this.backlog.shift();
    if (!next || this.stopped) {
      this.working = false;
      return;
    }
    this.working = true;
    const delay = workFor(this.config, next.msg.content);
    if (delay === 0) {
      this.finish(next.msg, next.id);
      // Drain synchronously-available work without growing the stack.
      if (this.backlog.length > 0) setImmediate(() => this.work());
      else this.working = false;
      return;
    }
    setTimeout(() => {
      this.finish(next.msg, next.id);
      this.work();
    }, delay);
  }

  private finish(msg: ConsumeMessage, id: LabId | undefined): void {
    if (this.stopped) return;
    this.handled++;
    const { nackEvery, requeue } = this.config;
    let outcome: Outcome;
    if (this.config.ack === 'auto') outcome = 'auto-ack';
    else if (this.config.ack === 'never') outcome = 'unacked';
    else if (nackEvery > 0 && this.handled % nackEvery === 0) {
      this.channel.nack(msg, false, requeue);
      this.reporter.counts.nacked++;
      if (id && !requeue) this.reporter.droppedRuns.add(id.producer, id.seq);
      outcome = requeue ? 'nack-requeue' : 'nack';
    } else {
      this.channel.ack(msg);
      this.reporter.counts.acked++;
      outcome = 'ack';
    }
    const sentAt = msg.properties.headers?.[headers.sentAt];
    const now = Date.now();
    this.reporter.sample({
      messageId: typeof msg.properties.messageId === 'string' ? msg.properties.messageId : '',
      producer: id?.producer,
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      queue: this.queue,
      consumer: this.config.id,
      redelivered: msg.fields.redelivered,
      outcome,
      latencyMs: id && typeof sentAt === 'number' ? now - sentAt : undefined,
      at: now,
    });
  }
}
