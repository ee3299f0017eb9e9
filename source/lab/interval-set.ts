/** A set of positive integers stored as sorted, disjoint, non-adjacent [first, last] ranges. */
export class IntervalSet {
  private ranges: [number, number][] = [];

  /** Add first..last; returns how many of those numbers were already present. */
  add(first: number, last: number): number {
    const ranges = this.ranges;
    // First range that ends at or after first-1 (could merge or overlap).
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ranges[mid]?.[1] ?? 0) < first - 1) lo = mid + 1;
      else hi = mid;
    }
    let start = first;
    let end = last;
    let overlap = 0;
    let i = lo;
    while (i < ranges.length) {
      const r = ranges[i];
      if (!r || r[0] > last + 1) break;
      overlap += Math.max(0, Math.min(r[1], last) - Math.max(r[0], first) + 1);
      start = Math.min(start, r[0]);
      end = Math.max(end, r[1]);
      i++;
    }
    ranges.splice(lo, i - lo, [start, end]);
    return overlap;
  }

  has(n: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid];
      if (!r) return false;
      if (n < r[0]) hi = mid - 1;
      else if (n > r[1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** How many of 1..upTo are present. */
  countUpTo(upTo: number): number {
    let n = 0;
    for (const [a, b] of this.ranges) {
      if (a > upTo) break;
      n += Math.min(b, upTo) - a + 1;
    }
    return n;
  }

  /** Up to `limit` numbers in 1..upTo that are missing. */
  missing(upTo: number, limit = 5): number[] {
    const out: number[] = [];
    let next = 1;
    for (const [a, b] of this.ranges) {
      for (let s = next; s < a && s <= upTo && out.length < limit; s++) out.push(s);
      next = b + 1;
      if (next > upTo || out.length >= limit) break;
    }
    for (let s = next; s <= upTo && out.length < limit; s++) out.push(s);
    return out;
  }

  get size(): number {
    let n = 0;
    for (const [a, b] of this.ranges) n += b - a + 1;
    return n;
  }
}
