import type { PublishedSegment, SeqRun } from '../actors/protocol.js';
import { DeliveryOrder } from './delivery-order.js';
import { LatencyBook } from './latency-book.js';
import { LimitsLedger } from './limits-ledger.js';
import { RunEvents } from './run-events.js';
import { SeqSet } from './seq-set.js';
import { FirstDeliveries } from './single-active.js';
import { Timeline } from './timeline.js';

interface ProducerEntry {
  /** Highest sequence number published (messages are numbered 1..lastSeq). */
  lastSeq: number;
  /** When each stretch of messages went out (one per batch, ~50 ms each). */
  readonly segments: PublishedSegment[];
  /** Messages sent by hand with a routing key outside the producer's cycle. */
  readonly keys: Map<number, string>;
}

/** What happened to lab messages, one set per producer for each of these. */
export type Mark =
  /** Delivered to a lab consumer (first time or again). */
  | 'delivered'
  /** Delivered with redelivered = true (after a crash or a requeue). */
  | 'redelivered'
  /** Delivered while the consumer ran with automatic ack: the broker forgot it on delivery. */
  | 'autoDelivered'
  /** Handled to the end by a lab consumer (acknowledged after its work, or finished under auto ack). */
  | 'handled'
  /** Rejected without requeue from a queue without a dead-letter exchange: discarded. */
  | 'dropped'
  /** Rejected without requeue from a queue with a dead-letter exchange: moved on. */
  | 'deadLettered'
  /** Retries: moved to the parking queue after the last attempt. */
  | 'parked'
  /** Retries: delivered again after dead-lettering. */
  | 'retried'
  /** Returned to the producer as unroutable (mandatory, no queue bound for the key). */
  | 'returned'
  /** Confirmed by the broker (publisher confirms): the broker took responsibility for them. */
  | 'confirmed'
  /** Refused by the broker with a nack. */
  | 'nacked'
  /** Read back from a queue at the end of the run: still waiting there. */
  | 'left';

/** Per producer, one set. */
type Sets = Map<string, SeqSet>;

function setOf(map: Sets, producer: string): SeqSet {
  let set = map.get(producer);
  if (!set) {
    set = new SeqSet();
    map.set(producer, set);
  }
  return set;
}

function setsOf<K>(map: Map<K, Sets>, key: K): Sets {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}

function bumpBy(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Add runs to per-producer sets; returns how many were there already. */
function addRuns(map: Sets, runs: readonly SeqRun[]): number {
  let again = 0;
  for (const [producer, first, last] of runs) again += setOf(map, producer).add(first, last);
  return again;
}

const marks: readonly Mark[] = [
  'delivered',
  'redelivered',
  'autoDelivered',
  'handled',
  'dropped',
  'deadLettered',
  'parked',
  'retried',
  'returned',
  'confirmed',
  'nacked',
  'left',
];

/**
 * Which lab messages were published, and what became of each, by id: where it was delivered and
 * by whom, how it was settled, what the broker answered, where it still waited at the end. Fed
 * with the sequence runs actors report; the accounting and the self-checks read it. One bit per
 * message per set, whatever order the messages came in.
 */
export class Ledger {
  readonly producers = new Map<string, ProducerEntry>();
  private readonly sets = new Map<Mark, Sets>(marks.map((m) => [m, new Map()]));
  /** Per queue: delivered from it, handled from it, read back from it at the end. */
  readonly byQueue = new Map<string, Sets>();
  readonly handledByQueue = new Map<string, Sets>();
  readonly leftByQueue = new Map<string, Sets>();
  /** Dead-lettered from each queue (rejected without requeue into its dead-letter exchange). */
  readonly deadLetteredFrom = new Map<string, Sets>();
  /** Per consumer: delivered to it, and settled by it (handled, rejected, requeued or parked). */
  readonly byConsumer = new Map<string, Sets>();
  readonly settledByConsumer = new Map<string, Sets>();
  /** Retries: handled (acknowledged) by a consumer with retries. */
  readonly acked = new Map<string, SeqSet>();
  /** Lab messages each consumer received, per routing key. */
  readonly keysByConsumer = new Map<string, Map<string, number>>();
  /** Which queues each consumer consumed from (a subscriber gets a new one after a reconnect). */
  readonly queuesOf = new Map<string, Set<string>>();
  /** Stream queues: read by every consumer, so deliveries are counted per consumer there. */
  readonly streams = new Set<string>();
  /** First deliveries that came before an older message of the same producer (the ordering check). */
  readonly order = new DeliveryOrder();
  /** Each consumer's first deliveries per queue and producer (the single-active check). */
  readonly firsts = new FirstDeliveries();
  /** Priorities, per-message TTLs and what the broker dead-lettered on the way. */
  readonly limits = new LimitsLedger();
  /** Publish → first delivery latency, per queue and consumer. */
  readonly latency = new LatencyBook();
  /** First deliveries per second (published ones come from the producers' segments). */
  readonly timeline = new Timeline();
  /** What happened when (actors, tour steps, nodes): not per message, but kept alike. */
  readonly events = new RunEvents();
  duplicates = 0;
  /** Duplicates per queue (delivered again from it without the redelivered flag). */
  readonly duplicatesByQueue = new Map<string, number>();
  redeliveries = 0;
  readonly redeliveriesByQueue = new Map<string, number>();
  deliveries = 0;
  /** Deliveries that were a message coming back through dead-lettering (a retry). */
  retries = 0;
  /** Rejections without requeue into a dead-letter exchange. */
  deadLetterings = 0;
  /** Acknowledged or parked twice: a message that should have been settled once. */
  settledTwice = 0;
  /** Confirms (or nacks) the broker sent for a message it had already answered. */
  confirmedTwice = 0;

  /** The set of one mark for one producer (empty when nothing was marked). */
  set(mark: Mark, producer: string): SeqSet | undefined {
    return this.sets.get(mark)?.get(producer);
  }

  has(mark: Mark, producer: string, seq: number): boolean {
    return this.set(mark, producer)?.has(seq) ?? false;
  }

  private mark(mark: Mark, runs: readonly SeqRun[]): number {
    const map = this.sets.get(mark);
    return map ? addRuns(map, runs) : 0;
  }

  recordPublished(
    producer: string,
    lastSeq: number,
    segment?: PublishedSegment,
    keyOverrides: readonly (readonly [number, string])[] = [],
  ): void {
    let entry = this.producers.get(producer);
    if (!entry) {
      entry = { lastSeq: 0, segments: [], keys: new Map() };
      this.producers.set(producer, entry);
    }
    if (lastSeq > entry.lastSeq) entry.lastSeq = lastSeq;
    if (segment) entry.segments.push(segment);
    for (const [seq, key] of keyOverrides) entry.keys.set(seq, key);
  }

  /** When a message went out (the end of its batch), if its batch was recorded. */
  publishedAt(producer: string, seq: number): number | undefined {
    const segments = this.producers.get(producer)?.segments ?? [];
    let lo = 0;
    let hi = segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const segment = segments[mid];
      if (segment === undefined) break;
      const [first, last, , lastAt] = segment;
      if (seq < first) hi = mid - 1;
      else if (seq > last) lo = mid + 1;
      else return lastAt;
    }
    return undefined;
  }

  /** The routing key a message went out with, when it was not the cycle's. */
  keyOf(producer: string, seq: number): string | undefined {
    return this.producers.get(producer)?.keys.get(seq);
  }

  recordReceived(
    consumer: string,
    queue: string,
    runs: readonly SeqRun[],
    redelivered: boolean,
    autoAck = false,
  ): void {
    if (runs.length === 0) return;
    let queues = this.queuesOf.get(consumer);
    if (!queues) {
      queues = new Set();
      this.queuesOf.set(consumer, queues);
    }
    queues.add(queue);
    // A stream is read, not consumed: each consumer gets every message, so it counts apart.
    const from = this.streams.has(queue) ? `${queue} · ${consumer}` : queue;
    const fromQueue = setsOf(this.byQueue, from);
    const toConsumer = setsOf(this.byConsumer, consumer);
    for (const [producer, first, last] of runs) {
      const count = last - first + 1;
      this.deliveries += count;
      const inQueue = setOf(fromQueue, producer);
      if (redelivered) {
        this.redeliveries += count;
        bumpBy(this.redeliveriesByQueue, from, count);
      } else {
        this.order.note(consumer, queue, producer, first, last, (seq) => inQueue.has(seq));
        this.firsts.note(queue, consumer, producer, first, last);
      }
      const seenInQueue = inQueue.add(first, last);
      if (!redelivered && seenInQueue > 0) {
        this.duplicates += seenInQueue;
        bumpBy(this.duplicatesByQueue, from, seenInQueue);
      }
      setOf(toConsumer, producer).add(first, last);
    }
    this.mark('delivered', runs);
    if (redelivered) this.mark('redelivered', runs);
    if (autoAck) this.mark('autoDelivered', runs);
  }

  /**
   * Deliveries of messages back from a retry (dead-lettered, then routed to the queue again):
   * received, but neither a duplicate nor a redelivery.
   */
  recordRetried(consumer: string, queue: string, runs: readonly SeqRun[]): void {
    this.mark('delivered', runs);
    this.mark('retried', runs);
    addRuns(setsOf(this.byConsumer, consumer), runs);
    addRuns(setsOf(this.byQueue, queue), runs);
    for (const [, first, last] of runs) {
      const count = last - first + 1;
      this.deliveries += count;
      this.retries += count;
    }
  }

  /** Handled to the end by `consumer` from `queue`. */
  recordHandled(consumer: string, queue: string, runs: readonly SeqRun[], retry = false): void {
    this.mark('handled', runs);
    addRuns(setsOf(this.handledByQueue, queue), runs);
    this.settled(consumer, runs);
    if (retry) this.settledTwice += addRuns(this.acked, runs);
  }

  /** Rejected without requeue: discarded, or dead-lettered when the queue has a dead-letter exchange. */
  recordRejected(
    consumer: string,
    queue: string,
    runs: readonly SeqRun[],
    deadLettered: boolean,
  ): void {
    if (runs.length === 0) return;
    this.settled(consumer, runs);
    if (!deadLettered) {
      this.mark('dropped', runs);
      return;
    }
    this.mark('deadLettered', runs);
    addRuns(setsOf(this.deadLetteredFrom, queue), runs);
    for (const [, first, last] of runs) this.deadLetterings += last - first + 1;
  }

  /** Rejected with requeue: back in the queue, not held by the consumer any more. */
  recordRequeued(consumer: string, runs: readonly SeqRun[]): void {
    this.settled(consumer, runs);
  }

  /** Retries: moved to the parking queue. */
  recordParked(consumer: string, runs: readonly SeqRun[]): void {
    this.settledTwice += this.mark('parked', runs);
    this.settled(consumer, runs);
  }

  private settled(consumer: string, runs: readonly SeqRun[]): void {
    addRuns(setsOf(this.settledByConsumer, consumer), runs);
  }

  recordReturned(runs: readonly SeqRun[]): void {
    this.mark('returned', runs);
  }

  recordConfirmed(runs: readonly SeqRun[], ok: boolean): void {
    this.confirmedTwice += this.mark(ok ? 'confirmed' : 'nacked', runs);
  }

  /** Read back from `queue` at the end of the run. */
  recordLeft(queue: string, runs: readonly SeqRun[]): void {
    this.mark('left', runs);
    addRuns(setsOf(this.leftByQueue, queue), runs);
  }

  recordKeys(consumer: string, keys: readonly (readonly [string, number])[]): void {
    if (keys.length === 0) return;
    let map = this.keysByConsumer.get(consumer);
    if (!map) {
      map = new Map();
      this.keysByConsumer.set(consumer, map);
    }
    for (const [key, n] of keys) map.set(key, (map.get(key) ?? 0) + n);
  }

  /** Whether any producer asked for publisher confirms (they all do today; older records may not). */
  get confirms(): boolean {
    return (this.sets.get('confirmed')?.size ?? 0) + (this.sets.get('nacked')?.size ?? 0) > 0;
  }

  /** Per producer: confirmed, nacked, both (a protocol breach), and neither (unanswered). */
  confirmTally(): {
    producer: string;
    confirmed: number;
    nacked: number;
    both: number;
    none: number;
  }[] {
    return [...this.producers].map(([producer, p]) => {
      const ok = this.set('confirmed', producer);
      const no = this.set('nacked', producer);
      const tally = { producer, confirmed: 0, nacked: 0, both: 0, none: 0 };
      for (let seq = 1; seq <= p.lastSeq; seq++) {
        const c = ok?.has(seq) ?? false;
        const n = no?.has(seq) ?? false;
        if (c && n) tally.both++;
        else if (c) tally.confirmed++;
        else if (n) tally.nacked++;
        else tally.none++;
      }
      return tally;
    });
  }

  /** Messages confirmed, or undefined when no producer reported confirms. */
  totalConfirmed(): number | undefined {
    if (!this.confirms) return undefined;
    let n = 0;
    for (const [producer, p] of this.producers) {
      n += this.set('confirmed', producer)?.countUpTo(p.lastSeq) ?? 0;
    }
    return n;
  }

  /** Whether the broker took responsibility for a message (always, for producers without confirms). */
  promised(producer: string, seq: number): boolean {
    if (!this.confirms) return true;
    return this.has('confirmed', producer, seq) && !this.has('nacked', producer, seq);
  }

  totalPublished(): number {
    let n = 0;
    for (const p of this.producers.values()) n += p.lastSeq;
    return n;
  }

  /** Published messages with this mark. */
  total(mark: Mark): number {
    let n = 0;
    for (const [producer, p] of this.producers) {
      n += this.set(mark, producer)?.countUpTo(p.lastSeq) ?? 0;
    }
    return n;
  }

  /**
   * Retries: published messages by how they ended. Unconfirmed ones that never arrived are not
   * promised; `both` were acknowledged and parked. Given the consumers with retries, messages
   * that only other consumers received are left out.
   */
  settlement(retryConsumers?: ReadonlySet<string>): {
    acked: number;
    parked: number;
    both: number;
    neither: string[];
    open: number;
  } {
    const out = { acked: 0, parked: 0, both: 0, neither: [] as string[], open: 0 };
    for (const [producer, p] of this.producers) {
      const acked = this.acked.get(producer);
      const parked = this.set('parked', producer);
      const delivered = this.set('delivered', producer);
      const byRetry = retryConsumers
        ? [...retryConsumers].flatMap((c) => this.byConsumer.get(c)?.get(producer) ?? [])
        : undefined;
      for (let seq = 1; seq <= p.lastSeq; seq++) {
        const a = acked?.has(seq) ?? false;
        const k = parked?.has(seq) ?? false;
        if (a && k) out.both++;
        else if (a) out.acked++;
        else if (k) out.parked++;
        else if (!this.promised(producer, seq) && !delivered?.has(seq)) continue;
        // Messages only consumers without retries got are theirs to settle, not this check's.
        else if (byRetry && delivered?.has(seq) && !byRetry.some((set) => set.has(seq))) continue;
        else {
          out.open++;
          if (out.neither.length < 3) out.neither.push(`${producer}-${seq}`);
        }
      }
    }
    return out;
  }

  /** Promised messages not handled, parked, returned or read back (the end of a run waits on it). */
  unaccounted(): number {
    let n = 0;
    for (const [producer, p] of this.producers) {
      for (let seq = 1; seq <= p.lastSeq; seq++) {
        if (!this.promised(producer, seq)) continue;
        if (this.has('handled', producer, seq) || this.has('returned', producer, seq)) continue;
        if (this.has('parked', producer, seq) || this.has('left', producer, seq)) continue;
        n++;
      }
    }
    return n;
  }

  /** Sequence numbers of `producer` published strictly between two times (whole batches only). */
  publishedBetween(producer: string, after: number, before: number): [number, number][] {
    const entry = this.producers.get(producer);
    if (!entry) return [];
    return entry.segments
      .filter(([, , firstAt, lastAt]) => firstAt > after && lastAt < before)
      .map(([first, last]) => [first, last]);
  }

  receivedBy(consumer: string, producer: string): SeqSet | undefined {
    return this.byConsumer.get(consumer)?.get(producer);
  }

  /** Bytes of the sets (for the bench's memory figures). */
  get bytes(): number {
    let n = 0;
    const count = (sets: Sets) => {
      for (const s of sets.values()) n += s.bytes;
    };
    for (const sets of this.sets.values()) count(sets);
    for (const group of [
      this.byQueue,
      this.handledByQueue,
      this.leftByQueue,
      this.deadLetteredFrom,
      this.byConsumer,
      this.settledByConsumer,
    ])
      for (const sets of group.values()) count(sets);
    count(this.acked);
    return n;
  }
}
