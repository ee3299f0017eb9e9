/**
 * Receipts in the record, merged. A consumer sends one each turn of its event loop (so its acks
 * wait for little); at rate max that is a thousand a second. The record holds them per actor and
 * writes them, one line per actor, before the next line that is not a producer's batch: nothing
 * but a producer's batch can come between them and the moment the session fed them (no state
 * change, no other consumer's delivery), so a replay feeds the ledger the same facts in the same
 * order against the same state, in a fraction of the lines.
 */
import { LatencyHistogram } from '../actors/latency.js';
import type { ConsumerRuns, SeqRun } from '../actors/protocol.js';
import { SeqRunBuilder } from '../actors/seq-runs.js';
import type { RecordLine } from './format.js';

type RunField = Exclude<
  keyof ConsumerRuns,
  'keys' | 'stream' | 'waits' | 'deaths' | 'latency' | 'perSecond'
>;
const fields: readonly RunField[] = [
  'runs',
  'redeliveredRuns',
  'droppedRuns',
  'retriedRuns',
  'handledRuns',
  'requeuedRuns',
  'parkedRuns',
];

interface Pending {
  at: number;
  readonly runs: Map<RunField, SeqRunBuilder>;
  readonly keys: Map<string, number>;
  readonly waits: Map<number, [count: number, ms: number]>;
  readonly deaths: Map<string, { queue: string; reason: string; runs: SeqRunBuilder }>;
  readonly latency: LatencyHistogram;
  readonly perSecond: Map<number, number>;
}

function add(builder: SeqRunBuilder, runs: readonly SeqRun[]): void {
  for (const [producer, first, last] of runs) builder.addRange(producer, first, last);
}

/** Latency, waits by priority and dead-letterings, merged like the runs. */
function holdLimits(p: Pending, receipts: ConsumerRuns): void {
  if (receipts.latency) p.latency.merge(receipts.latency);
  for (const [second, n] of receipts.perSecond ?? [])
    p.perSecond.set(second, (p.perSecond.get(second) ?? 0) + n);
  for (const [priority, n, ms] of receipts.waits ?? []) {
    const w = p.waits.get(priority) ?? [0, 0];
    p.waits.set(priority, [w[0] + n, w[1] + ms]);
  }
  for (const [queue, reason, runs] of receipts.deaths ?? []) {
    const key = `${queue}\u0000${reason}`;
    const entry = p.deaths.get(key) ?? { queue, reason, runs: new SeqRunBuilder() };
    p.deaths.set(key, entry);
    add(entry.runs, runs);
  }
}

/** The held latency, waits and dead-letterings, as a receipt's fields. */
function takeLimits(p: Pending): Pick<ConsumerRuns, 'waits' | 'deaths' | 'latency' | 'perSecond'> {
  const latency = p.latency.count > 0 ? { latency: p.latency.take() } : {};
  const perSecond = p.perSecond.size > 0 ? { perSecond: [...p.perSecond] } : {};
  p.perSecond.clear();
  const waits = [...p.waits].map(([priority, [n, ms]]) => [priority, n, ms] as const);
  const deaths = [...p.deaths.values()].map((d) => [d.queue, d.reason, d.runs.take()] as const);
  return {
    ...latency,
    ...perSecond,
    ...(waits.length > 0 ? { waits } : {}),
    ...(deaths.length > 0 ? { deaths } : {}),
  };
}

export class ReceiptLines {
  private readonly pending = new Map<string, Pending>();

  /** Hold a consumer's receipts for the record. */
  hold(id: string, receipts: ConsumerRuns, at: number): void {
    let p = this.pending.get(id);
    if (!p) {
      p = {
        at,
        runs: new Map(),
        keys: new Map(),
        waits: new Map(),
        deaths: new Map(),
        latency: new LatencyHistogram(),
        perSecond: new Map(),
      };
      this.pending.set(id, p);
    }
    p.at = at;
    for (const field of fields) {
      const runs = receipts[field];
      if (!runs || runs.length === 0) continue;
      let builder = p.runs.get(field);
      if (!builder) {
        builder = new SeqRunBuilder();
        p.runs.set(field, builder);
      }
      add(builder, runs);
    }
    for (const [key, n] of receipts.keys) p.keys.set(key, (p.keys.get(key) ?? 0) + n);
    holdLimits(p, receipts);
  }

  /** The held receipts as record lines, one per actor. */
  take(): RecordLine[] {
    const out: RecordLine[] = [];
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      const take = (field: RunField) => p.runs.get(field)?.take() ?? [];
      const optional = (field: RunField) => {
        const runs = take(field);
        return runs.length > 0 ? { [field]: runs } : {};
      };
      out.push({
        type: 'event',
        at: p.at,
        event: {
          type: 'actor',
          id,
          at: p.at,
          message: {
            type: 'receipts',
            runs: take('runs'),
            redeliveredRuns: take('redeliveredRuns'),
            droppedRuns: take('droppedRuns'),
            ...optional('retriedRuns'),
            ...optional('handledRuns'),
            ...optional('requeuedRuns'),
            ...optional('parkedRuns'),
            keys: [...p.keys],
            ...takeLimits(p),
          },
        },
      });
    }
    return out;
  }
}
