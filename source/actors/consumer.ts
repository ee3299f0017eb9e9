import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { type LabMessageId, labMessageOf, shortMessageId } from './lab-message.js';
import type { ActorEnvironment, ConsumerConfig, Outcome, RetryConfig } from './protocol.js';
import { consumerTagFor, headers, isStreamTime } from './protocol.js';
import { noBatching, type WriteBatcher } from './write-batch.js';

type LabId = LabMessageId;

import type { BatchReporter } from './reporter.js';

/** The tutorial's (deliberately slow, recursive) Fibonacci: the server's real work. */
export function fibonacci(n: number): number {
  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);
}

/** Simulated work for one message: a fixed part plus a part per '.' in the body. */
export function workFor(config: ConsumerConfig, body: Buffer): number {
  if (config.workPerDotMs === 0) return config.workMs;
  let dots = 0;
  for (const byte of body) if (byte === 0x2e) dots++;
  return config.workMs + dots * config.workPerDotMs;
}

interface Delivery {
  readonly msg: ConsumeMessage;
  readonly id: LabId | undefined;
  /** The channel it came on: only that channel can acknowledge it. */
  readonly channel: Channel;
  /** Retries: 1 for the first delivery, plus one per earlier rejection from this queue. */
  readonly attempt: number;
}

/**
 * Which attempt a delivery is: the broker records each dead-lettering in the message's `x-death`
 * header, one entry per queue and reason with a count, so the rejections from `queue` so far
 * plus one.
 */
export function attemptOf(msg: ConsumeMessage, queue: string): number {
  const deaths: unknown = msg.properties.headers?.['x-death'];
  if (!Array.isArray(deaths)) return 1;
  let rejected = 0;
  for (const death of deaths) {
    if (typeof death !== 'object' || death === null) continue;
    const entry = death as Record<string, unknown>;
    if (entry.queue === queue && entry.reason === 'rejected' && typeof entry.count === 'number')
      rejected += entry.count;
  }
  return rejected + 1;
}

/** The newest dead-lettering of a message (x-death lists the newest first): where, and why. */
export function lastDeath(msg: ConsumeMessage): { queue: string; reason: string } | undefined {
  const deaths: unknown = msg.properties.headers?.['x-death'];
  const entry: unknown = Array.isArray(deaths) ? deaths[0] : undefined;
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { queue, reason } = entry as Record<string, unknown>;
  return typeof queue === 'string' && typeof reason === 'string' ? { queue, reason } : undefined;
}

/** The queue a dead-lettered message last expired from (x-death lists the newest first). */
export function expiredFrom(msg: ConsumeMessage): string | undefined {
  const deaths: unknown = msg.properties.headers?.['x-death'];
  if (!Array.isArray(deaths)) return undefined;
  for (const death of deaths) {
    if (typeof death !== 'object' || death === null) continue;
    const entry = death as Record<string, unknown>;
    if (entry.reason === 'expired' && typeof entry.queue === 'string') return entry.queue;
  }
  return undefined;
}

function isConfirmChannel(channel: Channel): channel is ConfirmChannel {
  return 'waitForConfirms' in channel;
}

/** What a consumer with retries does with a message on this attempt. */
export function retryDecision(
  retry: RetryConfig,
  seq: number | undefined,
  attempt: number,
): 'ack' | 'dead-letter' | 'park' {
  if (seq === undefined) return 'ack';
  const poison = retry.poisonEvery > 0 && seq % retry.poisonEvery === 0;
  const transient = retry.transientEvery > 0 && seq % retry.transientEvery === 0 && attempt === 1;
  if (!poison && !transient) return 'ack';
  return attempt >= retry.maxAttempts ? 'park' : 'dead-letter';
}

/**
 * Consumes one queue, works through deliveries one at a time, acks as configured. Survives
 * reconnects: `attach` starts consuming on each new channel; deliveries from a channel that died
 * are dropped unacknowledged (the broker has already requeued them).
 */
export class Consumer {
  /** Deliveries waiting for the worker, with their lab identity read once on arrival. */
  private backlog: Delivery[] = [];
  private handled = 0;
  private working = false;
  private stopped = false;
  private channel: Channel | undefined;
  private queue = '';
  /** The connection's socket, corked around the acks of each receipt. */
  private writes: WriteBatcher = noBatching;
  /** Delivered on the current channel and neither acked nor rejected yet. */
  private unsettled = 0;
  /** Deliveries so far, for the simulated bug. */
  private delivered = 0;

  constructor(
    private config: ConsumerConfig,
    private readonly env: ActorEnvironment,
    private readonly reporter: BatchReporter,
  ) {}

  private consumerTag: string | undefined;
  private subscriptions = 0;

  /** Consume `queue` on this channel (the first one, or a new one after a reconnect). */
  async attach(channel: Channel, queue: string, writes: WriteBatcher = noBatching): Promise<void> {
    this.channel = channel;
    this.writes = writes;
    this.queue = queue;
    this.backlog = this.backlog.filter((d) => d.channel === channel);
    if (this.config.prefetch > 0) await channel.prefetch(this.config.prefetch);
    await this.subscribe(channel);
  }

  /**
   * The connection is gone: what was delivered on it and not yet acknowledged can no longer be;
   * the broker requeues it (and delivers it again with redelivered = true).
   */
  detach(): void {
    // Handled but not acknowledged before the connection went: they count as abandoned below.
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.pendingAcks = 0;
    this.lastPending = undefined;
    if (this.config.ack !== 'auto') this.reporter.counts.abandoned += this.unsettled;
    this.unsettled = 0;
    this.channel = undefined;
    this.backlog = [];
    this.reporter.touch();
  }

  private async subscribe(channel: Channel): Promise<void> {
    const { consumerTag } = await channel.consume(
      this.queue,
      (msg) => this.onMessage(channel, msg),
      {
        noAck: this.config.ack === 'auto',
        consumerTag: consumerTagFor(this.env.runId, this.config.id, ++this.subscriptions),
        ...(this.config.offset === undefined
          ? {}
          : { arguments: { 'x-stream-offset': this.startOffset(this.config.offset) } }),
      },
    );
    this.consumerTag = consumerTag;
  }

  /**
   * Where a stream consumer starts: as configured the first time; after a reconnect (or a new
   * consumer for changed settings) right after the last offset it received, as a consumer that
   * tracks its offset does, so it neither skips nor repeats.
   */
  private startOffset(offset: string | number): unknown {
    const last = this.reporter.stream?.last;
    if (last !== undefined) return last + 1;
    if (isStreamTime(offset)) {
      return { '!': 'timestamp', value: Math.floor(Date.parse(offset) / 1000) };
    }
    return offset;
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
    const channel = this.channel;
    if (!resubscribe || !channel) return undefined;
    await channel.prefetch(config.prefetch);
    if (this.consumerTag) await channel.cancel(this.consumerTag);
    await this.subscribe(channel);
    return 'applied with a new consumer on the same channel (prefetch and auto-ack are fixed per consumer)';
  }

  stop(): void {
    this.flushAcks();
    this.stopped = true;
  }

  /**
   * Settle (ack, reject) once the parent has the receipt: a kill between the two leaves a message
   * the parent counts as handled that the broker gives to another consumer (at least once), never
   * one the broker forgot and the parent never heard of.
   */
  private settleAfterReceipt(channel: Channel, settle: () => void): void {
    this.reporter.afterReceipt(() => {
      // The channel died meanwhile: the broker has requeued the message already.
      if (channel !== this.channel) return;
      try {
        settle();
      } catch {
        // The channel is closing: the broker requeues what was not settled.
      }
      // The acks of one receipt leave in one write.
      this.writes.hold();
    });
  }

  private onMessage(channel: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) return; // cancelled by the broker (queue deleted)
    const { reporter } = this;
    reporter.counts.received++;
    const redelivered = msg.fields.redelivered;
    if (redelivered) reporter.counts.redelivered++;
    const id = this.labId(msg);
    const offset: unknown = msg.properties.headers?.['x-stream-offset'];
    if (typeof offset === 'number') reporter.streamOffset(offset, id);
    const attempt = this.config.retry ? attemptOf(msg, this.queue) : 1;
    if (attempt > 1) reporter.counts.retried++;
    if (id) {
      // A retry is the same message back through dead-lettering, not a duplicate.
      const runs = redelivered
        ? reporter.redeliveredRuns
        : attempt > 1
          ? reporter.retriedRuns
          : reporter.runs;
      runs.add(id.producer, id.seq);
      reporter.receivedKey(msg.fields.routingKey);
      this.noteLimits(msg, id, !redelivered && attempt === 1);
    } else {
      reporter.counts.external++;
    }
    reporter.touch();
    this.unsettled++;
    this.delivered++;
    const bug = this.config.bug;
    if (bug?.kind === 'throw' && this.delivered % bug.every === 0) {
      // Thrown inside amqplib's delivery event: the channel's 'handler-error' listener reports it
      // and the connection stays up; the message is never acknowledged on this channel.
      throw new Error(
        `simulated bug in the handler on ${String(msg.properties.messageId)}; it stays unacknowledged until this channel closes`,
      );
    }
    this.backlog.push({ msg, id, channel, attempt });
    if (!this.working) this.work();
  }

  /**
   * What a lab message met before it came: its latency (first deliveries), its wait by priority,
   * its dead-lettering.
   */
  private noteLimits(msg: ConsumeMessage, id: LabId, first: boolean): void {
    const priority: unknown = msg.properties.priority;
    const sentAt = id.sentAt;
    if (first) {
      const now = Date.now();
      this.reporter.deliveredAt(now);
      if (typeof sentAt === 'number') this.reporter.latency.add(now - sentAt);
    }
    if (typeof priority === 'number' && typeof sentAt === 'number')
      this.reporter.waited(priority, Date.now() - sentAt);
    if (msg.properties.headers?.['x-death'] === undefined) return;
    const death = lastDeath(msg);
    if (death) this.reporter.died(death.queue, death.reason, id);
  }

  /** Producer and sequence of a message from this run's producers; undefined for any other. */
  private labId(msg: ConsumeMessage): LabId | undefined {
    return labMessageOf(msg.properties, this.env.runId);
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
      this.finish(next);
      // Drain synchronously-available work without growing the stack.
      if (this.backlog.length > 0) setImmediate(() => this.work());
      else this.working = false;
      return;
    }
    setTimeout(() => {
      this.finish(next);
      this.work();
    }, delay);
  }

  private reply(channel: Channel, msg: ConsumeMessage): void {
    const n = Math.min(32, Math.max(0, Number.parseInt(msg.content.toString(), 10) || 0));
    channel.publish('', String(msg.properties.replyTo), Buffer.from(String(fibonacci(n))), {
      correlationId: msg.properties.correlationId,
      headers: { [headers.server]: this.config.id },
    });
  }

  /** Messages handled but not yet acknowledged (ackEvery > 1), and the last of them. */
  private pendingAcks = 0;
  private lastPending: ConsumeMessage | undefined;
  private ackTimer: NodeJS.Timeout | undefined;

  /** Acknowledge now, or as part of the next `multiple` ack when acking every n-th. */
  private ack(channel: Channel, msg: ConsumeMessage): void {
    const every = this.config.ackEvery ?? 1;
    if (every <= 1) {
      this.settleAfterReceipt(channel, () => channel.ack(msg));
      this.processed(msg);
      this.unsettled--;
      this.reporter.counts.acked++;
      return;
    }
    this.pendingAcks++;
    this.lastPending = msg;
    if (this.pendingAcks >= every) this.flushAcks();
    // Whatever is pending goes shortly, so a quiet queue (or prefetch < n) never stalls.
    else this.ackTimer ??= setTimeout(() => this.flushAcks(), 20);
  }

  /** A stream consumer processed (acknowledged) the message at this offset. */
  private processed(msg: ConsumeMessage): void {
    const offset: unknown = msg.properties.headers?.['x-stream-offset'];
    if (typeof offset === 'number') this.reporter.processedOffset(offset);
  }

  /** One ack with `multiple`: this delivery and every earlier one on the channel. */
  private flushAcks(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const msg = this.lastPending;
    const channel = this.channel;
    if (!msg || this.pendingAcks === 0 || !channel) return;
    this.settleAfterReceipt(channel, () => channel.ack(msg, true));
    this.processed(msg);
    this.unsettled -= this.pendingAcks;
    this.reporter.counts.acked += this.pendingAcks;
    // Nothing else may be going on (the last ones of a burst): make sure this batch is sent.
    this.reporter.touch();
    this.pendingAcks = 0;
    this.lastPending = undefined;
  }

  /**
   * Retries: acknowledge, reject without requeue (the queue's dead-letter exchange takes it to
   * the retry queue), or, on the last attempt, publish it to the parking queue and acknowledge.
   */
  private settleWithRetry(
    retry: RetryConfig,
    { msg, id, channel, attempt }: Delivery,
  ): { outcome: Outcome; detail?: string } {
    const { reporter } = this;
    const decision = retryDecision(retry, id?.seq, attempt);
    if (decision === 'dead-letter') {
      this.settleAfterReceipt(channel, () => channel.nack(msg, false, false));
      this.unsettled--;
      reporter.counts.nacked++;
      // Rejected without requeue; the parent knows the queue dead-letters (not a loss).
      if (id) reporter.droppedRuns.add(id.producer, id.seq);
      return { outcome: 'dead-lettered', detail: this.deadLetterTarget() };
    }
    if (decision === 'park') {
      this.park(retry.parkingQueue, { msg, id, channel, attempt });
      return { outcome: 'parked', detail: `→ ${retry.parkingQueue}` };
    }
    if (id) reporter.handledRuns.add(id.producer, id.seq);
    this.ack(channel, msg);
    return { outcome: 'ack' };
  }

  /**
   * Publish a message to the parking queue and acknowledge it once the broker confirmed the copy
   * (a retry consumer's channel is a confirm channel): acknowledged first, a crash in between
   * would lose it. Refused, it goes back to its queue and is tried again.
   */
  private park(parkingQueue: string, { msg, id, channel }: Delivery): void {
    const p = msg.properties;
    const options = {
      messageId: p.messageId,
      appId: p.appId,
      timestamp: p.timestamp,
      headers: p.headers,
      persistent: p.deliveryMode === 2,
      ...(p.contentType ? { contentType: p.contentType } : {}),
    };
    const settle = (ok: boolean) => {
      // The channel died meanwhile: the broker has requeued the original already.
      if (channel !== this.channel) return;
      if (!ok) {
        if (id) this.reporter.requeuedRuns.add(id.producer, id.seq);
        this.settleAfterReceipt(channel, () => channel.nack(msg, false, true));
        this.unsettled--;
        this.reporter.counts.nacked++;
        this.reporter.touch();
        return;
      }
      this.reporter.counts.parked++;
      if (id) this.reporter.parkedRuns.add(id.producer, id.seq);
      this.ack(channel, msg);
      this.reporter.touch();
    };
    if (isConfirmChannel(channel)) {
      channel.publish('', parkingQueue, msg.content, options, (error) => settle(error == null));
    } else {
      // Same channel, before the ack: the broker handles the publish first.
      channel.publish('', parkingQueue, msg.content, options);
      settle(true);
    }
  }

  /** Where this queue dead-letters to, from the scenario's declaration (for the flow log). */
  private deadLetterTarget(): string | undefined {
    const spec = this.env.topology?.queues.find((q) => q.name === this.queue);
    const exchange = spec?.arguments['x-dead-letter-exchange'];
    if (exchange === undefined) return undefined;
    const key = spec?.arguments['x-dead-letter-routing-key'];
    return `→ ${exchange === '' ? '(default)' : String(exchange)}${key === undefined ? '' : `[${String(key)}]`}`;
  }

  private finish(delivery: Delivery): void {
    const { msg, id, channel } = delivery;
    // Stopped, or the channel it came on died meanwhile: the broker requeued it already.
    if (this.stopped || channel !== this.channel) return;
    this.handled++;
    // An RPC server answers before it acknowledges: a crash in between means the request comes
    // back to another server, and the client may get two replies (it keeps the first).
    if (this.config.reply && msg.properties.replyTo) this.reply(channel, msg);
    const { nackEvery, requeue, retry } = this.config;
    let outcome: Outcome;
    let detail: string | undefined;
    if (this.config.ack === 'auto') {
      outcome = 'auto-ack';
      // Handled: the parent hears of it before this consumer takes its next message.
      if (id) this.reporter.handledRuns.add(id.producer, id.seq);
      this.reporter.afterReceipt(() => {});
    } else if (retry && this.config.ack === 'manual')
      ({ outcome, detail } = this.settleWithRetry(retry, delivery));
    else if (this.config.ack === 'never') outcome = 'unacked';
    else if (nackEvery > 0 && this.handled % nackEvery === 0) {
      if (id)
        (requeue ? this.reporter.requeuedRuns : this.reporter.droppedRuns).add(id.producer, id.seq);
      this.settleAfterReceipt(channel, () => channel.nack(msg, false, requeue));
      this.unsettled--;
      this.reporter.counts.nacked++;
      outcome = requeue ? 'nack-requeue' : 'nack';
    } else {
      if (id) this.reporter.handledRuns.add(id.producer, id.seq);
      this.ack(channel, msg);
      const bug = this.config.bug;
      // The second ack of one delivery tag: the broker closes the channel (406).
      if (bug?.kind === 'double-ack' && this.handled % bug.every === 0)
        this.settleAfterReceipt(channel, () => channel.ack(msg));
      outcome = 'ack';
    }
    const redelivered = msg.fields.redelivered;
    const notable =
      redelivered ||
      outcome.startsWith('nack') ||
      outcome === 'dead-lettered' ||
      delivery.attempt > 1;
    if (!this.reporter.wantsSample(notable)) return;
    const sentAt = id?.sentAt;
    const now = Date.now();
    // A priority queue's flow log shows each message's priority: the urgent ones overtaking.
    const priority: unknown = msg.properties.priority;
    if (detail === undefined && typeof priority === 'number') detail = `priority ${priority}`;
    this.reporter.sample({
      messageId: id ? shortMessageId(id) : String(msg.properties.messageId ?? ''),
      producer: id?.producer,
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      queue: this.queue,
      consumer: this.config.id,
      redelivered,
      outcome,
      latencyMs: id && typeof sentAt === 'number' ? now - sentAt : undefined,
      ...(detail ? { detail } : {}),
      ...(retry ? { attempt: [delivery.attempt, retry.maxAttempts] as const } : {}),
      ...(delivery.attempt > 1 ? { via: expiredFrom(msg) } : {}),
      at: now,
    });
  }
}
