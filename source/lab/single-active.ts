/**
 * Which messages each consumer got first from each queue, as ranges of sequence numbers per
 * producer: the `single-active` check reads them. With a single active consumer the broker
 * delivers a queue's messages to one consumer at a time, in queue order, so one consumer's first
 * deliveries all come before the next one's (what the one before held comes again, redelivered,
 * and is not counted); on a queue several consumers share, the ranges interleave.
 */

export interface FirstRange {
  readonly consumer: string;
  readonly producer: string;
  min: number;
  max: number;
  count: number;
}

export class FirstDeliveries {
  /** Per queue, in the order each consumer's first message arrived. */
  private readonly byQueue = new Map<string, Map<string, FirstRange>>();

  /** Messages first..last of `producer`, delivered from `queue` to `consumer` for the first time. */
  note(queue: string, consumer: string, producer: string, first: number, last: number): void {
    let ranges = this.byQueue.get(queue);
    if (!ranges) {
      ranges = new Map();
      this.byQueue.set(queue, ranges);
    }
    const key = `${consumer}\u0000${producer}`;
    const range = ranges.get(key);
    if (range === undefined) {
      ranges.set(key, { consumer, producer, min: first, max: last, count: last - first + 1 });
      return;
    }
    range.min = Math.min(range.min, first);
    range.max = Math.max(range.max, last);
    range.count += last - first + 1;
  }

  /** One queue's ranges, in the order their consumers started receiving. */
  of(queue: string): readonly FirstRange[] {
    return [...(this.byQueue.get(queue)?.values() ?? [])];
  }
}
