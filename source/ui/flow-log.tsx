import { Text } from 'ink';
import type { MessageRecord } from '../actors/protocol.js';
import { joinPath, messagePath, outcomeLabel } from './format.js';
import { Pane } from './pane.js';
import { type StyledLine, StyledLines } from './styled-lines.js';
import { actorColour } from './theme.js';

export interface FlowLogProps {
  readonly records: readonly MessageRecord[];
  /** How many of the newest records to show. */
  readonly rows: number;
  readonly compact?: boolean;
  /** Columns inside the pane. */
  readonly width: number;
}

const failed = new Set(['unacked', 'nack', 'unroutable', 'refused', 'parked']);

/** A record's row: its path, its id, what became of it, its latency and detail. */
export function flowLine(r: MessageRecord): StyledLine {
  const outcome =
    r.redelivered || r.outcome === 'dead-lettered'
      ? 'yellow'
      : failed.has(r.outcome)
        ? 'red'
        : 'green';
  return [
    [joinPath(messagePath(r)), { color: r.producer ? actorColour(r.producer) : 'gray' }],
    [`  ${r.messageId || '(no id)'}  `, { dim: true }],
    [outcomeLabel(r), { color: outcome }],
    [r.latencyMs === undefined ? '' : ` ${r.latencyMs} ms`, { dim: true }],
    [r.detail ? `  ${r.detail}` : '', { dim: true }],
  ];
}

export function FlowLog({ records, rows, compact, width }: FlowLogProps) {
  const shown = records.slice(-rows);
  return (
    <Pane title={<Text bold>Message flow</Text>} compact={compact} flexGrow={1}>
      {shown.length === 0 ? <Text dimColor>(no messages yet)</Text> : null}
      <StyledLines lines={shown.map(flowLine)} width={width} />
    </Pane>
  );
}
