/**
 * The binding tester: for a routing key (or, for a headers exchange, headers typed as
 * `name=value` words), which of the lab's bindings would take a message, and why: topic patterns
 * explained word by word, header arguments header by header, and an alternate exchange's bindings
 * by whether its exchange routes the message at all. Pure, for the screen's `m` key.
 */
import {
  explainHeadersMatch,
  formatHeaders,
  type HeaderSet,
  parseHeaderQuery,
} from './headers-match.js';
import {
  type BindingRule,
  type ExchangeType,
  explainTopicMatch,
  HASH_EXCHANGE,
  hashWeight,
  routePath,
} from './routing.js';
import { exchangeTypeOf, isLive, type LabState, labBindings, routingNet } from './store.js';

export interface BindingVerdict {
  readonly exchange: string;
  readonly type: ExchangeType;
  readonly queue: string;
  /** The lab consumers on that queue. */
  readonly consumers: readonly string[];
  readonly keys: readonly string[];
  /** The binding as the tester shows it: `logs[kern.*]`, `docs[all format=pdf]`, `logs`. */
  readonly label: string;
  readonly matches: boolean;
  readonly why: string;
}

function verdict(type: ExchangeType, binding: BindingRule, query: string) {
  const { keys } = binding;
  if (type === 'fanout') return { matches: true, why: 'a fanout exchange ignores the routing key' };
  if (type === HASH_EXCHANGE) {
    return {
      matches: true,
      why: `one of the exchange's queues gets it, picked by the hash of '${query}' (the same key always the same queue); this binding holds ${hashWeight(binding)} point(s) of the ring`,
    };
  }
  if (type === 'headers') {
    const parsed = parseHeaderQuery(query);
    if ('error' in parsed) return { matches: false, why: parsed.error };
    return explainHeadersMatch(binding.match ?? 'all', binding.headers ?? {}, parsed.headers);
  }
  if (type === 'direct') {
    const hit = keys.includes(query);
    return {
      matches: hit,
      why: hit
        ? `'${query}' = '${query}'`
        : keys.map((k) => `'${k}' ≠ '${query}'`).join(', ') || 'no binding key',
    };
  }
  const explained = keys.map((k) => ({ k, ...explainTopicMatch(k, query) }));
  const hit = explained.find((e) => e.matches);
  if (hit) return { matches: true, why: `${hit.k}: ${hit.why}` };
  return { matches: false, why: explained.map((e) => `${e.k}: ${e.why}`).join('; ') };
}

/** The headers a query names, for exchanges that route by key ({} when it is not headers). */
function queryHeaders(query: string): HeaderSet {
  const parsed = parseHeaderQuery(query);
  return 'error' in parsed ? {} : parsed.headers;
}

/**
 * A binding on an alternate exchange gets what its exchange's own bindings leave: judged by
 * whether any of those takes the message first.
 */
function viaAlternate(state: LabState, exchange: string, query: string) {
  const sources = (state.scenario.exchanges ?? []).filter((x) => x.alternate === exchange);
  if (sources.length === 0) return undefined;
  const net = routingNet(state);
  const parts = sources.map((x) => {
    const path = routePath(net, x.name, query, queryHeaders(query));
    const unrouted = path.exchanges.includes(exchange);
    return {
      unrouted,
      why: unrouted
        ? `no binding of ${x.name} takes '${query}', so its alternate exchange ${exchange} gets it`
        : `${x.name} routes '${query}' to ${path.queues.join(', ') || 'nowhere'}; its alternate exchange gets nothing`,
    };
  });
  return { unrouted: parts.some((p) => p.unrouted), why: parts.map((p) => p.why).join('; ') };
}

function labelOf(type: ExchangeType, exchange: string, b: BindingRule): string {
  if (type === 'fanout') return exchange;
  if (type === 'headers')
    return `${exchange}[${b.match ?? 'all'} ${formatHeaders(b.headers ?? {})}]`;
  if (type === HASH_EXCHANGE) return `${exchange}[weight ${hashWeight(b)}]`;
  return `${exchange}[${b.keys.join(' ')}]`;
}

/** Does the lab have a headers exchange (so the tester takes headers as well as keys)? */
export function testsHeaders(state: LabState): boolean {
  return (state.scenario.exchanges ?? []).some((x) => x.type === 'headers');
}

/** Every binding of the scenario's exchanges (or of one exchange), judged for this key or headers. */
export function testRoutingKey(state: LabState, key: string, exchange?: string): BindingVerdict[] {
  const bindings = labBindings(state).filter(
    (b) => exchange === undefined || b.exchange === exchange,
  );
  return bindings.map((b) => {
    const type = exchangeTypeOf(state, b.exchange);
    const consumers = state.actors
      .filter((a) => a.config.kind === 'consumer' && isLive(a) && a.queue === b.queue)
      .map((a) => a.id);
    const own = verdict(type, b, key);
    const alternate = viaAlternate(state, b.exchange, key);
    const judged =
      alternate === undefined
        ? own
        : {
            matches: own.matches && alternate.unrouted,
            why: own.matches ? alternate.why : own.why,
          };
    return {
      exchange: b.exchange,
      type,
      queue: b.queue,
      consumers,
      keys: b.keys,
      label: labelOf(type, b.exchange, b),
      ...judged,
    };
  });
}
