/**
 * A set of sequence numbers (1, 2, 3…) as a bitset in chunks allocated on first use: one bit a
 * message whatever the pattern, so the sets of competing consumers (every other message, say)
 * cost what contiguous ones do. A chunk covers 2^15 numbers in 4 KiB.
 */
const chunkBits = 15;
const chunkSize = 1 << chunkBits;
const wordsPerChunk = chunkSize >>> 5;

function popcount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Bits lo..hi (0-31, inclusive) set. */
function mask(lo: number, hi: number): number {
  const upper = hi === 31 ? 0xffffffff : (1 << (hi + 1)) - 1;
  return (upper & ~((1 << lo) - 1)) >>> 0;
}

export class SeqSet {
  private readonly chunks: (Uint32Array | undefined)[] = [];
  private count = 0;
  /** Highest number ever added (0 when empty). */
  max = 0;

  private chunk(index: number): Uint32Array {
    let chunk = this.chunks[index];
    if (!chunk) {
      while (this.chunks.length < index) this.chunks.push(undefined);
      chunk = new Uint32Array(wordsPerChunk);
      this.chunks[index] = chunk;
    }
    return chunk;
  }

  /** Add first..last; returns how many of them were present already. */
  add(first: number, last: number): number {
    if (last < first || last < 1) return 0;
    let n = Math.max(1, first);
    let again = 0;
    while (n <= last) {
      const chunk = this.chunk(n >>> chunkBits);
      const offset = n & (chunkSize - 1);
      const word = offset >>> 5;
      const lo = offset & 31;
      const hi = Math.min(31, lo + (last - n));
      const bits = mask(lo, hi);
      const before = chunk[word] ?? 0;
      again += popcount(before & bits);
      chunk[word] = (before | bits) >>> 0;
      n += hi - lo + 1;
    }
    this.count += last - Math.max(1, first) + 1 - again;
    if (last > this.max) this.max = last;
    return again;
  }

  has(n: number): boolean {
    if (n < 1) return false;
    const chunk = this.chunks[n >>> chunkBits];
    if (!chunk) return false;
    const offset = n & (chunkSize - 1);
    return (((chunk[offset >>> 5] ?? 0) >>> (offset & 31)) & 1) === 1;
  }

  get size(): number {
    return this.count;
  }

  /** How many of 1..upTo are present. */
  countUpTo(upTo: number): number {
    if (upTo >= this.max) return this.count;
    let n = 0;
    const last = upTo >>> chunkBits;
    for (let c = 0; c <= last; c++) {
      const chunk = this.chunks[c];
      if (!chunk) continue;
      const words = c < last ? wordsPerChunk : ((upTo & (chunkSize - 1)) >>> 5) + 1;
      for (let w = 0; w < words; w++) {
        let word = chunk[w] ?? 0;
        if (c === last && w === words - 1) word &= mask(0, upTo & 31);
        n += popcount(word);
      }
    }
    return n;
  }

  /** Up to `limit` numbers in 1..upTo that are missing. */
  missing(upTo: number, limit = 5): number[] {
    const out: number[] = [];
    for (let n = 1; n <= upTo && out.length < limit; n++) if (!this.has(n)) out.push(n);
    return out;
  }

  /** Bytes held (for the bench's memory figures). */
  get bytes(): number {
    let n = 0;
    for (const chunk of this.chunks) if (chunk) n += chunk.byteLength;
    return n;
  }
}
