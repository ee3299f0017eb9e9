/** The cluster's nodes: up, down, frozen; connections, memory and alarms; the latest failover. */
import { Text } from 'ink';
import { fit } from './format.js';
import type { NodeRow } from './nodes.js';
import { Pane } from './pane.js';

export interface NodesPaneProps {
  readonly rows: readonly NodeRow[];
  readonly failover: string;
  readonly compact?: boolean;
}

const colour = { up: 'green', down: 'red', frozen: 'cyan', booting: 'yellow', stopping: 'yellow' };

export function NodesPane({ rows, failover, compact }: NodesPaneProps) {
  return (
    <Pane
      compact={compact}
      title={
        <>
          <Text bold>Nodes</Text>
          {failover === '' ? null : <Text dimColor> · {failover}</Text>}
        </>
      }
    >
      {rows.map((row) => (
        <Text key={row.name} wrap="truncate-end">
          {fit(row.label, 8)} <Text color={colour[row.status]}>{fit(row.status, 9)}</Text>
          {fit(row.connections === undefined ? '' : `${row.connections} conn`, 9)}
          {fit(row.memMb === undefined ? '' : `${row.memMb} MB`, 8)}
          {row.alarms.length > 0 ? (
            <Text color="red">{fit(`alarm: ${row.alarms.join(', ')}`, 20)}</Text>
          ) : (
            fit('', 0)
          )}
          <Text dimColor>
            {row.actors.length > 0 ? `actors ${row.actors.join(' ')}  ` : ''}
            {row.name}
          </Text>
        </Text>
      ))}
    </Pane>
  );
}
