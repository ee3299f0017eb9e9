import { Box, type BoxProps, Text } from 'ink';
import type { ReactNode } from 'react';

export interface PaneProps extends Pick<BoxProps, 'flexGrow' | 'width' | 'height'> {
  /** The title line's content (Text or strings). */
  readonly title: ReactNode;
  /**
   * Short terminals: a one-line rule with the title instead of a box (1 row of chrome instead
   * of 3), so every pane still fits at 80×24.
   */
  readonly compact?: boolean;
  readonly children?: ReactNode;
}

/** Rows a pane adds around its content. */
export function paneChrome(compact: boolean): number {
  return compact ? 1 : 3;
}

/** Columns inside a pane as wide as the screen: the border and padding (compact: padding) off. */
export function paneInnerWidth(columns: number, compact: boolean): number {
  return columns - (compact ? 2 : 4);
}

export function Pane({ title, compact = false, children, ...box }: PaneProps) {
  if (!compact) {
    return (
      <Box flexDirection="column" borderStyle="round" paddingX={1} {...box}>
        <Text wrap="truncate-end">{title}</Text>
        {children}
      </Box>
    );
  }
  return (
    <Box flexDirection="column" {...box}>
      <Box height={1}>
        <Box flexShrink={0}>
          <Text dimColor>── </Text>
        </Box>
        <Box flexShrink={1}>
          <Text wrap="truncate-end">{title}</Text>
        </Box>
        {/* A rule to the edge: hard-wrapped into one clipped row. */}
        <Box flexGrow={1} flexShrink={1} flexBasis={0} height={1} overflow="hidden" paddingLeft={1}>
          <Text dimColor>{'─'.repeat(400)}</Text>
        </Box>
      </Box>
      <Box flexDirection="column" paddingX={1}>
        {children}
      </Box>
    </Box>
  );
}
