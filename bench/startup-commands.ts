/**
 * Part of section 5: the short commands (`--help`, `--version`, `list`, `match`, `validate`,
 * `new`, `code`) against a bare yargs program printing its `--help` (bench/bare-yargs.mjs), each
 * timed from spawn to exit. The runs go round-robin (one of each, then again) so that a busy
 * moment on a shared machine weighs on every command alike; the first round only warms the file
 * cache and is not counted. Goal: each command ≤ 1.3 × the bare program (medians).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from './lib/children.js';
import { cliEnvironment, cliPath, root } from './lib/cli.js';
import { figure } from './lib/figures.js';
import { median, quantile } from './lib/stats.js';

/** The goal: every short command within this many times the bare yargs program's --help. */
export const commandGoal = 1.3;

interface Case {
  readonly id: string;
  readonly label: string;
  /** The arguments after `node`; run `i` (0 = warm-up) may need its own, e.g. a new file name. */
  readonly args: (run: number) => string[];
  readonly cwd?: string;
}

function cases(newDir: string): Case[] {
  const cli =
    (...args: string[]) =>
    () => [cliPath, ...args];
  return [
    {
      id: 'bare',
      label: 'bare yargs --help',
      args: () => [path.join(root, 'bench', 'bare-yargs.mjs'), '--help'],
    },
    { id: 'help', label: '--help', args: cli('--help') },
    { id: 'version', label: '--version', args: cli('--version') },
    { id: 'list', label: 'list', args: cli('list') },
    {
      id: 'match',
      label: "match 'kern.*' …",
      args: cli('match', 'kern.*', 'kern.critical', 'cron.info'),
    },
    {
      id: 'validate',
      label: 'validate work-queue.yaml',
      args: cli('validate', path.join(root, 'scenarios', 'work-queue.yaml')),
    },
    {
      id: 'new',
      label: 'new <name>',
      args: (run) => [cliPath, 'new', `bench-${run}`],
      cwd: newDir,
    },
    { id: 'code', label: 'code work-queue', args: cli('code', 'work-queue') },
  ];
}

/** Wall time of one run, in ms; throws when it fails (match exits 1: one key does not match). */
function timeOnce(c: Case, run: number): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, c.args(run), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cliEnvironment(),
    cwd: c.cwd ?? root,
    timeout: 10_000,
  });
  const elapsed = performance.now() - started;
  const ok = result.status === 0 || (c.id === 'match' && result.status === 1);
  if (!ok) throw new Error(`${c.label} exited with ${result.status}: ${result.stderr}`);
  return elapsed;
}

/** Every case's wall times, `runs` rounds after one warm-up round. */
export function commandWallTimes(runs: number): Record<string, number[]> {
  const all = cases(tempDir('rabbit-lab-bench-new-'));
  const times: Record<string, number[]> = Object.fromEntries(all.map((c) => [c.id, []]));
  for (let run = 0; run <= runs; run++) {
    for (const c of all) {
      const ms = timeOnce(c, run);
      if (run > 0) times[c.id]?.push(ms);
    }
  }
  return times;
}

const spread = (values: readonly number[]) =>
  `${quantile(values, 0).toFixed(0)}–${quantile(values, 1).toFixed(0)} ms`;

/** One row for the bare program, then one per command: its median ÷ the bare program's. */
export function commandFigures(times: Record<string, number[]>): void {
  const bare = times.bare ?? [];
  const bareMedian = median(bare);
  figure({
    id: 'bareYargsHelpMs',
    label: `   bare yargs program --help, median of ${bare.length}`,
    value: bareMedian,
    unit: 'ms',
    note: `bench/bare-yargs.mjs; ${spread(bare)}`,
  });
  for (const c of cases('')) {
    if (c.id === 'bare') continue;
    const samples = times[c.id] ?? [];
    const ratio = median(samples) / bareMedian;
    figure({
      id: `${c.id}ToBareYargs`,
      label: `   rabbit-lab ${c.label} / bare yargs`,
      value: ratio,
      unit: '×',
      digits: 2,
      goal: `≤ ${commandGoal}`,
      met: ratio <= commandGoal,
      note: `median ${median(samples).toFixed(0)} ms; ${spread(samples)}`,
    });
  }
}
