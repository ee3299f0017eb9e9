/** A sparkline of the last minute on the screen, with what happened marked on its time axis. */
import type { ForegroundColorName } from 'chalk';
import { Text } from 'ink';
import { HISTORY_MS, type Series } from '../lab/history.js';
import type { Mark } from '../lab/marks.js';
import { markSlots, sparkline } from './sparkline.js';
import { paint, type Span } from './styled-lines.js';

export interface SparkProps {
  readonly series: Series | undefined;
  readonly width: number;
  readonly now: number;
  readonly marks?: readonly Mark[] | undefined;
  readonly color: ForegroundColorName;
}

/** Runs of characters, each marked (an event in its slot) or not. */
export function markedRuns(
  line: string,
  marked: ReadonlySet<number>,
): { text: string; marked: boolean }[] {
  const runs: { text: string; marked: boolean }[] = [];
  [...line].forEach((ch, i) => {
    const m = marked.has(i);
    const last = runs.at(-1);
    if (last && last.marked === m) last.text += ch;
    else runs.push({ text: ch, marked: m });
  });
  return runs;
}

/** The sparkline as spans: in `color`, each marked run yellow on inverse. */
export function sparkSpans({ series, width, now, marks, color }: SparkProps): Span[] {
  const line = sparkline(series, width, HISTORY_MS, now);
  const marked = markSlots(marks, width, HISTORY_MS, now);
  return markedRuns(line, marked).map((r) => [
    r.text,
    r.marked ? { color: 'yellow', inverse: true } : { color },
  ]);
}

export function Spark(props: SparkProps) {
  return <Text>{sparkSpans(props).map(paint).join('')}</Text>;
}
