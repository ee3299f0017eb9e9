import type { Channel, Message } from 'amqplib';
import type { ActorEnvironment, ProducerConfig } from './protocol.js';
import { headers, parseMessageId } from './protocol.js';
import type { BatchReporter } from './reporter.js';

export function renderBody(template: string, seq: number, key: string, actor: string): string {
  return template
    .replaceAll('{seq}', String(seq))
    .replaceAll('{dots}', '.'.repeat(1 + ((seq - 1) % 3)))
    .replaceAll('{key}', key)
    .replaceAll('{actor}', actor);
}

interface ConfirmFields {
  readonly deliveryTag: number;
  readonly multiple: boolean;
}

/**
 * Publishes at a steady rate (or as fast as the broker accepts), honouring backpressure. Survives
 * reconnects: `attach` hands it each new channel, and while it has none it publishes nothing.
 * Confirms are read from the channel's own ack/nack events: on a confirm channel the n-th publish
 * gets delivery tag n, so tag t is sequence number `tagBase + t` (no callback per message).
 */
export class Producer {
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private waitingForDrain = false;
  /** Messages owed by the rate schedule, counted from `since`. */
  private since = 0;
  private sentSince = 0;
  private channel: Channel | undefined;
  private tagBase = 0;
  /** Highest delivery tag confirmed by a `multiple` ack or nack on this channel. */
  private confirmedUpTo = 0;

  constructor(
    private config: ProducerConfig,
    private readonly env: ActorEnvironment,
    private readonly reporter: BatchReporter,
  ) {}

  /** Publish on this channel from now on (a new one after a reconnect). */
  attach(channel: Channel): void {
    this.channel = channel;
    this.tagBase = this.seq;
    this.confirmedUpTo = 0;
    this.waitingForDrain = false;
    // Published with the mandatory flag: a message no queue is bound for comes back here.
    channel.on('return', (msg: Message) => this.onReturn(msg));
    channel.on('drain', () => {
      if (this.channel !== channel) return;
      this.waitingForDrain = false;
      if (this.config.rate === 0) this.pump();
    });
    const base = this.tagBase;
    channel.on('ack', (fields: ConfirmFields) => this.onConfirm(channel, base, fields, true));
    channel.on('nack', (fields: ConfirmFields) => this.onConfirm(channel, base, fields, false));
    this.resetSchedule();
  }

  /** The connection is gone: publish nothing until the next `attach`. */
  detach(): void {
    this.channel = undefined;
  }

  private onConfirm(channel: Channel, base: number, f: ConfirmFields, ok: boolean): void {
    const id = this.config.id;
    if (f.multiple) {
      if (this.channel === channel && f.deliveryTag > this.confirmedUpTo) {
        this.reporter.confirmed(id, base + this.confirmedUpTo + 1, base + f.deliveryTag, ok);
        this.confirmedUpTo = f.deliveryTag;
      }
      return;
    }
    this.reporter.confirmed(id, base + f.deliveryTag, base + f.deliveryTag, ok);
  }

  start(): void {
    this.resetSchedule();
    this.schedule();
  }

  update(config: ProducerConfig): void {
    this.config = config;
    this.resetSchedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private resetSchedule(): void {
    this.since = performance.now();
    this.sentSince = 0;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.config.paused) {
      // Look again shortly; resuming restarts the rate schedule from then.
      this.timer = setTimeout(() => {
        this.resetSchedule();
        this.schedule();
      }, 100);
      return;
    }
    if (this.config.rate === 0) {
      this.timer = setTimeout(() => this.pump(), 0);
      return;
    }
    // Tick often enough for smooth rates, never faster than every 10 ms.
    const tick = Math.max(10, Math.min(200, 1000 / this.config.rate));
    this.timer = setTimeout(() => {
      this.publishDue();
      this.schedule();
    }, tick);
  }

  private publishDue(): void {
    if (this.config.paused || this.waitingForDrain || !this.channel) {
      this.resetSchedule();
      return;
    }
    const elapsed = performance.now() - this.since;
    // The first message goes out at once, then one every 1/rate seconds.
    const due = Math.floor((elapsed * this.config.rate) / 1000) + 1 - this.sentSince;
    for (let i = 0; i < due && !this.waitingForDrain; i++) {
      this.publishOne();
      this.sentSince++;
    }
  }

  /** rate 0: publish until the channel's buffer is full, then continue on 'drain'. */
  private pump(): void {
    if (this.stopped || this.config.paused || this.config.rate !== 0) {
      if (!this.stopped) this.schedule();
      return;
    }
    // Yield to the event loop regularly so IPC and acks keep flowing.
    if (!this.channel) {
      this.timer = setTimeout(() => this.pump(), 100);
      return;
    }
    for (let i = 0; i < 500 && !this.waitingForDrain; i++) this.publishOne();
    if (!this.waitingForDrain) setImmediate(() => this.pump());
  }

  private onReturn(msg: Message): void {
    const id = parseMessageId(msg.properties.messageId);
    if (id && id.producer === this.config.id) this.reporter.returnedRuns.add(id.producer, id.seq);
    this.reporter.counts.unroutable++;
    this.reporter.sample({
      messageId: typeof msg.properties.messageId === 'string' ? msg.properties.messageId : '',
      producer: this.config.id,
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      queue: '',
      consumer: '',
      redelivered: false,
      outcome: 'unroutable',
      at: Date.now(),
    });
  }

  private fixed: { template: string; content: Buffer | undefined } | undefined;

  /** A body without placeholders is the same for every message: encode it once. */
  private fixedBody(template: string): Buffer | undefined {
    if (this.fixed?.template !== template) {
      this.fixed = {
        template,
        content: template.includes('{') ? undefined : Buffer.from(template),
      };
    }
    return this.fixed.content;
  }

  /** Publish one message now (also used by "send one" requests); false without a connection. */
  publishOne(routingKey?: string, body?: string): boolean {
    const channel = this.channel;
    if (!channel) return false;
    const keys = this.config.routingKeys;
    const seq = ++this.seq;
    const cycled = keys[(seq - 1) % keys.length] ?? '';
    const key = routingKey ?? cycled;
    if (key !== cycled) this.reporter.overrideKey(seq, key);
    const now = Date.now();
    const content =
      body !== undefined
        ? Buffer.from(body)
        : (this.fixedBody(this.config.body) ??
          Buffer.from(renderBody(this.config.body, seq, key, this.config.id)));
    const ok = channel.publish(this.config.exchange, key, content, {
      messageId: `${this.config.id}-${seq}`,
      timestamp: Math.floor(now / 1000),
      persistent: this.config.persistent,
      contentType: 'text/plain',
      mandatory: true,
      headers: { [headers.sentAt]: now, [headers.run]: this.env.runId },
    });
    this.reporter.published(seq, now);
    if (!ok) this.waitingForDrain = true;
    return true;
  }
}
