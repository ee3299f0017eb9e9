/**
 * Priority order, as each consumer saw it. A producer's messages reach a queue in publish order;
 * a priority queue then delivers the highest priority waiting first. So, for one producer, one
 * queue and one consumer, a first delivery of message s after a later message s' (s' > s) means s
 * was waiting when s' was delivered (a first delivery has never left the queue before):
 * - s' has a higher priority: s' overtook s, what a priority queue is for;
 * - s' has a lower one: the queue delivered a lower priority while a higher one waited, an
 *   inversion, which a priority queue never does;
 * - the same priority: plain reordering, the ordering check's business.
 * What a consumer already holds (its prefetch) cannot be overtaken: it left the queue. Priorities
 * above the queue's x-max-priority count as its maximum, as the broker counts them; a queue without
 * x-max-priority gives every message priority 0. Fed in arrival order, as consumers report.
 */

const MAX_EXAMPLES = 3;

export interface PriorityTally {
  /** First deliveries of messages with this priority (as published). */
  delivered: number;
  /** Of those: delivered after a later message with a higher priority. */
  overtaken: number;
  /** Publish → delivery, summed over `waited` deliveries (the consumer's own clock). */
  waitMs: number;
  waited: number;
}

export class PriorityOrder {
  /** Per consumer, queue and producer: the highest sequence number first-delivered at each priority. */
  private readonly highest = new Map<string, Map<number, number>>();
  /** Per queue, per priority as published. */
  readonly byQueue = new Map<string, Map<number, PriorityTally>>();
  overtaken = 0;
  inverted = 0;
  readonly invertedByQueue = new Map<string, number>();
  readonly examples: string[] = [];

  private tally(queue: string, priority: number): PriorityTally {
    let tallies = this.byQueue.get(queue);
    if (!tallies) {
      tallies = new Map();
      this.byQueue.set(queue, tallies);
    }
    let t = tallies.get(priority);
    if (!t) {
      t = { delivered: 0, overtaken: 0, waitMs: 0, waited: 0 };
      tallies.set(priority, t);
    }
    return t;
  }

  /**
   * First deliveries first..last of `producer` from `queue` to `consumer`; `priority` gives each
   * one's priority as published, `cap` the queue's x-max-priority (0 without one, undefined when
   * unknown), `seenBefore` tells a duplicate (not judged here).
   */
  note(
    delivery: { consumer: string; queue: string; producer: string; first: number; last: number },
    priority: (seq: number) => number,
    cap: number | undefined,
    seenBefore: (seq: number) => boolean,
  ): void {
    const { consumer, queue, producer } = delivery;
    const key = `${consumer}\u0000${queue}\u0000${producer}`;
    let highest = this.highest.get(key);
    if (!highest) {
      highest = new Map();
      this.highest.set(key, highest);
    }
    for (let seq = delivery.first; seq <= delivery.last; seq++) {
      if (seenBefore(seq)) continue;
      const published = priority(seq);
      const p = cap === undefined ? published : Math.min(published, cap);
      const t = this.tally(queue, published);
      t.delivered++;
      let overtaken = false;
      let before: [number, number] | undefined;
      for (const [q, max] of highest) {
        if (max <= seq || q === p) continue;
        if (q > p) overtaken = true;
        else before = [q, max];
      }
      if (overtaken) {
        t.overtaken++;
        this.overtaken++;
      }
      if (before) {
        const [q, max] = before;
        this.invert(
          queue,
          `${producer}-${seq} (priority ${p}) after ${producer}-${max} (priority ${q}), ${consumer} from ${queue}`,
        );
      }
      if (seq > (highest.get(p) ?? 0)) highest.set(p, seq);
    }
  }

  private invert(queue: string, example: string): void {
    this.inverted++;
    this.invertedByQueue.set(queue, (this.invertedByQueue.get(queue) ?? 0) + 1);
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(example);
  }

  /** The consumer's measured waits: [priority, count, summed ms] from `queue`. */
  noteWaits(queue: string, waits: readonly (readonly [number, number, number])[]): void {
    for (const [priority, n, ms] of waits) {
      const t = this.tally(queue, priority);
      t.waited += n;
      t.waitMs += ms;
    }
  }
}
