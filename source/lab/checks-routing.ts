/**
 * The checks about where messages went: each subscriber or service queue got what its binding
 * was owed, nobody got a key it did not bind, retried messages ended acknowledged or parked.
 */
import { plural } from './accounting.js';
import type { CheckContext, ConsumerFacts, Finding } from './check-facts.js';
import { routes } from './routing.js';
import type { SeqSet } from './seq-set.js';

/**
 * What was owed through a binding: the messages published to `exchange` since `since` (with a key
 * `keys` match, unless every key counts), and which of them `seen` or `waiting` have, per producer.
 */
function tally(
  c: CheckContext,
  binding: { exchange: string; keys: readonly string[]; since: number; filterKeys: boolean },
  seen: (producer: string) => SeqSet | undefined,
  waiting: (producer: string) => SeqSet | undefined = () => undefined,
): { expected: number; got: number; waiting: number; missing: string[] } {
  const type = c.exchangeType(binding.exchange);
  const out = { expected: 0, got: 0, waiting: 0, missing: [] as string[] };
  for (const p of c.producers.filter((p) => p.exchange === binding.exchange)) {
    const set = seen(p.id);
    const left = waiting(p.id);
    for (const [first, last] of c.ledger.publishedBetween(p.id, binding.since, c.endedAt)) {
      for (let seq = first; seq <= last; seq++) {
        // Refused by the broker or never confirmed: never promised to any queue.
        if (!c.ledger.promised(p.id, seq)) continue;
        const key =
          c.ledger.keyOf(p.id, seq) ?? p.routingKeys[(seq - 1) % p.routingKeys.length] ?? '';
        if (binding.filterKeys && !routes(type, binding.keys, key)) continue;
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
  return c.consumers
    .filter((con) => con.bind !== undefined && con.boundAt !== undefined && con.alive)
    .map((con) => {
      const bind = con.bind as NonNullable<ConsumerFacts['bind']>;
      const binding = { ...bind, since: con.boundAt ?? 0, filterKeys };
      return { id: con.id, ...tally(c, binding, (p) => c.ledger.receivedBy(con.id, p)) };
    });
}

function completeness(c: CheckContext, filterKeys: boolean): Finding {
  const rows = owed(c, filterKeys);
  const left = c.consumers.filter((con) => con.bind && !con.alive).map((con) => con.id);
  const leftNote =
    left.length > 0
      ? `; ${left.join(', ')} left early and ${left.length === 1 ? 'is' : 'are'} not judged`
      : '';
  if (rows.length === 0)
    return { ok: true, idle: true, detail: `no subscriber was running at the end${leftNote}` };
  const short = rows.filter((r) => r.got < r.expected);
  const summary = rows.map((r) => `${r.id} ${r.got}/${r.expected}`).join(', ');
  return {
    ok: short.length === 0,
    detail:
      short.length === 0
        ? `every subscriber got every message sent after it bound (${summary})${leftNote}`
        : `${short.map((r) => `${r.id} missed ${r.expected - r.got} (e.g. ${r.missing.join(', ')})`).join('; ')} (${summary})${leftNote}`,
  };
}

export function fanoutComplete(c: CheckContext): Finding {
  return completeness(c, false);
}

export function routingComplete(c: CheckContext): Finding {
  return completeness(c, true);
}

export function routingCorrect(c: CheckContext): Finding {
  const wrong: string[] = [];
  const summary: string[] = [];
  let judged = 0;
  for (const con of c.consumers) {
    if (!con.bind) continue;
    const type = c.exchangeType(con.bind.exchange);
    const keys = c.ledger.keysByConsumer.get(con.id) ?? new Map<string, number>();
    const got = [...keys].map(([k, n]) => `${k || "''"} ${n}`).join(' ');
    summary.push(`${con.id} [${con.bind.keys.join(' ')}]: ${got || 'nothing'}`);
    for (const [key, n] of keys) {
      judged += n;
      if (!routes(type, con.bind.keys, key))
        wrong.push(`${con.id} got ${plural(n, 'message')} with key '${key}'`);
    }
  }
  if (judged === 0) return { ok: true, idle: true, detail: 'no subscriber received a lab message' };
  return {
    ok: wrong.length === 0,
    detail:
      wrong.length === 0
        ? `nobody got a key they did not bind (${summary.join('; ')})`
        : wrong.join('; '),
  };
}

/**
 * Named queues bound to an exchange (per service, SNS→SQS style): each got every message
 * published after it was bound that its keys match, delivered from it or still waiting in it by
 * id at the end (a durable queue keeps what arrives while its consumer is down). A queue the run
 * could not read back is excused at most as many as the broker counts in it.
 */
export function queuesComplete(c: CheckContext): Finding {
  const rows = (c.queueBindings ?? []).map((b) => {
    const seen = c.ledger.byQueue.get(b.queue);
    const left = c.ledger.leftByQueue.get(b.queue);
    const binding = { ...b, since: b.boundAt, filterKeys: true };
    const t = tally(
      c,
      binding,
      (p) => seen?.get(p),
      (p) => left?.get(p),
    );
    const end = c.ends.find((e) => e.queue === b.queue);
    const counted = end && !end.readBack ? end.ready + end.unacked : (end?.unread ?? 0);
    const foreign = c.foreign.find((f) => f.queue === b.queue)?.delivered ?? 0;
    const excused = Math.min(t.expected - t.got - t.waiting, counted + foreign);
    return { queue: b.queue, ...t, excused };
  });
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
