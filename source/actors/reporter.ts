import { RingBuffer } from '../util/ring-buffer.js';
import { LatencyHistogram } from './latency.js';
import type {
  BatchCounts,
  ChildMessage,
  ConsumerRuns,
  MessageRecord,
  RpcCounts,
} from './protocol.js';
import { emptyCounts, emptyRpcCounts } from './protocol.js';
import { SeqRunBuilder } from './seq-runs.js';

/** Sends a message to the parent; `written` runs once it is in the pipe (or could not be). */
export type Send = (message: ChildMessage, written?: () => void) => void;

/**
 * Accumulates an actor's observations and sends them to the parent as one batch per interval.
 * What a consumer received and settled also goes out before the broker hears of the settlement
 * (`afterReceipt`): a SIGKILL at any moment leaves the parent knowing at least what the broker
 * knows.
 */
export class BatchReporter {
  counts: BatchCounts = emptyCounts();
  readonly runs = new SeqRunBuilder();
  readonly redeliveredRuns = new SeqRunBuilder();
  readonly droppedRuns = new SeqRunBuilder();
  readonly retriedRuns = new SeqRunBuilder();
  readonly handledRuns = new SeqRunBuilder();
  readonly requeuedRuns = new SeqRunBuilder();
  readonly parkedRuns = new SeqRunBuilder();
  readonly returnedRuns = new SeqRunBuilder();
  readonly confirmedRuns = new SeqRunBuilder();
  readonly nackedRuns = new SeqRunBuilder();
  private confirmMs: [number, number] = [0, 0];
  /** RPC client counts (all zero for other actors, and then not sent). */
  rpc: RpcCounts = emptyRpcCounts();
  keys = new Map<string, number>();
  private segment: [number, number, number, number] | undefined;
  private keyOverrides: [number, string][] = [];
  private samples: RingBuffer<MessageRecord>;
  lastSeq: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  /** Settlements (acks, rejections) waiting for their receipts to reach the parent. */
  private waiting: (() => void)[] = [];
  private receiptScheduled = false;
  /** Receipts written but not yet confirmed as in the pipe. */
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly send: Send,
    readonly intervalMs = 50,
    sampleCapacity = 16,
  ) {
    this.samples = new RingBuffer(sampleCapacity);
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.intervalMs);
  }

  /**
   * Whether a sample is worth building: the flow log shows at most `capacity` per batch, so at
   * high rates the rest would be built only to be thrown away. Notable ones are always kept.
   */
  wantsSample(notable: boolean): boolean {
    return notable || this.samples.size < this.samples.capacity;
  }

  sample(record: MessageRecord): void {
    this.samples.push(record);
    this.dirty = true;
  }

  touch(): void {
    this.dirty = true;
  }

  /** Producer: message seq went out now. */
  published(seq: number, at: number): void {
    this.counts.published++;
    this.lastSeq = seq;
    if (this.segment) {
      this.segment[1] = seq;
      this.segment[3] = at;
    } else {
      this.segment = [seq, seq, at, at];
    }
    this.dirty = true;
  }

  /** Producer: message seq went out with a key the cycle would not have given it. */
  overrideKey(seq: number, key: string): void {
    this.keyOverrides.push([seq, key]);
  }

  /** Producer: the broker confirmed (or refused) messages; makes the next batch go out. */
  confirmed(producer: string, first: number, last: number, ok: boolean): void {
    (ok ? this.confirmedRuns : this.nackedRuns).addRange(producer, first, last);
    this.dirty = true;
  }

  /** Producer: one confirm frame arrived this long after its message was published. */
  confirmLatency(ms: number): void {
    this.confirmMs[0] += ms;
    this.confirmMs[1]++;
  }

  /**
   * Stream consumer: the first and latest offsets received, and the latest sequence number from
   * each producer (sent with every batch once set).
   */
  stream:
    | { first: number; last: number; seen: Record<string, number>; processed?: number }
    | undefined;

  /** Stream consumer: a delivery at this offset (of a lab message, when `id` is given). */
  streamOffset(offset: number, id?: { producer: string; seq: number }): void {
    const seen = this.stream?.seen ?? {};
    if (id) seen[id.producer] = Math.max(seen[id.producer] ?? 0, id.seq);
    this.stream = { ...this.stream, first: this.stream?.first ?? offset, last: offset, seen };
    this.dirty = true;
  }

  /** Stream consumer: it acknowledged the message at this offset (and every one before it). */
  processedOffset(offset: number): void {
    if (this.stream === undefined) return;
    this.stream.processed = Math.max(this.stream.processed ?? -1, offset);
    this.dirty = true;
  }

  /** Consumer: a lab message with this routing key arrived. */
  receivedKey(key: string): void {
    this.keys.set(key, (this.keys.get(key) ?? 0) + 1);
  }

  /**
   * Consumer: run `settle` (an ack, a rejection) once the parent has what was recorded so far.
   * Settlements of one read from the socket (amqplib hands over its messages in one go) share
   * one receipt, sent as soon as that read is handled: waiting for the next turn of the event loop
   * (setImmediate) held the acks back long enough to cap a consumer at prefetch 100 near 17,000
   * messages a second.
   */
  afterReceipt(settle: () => void): void {
    this.waiting.push(settle);
    if (this.receiptScheduled) return;
    this.receiptScheduled = true;
    queueMicrotask(() => this.sendReceipts());
  }

  private takeConsumerRuns(): ConsumerRuns {
    const optional = (name: string, runs: SeqRunBuilder) =>
      runs.size > 0 ? { [name]: runs.take() } : {};
    const out: ConsumerRuns = {
      runs: this.runs.take(),
      redeliveredRuns: this.redeliveredRuns.take(),
      droppedRuns: this.droppedRuns.take(),
      ...optional('retriedRuns', this.retriedRuns),
      ...optional('handledRuns', this.handledRuns),
      ...optional('requeuedRuns', this.requeuedRuns),
      ...optional('parkedRuns', this.parkedRuns),
      keys: [...this.keys],
      ...this.takeLimits(),
    };
    this.keys = new Map();
    return out;
  }

  /** First deliveries' latency from publish, since the last receipt. */
  readonly latency = new LatencyHistogram();
  /** First deliveries per second (epoch seconds), since the last receipt. */
  private perSecond = new Map<number, number>();

  /** Consumer: a lab message came for the first time, at `at` (ms since epoch). */
  deliveredAt(at: number): void {
    const second = Math.floor(at / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + 1);
  }
  private waits = new Map<number, [count: number, ms: number]>();
  private deaths = new Map<string, { queue: string; reason: string; runs: SeqRunBuilder }>();

  /** Consumer: a lab message with this priority waited so long from publish to delivery. */
  waited(priority: number, ms: number): void {
    const w = this.waits.get(priority);
    if (w) {
      w[0]++;
      w[1] += ms;
    } else this.waits.set(priority, [1, ms]);
  }

  /** Consumer: a lab message came dead-lettered from `queue` for `reason` (x-death). */
  died(queue: string, reason: string, id: { producer: string; seq: number }): void {
    const key = `${queue}\u0000${reason}`;
    let entry = this.deaths.get(key);
    if (!entry) {
      entry = { queue, reason, runs: new SeqRunBuilder() };
      this.deaths.set(key, entry);
    }
    entry.runs.add(id.producer, id.seq);
  }

  private takeLimits(): Pick<ConsumerRuns, 'waits' | 'deaths' | 'latency' | 'perSecond'> {
    const out = {
      ...(this.latency.count > 0 ? { latency: this.latency.take() } : {}),
      ...(this.perSecond.size > 0 ? { perSecond: [...this.perSecond] } : {}),
      ...(this.waits.size > 0
        ? { waits: [...this.waits].map(([p, [n, ms]]) => [p, n, ms] as const) }
        : {}),
      ...(this.deaths.size > 0
        ? {
            deaths: [...this.deaths.values()].map(
              (d) => [d.queue, d.reason, d.runs.take()] as const,
            ),
          }
        : {}),
    };
    if (this.perSecond.size > 0) this.perSecond = new Map();
    if (this.waits.size > 0) this.waits = new Map();
    if (this.deaths.size > 0) this.deaths = new Map();
    return out;
  }

  /** Send what was received and settled, then let the waiting settlements go to the broker. */
  sendReceipts(): void {
    this.receiptScheduled = false;
    const settle = this.waiting;
    this.waiting = [];
    this.inFlight++;
    // A tracked stream offset goes with the receipt: what is acknowledged is stored first.
    const stream = this.stream === undefined ? {} : { stream: { ...this.stream } };
    this.send({ type: 'receipts', ...this.takeConsumerRuns(), ...stream }, () => {
      this.inFlight--;
      for (const s of settle) s();
      if (this.inFlight === 0 && this.waiting.length === 0) {
        const idle = this.idle;
        this.idle = [];
        for (const resolve of idle) resolve();
      }
    });
  }

  /** Resolves once every settlement asked for so far has been released to the broker. */
  settled(): Promise<void> {
    if (this.receiptScheduled) this.sendReceipts();
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const samples = this.samples.toArray();
    this.samples.clear();
    this.send({
      type: 'batch',
      counts: this.counts,
      ...this.takeConsumerRuns(),
      returnedRuns: this.returnedRuns.take(),
      ...(this.confirmedRuns.size > 0 ? { confirmedRuns: this.confirmedRuns.take() } : {}),
      ...(this.nackedRuns.size > 0 ? { nackedRuns: this.nackedRuns.take() } : {}),
      ...(this.confirmMs[1] > 0 ? { confirmMs: this.confirmMs } : {}),
      ...(Object.values(this.rpc).some((n) => n > 0) ? { rpc: this.rpc } : {}),
      lastSeq: this.lastSeq,
      segment: this.segment,
      ...(this.keyOverrides.length > 0 ? { keyOverrides: this.keyOverrides } : {}),
      ...(this.stream === undefined ? {} : { stream: this.stream }),
      samples,
    });
    this.keyOverrides = [];
    this.confirmMs = [0, 0];
    this.rpc = emptyRpcCounts();
    this.counts = emptyCounts();
    this.segment = undefined;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
