import { Box, Text } from 'ink';

export interface PromptLineProps {
  readonly label: string;
  readonly value: string;
}

/** An inline question in place of the hint bar. */
export function PromptLine({ label, value }: PromptLineProps) {
  return (
    <Box paddingX={1}>
      <Text wrap="truncate-start">
        <Text color="yellow">{label}: </Text>
        {value}
        <Text inverse> </Text>
        <Text dimColor> Enter ok · Esc cancel</Text>
      </Text>
    </Box>
  );
}
