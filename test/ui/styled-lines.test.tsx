/**
 * Rows as pre-styled strings in one Text (source/ui/styled-lines.tsx) draw exactly what a Text
 * per row with a nested Text per span and `wrap="truncate-end"` draws, escape codes included.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import chalk from 'chalk';
import { Box, Text } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import type { ReactNode } from 'react';
import stringWidth from 'string-width';
import {
  groupLines,
  type SpanStyle,
  type StyledLine,
  StyledLines,
} from '../../source/ui/styled-lines.js';

afterEach(() => cleanup());

// Colours on, as on a terminal, so the comparison covers the escape codes too.
const level = chalk.level;
before(() => {
  chalk.level = 1;
});
after(() => {
  chalk.level = level;
});

function Nested({ line }: { line: StyledLine }) {
  const span = ([text, s]: readonly [string, SpanStyle?], i: number) => (
    <Text key={i} color={s?.color} dimColor={s?.dim} bold={s?.bold} inverse={s?.inverse}>
      {text}
    </Text>
  );
  return <Text wrap="truncate-end">{line.map(span)}</Text>;
}

const lines: StyledLine[] = [
  [
    ['P1 ─▶ hello ─▶ C1', { color: 'cyan' }],
    ['  P1-12  ', { dim: true }],
    ['✓ ack', { color: 'green' }],
  ],
  [
    ['a row much wider than the pane, cut in its second span: ', { bold: true }],
    ['here and on', { color: 'red', dim: true }],
  ],
  [['exactly twenty-four.....', { color: 'yellow' }]],
  [['twenty-five, one too many', { inverse: true }]],
  [
    ['', { dim: true }],
    ['plain ', {}],
    ['⟲ ∞ ★ ▁▂▃█ ← → · …', { color: 'magenta' }],
  ],
  [['wide 日本語 characters keep a Text of their own, cut by Ink', { color: 'blue' }]],
  [['e\u0301 a combining mark: Ink measures it', {}]],
];

describe('styled lines', () => {
  test('draw as a Text per row with nested spans draws them', () => {
    for (const width of [24, 40, 80]) {
      const box = (children: ReactNode) => (
        <Box flexDirection="column" width={width}>
          {children}
        </Box>
      );
      const nested = render(
        box(
          lines.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: fixed list
            <Nested key={i} line={l} />
          )),
        ),
      ).lastFrame();
      const joined = render(box(<StyledLines lines={lines} width={width} />)).lastFrame();
      assert.equal(joined, nested, `width ${width}`);
      assert.ok(joined?.includes('\u001B[36m'), 'with colours');
    }
  });

  test('only lines of one-column characters are joined', () => {
    const groups = groupLines(lines, 40);
    assert.deepEqual(
      groups.map((g) => [g.joined, g.lines.length]),
      [
        [true, 5],
        [false, 1],
        [false, 1],
      ],
    );
  });

  test('the characters taken as one column wide are one column wide', () => {
    const ranges = [
      [0x20, 0x7e],
      [0xa0, 0xac],
      [0xae, 0xff],
      [0x2010, 0x2027],
      [0x2030, 0x205e],
      [0x2190, 0x22ff],
      [0x2500, 0x25fc],
      [0x2605, 0x2606],
      [0x2713, 0x2717],
      [0x27f0, 0x27ff],
    ] as const;
    for (const [from, to] of ranges) {
      for (let c = from; c <= to; c++) {
        const ch = String.fromCodePoint(c);
        assert.equal(stringWidth(ch), 1, `U+${c.toString(16)}`);
        assert.equal(groupLines([[[ch]]], 4)[0]?.joined, true, `U+${c.toString(16)} joined`);
      }
    }
  });
});
