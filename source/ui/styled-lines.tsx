/**
 * Rows drawn as pre-styled strings in one Text. Ink redraws the whole screen on every frame and
 * pays per Text (a layout node, measuring its width twice, writing it) and per styled span (a
 * nested Text); a pane whose rows change every frame (the flow log) costs far less as one Text
 * of finished lines. Rows Ink would measure differently (wide characters, combining marks) keep a
 * Text of their own, which Ink truncates as before.
 */
import chalk, { type ForegroundColorName } from 'chalk';
import { Text } from 'ink';

export interface SpanStyle {
  readonly color?: ForegroundColorName | undefined;
  readonly dim?: boolean;
  readonly bold?: boolean;
  readonly inverse?: boolean;
}

/** Some text and how it looks, as a nested Text would draw it. */
export type Span = readonly [text: string, style?: SpanStyle];
export type StyledLine = readonly Span[];

/**
 * Characters one column wide however a terminal draws them (checked against string-width in
 * test/unit/styled-lines.test.ts): a line of only these is as wide as it is long.
 */
const narrow =
  /^[\u0020-\u007e\u00a0-\u00ac\u00ae-\u00ff\u2010-\u2027\u2030-\u205e\u2190-\u22ff\u2500-\u25fc\u2605\u2606\u2713-\u2717\u27f0-\u27ff]*$/;

/** The span in the escape codes a Text with the same props would give it. */
export function paint([text, style]: Span): string {
  if (!style || text === '') return text;
  let s = text;
  if (style.dim) s = chalk.dim(s);
  if (style.color) s = chalk[style.color](s);
  if (style.bold) s = chalk.bold(s);
  if (style.inverse) s = chalk.inverse(s);
  return s;
}

/** The line's text without styles. */
export function plainText(line: StyledLine): string {
  return line.map(([text]) => text).join('');
}

/**
 * The line cut to `width` columns as `wrap="truncate-end"` cuts it: the first width - 1 and an
 * ellipsis in the style of the last one kept. Only for lines of narrow characters.
 */
export function truncateLine(line: StyledLine, width: number): StyledLine {
  if (plainText(line).length <= width) return line;
  if (width < 1) return [];
  const kept: Span[] = [];
  let room = width - 1;
  for (const [text, style] of line) {
    if (room <= 0) break;
    if (text === '') continue;
    const part = text.slice(0, room);
    kept.push([part, style]);
    room -= part.length;
  }
  const last = kept.pop();
  if (!last) return [['…']];
  return [...kept, [`${last[0]}…`, last[1]]];
}

/** Runs of lines: those of narrow characters (`joined`, already cut to width) and the others. */
export function groupLines(
  lines: readonly StyledLine[],
  width: number,
): { readonly joined: boolean; readonly lines: readonly StyledLine[] }[] {
  const groups: { joined: boolean; lines: StyledLine[] }[] = [];
  for (const line of lines) {
    const joined = narrow.test(plainText(line));
    const shown = joined ? truncateLine(line, width) : line;
    const last = groups.at(-1);
    if (last?.joined && joined) last.lines.push(shown);
    else groups.push({ joined, lines: [shown] });
  }
  return groups;
}

export interface StyledLinesProps {
  readonly lines: readonly StyledLine[];
  /** Columns the lines have (the pane's inside). */
  readonly width: number;
}

/** The lines, each cut to `width` as `wrap="truncate-end"` would. */
export function StyledLines({ lines, width }: StyledLinesProps) {
  return (
    <>
      {groupLines(lines, width).map((group, i) =>
        group.joined ? (
          // Groups are runs in a list drawn afresh each frame; their place is all they have.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <Text key={i}>{group.lines.map((l) => l.map(paint).join('')).join('\n')}</Text>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <Text key={i} wrap="truncate-end">
            {group.lines[0]?.map(paint).join('')}
          </Text>
        ),
      )}
    </>
  );
}
