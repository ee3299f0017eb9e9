/** The end of a bench run: the table and the profile summaries on stdout, and bench/results.json. */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from './cli.js';
import type { BenchContext } from './context.js';
import { figures, printTable, ratioOf } from './figures.js';
import type { Machine } from './machine.js';
import { clockTicks } from './proc.js';
import { round } from './stats.js';
import { benchStarted, isRecord, log } from './util.js';

export const resultsFile = path.join(root, 'bench', 'results.json');

/** What a run reports besides its figures. */
export interface RunInfo {
  readonly machine: Machine;
  readonly source: { commit: string; modifiedSourceFiles: number };
  readonly firstBootMs: number;
}

/** The heading line and the table. */
export function printFigures(ctx: BenchContext, info: RunInfo): void {
  const { machine, source } = info;
  const table = printTable();
  process.stdout.write(
    `\nrabbit-lab bench · ${source.commit}${source.modifiedSourceFiles ? ` + ${source.modifiedSourceFiles} modified source files` : ''} · RabbitMQ ${ctx.node.version} · ${machine.cores} × ${machine.cpuModel}, ${machine.ramGb} GB · ${new Date().toISOString()}${ctx.settings.quick ? ' · quick' : ''}\n\n${table}\n`,
  );
}

/** The top functions and packages of each CPU profile, when the profile section ran. */
export function printProfiles(profiles: unknown): void {
  if (!isRecord(profiles)) return;
  for (const [name, summary] of Object.entries(profiles)) {
    if (!isRecord(summary) || !Array.isArray(summary.functions)) continue;
    process.stdout.write(
      `\nprofile ${name}: ${summary.cpuPct} % of a core over ${summary.wallS} s (start-up left out) · ${path.basename(String(summary.file))}\n`,
    );
    for (const f of summary.functions.slice(0, 10).filter(isRecord)) {
      process.stdout.write(`  ${String(f.pctOfBusy).padStart(5)} %  ${String(f.name)}\n`);
    }
    if (Array.isArray(summary.packages)) {
      const packages = summary.packages.filter(isRecord).slice(0, 8);
      process.stdout.write(
        `  by package: ${packages.map((p) => `${String(p.name)} ${String(p.pctOfBusy)} %`).join(', ')}\n`,
      );
    }
  }
  process.stdout.write(`\nprofiles kept in ${String(profiles.dir)}\n`);
}

/** bench/results.json: the settings, the machine, every figure, the ratios and every sample. */
export function writeResults(ctx: BenchContext, info: RunInfo): void {
  const document = {
    date: new Date().toISOString(),
    settings: { ...ctx.settings, clockTicks },
    source: info.source,
    machine: { ...info.machine, loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)) },
    broker: { version: ctx.node.version, bootMs: round(info.firstBootMs) },
    figures: figures.map((f) => ({
      id: f.id,
      label: f.label.trim(),
      value: Number.isFinite(f.value) ? round(f.value, f.digits ?? 1) : null,
      unit: f.unit,
      goal: f.goal ?? null,
      met: f.met ?? null,
      ...(f.note ? { note: f.note } : {}),
    })),
    ratios: {
      headlessToBaseline: ratioOf('headlessMsgPerS', 'baseline'),
      headlessWhilePublishingToBaseline: ratioOf('headlessSteady', 'baseline'),
      confirmBaselineToBaseline: ratioOf('baseline-confirm', 'baseline'),
      mandatoryBaselineToBaseline: ratioOf('baseline-mandatory', 'baseline'),
      idsBaselineToBaseline: ratioOf('baseline-ids', 'baseline'),
      headersBaselineToBaseline: ratioOf('baseline-headers', 'baseline'),
      labShapedBaselineToBaseline: ratioOf('baseline-lab-shaped', 'baseline'),
      headlessToLabShapedBaseline: ratioOf('headlessMsgPerS', 'baseline-lab-shaped'),
      screenMaxToHeadlessWhilePublishing: ratioOf('screenMaxMsgPerS', 'headlessSteady'),
      screenFixedToTarget: ratioOf('screenFixedMsgPerS', ctx.settings.fixedRate),
    },
    details: ctx.results,
    benchSeconds: round((performance.now() - benchStarted) / 1000),
  };
  writeFileSync(resultsFile, `${JSON.stringify(document, roundReplacer, 2)}\n`);
  log(`wrote ${path.relative(root, resultsFile)}`);
}

/** Two decimals are plenty in results.json; NaN becomes null. */
function roundReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? round(value, 2) : null;
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}
