import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useState } from 'react';
import type { Scenario } from '../scenario/schema.js';
import { fit } from './format.js';

export interface PickerProps {
  readonly scenarios: readonly Scenario[];
  /** Called with the chosen scenario, or undefined when the user quits. */
  readonly onDone: (scenario: Scenario | undefined) => void;
  /** The terminal's height (default: stdout's). */
  readonly rows?: number;
}

/** Scenarios whose name, aliases, title, pattern or summary contain every typed word. */
export function filterScenarios(scenarios: readonly Scenario[], filter: string): Scenario[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return scenarios.filter((s) => {
    const text = [s.name, ...s.aliases, s.title, s.pattern, s.summary].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/**
 * The built-in scenarios: ↑/↓ (or j/k before typing) move, typing filters, Enter opens,
 * Esc (or q with an empty filter) quits.
 */
export function Picker({ scenarios, onDone, rows }: PickerProps) {
  const { exit } = useApp();
  const [index, setIndex] = useState(0);
  const [filter, setFilter] = useState('');
  const { stdout } = useStdout();
  const shown = filterScenarios(scenarios, filter);
  const last = Math.max(0, shown.length - 1);
  const current = Math.min(index, last);
  // Two rows per scenario, five for the rest, and one row short of the terminal: output as tall
  // as the terminal makes Ink clear and redraw the screen on every frame.
  const fits = Math.max(1, Math.floor(((rows ?? (stdout.rows || 24)) - 6) / 2));
  const first = Math.min(Math.max(0, current - fits + 1), Math.max(0, shown.length - fits));
  const visible = shown.slice(first, first + fits);
  // Columns as wide as the longest title and pattern, within reason.
  const titleWidth = Math.min(26, Math.max(0, ...scenarios.map((s) => s.title.length)));
  const patternWidth = Math.min(30, Math.max(0, ...scenarios.map((s) => s.pattern.length)));
  const hidden = shown.length - visible.length;
  const finish = (scenario: Scenario | undefined) => {
    onDone(scenario);
    exit();
  };
  // Moves are functional updates: keys typed faster than frames must each count.
  useInput((input, key) => {
    if (key.escape || (key.ctrl && input === 'c') || (input === 'q' && filter === ''))
      finish(undefined);
    else if (key.return) {
      if (shown[current]) finish(shown[current]);
    } else if (key.upArrow || (input === 'k' && filter === ''))
      setIndex((i) => Math.max(0, Math.min(i, last) - 1));
    else if (key.downArrow || (input === 'j' && filter === ''))
      setIndex((i) => Math.min(last, Math.min(i, last) + 1));
    else if (key.backspace || key.delete) setFilter((f) => f.slice(0, -1));
    else if (input && !key.ctrl && !key.meta && input >= ' ') {
      setFilter((f) => f + input);
      setIndex(0);
    }
  });
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text>
        <Text bold color="yellow">
          rabbit-lab
        </Text>{' '}
        · pick a scenario
        {filter ? <Text> · filter: {filter}</Text> : <Text dimColor> · type to filter</Text>}
      </Text>
      <Text> </Text>
      {shown.length === 0 ? <Text dimColor>No scenario matches '{filter}'.</Text> : null}
      {visible.map((s, n) => (
        <Box key={s.name} flexDirection="column">
          <Text inverse={first + n === current} wrap="truncate-end">
            {first + n === current ? '▶ ' : '  '}
            <Text bold>{fit(s.title, titleWidth)}</Text> {fit(s.pattern, patternWidth)}{' '}
            <Text dimColor>{s.name}</Text>
          </Text>
          <Text dimColor wrap="truncate-end">
            {'    '}
            {s.summary}
          </Text>
        </Box>
      ))}
      <Text> </Text>
      <Text dimColor>
        ↑/↓ move · type to filter · Enter open · Esc quit
        {hidden > 0 ? ` · ${first} above, ${hidden - first} below` : ''}
      </Text>
    </Box>
  );
}
