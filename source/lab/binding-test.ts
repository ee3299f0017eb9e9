/**
 * The binding tester: for a routing key, which of the lab's bindings would take a message, and
 * why (topic patterns explained word by word). Pure, for the screen's `m` key.
 */
import { type ExchangeType, explainTopicMatch } from './routing.js';
import { exchangeTypeOf, isLive, type LabState, labBindings } from './store.js';

export interface BindingVerdict {
  readonly exchange: string;
  readonly type: ExchangeType;
  readonly queue: string;
  /** The lab consumers on that queue. */
  readonly consumers: readonly string[];
  readonly keys: readonly string[];
  readonly matches: boolean;
  readonly why: string;
}

function verdict(type: ExchangeType, keys: readonly string[], key: string) {
  if (type === 'fanout' || type === 'headers') {
    return { matches: true, why: `a ${type} exchange ignores the routing key` };
  }
  if (type === 'direct') {
    const hit = keys.includes(key);
    return {
      matches: hit,
      why: hit
        ? `'${key}' = '${key}'`
        : keys.map((k) => `'${k}' ≠ '${key}'`).join(', ') || 'no binding key',
    };
  }
  const explained = keys.map((k) => ({ k, ...explainTopicMatch(k, key) }));
  const hit = explained.find((e) => e.matches);
  if (hit) return { matches: true, why: `${hit.k}: ${hit.why}` };
  return { matches: false, why: explained.map((e) => `${e.k}: ${e.why}`).join('; ') };
}

/** Every binding of the scenario's exchanges (or of one exchange), judged for this key. */
export function testRoutingKey(state: LabState, key: string, exchange?: string): BindingVerdict[] {
  const bindings = labBindings(state).filter(
    (b) => exchange === undefined || b.exchange === exchange,
  );
  return bindings.map((b) => {
    const type = exchangeTypeOf(state, b.exchange);
    const consumers = state.actors
      .filter((a) => a.config.kind === 'consumer' && isLive(a) && a.queue === b.queue)
      .map((a) => a.id);
    return {
      exchange: b.exchange,
      type,
      queue: b.queue,
      consumers,
      keys: b.keys,
      ...verdict(type, b.keys, key),
    };
  });
}
