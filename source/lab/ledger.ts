import type { SeqRun } from '../actors/protocol.js';
import { IntervalSet } from './interval-set.js';

/**
 * Which lab messages were published and which were received, by whom. Fed with the sequence runs
 * actors report; the self-checks read it. Mutable on purpose: it can hold millions of messages.
 */
export class Ledger {
  /** Highest sequence number each producer published (messages are numbered 1..n). */
  readonly published = new Map<string, number>();
  /** Union over all consumers, per producer. */
  readonly received = new Map<string, IntervalSet>();
  /** Deliveries of a message that was already delivered, without the redelivered flag. */
  duplicates = 0;

  recordPublished(producer: string, lastSeq: number): void {
    if (lastSeq > (this.published.get(producer) ?? 0)) this.published.set(producer, lastSeq);
  }

  recordReceived(runs: readonly SeqRun[], redelivered: boolean): void {
    for (const [producer, first, last] of runs) {
      let set = this.received.get(producer);
      if (!set) {
        set = new IntervalSet();
        this.received.set(producer, set);
      }
      const seen = set.add(first, last);
      if (!redelivered) this.duplicates += seen;
    }
  }

  totalPublished(): number {
    let n = 0;
    for (const v of this.published.values()) n += v;
    return n;
  }

  /** Published messages received at least once. */
  totalReceived(): number {
    let n = 0;
    for (const [producer, last] of this.published) {
      n += this.received.get(producer)?.countUpTo(last) ?? 0;
    }
    return n;
  }

  /** A few examples of messages published but never received, as message ids. */
  missingExamples(limit = 5): string[] {
    const out: string[] = [];
    for (const [producer, last] of this.published) {
      const set = this.received.get(producer);
      const seqs = set ? set.missing(last, limit - out.length) : [];
      if (!set) for (let s = 1; s <= Math.min(last, limit - out.length); s++) seqs.push(s);
      for (const s of seqs) out.push(`${producer}-${s}`);
      if (out.length >= limit) break;
    }
    return out;
  }
}
