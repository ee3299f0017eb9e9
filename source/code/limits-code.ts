/**
 * A producer's message priority and TTL in a generated program: a fixed value goes into the
 * publish options once; a cycle of priorities is picked per message, like the routing keys.
 */
import type { ProducerConfig } from '../actors/protocol.js';

type Limits = Pick<ProducerConfig, 'priorities' | 'ttlMs'>;

export interface LimitLines {
  /** Comment paragraphs on what the properties do. */
  readonly notes: readonly string[];
  /** Lines before the loop (the cycle of priorities). */
  readonly top: readonly string[];
  /** Options or properties set once: [name, literal]. */
  readonly fixed: readonly (readonly [string, string])[];
  /** The line in the loop that picks this message's priority, if it changes per message. */
  readonly perMessage?: string;
}

function notes(p: Limits): string[] {
  return [
    p.priorities === undefined
      ? ''
      : 'priority: a queue declared with x-max-priority delivers the highest priority waiting first (above its maximum counts as the maximum); any other queue ignores it.',
    p.ttlMs === undefined
      ? ''
      : `expiration: a string of milliseconds; a message still in a queue ${p.ttlMs} ms after it got there expires, dropped or dead-lettered (a classic queue removes it once it reaches the head).`,
  ].filter(Boolean);
}

function lines(
  p: Limits,
  names: { cycle: string; priority: string; expiration: string },
  pick: string,
  quote: (s: string) => string,
): LimitLines {
  const fixed: [string, string][] = [];
  const cycle = p.priorities ?? [];
  const single = cycle.length > 0 && cycle.every((x) => x === cycle[0]);
  if (single) fixed.push([names.priority, String(cycle[0])]);
  if (p.ttlMs !== undefined) fixed.push([names.expiration, quote(String(p.ttlMs))]);
  return {
    notes: notes(p),
    top: cycle.length > 0 && !single ? [`${names.cycle} = [${cycle.join(', ')}]`] : [],
    fixed,
    ...(cycle.length > 0 && !single ? { perMessage: pick } : {}),
  };
}

export function tsLimits(p: Limits, quote: (s: string) => string): LimitLines {
  const out = lines(
    p,
    { cycle: 'const priorities', priority: 'priority', expiration: 'expiration' },
    'options.priority = priorities[(seq - 1) % priorities.length];',
    quote,
  );
  // A cycle: the options start with the first priority, and each message sets its own.
  const fixed = out.perMessage ? [['priority', 'priorities[0]'] as const, ...out.fixed] : out.fixed;
  return { ...out, fixed, top: out.top.map((line) => `${line};`) };
}

export function pyLimits(p: Limits, quote: (s: string) => string): LimitLines {
  return lines(
    p,
    { cycle: 'priorities', priority: 'priority', expiration: 'expiration' },
    'properties.priority = priorities[(seq - 1) % len(priorities)]',
    quote,
  );
}
