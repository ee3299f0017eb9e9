/**
 * Per-queue message rates computed on the client from what the actors report: out/s is what the
 * queue's consumers receive, in/s what the producers publish that the exchange routes there
 * (producers cycle through their routing keys, so a key's share is its share of the cycle).
 */
import { hashShares } from './hash-split.js';
import type { HeaderSet } from './headers-match.js';
import {
  type BindingRule,
  HASH_EXCHANGE,
  type PublishShape,
  publishCycle,
  reaches,
  routePath,
} from './routing.js';
import { consumerQueue, isLive, type LabState, routingNet } from './store.js';

export interface QueueRates {
  readonly in: number;
  readonly out: number;
}

/** The share of a producer's messages a test takes, as it cycles through its keys and headers. */
function share(p: PublishShape, takes: (key: string, headers: HeaderSet) => boolean): number {
  const cycle = publishCycle(p);
  return cycle.filter((m) => takes(m.key, m.headers)).length / Math.max(1, cycle.length);
}

/**
 * Messages per second through one binding: what the live producers publish to the exchange with
 * a routing key the binding's keys match (the default exchange binds every queue by its name).
 */
export function bindingRate(
  state: LabState,
  exchange: string,
  binding: BindingRule & { readonly queue?: string },
): number {
  const net = routingNet(state);
  const weight =
    net.exchangeType(exchange) === HASH_EXCHANGE
      ? (hashShares(net.bindings, exchange, () => 0).find((s) => s.queue === binding.queue)
          ?.expected ?? 0)
      : 1;
  let rate = 0;
  for (const a of state.actors) {
    if (a.config.kind !== 'producer' || !isLive(a)) continue;
    const from = a.config.exchange;
    if (from === '' && exchange !== '') continue;
    rate +=
      a.rate *
      share(a.config, (k, h) =>
        from === '' ? binding.keys.includes(k) : reaches(net, from, { ...binding, exchange }, k, h),
      );
  }
  return rate * weight;
}

export function queueRates(state: LabState): Map<string, QueueRates> {
  const rates = new Map<string, { in: number; out: number }>();
  const entry = (queue: string) => {
    let r = rates.get(queue);
    if (!r) {
      r = { in: 0, out: 0 };
      rates.set(queue, r);
    }
    return r;
  };
  const net = routingNet(state);
  for (const a of state.actors) {
    if (!isLive(a)) continue;
    if (a.config.kind === 'consumer') {
      const queue = consumerQueue(a);
      if (queue) entry(queue).out += a.rate;
      continue;
    }
    const { exchange, routingKeys } = a.config;
    if (exchange === '') {
      for (const queue of new Set(routingKeys))
        entry(queue).in += a.rate * share(a.config, (k) => k === queue);
      continue;
    }
    if (net.exchangeType(exchange) === HASH_EXCHANGE) {
      // One queue per message, by the key's hash: each gets about its weight's share.
      for (const s of hashShares(net.bindings, exchange, () => 0))
        entry(s.queue).in += a.rate * s.expected;
      continue;
    }
    const queues = new Set(net.bindings.map((b) => b.queue));
    for (const queue of queues) {
      const rate = share(a.config, (k, h) => routePath(net, exchange, k, h).queues.includes(queue));
      if (rate > 0) entry(queue).in += a.rate * rate;
    }
  }
  return rates;
}
