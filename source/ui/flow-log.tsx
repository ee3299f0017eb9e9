import { Text } from 'ink';
import type { MessageRecord } from '../actors/protocol.js';
import { joinPath, messagePath, outcomeLabel } from './format.js';
import { Pane } from './pane.js';
import { actorColour } from './theme.js';

export interface FlowLogProps {
  readonly records: readonly MessageRecord[];
  /** How many of the newest records to show. */
  readonly rows: number;
  readonly compact?: boolean;
}

export function FlowLog({ records, rows, compact }: FlowLogProps) {
  const shown = records.slice(-rows);
  return (
    <Pane title={<Text bold>Message flow</Text>} compact={compact} flexGrow={1}>
      {shown.length === 0 ? <Text dimColor>(no messages yet)</Text> : null}
      {shown.map((r, i) => (
        // Rows are positions in a sliding window and hold no state, so the position is the key.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Text key={i} wrap="truncate-end">
          <Text color={r.producer ? actorColour(r.producer) : 'gray'}>
            {joinPath(messagePath(r))}
          </Text>
          <Text dimColor>{`  ${r.messageId || '(no id)'}  `}</Text>
          <Text
            color={
              r.redelivered || r.outcome === 'dead-lettered'
                ? 'yellow'
                : ['unacked', 'nack', 'unroutable', 'refused', 'parked'].includes(r.outcome)
                  ? 'red'
                  : 'green'
            }
          >
            {outcomeLabel(r)}
          </Text>
          {r.latencyMs === undefined ? null : <Text dimColor>{` ${r.latencyMs} ms`}</Text>}
          {r.detail ? <Text dimColor>{`  ${r.detail}`}</Text> : null}
        </Text>
      ))}
    </Pane>
  );
}
