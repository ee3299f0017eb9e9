/**
 * Latency histograms, publish → delivery, cheap enough for every message: a count per bucket,
 * buckets 1 ms wide below 10 ms and 10 % wide above (so any percentile is within 10 %), kept
 * sparse. A consumer fills one between receipts and sends its buckets along; the lab merges them
 * per queue and consumer, and a replayed record merges the same.
 */

/** [bucket, count] pairs, as they travel in receipts. */
export type LatencyBuckets = readonly (readonly [bucket: number, count: number])[];

const linear = 10;
const step = Math.log(1.1);

/** The bucket of a latency in milliseconds (negative clock skew counts as 0). */
export function bucketOf(ms: number): number {
  if (!(ms >= linear)) return Math.max(0, Math.floor(ms));
  return linear + Math.floor(Math.log(ms / linear) / step);
}

/** The highest latency a bucket holds: what a percentile landing in it reports. */
export function bucketTop(bucket: number): number {
  if (bucket < linear) return bucket + 1;
  return linear * Math.exp((bucket - linear + 1) * step);
}

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  count = 0;

  add(ms: number): void {
    const b = bucketOf(ms);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.count++;
  }

  merge(buckets: LatencyBuckets): void {
    for (const [b, n] of buckets) {
      this.counts.set(b, (this.counts.get(b) ?? 0) + n);
      this.count += n;
    }
  }

  /** The buckets since the last take, and empty again. */
  take(): LatencyBuckets {
    const out = [...this.counts];
    this.counts.clear();
    this.count = 0;
    return out;
  }

  buckets(): LatencyBuckets {
    return [...this.counts].sort((a, b) => a[0] - b[0]);
  }

  /** The latency (ms) at or below which `p` (0..1) of the messages came; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (const [b, n] of this.buckets()) {
      seen += n;
      if (seen >= rank) return bucketTop(b);
    }
    return undefined;
  }
}
