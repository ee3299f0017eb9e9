/**
 * Hands the session's state to its listeners (the screen): at most `fps` times a second for the
 * stream of batches and polls, at once when asked (a key's effect, a tour step).
 */
export class Throttle<T> {
  private readonly listeners = new Set<(value: T) => void>();
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  constructor(
    private readonly current: () => T,
    private readonly fps: number,
  ) {}

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Now, and cancel a pending one. */
  now(): void {
    this.cancel();
    this.send();
  }

  /** Soon: at the next slot `1/fps` after the last send. */
  soon(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + 1000 / this.fps - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send();
    }, wait);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    this.last = Date.now();
    const value = this.current();
    for (const listener of this.listeners) listener(value);
  }
}
