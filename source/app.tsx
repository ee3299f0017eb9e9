import { Box, Text, useApp } from 'ink';
import { type ReactNode, useEffect } from 'react';
import { testRoutingKey } from './lab/binding-test.js';
import { queueRates } from './lab/rates.js';
import type { LabState } from './lab/store.js';
import { ActorList } from './ui/actor-list.js';
import { BindingTester } from './ui/binding-tester.js';
import { CodeOverlay, maxCodeOffset, programLines } from './ui/code-overlay.js';
import { FlowLog } from './ui/flow-log.js';
import { Header } from './ui/header.js';
import { HelpOverlay } from './ui/help-overlay.js';
import { HintBar } from './ui/hint-bar.js';
import { type KeyBinding, keymap } from './ui/keymap.js';
import { handleLabKeys, type LabControls, selectedActor, shownActors } from './ui/lab-keys.js';
import { calculateLayout, paneModes } from './ui/layout.js';
import { LessonPane } from './ui/lesson-pane.js';
import { paneChrome } from './ui/pane.js';
import { PromptLine } from './ui/prompt-line.js';
import { QueueTable } from './ui/queue-table.js';
import { baseOf, initialScreenState, type Prompt, reduceScreen } from './ui/screen-state.js';
import { topologyLines } from './ui/topology.js';
import { TopologyPane } from './ui/topology-pane.js';
import { useKeyReducer, useKeys } from './ui/use-key-reducer.js';
import { useLabState, useNow } from './ui/use-lab-state.js';
import { type TerminalSize, useTerminalSize } from './ui/use-terminal-size.js';

export type { LabControls } from './ui/lab-keys.js';

export interface AppProps {
  readonly session: LabControls;
  /** Extra cleanup after the session (stopping the private broker), shown while quitting. */
  readonly afterShutdown?: { readonly label: string; readonly run: () => Promise<void> };
  readonly bindings?: readonly KeyBinding[];
}

export const minimumSize = { columns: 80, rows: 24 } as const;

/**
 * The lab screen. The only component that exits the app. Keys go through ui/lab-keys.ts, which
 * reads and updates the screen state (ui/screen-state.ts) as each key arrives; this renders it.
 */
export function App({ session, afterShutdown, bindings = keymap }: AppProps) {
  const state = useLabState(session);
  const size = useTerminalSize();
  const { exit } = useApp();
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

  // Cleanup starts once the screen says what is being cleaned up.
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

  if (mode.kind === 'quitting') {
    return (
      <Box flexDirection="column" paddingX={1}>
        <Text>Cleaning up…</Text>
        {mode.lines.map((line) => (
          <Text key={line} dimColor>
            · {line}
          </Text>
        ))}
      </Box>
    );
  }

  if (size.columns < minimumSize.columns || size.rows < minimumSize.rows) {
    return (
      <Text>
        The terminal is {size.columns}×{size.rows}; rabbit-lab needs at least {minimumSize.columns}×
        {minimumSize.rows}. Enlarge the window (q quits).
      </Text>
    );
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

interface MainScreenProps {
  readonly state: LabState;
  readonly size: TerminalSize;
  readonly header: ReactNode;
  readonly bindings: readonly KeyBinding[];
  readonly selectedId: string | undefined;
  /** The routing key in the binding tester, while it is open. */
  readonly tested: string | undefined;
  readonly prompt: Prompt | undefined;
}

/** The panes: topology and lesson, queues, actors and flow (or the binding tester), key line. */
function MainScreen({
  state,
  size,
  header,
  bindings,
  selectedId,
  tested,
  prompt,
}: MainScreenProps) {
  const now = useNow(500);
  const actors = shownActors(state);
  const selected = selectedActor(actors, selectedId);
  // Everything must fit in rows - 1 lines: taller output makes Ink clear and redraw the whole
  // screen on every frame (flicker). Fixed lines: header, lesson, hint bar, and the three boxes'
  // borders and titles (3 each) plus the queue table's column header.
  const { lessonWidth, topologyWidth } = paneModes(size.columns, size.rows);
  const lines = topologyLines(state, topologyWidth);
  const notices = state.notices.slice(-2);
  const layout = calculateLayout({
    columns: size.columns,
    rows: size.rows,
    topologyLines: lines.length,
    queues: state.queues.list.length,
    actorRows: actors.reduce((n, a) => n + (a.lastError ? 2 : 1), 0),
    notices: notices.length,
  });
  const { wide, topRows, compact } = layout;
  // Keep the selected actor in view when not all fit.
  const selectedIndex = selected ? actors.indexOf(selected) : 0;
  const firstActor = Math.max(
    0,
    Math.min(selectedIndex - layout.actorRows + 1, actors.length - layout.actorRows),
  );
  const visibleActors = actors.slice(firstActor, firstActor + layout.actorRows);
  // Rows of the actors and flow panes together, for an overlay shown in their place.
  const lowerRows = 2 * paneChrome(compact) + layout.actorRows + layout.flowRows;

  return (
    <Box flexDirection="column" width={size.columns}>
      {header}
      {wide ? null : (
        <Text wrap="truncate-end">
          {' '}
          <Text bold>{state.scenario.title}</Text>
          <Text dimColor>
            {' '}
            · {(state.tour?.text ?? state.scenario.lesson).replace(/\s+/g, ' ').trim()}
          </Text>
        </Text>
      )}
      {notices.map((n) => (
        <Text key={n} color="yellow" wrap="truncate-end">
          {' '}
          ! {n}
        </Text>
      ))}
      {layout.showTopology ? (
        <Box height={wide ? topRows : undefined}>
          <TopologyPane lines={lines} rows={layout.topologyRows} compact={compact} />
          {wide ? (
            <LessonPane
              title={state.scenario.title}
              lesson={state.scenario.lesson}
              step={state.tour}
              width={lessonWidth}
              height={topRows}
            />
          ) : null}
        </Box>
      ) : null}
      <QueueTable
        queues={state.queues.list}
        rows={layout.queueRows}
        rates={queueRates(state)}
        sampledAt={state.queues.sampledAt}
        error={state.queues.error}
        now={now}
        compact={compact}
      />
      {/* An overlay takes the place of the actors and the flow log, so the frame keeps its height. */}
      {tested !== undefined ? (
        <BindingTester
          routingKey={tested}
          verdicts={testRoutingKey(state, tested)}
          rows={lowerRows - 4}
        />
      ) : (
        <>
          <ActorList actors={visibleActors} selected={selected?.id} compact={compact} />
          <FlowLog records={state.flow} rows={layout.flowRows} compact={compact} />
        </>
      )}
      {prompt ? (
        <PromptLine label={prompt.label} value={prompt.value} />
      ) : (
        <HintBar bindings={bindings} />
      )}
    </Box>
  );
}
