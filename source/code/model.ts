/**
 * What an actor's equivalent program needs, independent of the language it is written in: the
 * declarations it makes, how its message bodies are built and where it connects. The words its
 * comments say are in prose.ts. Pure: no broker, no files.
 */
import type {
  ActorConfig,
  ConsumerConfig,
  ProducerConfig,
  RetryConfig,
} from '../actors/protocol.js';
import { bindingArguments, type TopologySpec } from '../broker/topology.js';
import { routes } from '../lab/routing.js';
import type { ExchangeSpec, HeaderValue, QueueSpec } from '../scenario/schema.js';

export type Language = 'typescript' | 'python';

export interface ProgramInput {
  readonly actor: ActorConfig;
  /** The scenario's topology: the program declares the part of it this actor needs. */
  readonly topology: TopologySpec;
  readonly scenario: string;
  /**
   * The broker the lab uses. Only its scheme, host, port, vhost and user name go into the
   * program, never its password.
   */
  readonly brokerUrl?: string;
}

/** A producer's program as lines; `parts` is its body template. */
type ProducerProgram = (
  input: ProgramInput,
  p: ProducerConfig,
  parts: readonly BodyPart[],
) => string[];

/** A language's programs as lines, one for each kind of actor. */
export interface Emitter {
  readonly producer: ProducerProgram;
  readonly httpBridge: (input: ProgramInput, p: ProducerConfig) => string[];
  readonly rpcClient: ProducerProgram;
  readonly consumer: (input: ProgramInput, c: ConsumerConfig) => string[];
}

/** Comment lines are wrapped to this width so a program reads well in an 80-column terminal. */
export const commentWidth = 76;

export interface Binding {
  readonly exchange: string;
  readonly queue: string;
  readonly key: string;
  /** A headers exchange's binding: `x-match` and the headers to match. */
  readonly arguments?: Readonly<Record<string, HeaderValue>>;
}

/** An exchange's alternate exchange, as declared. */
export function alternateOf(x: ExchangeSpec): string | undefined {
  const alternate = x.arguments['alternate-exchange'];
  return typeof alternate === 'string' ? alternate : undefined;
}

/** The declarations one actor makes before it publishes or consumes. */
export interface Needs {
  readonly exchanges: readonly ExchangeSpec[];
  readonly queues: readonly QueueSpec[];
  /** Bindings of the named queues above. */
  readonly bindings: readonly Binding[];
  /** Exchanges the actor uses that the scenario does not declare: they must exist already. */
  readonly assumed: readonly string[];
  /** Queues the actor uses (a parking queue) that the scenario does not declare. */
  readonly assumedQueues: readonly string[];
}

function exchangeNamed(topology: TopologySpec, name: string): ExchangeSpec | undefined {
  return topology.exchanges.find((x) => x.name === name);
}

/**
 * The queues a message rejected (or expired) from `start` can reach by dead-lettering, hop after
 * hop, `start` included, and the dead-letter exchanges on the way. A queue's
 * x-dead-letter-routing-key picks the bindings it reaches; without one the message keeps its own
 * routing key, unknown here, so every queue bound to the exchange counts.
 */
export function deadLetterReach(
  topology: TopologySpec,
  start: string,
): { queues: Set<string>; exchanges: Set<string> } {
  const queues = new Set([start]);
  const exchanges = new Set<string>();
  const frontier = [start];
  for (let name = frontier.pop(); name !== undefined; name = frontier.pop()) {
    const spec = topology.queues.find((q) => q.name === name);
    const exchange = spec?.arguments['x-dead-letter-exchange'];
    if (typeof exchange !== 'string') continue;
    const rawKey = spec?.arguments['x-dead-letter-routing-key'];
    const key = rawKey === undefined ? undefined : String(rawKey);
    let targets: string[];
    if (exchange === '') {
      // The default exchange: the routing key names the queue.
      targets = key === undefined ? [] : [key];
    } else {
      exchanges.add(exchange);
      const type = exchangeNamed(topology, exchange)?.type ?? 'direct';
      targets = topology.bindings
        .filter((b) => b.exchange === exchange && (key === undefined || routes(type, b, key)))
        .map((b) => b.queue);
    }
    for (const target of targets) {
      if (queues.has(target)) continue;
      queues.add(target);
      frontier.push(target);
    }
  }
  return { queues, exchanges };
}

/**
 * The part of the topology an actor needs, declared the way the lab declares it:
 * - a producer on the default exchange: the scenario's queues its routing keys name;
 * - a producer on an exchange: that exchange, and the scenario's queues bound to it (so messages
 *   have somewhere to go even before a consumer starts);
 * - a consumer of a named queue: that queue, its bindings and their exchanges;
 * - a consumer with `bind`: the exchange (its own server-named queue is declared separately);
 * - a consumer with retries: also every queue and exchange its queue dead-letters to, hop after
 *   hop (the retry queue and back), and the parking queue.
 */
export function needsOf(actor: ActorConfig, topology: TopologySpec): Needs {
  const exchanges = new Set<string>();
  const queues = new Set<string>();
  if (actor.kind === 'producer') {
    if (actor.exchange === '') {
      for (const key of actor.routingKeys) queues.add(key);
    } else {
      // Its alternate exchanges too (hop after hop): where what no binding takes goes.
      let x: string | undefined = actor.exchange;
      while (x !== undefined && !exchanges.has(x)) {
        exchanges.add(x);
        for (const b of topology.bindings) if (b.exchange === x) queues.add(b.queue);
        const spec = exchangeNamed(topology, x);
        x = spec ? alternateOf(spec) : undefined;
      }
    }
  } else if (actor.queue !== undefined) {
    queues.add(actor.queue);
    for (const b of topology.bindings) if (b.queue === actor.queue) exchanges.add(b.exchange);
    if (retrying(actor)) {
      const reach = deadLetterReach(topology, actor.queue);
      for (const q of reach.queues) queues.add(q);
      for (const x of reach.exchanges) exchanges.add(x);
      queues.add(actor.retry.parkingQueue);
    }
  } else if (actor.bind) {
    exchanges.add(actor.bind.exchange);
  }
  const declaredQueues = topology.queues.filter((q) => queues.has(q.name));
  const queueNames = new Set(declaredQueues.map((q) => q.name));
  // A bound queue's exchange is declared before the binding.
  const bindings = topology.bindings
    .filter((b) => queueNames.has(b.queue))
    .flatMap((b) => {
      const args = bindingArguments(b);
      return b.keys.map((key) => ({
        exchange: b.exchange,
        queue: b.queue,
        key,
        ...(args ? { arguments: args } : {}),
      }));
    });
  for (const b of bindings) exchanges.add(b.exchange);
  const known = [...exchanges].map((name) => exchangeNamed(topology, name));
  return {
    exchanges: known.filter((x): x is ExchangeSpec => x !== undefined),
    queues: declaredQueues,
    bindings,
    assumed: [...exchanges].filter((name) => !exchangeNamed(topology, name)),
    assumedQueues:
      actor.kind === 'consumer' && retrying(actor) && !queueNames.has(actor.retry.parkingQueue)
        ? [actor.retry.parkingQueue]
        : [],
  };
}

/** A consumer that retries through dead-lettering: the lab does so with manual ack only. */
export function retrying(c: ConsumerConfig): c is ConsumerConfig & { retry: RetryConfig } {
  return c.retry !== undefined && c.ack === 'manual' && c.queue !== undefined;
}

/** Whether the lab simulates failures for a retry consumer (else its handler never fails). */
export function failing(retry: RetryConfig): boolean {
  return retry.transientEvery > 0 || retry.poisonEvery > 0;
}

/** A piece of a message body template: literal text, or a value per message. */
export type BodyPart = { readonly text: string } | { readonly value: 'seq' | 'key' | 'n' | 'dots' };

/**
 * Split a body template into literal text and per-message values. `{actor}` is the actor's id, so
 * it becomes text; `{n}` is the RPC argument for a client and the sequence number otherwise.
 */
export function bodyParts(template: string, actor: ProducerConfig): BodyPart[] {
  const parts: BodyPart[] = [];
  const push = (text: string) => {
    if (text === '') return;
    const last = parts.at(-1);
    if (last && 'text' in last) parts[parts.length - 1] = { text: last.text + text };
    else parts.push({ text });
  };
  for (const piece of template.split(/(\{(?:seq|key|actor|n|dots)\})/)) {
    if (piece === '{actor}') push(actor.id);
    else if (piece === '{seq}') parts.push({ value: 'seq' });
    else if (piece === '{key}') parts.push({ value: 'key' });
    else if (piece === '{dots}') parts.push({ value: 'dots' });
    else if (piece === '{n}') parts.push({ value: actor.rpc ? 'n' : 'seq' });
    else push(piece);
  }
  return parts;
}

export const defaultProgramUrl = 'amqp://localhost';

/**
 * The URL a program connects to by default: the lab's broker without credentials (a password
 * never goes into a program), shortened to amqp://localhost when that is all it says. `user` is
 * set when the lab connects as someone other than guest, so the program can say to pass it.
 */
export function programUrl(brokerUrl: string | undefined): { url: string; user?: string } {
  if (brokerUrl === undefined) return { url: defaultProgramUrl };
  let parsed: URL;
  try {
    parsed = new URL(brokerUrl);
  } catch {
    return { url: defaultProgramUrl };
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    return { url: defaultProgramUrl };
  }
  const standardPort = parsed.protocol === 'amqps:' ? '5671' : '5672';
  const port = parsed.port === '' || parsed.port === standardPort ? '' : `:${parsed.port}`;
  const vhost = parsed.pathname === '/' ? '' : parsed.pathname;
  const url = `${parsed.protocol}//${parsed.hostname}${port}${vhost}`;
  const user = decodeURIComponent(parsed.username);
  return user !== '' && user !== 'guest' ? { url, user } : { url };
}

/** Break text into lines of at most `width` characters (longer words stay whole). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Comment lines: `prefix` ('// ' or '# ') and wrapped text; an empty paragraph is a bare prefix. */
export function commentLines(prefix: string, indent: string, ...paragraphs: string[]): string[] {
  const width = commentWidth - indent.length - prefix.length;
  return paragraphs.flatMap((p) =>
    p === ''
      ? [`${indent}${prefix.trimEnd()}`]
      : wrapText(p, width).map((line) => `${indent}${prefix}${line}`),
  );
}

/** Milliseconds between two messages at this rate (0: no wait). */
export function intervalMs(rate: number): number {
  return rate === 0 ? 0 : Math.round(1000 / rate);
}

export function programFileName(actor: ActorConfig, language: Language): string {
  return `${actor.id}-${actor.kind}.${language === 'typescript' ? 'ts' : 'py'}`;
}

/** `--lang` and the overlay's names for a language. */
export function parseLanguage(name: string): Language | undefined {
  const n = name.toLowerCase();
  if (n === 'ts' || n === 'typescript') return 'typescript';
  if (n === 'python' || n === 'py') return 'python';
  return undefined;
}

export const languageLabel: Record<Language, string> = {
  typescript: 'TypeScript (amqplib)',
  python: 'Python (pika)',
};
