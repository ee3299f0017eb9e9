import { Box, Text } from 'ink';
import { memo } from 'react';

export interface LessonPaneProps {
  readonly title: string;
  readonly lesson: string;
  /** The guided tour's current step, if it has started. */
  readonly step?: { readonly index: number; readonly text: string };
  readonly width: number;
  /** Total height, borders included; longer text is cut. */
  readonly height: number;
}

export const LessonPane = memo(function LessonPane({
  title,
  lesson,
  step,
  width,
  height,
}: LessonPaneProps) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={width} height={height}>
      <Box flexShrink={0}>
        <Text bold>Lesson · {title}</Text>
      </Box>
      <Box flexDirection="column" overflow="hidden" flexGrow={1}>
        {step ? (
          <Box flexShrink={0}>
            <Text color="cyan">
              Tour {step.index + 1}: {step.text}
            </Text>
          </Box>
        ) : null}
        <Text dimColor>{lesson.replace(/\s+/g, ' ').trim()}</Text>
      </Box>
    </Box>
  );
});
