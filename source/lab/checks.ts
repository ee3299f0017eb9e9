/**
 * The self-checks: what each pattern promises, verified against the ledger's account of every
 * message. Each gives ok plus a one-line detail; a check with nothing to judge says so, and
 * passes only when the scenario says why that is fine (`checks: [{ name, idle: … }]`).
 */
import type { CheckName, CheckSpec } from '../scenario/schema.js';
import { describeAccounting, plural } from './accounting.js';
import { accountingOf, type CheckContext, type Finding } from './check-facts.js';
import { consistentHash } from './checks-hash.js';
import { limitsExplained, priorityOrder } from './checks-limits.js';
import {
  ackedOrParked,
  fanoutComplete,
  queuesComplete,
  routingComplete,
  routingCorrect,
} from './checks-routing.js';
import { singleActive } from './checks-single-active.js';
import { offsetResume, streamComplete } from './checks-stream.js';

/** The checks a scenario names, and the one every run gets. */
export type {
  ActorFacts,
  CheckContext,
  ConsumerFacts,
  Finding,
  ProducerFacts,
} from './check-facts.js';

export type CheckId = CheckName | 'actors-healthy';

export interface CheckResult {
  readonly name: CheckId;
  readonly ok: boolean;
  readonly detail: string;
  /** Set (false) when the check had nothing to judge. */
  readonly judged?: false;
}

export { accountingOf };

export function noLoss(c: CheckContext): Finding {
  const a = accountingOf(c);
  if (a.published === 0)
    return { ok: true, idle: true, detail: 'no lab producer published a message' };
  return { ok: a.lost === 0, detail: describeAccounting(a) };
}

/** no-loss judged on some queues: their losses fail it; the rest of the run is told, not judged. */
export function noLossOn(c: CheckContext, queues: readonly string[]): Finding {
  const a = accountingOf(c);
  if (a.published === 0)
    return { ok: true, idle: true, detail: 'no lab producer published a message' };
  const lost = queues.reduce((n, q) => n + (a.lostByQueue.get(q) ?? 0), 0);
  const elsewhere = [...a.lostByQueue].filter(([q]) => !queues.includes(q));
  const others =
    elsewhere.length === 0
      ? ''
      : ` (not judged: ${elsewhere.map(([q, n]) => `${n} lost from ${q}`).join(', ')})`;
  return {
    ok: lost === 0,
    detail: `${plural(lost, 'confirmed message')} lost from ${queues.join(', ')}${others}; ${describeAccounting(a)}`,
  };
}

export function eachOnce(c: CheckContext): Finding {
  const { ledger } = c;
  const detail = `${plural(ledger.deliveries, 'delivery', 'deliveries')}, ${ledger.redeliveries} redelivered after a crash or requeue, ${plural(ledger.duplicates, 'duplicate')}`;
  if (ledger.deliveries === 0)
    return { ok: true, idle: true, detail: 'no lab consumer received a message' };
  return { ok: ledger.duplicates === 0, detail };
}

/**
 * Each consumer got each producer's messages from one queue in the order they were published;
 * redeliveries (after a crash, a requeue or a failover) may come later and are not counted.
 */
export function ordering(c: CheckContext): Finding {
  const { ledger } = c;
  const first = ledger.deliveries - ledger.redeliveries - ledger.duplicates - ledger.retries;
  if (ledger.deliveries === 0)
    return { ok: true, idle: true, detail: 'no lab consumer received a message' };
  const order = ledger.order;
  if (order.reordered === 0) {
    return {
      ok: true,
      detail: `${plural(first, 'first delivery', 'first deliveries')} in publish order for each producer, queue and consumer (${ledger.redeliveries} redelivered not counted)`,
    };
  }
  const queues = [...order.reorderedByQueue].map(([q, n]) => `${n} on ${q}`).join(', ');
  return {
    ok: false,
    detail: `${plural(order.reordered, 'message')} delivered for the first time after a later one from the same producer (${queues}): ${order.examples.join('; ')}`,
  };
}

/** What a killed consumer held (delivered, never settled), and how much of it came back. */
function heldBy(c: CheckContext, consumer: string) {
  const { ledger } = c;
  const delivered = ledger.byConsumer.get(consumer);
  const settled = ledger.settledByConsumer.get(consumer);
  const out = { held: 0, back: 0, missing: [] as string[] };
  for (const [producer, set] of delivered ?? []) {
    const p = ledger.producers.get(producer);
    for (let seq = 1; seq <= (p?.lastSeq ?? set.max); seq++) {
      if (!set.has(seq) || settled?.get(producer)?.has(seq)) continue;
      out.held++;
      if (ledger.has('redelivered', producer, seq) || ledger.has('left', producer, seq)) out.back++;
      else if (out.missing.length < 3) out.missing.push(`${producer}-${seq}`);
    }
  }
  return out;
}

/**
 * A consumer killed while holding unacknowledged messages: every one of them comes back, marked
 * redelivered (to another consumer, or waiting in the queue at the end). Consumers with automatic
 * ack held nothing the broker kept: no-loss explains what they lost.
 */
export function redeliveryAfterCrash(c: CheckContext): Finding {
  const rows = c.consumers
    .filter((con) => con.status === 'killed' && con.ack !== 'auto')
    .map((con) => {
      const h = heldBy(c, con.id);
      const foreign = c.foreign.find((f) => f.queue === con.queue)?.delivered ?? 0;
      return { id: con.id, ...h, excused: Math.min(foreign, h.held - h.back) };
    })
    .filter((r) => r.held > 0);
  if (rows.length === 0) {
    return {
      ok: true,
      idle: true,
      detail: 'no consumer was killed while holding unacknowledged messages',
    };
  }
  const short = rows.filter((r) => r.back + r.excused < r.held);
  const summary = rows
    .map(
      (r) =>
        `${r.id} was killed holding ${plural(r.held, 'unacknowledged message')}; ${r.back} came back redelivered${r.excused > 0 ? `, ${r.excused} may have gone to consumers outside the lab` : ''}`,
    )
    .join('; ');
  return {
    ok: short.length === 0,
    detail:
      short.length === 0
        ? summary
        : `${short.map((r) => `${r.held - r.back - r.excused} of ${r.id}'s never came back (e.g. ${r.missing.join(', ')})`).join('; ')}: ${summary}`,
  };
}

/** Publisher confirms: the broker answered every message exactly once, ack or nack. */
export function confirmsAnswered(c: CheckContext): Finding {
  const tallies = c.ledger.confirmTally();
  const twice = c.ledger.confirmedTwice + tallies.reduce((n, t) => n + t.both, 0);
  const unanswered = tallies.reduce((n, t) => n + t.none, 0);
  const summary = tallies
    .map(
      (t) =>
        `${t.producer} ${t.confirmed} confirmed${t.nacked > 0 ? `, ${t.nacked} nacked` : ''}${t.none > 0 ? `, ${t.none} unanswered` : ''}`,
    )
    .join('; ');
  if (c.ledger.totalPublished() === 0)
    return { ok: true, idle: true, detail: 'no lab producer published a message' };
  const ok = twice === 0 && unanswered === 0;
  return {
    ok,
    detail: ok
      ? `every message confirmed or nacked exactly once (${summary})`
      : `${twice > 0 ? `${twice} answered twice; ` : ''}${unanswered > 0 ? `${unanswered} never answered; ` : ''}(${summary})`,
  };
}

/** RPC: every request got exactly one reply with its correlation id (duplicates are ignored). */
export function rpcReplies(c: CheckContext): Finding {
  const clients = c.rpcClients ?? [];
  if (clients.every((client) => client.counts.requests === 0)) {
    return { ok: true, idle: true, detail: 'no RPC client sent a request' };
  }
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
    ok,
    detail: `${ok ? 'every request got its reply' : 'requests without a reply'}: ${parts.join('; ')}`,
  };
}

/** Every run: an actor that ended in error without the scenario asking for it fails the run. */
export function actorsHealthy(c: CheckContext): Finding {
  const failed = (c.actors ?? []).filter((a) => a.status === 'failed');
  const unexpected = failed.filter((a) => !a.failureExpected);
  const expected = failed.filter((a) => a.failureExpected);
  const expectedNote =
    expected.length > 0
      ? `${expected.map((a) => a.id).join(', ')} failed as the scenario's bug makes ${expected.length === 1 ? 'it' : 'them'}${expected[0]?.lastError ? ` (${expected[0].lastError})` : ''}`
      : '';
  if (unexpected.length === 0) {
    return {
      ok: true,
      detail: expectedNote || 'no actor failed',
    };
  }
  return {
    ok: false,
    detail: [
      ...unexpected.map((a) => `${a.id} failed: ${a.lastError ?? 'it exited with an error'}`),
      expectedNote,
    ]
      .filter(Boolean)
      .join('; '),
  };
}

const checks: Record<CheckName, (c: CheckContext) => Finding> = {
  'no-loss': noLoss,
  'each-once': eachOnce,
  ordering,
  'single-active': singleActive,
  'consistent-hash': consistentHash,
  'stream-complete': streamComplete,
  'offset-resume': offsetResume,
  'redelivery-after-crash': redeliveryAfterCrash,
  'fanout-complete': fanoutComplete,
  'routing-correct': routingCorrect,
  'routing-complete': routingComplete,
  confirms: confirmsAnswered,
  'rpc-replies': rpcReplies,
  'acked-or-parked': ackedOrParked,
  'queues-complete': queuesComplete,
  'priority-order': priorityOrder,
  'limits-explained': limitsExplained,
};

/** A finding as the report shows it: nothing to judge passes only with the scenario's reason. */
export function verdict(name: CheckId, f: Finding, idleReason?: string): CheckResult {
  if (!f.idle) return { name, ok: f.ok, detail: f.detail };
  return idleReason === undefined
    ? { name, ok: false, judged: false, detail: `nothing to judge: ${f.detail}` }
    : { name, ok: true, judged: false, detail: `not judged: ${f.detail} (${idleReason})` };
}

export function runChecks(specs: readonly CheckSpec[], context: CheckContext): CheckResult[] {
  return [
    ...specs.map((s) =>
      verdict(
        s.name,
        s.name === 'no-loss' && s.queues ? noLossOn(context, s.queues) : checks[s.name](context),
        s.idle,
      ),
    ),
    verdict('actors-healthy', actorsHealthy(context)),
  ];
}
