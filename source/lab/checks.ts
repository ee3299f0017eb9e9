/**
 * The self-checks: what each pattern promises, verified against the ledger of what lab producers
 * published and lab consumers received. Each returns ok plus a one-line detail.
 */
import type { RpcCounts } from '../actors/protocol.js';
import type { QueueCounters } from '../broker/management-client.js';
import type { CheckName } from '../scenario/schema.js';
import type { IntervalSet } from './interval-set.js';
import type { Ledger } from './ledger.js';
import { type ExchangeType, routes } from './routing.js';

export interface CheckResult {
  readonly name: CheckName;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ProducerFacts {
  readonly id: string;
  readonly exchange: string;
  readonly routingKeys: readonly string[];
}

export interface ConsumerFacts {
  readonly id: string;
  readonly queue?: string;
  /** Set for consumers with their own queue bound to an exchange. */
  readonly bind?: { readonly exchange: string; readonly keys: readonly string[] };
  readonly boundAt?: number;
  /** Alive when the run ended (so it had every chance to receive what it was owed). */
  readonly alive: boolean;
  /** Retries: where it parks messages after their last attempt. */
  readonly parkingQueue?: string;
}

export interface CheckContext {
  readonly ledger: Ledger;
  readonly producers: readonly ProducerFacts[];
  readonly consumers: readonly ConsumerFacts[];
  readonly exchangeType: (exchange: string) => ExchangeType;
  /** The scenario's queues as last polled. */
  readonly queues: readonly QueueCounters[];
  /** Queues on which the broker counted consumers that are not the lab's. */
  readonly foreignConsumerQueues: ReadonlySet<string>;
  /** Consumers killed with SIGKILL while holding unacknowledged messages. */
  readonly killedBusy: readonly string[];
  /** When the run ended (ms since epoch). */
  readonly endedAt: number;
  /** Named queues bound to exchanges (by the topology or live), and since when. */
  readonly queueBindings?: readonly {
    readonly exchange: string;
    readonly queue: string;
    readonly keys: readonly string[];
    readonly boundAt: number;
  }[];
  /** RPC clients and what happened to their requests. */
  readonly rpcClients?: readonly { readonly id: string; readonly counts: RpcCounts }[];
}

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

export function noLoss(c: CheckContext): CheckResult {
  const { ledger } = c;
  const published = ledger.totalPublished();
  const received = ledger.totalReceived();
  const dropped = ledger.totalDropped();
  // Returned by the broker as unroutable: the publisher knows, nothing was silently lost.
  const returned = ledger.totalReturned();
  const not = ledger.notReceived();
  // Only messages the broker confirmed are promised: one published into a connection that then
  // dropped was never the broker's, and a nacked one was refused openly.
  const missing = not.confirmed;
  const notes = [
    returned > 0
      ? `${returned} unroutable (returned to the publisher: no queue was bound for the key)`
      : '',
    not.unconfirmed > 0
      ? `${not.unconfirmed} never confirmed (in flight when a connection dropped; not promised)`
      : '',
    not.refused > 0 ? `${not.refused} refused by the broker (nack)` : '',
    ledger.deadLettered > 0
      ? `${ledger.deadLettered} rejected to a dead-letter exchange (moved, not discarded)`
      : '',
  ].filter(Boolean);
  const confirmed = ledger.totalConfirmed();
  const confirmedNote = confirmed === undefined ? '' : `, ${confirmed} confirmed by the broker`;
  const base = `${published} published${confirmedNote}, ${received} received${notes.map((n) => `, ${n}`).join('')}`;
  if (missing === 0 && dropped === 0) return { name: 'no-loss', ok: true, detail: base };
  if (dropped > 0) {
    return {
      name: 'no-loss',
      ok: false,
      detail: `${base}, ${dropped} rejected without requeue and so discarded${missing > 0 ? `, ${missing} never received` : ''}`,
    };
  }
  // Still waiting in a queue no lab consumer reads (a queue the scenario fills on purpose): kept,
  // not lost.
  const consumed = new Set(c.consumers.map((con) => con.queue));
  const waiting = c.queues.filter((q) => !consumed.has(q.name) && q.messagesReady > 0);
  const held = waiting.reduce((n, q) => n + q.messagesReady, 0);
  if (missing <= held && c.foreignConsumerQueues.size === 0) {
    return {
      name: 'no-loss',
      ok: true,
      detail: `${base}; the other ${missing} wait in queues no lab consumer reads (${waiting.map((q) => `${q.name} ${q.messagesReady}`).join(', ')})`,
    };
  }
  // Another program consuming from a shared queue (say, the official worker.js) takes messages
  // the lab never sees. They are not lost if the queue drained while it was attached.
  const drained = c.queues.every((q) => q.messagesReady === 0 && q.messagesUnacknowledged === 0);
  if (c.foreignConsumerQueues.size > 0 && drained) {
    return {
      name: 'no-loss',
      ok: true,
      detail: `${base}; the other ${missing} were taken by consumers outside the lab on ${[...c.foreignConsumerQueues].join(', ')} (counted as delivered: the queue drained)`,
    };
  }
  return {
    name: 'no-loss',
    ok: false,
    detail: `${base}, ${missing} ${confirmed === undefined ? '' : 'confirmed but '}never received (e.g. ${ledger.missingExamples(3).join(', ')})`,
  };
}

export function eachOnce(c: CheckContext): CheckResult {
  const { ledger } = c;
  const detail = `${plural(ledger.deliveries, 'delivery', 'deliveries')}, ${ledger.redeliveries} redelivered after a crash or requeue, ${plural(ledger.duplicates, 'duplicate')}`;
  return { name: 'each-once', ok: ledger.duplicates === 0, detail };
}

export function redeliveryAfterCrash(c: CheckContext): CheckResult {
  if (c.killedBusy.length === 0) {
    return {
      name: 'redelivery-after-crash',
      ok: true,
      detail: 'no consumer was killed while holding unacknowledged messages in this run',
    };
  }
  const n = c.ledger.redeliveries;
  return {
    name: 'redelivery-after-crash',
    ok: n > 0,
    detail:
      n > 0
        ? `${c.killedBusy.join(', ')} killed while busy; ${plural(n, 'message')} came back with redelivered = true`
        : `${c.killedBusy.join(', ')} killed while busy, but no message came back redelivered`,
  };
}

/** For each live bound consumer: the messages it was owed (published after it bound) and how many it got. */
/**
 * What was owed through a binding: the messages published to `exchange` since `since` (with a key
 * `keys` match, unless every key counts), and how many of them `seen` has, per producer.
 */
function tally(
  c: CheckContext,
  binding: { exchange: string; keys: readonly string[]; since: number; filterKeys: boolean },
  seen: (producer: string) => IntervalSet | undefined,
): { expected: number; got: number; missing: string[] } {
  const type = c.exchangeType(binding.exchange);
  let expected = 0;
  let got = 0;
  const missing: string[] = [];
  for (const p of c.producers.filter((p) => p.exchange === binding.exchange)) {
    const set = seen(p.id);
    for (const [first, last] of c.ledger.publishedBetween(p.id, binding.since, c.endedAt)) {
      for (let seq = first; seq <= last; seq++) {
        const key =
          c.ledger.keyOf(p.id, seq) ?? p.routingKeys[(seq - 1) % p.routingKeys.length] ?? '';
        if (binding.filterKeys && !routes(type, binding.keys, key)) continue;
        expected++;
        if (set?.has(seq)) got++;
        else if (missing.length < 3) missing.push(`${p.id}-${seq}`);
      }
    }
  }
  return { expected, got, missing };
}

function owed(c: CheckContext, filterKeys: boolean) {
  return c.consumers
    .filter((con) => con.bind !== undefined && con.boundAt !== undefined && con.alive)
    .map((con) => {
      const bind = con.bind as NonNullable<ConsumerFacts['bind']>;
      const binding = { ...bind, since: con.boundAt ?? 0, filterKeys };
      return { id: con.id, ...tally(c, binding, (p) => c.ledger.receivedBy(con.id, p)) };
    });
}

function completeness(c: CheckContext, name: CheckName, filterKeys: boolean): CheckResult {
  const rows = owed(c, filterKeys);
  const left = c.consumers.filter((con) => con.bind && !con.alive).map((con) => con.id);
  const leftNote =
    left.length > 0
      ? `; ${left.join(', ')} left early and ${left.length === 1 ? 'is' : 'are'} not judged`
      : '';
  if (rows.length === 0)
    return { name, ok: true, detail: `no subscriber was running at the end${leftNote}` };
  const short = rows.filter((r) => r.got < r.expected);
  const summary = rows.map((r) => `${r.id} ${r.got}/${r.expected}`).join(', ');
  return {
    name,
    ok: short.length === 0,
    detail:
      short.length === 0
        ? `every subscriber got every message sent after it bound (${summary})${leftNote}`
        : `${short.map((r) => `${r.id} missed ${r.expected - r.got} (e.g. ${r.missing.join(', ')})`).join('; ')} (${summary})${leftNote}`,
  };
}

export function fanoutComplete(c: CheckContext): CheckResult {
  return completeness(c, 'fanout-complete', false);
}

export function routingComplete(c: CheckContext): CheckResult {
  return completeness(c, 'routing-complete', true);
}

export function routingCorrect(c: CheckContext): CheckResult {
  const wrong: string[] = [];
  const summary: string[] = [];
  for (const con of c.consumers) {
    if (!con.bind) continue;
    const type = c.exchangeType(con.bind.exchange);
    const keys = c.ledger.keysByConsumer.get(con.id) ?? new Map<string, number>();
    const got = [...keys].map(([k, n]) => `${k || "''"} ${n}`).join(' ');
    summary.push(`${con.id} [${con.bind.keys.join(' ')}]: ${got || 'nothing'}`);
    for (const [key, n] of keys) {
      if (!routes(type, con.bind.keys, key))
        wrong.push(`${con.id} got ${plural(n, 'message')} with key '${key}'`);
    }
  }
  return {
    name: 'routing-correct',
    ok: wrong.length === 0,
    detail:
      wrong.length === 0
        ? `nobody got a key they did not bind (${summary.join('; ')})`
        : wrong.join('; '),
  };
}

/** Publisher confirms: the broker answered every message exactly once, ack or nack. */
export function confirmsAnswered(c: CheckContext): CheckResult {
  const tallies = c.ledger.confirmTally();
  const twice = c.ledger.confirmedTwice + tallies.reduce((n, t) => n + t.both, 0);
  const unanswered = tallies.reduce((n, t) => n + t.none, 0);
  const summary = tallies
    .map(
      (t) =>
        `${t.producer} ${t.confirmed} confirmed${t.nacked > 0 ? `, ${t.nacked} nacked` : ''}${t.none > 0 ? `, ${t.none} unanswered` : ''}`,
    )
    .join('; ');
  const ok = twice === 0 && unanswered === 0;
  return {
    name: 'confirms',
    ok,
    detail: ok
      ? `every message confirmed or nacked exactly once (${summary || 'nothing published'})`
      : `${twice > 0 ? `${twice} answered twice; ` : ''}${unanswered > 0 ? `${unanswered} never answered; ` : ''}(${summary})`,
  };
}

/** RPC: every request got exactly one reply with its correlation id (duplicates are ignored). */
export function rpcReplies(c: CheckContext): CheckResult {
  const clients = c.rpcClients ?? [];
  let ok = true;
  const parts = clients.map(({ id, counts: r }) => {
    const waiting = r.requests - r.replies - r.failed;
    ok &&= r.failed === 0 && waiting === 0 && r.unknown === 0;
    const mean = r.replies > 0 ? Math.round(r.rttMs / r.replies) : 0;
    const notes = [
      r.retries > 0 ? `${plural(r.retries, 'retry', 'retries')} after a timeout` : '',
      r.duplicates > 0 ? `${plural(r.duplicates, 'late duplicate')} ignored` : '',
      r.failed > 0 ? `${r.failed} given up` : '',
      waiting > 0 ? `${waiting} still waiting` : '',
      r.unknown > 0
        ? `${plural(r.unknown, 'reply', 'replies')} with an unknown correlation id`
        : '',
    ].filter(Boolean);
    return `${id}: ${r.replies}/${r.requests} replied, ${mean} ms round trip${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
  });
  return {
    name: 'rpc-replies',
    ok,
    detail:
      clients.length === 0
        ? 'no RPC client ran'
        : `${ok ? 'every request got its reply' : 'requests without a reply'}: ${parts.join('; ')}`,
  };
}

/**
 * Named queues bound to an exchange (per service, SNS→SQS style): each got every message
 * published after it was bound that its keys match, received from it or still waiting in it
 * (a durable queue keeps what arrives while its consumer is down).
 */
export function queuesComplete(c: CheckContext): CheckResult {
  const rows = (c.queueBindings ?? []).map((b) => {
    const seen = c.ledger.byQueue.get(b.queue);
    const binding = { ...b, since: b.boundAt, filterKeys: true };
    const q = c.queues.find((queue) => queue.name === b.queue);
    const waiting = q ? q.messagesReady + q.messagesUnacknowledged : 0;
    return { queue: b.queue, waiting, ...tally(c, binding, (p) => seen?.get(p)) };
  });
  if (rows.length === 0)
    return { name: 'queues-complete', ok: true, detail: 'no named queue is bound to an exchange' };
  const short = rows.filter((r) => r.expected - r.got > r.waiting);
  const summary = rows
    .map(
      (r) =>
        `${r.queue} ${r.got}/${r.expected}${r.got < r.expected ? ` (${Math.min(r.waiting, r.expected - r.got)} waiting in the queue)` : ''}`,
    )
    .join(', ');
  return {
    name: 'queues-complete',
    ok: short.length === 0,
    detail:
      short.length === 0
        ? `every queue got every message sent after it was bound: ${summary}`
        : `${short.map((r) => `${r.queue} lost ${r.expected - r.got - r.waiting} (e.g. ${r.missing.join(', ')})`).join('; ')} (${summary})`,
  };
}

/**
 * Retries through dead-lettering: every message ended acknowledged (at once or after a retry)
 * or parked after its last attempt, never both, and the parking queue holds what was parked.
 */
export function ackedOrParked(c: CheckContext): CheckResult {
  const { ledger } = c;
  const s = ledger.settlement(
    new Set(c.consumers.flatMap((con) => (con.parkingQueue ? [con.id] : []))),
  );
  const parkingQueues = new Set(c.consumers.flatMap((con) => con.parkingQueue ?? []));
  const held = c.queues
    .filter((q) => parkingQueues.has(q.name))
    .reduce((n, q) => n + q.messagesReady + q.messagesUnacknowledged, 0);
  const summary = `${s.acked} acked, ${s.parked} parked, ${plural(ledger.retries, 'retry', 'retries')} through dead-lettering (${ledger.deadLettered} rejected to the retry queue)`;
  const problems = [
    s.open > 0 ? `${s.open} neither acked nor parked (e.g. ${s.neither.join(', ')})` : '',
    s.both > 0 ? `${s.both} both acked and parked` : '',
    parkingQueues.size > 0 && held < s.parked + s.both
      ? `the parking queue holds ${held}, fewer than the ${s.parked + s.both} parked`
      : '',
  ].filter(Boolean);
  return {
    name: 'acked-or-parked',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `every message ended acked or parked: ${summary}`
        : `${problems.join('; ')} (${summary})`,
  };
}

const checks: Record<CheckName, (c: CheckContext) => CheckResult> = {
  'no-loss': noLoss,
  'each-once': eachOnce,
  'redelivery-after-crash': redeliveryAfterCrash,
  'fanout-complete': fanoutComplete,
  'routing-correct': routingCorrect,
  'routing-complete': routingComplete,
  confirms: confirmsAnswered,
  'rpc-replies': rpcReplies,
  'acked-or-parked': ackedOrParked,
  'queues-complete': queuesComplete,
};

export function runChecks(names: readonly CheckName[], context: CheckContext): CheckResult[] {
  return names.map((name) => checks[name](context));
}
