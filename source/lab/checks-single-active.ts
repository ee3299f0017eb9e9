/**
 * `single-active`: on a queue with a single active consumer, one consumer at a time received, in
 * queue order. Per producer, each consumer's first deliveries (redeliveries apart: what the one
 * before held comes again) must all come after the previous consumer's: C1 took P1-1…P1-120,
 * then C2 from P1-121 on. Interleaved ranges mean two consumers received at once.
 */
import { isSingleActiveQueue } from '../scenario/schema.js';
import { plural } from './accounting.js';
import type { CheckContext, Finding } from './check-facts.js';
import type { FirstRange } from './single-active.js';

const span = (r: FirstRange) =>
  `${r.consumer} ${r.producer}-${r.min}${r.max > r.min ? `…${r.producer}-${r.max}` : ''}`;

/** Two consumers whose first deliveries from one producer interleave, if any. */
function overlapIn(ranges: readonly FirstRange[]): [FirstRange, FirstRange] | undefined {
  const byProducer = new Map<string, FirstRange[]>();
  for (const r of ranges) byProducer.set(r.producer, [...(byProducer.get(r.producer) ?? []), r]);
  for (const list of byProducer.values()) {
    const sorted = [...list].sort((a, b) => a.min - b.min);
    for (let i = 1; i < sorted.length; i++) {
      const before = sorted[i - 1];
      const after = sorted[i];
      if (before && after && after.min < before.max) return [before, after];
    }
  }
  return undefined;
}

export function singleActive(c: CheckContext): Finding {
  const queues = c.queueSpecs.filter((q) => isSingleActiveQueue(q)).map((q) => q.name);
  if (queues.length === 0) {
    return { ok: true, idle: true, detail: 'no queue with x-single-active-consumer' };
  }
  const judged = queues
    .map((queue) => ({ queue, ranges: c.ledger.firsts.of(queue) }))
    .filter((q) => q.ranges.length > 0);
  if (judged.length === 0) {
    return { ok: true, idle: true, detail: `no lab consumer received from ${queues.join(', ')}` };
  }
  const parts: string[] = [];
  for (const { queue, ranges } of judged) {
    const overlap = overlapIn(ranges);
    if (overlap) {
      const [a, b] = overlap;
      return {
        ok: false,
        detail: `${a.consumer} and ${b.consumer} received from ${queue} at the same time: ${span(a)} (${a.count}) and ${span(b)} (${b.count}) interleave`,
      };
    }
    const consumers = new Set(ranges.map((r) => r.consumer)).size;
    const turns = [...ranges].sort((a, b) => a.min - b.min).map((r) => `${span(r)} (${r.count})`);
    parts.push(
      `${queue}: one consumer at a time (${plural(consumers, 'consumer')}): ${turns.join(', then ')}`,
    );
  }
  return { ok: true, detail: parts.join('; ') };
}
