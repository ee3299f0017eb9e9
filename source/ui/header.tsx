import { Box, Text } from 'ink';
import type { BrokerInfo } from '../lab/store.js';

export interface HeaderProps {
  /** The scenario's name. */
  readonly name: string;
  readonly broker: BrokerInfo;
  /** Whether the management API answered on the last poll. */
  readonly healthy: boolean;
}

export function Header({ name, broker, healthy }: HeaderProps) {
  return (
    <Box justifyContent="space-between" paddingX={1} height={1} overflow="hidden">
      <Box flexShrink={0}>
        <Text>
          <Text bold color="yellow">
            rabbit-lab
          </Text>
          <Text> · {name}</Text>
        </Text>
      </Box>
      <Text wrap="truncate-start">
        {'  '}RabbitMQ {broker.version || '…'} · {broker.embedded ? 'private node' : 'external'} ·{' '}
        {broker.redactedUrl}
        {broker.vhost === '/' ? '' : ` vhost ${broker.vhost}`}{' '}
        <Text color={healthy ? 'green' : 'red'}>●</Text>
      </Text>
    </Box>
  );
}
