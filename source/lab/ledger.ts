import type { PublishedSegment, SeqRun } from '../actors/protocol.js';
import { IntervalSet } from './interval-set.js';

interface ProducerEntry {
  /** Highest sequence number published (messages are numbered 1..lastSeq). */
  lastSeq: number;
  /** When each stretch of messages went out (one per batch, ~50 ms each). */
  readonly segments: PublishedSegment[];
  /** Messages sent by hand with a routing key outside the producer's cycle. */
  readonly keys: Map<number, string>;
}

function setIn<K>(map: Map<K, Map<string, IntervalSet>>, key: K, producer: string): IntervalSet {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map();
    map.set(key, inner);
  }
  let set = inner.get(producer);
  if (!set) {
    set = new IntervalSet();
    inner.set(producer, set);
  }
  return set;
}

/** Add the runs to the per-producer sets; returns how many were in them already. */
function addRuns(map: Map<string, IntervalSet>, runs: readonly SeqRun[]): number {
  let again = 0;
  for (const [producer, first, last] of runs) {
    let set = map.get(producer);
    if (!set) {
      set = new IntervalSet();
      map.set(producer, set);
    }
    again += set.add(first, last);
  }
  return again;
}

/**
 * Which lab messages were published, and which were received where and by whom. Fed with the
 * sequence runs actors report; the self-checks read it. Mutable on purpose: it can hold millions
 * of messages as a handful of ranges.
 */
export class Ledger {
  readonly producers = new Map<string, ProducerEntry>();
  /** Union over all consumers, per producer. */
  readonly received = new Map<string, IntervalSet>();
  /** Per queue, per producer: a message delivered twice from one queue without the redelivered flag is a duplicate. */
  readonly byQueue = new Map<string, Map<string, IntervalSet>>();
  /** Per consumer, per producer. */
  readonly byConsumer = new Map<string, Map<string, IntervalSet>>();
  /** Rejected without requeue by a lab consumer: gone from the queue. */
  readonly dropped = new Map<string, IntervalSet>();
  /** Returned to the producer as unroutable (no queue bound for the key). */
  readonly returned = new Map<string, IntervalSet>();
  /** Confirmed by the broker (publisher confirms): the broker took responsibility for them. */
  readonly confirmed = new Map<string, IntervalSet>();
  /** Refused by the broker with a nack. */
  readonly refused = new Map<string, IntervalSet>();
  /** Lab messages each consumer received, per routing key. */
  readonly keysByConsumer = new Map<string, Map<string, number>>();
  /** Retries: handled and acknowledged by a consumer with retries (its last delivery). */
  readonly acked = new Map<string, IntervalSet>();
  /** Retries: moved to the parking queue after the last attempt. */
  readonly parked = new Map<string, IntervalSet>();
  duplicates = 0;
  redeliveries = 0;
  deliveries = 0;
  /** Deliveries that were a message coming back through dead-lettering (a retry). */
  retries = 0;
  /** Rejections without requeue from a queue with a dead-letter exchange: moved, not lost. */
  deadLettered = 0;
  /** Acknowledged or parked twice: a message that should have been settled once. */
  settledTwice = 0;

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

  /** The routing key a message went out with, when it was not the cycle's. */
  keyOf(producer: string, seq: number): string | undefined {
    return this.producers.get(producer)?.keys.get(seq);
  }

  recordReceived(
    consumer: string,
    queue: string,
    runs: readonly SeqRun[],
    redelivered: boolean,
  ): void {
    for (const [producer, first, last] of runs) {
      const count = last - first + 1;
      this.deliveries += count;
      if (redelivered) this.redeliveries += count;
      let all = this.received.get(producer);
      if (!all) {
        all = new IntervalSet();
        this.received.set(producer, all);
      }
      all.add(first, last);
      const seenInQueue = setIn(this.byQueue, queue, producer).add(first, last);
      if (!redelivered) this.duplicates += seenInQueue;
      setIn(this.byConsumer, consumer, producer).add(first, last);
    }
  }

  /**
   * Deliveries of messages back from a retry (dead-lettered, then routed to the queue again):
   * received, but neither a duplicate nor a redelivery.
   */
  recordRetried(consumer: string, runs: readonly SeqRun[]): void {
    addRuns(this.received, runs);
    for (const [producer, first, last] of runs) {
      const count = last - first + 1;
      this.deliveries += count;
      this.retries += count;
      setIn(this.byConsumer, consumer, producer).add(first, last);
    }
  }

  recordDropped(runs: readonly SeqRun[]): void {
    addRuns(this.dropped, runs);
  }

  recordDeadLettered(runs: readonly SeqRun[]): void {
    for (const [, first, last] of runs) this.deadLettered += last - first + 1;
  }

  /** Retries: how messages ended, acknowledged or parked. */
  recordSettled(runs: readonly SeqRun[], outcome: 'acked' | 'parked'): void {
    this.settledTwice += addRuns(outcome === 'acked' ? this.acked : this.parked, runs);
  }

  /**
   * Retries: published messages by how they ended. Unconfirmed ones that never arrived are not
   * promised (as in notReceived); `both` were acknowledged and parked. Given the consumers with
   * retries, messages that only other consumers received are left out.
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
      const parked = this.parked.get(producer);
      const confirmed = this.confirmed.get(producer);
      const received = this.received.get(producer);
      // Messages only consumers without retries got are theirs to settle, not this check's.
      const byRetry = retryConsumers
        ? [...retryConsumers].flatMap((c) => this.byConsumer.get(c)?.get(producer) ?? [])
        : undefined;
      for (let seq = 1; seq <= p.lastSeq; seq++) {
        const a = acked?.has(seq) ?? false;
        const k = parked?.has(seq) ?? false;
        if (a && k) out.both++;
        else if (a) out.acked++;
        else if (k) out.parked++;
        else if (confirmed && !confirmed.has(seq) && !received?.has(seq)) continue;
        else if (byRetry && received?.has(seq) && !byRetry.some((set) => set.has(seq))) continue;
        else {
          out.open++;
          if (out.neither.length < 3) out.neither.push(`${producer}-${seq}`);
        }
      }
    }
    return out;
  }

  recordReturned(runs: readonly SeqRun[]): void {
    addRuns(this.returned, runs);
  }

  /** Confirms (or nacks) the broker sent for a message it had already answered. */
  confirmedTwice = 0;

  recordConfirmed(runs: readonly SeqRun[], ok: boolean): void {
    this.confirmedTwice += addRuns(ok ? this.confirmed : this.refused, runs);
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
      const ok = this.confirmed.get(producer);
      const no = this.refused.get(producer);
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

  /**
   * Published messages never received, split by what the broker said of them: confirmed ones
   * are lost (the broker had taken them), unconfirmed ones were in flight when a connection
   * dropped, refused ones were nacked (the publisher knows). Returned (unroutable) ones are none
   * of these. Producers that never reported a confirm count as confirmed throughout.
   */
  notReceived(): { confirmed: number; unconfirmed: number; refused: number } {
    const out = { confirmed: 0, unconfirmed: 0, refused: 0 };
    for (const [producer, p] of this.producers) {
      const received = this.received.get(producer);
      const returned = this.returned.get(producer);
      const confirmed = this.confirmed.get(producer);
      const refused = this.refused.get(producer);
      for (let seq = 1; seq <= p.lastSeq; seq++) {
        if (received?.has(seq) || returned?.has(seq)) continue;
        if (refused?.has(seq)) out.refused++;
        else if (!confirmed || confirmed.has(seq)) out.confirmed++;
        else out.unconfirmed++;
      }
    }
    return out;
  }

  /** Messages confirmed, or undefined when no producer reported confirms. */
  totalConfirmed(): number | undefined {
    if (this.confirmed.size === 0 && this.refused.size === 0) return undefined;
    let n = 0;
    for (const [producer, p] of this.producers) {
      n += this.confirmed.get(producer)?.countUpTo(p.lastSeq) ?? 0;
    }
    return n;
  }

  /** Returned as unroutable and never received anyway. */
  totalReturned(): number {
    let n = 0;
    for (const [producer, p] of this.producers) {
      const returned = this.returned.get(producer);
      if (!returned) continue;
      const received = this.received.get(producer);
      for (let seq = 1; seq <= p.lastSeq; seq++) {
        if (returned.has(seq) && !received?.has(seq)) n++;
      }
    }
    return n;
  }

  recordKeys(consumer: string, keys: readonly (readonly [string, number])[]): void {
    let map = this.keysByConsumer.get(consumer);
    if (!map) {
      map = new Map();
      this.keysByConsumer.set(consumer, map);
    }
    for (const [key, n] of keys) map.set(key, (map.get(key) ?? 0) + n);
  }

  totalPublished(): number {
    let n = 0;
    for (const p of this.producers.values()) n += p.lastSeq;
    return n;
  }

  /** Published messages received at least once. */
  totalReceived(): number {
    let n = 0;
    for (const [producer, p] of this.producers) {
      n += this.received.get(producer)?.countUpTo(p.lastSeq) ?? 0;
    }
    return n;
  }

  totalDropped(): number {
    let n = 0;
    for (const [producer, p] of this.producers) {
      n += this.dropped.get(producer)?.countUpTo(p.lastSeq) ?? 0;
    }
    return n;
  }

  /** A few messages published (and confirmed, if the producer confirms) but never received. */
  missingExamples(limit = 5): string[] {
    const out: string[] = [];
    for (const [producer, p] of this.producers) {
      const received = this.received.get(producer);
      const confirmed = this.confirmed.get(producer);
      for (let seq = 1; seq <= p.lastSeq && out.length < limit; seq++) {
        if (received?.has(seq) || this.returned.get(producer)?.has(seq)) continue;
        if (confirmed && !confirmed.has(seq)) continue;
        out.push(`${producer}-${seq}`);
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Sequence numbers of `producer` published strictly between two times (whole batches only). */
  publishedBetween(producer: string, after: number, before: number): [number, number][] {
    const entry = this.producers.get(producer);
    if (!entry) return [];
    return entry.segments
      .filter(([, , firstAt, lastAt]) => firstAt > after && lastAt < before)
      .map(([first, last]) => [first, last]);
  }

  receivedBy(consumer: string, producer: string): IntervalSet | undefined {
    return this.byConsumer.get(consumer)?.get(producer);
  }
}
