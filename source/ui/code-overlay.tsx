import { Box, Text } from 'ink';
import type { ActorConfig } from '../actors/protocol.js';
import { generateProgram, type Language, languageLabel } from '../code/generate.js';
import type { LabState } from '../lab/store.js';

export interface CodeOverlayProps {
  readonly actor: ActorConfig;
  readonly language: Language;
  /** The program's lines. */
  readonly lines: readonly string[];
  /** First line shown (already clamped by the caller). */
  readonly offset: number;
  /** Rows for the program's lines; a title and a key line come on top. */
  readonly rows: number;
  readonly columns: number;
}

/** The most lines `offset` may skip so the last page is full. */
export function maxCodeOffset(lineCount: number, rows: number): number {
  return Math.max(0, lineCount - rows);
}

const noTopology = { exchanges: [], queues: [], bindings: [] };

/** The last program made, for the frame and the keys that scroll it (the same inputs). */
let made: { readonly key: readonly unknown[]; readonly lines: readonly string[] } | undefined;

/**
 * The actor's program for its current settings, as lines: a new config gives a new text.
 * Undefined when the actor is not in the lab.
 */
export function programLines(
  state: LabState,
  id: string,
  language: Language,
): { readonly actor: ActorConfig; readonly lines: readonly string[] } | undefined {
  const actor = state.actors.find((a) => a.id === id)?.config;
  if (!actor) return undefined;
  const { scenario, broker } = state;
  const key = [actor, language, scenario.topology, scenario.name, broker.redactedUrl];
  if (!made || made.key.some((part, i) => part !== key[i])) {
    const input = {
      actor,
      topology: scenario.topology ?? noTopology,
      scenario: scenario.name,
      brokerUrl: broker.redactedUrl,
    };
    made = { key, lines: generateProgram(input, language).trimEnd().split('\n') };
  }
  return { actor, lines: made.lines };
}

const isComment = (line: string) => /^\s*(\/\/|#)/.test(line);

/** The selected actor as a program, one screenful at a time. */
export function CodeOverlay({ actor, language, lines, offset, rows, columns }: CodeOverlayProps) {
  const shown = lines.slice(offset, offset + rows);
  const last = offset + shown.length;
  const below = lines.length - last;
  const other = language === 'typescript' ? 'Python' : 'TypeScript';
  const range =
    lines.length > rows
      ? `lines ${offset + 1}–${last} of ${lines.length}`
      : `${lines.length} lines`;
  return (
    <Box flexDirection="column" width={columns}>
      <Text wrap="truncate-end">
        {' '}
        <Text bold color="yellow">
          {actor.id} as code
        </Text>
        <Text>
          {' '}
          · {languageLabel[language]} · {range}
        </Text>
      </Text>
      {shown.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines of one program, in order
        <Text key={offset + i} wrap="truncate-end" dimColor={isComment(line)}>
          {' '}
          {line === '' ? ' ' : line}
        </Text>
      ))}
      {Array.from({ length: rows - shown.length }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: blank filler rows
        <Text key={`blank-${i}`}> </Text>
      ))}
      <Text wrap="truncate-end" dimColor>
        {' '}
        {below > 0 ? `↓ ${below} more · ` : ''}↑↓ PgUp PgDn · t {other} · + - [ ] a change it · Esc
        closes
      </Text>
    </Box>
  );
}
