/**
 * Streams: a stream is read, not consumed, so every consumer on it gets every message from where
 * it started. `stream-complete` checks that, per consumer and producer, by id: from the first
 * message it received (its start offset) to the last one promised (or, for a consumer that left
 * early, the last it received), nothing is missing. Order is the `ordering` check's.
 */
import { plural } from './accounting.js';
import type { CheckContext, Finding } from './check-facts.js';

const isStream = (c: CheckContext, queue: string | undefined) =>
  queue !== undefined &&
  c.queueSpecs.some((q) => q.name === queue && q.arguments['x-queue-type'] === 'stream');

/** The highest sequence number of `producer` the broker took responsibility for. */
function lastPromised(c: CheckContext, producer: string): number {
  const last = c.ledger.producers.get(producer)?.lastSeq ?? 0;
  for (let seq = last; seq > 0; seq--) if (c.ledger.promised(producer, seq)) return seq;
  return 0;
}

interface Reading {
  readonly consumer: string;
  readonly producer: string;
  readonly from: number;
  readonly to: number;
  readonly got: number;
  readonly missing: readonly number[];
  readonly missingCount: number;
}

function readingsOf(c: CheckContext): Reading[] {
  const out: Reading[] = [];
  for (const consumer of c.consumers.filter((con) => isStream(c, con.queue))) {
    for (const [producer, set] of c.ledger.byConsumer.get(consumer.id) ?? []) {
      let from = 0;
      for (let seq = 1; seq <= set.max && from === 0; seq++) if (set.has(seq)) from = seq;
      if (from === 0) continue;
      const to = consumer.alive ? Math.max(set.max, lastPromised(c, producer)) : set.max;
      const missing: number[] = [];
      let missingCount = 0;
      let got = 0;
      for (let seq = from; seq <= to; seq++) {
        if (set.has(seq)) got++;
        else if (c.ledger.promised(producer, seq)) {
          missingCount++;
          if (missing.length < 3) missing.push(seq);
        }
      }
      out.push({ consumer: consumer.id, producer, from, to, got, missing, missingCount });
    }
  }
  return out;
}

export function streamComplete(c: CheckContext): Finding {
  const readings = readingsOf(c);
  if (readings.length === 0) {
    return { ok: true, idle: true, detail: 'no consumer read a lab message from a stream' };
  }
  const span = (r: Reading) => `${r.producer}-${r.from}…${r.producer}-${r.to}`;
  const short = readings.filter((r) => r.missingCount > 0);
  const summary = readings.map((r) => `${r.consumer} ${span(r)} (${r.got})`).join(', ');
  if (short.length === 0) {
    return {
      ok: true,
      detail: `every stream consumer got every message from where it started: ${summary}`,
    };
  }
  return {
    ok: false,
    detail: short
      .map(
        (r) =>
          `${r.consumer} is missing ${plural(r.missingCount, 'message')} of ${span(r)} (e.g. ${r.missing.map((s) => `${r.producer}-${s}`).join(', ')})`,
      )
      .join('; '),
  };
}
