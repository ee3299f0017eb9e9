/**
 * A consistent-hash exchange's split: each bound queue's share of the hash ring (its weight over
 * all weights) against its share of what the queues got. Pure: the topology pane feeds it what
 * each queue's consumers received, the consistent-hash check what the ledger has by id.
 */
import { type BindingRule, hashWeight } from './routing.js';

export interface HashShare {
  readonly queue: string;
  readonly weight: number;
  /** Its weight over all weights: the share of routing keys it should get. */
  readonly expected: number;
  readonly got: number;
  /** Its part of what all the exchange's queues got (0 while nothing arrived). */
  readonly share: number;
}

type Bound = BindingRule & { readonly exchange: string; readonly queue: string };

export function hashShares(
  bindings: readonly Bound[],
  exchange: string,
  received: (queue: string) => number,
): HashShare[] {
  const weights = new Map<string, number>();
  for (const b of bindings.filter((b) => b.exchange === exchange)) {
    weights.set(b.queue, (weights.get(b.queue) ?? 0) + hashWeight(b));
  }
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const got = new Map([...weights.keys()].map((q) => [q, received(q)]));
  const all = [...got.values()].reduce((a, b) => a + b, 0);
  return [...weights].map(([queue, weight]) => ({
    queue,
    weight,
    expected: total > 0 ? weight / total : 0,
    got: got.get(queue) ?? 0,
    share: all > 0 ? (got.get(queue) ?? 0) / all : 0,
  }));
}

export const percent = (x: number) => `${Math.round(x * 100)}%`;

/** `weight 2 (50%) got 47%`: a queue's place on the ring against what it received. */
export function describeShare(s: HashShare): string {
  return `weight ${s.weight} (${percent(s.expected)})${s.got > 0 ? ` got ${percent(s.share)}` : ''}`;
}
