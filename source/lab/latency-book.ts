/**
 * Publish → delivery latency per queue and per consumer, from the histograms consumers send with
 * their receipts (first deliveries only: a redelivery's wait is another story). The report gives
 * p50, p95 and p99 of each; a replayed record merges the same buckets.
 */
import { type LatencyBuckets, LatencyHistogram } from '../actors/latency.js';

export interface LatencyFigures {
  readonly count: number;
  /** Milliseconds, each within 10 % (the histogram's bucket width). */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export interface LatencyReport {
  readonly queues: readonly ({ readonly queue: string } & LatencyFigures)[];
  readonly consumers: readonly ({
    readonly consumer: string;
    readonly queue: string;
  } & LatencyFigures)[];
}

const round = (ms: number | undefined) =>
  ms === undefined ? 0 : ms < 10 ? Math.round(ms * 10) / 10 : Math.round(ms);

function figures(h: LatencyHistogram): LatencyFigures {
  return {
    count: h.count,
    p50: round(h.percentile(0.5)),
    p95: round(h.percentile(0.95)),
    p99: round(h.percentile(0.99)),
  };
}

/** A queue's whole histogram: `[bucket, count]` pairs by bucket (see `bucketTop`). */
export interface LatencyDistribution {
  readonly queue: string;
  readonly buckets: LatencyBuckets;
}

export class LatencyBook {
  private readonly byQueue = new Map<string, LatencyHistogram>();
  private readonly byConsumer = new Map<string, { queue: string; h: LatencyHistogram }>();

  note(queue: string, consumer: string, buckets: LatencyBuckets): void {
    let q = this.byQueue.get(queue);
    if (!q) {
      q = new LatencyHistogram();
      this.byQueue.set(queue, q);
    }
    q.merge(buckets);
    const key = `${consumer}\u0000${queue}`;
    let c = this.byConsumer.get(key);
    if (!c) {
      c = { queue, h: new LatencyHistogram() };
      this.byConsumer.set(key, c);
    }
    c.h.merge(buckets);
  }

  /** Each queue's histogram, queues by name (the report page draws them). */
  distributions(): LatencyDistribution[] {
    return [...this.byQueue]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([queue, h]) => ({ queue, buckets: h.buckets() }));
  }

  /** The figures, queues and consumers by name; undefined when no latency was measured. */
  report(): LatencyReport | undefined {
    if (this.byQueue.size === 0) return undefined;
    return {
      queues: [...this.byQueue]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([queue, h]) => ({ queue, ...figures(h) })),
      consumers: [...this.byConsumer]
        .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
        .map(([key, { queue, h }]) => ({
          consumer: key.split('\u0000')[0] ?? '',
          queue,
          ...figures(h),
        })),
    };
  }
}

const ms = (x: number) => (x < 1000 ? `${x} ms` : `${(x / 1000).toFixed(2)} s`);

/** The report's lines: one per queue, `latency  orders  p50 4 ms · p95 9 ms · p99 18 ms (1234)`. */
export function latencyLines(r: LatencyReport): string[] {
  const width = Math.max(...r.queues.map((q) => q.queue.length));
  return [
    'latency, publish → first delivery:',
    ...r.queues.map(
      (q) =>
        `  ${q.queue.padEnd(width)}  p50 ${ms(q.p50)} · p95 ${ms(q.p95)} · p99 ${ms(q.p99)} (${q.count} messages)`,
    ),
  ];
}
