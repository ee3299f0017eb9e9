import { Box, Text } from 'ink';
import type { Line } from './topology.js';

export interface TopologyPaneProps {
  readonly lines: readonly Line[];
  /** Most lines to show. */
  readonly rows: number;
}

export function TopologyPane({ lines, rows }: TopologyPaneProps) {
  const shown = lines.slice(0, rows);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} flexGrow={1}>
      <Text bold>Topology</Text>
      {shown.map((line, i) => (
        // Lines are positions in a drawing and hold no state.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Text key={i} wrap="truncate-end">
          {line.map((s, j) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: segments of one line, in order
            <Text key={j} color={s.colour} dimColor={s.dim} bold={s.bold}>
              {s.text}
            </Text>
          ))}
        </Text>
      ))}
      {lines.length > rows ? <Text dimColor>… {lines.length - rows} more</Text> : null}
    </Box>
  );
}
