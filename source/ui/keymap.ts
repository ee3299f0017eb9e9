/**
 * One table drives key dispatch, the hint bar and the help overlay, so they cannot drift apart.
 */
import type { Key } from 'ink';

/** What keys can do; the screen supplies these, bound to the selected actor. */
export interface KeyContext {
  readonly spawn: (kind: 'producer' | 'consumer') => void;
  readonly select: (delta: number) => void;
  readonly kill: () => void;
  readonly stop: () => void;
  readonly togglePause: () => void;
  readonly rate: (direction: 1 | -1) => void;
  readonly prefetch: (direction: 1 | -1) => void;
  readonly cycleAck: () => void;
  readonly nextTourStep: () => void;
  readonly send: () => void;
  readonly restartBroker: () => void;
  /** A private cluster's node that leads the selected queue: crash, stop or freeze (thaw); start. */
  readonly node: (action: 'kill' | 'stop' | 'freeze' | 'start') => void;
  readonly testKey: () => void;
  readonly closeConnection: () => void;
  readonly addQueue: () => void;
  readonly showCode: () => void;
  readonly toggleHelp: () => void;
  readonly quit: () => void;
}

export interface KeyBinding {
  /** How the key is written in the hint bar and help, e.g. 'p' or '↑↓'. */
  readonly label: string;
  /** A word or two for the hint bar. */
  readonly description: string;
  /** A sentence for the help overlay. */
  readonly help: string;
  /** Shown in the hint bar (the help overlay shows every binding). */
  readonly hint: boolean;
  readonly matches: (input: string, key: Key) => boolean;
  readonly run: (context: KeyContext, input: string, key: Key) => void;
}

export const keymap: readonly KeyBinding[] = [
  {
    label: 'p',
    description: 'producer',
    help: "Add a producer like the scenario's.",
    hint: true,
    matches: (input) => input === 'p',
    run: (c) => c.spawn('producer'),
  },
  {
    label: 'c',
    description: 'consumer',
    help: "Add a consumer like the scenario's (routing scenarios ask for its binding keys, stream scenarios where it starts reading).",
    hint: true,
    matches: (input) => input === 'c',
    run: (c) => c.spawn('consumer'),
  },
  {
    label: '↑↓',
    description: 'select',
    help: 'Select an actor (tab moves down too).',
    hint: true,
    matches: (_input, key) => key.upArrow || key.downArrow || key.tab,
    run: (c, _input, key) => c.select(key.upArrow ? -1 : 1),
  },
  {
    label: 'x',
    description: 'kill',
    help: 'Kill the selected actor with SIGKILL: the crash case; the broker requeues what it had not acked.',
    hint: true,
    matches: (input) => input === 'x',
    run: (c) => c.kill(),
  },
  {
    label: 'X',
    description: 'stop',
    help: 'Stop the selected actor gracefully: it closes its connection.',
    hint: false,
    matches: (input) => input === 'X',
    run: (c) => c.stop(),
  },
  {
    label: 'space',
    description: 'pause',
    help: 'Pause or resume the selected producer.',
    hint: false,
    matches: (input) => input === ' ',
    run: (c) => c.togglePause(),
  },
  {
    label: '+/-',
    description: 'rate',
    help: 'Raise or lower the selected producer’s rate.',
    hint: false,
    matches: (input) => input === '+' || input === '=' || input === '-',
    run: (c, input) => c.rate(input === '-' ? -1 : 1),
  },
  {
    label: '[/]',
    description: 'prefetch',
    help: 'Lower or raise the selected consumer’s prefetch (∞ = unlimited).',
    hint: false,
    matches: (input) => input === '[' || input === ']',
    run: (c, input) => c.prefetch(input === '[' ? -1 : 1),
  },
  {
    label: 'a',
    description: 'ack mode',
    help: 'Cycle the selected consumer’s ack mode: manual → auto → never (the forgotten ack).',
    hint: false,
    matches: (input) => input === 'a',
    run: (c) => c.cycleAck(),
  },
  {
    label: 's',
    description: 'send one',
    help: 'Send one message now from the selected (or first) producer: you choose routing key and body.',
    hint: false,
    matches: (input) => input === 's',
    run: (c) => c.send(),
  },
  {
    label: 'm',
    description: 'match key',
    help: 'Binding tester: type a routing key and see which bindings take it, and why (* one word, # zero or more); for a headers exchange type headers as name=value words (format=pdf type=report).',
    hint: false,
    matches: (input) => input === 'm',
    run: (c) => c.testKey(),
  },
  {
    label: 'b',
    description: 'add queue',
    help: 'Bind a new service queue to the exchange, with its own consumer, without touching the producer (scenarios with services).',
    hint: false,
    matches: (input) => input === 'b',
    run: (c) => c.addQueue(),
  },
  {
    label: 'v',
    description: 'code',
    help: 'Show the selected actor as a program for its current settings: TypeScript (amqplib) or Python (pika); t switches.',
    hint: false,
    matches: (input) => input === 'v',
    run: (c) => c.showCode(),
  },
  {
    label: 'K',
    description: 'close conn',
    help: 'Close the selected actor’s connection from the broker side (management API), as an operator would: it reconnects.',
    hint: false,
    matches: (input) => input === 'K',
    run: (c) => c.closeConnection(),
  },
  {
    label: 'R',
    description: 'restart broker',
    help: 'Restart the private broker (stop_app, start_app): every connection drops, actors reconnect, durable queues keep their messages.',
    hint: false,
    matches: (input) => input === 'R',
    run: (c) => c.restartBroker(),
  },
  {
    label: '9',
    description: 'crash leader node',
    help: "Cluster: crash the node that leads the selected actor's queue (kill -9 of its Erlang VM): a quorum queue elects a new leader, a classic queue is gone until the node returns.",
    hint: false,
    matches: (input) => input === '9',
    run: (c) => c.node('kill'),
  },
  {
    label: 'g',
    description: 'stop leader node',
    help: "Cluster: stop the node that leads the selected actor's queue gracefully, as rabbitmqctl stop does: clients are disconnected, then the node shuts down.",
    hint: false,
    matches: (input) => input === 'g',
    run: (c) => c.node('stop'),
  },
  {
    label: 'f',
    description: 'freeze/thaw node',
    help: "Cluster: freeze the node that leads the selected actor's queue (SIGSTOP: hung, not dead; its peers notice after net_ticktime), or thaw the frozen one.",
    hint: false,
    matches: (input) => input === 'f',
    run: (c) => c.node('freeze'),
  },
  {
    label: 'u',
    description: 'start nodes',
    help: 'Cluster: start the stopped nodes again; each rejoins with its data and its quorum queue members catch up.',
    hint: false,
    matches: (input) => input === 'u',
    run: (c) => c.node('start'),
  },
  {
    label: 'n',
    description: 'next step',
    help: 'Play the next step of the guided tour now.',
    hint: true,
    matches: (input) => input === 'n',
    run: (c) => c.nextTourStep(),
  },
  {
    label: '?',
    description: 'help',
    help: 'Show or hide this help.',
    hint: true,
    matches: (input) => input === '?',
    run: (c) => c.toggleHelp(),
  },
  {
    label: 'q',
    description: 'quit',
    help: 'Quit: stop every actor, delete what this run created, stop the private broker (Ctrl-C too).',
    hint: true,
    matches: (input, key) => input === 'q' || (key.ctrl && input === 'c'),
    run: (c) => c.quit(),
  },
];

export function dispatchKey(
  bindings: readonly KeyBinding[],
  input: string,
  key: Key,
  context: KeyContext,
): boolean {
  const binding = bindings.find((b) => b.matches(input, key));
  binding?.run(context, input, key);
  return binding !== undefined;
}
