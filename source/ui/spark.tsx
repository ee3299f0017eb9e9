/** A sparkline of the last minute on the screen, with what happened marked on its time axis. */
import { Text } from 'ink';
import { HISTORY_MS, type Series } from '../lab/history.js';
import type { Mark } from '../lab/marks.js';
import { markSlots, sparkline } from './sparkline.js';

export interface SparkProps {
  readonly series: Series | undefined;
  readonly width: number;
  readonly now: number;
  readonly marks?: readonly Mark[] | undefined;
  readonly color: string;
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

export function Spark({ series, width, now, marks, color }: SparkProps) {
  const line = sparkline(series, width, HISTORY_MS, now);
  const marked = markSlots(marks, width, HISTORY_MS, now);
  return (
    <Text color={color}>
      {markedRuns(line, marked).map((r, i) =>
        r.marked ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: runs have no identity but their place
          <Text key={i} color="yellow" inverse>
            {r.text}
          </Text>
        ) : (
          r.text
        ),
      )}
    </Text>
  );
}
