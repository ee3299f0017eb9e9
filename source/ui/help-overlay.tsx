import { Box, Text } from 'ink';
import type { KeyBinding } from './keymap.js';

export interface HelpOverlayProps {
  readonly bindings: readonly KeyBinding[];
  /** Most keys to list (a short terminal shows the first ones and says how many more). */
  readonly rows: number;
}

/** Every key in the table with its sentence. */
export function HelpOverlay({ bindings, rows }: HelpOverlayProps) {
  const shown = bindings.length > rows ? bindings.slice(0, Math.max(1, rows - 1)) : bindings;
  // What the sparklines' marks mean, when a line is left for it.
  const legend = bindings.length < rows;
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1}>
      <Text bold>Keys</Text>
      {shown.map((b) => (
        <Text key={b.label} wrap="truncate-end">
          <Text bold color="yellow">
            {b.label.padEnd(7)}
          </Text>
          {b.help}
        </Text>
      ))}
      {shown.length < bindings.length ? (
        <Text dimColor>… {bindings.length - shown.length} more in a taller terminal</Text>
      ) : null}
      {legend ? (
        <Text dimColor wrap="truncate-end">
          Sparklines span the last minute; yellow marks when an actor started, stopped or was
          killed, lost its connection, a tour step, a node went down or came back.
        </Text>
      ) : null}
      <Text dimColor>Press ? or Esc to close.</Text>
    </Box>
  );
}
