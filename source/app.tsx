import { Box, Text, useApp } from 'ink';
import { useEffect } from 'react';
import { CodeOverlay, maxCodeOffset, programLines } from './ui/code-overlay.js';
import { Header } from './ui/header.js';
import { HelpOverlay } from './ui/help-overlay.js';
import { HintBar } from './ui/hint-bar.js';
import { type KeyBinding, keymap } from './ui/keymap.js';
import { handleLabKeys, type LabControls } from './ui/lab-keys.js';
import { MainScreen } from './ui/main-screen.js';
import { baseOf, initialScreenState, reduceScreen } from './ui/screen-state.js';
import { useKeyReducer, useKeys } from './ui/use-key-reducer.js';
import { useLabState } from './ui/use-lab-state.js';
import { type TerminalSize, useTerminalSize } from './ui/use-terminal-size.js';

export type { LabControls } from './ui/lab-keys.js';

export interface AppProps {
  readonly session: LabControls;
  /** Extra cleanup after the session (stopping the private broker), shown while quitting. */
  readonly afterShutdown?: { readonly label: string; readonly run: () => Promise<void> };
  readonly bindings?: readonly KeyBinding[];
}

export const minimumSize = { columns: 80, rows: 24 } as const;

/** Cleanup starts once the screen says what is being cleaned up; the app exits after it. */
function useShutdownOnQuit(
  quitting: boolean,
  session: LabControls,
  afterShutdown: AppProps['afterShutdown'],
): void {
  const { exit } = useApp();
  useEffect(() => {
    if (!quitting) return;
    void (async () => {
      try {
        await session.shutdown();
        await afterShutdown?.run();
      } finally {
        exit();
      }
    })();
  }, [quitting, session, afterShutdown, exit]);
}

function QuittingScreen({ lines }: { readonly lines: readonly string[] }) {
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text>Cleaning up…</Text>
      {lines.map((line) => (
        <Text key={line} dimColor>
          · {line}
        </Text>
      ))}
    </Box>
  );
}

function TooSmall({ size }: { readonly size: TerminalSize }) {
  return (
    <Text>
      The terminal is {size.columns}×{size.rows}; rabbit-lab needs at least {minimumSize.columns}×
      {minimumSize.rows}. Enlarge the window (q quits).
    </Text>
  );
}

/**
 * The lab screen. The only component that exits the app. Keys go through ui/lab-keys.ts, which
 * reads and updates the screen state (ui/screen-state.ts) as each key arrives; this renders it.
 */
export function App({ session, afterShutdown, bindings = keymap }: AppProps) {
  const state = useLabState(session);
  const size = useTerminalSize();
  const screen = useKeyReducer(reduceScreen, () => initialScreenState);
  // Header, title and key line; the rest shows the program.
  const codeRows = Math.max(1, size.rows - 4);
  useKeys((input, key) =>
    handleLabKeys(
      { session, bindings, screen, codeRows, afterShutdown: afterShutdown?.label },
      input,
      key,
    ),
  );
  const { mode } = screen.state;
  const quitting = mode.kind === 'quitting';

  useShutdownOnQuit(quitting, session, afterShutdown);

  if (mode.kind === 'quitting') return <QuittingScreen lines={mode.lines} />;
  if (size.columns < minimumSize.columns || size.rows < minimumSize.rows) {
    return <TooSmall size={size} />;
  }

  const header = (
    <Header
      name={state.scenario.name}
      columns={size.columns}
      broker={state.broker}
      healthy={state.queues.error === undefined && state.queues.sampledAt !== undefined}
    />
  );
  // The code takes the whole screen but the header; it scrolls when taller.
  const program = mode.kind === 'code' ? programLines(state, mode.id, mode.language) : undefined;
  if (mode.kind === 'code' && program) {
    return (
      <Box flexDirection="column" width={size.columns}>
        {header}
        <CodeOverlay
          actor={program.actor}
          language={mode.language}
          lines={program.lines}
          offset={Math.min(mode.offset, maxCodeOffset(program.lines.length, codeRows))}
          rows={codeRows}
          columns={size.columns}
        />
      </Box>
    );
  }

  // The help takes the whole screen but the header and the hint bar: every key fits from 80×24.
  if (mode.kind === 'help') {
    return (
      <Box flexDirection="column" width={size.columns}>
        {header}
        <HelpOverlay bindings={bindings} rows={size.rows - 7} />
        <HintBar bindings={bindings} />
      </Box>
    );
  }

  const base = baseOf(mode);
  return (
    <MainScreen
      state={state}
      size={size}
      header={header}
      bindings={bindings}
      selectedId={screen.state.selectedId}
      tested={base.kind === 'tester' ? base.routingKey : undefined}
      prompt={mode.kind === 'prompt' ? mode.prompt : undefined}
    />
  );
}
