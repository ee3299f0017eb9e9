/**
 * The topology as lines of coloured segments: producers → exchange → bindings → queues →
 * consumers, built from what the actors really are and do. Pure, so it is tested without Ink.
 */

import { describeShare, hashShares } from '../lab/hash-split.js';
import { formatHeaders } from '../lab/headers-match.js';
import { bindingRate } from '../lab/rates.js';
import { type ExchangeType, HASH_EXCHANGE, publishCycle, reaches } from '../lab/routing.js';
import {
  type ActorView,
  consumerQueue,
  exchangeTypeOf,
  isLive,
  type LabBinding,
  type LabState,
  labBindings,
  routingNet,
} from '../lab/store.js';
import { formatRate } from './format.js';
import { actorColour, arrow, type Colour } from './theme.js';

export interface Segment {
  readonly text: string;
  readonly colour?: Colour;
  readonly dim?: boolean;
  readonly bold?: boolean;
}

export type Line = readonly Segment[];

function shortQueue(name: string): string {
  return name.startsWith('amq.gen-') ? `${name.slice(0, 12)}…` : name;
}

function consumersOf(state: LabState, queue: string): ActorView[] {
  return state.actors.filter(
    (a) => a.config.kind === 'consumer' && isLive(a) && consumerQueue(a) === queue,
  );
}

/** Messages per second out of a queue, from its consumers' own reports, and a pulse when busy. */
function tail(state: LabState, queue: string): Segment[] {
  const consumers = consumersOf(state, queue);
  const rate = consumers.reduce((n, a) => n + a.rate, 0);
  const out: Segment[] = [{ text: ` ${arrow} ` }];
  if (consumers.length === 0) out.push({ text: '(no consumer)', dim: true });
  consumers.forEach((c, i) => {
    out.push({ text: `${i > 0 ? ' ' : ''}${c.id}`, colour: actorColour(c.id), bold: true });
  });
  out.push({ text: rate > 0 ? '  ● ' : '  ○ ', colour: rate > 0 ? 'green' : 'gray' });
  out.push({ text: formatRate(rate), dim: rate === 0 });
  return out;
}

/**
 * A binding's edge with the traffic through it: green with its rate while messages flow, so a
 * fanout lights every edge and direct routing only the matching ones; dim when no producer's key
 * would match it.
 */
function edge(lead: string, keys: string, rate: number, reached: boolean): Segment[] {
  if (rate > 0)
    return [
      { text: `${lead}${keys}`, colour: 'green' },
      { text: ` ${formatRate(rate)} `, colour: 'green', bold: true },
      { text: `${arrow} `, colour: 'green' },
    ];
  return [{ text: `${lead}${keys}${arrow} `, dim: !reached }];
}

function producerSegments(producers: readonly ActorView[]): Segment[] {
  if (producers.length === 0) return [{ text: '(no producer)', dim: true }];
  return producers.map((p, i) => ({
    text: `${i > 0 ? ' ' : ''}${p.id}`,
    colour: actorColour(p.id),
    bold: true,
  }));
}

const lineWidth = (segments: readonly Segment[]) =>
  segments.reduce((n, s) => n + [...s.text].length, 0);

/**
 * One path as one line, or, when it is wider than the pane, as two: the consumers and their rate
 * go on a continuation line under it (`lead` keeps the tree's vertical bar going).
 */
function fitPath(
  head: Segment[],
  tail: Segment[],
  width: number | undefined,
  lead: string,
): Line[] {
  if (width === undefined || lineWidth(head) + lineWidth(tail) <= width)
    return [[...head, ...tail]];
  return [head, [{ text: lead, dim: true }, ...tail]];
}

interface DeadLetterLink {
  readonly queue: string;
  readonly exchange: string;
  readonly key?: string;
  readonly ttlMs?: number;
}

/** The scenario's queues that dead-letter (rejected or expired messages) to an exchange. */
function deadLetterLinks(state: LabState): DeadLetterLink[] {
  return (state.scenario.topology?.queues ?? []).flatMap((q) => {
    const exchange = q.arguments['x-dead-letter-exchange'];
    if (exchange === undefined) return [];
    const key = q.arguments['x-dead-letter-routing-key'];
    const ttl = q.arguments['x-message-ttl'];
    return [
      {
        queue: q.name,
        exchange: String(exchange),
        ...(key === undefined ? {} : { key: String(key) }),
        ...(typeof ttl === 'number' ? { ttlMs: ttl } : {}),
      },
    ];
  });
}

/**
 * Dead-lettering the exchange lines do not show: a queue that dead-letters into an exchange not
 * drawn (the default one, say) as `jobs ─✗ rejected─▶ (default)[jobs.failed]`, a retry queue's
 * as `jobs.retry ─⏱ 2 s─▶ …`; and where consumers park what failed its last attempt.
 */
function deadLetterLines(
  state: LabState,
  links: readonly DeadLetterLink[],
  drawn: ReadonlySet<string>,
): Line[] {
  // A link into an exchange drawn above is on that exchange's line already.
  const lines: Line[] = links
    .filter((l) => !drawn.has(l.exchange))
    .map((l) => [
      { text: l.queue, bold: true },
      {
        text: l.ttlMs === undefined ? ` ─✗ rejected${arrow} ` : ` ─⏱ ${l.ttlMs / 1000} s${arrow} `,
        colour: 'yellow',
      },
      { text: `${l.exchange || '(default)'}${l.key === undefined ? '' : `[${l.key}]`}` },
    ]);
  // Consumers with retries, by the queue they park in.
  const parkers = new Map<string, { maxAttempts: number; actors: ActorView[] }>();
  for (const a of state.actors) {
    if (a.config.kind !== 'consumer' || !a.config.retry) continue;
    const { parkingQueue, maxAttempts } = a.config.retry;
    const entry = parkers.get(parkingQueue) ?? { maxAttempts, actors: [] };
    entry.actors.push(a);
    parkers.set(parkingQueue, entry);
  }
  for (const [queue, { maxAttempts, actors: by }] of parkers) {
    const parked = by.reduce((n, a) => n + a.parked, 0);
    const held = state.queues.list.find((q) => q.name === queue)?.messagesReady;
    lines.push([
      ...producerSegments(by.filter(isLive)),
      { text: ` ─⊘ failed attempt ${maxAttempts}${arrow} `, colour: 'red' },
      { text: queue, bold: true },
      { text: `  ${parked} parked${held === undefined ? '' : `, ${held} waiting`}`, dim: true },
    ]);
  }
  return lines;
}

/** What the consumers of a queue received, dead ones too (a consistent-hash queue's part). */
function receivedFrom(state: LabState, queue: string): number {
  return state.actors
    .filter((a) => a.config.kind === 'consumer' && consumerQueue(a) === queue)
    .reduce((sum, a) => sum + a.received, 0);
}

/**
 * A binding's label on its edge: its keys, its x-match and headers, or on a consistent-hash
 * exchange its weight and share against what the queue got (none for a fanout).
 */
function bindingText(state: LabState, type: ExchangeType, b: LabBinding): string {
  if (type === 'fanout') return '';
  if (type === HASH_EXCHANGE) {
    const share = hashShares(labBindings(state), b.exchange, (q) => receivedFrom(state, q)).find(
      (s) => s.queue === b.queue,
    );
    return share ? `[${describeShare(share)}]` : `[${b.keys.join(' ')}]`;
  }
  if (type === 'headers') return `[${b.match ?? 'all'} ${formatHeaders(b.headers ?? {})}]`;
  return `[${b.keys.join(' ')}]`;
}

/**
 * An exchange's line: what feeds it (its producers; the queues that dead-letter to it; the
 * exchanges it is the alternate of, with what they cannot route), then the exchange.
 */
function exchangeHead(
  state: LabState,
  exchange: string,
  from: readonly ActorView[],
  links: readonly DeadLetterLink[],
): Line {
  const type = exchangeTypeOf(state, exchange);
  const feeders = links.filter((l) => l.exchange === exchange);
  const alternateFor = (state.scenario.exchanges ?? []).filter((x) => x.alternate === exchange);
  const unrouted: Segment[] =
    alternateFor.length > 0
      ? [{ text: `${alternateFor.map((x) => x.name).join(', ')} unrouted`, colour: 'yellow' }]
      : [];
  const deadLettered: Segment[] = [
    {
      text: feeders
        .map(
          (l) =>
            `${l.queue} ${l.ttlMs === undefined ? '✗' : `⏱ ${l.ttlMs / 1000} s`}${l.key === undefined ? '' : ` [${l.key}]`}`,
        )
        .join(', '),
      colour: 'yellow',
    },
  ];
  const sources =
    from.length > 0
      ? [...unrouted, ...(unrouted.length > 0 ? [{ text: ', ' }] : []), ...producerSegments(from)]
      : unrouted.length > 0
        ? unrouted
        : feeders.length > 0
          ? deadLettered
          : producerSegments(from);
  return [...sources, { text: ` ${arrow} ` }, { text: `${exchange} (${type})`, bold: true }];
}

/** Would the live producers' messages reach this binding at all (directly or as unrouted)? */
function reachedBy(state: LabState, b: LabBinding): boolean {
  const net = routingNet(state);
  return state.actors.some(
    (p) =>
      p.config.kind === 'producer' &&
      isLive(p) &&
      p.config.exchange !== '' &&
      publishCycle(p.config).some((m) =>
        reaches(net, p.config.kind === 'producer' ? p.config.exchange : '', b, m.key, m.headers),
      ),
  );
}

/** The topology's lines; given the pane's inner width, long paths wrap before their consumers. */
export function topologyLines(state: LabState, width?: number): Line[] {
  const lines: Line[] = [];
  const producers = state.actors.filter((a) => a.config.kind === 'producer' && isLive(a));
  const exchangeType = (name: string) => exchangeTypeOf(state, name);
  const links = deadLetterLinks(state);

  // The default exchange: the routing key is the queue name.
  const direct = producers.filter((p) => p.config.kind === 'producer' && p.config.exchange === '');
  const defaultQueues = new Set(
    direct.flatMap((p) => (p.config.kind === 'producer' ? p.config.routingKeys : [])),
  );
  for (const queue of defaultQueues) {
    const from = direct.filter(
      (p) => p.config.kind === 'producer' && p.config.routingKeys.includes(queue),
    );
    const head = [
      ...producerSegments(from),
      { text: ` ${arrow} (default) ` },
      ...edge('─', `[${queue}]`, bindingRate(state, '', { keys: [queue] }), true),
      { text: queue, bold: true },
    ];
    lines.push(...fitPath(head, tail(state, queue), width, '   '));
  }

  // Named exchanges: everything bound to them, by the topology or by subscribers.
  const exchanges = new Set<string>([
    ...(state.scenario.exchanges ?? []).map((x) => x.name),
    ...producers.flatMap((p) =>
      p.config.kind === 'producer' && p.config.exchange ? [p.config.exchange] : [],
    ),
  ]);
  for (const exchange of exchanges) {
    const type = exchangeType(exchange);
    const from = producers.filter(
      (p) => p.config.kind === 'producer' && p.config.exchange === exchange,
    );
    lines.push(exchangeHead(state, exchange, from, links));
    const bound = labBindings(state).filter((b) => b.exchange === exchange);
    if (bound.length === 0)
      lines.push([{ text: '   └─ (nothing bound: messages are dropped)', dim: true }]);
    bound.forEach((b, i) => {
      const last = i === bound.length - 1;
      // Would the producers' keys reach this queue at all?
      const reached = reachedBy(state, b);
      const head = [
        ...edge(
          `   ${last ? '└' : '├'}─`,
          bindingText(state, type, b),
          bindingRate(state, exchange, b),
          reached,
        ),
        { text: shortQueue(b.queue), bold: true },
      ];
      lines.push(...fitPath(head, tail(state, b.queue), width, last ? '      ' : '   │  '));
    });
  }
  lines.push(...deadLetterLines(state, links, exchanges));
  return lines;
}
