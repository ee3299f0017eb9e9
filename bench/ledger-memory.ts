/**
 * The ledger's memory per million deliveries, for `npm run bench` (run in a process of its own,
 * with --expose-gc, so the heap it measures is the ledger's). Competing consumers take turns
 * message by message, the split that once cost one range per message; prints one JSON line.
 */
import { SeqRunBuilder } from '../source/actors/seq-runs.js';
import { Ledger } from '../source/lab/ledger.js';

const deliveries = Number(process.env.LEDGER_DELIVERIES ?? 1_000_000);
const batch = 1000;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc');
  collect();
  collect();
}

/** Heap and typed-array memory in use, after a full collection. */
function used(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function fill(consumers: number): { mb: number; setsMb: number } {
  const before = used();
  const ledger = new Ledger();
  const start = Date.now();
  for (let first = 1; first <= deliveries; first += batch) {
    const last = Math.min(deliveries, first + batch - 1);
    ledger.recordPublished('P1', last, [first, last, start + first, start + last]);
    ledger.recordConfirmed([['P1', first, last]], true);
    const runs = Array.from({ length: consumers }, () => new SeqRunBuilder());
    for (let seq = first; seq <= last; seq++) runs[seq % consumers]?.add('P1', seq);
    runs.forEach((builder, i) => {
      const taken = builder.take();
      ledger.recordReceived(`C${i + 1}`, 'work', taken, false);
      ledger.recordHandled(`C${i + 1}`, 'work', taken);
    });
  }
  const mb = (used() - before) / 1e6;
  const setsMb = ledger.bytes / 1e6;
  // Keep the ledger alive until it was measured.
  if (ledger.deliveries !== deliveries) throw new Error('deliveries miscounted');
  return { mb, setsMb };
}

const splits = [1, 2, 16];
const out = splits.map((consumers) => ({ consumers, ...fill(consumers) }));
process.stdout.write(`${JSON.stringify({ deliveries, splits: out })}\n`);
