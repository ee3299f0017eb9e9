/**
 * The words a generated program says in every language: what the actor does, how to run it, and
 * the sentences its comments explain the code with. An emitter adds the comment syntax, the
 * indentation and the code; where a sentence names something of the language or its client
 * library (an exception, a literal), the emitter passes that word in. Sentences about one client
 * library alone stay with its emitter. Pure.
 */
import type {
  ActorConfig,
  ConsumerConfig,
  ProducerConfig,
  RetryConfig,
  RpcClientConfig,
} from '../actors/protocol.js';
import type { TopologySpec } from '../broker/topology.js';
import {
  deadLetterReach,
  failing,
  type Language,
  type Needs,
  type ProgramInput,
  programFileName,
  programUrl,
  retrying,
} from './model.js';

function list(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function quoted(keys: readonly string[]): string {
  return list(keys.map((k) => `'${k}'`));
}

export function rateText(rate: number, noun = 'message'): string {
  if (rate === 0) return `${noun}s as fast as the broker takes them`;
  return `${rate} ${noun}${rate === 1 ? '' : 's'} a second`;
}

function exchangeText(name: string): string {
  return name === '' ? 'the default exchange' : `exchange '${name}'`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 22nd. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffixes: Record<number, string> = { 1: 'st', 2: 'nd', 3: 'rd' };
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (suffixes[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function every(n: number): string {
  return n === 1 ? 'every message' : `every ${ordinal(n)} message`;
}

/** The failures the lab simulates for a retry consumer, in words ('' when none). */
export function failureText(retry: RetryConfig): string {
  const parts: string[] = [];
  if (retry.transientEvery > 0) {
    parts.push(`${every(retry.transientEvery)} fails on its first attempt only`);
  }
  if (retry.poisonEvery > 0) parts.push(`${every(retry.poisonEvery)} fails on every attempt`);
  return list(parts);
}

function producerSummary(p: ProducerConfig): string {
  if (p.http) {
    const key =
      p.routingKeys.length === 1
        ? `'${p.routingKeys[0] ?? ''}'`
        : `${quoted(p.routingKeys)} in turn`;
    return `An HTTP-to-AMQP bridge: POST /publish/${p.exchange} with a bearer token publishes the request body to ${exchangeText(p.exchange)} (routing key from ?key=, else ${key}) as a ${p.persistent ? 'persistent' : 'transient'} message, and answers 202 with its id once the broker confirmed it.`;
  }
  if (p.rpc) {
    const where =
      p.rpc.replyTo === 'direct'
        ? 'on Direct Reply-to (amq.rabbitmq.reply-to)'
        : 'on its own exclusive, server-named queue';
    return `An RPC client: sends ${rateText(p.rate, 'request')} for fib(n) to queue '${p.rpc.queue}', n cycling through ${p.rpc.numbers.join(', ')}, and takes each reply ${where}, paired with its request by correlation id.`;
  }
  const keys =
    p.exchange === ''
      ? `with routing key ${quoted(p.routingKeys)}${p.routingKeys.length > 1 ? ' in turn' : ''} (the queue of that name)`
      : `with routing key${p.routingKeys.length > 1 ? 's' : ''} ${quoted(p.routingKeys)}${p.routingKeys.length > 1 ? ' in turn' : ''}`;
  const sets = p.headers?.length ?? 0;
  const headers =
    sets === 0 ? '' : ` and ${sets === 1 ? 'one header set' : `${sets} header sets in turn`}`;
  const confirm = p.confirm ?? 'async';
  const confirms =
    confirm === 'each'
      ? 'waiting for the broker to confirm each message before the next'
      : confirm === 'batch'
        ? `waiting for the broker's confirms after every ${p.confirmBatch ?? 100} messages`
        : "reading the broker's confirms as they arrive";
  return `Publishes ${rateText(p.rate)} to ${exchangeText(p.exchange)} ${keys}${headers}; ${p.persistent ? 'persistent' : 'transient'} messages, ${confirms}.${p.paused ? ' (Paused in the lab right now; this program publishes from the start.)' : ''}`;
}

export function ackText(c: ConsumerConfig): string {
  if (c.ack === 'auto') return 'automatic ack (the broker forgets a message once it is sent)';
  if (c.ack === 'never') return 'never acknowledges (the forgotten ack)';
  const every = c.ackEvery ?? 1;
  return every > 1
    ? `manual ack, one ack with multiple=true for every ${every} messages`
    : 'manual ack after each message';
}

function consumerSummary(c: ConsumerConfig): string {
  const source = c.bind
    ? `a server-named exclusive queue bound to exchange '${c.bind.exchange}' with key${c.bind.keys.length > 1 ? 's' : ''} ${quoted(c.bind.keys)}`
    : `queue '${c.queue ?? ''}'`;
  const prefetch = c.prefetch === 0 ? 'no prefetch limit' : `prefetch ${c.prefetch}`;
  const parts = [prefetch, ackText(c)];
  if (c.workMs > 0) parts.push(`${c.workMs} ms of work per message`);
  if (c.workPerDotMs > 0) parts.push(`${c.workPerDotMs} ms of work per '.' in the body`);
  if (c.nackEvery > 0) {
    parts.push(
      `rejects one message in ${c.nackEvery}${c.requeue ? ', back to the queue' : ' (dropped or dead-lettered)'}`,
    );
  }
  const role = c.reply ? 'An RPC server: answers each request with fib(n) of its body. ' : '';
  const retry = retrying(c)
    ? ` Retries through dead-lettering: a message it fails is rejected without requeue and comes back later through the queue's dead-letter exchange; after its ${ordinal(c.retry.maxAttempts)} attempt it is parked in '${c.retry.parkingQueue}'.${failureText(c.retry) === '' ? '' : ` In the lab ${failureText(c.retry)}.`}`
    : '';
  return `${role}Consumes ${source}: ${list(parts)}.${retry}`;
}

/** What the actor does, in a sentence or two. */
export function summary(actor: ActorConfig): string {
  return actor.kind === 'producer' ? producerSummary(actor) : consumerSummary(actor);
}

/**
 * A retry consumer's path in words: where its queue dead-letters a rejected message, the queue it
 * waits in and for how long, and how it comes back.
 */
export function retryPathText(topology: TopologySpec, queue: string): string {
  const spec = topology.queues.find((q) => q.name === queue);
  const exchange = spec?.arguments['x-dead-letter-exchange'];
  if (typeof exchange !== 'string') {
    return `Rejected without requeue: '${queue}' has no dead-letter exchange in the scenario, so the broker drops it.`;
  }
  const key = spec?.arguments['x-dead-letter-routing-key'];
  const via = `${exchangeText(exchange)}${key === undefined ? '' : ` with key '${String(key)}'`}`;
  const waits = deadLetterReach(topology, queue).queues;
  waits.delete(queue);
  const ttl = [...waits].flatMap((name) => {
    const ms = topology.queues.find((q) => q.name === name)?.arguments['x-message-ttl'];
    return ms === undefined ? [] : [`'${name}' (TTL ${String(ms)} ms)`];
  });
  const wait =
    ttl.length > 0
      ? ` It waits in ${list(ttl)}, then is dead-lettered back here for its next attempt.`
      : '';
  return `Rejected without requeue: '${queue}' dead-letters it to ${via}.${wait}`;
}

/** How a program is run: `command` runs its file (e.g. `npx tsx`), `install` says what it needs. */
export interface Runner {
  readonly command: string;
  readonly install: string;
}

/** The paragraphs of a program's header on running it. An HTTP endpoint also needs its token. */
function runParagraphs(input: ProgramInput, file: string, { command, install }: Runner): string[] {
  const { actor } = input;
  const { url, user } = programUrl(input.brokerUrl);
  const asUser = user
    ? [
        `The lab connects as '${user}': put that user and its password in RABBIT_LAB_URL (amqp://${user}:PASSWORD@host/vhost).`,
      ]
    : [];
  if (actor.kind === 'producer' && actor.http) {
    const port =
      actor.http.port === 0
        ? 'a free port on 127.0.0.1 (it prints which)'
        : `127.0.0.1:${actor.http.port}`;
    return [
      `Run it: RABBIT_LAB_HTTP_TOKEN=some-secret ${command} ${file} [count]`,
      install,
      `It listens on ${port} and connects to $RABBIT_LAB_URL (default ${url}). Clients send the token as 'Authorization: Bearer some-secret'; without RABBIT_LAB_HTTP_TOKEN it does not start. With a count it stops after publishing that many messages; without one it runs until Ctrl-C.`,
      'Try it:',
      "curl -i -H 'Authorization: Bearer some-secret' \\",
      `-d 'hello' http://127.0.0.1:PORT/publish/${encodeURIComponent(actor.exchange)}`,
      ...asUser,
    ];
  }
  return [
    `Run it: ${command} ${file} [count]`,
    install,
    `It connects to $RABBIT_LAB_URL (default ${url}). With a count it stops after that many messages; without one it runs until Ctrl-C.`,
    ...asUser,
  ];
}

/** What the program is, for its first line. */
export function roleOf(actor: ActorConfig): string {
  if (actor.kind === 'consumer') return 'consumer';
  if (actor.http) return 'HTTP endpoint';
  return actor.rpc ? 'RPC client' : 'producer';
}

/** The paragraphs of a program's header comment: what it is, what it does, how to run it. */
export function headerParagraphs(
  input: ProgramInput,
  language: Language,
  runner: Runner,
): string[] {
  const { actor } = input;
  return [
    `rabbit-lab · ${input.scenario} · ${actor.id} (${roleOf(actor)}), as it runs in the lab now.`,
    summary(actor),
    '',
    ...runParagraphs(input, programFileName(actor, language), runner),
  ];
}

/** Said before the declarations. */
export const declaredText =
  'Declared as the lab declares them: declaring one again with other settings fails (406 PRECONDITION_FAILED).';

/** Said after the declarations: the exchanges and queues the program takes to exist already. */
export function assumedText(needs: Needs): string[] {
  return [
    ...needs.assumed.map(
      (name) => `Exchange '${name}' is not declared by the scenario: it must exist already.`,
    ),
    ...needs.assumedQueues.map(
      (name) =>
        `Queue '${name}' is not declared by the scenario: it must exist already, or what is published to it is dropped.`,
    ),
  ];
}

/**
 * What publisher confirms are, after what the program calls them (`name`: 'A confirm channel');
 * `then` goes on the same sentence.
 */
export function confirmsText(name: string, then?: string): string {
  const what = `${name}: the broker acknowledges (or nacks) each message it takes responsibility for`;
  return then === undefined ? `${what}.` : `${what}; ${then}`;
}

/** An HTTP endpoint's client is answered once the broker confirmed its message. */
export const answeredWhenConfirmedText = 'the client gets its 202 only then.';

/**
 * Publishing with mandatory; `comesBack` says how an unroutable message comes back to the
 * program ('here', '(UnroutableError)'), and `http` that the answer to the client says so.
 */
export function mandatoryText(comesBack: string, http = false): string {
  const outcome = http ? 'and the answer says routed: false.' : 'instead of vanishing.';
  return `Published with mandatory: a message no queue takes comes back ${comesBack} ${outcome}`;
}

/** An RPC client's reply queue. */
export function replyQueueText(rpc: RpcClientConfig): string {
  return rpc.replyTo === 'direct'
    ? 'Replies come to Direct Reply-to, a pseudo-queue of this channel, consumed with automatic ack before the first request.'
    : 'Replies come to an exclusive, server-named queue of our own.';
}

/** How long an RPC client waits for its last replies. */
export function lastRepliesText(rpc: RpcClientConfig): string {
  return `The lab sends a request again after ${rpc.timeoutMs} ms without a reply (${rpc.retries} times at most); this program waits that long once for the last replies.`;
}

export const bearerTokenText = 'The bearer token, compared in constant time.';

export const localOnlyText = 'On 127.0.0.1 only: put a proxy with TLS in front of it for others.';

/** A consumer with `bind`: its own queue. */
export const serverNamedQueueText =
  'A server-named, exclusive queue: it lives as long as this connection.';

/** What a consumer's prefetch (or its absence) means. */
export function prefetchText(c: ConsumerConfig): string {
  const note =
    c.ack === 'auto' && c.prefetch > 0
      ? ' With automatic ack nothing stays unacknowledged, so prefetch does not hold the broker back.'
      : '';
  return c.prefetch === 0
    ? `No prefetch limit (prefetch 0): the broker sends as many messages as it likes.${note}`
    : `prefetch ${c.prefetch}: the broker sends at most ${c.prefetch} unacknowledged message${c.prefetch === 1 ? '' : 's'} at a time.${note}`;
}

/** Acknowledging in batches; `yes` is the language's true. */
export function batchAckText(yes: string): string {
  return `Acknowledged in batches: one ack with multiple=${yes} covers every message up to it.`;
}

/** Why a batch of acks is also sent after a short wait. */
export const flushLaterText =
  'The rest shortly, so a quiet queue (or a smaller prefetch) never stalls.';

export const forgottenAckText =
  'ack: never, the forgotten ack. Nothing is acknowledged: the broker keeps each message unacked until this program exits, then delivers it again.';

/** What happens to a message the consumer rejects. */
export function rejectText(requeue: boolean): string {
  return requeue
    ? 'Rejected with requeue: the broker puts it back in the queue.'
    : 'Rejected without requeue: dropped, or dead-lettered when the queue has a dead-letter exchange.';
}

export const rpcServerText =
  'An RPC server: the answer goes to the reply-to queue, with the correlation id.';

export const fibonacciText = "The tutorial's (deliberately slow) Fibonacci: the server's work.";

/** The bug the lab's consumer `id` simulates, which the program leaves out. */
export function bugText(id: string, bug: NonNullable<ConsumerConfig['bug']>): string {
  return `The lab's ${id} also simulates a bug (${bug.kind} every ${bug.every} messages); this program leaves it out.`;
}

/** How a retry consumer tells which attempt a delivery is. */
export const attemptText =
  'Which attempt this delivery is. Each time the broker dead-letters a message it counts it in the x-death header, one entry per queue and reason: the rejections from our queue so far, plus one.';

/**
 * A retry consumer's handler: the stand-in that fails as the lab simulates, or an empty one.
 * `fails` is what the language's handler does when it cannot handle a message ('throws').
 */
export function handlerText(retry: RetryConfig, fails: string): string {
  return failing(retry)
    ? `A stand-in for your handler, which ${fails} when it cannot handle a message. It fails the way the lab simulates failures, by the sequence number in the message id (P1-8 is 8): ${failureText(retry)}. Messages without such an id never fail here.`
    : `Your handler: it ${fails} when it cannot handle a message. (The lab's consumer simulates no failures right now.)`;
}

/** What a retry consumer does with a message whose last attempt failed. */
export const parkingText =
  'Its last attempt failed: park it for a person to look at. Published on the default exchange, whose key names the queue, with its id, app id, timestamp and headers (x-death says what happened), and acknowledged once the broker confirmed the copy; refused, the original goes back to its queue.';

export const headerSetsText =
  'The headers of each message, in turn: a headers exchange routes by them, not by the routing key.';

export function alternateText(exchange: string, alternate: string): string {
  return `What none of ${exchange}'s bindings takes goes to its alternate exchange ${alternate}, instead of being dropped or returned.`;
}
