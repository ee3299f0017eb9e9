/**
 * The lab screen's keys: each press is read against the screen state as the presses before it
 * left it (several can arrive in one chunk, before any render) and the session as it is now
 * (its snapshot), then turned into screen actions and session commands.
 */
import type { Key } from 'ink';
import { testsHeaders } from '../lab/binding-test.js';
import { formatHeaders } from '../lab/headers-match.js';
import { type ActorView, isLive, type LabState, liveActors } from '../lab/store.js';
import { maxCodeOffset, programLines } from './code-overlay.js';
import { singleKeys } from './key-presses.js';
import { dispatchKey, type KeyBinding, type KeyContext } from './keymap.js';
import {
  baseOf,
  type Mode,
  type Prompt,
  type ScreenAction,
  type ScreenState,
} from './screen-state.js';
import type { LabSource } from './use-lab-state.js';

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
  nodeAction(action: 'kill' | 'stop' | 'freeze' | 'thaw' | 'start', queue?: string): Promise<void>;
  closeConnection(id: string): Promise<void>;
  addQueue(name?: string): Promise<string | undefined>;
  sendOne(id: string, routingKey: string, body: string): void;
  spawnBound(keys: readonly string[]): unknown;
  streamChoice(): { queue: string; suggested: string } | undefined;
  spawnAtOffset(offset: string): unknown;
  bindingChoice():
    | { exchange: string; type: string; keys: string[]; suggested: string[] }
    | undefined;
  shutdown(): Promise<void>;
  created(): { queues: readonly string[]; exchanges: readonly string[] };
}

/** Everything a key can read or change. */
export interface LabKeyTarget {
  readonly session: LabControls;
  readonly bindings: readonly KeyBinding[];
  readonly screen: {
    readonly current: () => ScreenState;
    readonly dispatch: (action: ScreenAction) => ScreenState;
  };
  /** Rows the code overlay shows the program in. */
  readonly codeRows: number;
  /** Extra cleanup after the session, named on the cleanup screen. */
  readonly afterShutdown?: string;
}

/** Keys that still work while the code overlay is open: they change what the program shows. */
const settingKeys = new Set(['+/-', '[/]', 'a', 'q']);

/** The actors the screen lists: the last ten. */
export function shownActors(state: LabState): readonly ActorView[] {
  return state.actors.slice(-10);
}

/** The selection follows the actor, not the row; by default the first live one. */
export function selectedActor(
  actors: readonly ActorView[],
  selectedId: string | undefined,
): ActorView | undefined {
  return actors.find((a) => a.id === selectedId) ?? actors.find(isLive);
}

export function cleanupLines(state: LabState, controls: LabControls, extra?: string): string[] {
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

/** One input from Ink: each key in it counts, in order ("++", "s\rbody\r"). */
export function handleLabKeys(target: LabKeyTarget, input: string, key: Key): void {
  for (const press of singleKeys(input, key)) handlePress(target, press.input, press.key);
}

function handlePress(target: LabKeyTarget, input: string, key: Key): void {
  const { mode } = target.screen.current();
  if (mode.kind === 'quitting') return;
  if (mode.kind === 'prompt') {
    promptKey(target, mode.prompt, input, key);
    return;
  }
  if (mode.kind === 'code') {
    codeKey(target, mode, input, key);
    return;
  }
  // Esc closes the help or the binding tester.
  if (key.escape) target.screen.dispatch({ type: 'close' });
  else dispatchKey(target.bindings, input, key, keyContext(target));
}

function promptKey(target: LabKeyTarget, prompt: Prompt, input: string, key: Key): void {
  const { dispatch } = target.screen;
  if (key.escape) dispatch({ type: 'close' });
  else if (key.return) {
    dispatch({ type: 'submit' });
    answer(target.session, prompt);
  } else if (key.backspace || key.delete) dispatch({ type: 'erase' });
  else if (input && !key.ctrl && !key.meta) dispatch({ type: 'type', text: input });
}

/** The command a prompt's answer asks for, if any (the others lead to another mode). */
function answer(session: LabControls, { purpose, value }: Prompt): void {
  if (purpose.kind === 'bind') {
    const keys = value.split(/\s+/).filter(Boolean);
    if (keys.length > 0) session.spawnBound(keys);
  } else if (purpose.kind === 'stream-offset') {
    if (value.trim() !== '') session.spawnAtOffset(value);
  } else if (purpose.kind === 'send-body') {
    session.sendOne(purpose.id, purpose.routingKey, value);
  }
}

function codeKey(
  target: LabKeyTarget,
  mode: Extract<Mode, { kind: 'code' }>,
  input: string,
  key: Key,
): void {
  const { dispatch } = target.screen;
  const rows = target.codeRows;
  if (key.escape || input === 'v') dispatch({ type: 'close' });
  else if (input === 't' || key.tab) dispatch({ type: 'switch-language' });
  else if (key.upArrow || key.downArrow || key.pageUp || key.pageDown || input === ' ') {
    const by = key.upArrow ? -1 : key.downArrow ? 1 : key.pageUp ? -rows : rows;
    const program = programLines(target.session.snapshot(), mode.id, mode.language);
    const max = maxCodeOffset(program?.lines.length ?? 0, rows);
    const offset = Math.max(0, Math.min(Math.min(mode.offset, max) + by, max));
    dispatch({ type: 'scroll-code', offset });
  } else {
    const allowed = target.bindings.filter((b) => settingKeys.has(b.label));
    dispatchKey(allowed, input, key, keyContext(target));
  }
}

/** What the key table's keys do, reading the selection and the session when they run. */
function keyContext(target: LabKeyTarget): KeyContext {
  const { session, screen } = target;
  const { dispatch } = screen;
  const lab = () => session.snapshot();
  const selected = () => selectedActor(shownActors(lab()), screen.current().selectedId);
  const withSelected = (action: (id: string) => unknown) => () => {
    const actor = selected();
    if (actor) void action(actor.id);
  };
  return {
    spawn: (kind) => spawn(target, kind),
    send: () => send(target, selected()),
    select: (delta) => {
      const actors = shownActors(lab());
      if (actors.length === 0) return;
      const current = selected();
      const index = current ? actors.indexOf(current) : -1;
      const next = (index + delta + actors.length) % actors.length;
      dispatch({ type: 'select', id: actors[next]?.id });
    },
    kill: withSelected((id) => session.kill(id)),
    stop: withSelected((id) => session.stopActor(id)),
    togglePause: withSelected((id) => session.togglePause(id)),
    rate: (direction) => withSelected((id) => session.changeRate(id, direction))(),
    prefetch: (direction) => withSelected((id) => session.changePrefetch(id, direction))(),
    cycleAck: withSelected((id) => session.cycleAck(id)),
    nextTourStep: () => session.nextTourStep(),
    restartBroker: () => void session.restartBroker(),
    node: (action) => {
      const state = lab();
      const frozen = state.cluster?.nodes.some((n) => n.status === 'frozen') === true;
      const act = action === 'freeze' && frozen ? 'thaw' : action;
      void session.nodeAction(act, actorQueue(state, selected()));
    },
    testKey: () => testKey(target),
    closeConnection: withSelected((id) => session.closeConnection(id)),
    addQueue: () => void session.addQueue(),
    showCode: () => {
      const actor = selected();
      if (actor) dispatch({ type: 'show-code', id: actor.id });
    },
    toggleHelp: () => dispatch({ type: 'toggle-help' }),
    quit: () =>
      dispatch({ type: 'quit', lines: cleanupLines(lab(), session, target.afterShutdown) }),
  };
}

/**
 * The queue a node key is about: the selected consumer's, the selected producer's (through the
 * default exchange), else the first queue listed.
 */
export function actorQueue(state: LabState, actor: ActorView | undefined): string | undefined {
  const config = actor?.config;
  if (config?.kind === 'consumer') return actor?.queue ?? config.queue;
  if (config?.kind === 'producer' && config.exchange === '') return config.routingKeys[0];
  return state.queues.list[0]?.name;
}

/**
 * c in a routing scenario asks for the new consumer's binding keys; in a stream scenario, where
 * the new reader starts.
 */
function spawn({ session, screen }: LabKeyTarget, kind: 'producer' | 'consumer'): void {
  const stream = kind === 'consumer' ? session.streamChoice() : undefined;
  if (stream) {
    screen.dispatch({
      type: 'prompt',
      prompt: {
        label: `Start the new reader of ${stream.queue} at: first, last, next, an offset, an ISO time or an interval (10m)`,
        value: stream.suggested,
        purpose: { kind: 'stream-offset' },
      },
    });
    return;
  }
  const choice = kind === 'consumer' ? session.bindingChoice() : undefined;
  if (!choice) {
    session.spawnLike(kind);
    return;
  }
  screen.dispatch({
    type: 'prompt',
    prompt: {
      label: `Binding keys for the new consumer on ${choice.exchange} (${choice.type}; keys in use: ${choice.keys.join(' ')})`,
      value: choice.suggested.join(' '),
      purpose: { kind: 'bind' },
    },
  });
}

/** s: from the selected producer, or the first one running. */
function send({ session, screen }: LabKeyTarget, selected: ActorView | undefined): void {
  const producer =
    selected?.config.kind === 'producer' && selected.status !== 'killed'
      ? selected
      : session
          .snapshot()
          .actors.find(
            (a) => a.config.kind === 'producer' && ['running', 'paused'].includes(a.status),
          );
  if (producer?.config.kind !== 'producer') return;
  const { id } = producer;
  screen.dispatch({
    type: 'prompt',
    prompt: {
      label: `Send one message from ${id}: routing key`,
      value: producer.config.routingKeys[0] ?? '',
      purpose: { kind: 'send-key', id },
    },
  });
}

/** m: the key tested last while the tester is open, else the first producer's. */
function testKey({ session, screen }: LabKeyTarget): void {
  const base = baseOf(screen.current().mode);
  const state = session.snapshot();
  const producer = state.actors.find((a) => a.config.kind === 'producer');
  const headers = testsHeaders(state);
  const first = producer?.config.kind === 'producer' ? producer.config : undefined;
  const suggested =
    base.kind === 'tester'
      ? base.routingKey
      : headers && first?.headers?.[0]
        ? formatHeaders(first.headers[0])
        : first?.routingKeys[0];
  screen.dispatch({
    type: 'prompt',
    prompt: {
      label: headers
        ? 'Headers to test against the bindings (name=value …; a routing key for the others)'
        : 'Routing key to test against the bindings',
      value: suggested ?? '',
      purpose: { kind: 'test' },
    },
  });
}
