/**
 * The run over time, one sample a second: what the producers published (from their batches'
 * segments, each counted in the second it ended) and what the consumers received for the first
 * time (counted per second of the consumer's clock, sent with its receipts). Both come from what
 * the record keeps, so a replay gives the same series.
 */
import type { PublishedSegment } from '../actors/protocol.js';

export interface TimelineReport {
  /** The first sample's second (ms since epoch, a whole second); sample i is the second after. */
  readonly fromMs: number;
  readonly published: readonly number[];
  readonly delivered: readonly number[];
}

export class Timeline {
  private readonly delivered = new Map<number, number>();

  note(perSecond: readonly (readonly [second: number, count: number])[]): void {
    for (const [second, n] of perSecond)
      this.delivered.set(second, (this.delivered.get(second) ?? 0) + n);
  }

  report(
    startedAt: number,
    endedAt: number,
    segments: Iterable<readonly PublishedSegment[]>,
  ): TimelineReport {
    const first = Math.floor(startedAt / 1000);
    const length = Math.max(1, Math.floor(endedAt / 1000) - first + 1);
    const published = new Array<number>(length).fill(0);
    const delivered = new Array<number>(length).fill(0);
    const at = (second: number) => Math.min(length - 1, Math.max(0, second - first));
    const add = (series: number[], second: number, n: number) => {
      const i = at(second);
      series[i] = (series[i] ?? 0) + n;
    };
    for (const list of segments)
      for (const [lo, hi, , lastAt] of list) add(published, Math.floor(lastAt / 1000), hi - lo + 1);
    for (const [second, n] of this.delivered) add(delivered, second, n);
    return { fromMs: first * 1000, published, delivered };
  }
}
