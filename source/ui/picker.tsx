import { Box, Text, useApp, useInput } from 'ink';
import { useState } from 'react';
import type { Scenario } from '../scenario/schema.js';

export interface PickerProps {
  readonly scenarios: readonly Scenario[];
  /** Called with the chosen scenario, or undefined when the user quits. */
  readonly onDone: (scenario: Scenario | undefined) => void;
}

/** A list of the built-in scenarios: ↑/↓ or j/k to move, Enter to open, q or Esc to quit. */
export function Picker({ scenarios, onDone }: PickerProps) {
  const { exit } = useApp();
  const [index, setIndex] = useState(0);
  useInput((input, key) => {
    if (key.upArrow || input === 'k') setIndex((i) => Math.max(0, i - 1));
    else if (key.downArrow || input === 'j') setIndex((i) => Math.min(scenarios.length - 1, i + 1));
    else if (key.return) {
      onDone(scenarios[index]);
      exit();
    } else if (key.escape || input === 'q' || (key.ctrl && input === 'c')) {
      onDone(undefined);
      exit();
    }
  });
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text>
        <Text bold color="yellow">
          rabbit-lab
        </Text>{' '}
        · pick a scenario
      </Text>
      <Text> </Text>
      {scenarios.map((s, i) => (
        <Text key={s.name} inverse={i === index}>
          {i === index ? '▶ ' : '  '}
          <Text bold>{s.name.padEnd(18)}</Text> {s.pattern.padEnd(16)} {s.summary}
        </Text>
      ))}
      <Text> </Text>
      <Text dimColor>↑/↓ move · Enter open · q quit</Text>
    </Box>
  );
}
