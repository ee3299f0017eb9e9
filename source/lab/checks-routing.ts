/**
 * The checks about where messages went: each subscriber or service queue got what its binding
 * was owed, nobody got a key it did not bind, retried messages ended acknowledged or parked.
 */
import { plural } from './accounting.js';
import type { CheckContext, ConsumerFacts, Finding } from './check-facts.js';
import { formatHeaders, type HeaderSet } from './headers-match.js';
import {
  type BindingRule,
  HASH_EXCHANGE,
  headersOf,
  type RoutingNet,
  reaches,
  routePath,
  routes,
} from './routing.js';
import type { SeqSet } from './seq-set.js';

type Producer = CheckContext['producers'][number];

/** A consistent-hash exchange gives each message to one queue: the consistent-hash check's. */
const hashed = (c: CheckContext, exchange: string) => c.exchangeType(exchange) === HASH_EXCHANGE;

/** The routing key and headers of a producer's `seq`-th message. */
function messageOf(c: CheckContext, p: Producer, seq: number) {
  const key = c.ledger.keyOf(p.id, seq) ?? p.routingKeys[(seq - 1) % p.routingKeys.length] ?? '';
  return { key, headers: headersOf(p, seq) };
}

/** The run's exchanges and bindings, subscribers' own queues included. */
function netOf(c: CheckContext): RoutingNet {
  const own = c.consumers.flatMap((con) =>
    con.bind ? [{ ...con.bind, queue: con.queue ?? con.id }] : [],
  );
  return {
    exchangeType: c.exchangeType,
    alternateOf: c.alternateOf,
    bindings: [...c.bindings, ...own],
  };
}

/** Does this binding get the message: through its exchange, or an alternate exchange before it? */
function takenBy(c: CheckContext, net: RoutingNet, binding: Binding, filterKeys: boolean) {
  return (p: Producer, seq: number) => {
    if (!filterKeys) return p.exchange === binding.exchange;
    const m = messageOf(c, p, seq);
    return reaches(net, p.exchange, binding, m.key, m.headers);
  };
}

type Binding = BindingRule & { readonly exchange: string };

/**
 * What was owed through a binding: the messages published since `since` that `takes` says it
 * gets, and which of them `seen` or `waiting` have, per producer.
 */
function tally(
  c: CheckContext,
  since: number,
  takes: (p: Producer, seq: number) => boolean,
  seen: (producer: string) => SeqSet | undefined,
  waiting: (producer: string) => SeqSet | undefined = () => undefined,
): { expected: number; got: number; waiting: number; missing: string[] } {
  const out = { expected: 0, got: 0, waiting: 0, missing: [] as string[] };
  for (const p of c.producers) {
    const set = seen(p.id);
    const left = waiting(p.id);
    for (const [first, last] of c.ledger.publishedBetween(p.id, since, c.endedAt)) {
      for (let seq = first; seq <= last; seq++) {
        // Refused by the broker or never confirmed: never promised to any queue.
        if (!c.ledger.promised(p.id, seq) || !takes(p, seq)) continue;
        out.expected++;
        if (set?.has(seq)) out.got++;
        else if (left?.has(seq)) out.waiting++;
        else if (out.missing.length < 3) out.missing.push(`${p.id}-${seq}`);
      }
    }
  }
  return out;
}

function owed(c: CheckContext, filterKeys: boolean) {
  const net = netOf(c);
  return c.consumers
    .filter((con) => con.bind !== undefined && con.boundAt !== undefined && con.alive)
    .filter((con) => !hashed(c, con.bind?.exchange ?? ''))
    .map((con) => {
      const bind = con.bind as NonNullable<ConsumerFacts['bind']>;
      const takes = takenBy(c, net, bind, filterKeys);
      return {
        id: con.id,
        ...tally(c, con.boundAt ?? 0, takes, (p) => c.ledger.receivedBy(con.id, p)),
      };
    });
}

function completeness(c: CheckContext, filterKeys: boolean): Finding {
  // Named queues the lab reads count too when judging routing (what reached the queue at all).
  const queues = filterKeys ? queueRows(c, readByLab(c)) : [];
  const rows = [
    ...owed(c, filterKeys).map((r) => ({ ...r, excused: 0 })),
    // A queue bound to more than one exchange: one row per binding, named by its exchange.
    ...queues.map((r) => ({
      ...r,
      id:
        queues.filter((q) => q.queue === r.queue).length > 1
          ? `${r.queue} via ${r.exchange}`
          : r.queue,
    })),
  ];
  const left = c.consumers.filter((con) => con.bind && !con.alive).map((con) => con.id);
  const leftNote =
    left.length > 0
      ? `; ${left.join(', ')} left early and ${left.length === 1 ? 'is' : 'are'} not judged`
      : '';
  if (rows.length === 0)
    return { ok: true, idle: true, detail: `no subscriber was running at the end${leftNote}` };
  const short = rows.filter((r) => r.got + r.waiting + r.excused < r.expected);
  const summary = rows.map((r) => `${r.id} ${r.got}/${r.expected}`).join(', ');
  const waitingNote = queues.some((r) => r.waiting + r.excused > 0)
    ? `; ${queues
        .filter((r) => r.waiting + r.excused > 0)
        .map((r) => `${r.waiting + r.excused} still in ${r.queue}`)
        .join(', ')}`
    : '';
  return {
    ok: short.length === 0,
    detail:
      short.length === 0
        ? `every ${queues.length > 0 ? 'subscriber and queue' : 'subscriber'} got every message sent after it bound (${summary})${waitingNote}${leftNote}`
        : `${short.map((r) => `${r.id} missed ${r.expected - r.got - r.waiting - r.excused} (e.g. ${r.missing.join(', ')})`).join('; ')} (${summary})${leftNote}`,
  };
}

export function fanoutComplete(c: CheckContext): Finding {
  return completeness(c, false);
}

export function routingComplete(c: CheckContext): Finding {
  return completeness(c, true);
}

/** Named queues bound to an exchange that a lab consumer reads. */
function readByLab(c: CheckContext): Set<string> {
  const bound = new Set(c.bindings.map((b) => b.queue));
  return new Set(
    c.consumers.flatMap((con) =>
      con.bind === undefined && con.queue !== undefined && bound.has(con.queue) ? [con.queue] : [],
    ),
  );
}

/** Messages a consumer of a named queue got that the queue's bindings do not route there. */
function misrouted(c: CheckContext, net: RoutingNet, consumer: string, queue: string) {
  let got = 0;
  const wrong: string[] = [];
  let count = 0;
  for (const p of c.producers) {
    const set = c.ledger.receivedBy(consumer, p.id);
    const last = c.ledger.producers.get(p.id)?.lastSeq ?? 0;
    for (let seq = 1; set && seq <= last; seq++) {
      if (!set.has(seq)) continue;
      got++;
      const m = messageOf(c, p, seq);
      const to = p.exchange === '' ? [m.key] : routePath(net, p.exchange, m.key, m.headers).queues;
      if (to.includes(queue)) continue;
      count++;
      if (wrong.length < 3) wrong.push(`${p.id}-${seq} ${describeMessage(p, m)}`);
    }
  }
  return { got, count, wrong };
}

function describeMessage(p: Producer, m: { key: string; headers: HeaderSet }): string {
  return p.headers ? `[${formatHeaders(m.headers)}]` : `'${m.key}'`;
}

export function routingCorrect(c: CheckContext): Finding {
  const wrong: string[] = [];
  const summary: string[] = [];
  let judged = 0;
  const net = netOf(c);
  const named = readByLab(c);
  for (const con of c.consumers) {
    if (!con.bind) {
      if (con.queue === undefined || !named.has(con.queue)) continue;
      const m = misrouted(c, net, con.id, con.queue);
      judged += m.got;
      summary.push(`${con.id} from ${con.queue}: ${plural(m.got, 'message')}`);
      if (m.count > 0)
        wrong.push(
          `${con.id} got ${plural(m.count, 'message')} that ${con.queue}'s bindings do not take (e.g. ${m.wrong.join(', ')})`,
        );
      continue;
    }
    const type = c.exchangeType(con.bind.exchange);
    const keys = c.ledger.keysByConsumer.get(con.id) ?? new Map<string, number>();
    const got = [...keys].map(([k, n]) => `${k || "''"} ${n}`).join(' ');
    summary.push(`${con.id} [${con.bind.keys.join(' ')}]: ${got || 'nothing'}`);
    for (const [key, n] of keys) {
      judged += n;
      if (!routes(type, con.bind, key))
        wrong.push(`${con.id} got ${plural(n, 'message')} with key '${key}'`);
    }
  }
  if (judged === 0) return { ok: true, idle: true, detail: 'no subscriber received a lab message' };
  return {
    ok: wrong.length === 0,
    detail:
      wrong.length === 0
        ? `nobody got a message their bindings do not take (${summary.join('; ')})`
        : wrong.join('; '),
  };
}

/** Per bound queue (of `only`, or all): what its bindings were owed, got, left waiting, excused. */
function queueRows(c: CheckContext, only?: ReadonlySet<string>) {
  const net = netOf(c);
  return (c.queueBindings ?? [])
    .filter((b) => only === undefined || only.has(b.queue))
    .filter((b) => !hashed(c, b.exchange))
    .map((b) => {
      const seen = c.ledger.byQueue.get(b.queue);
      const left = c.ledger.leftByQueue.get(b.queue);
      const t = tally(
        c,
        b.boundAt,
        takenBy(c, net, b, true),
        (p) => seen?.get(p),
        (p) => left?.get(p),
      );
      const end = c.ends.find((e) => e.queue === b.queue);
      const counted = end && !end.readBack ? end.ready + end.unacked : (end?.unread ?? 0);
      const foreign = c.foreign.find((f) => f.queue === b.queue)?.delivered ?? 0;
      const excused = Math.min(t.expected - t.got - t.waiting, counted + foreign);
      return { queue: b.queue, exchange: b.exchange, ...t, excused };
    });
}

/**
 * Messages the bound queues among `only` were owed that no consumer of theirs has reported yet
 * (a message copied to three queues is not settled when one of them has it).
 */
export function owedTo(c: CheckContext, only: ReadonlySet<string>): number {
  return queueRows(c, only).reduce((n, r) => n + Math.max(0, r.expected - r.got - r.waiting), 0);
}

/**
 * Named queues bound to an exchange (per service, SNS→SQS style): each got every message
 * published after it was bound that its keys match, delivered from it or still waiting in it by
 * id at the end (a durable queue keeps what arrives while its consumer is down). A queue the run
 * could not read back is excused at most as many as the broker counts in it.
 */
export function queuesComplete(c: CheckContext): Finding {
  const rows = queueRows(c);
  if (rows.length === 0)
    return { ok: true, idle: true, detail: 'no named queue is bound to an exchange' };
  const short = rows.filter((r) => r.expected - r.got - r.waiting - r.excused > 0);
  const summary = rows
    .map((r) => {
      const notes = [
        r.waiting > 0 ? `${r.waiting} waiting in the queue` : '',
        r.excused > 0 ? `${r.excused} counted by the broker, not by id` : '',
      ].filter(Boolean);
      return `${r.queue} ${r.got}/${r.expected}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
    })
    .join(', ');
  return {
    ok: short.length === 0,
    detail:
      short.length === 0
        ? `every queue got every message sent after it was bound: ${summary}`
        : `${short.map((r) => `${r.queue} lost ${r.expected - r.got - r.waiting - r.excused} (e.g. ${r.missing.join(', ')})`).join('; ')} (${summary})`,
  };
}

/**
 * Retries through dead-lettering: every message ended acknowledged (at once or after a retry)
 * or parked after its last attempt, never both, and the parking queue holds what was parked.
 */
export function ackedOrParked(c: CheckContext): Finding {
  const { ledger } = c;
  const retrying = new Set(c.consumers.flatMap((con) => (con.parkingQueue ? [con.id] : [])));
  const s = ledger.settlement(retrying);
  const parkingQueues = new Set(c.consumers.flatMap((con) => con.parkingQueue ?? []));
  let held = 0;
  let byId = true;
  for (const queue of parkingQueues) {
    const end = c.ends.find((e) => e.queue === queue);
    if (end?.readBack) {
      held += [...(ledger.leftByQueue.get(queue)?.values() ?? [])].reduce(
        (n, set) => n + set.size,
        0,
      );
      held += end.unread ?? 0;
    } else {
      byId = false;
      const q = c.queues.find((queue2) => queue2.name === queue);
      held += end
        ? end.ready + end.unacked
        : (q?.messagesReady ?? 0) + (q?.messagesUnacknowledged ?? 0);
    }
  }
  if (retrying.size === 0 || s.acked + s.parked + s.both + s.open === 0)
    return { ok: true, idle: true, detail: 'no consumer with retries received a lab message' };
  const summary = `${s.acked} acked, ${s.parked} parked, ${plural(ledger.retries, 'retry', 'retries')} through dead-lettering (${ledger.deadLetterings} rejected to the retry queue)`;
  const problems = [
    s.open > 0 ? `${s.open} neither acked nor parked (e.g. ${s.neither.join(', ')})` : '',
    s.both > 0 ? `${s.both} both acked and parked` : '',
    parkingQueues.size > 0 && held < s.parked + s.both
      ? `the parking queue holds ${held}${byId ? ' by id' : ''}, fewer than the ${s.parked + s.both} parked`
      : '',
  ].filter(Boolean);
  return {
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `every message ended acked or parked: ${summary}`
        : `${problems.join('; ')} (${summary})`,
  };
}
