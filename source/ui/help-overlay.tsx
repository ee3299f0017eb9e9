import { Box, Text } from 'ink';
import type { KeyBinding } from './keymap.js';

export interface HelpOverlayProps {
  readonly bindings: readonly KeyBinding[];
}

/** Every key in the table with its sentence. */
export function HelpOverlay({ bindings }: HelpOverlayProps) {
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1}>
      <Text bold>Keys</Text>
      {bindings.map((b) => (
        <Text key={b.label} wrap="truncate-end">
          <Text bold color="yellow">
            {b.label.padEnd(7)}
          </Text>
          {b.help}
        </Text>
      ))}
      <Text dimColor>Press ? again to close.</Text>
    </Box>
  );
}
