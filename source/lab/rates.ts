/**
 * Per-queue message rates computed on the client from what the actors report: out/s is what the
 * queue's consumers receive, in/s what the producers publish that the exchange routes there
 * (producers cycle through their routing keys, so a key's share is its share of the cycle).
 */
import { routes } from './routing.js';
import { consumerQueue, exchangeTypeOf, isLive, type LabState, labBindings } from './store.js';

export interface QueueRates {
  readonly in: number;
  readonly out: number;
}

/** The share of a producer's messages whose routing key matches, as it cycles through its keys. */
function share(routingKeys: readonly string[], matches: (key: string) => boolean): number {
  return routingKeys.filter(matches).length / Math.max(1, routingKeys.length);
}

/**
 * Messages per second through one binding: what the live producers publish to the exchange with
 * a routing key the binding's keys match (the default exchange binds every queue by its name).
 */
export function bindingRate(state: LabState, exchange: string, keys: readonly string[]): number {
  const type = exchangeTypeOf(state, exchange);
  let rate = 0;
  for (const a of state.actors) {
    if (a.config.kind !== 'producer' || !isLive(a) || a.config.exchange !== exchange) continue;
    rate += a.rate * share(a.config.routingKeys, (k) => routes(type, keys, k));
  }
  return rate;
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
  const type = (exchange: string) => exchangeTypeOf(state, exchange);
  const bindings = labBindings(state);
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
        entry(queue).in += a.rate * share(routingKeys, (k) => k === queue);
      continue;
    }
    for (const b of bindings.filter((b) => b.exchange === exchange)) {
      entry(b.queue).in += a.rate * share(routingKeys, (k) => routes(type(exchange), b.keys, k));
    }
  }
  return rates;
}
