import { Box, Text } from 'ink';

/** An inline question in place of the hint bar. */
export interface PromptState {
  readonly label: string;
  readonly value: string;
  readonly submit: (value: string) => void;
}

export interface PromptLineProps {
  readonly label: string;
  readonly value: string;
}

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
