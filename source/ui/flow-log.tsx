import { Box, Text } from 'ink';
import type { MessageRecord } from '../actors/protocol.js';
import { joinPath, messagePath, outcomeLabel } from './format.js';
import { actorColour } from './theme.js';

export interface FlowLogProps {
  readonly records: readonly MessageRecord[];
  /** How many of the newest records to show. */
  readonly rows: number;
}

export function FlowLog({ records, rows }: FlowLogProps) {
  const shown = records.slice(-rows);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} flexGrow={1}>
      <Text bold>Message flow</Text>
      {shown.length === 0 ? <Text dimColor>(no messages yet)</Text> : null}
      {shown.map((r, i) => (
        // Rows are positions in a sliding window and hold no state, so the position is the key.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Text key={i} wrap="truncate-end">
          <Text color={r.producer ? actorColour(r.producer) : 'gray'}>
            {joinPath(messagePath(r))}
          </Text>
          <Text dimColor>{`  ${r.messageId || '(no id)'}  `}</Text>
          <Text color={r.redelivered ? 'yellow' : r.outcome === 'unacked' ? 'red' : 'green'}>
            {outcomeLabel(r)}
          </Text>
          {r.latencyMs === undefined ? null : <Text dimColor>{` ${r.latencyMs} ms`}</Text>}
        </Text>
      ))}
    </Box>
  );
}
