import type { SeqRun } from './protocol.js';

/** Collects (producer, seq) pairs as runs of consecutive numbers: cheap to send, cheap to merge. */
export class SeqRunBuilder {
  private runs: SeqRun[] = [];
  private last: SeqRun | undefined;

  add(producer: string, seq: number): void {
    const last = this.last;
    if (last && last[0] === producer && last[2] + 1 === seq) {
      last[2] = seq;
      return;
    }
    const run: SeqRun = [producer, seq, seq];
    this.runs.push(run);
    this.last = run;
  }

  /** Add first..last (a multiple confirm, say). */
  addRange(producer: string, first: number, last: number): void {
    if (last < first) return;
    const run = this.last;
    if (run && run[0] === producer && run[2] + 1 === first) {
      run[2] = last;
      return;
    }
    const next: SeqRun = [producer, first, last];
    this.runs.push(next);
    this.last = next;
  }

  /** The runs collected since the last take. */
  take(): SeqRun[] {
    const out = this.runs;
    this.runs = [];
    this.last = undefined;
    return out;
  }

  get size(): number {
    return this.runs.length;
  }
}
