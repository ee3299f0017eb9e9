import { Box, Text } from 'ink';
import type { BrokerInfo } from '../lab/store.js';

export interface HeaderProps {
  /** Scenario name and title. */
  readonly name: string;
  readonly title: string;
  readonly broker: BrokerInfo;
  /** Whether the management API answered on the last poll. */
  readonly healthy: boolean;
}

export function Header({ name, title, broker, healthy }: HeaderProps) {
  return (
    <Box justifyContent="space-between" paddingX={1}>
      <Text>
        <Text bold color="yellow">
          rabbit-lab
        </Text>
        <Text> · {name} · </Text>
        <Text dimColor>{title}</Text>
      </Text>
      <Text>
        RabbitMQ {broker.version || '…'} · {broker.embedded ? 'private node' : 'external'} ·{' '}
        {broker.redactedUrl}
        {broker.vhost === '/' ? '' : ` vhost ${broker.vhost}`}{' '}
        <Text color={healthy ? 'green' : 'red'}>●</Text>
      </Text>
    </Box>
  );
}
