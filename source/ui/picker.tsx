import { Box, Text, useApp, useInput } from 'ink';
import { useState } from 'react';
import type { Scenario } from '../scenario/schema.js';

export interface PickerProps {
  readonly scenarios: readonly Scenario[];
  /** Called with the chosen scenario, or undefined when the user quits. */
  readonly onDone: (scenario: Scenario | undefined) => void;
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
export function Picker({ scenarios, onDone }: PickerProps) {
  const { exit } = useApp();
  const [index, setIndex] = useState(0);
  const [filter, setFilter] = useState('');
  const shown = filterScenarios(scenarios, filter);
  const current = Math.min(index, Math.max(0, shown.length - 1));
  const finish = (scenario: Scenario | undefined) => {
    onDone(scenario);
    exit();
  };
  useInput((input, key) => {
    if (key.escape || (key.ctrl && input === 'c') || (input === 'q' && filter === ''))
      finish(undefined);
    else if (key.return) {
      if (shown[current]) finish(shown[current]);
    } else if (key.upArrow || (input === 'k' && filter === '')) setIndex(Math.max(0, current - 1));
    else if (key.downArrow || (input === 'j' && filter === ''))
      setIndex(Math.min(shown.length - 1, current + 1));
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
      {shown.map((s, i) => (
        <Box key={s.name} flexDirection="column">
          <Text inverse={i === current} wrap="truncate-end">
            {i === current ? '▶ ' : '  '}
            <Text bold>{s.title.padEnd(20)}</Text> {s.pattern.padEnd(20)}{' '}
            <Text dimColor>{s.name}</Text>
          </Text>
          <Text dimColor wrap="truncate-end">
            {'    '}
            {s.summary}
          </Text>
        </Box>
      ))}
      <Text> </Text>
      <Text dimColor>↑/↓ move · type to filter · Enter open · Esc quit</Text>
    </Box>
  );
}
