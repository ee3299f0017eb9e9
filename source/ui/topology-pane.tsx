import { Text } from 'ink';
import { Pane } from './pane.js';
import { type StyledLine, StyledLines } from './styled-lines.js';
import type { Line } from './topology.js';

export interface TopologyPaneProps {
  readonly lines: readonly Line[];
  /** Most lines to show. */
  readonly rows: number;
  readonly compact?: boolean;
  /** Columns inside the pane. */
  readonly width: number;
}

function styled(line: Line): StyledLine {
  return line.map((s) => [s.text, { color: s.colour, dim: s.dim, bold: s.bold }]);
}

export function TopologyPane({ lines, rows, compact, width }: TopologyPaneProps) {
  const shown = lines.slice(0, rows);
  return (
    <Pane title={<Text bold>Topology</Text>} compact={compact} flexGrow={1}>
      <StyledLines lines={shown.map(styled)} width={width} />
      {lines.length > rows ? <Text dimColor>… {lines.length - rows} more</Text> : null}
    </Pane>
  );
}
