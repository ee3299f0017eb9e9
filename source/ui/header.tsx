import { Box, Text } from 'ink';
import { memo } from 'react';
import type { BrokerInfo } from '../lab/store.js';

export interface HeaderProps {
  /** The scenario's name. */
  readonly name: string;
  readonly broker: BrokerInfo;
  /** Whether the management API answered on the last poll. */
  readonly healthy: boolean;
  /** Width of the terminal. */
  readonly columns: number;
}

/** Shorten in the middle, where a URL carries least (scheme and vhost stay readable). */
export function middleTruncate(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

/** Drawn again only when its props change (its props stay the same object while unchanged). */
export const Header = memo(function Header({ name, broker, healthy, columns }: HeaderProps) {
  const left = `rabbit-lab · ${name}`;
  const prefix = `RabbitMQ ${broker.version || '…'} · ${broker.clusterNodes ? `private cluster of ${broker.clusterNodes}` : broker.embedded ? 'private node' : 'external'} · `;
  // paddingX (2) + a gap (2) + the status dot and its space (2).
  const room = columns - 2 - left.length - 2 - prefix.length - 2;
  return (
    <Box justifyContent="space-between" paddingX={1}>
      <Text>
        <Text bold color="yellow">
          rabbit-lab
        </Text>
        <Text> · {name}</Text>
      </Text>
      <Text>
        {prefix}
        {middleTruncate(broker.redactedUrl, Math.max(8, room))}{' '}
        <Text color={healthy ? 'green' : 'red'}>●</Text>
      </Text>
    </Box>
  );
});
