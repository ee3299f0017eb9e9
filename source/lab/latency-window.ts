/**
 * The screen's latency line: publish → first delivery, p50/p95/p99 per queue over the last 10 s,
 * from the histograms consumers send with their receipts (a histogram a second, the oldest
 * dropped). Kept in the main process beside the state; its figures ride on each poll.
 */
import { type LatencyBuckets, LatencyHistogram } from '../actors/latency.js';
import type { LatencyFigures } from './latency-book.js';

export const LATENCY_WINDOW_MS = 10_000;

export class LatencyWindow {
  private readonly byQueue = new Map<string, Map<number, LatencyHistogram>>();

  note(queue: string, buckets: LatencyBuckets, at: number): void {
    let seconds = this.byQueue.get(queue);
    if (!seconds) {
      seconds = new Map();
      this.byQueue.set(queue, seconds);
    }
    const second = Math.floor(at / 1000);
    let h = seconds.get(second);
    if (!h) {
      h = new LatencyHistogram();
      seconds.set(second, h);
    }
    h.merge(buckets);
  }

  /** Per queue with deliveries in the window: the figures over the last 10 s before `now`. */
  figures(now: number): Record<string, LatencyFigures> {
    const from = Math.floor((now - LATENCY_WINDOW_MS) / 1000);
    const out: Record<string, LatencyFigures> = {};
    for (const [queue, seconds] of this.byQueue) {
      const all = new LatencyHistogram();
      for (const [second, h] of seconds) {
        if (second < from) seconds.delete(second);
        else all.merge(h.buckets());
      }
      if (all.count === 0) continue;
      out[queue] = {
        count: all.count,
        p50: Math.round(all.percentile(0.5) ?? 0),
        p95: Math.round(all.percentile(0.95) ?? 0),
        p99: Math.round(all.percentile(0.99) ?? 0),
      };
    }
    return out;
  }
}
