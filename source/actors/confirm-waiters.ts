/**
 * Callers waiting for the broker's answer to one published message (the HTTP endpoint), by
 * sequence number: confirmed or nacked, and whether a queue took it. For a mandatory publish no
 * queue is bound for, basic.return arrives before the confirm, so the answer can say both.
 */

/** The broker's answer: ok undefined when it did not come in time; routed false: returned. */
export interface BrokerAnswer {
  readonly ok: boolean | undefined;
  readonly routed: boolean;
}

export class ConfirmWaiters {
  private readonly waiting = new Map<number, (answer: BrokerAnswer) => void>();
  private readonly returned = new Set<number>();

  get size(): number {
    return this.waiting.size;
  }

  /** The answer for message `seq`, or ok undefined after `timeoutMs`. */
  wait(seq: number, timeoutMs: number): Promise<BrokerAnswer> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        this.returned.delete(seq);
        resolve({ ok: undefined, routed: true });
      }, timeoutMs);
      this.waiting.set(seq, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  /** The broker returned message `seq` as unroutable (its confirm follows). */
  noteReturned(seq: number): void {
    if (this.waiting.has(seq)) this.returned.add(seq);
  }

  /** The broker confirmed (ok) or nacked messages first..last. */
  answer(first: number, last: number, ok: boolean): void {
    for (const [seq, resolve] of this.waiting) {
      if (seq < first || seq > last) continue;
      this.waiting.delete(seq);
      resolve({ ok, routed: !this.returned.delete(seq) });
    }
  }
}
