/**
 * Where every message a lab producer published ended, by id: handled by a lab consumer, still
 * waiting in a queue (read back at the end), returned, refused, never confirmed, taken by a
 * consumer outside the lab or possibly waiting in a queue the run could not read (both bounded by
 * the broker's own figures), or lost, with the reason in one line. Pure: the checks read it, and
 * a replayed record gives the same.
 */
import type { ForeignDeliveries } from '../broker/foreign-deliveries.js';
import type { QueueSpec } from '../scenario/schema.js';
import type { HeaderSet } from './headers-match.js';
import type { Ledger } from './ledger.js';
import {
  type BindingRule,
  type ExchangeType,
  headersOf,
  type PublishShape,
  routePath,
} from './routing.js';

export type { ForeignDeliveries };

/** A queue as the run left it, taken after the lab's consumers stopped. */
export interface QueueEnd {
  readonly queue: string;
  /** Read back by id: the run created it (and deletes it anyway). */
  readonly readBack: boolean;
  /** Why it was not read back. */
  readonly why?: string;
  /** What the broker counted in it: ready, and delivered to a consumer but not acknowledged. */
  readonly ready: number;
  readonly unacked: number;
  /** Read back: messages that are not this run's, and lab ones the deadline left unread. */
  readonly others?: number;
  readonly unread?: number;
}

export interface AccountingProducer extends PublishShape {
  readonly id: string;
  readonly exchange: string;
}

export interface AccountingConsumer {
  readonly id: string;
  readonly status: string;
}

export interface AccountingContext {
  readonly ledger: Ledger;
  readonly producers: readonly AccountingProducer[];
  readonly consumers: readonly AccountingConsumer[];
  readonly exchangeType: (exchange: string) => ExchangeType;
  /** An exchange's alternate exchange, where what none of its bindings takes goes. */
  readonly alternateOf?: (exchange: string) => string | undefined;
  /** Every named queue's binding the run knew (topology and added live). */
  readonly bindings: readonly (BindingRule & {
    readonly exchange: string;
    readonly queue: string;
  })[];
  readonly queueSpecs: readonly QueueSpec[];
  readonly ends: readonly QueueEnd[];
  readonly foreign: readonly ForeignDeliveries[];
  /** Classic queues that went down with their node (a private cluster's failovers). */
  readonly outages?: readonly Outage[];
}

/** A classic queue down from its node's crash or stop until the API listed it back (or the end). */
export interface Outage {
  readonly queue: string;
  readonly node: string;
  readonly from: number;
  readonly to?: number;
}

export interface Loss {
  readonly reason: string;
  readonly count: number;
  readonly examples: readonly string[];
}

export interface Accounting {
  readonly published: number;
  /** Confirmed by the broker, or undefined when no producer used confirms. */
  readonly confirmed?: number;
  readonly handled: number;
  readonly returned: number;
  readonly refused: number;
  readonly unconfirmed: number;
  /** Dead-lettered on the way and then seen again (handled, parked or waiting). */
  readonly deadLetteredSeen: number;
  /** Read back by id at the end, per queue. */
  readonly waiting: ReadonlyMap<string, number>;
  /** Excused as taken by consumers outside the lab, per queue, with the broker's figure. */
  readonly foreign: ReadonlyMap<string, { taken: number; delivered: number }>;
  /** Excused as possibly waiting in a queue that was not read back, per queue. */
  readonly uncounted: ReadonlyMap<string, { taken: number; count: number; why: string }>;
  readonly lost: number;
  readonly losses: readonly Loss[];
  /** Lost messages per queue they were routed to ('?' when the run knows no route). */
  readonly lostByQueue: ReadonlyMap<string, number>;
}

export const plural = (n: number, word: string, many = `${word}s`) =>
  `${n} ${n === 1 ? word : many}`;

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/**
 * Queues an exchange routes a message to, as far as the run knows its bindings (through its
 * alternate exchange when none takes it).
 */
function routeOf(
  c: AccountingContext,
  exchange: string,
  key: string,
  headers: HeaderSet = {},
): string[] {
  if (exchange === '') return [key];
  return routePath(c, exchange, key, headers).queues;
}

function argument(
  spec: QueueSpec | undefined,
  name: string,
): string | number | boolean | undefined {
  return spec?.arguments[name];
}

/** Per-message facts the accounting needs, looked up once. */
class Lookup {
  private readonly specs: Map<string, QueueSpec>;
  private readonly producers: Map<string, AccountingProducer>;
  private readonly statusOf: Map<string, string>;

  constructor(private readonly c: AccountingContext) {
    this.specs = new Map(c.queueSpecs.map((q) => [q.name, q]));
    this.producers = new Map(c.producers.map((p) => [p.id, p]));
    this.statusOf = new Map(c.consumers.map((con) => [con.id, con.status]));
  }

  spec(queue: string): QueueSpec | undefined {
    return this.specs.get(queue);
  }

  /** The first outage of `queue` that ended after `at` (the message was in it, or sent to it, then). */
  outage(queue: string, at: number): Outage | undefined {
    return this.c.outages?.find((o) => o.queue === queue && (o.to === undefined || at <= o.to));
  }

  status(consumer: string): string | undefined {
    return this.statusOf.get(consumer);
  }

  keyOf(producer: string, seq: number): string {
    const p = this.producers.get(producer);
    const keys = p?.routingKeys ?? [];
    return this.c.ledger.keyOf(producer, seq) ?? keys[(seq - 1) % Math.max(1, keys.length)] ?? '';
  }

  /** Where a message was routed, where it was dead-lettered to, and where it was parked. */
  destinations(producer: string, seq: number): string[] {
    const p = this.producers.get(producer);
    const key = this.keyOf(producer, seq);
    const out = new Set(p ? routeOf(this.c, p.exchange, key, headersOf(p, seq)) : []);
    for (const [queue, sets] of this.c.ledger.deadLetteredFrom) {
      if (!sets.get(producer)?.has(seq)) continue;
      for (const q of this.deadLetterTargets(queue, key)) out.add(q);
    }
    return [...out];
  }

  deadLetterExchange(queue: string): { exchange: string; key?: string } | undefined {
    const spec = this.spec(queue);
    const exchange = argument(spec, 'x-dead-letter-exchange');
    if (exchange === undefined) return undefined;
    const key = argument(spec, 'x-dead-letter-routing-key');
    return { exchange: String(exchange), ...(key === undefined ? {} : { key: String(key) }) };
  }

  deadLetterTargets(queue: string, key: string): string[] {
    const dlx = this.deadLetterExchange(queue);
    return dlx ? routeOf(this.c, dlx.exchange, dlx.key ?? key) : [];
  }

  /** The first consumer whose set of this kind holds the message. */
  consumerWith(sets: Ledger['byConsumer'], producer: string, seq: number): string | undefined {
    for (const [consumer, inner] of sets) if (inner.get(producer)?.has(seq)) return consumer;
    return undefined;
  }

  queueWith(sets: Ledger['byQueue'], producer: string, seq: number): string | undefined {
    for (const [queue, inner] of sets) if (inner.get(producer)?.has(seq)) return queue;
    return undefined;
  }
}

function how(status: string | undefined): string {
  switch (status) {
    case 'killed':
      return 'was killed';
    case 'failed':
      return 'failed';
    case 'stopped':
    case 'stopping':
      return 'was stopped';
    default:
      return 'had not finished';
  }
}

/** A message routed to a classic queue that went down with its node before the message was out of it. */
function outageReason(
  l: Lookup,
  ledger: Ledger,
  producer: string,
  seq: number,
): string | undefined {
  const at = ledger.publishedAt(producer, seq);
  if (at === undefined) return undefined;
  for (const q of l.destinations(producer, seq)) {
    const outage = l.outage(q, at);
    if (outage === undefined) continue;
    if (at < outage.from) {
      return `waiting in ${q} when ${outage.node} went down: a classic queue lives on one node, and what was not persistent did not come back with it`;
    }
    return `published while ${q} was down with ${outage.node}: the broker confirmed them but had no running queue to put them in`;
  }
  return undefined;
}

/** Why a promised message that is nowhere was lost, as a sentence for a group of them. */
function lossReason(l: Lookup, ledger: Ledger, producer: string, seq: number): string {
  if (ledger.has('autoDelivered', producer, seq)) {
    const c = l.consumerWith(ledger.byConsumer, producer, seq) ?? 'a consumer';
    return `delivered with automatic ack to ${c}, which ${how(l.status(c))} before handling them: the broker forgot them on delivery`;
  }
  if (ledger.has('dropped', producer, seq)) {
    const c = l.consumerWith(ledger.settledByConsumer, producer, seq) ?? 'a consumer';
    const q = l.queueWith(ledger.byQueue, producer, seq) ?? 'its queue';
    return `rejected without requeue by ${c} from ${q}, which has no dead-letter exchange: the broker discarded them`;
  }
  if (ledger.has('deadLettered', producer, seq)) {
    const from = l.queueWith(ledger.deadLetteredFrom, producer, seq) ?? '';
    const dlx = l.deadLetterExchange(from);
    const target =
      dlx?.exchange === '' ? 'the default exchange' : (dlx?.exchange ?? 'its dead-letter exchange');
    const key = dlx?.key ?? l.keyOf(producer, seq);
    return l.deadLetterTargets(from, key).length === 0
      ? `rejected without requeue from ${from} into ${target}, which routes nowhere for key '${key}'`
      : `dead-lettered from ${from} into ${target} and not seen again`;
  }
  if (ledger.has('parked', producer, seq))
    return 'parked, but not found in the parking queue at the end';
  for (const q of l.destinations(producer, seq)) {
    const spec = l.spec(q);
    const max = argument(spec, 'x-max-length') ?? argument(spec, 'x-max-length-bytes');
    const overflow = argument(spec, 'x-overflow') ?? 'drop-head';
    if (max !== undefined && overflow === 'drop-head') {
      const dlx = argument(spec, 'x-dead-letter-exchange') !== undefined;
      return `routed to ${q}, which holds at most ${String(max)}${argument(spec, 'x-max-length') === undefined ? ' bytes' : ''}: the broker dropped the oldest${dlx ? ' (to its dead-letter exchange)' : ''}`;
    }
    const ttl = argument(spec, 'x-message-ttl');
    if (ttl !== undefined && argument(spec, 'x-dead-letter-exchange') === undefined) {
      return `expired in ${q} (x-message-ttl ${String(ttl)} ms, no dead-letter exchange)`;
    }
  }
  const outage = outageReason(l, ledger, producer, seq);
  if (outage !== undefined) return outage;
  if (ledger.has('delivered', producer, seq)) {
    return 'delivered to a lab consumer, never handled, and not found in any queue at the end';
  }
  return ledger.confirms ? 'confirmed by the broker but never delivered' : 'never delivered';
}

/** Budgets by the broker's figures: messages excused per queue, at most these many. */
function budgets(c: AccountingContext) {
  const foreign = new Map(c.foreign.map((f) => [f.queue, f.delivered]));
  const uncounted = new Map<string, { left: number; count: number; why: string }>();
  for (const end of c.ends) {
    // A lab run's own reading: what the deadline left unread is still there, not by id.
    const count = end.readBack
      ? (end.unread ?? 0)
      : end.ready + (foreign.has(end.queue) ? 0 : end.unacked);
    if (count > 0) {
      const why = end.readBack
        ? 'not all read back before the deadline'
        : (end.why ?? 'not read back');
      uncounted.set(end.queue, { left: count, count, why });
    }
  }
  return { foreign, uncounted };
}

/**
 * A missing message routed to a queue with a foreign consumer (within the broker's count of what
 * they took) or to a queue only counted at the end (within that count): not a loss.
 */
function excused(
  destinations: readonly string[],
  budget: ReturnType<typeof budgets>,
  foreignTaken: Map<string, number>,
  uncountedTaken: Map<string, number>,
): boolean {
  const foreignQueue = destinations.find((q) => (budget.foreign.get(q) ?? 0) > 0);
  if (foreignQueue !== undefined) {
    budget.foreign.set(foreignQueue, (budget.foreign.get(foreignQueue) ?? 0) - 1);
    bump(foreignTaken, foreignQueue);
    return true;
  }
  const waitingQueue = destinations.find((q) => (budget.uncounted.get(q)?.left ?? 0) > 0);
  const slot = waitingQueue === undefined ? undefined : budget.uncounted.get(waitingQueue);
  if (waitingQueue === undefined || !slot) return false;
  slot.left--;
  bump(uncountedTaken, waitingQueue);
  return true;
}

export function account(c: AccountingContext): Accounting {
  const { ledger } = c;
  const l = new Lookup(c);
  const budget = budgets(c);
  const counts = {
    handled: 0,
    returned: 0,
    refused: 0,
    unconfirmed: 0,
    deadLetteredSeen: 0,
    lost: 0,
  };
  const waiting = new Map<string, number>();
  const foreignTaken = new Map<string, number>();
  const uncountedTaken = new Map<string, number>();
  const losses = new Map<string, { count: number; examples: string[] }>();
  const lostByQueue = new Map<string, number>();
  for (const [producer, p] of ledger.producers) {
    for (let seq = 1; seq <= p.lastSeq; seq++) {
      const seen = ledger.has('handled', producer, seq) || ledger.has('left', producer, seq);
      if (seen && ledger.has('deadLettered', producer, seq)) counts.deadLetteredSeen++;
      if (ledger.has('handled', producer, seq)) {
        counts.handled++;
        continue;
      }
      if (ledger.has('left', producer, seq)) {
        bump(waiting, l.queueWith(ledger.leftByQueue, producer, seq) ?? '?');
        continue;
      }
      if (ledger.has('returned', producer, seq)) {
        counts.returned++;
        continue;
      }
      if (ledger.has('nacked', producer, seq)) {
        counts.refused++;
        continue;
      }
      if (!ledger.promised(producer, seq)) {
        counts.unconfirmed++;
        continue;
      }
      const destinations = l.destinations(producer, seq);
      if (excused(destinations, budget, foreignTaken, uncountedTaken)) continue;
      counts.lost++;
      const routed = destinations.length > 0 ? destinations : ['?'];
      for (const q of routed) bump(lostByQueue, q);
      const reason = lossReason(l, ledger, producer, seq);
      const group = losses.get(reason) ?? { count: 0, examples: [] };
      group.count++;
      if (group.examples.length < 3) group.examples.push(`${producer}-${seq}`);
      losses.set(reason, group);
    }
  }
  const delivered = new Map(c.foreign.map((f) => [f.queue, f.delivered]));
  return {
    published: ledger.totalPublished(),
    confirmed: ledger.totalConfirmed(),
    ...counts,
    waiting,
    foreign: new Map(
      [...foreignTaken].map(([q, taken]) => [q, { taken, delivered: delivered.get(q) ?? 0 }]),
    ),
    uncounted: new Map(
      [...uncountedTaken].map(([q, taken]) => {
        const slot = budget.uncounted.get(q);
        return [q, { taken, count: slot?.count ?? 0, why: slot?.why ?? '' }];
      }),
    ),
    lostByQueue,
    losses: [...losses]
      .map(([reason, g]) => ({ reason, count: g.count, examples: g.examples }))
      .sort((a, b) => b.count - a.count),
  };
}

/** The accounting in a line: what became of the messages, and why the lost ones were lost. */
export function describeAccounting(a: Accounting): string {
  const confirmed = a.confirmed === undefined ? '' : `, ${a.confirmed} confirmed by the broker`;
  const notes = [
    ...[...a.waiting].map(([q, n]) => `${n} still waiting in ${q} (read back by id at the end)`),
    a.deadLetteredSeen > 0 ? `${a.deadLetteredSeen} dead-lettered on the way and seen again` : '',
    a.returned > 0
      ? `${a.returned} unroutable (returned to the publisher: no queue was bound for the key)`
      : '',
    a.unconfirmed > 0
      ? `${a.unconfirmed} never confirmed (in flight when a connection dropped; not promised)`
      : '',
    a.refused > 0 ? `${a.refused} refused by the broker (nack)` : '',
    ...[...a.foreign].map(
      ([q, f]) =>
        `${f.taken} taken by consumers outside the lab on ${q} (the broker delivered ${f.delivered} to their channels)`,
    ),
    ...[...a.uncounted].map(
      ([q, u]) => `${u.taken} may wait in ${q} (${u.why}; the broker counts ${u.count} there)`,
    ),
  ].filter(Boolean);
  const base = `${a.published} published${confirmed}, ${a.handled} handled${notes.map((n) => `, ${n}`).join('')}`;
  if (a.lost === 0) return base;
  const why = a.losses
    .map(
      (loss) =>
        `${plural(loss.count, 'message')} ${loss.reason} (e.g. ${loss.examples.join(', ')})`,
    )
    .join('; ');
  return `${base}; ${a.lost} lost: ${why}`;
}
