import type { Channel, Message } from 'amqplib';
import type { HeaderSet } from '../scenario/schema.js';
import { type BrokerAnswer, ConfirmWaiters } from './confirm-waiters.js';
import { labAppId, labPublishOptions, parseMessageId, shortMessageId } from './lab-message.js';
import type { ActorEnvironment, ProducerConfig } from './protocol.js';
import { priorityOf } from './protocol.js';
import type { BatchReporter } from './reporter.js';
import { RpcClient } from './rpc-client.js';
import { noBatching, type WriteBatcher } from './write-batch.js';

export function renderBody(
  template: string,
  seq: number,
  key: string,
  actor: string,
  n = seq,
): string {
  return template
    .replaceAll('{n}', String(n))
    .replaceAll('{seq}', String(seq))
    .replaceAll('{dots}', '.'.repeat(1 + ((seq - 1) % 3)))
    .replaceAll('{key}', key)
    .replaceAll('{actor}', actor);
}

/** A message's limits as AMQP properties: its priority (cycled) and its TTL (expiration, ms). */
export function limitProperties(
  config: Pick<ProducerConfig, 'priorities' | 'ttlMs'>,
  seq: number,
): { priority?: number; expiration?: string } {
  const priority = priorityOf(config.priorities, seq);
  return {
    ...(priority === undefined ? {} : { priority }),
    ...(config.ttlMs === undefined ? {} : { expiration: String(config.ttlMs) }),
  };
}

/**
 * Most messages published and not yet confirmed before an async producer waits for answers: a
 * broker writing to disk confirms later than a producer can publish, and without a bound the
 * outstanding messages (and the confirms owed at stop) grow without limit. Below the ring of
 * publish times, so every outstanding tag has its own.
 */
const maxInFlight = 10_000;

/** What `publishConfirmed` learnt: ok undefined when the broker did not answer in time. */
export interface PublishOutcome extends BrokerAnswer {
  /** `P1-7`, as the screen and the report name it. */
  readonly id: string;
  /** The message's own messageId property (`P1-7@<sent-at ms>`). */
  readonly messageId: string;
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
  /**
   * The broker's answers on this channel, as amqplib keeps them: every tag below `lowWater` is
   * answered, and `answeredAbove` holds single answers above it. A `multiple` frame answers every
   * tag up to its own that was not answered yet (and no other).
   */
  private lowWater = 1;
  private readonly answeredAbove = new Set<number>();
  /** Published on this channel and not answered yet: async publishing stops at maxInFlight. */
  private inFlight = 0;
  /** When each outstanding delivery tag was published (a ring; tags beyond its size overwrite). */
  private readonly publishedAt = new Float64Array(1 << 16);
  private pausedForConfirms = false;
  /** `each`/`batch` confirm modes: published since the last wait, and whether we wait now. */
  private inBatch = 0;
  private awaitingConfirms = false;

  /** Set for an RPC client: requests wait for replies. */
  readonly rpc: RpcClient | undefined;
  /** This run's app id, on every message (lab-message.ts). */
  private readonly appId: string;
  /** The messageId of the last message published. */
  private lastMessageId = '';
  /** The connection's socket, corked around each batch of publishes. */
  private writes: WriteBatcher = noBatching;

  constructor(
    private config: ProducerConfig,
    env: ActorEnvironment,
    private readonly reporter: BatchReporter,
  ) {
    this.appId = labAppId(env.runId);
    this.rpc = config.rpc
      ? new RpcClient(config.rpc, config.id, reporter, (correlationId, body) =>
          this.publishOne(undefined, body, correlationId),
        )
      : undefined;
  }

  /** Publish on this channel from now on (a new one after a reconnect); `writes` batches them. */
  async attach(channel: Channel, writes: WriteBatcher = noBatching): Promise<void> {
    // An RPC client listens for replies before it sends a request.
    await this.rpc?.attach(channel);
    this.channel = channel;
    this.writes = writes;
    this.tagBase = this.seq;
    this.lowWater = 1;
    this.answeredAbove.clear();
    this.inFlight = 0;
    this.waitingForDrain = false;
    this.inBatch = 0;
    this.awaitingConfirms = false;
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

  /** Messages published on this channel that the broker has not answered yet. */
  get unanswered(): number {
    return this.channel ? this.inFlight : 0;
  }

  /** The connection is gone: publish nothing until the next `attach`. */
  detach(): void {
    this.channel = undefined;
  }

  private onConfirm(channel: Channel, base: number, f: ConfirmFields, ok: boolean): void {
    if (this.channel !== channel) return;
    const id = this.config.id;
    const tag = f.deliveryTag;
    this.reporter.confirmLatency(performance.now() - (this.publishedAt[tag & 0xffff] ?? 0));
    let answered = 0;
    const report = (first: number, last: number) => {
      if (last < first) return;
      answered += last - first + 1;
      this.reporter.confirmed(id, base + first, base + last, ok);
      if (this.waiters.size > 0) this.waiters.answer(base + first, base + last, ok);
      if (!ok) this.sampleRefused(base + last);
    };
    if (f.multiple) {
      // Every tag from the low-water mark up to this one, except those answered on their own.
      let runStart = this.lowWater;
      for (let t = this.lowWater; t <= tag; t++) {
        if (this.answeredAbove.delete(t)) {
          report(runStart, t - 1);
          runStart = t + 1;
        }
      }
      report(runStart, tag);
      this.lowWater = Math.max(this.lowWater, tag + 1);
    } else if (tag >= this.lowWater && !this.answeredAbove.has(tag)) {
      report(tag, tag);
      this.answeredAbove.add(tag);
      while (this.answeredAbove.delete(this.lowWater)) this.lowWater++;
    }
    this.inFlight -= answered;
    // Async publishing paused at maxInFlight goes on once answers come back.
    if (this.pausedForConfirms && this.inFlight < maxInFlight / 2) {
      this.pausedForConfirms = false;
      if (this.config.rate === 0) this.pump();
    }
  }

  /** A nacked publish in the flow log (the broker refused it, e.g. a full queue rejecting). */
  private sampleRefused(seq: number): void {
    if (!this.reporter.wantsSample(true)) return;
    const keys = this.config.routingKeys;
    this.reporter.sample({
      messageId: shortMessageId({ producer: this.config.id, seq }),
      producer: this.config.id,
      exchange: this.config.exchange,
      routingKey: keys[(seq - 1) % keys.length] ?? '',
      queue: '',
      consumer: '',
      redelivered: false,
      outcome: 'refused',
      at: Date.now(),
    });
  }

  /** The settings it runs with now (they change with `update`). */
  get settings(): ProducerConfig {
    return this.config;
  }

  /** Callers waiting for the broker's answer to one message (the HTTP endpoint). */
  private readonly waiters = new ConfirmWaiters();

  /**
   * Publish one message and wait for the broker's answer: its id, whether the broker took it
   * (ok undefined: no answer within `timeoutMs`) and whether a queue did (routed false: returned
   * as unroutable, then confirmed). Undefined without a connection.
   */
  async publishConfirmed(
    routingKey: string | undefined,
    body: string,
    timeoutMs: number,
  ): Promise<PublishOutcome | undefined> {
    if (!this.publishOne(routingKey, body)) return undefined;
    const seq = this.seq;
    const id = shortMessageId({ producer: this.config.id, seq });
    const messageId = this.lastMessageId;
    return { id, messageId, ...(await this.waiters.wait(seq, timeoutMs)) };
  }

  start(): void {
    this.resetSchedule();
    // The first message goes out at once (not after the first tick), and is reported at once.
    if (!this.config.paused && !this.config.http && this.config.rate > 0) {
      this.publishDue();
      this.reporter.flush();
    }
    this.schedule();
  }

  update(config: ProducerConfig): void {
    this.config = config;
    this.resetSchedule();
  }

  stop(): void {
    this.stopped = true;
    this.rpc?.stop();
    if (this.timer) clearTimeout(this.timer);
  }

  /** Publish nothing new (retries still go out): a stopping RPC client waits for its replies. */
  pauseForStop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.config = { ...this.config, paused: true };
  }

  private resetSchedule(): void {
    this.since = performance.now();
    this.sentSince = 0;
  }

  private schedule(): void {
    // An HTTP endpoint publishes what it is sent, never on a schedule.
    if (this.stopped || this.config.http) return;
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
    // Waiting for a confirm (each/batch): the rate schedule waits too.
    if (this.awaitingConfirms) return;
    const elapsed = performance.now() - this.since;
    // The first message goes out at once, then one every 1/rate seconds.
    const due = Math.floor((elapsed * this.config.rate) / 1000) + 1 - this.sentSince;
    for (
      let i = 0;
      i < due && !this.waitingForDrain && !this.awaitingConfirms && !this.pausedForConfirms;
      i++
    ) {
      this.publishOne();
      this.sentSince++;
      this.afterPublish();
    }
    if (due > 1) this.writes.hold();
  }

  /** rate 0: publish until the channel's buffer is full, then continue on 'drain'. */
  private pump(): void {
    if (this.stopped || this.config.paused || this.config.rate !== 0 || this.config.http) {
      if (!this.stopped) this.schedule();
      return;
    }
    // Yield to the event loop regularly so IPC and acks keep flowing.
    if (!this.channel) {
      this.timer = setTimeout(() => this.pump(), 100);
      return;
    }
    // Waiting for a confirm (each/batch), or too many unanswered: the answers pump again.
    if (this.awaitingConfirms || this.pausedForConfirms) return;
    const go = () => !this.waitingForDrain && !this.awaitingConfirms && !this.pausedForConfirms;
    for (let i = 0; i < 500 && go(); i++) {
      this.publishOne();
      this.afterPublish();
    }
    this.writes.hold();
    if (go()) setImmediate(() => this.pump());
  }

  private onReturn(msg: Message): void {
    const id =
      msg.properties.appId === this.appId ? parseMessageId(msg.properties.messageId) : undefined;
    if (id && id.producer === this.config.id) {
      this.reporter.returnedRuns.add(id.producer, id.seq);
      this.waiters.noteReturned(id.seq);
    }
    this.reporter.counts.unroutable++;
    this.reporter.sample({
      messageId: id ? shortMessageId(id) : String(msg.properties.messageId ?? ''),
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

  /**
   * `each` and `batch` (tutorial 7's synchronous strategies): after one message, or a batch, wait
   * for the broker's confirms before publishing more. The wait is the throughput they give up.
   */
  private afterPublish(): void {
    const mode = this.config.confirm ?? 'async';
    const channel = this.channel;
    if (mode === 'async' || !channel) return;
    this.inBatch++;
    if (this.inBatch < (mode === 'each' ? 1 : (this.config.confirmBatch ?? 100))) return;
    this.inBatch = 0;
    this.awaitingConfirms = true;
    const waiting = channel as Channel & { waitForConfirms(): Promise<void> };
    waiting
      .waitForConfirms()
      .catch(() => {
        // A nack or a closed channel: the ack/nack events have recorded what happened.
      })
      .finally(() => {
        if (this.channel !== channel) return;
        this.awaitingConfirms = false;
        if (this.config.rate === 0 && !this.stopped) this.pump();
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

  /** The scenario's headers for message `seq`, its header sets in turn; none without any. */
  private headersOf(seq: number): { headers: HeaderSet } | undefined {
    const sets = this.config.headers ?? [];
    const set = sets.length === 0 ? undefined : sets[(seq - 1) % sets.length];
    return set === undefined ? undefined : { headers: set };
  }

  /** Publish one message now (also used by "send one" requests); false without a connection. */
  publishOne(routingKey?: string, body?: string, correlationId?: string): boolean {
    const channel = this.channel;
    if (!channel) return false;
    const keys = this.config.routingKeys;
    const seq = ++this.seq;
    const cycled = keys[(seq - 1) % keys.length] ?? '';
    const key = routingKey ?? cycled;
    if (key !== cycled) this.reporter.overrideKey(seq, key);
    const now = Date.now();
    const numbers = this.config.rpc?.numbers;
    const n = numbers?.[(seq - 1) % numbers.length] ?? seq;
    const fixed = body === undefined ? this.fixedBody(this.config.body) : undefined;
    const text = fixed
      ? undefined
      : (body ?? renderBody(this.config.body, seq, key, this.config.id, n));
    const content = fixed ?? Buffer.from(text ?? '');
    // A request: where to reply, and the id that pairs the reply with it (kept across retries).
    const request =
      this.rpc &&
      (correlationId === undefined
        ? this.rpc.request(seq, text ?? this.config.body)
        : { replyTo: this.rpc.replyQueue, correlationId });
    // Who, which and when travel in two standard properties (lab-message.ts): no headers table.
    const { id, persistent } = this.config;
    const lab = labPublishOptions(this.appId, id, seq, now, persistent);
    this.lastMessageId = lab.messageId;
    const ok = channel.publish(this.config.exchange, key, content, {
      ...lab,
      ...this.headersOf(seq),
      ...(request ? { replyTo: request.replyTo, correlationId: request.correlationId } : {}),
      ...(this.config.priorities || this.config.ttlMs !== undefined
        ? limitProperties(this.config, seq)
        : undefined),
    });
    this.publishedAt[(seq - this.tagBase) & 0xffff] = performance.now();
    if (++this.inFlight >= maxInFlight) this.pausedForConfirms = true;
    this.reporter.published(seq, now);
    if (!ok) this.waitingForDrain = true;
    return true;
  }
}
