import { Box, Text } from 'ink';
import { memo } from 'react';
import type { KeyBinding } from './keymap.js';

export interface HintBarProps {
  readonly bindings: readonly KeyBinding[];
}

export const HintBar = memo(function HintBar({ bindings }: HintBarProps) {
  return (
    <Box paddingX={1}>
      <Text wrap="truncate-end">
        {bindings
          .filter((b) => b.hint)
          .map((b) => (
            <Text key={b.label}>
              <Text bold color="yellow">
                {b.label}
              </Text>{' '}
              <Text dimColor>{b.description}</Text>
              {'  '}
            </Text>
          ))}
      </Text>
    </Box>
  );
});
