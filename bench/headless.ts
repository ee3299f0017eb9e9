/** 2. The CLI headless at rate max (with and without --record), and at a fixed rate. */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Baselines } from './baseline.js';
import type { BenchContext } from './lib/context.js';
import { count, figure } from './lib/figures.js';
import { type HeadlessResult, runHeadless } from './lib/headless-run.js';
import { writeScenario } from './lib/scenario.js';
import { log } from './lib/util.js';

/** The same run, recording its events (--record): what writing the record costs. */
async function recordRun(ctx: BenchContext, h: HeadlessResult): Promise<void> {
  const { node, settings, dir, files } = ctx;
  const recordFile = path.join(dir, 'headless-max.ndjson');
  log(`headless: rate max with --record, ${settings.windowS} s…`);
  const r = await runHeadless(node, 'headless max --record', files.max, settings.windowS, [], {}, [
    '--record',
    recordFile,
  ]);
  ctx.results.headlessRecord = r;
  const recordKb = statSync(recordFile).size / 1024;
  figure({
    id: 'headlessRecordRatio',
    label: '   with --record: received / without',
    value: r.msgPerS / h.msgPerS,
    unit: '',
    digits: 2,
    note: `${count(r.msgPerS)} msg/s; record ${recordKb.toFixed(0)} KB, ${(recordKb / (r.durationMs / 1000)).toFixed(1)} KB/s; main CPU ${r.mainCpuPct.toFixed(0)} % (without ${h.mainCpuPct.toFixed(0)} %)`,
  });
}

/** Section headless: rate max, its ratio to the baseline, then the same with --record. */
export async function headlessSection(
  ctx: BenchContext,
  baselines: Baselines,
): Promise<HeadlessResult> {
  const { node, settings, files } = ctx;
  log(`headless: rate max, ${settings.windowS} s…`);
  const h = await runHeadless(node, 'headless max', files.max, settings.windowS);
  ctx.results.headless = h;
  const ratio = h.msgPerS / baselines.plain;
  const sameWay = h.msgPerS / baselines.mandatory;
  figure({
    id: 'headlessMsgPerS',
    label: '2. headless, rate max: received / durationMs',
    value: h.msgPerS,
    unit: 'msg/s',
    note: `${count(h.received)} received in ${(h.durationMs / 1000).toFixed(1)} s (incl. drain); ${count(h.published)} published`,
  });
  figure({
    id: 'headlessRatio',
    label: '   headless / baseline (plain channel)',
    value: ratio,
    unit: '',
    digits: 2,
    goal: '≥ 0.9',
    met: Number.isFinite(ratio) ? ratio >= 0.9 : undefined,
  });
  figure({
    id: 'headlessRatioMandatory',
    label: '   headless / baseline (confirm + mandatory)',
    value: sameWay,
    unit: '',
    digits: 2,
    goal: '≥ 0.97',
    met: Number.isFinite(sameWay) ? sameWay >= 0.97 : undefined,
  });
  figure({
    id: 'headlessSteady',
    label: '   while publishing (progress lines)',
    value: h.steadyMsgPerS,
    unit: 'msg/s',
    note: `published ${count(h.steadyPublishedPerS)}/s meanwhile`,
  });
  figure({
    id: 'headlessMainCpu',
    label: '   main process CPU, rate max',
    value: h.mainCpuPct,
    unit: '% core',
    note: `actors ${h.actorsCpuPct.toFixed(0)} %, broker ${h.brokerCpuPct.toFixed(0)} %`,
  });
  await recordRun(ctx, h);
  return h;
}

/**
 * A diagnostic: does the lab keep up with what the broker takes of its messages? At rate max the
 * producer publishes faster than one consumer takes, so the queue grows; at a fixed 0.9 × the
 * lab-shaped baseline it should not have to.
 */
export async function headlessFixedSection(
  ctx: BenchContext,
  labShapedMsgPerS: number,
): Promise<void> {
  const { node, settings, dir } = ctx;
  const rate = Math.min(
    100_000,
    Math.max(1000, Math.round((0.9 * labShapedMsgPerS) / 1000) * 1000),
  );
  const file = writeScenario(dir, { name: 'bench-target', rate });
  log(`headless: fixed rate ${rate}/s (0.9 × lab-shaped baseline), ${settings.windowS} s…`);
  const h = await runHeadless(node, 'headless fixed', file, settings.windowS);
  ctx.results.headlessFixed = { rate, ...h };
  figure({
    id: 'headlessFixedMsgPerS',
    label: `   headless, fixed rate ${count(rate)}: received`,
    value: h.msgPerS,
    unit: 'msg/s',
    note: `diagnostic (0.9 × lab-shaped baseline); while publishing ${count(h.steadyMsgPerS)}/s of ${count(h.steadyPublishedPerS)}/s published`,
  });
  figure({
    id: 'headlessFixedRatio',
    label: '   that / lab-shaped baseline',
    value: h.msgPerS / labShapedMsgPerS,
    unit: '',
    digits: 2,
  });
}
