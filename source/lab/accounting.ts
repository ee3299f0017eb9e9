/**
 * Where every message a lab producer published ended, by id: handled by a lab consumer, still
 * waiting in a queue (read back at the end), returned, refused, never confirmed, taken by a
 * consumer outside the lab or possibly waiting in a queue the run could not read (both bounded by
 * the broker's own figures), or lost, with the reason in one line. Pure: the checks read it, and
 * a replayed record gives the same.
 */
import type { ForeignDeliveries } from '../broker/foreign-deliveries.js';
import type { QueueSpec } from '../scenario/schema.js';
import type { Ledger } from './ledger.js';
import { FateBook, type LimitFates } from './limit-fates.js';
import { Lookup, lossReason } from './loss-reasons.js';
import type { BindingRule, ExchangeType, PublishShape } from './routing.js';

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
  /** Held by the queue for at-least-once dead-lettering: its target has not taken them yet. */
  readonly held?: number;
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
  /** What queue limits did, by id, and what no limit explains. */
  readonly limits: LimitFates;
}

export const plural = (n: number, word: string, many = `${word}s`) =>
  `${n} ${n === 1 ? word : many}`;

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
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
    // Held for dead-lettering: not in the queue's ready messages, not yet in its target.
    const held = end.held ?? 0;
    if (held > 0 && count === 0) {
      const why = 'held for at-least-once dead-lettering until its target takes them';
      uncounted.set(end.queue, { left: held, count: held, why });
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
  const book = new FateBook(ledger, l);
  for (const [producer, p] of ledger.producers) {
    for (let seq = 1; seq <= p.lastSeq; seq++) {
      const seen = ledger.has('handled', producer, seq) || ledger.has('left', producer, seq);
      if (seen && ledger.has('deadLettered', producer, seq)) counts.deadLetteredSeen++;
      if (ledger.has('nacked', producer, seq)) book.refused(producer, seq, seen);
      if (ledger.has('handled', producer, seq)) {
        counts.handled++;
        if (book.deadLetters) {
          const from = l.queueWith(ledger.handledByQueue, producer, seq);
          book.seen(producer, seq, `handled from ${from ?? '?'}`);
        }
        continue;
      }
      if (ledger.has('left', producer, seq)) {
        const queue = l.queueWith(ledger.leftByQueue, producer, seq) ?? '?';
        bump(waiting, queue);
        book.seen(producer, seq, `waiting in ${queue}`);
        continue;
      }
      if (ledger.has('returned', producer, seq)) {
        counts.returned++;
        book.other(producer, seq);
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
      book.lost(producer, seq);
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
    limits: book.result(),
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
