import { type HeaderMatch, type HeaderSet, headersMatch } from './headers-match.js';

/** How an exchange of this type matches a routing key against a binding key. */
export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers' | 'x-consistent-hash';

/** The consistent-hash exchange (a plugin): one bound queue per message, chosen by key hash. */
export const HASH_EXCHANGE = 'x-consistent-hash';

/**
 * A binding's weight on a consistent-hash exchange: its key is the number of points it takes on
 * the hash ring (several keys add up).
 */
export function hashWeight(binding: Pick<BindingRule, 'keys'>): number {
  return binding.keys.reduce((sum, k) => sum + (Number.parseInt(k, 10) || 0), 0);
}

/** AMQP topic matching: words are dot-separated, `*` is exactly one word, `#` zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    const word = p[i];
    if (word === '#') {
      for (let skip = j; skip <= k.length; skip++) if (match(i + 1, skip)) return true;
      return false;
    }
    if (j === k.length) return false;
    return (word === '*' || word === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

/** What a producer publishes, as far as routing goes: keys and header sets, cycled by seq. */
export interface PublishShape {
  readonly routingKeys: readonly string[];
  readonly headers?: readonly HeaderSet[];
}

/** The headers of a producer's `seq`-th message (its header sets in turn; none without them). */
export function headersOf(p: PublishShape | undefined, seq: number): HeaderSet {
  const sets = p?.headers ?? [];
  return sets.length === 0 ? {} : (sets[(seq - 1) % sets.length] ?? {});
}

/** One full turn of a producer's keys and header sets together (bounded for long lists). */
export function publishCycle(p: PublishShape): { key: string; headers: HeaderSet }[] {
  const keys = Math.max(1, p.routingKeys.length);
  const sets = Math.max(1, p.headers?.length ?? 1);
  let length = keys;
  while (length % sets !== 0 && length < 1000) length += keys;
  return Array.from({ length }, (_, i) => ({
    key: p.routingKeys[i % keys] ?? '',
    headers: headersOf(p, i + 1),
  }));
}

/** A binding as matching sees it: its keys, and for a headers exchange its header arguments. */
export interface BindingRule {
  readonly keys: readonly string[];
  readonly match?: HeaderMatch;
  readonly headers?: HeaderSet;
}

/** Would a queue bound by `binding` get a message with `routingKey` (and these headers)? */
export function routes(
  type: ExchangeType,
  binding: BindingRule,
  routingKey: string,
  headers: HeaderSet = {},
): boolean {
  switch (type) {
    case 'fanout':
      return true;
    // Any one of its queues may get it (which one, the key's hash decides): it is judged by the
    // consistent-hash check, not by matching.
    case 'x-consistent-hash':
      return true;
    case 'headers':
      return headersMatch(binding.match ?? 'all', binding.headers ?? {}, headers);
    case 'direct':
      return binding.keys.includes(routingKey);
    case 'topic':
      return binding.keys.some((b) => topicMatches(b, routingKey));
  }
}

/** The exchanges and bindings a message can travel through, as far as the lab knows them. */
export interface RoutingNet {
  readonly exchangeType: (exchange: string) => ExchangeType;
  /** The exchange's `alternate-exchange`, where what none of its bindings takes goes. */
  readonly alternateOf?: (exchange: string) => string | undefined;
  readonly bindings: readonly (BindingRule & {
    readonly exchange: string;
    readonly queue: string;
  })[];
}

/**
 * The exchanges a message published to `exchange` is offered to, in turn: the exchange itself,
 * then, while no binding takes the message, its alternate exchange (an alternate's own alternate
 * too), with the bindings that took it at the last one.
 */
export function routePath(
  net: RoutingNet,
  exchange: string,
  key: string,
  headers: HeaderSet = {},
): { exchanges: string[]; queues: string[] } {
  const exchanges: string[] = [];
  for (let at: string | undefined = exchange; at !== undefined; at = net.alternateOf?.(at)) {
    if (exchanges.includes(at)) break;
    exchanges.push(at);
    const type = net.exchangeType(at);
    const queues = net.bindings
      .filter((b) => b.exchange === at && routes(type, b, key, headers))
      .map((b) => b.queue);
    if (queues.length > 0) return { exchanges, queues: [...new Set(queues)] };
  }
  return { exchanges, queues: [] };
}

/**
 * Would `binding` (on `binding.exchange`) get a message published to `from`: directly, or through
 * alternate exchanges because no binding before it took the message?
 */
export function reaches(
  net: RoutingNet,
  from: string,
  binding: BindingRule & { readonly exchange: string },
  key: string,
  headers: HeaderSet = {},
): boolean {
  if (from === binding.exchange || net.alternateOf === undefined)
    return from === binding.exchange && routes(net.exchangeType(from), binding, key, headers);
  const path = routePath(net, from, key, headers);
  return (
    path.exchanges.at(-1) === binding.exchange &&
    routes(net.exchangeType(binding.exchange), binding, key, headers)
  );
}

export interface TopicExplanation {
  readonly matches: boolean;
  /** How the words lined up (`kern = kern · * takes 'critical'`), or where it fails and why. */
  readonly why: string;
}

/**
 * Topic matching, explained: the word-by-word alignment that matches, or the reason the closest
 * attempt fails. `*` takes exactly one word, `#` zero or more.
 */
export function explainTopicMatch(pattern: string, key: string): TopicExplanation {
  const p = pattern.split('.');
  const k = key.split('.');
  let best: { at: number; reason: string } = { at: -1, reason: '' };
  const fail = (j: number, reason: string): undefined => {
    if (j > best.at) best = { at: j, reason };
    return undefined;
  };
  const walk = (i: number, j: number): string[] | undefined => {
    if (i === p.length) {
      if (j === k.length) return [];
      return fail(j, `the pattern ends, but the key goes on with '${k.slice(j).join('.')}'`);
    }
    const word = p[i] ?? '';
    if (word === '#') {
      for (let end = j; end <= k.length; end++) {
        const rest = walk(i + 1, end);
        if (rest) {
          const taken = k.slice(j, end).join('.');
          return [taken === '' ? '# takes nothing' : `# takes '${taken}'`, ...rest];
        }
      }
      return undefined;
    }
    if (j === k.length) return fail(j, `the key ends, but the pattern still wants '${word}'`);
    const got = k[j] ?? '';
    if (word === '*') {
      const rest = walk(i + 1, j + 1);
      return rest ? [`* takes '${got}'`, ...rest] : undefined;
    }
    if (word !== got) return fail(j, `'${word}' ≠ '${got}'`);
    const rest = walk(i + 1, j + 1);
    return rest ? [`${word} = ${got}`, ...rest] : undefined;
  };
  const steps = walk(0, 0);
  if (steps) return { matches: true, why: steps.join(' · ') || 'both empty' };
  return { matches: false, why: best.reason };
}
