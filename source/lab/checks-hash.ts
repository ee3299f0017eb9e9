/**
 * `consistent-hash`: a consistent-hash exchange puts each message in exactly one of its queues,
 * and every message with the same routing key in the same one (the point of hashing: a key's
 * messages stay together, in order). By id: a message found in two of the queues, or a key
 * whose messages went to two, fails. The detail gives each queue's weight against its share.
 */
import type { CheckContext, Finding } from './check-facts.js';
import { describeShare, hashShares } from './hash-split.js';
import { HASH_EXCHANGE } from './routing.js';

interface Tally {
  readonly queuesOfKey: Map<string, Set<string>>;
  readonly twice: string[];
  readonly got: Map<string, number>;
  messages: number;
}

/** Where each of the exchange's producers' messages went, by id, among its bound queues. */
function tallyExchange(c: CheckContext, exchange: string, queues: readonly string[]): Tally {
  const t: Tally = { queuesOfKey: new Map(), twice: [], got: new Map(), messages: 0 };
  for (const p of c.producers.filter((p) => p.exchange === exchange)) {
    const last = c.ledger.producers.get(p.id)?.lastSeq ?? 0;
    const sets = queues.map((q) => ({
      q,
      seen: c.ledger.byQueue.get(q)?.get(p.id),
      left: c.ledger.leftByQueue.get(q)?.get(p.id),
    }));
    for (let seq = 1; seq <= last; seq++) {
      const at = sets.filter((s) => s.seen?.has(seq) || s.left?.has(seq)).map((s) => s.q);
      if (at.length === 0) continue;
      t.messages++;
      if (at.length > 1 && t.twice.length < 3)
        t.twice.push(`${p.id}-${seq} in ${at.join(' and ')}`);
      const key =
        c.ledger.keyOf(p.id, seq) ?? p.routingKeys[(seq - 1) % p.routingKeys.length] ?? '';
      const of = t.queuesOfKey.get(key) ?? new Set<string>();
      for (const q of at) {
        of.add(q);
        t.got.set(q, (t.got.get(q) ?? 0) + 1);
      }
      t.queuesOfKey.set(key, of);
    }
  }
  return t;
}

export function consistentHash(c: CheckContext): Finding {
  const exchanges = [...new Set(c.bindings.map((b) => b.exchange))].filter(
    (x) => c.exchangeType(x) === HASH_EXCHANGE,
  );
  if (exchanges.length === 0)
    return { ok: true, idle: true, detail: 'no consistent-hash exchange has a queue bound' };
  const parts: string[] = [];
  const wrong: string[] = [];
  let judged = 0;
  for (const exchange of exchanges) {
    const queues = [
      ...new Set(c.bindings.filter((b) => b.exchange === exchange).map((b) => b.queue)),
    ];
    const t = tallyExchange(c, exchange, queues);
    judged += t.messages;
    if (t.messages === 0) continue;
    if (t.twice.length > 0)
      wrong.push(`${exchange} put messages in two queues: ${t.twice.join(', ')}`);
    const split = [...t.queuesOfKey].filter(([, qs]) => qs.size > 1);
    for (const [key, qs] of split.slice(0, 3))
      wrong.push(`key '${key}' went to ${[...qs].join(' and ')}`);
    const shares = hashShares(c.bindings, exchange, (q) => t.got.get(q) ?? 0);
    parts.push(
      `${exchange}: ${t.messages} messages, ${t.queuesOfKey.size} keys, each to one queue: ${shares.map((s) => `${s.queue} ${describeShare(s)}`).join(', ')}`,
    );
  }
  if (judged === 0)
    return {
      ok: true,
      idle: true,
      detail: 'no lab message went through a consistent-hash exchange',
    };
  return wrong.length === 0
    ? { ok: true, detail: parts.join('; ') }
    : { ok: false, detail: wrong.join('; ') };
}
