/**
 * 7. The ledger's memory per million deliveries: bench/ledger-memory.ts in its own process, so
 * the heap is its own.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { root } from './lib/cli.js';
import type { BenchContext } from './lib/context.js';
import { figure } from './lib/figures.js';
import { log } from './lib/util.js';

/** Section ledger: one figure per split of the deliveries over consumers. */
export function ledgerSection(ctx: BenchContext): void {
  log('ledger: 1,000,000 deliveries split over 1, 2 and 16 consumers…');
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(root, 'bench', 'ledger-memory.ts')],
    { encoding: 'utf8', cwd: root },
  );
  const parsed = JSON.parse(run.stdout || '{}') as {
    splits?: { consumers: number; mb: number; setsMb: number }[];
  };
  ctx.results.ledger = parsed;
  for (const split of parsed.splits ?? []) {
    figure({
      id: `ledgerMb${split.consumers}`,
      label: `7. ledger memory per 1M deliveries over ${split.consumers} consumer${split.consumers === 1 ? '' : 's'} in turn`,
      value: split.mb,
      unit: 'MB',
      goal: '≤ 20',
      met: split.mb <= 20,
      note: `sets ${split.setsMb.toFixed(1)} MB of it`,
    });
  }
  if (!parsed.splits) log(`ledger: no figures (${run.stderr.trim().split('\n').at(-1) ?? ''})`);
}
