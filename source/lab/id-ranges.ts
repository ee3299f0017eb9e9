/** Message ids as runs, for a report line: `P1-3…P1-9, P1-12, P2-1…P2-4`. */
export class IdRanges {
  private readonly runs: [producer: string, first: number, last: number][] = [];
  count = 0;

  /** Add one id; ids of one producer come in ascending order (as the accounting walks them). */
  add(producer: string, seq: number): void {
    this.count++;
    const last = this.runs[this.runs.length - 1];
    if (last && last[0] === producer && last[2] + 1 === seq) last[2] = seq;
    else this.runs.push([producer, seq, seq]);
  }

  /** The first and the last id added (`P1-3`), undefined when empty. */
  ends(): { first: string; last: string } | undefined {
    const a = this.runs[0];
    const b = this.runs[this.runs.length - 1];
    return a && b ? { first: `${a[0]}-${a[1]}`, last: `${b[0]}-${b[2]}` } : undefined;
  }

  /** The runs, at most `max` of them, and how many more there are. */
  format(max = 6): string {
    const shown = this.runs
      .slice(0, max)
      .map(([p, first, last]) => (first === last ? `${p}-${first}` : `${p}-${first}…${p}-${last}`));
    const more = this.runs.length - max;
    return `${shown.join(', ')}${more > 0 ? ` (+${more} more runs)` : ''}`;
  }
}
