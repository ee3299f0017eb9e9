import { Text } from 'ink';
import { Pane } from './pane.js';
import type { Line } from './topology.js';

export interface TopologyPaneProps {
  readonly lines: readonly Line[];
  /** Most lines to show. */
  readonly rows: number;
  readonly compact?: boolean;
}

export function TopologyPane({ lines, rows, compact }: TopologyPaneProps) {
  const shown = lines.slice(0, rows);
  return (
    <Pane title={<Text bold>Topology</Text>} compact={compact} flexGrow={1}>
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
    </Pane>
  );
}
