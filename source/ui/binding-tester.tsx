import { Box, Text } from 'ink';
import type { BindingVerdict } from '../lab/binding-test.js';
import { actorColour } from './theme.js';

export interface BindingTesterProps {
  readonly routingKey: string;
  /** The lab has a headers exchange: the query may be headers (`format=pdf type=report`). */
  readonly headers?: boolean;
  readonly verdicts: readonly BindingVerdict[];
  /** Most bindings to list. */
  readonly rows: number;
}

/** Which bindings a routing key (or headers) would reach, and why. */
export function BindingTester({ routingKey, headers, verdicts, rows }: BindingTesterProps) {
  const reached = verdicts.filter((v) => v.matches).length;
  const shown = verdicts.length > rows ? verdicts.slice(0, Math.max(1, rows - 1)) : verdicts;
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1}>
      <Text bold>
        {headers && routingKey.includes('=') ? 'Headers' : 'Routing key'} '{routingKey}': {reached}{' '}
        of {verdicts.length} binding
        {verdicts.length === 1 ? '' : 's'} match
      </Text>
      {verdicts.length === 0 ? <Text dimColor>(no bindings to test)</Text> : null}
      {shown.map((v) => (
        <Text key={`${v.exchange} ${v.queue}`} wrap="truncate-end">
          <Text color={v.matches ? 'green' : 'red'}>{v.matches ? '✓ ' : '✗ '}</Text>
          {v.consumers.map((id) => (
            <Text key={id} color={actorColour(id)} bold>
              {id}{' '}
            </Text>
          ))}
          <Text>{v.label}</Text>
          <Text dimColor> {v.why}</Text>
        </Text>
      ))}
      {shown.length < verdicts.length ? (
        <Text dimColor>… {verdicts.length - shown.length} more</Text>
      ) : null}
      <Text dimColor>
        {headers
          ? 'Press m to test other headers (name=value words, e.g. format=pdf type=report) or a key, Esc to close.'
          : 'Press m to test another key, Esc to close.'}
      </Text>
    </Box>
  );
}
