/** What the figures were measured on: the machine and the commit dist/ was built from. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { root } from './cli.js';
import { round } from './stats.js';

export function machine() {
  let cpuModel = 'unknown';
  try {
    cpuModel =
      /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ??
      'unknown';
  } catch {
    // Not Linux.
  }
  return {
    cpuModel,
    cores: os.cpus().length,
    ramGb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

export type Machine = ReturnType<typeof machine>;

/** The commit dist/ was built from, and how many files under source/ differed from it. */
export function sourceVersion(): { commit: string; modifiedSourceFiles: number } {
  const git = (args: string[]) =>
    spawnSync('git', args, { cwd: root, encoding: 'utf8', timeout: 5000 }).stdout?.trim() ?? '';
  return {
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    modifiedSourceFiles: git(['status', '--porcelain', '--', 'source']).split('\n').filter(Boolean)
      .length,
  };
}
