import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { generateProgram, type Language } from './code/generate.js';
import { testRoutingKey } from './lab/binding-test.js';
import { queueRates } from './lab/rates.js';
import { isLive, type LabState, liveActors } from './lab/store.js';
import { ActorList } from './ui/actor-list.js';
import { BindingTester } from './ui/binding-tester.js';
import { CodeOverlay, maxCodeOffset } from './ui/code-overlay.js';
import { FlowLog } from './ui/flow-log.js';
import { Header } from './ui/header.js';
import { HelpOverlay } from './ui/help-overlay.js';
import { HintBar } from './ui/hint-bar.js';
import { dispatchKey, type KeyBinding, type KeyContext, keymap } from './ui/keymap.js';
import { calculateLayout, paneModes } from './ui/layout.js';
import { LessonPane } from './ui/lesson-pane.js';
import { paneChrome } from './ui/pane.js';
import { PromptLine, type PromptState } from './ui/prompt-line.js';
import { QueueTable } from './ui/queue-table.js';
import { topologyLines } from './ui/topology.js';
import { TopologyPane } from './ui/topology-pane.js';
import { type LabSource, useLabState, useNow } from './ui/use-lab-state.js';
import { useTerminalSize } from './ui/use-terminal-size.js';

/** What the screen needs from a session: its state and the commands keys trigger. */
export interface LabControls extends LabSource {
  spawnLike(kind: 'producer' | 'consumer'): unknown;
  kill(id: string): Promise<void>;
  stopActor(id: string): Promise<void>;
  togglePause(id: string): void;
  changeRate(id: string, direction: 1 | -1): void;
  changePrefetch(id: string, direction: 1 | -1): void;
  cycleAck(id: string): void;
  nextTourStep(): void;
  restartBroker(): Promise<void>;
  closeConnection(id: string): Promise<void>;
  addQueue(name?: string): Promise<string | undefined>;
  sendOne(id: string, routingKey: string, body: string): void;
  spawnBound(keys: readonly string[]): unknown;
  bindingChoice():
    | { exchange: string; type: string; keys: string[]; suggested: string[] }
    | undefined;
  shutdown(): Promise<void>;
  created(): { queues: readonly string[]; exchanges: readonly string[] };
}

export interface AppProps {
  readonly session: LabControls;
  /** Extra cleanup after the session (stopping the private broker), shown while quitting. */
  readonly afterShutdown?: { readonly label: string; readonly run: () => Promise<void> };
  readonly bindings?: readonly KeyBinding[];
}

export const minimumSize = { columns: 80, rows: 24 } as const;

/** Keys that still work while the code overlay is open: they change what the program shows. */
const settingKeys = new Set(['+/-', '[/]', 'a', 'q']);
const noTopology = { exchanges: [], queues: [], bindings: [] };

function cleanupLines(state: LabState, controls: LabControls, extra?: string): string[] {
  const live = liveActors(state);
  const { queues, exchanges } = controls.created();
  const lines = [`stopping ${live.length} actor${live.length === 1 ? '' : 's'}`];
  if (queues.length > 0)
    lines.push(`deleting queue${queues.length > 1 ? 's' : ''} ${queues.join(', ')}`);
  if (exchanges.length > 0)
    lines.push(`deleting exchange${exchanges.length > 1 ? 's' : ''} ${exchanges.join(', ')}`);
  if (extra) lines.push(extra);
  return lines;
}

/** The lab screen. The only component that exits the app. */
export function App({ session, afterShutdown, bindings = keymap }: AppProps) {
  const state = useLabState(session);
  const now = useNow(500);
  const size = useTerminalSize();
  const { exit } = useApp();
  const [quitting, setQuitting] = useState<string[] | undefined>(undefined);
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [help, setHelp] = useState(false);
  /** The routing key in the binding tester, while it is open. */
  const [tested, setTested] = useState<string | undefined>(undefined);
  const [prompt, setPrompt] = useState<PromptState | undefined>(undefined);
  /** The actor shown as code (`v`), in which language, scrolled how far. */
  const [code, setCode] = useState<
    { readonly id: string; readonly language: Language; readonly offset: number } | undefined
  >(undefined);
  const shownActors = state.actors.slice(-10);
  // The selection follows the actor, not the row; by default the first live one.
  const selected = shownActors.find((a) => a.id === selectedId) ?? shownActors.find(isLive);
  // The program follows the actor's current settings: a new config gives a new text.
  const codeActor = code && state.actors.find((a) => a.id === code.id)?.config;
  const codeLanguage = code?.language;
  const { scenario, broker } = state;
  const codeLines = useMemo(
    () =>
      codeActor && codeLanguage
        ? generateProgram(
            {
              actor: codeActor,
              topology: scenario.topology ?? noTopology,
              scenario: scenario.name,
              brokerUrl: broker.redactedUrl,
            },
            codeLanguage,
          )
            .trimEnd()
            .split('\n')
        : [],
    [codeActor, codeLanguage, scenario, broker.redactedUrl],
  );
  // Header, title and key line; the rest shows the program.
  const codeRows = Math.max(1, size.rows - 4);
  const codeOffset = Math.min(code?.offset ?? 0, maxCodeOffset(codeLines.length, codeRows));

  const quit = () => {
    if (!quitting) setQuitting(cleanupLines(state, session, afterShutdown?.label));
  };

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

  const withSelected = (action: (id: string) => unknown) => () => {
    if (selected) void action(selected.id);
  };
  const context: KeyContext = {
    spawn: (kind) => {
      const choice = kind === 'consumer' ? session.bindingChoice() : undefined;
      if (!choice) {
        session.spawnLike(kind);
        return;
      }
      setPrompt({
        label: `Binding keys for the new consumer on ${choice.exchange} (${choice.type}; keys in use: ${choice.keys.join(' ')})`,
        value: choice.suggested.join(' '),
        submit: (value) => {
          const keys = value.split(/\s+/).filter(Boolean);
          if (keys.length > 0) session.spawnBound(keys);
        },
      });
    },
    send: () => {
      const producer =
        selected?.config.kind === 'producer' && selected.status !== 'killed'
          ? selected
          : state.actors.find(
              (a) => a.config.kind === 'producer' && ['running', 'paused'].includes(a.status),
            );
      if (producer?.config.kind !== 'producer') return;
      const { id } = producer;
      const firstKey = producer.config.routingKeys[0] ?? '';
      setPrompt({
        label: `Send one message from ${id}: routing key`,
        value: firstKey,
        submit: (routingKey) =>
          setPrompt({
            label: `Send one message from ${id} with key '${routingKey}': body`,
            value: 'Sent by hand from rabbit-lab',
            submit: (body) => session.sendOne(id, routingKey, body),
          }),
      });
    },
    select: (delta) => {
      if (shownActors.length === 0) return;
      const index = selected ? shownActors.indexOf(selected) : -1;
      const next = (index + delta + shownActors.length) % shownActors.length;
      setSelectedId(shownActors[next]?.id);
    },
    kill: withSelected((id) => session.kill(id)),
    stop: withSelected((id) => session.stopActor(id)),
    togglePause: withSelected((id) => session.togglePause(id)),
    rate: (direction) => withSelected((id) => session.changeRate(id, direction))(),
    prefetch: (direction) => withSelected((id) => session.changePrefetch(id, direction))(),
    cycleAck: withSelected((id) => session.cycleAck(id)),
    nextTourStep: () => session.nextTourStep(),
    restartBroker: () => void session.restartBroker(),
    testKey: () => {
      const producer = state.actors.find((a) => a.config.kind === 'producer');
      const suggested =
        tested ?? (producer?.config.kind === 'producer' ? producer.config.routingKeys[0] : '');
      setPrompt({
        label: 'Routing key to test against the bindings',
        value: suggested ?? '',
        submit: (value) => setTested(value),
      });
    },
    closeConnection: withSelected((id) => session.closeConnection(id)),
    addQueue: () => void session.addQueue(),
    showCode: () => {
      if (selected) setCode({ id: selected.id, language: 'typescript', offset: 0 });
    },
    toggleHelp: () => setHelp((h) => !h),
    quit,
  };

  useInput((input, key) => {
    if (quitting) return;
    if (prompt) {
      if (key.escape) setPrompt(undefined);
      else if (key.return) {
        // The latest value, even when keys arrived faster than renders.
        setPrompt((p) => {
          if (p) setTimeout(() => p.submit(p.value), 0);
          return undefined;
        });
      } else if (key.backspace || key.delete) {
        // Functional updates: several keys can arrive before the next render.
        setPrompt((p) => p && { ...p, value: p.value.slice(0, -1) });
      } else if (input && !key.ctrl && !key.meta) {
        setPrompt((p) => p && { ...p, value: p.value + input });
      }
      return;
    }
    if (code) {
      const scroll = (by: number) =>
        setCode(
          (c) =>
            c && {
              ...c,
              offset: Math.max(
                0,
                Math.min(codeOffset + by, maxCodeOffset(codeLines.length, codeRows)),
              ),
            },
        );
      if (key.escape || input === 'v') setCode(undefined);
      else if (input === 't' || key.tab) {
        setCode(
          (c) =>
            c && {
              ...c,
              language: c.language === 'typescript' ? 'python' : 'typescript',
              offset: 0,
            },
        );
      } else if (key.upArrow) scroll(-1);
      else if (key.downArrow) scroll(1);
      else if (key.pageUp) scroll(-codeRows);
      else if (key.pageDown || input === ' ') scroll(codeRows);
      else {
        const keys = input.length > 1 && !key.ctrl && !key.meta ? [...input] : [input];
        const allowed = bindings.filter((b) => settingKeys.has(b.label));
        for (const one of keys) dispatchKey(allowed, one, key, context);
      }
      return;
    }
    if (tested !== undefined && key.escape) {
      setTested(undefined);
      return;
    }
    // Keys typed faster than they are read arrive together ("+++"): each one counts.
    const keys = input.length > 1 && !key.ctrl && !key.meta ? [...input] : [input];
    for (const one of keys) dispatchKey(bindings, one, key, context);
  });

  if (quitting) {
    return (
      <Box flexDirection="column" paddingX={1}>
        <Text>Cleaning up…</Text>
        {quitting.map((line) => (
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
    actorRows: shownActors.reduce((n, a) => n + (a.lastError ? 2 : 1), 0),
    notices: notices.length,
  });
  const { wide, topRows, compact } = layout;
  // Keep the selected actor in view when not all fit.
  const selectedIndex = selected ? shownActors.indexOf(selected) : 0;
  const firstActor = Math.max(
    0,
    Math.min(selectedIndex - layout.actorRows + 1, shownActors.length - layout.actorRows),
  );
  const visibleActors = shownActors.slice(firstActor, firstActor + layout.actorRows);
  // Rows of the actors and flow panes together, for an overlay shown in their place.
  const lowerRows = 2 * paneChrome(compact) + layout.actorRows + layout.flowRows;

  const header = (
    <Header
      name={state.scenario.name}
      columns={size.columns}
      broker={state.broker}
      healthy={state.queues.error === undefined && state.queues.sampledAt !== undefined}
    />
  );
  // The code takes the whole screen but the header; it scrolls when taller.
  if (code && codeActor) {
    return (
      <Box flexDirection="column" width={size.columns}>
        {header}
        <CodeOverlay
          actor={codeActor}
          language={code.language}
          lines={codeLines}
          offset={codeOffset}
          rows={codeRows}
          columns={size.columns}
        />
      </Box>
    );
  }

  // The help takes the whole screen but the header and the hint bar: every key fits from 80×24.
  if (help) {
    return (
      <Box flexDirection="column" width={size.columns}>
        {header}
        <HelpOverlay bindings={bindings} rows={size.rows - 7} />
        <HintBar bindings={bindings} />
      </Box>
    );
  }

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
