/**
 * 3. and 4. The screen in a pseudo-terminal: throughput, CPU, frames and memory while it draws,
 * and the key-to-frame latency.
 */
import { brokerArgs, brokerBeamPid } from './lib/broker.js';
import { aborted, signalPid } from './lib/children.js';
import type { BenchContext } from './lib/context.js';
import { count, figure } from './lib/figures.js';
import type { HeadlessResult } from './lib/headless-run.js';
import { cpuByPid, cpuDelta, cpuSeconds, descendants, memoryMb } from './lib/proc.js';
import {
  counters,
  countFrames,
  findCliPid,
  launchScreen,
  type Pty,
  quitScreen,
  saveScreen,
} from './lib/pty.js';
import { median, quantile, round } from './lib/stats.js';
import { log, sleep, withTimeout } from './lib/util.js';

export interface ScreenResult {
  readonly label: string;
  readonly firstFrameMs: number;
  readonly windowS: number;
  readonly msgPerS: number;
  readonly publishedPerS: number;
  readonly mainCpuPct: number;
  readonly actorsCpuPct: number;
  readonly brokerCpuPct: number;
  readonly rendersPerS: number;
  readonly syncFramesPerS: number;
  readonly bytesPerS: number;
  readonly peakRssMb: number;
  /** Lowest RSS in the first and in the last third of the samples after the warm-up. */
  readonly rssFloorFirstMb: number;
  readonly rssFloorLastMb: number;
  readonly rssSampledSeconds: number;
  /** VmRSS once a second from the first frame to q. */
  readonly rssSamplesMb: readonly number[];
  readonly latenciesMs: readonly number[];
  readonly latencyMisses: number;
  readonly quitMs: number;
}

/** Resident memory of `pid` four times a second until stop(). */
function sampleRss(pid: number) {
  const samples: { t: number; mb: number }[] = [];
  const timer = setInterval(() => {
    const mb = memoryMb(pid)?.rss;
    if (mb !== undefined) samples.push({ t: performance.now(), mb });
  }, 250);
  return { samples, stop: () => clearInterval(timer) };
}

/**
 * V8 lets the heap grow between major collections (a saw-tooth): growth that stays is a rise of
 * the floor, the lowest value, from the first third of the run to the last.
 */
function rssFigures(rss: readonly { t: number; mb: number }[], t0: number) {
  const steady = rss.filter((r) => r.t >= t0).map((r) => r.mb);
  const third = Math.max(1, Math.floor(steady.length / 3));
  const first = rss[0];
  return {
    rssFloorFirstMb: Math.min(...steady.slice(0, third)),
    rssFloorLastMb: Math.min(...steady.slice(-third)),
    rssSampledSeconds: first ? (performance.now() - first.t) / 1000 : 0,
    rssSamplesMb: rss.filter((_, i) => i % 4 === 0).map((r) => round(r.mb, 1)),
  };
}

/** The CPU of the CLI, its actors and the broker, and the C1/P1 counters, at one moment. */
function snapshot(pty: Pty, pid: number, beam: number | undefined) {
  return {
    t: performance.now(),
    counts: counters(pty),
    cpu: cpuSeconds(pid),
    actors: cpuByPid(descendants(pid)),
    broker: beam === undefined ? undefined : cpuSeconds(beam),
  };
}

/** The measuring window: rates, CPU, frames and bytes over `windowS` seconds. */
async function measureWindow(ctx: BenchContext, pty: Pty, pid: number) {
  const beam = brokerBeamPid(ctx.node);
  const a = snapshot(pty, pid, beam);
  const windowEnd = a.t + ctx.settings.windowS * 1000;
  while (performance.now() < windowEnd && !aborted()) {
    await sleep(Math.min(250, Math.max(0, windowEnd - performance.now())));
  }
  const b = snapshot(pty, pid, beam);
  const seconds = (b.t - a.t) / 1000;
  const from = pty.log.at(a.t);
  const to = pty.log.at(b.t);
  const { frames, syncFrames } = countFrames(pty.log.text.slice(from.offset, to.offset));
  const perS = (x: number | undefined, y: number | undefined) =>
    x === undefined || y === undefined ? Number.NaN : (y - x) / seconds;
  return {
    t0: a.t,
    endOffset: to.offset,
    figures: {
      windowS: seconds,
      msgPerS: perS(a.counts.got, b.counts.got),
      publishedPerS: perS(a.counts.sent, b.counts.sent),
      mainCpuPct: perS(a.cpu, b.cpu) * 100,
      actorsCpuPct: (cpuDelta(a.actors, b.actors) / seconds) * 100,
      brokerCpuPct: perS(a.broker, b.broker) * 100,
      rendersPerS: frames / seconds,
      syncFramesPerS: syncFrames / seconds,
      bytesPerS: (to.bytes - from.bytes) / seconds,
    },
  };
}

/**
 * The screen at 120×40 during a run: CPU of the CLI process from /proc/<pid>/stat (utime +
 * stime over the window), its resident memory (sampled VmRSS, and VmHWM for the peak), bytes per
 * second written to the terminal, frames per second (see erasePattern in lib/pty.ts), and msg/s
 * read from the consumer's `got` count on the first and last frames of the window. Then, with
 * `presses`, the key-to-frame latency (see measureLatency), then q.
 */
export async function runScreen(
  ctx: BenchContext,
  label: string,
  file: string,
  presses: number,
  nodeArgs: readonly string[] = [],
): Promise<ScreenResult> {
  // --duration only as a safety net: the run ends with q.
  const safetyS = ctx.settings.warmupS + ctx.settings.windowS + presses + 120;
  const pty = launchScreen(
    label,
    ['scenario', file, ...brokerArgs(ctx.node), '--duration', String(safetyS)],
    nodeArgs,
  );
  let cliPid: number | undefined;
  let sampler: ReturnType<typeof sampleRss> | undefined;
  try {
    cliPid = await findCliPid(pty);
    const firstFrame = await pty.log.waitFor(/Topology/, 0, 30_000);
    if (firstFrame === undefined) throw new Error(`${label}: no lab screen within 30 s`);
    // Resident memory four times a second until q, from the first frame on.
    sampler = sampleRss(cliPid);
    await sleep(ctx.settings.warmupS * 1000);
    const window = await measureWindow(ctx, pty, cliPid);
    const latency = presses > 0 ? await measureLatency(pty, presses) : { ms: [], misses: 0 };
    const peakRssMb = memoryMb(cliPid)?.hwm ?? Number.NaN;
    sampler.stop();
    const quitMs = await quitScreen(pty, cliPid);
    saveScreen(ctx.screensDir, label, pty, window.endOffset);
    return {
      label,
      firstFrameMs: firstFrame - pty.launchedAt,
      ...window.figures,
      peakRssMb,
      ...rssFigures(sampler.samples, window.t0),
      latenciesMs: latency.ms,
      latencyMisses: latency.misses,
      quitMs,
    };
  } catch (error) {
    sampler?.stop();
    if (cliPid !== undefined) signalPid(cliPid, 'SIGTERM');
    await withTimeout(pty.exited, 20_000, `${label}: exit after an error`).catch(() =>
      signalPid(-(pty.script.pid ?? 0), 'SIGKILL'),
    );
    throw error;
  }
}

/**
 * Key press → the first frame showing its effect, with the max-rate producer still running:
 * tab selects the consumer C1 (P1 is selected first; `▶C1` shows it), then `[` and `]` alternate
 * its prefetch between 50 and 100 (the row says `prefetch 50` / `prefetch 100`; the producer's rate
 * keys would change the load being measured). Each latency runs from writing the key to script's
 * stdin until a chunk arrives whose text since the press contains the new value. Presses are
 * 150–350 ms apart (random), so they do not line up with the 15 fps frame clock.
 */
async function measureLatency(
  pty: Pty,
  presses: number,
): Promise<{ ms: number[]; misses: number }> {
  const selectAt = pty.log.text.length;
  pty.write('\t');
  if ((await pty.log.waitFor(/▶C1/, selectAt, 3000)) === undefined) {
    throw new Error('tab did not select the consumer C1');
  }
  await sleep(300);
  const ms: number[] = [];
  let misses = 0;
  for (let i = 0; i < presses && !aborted(); i++) {
    const lower = i % 2 === 0;
    const since = pty.log.text.length;
    const pressed = performance.now();
    pty.write(lower ? '[' : ']');
    const seen = await pty.log.waitFor(lower ? /prefetch 50\b/ : /prefetch 100\b/, since, 2000);
    if (seen === undefined) misses++;
    else ms.push(seen - pressed);
    await sleep(150 + Math.random() * 200);
  }
  return { ms, misses };
}

/** The figures of one screen run: received, CPU, renders, bytes, peak RSS and its growth. */
function rateFigures(r: ScreenResult, id: string, name: string, fixed: boolean): void {
  const growth = r.rssFloorLastMb - r.rssFloorFirstMb;
  figure({
    id: `${id}MsgPerS`,
    label: `3. screen 120×40, ${name}: received`,
    value: r.msgPerS,
    unit: 'msg/s',
    note: `published ${count(r.publishedPerS)}/s; ${r.windowS.toFixed(0)} s window`,
  });
  figure({
    id: `${id}Cpu`,
    label: `   main CPU, ${name}`,
    value: r.mainCpuPct,
    unit: '% core',
    ...(fixed ? { goal: '≤ 25', met: r.mainCpuPct <= 25 } : {}),
    note: `actors ${r.actorsCpuPct.toFixed(0)} %, broker ${r.brokerCpuPct.toFixed(0)} %`,
  });
  figure({
    id: `${id}Renders`,
    label: `   renders/s, ${name}`,
    value: r.rendersPerS,
    unit: '/s',
    goal: '≤ 15',
    met: r.rendersPerS <= 15,
    note: `${r.syncFramesPerS.toFixed(1)} synchronized updates/s`,
  });
  figure({
    id: `${id}Bytes`,
    label: `   written to the terminal, ${name}`,
    value: r.bytesPerS / 1024,
    unit: 'KiB/s',
  });
  figure({
    id: `${id}Rss`,
    label: `   main peak RSS (VmHWM), ${name}`,
    value: r.peakRssMb,
    unit: 'MB',
    goal: '≤ 150',
    met: r.peakRssMb <= 150,
  });
  figure({
    id: `${id}RssGrowth`,
    label: `   RSS floor rise over the run, ${name}`,
    value: growth,
    unit: 'MB',
    goal: 'flat (≤ 10)',
    met: growth <= 10,
    note: `lowest ${r.rssFloorFirstMb.toFixed(0)} MB in the first third, ${r.rssFloorLastMb.toFixed(0)} MB in the last (${r.rssSampledSeconds.toFixed(0)} s sampled)`,
  });
}

/** Key → frame: the median and the p95 of the presses during the rate-max run. */
function latencyFigures(max: ScreenResult): void {
  const lat = max.latenciesMs;
  const p95 = quantile(lat, 0.95);
  figure({
    id: 'keyLatencyMedian',
    label: `4. key → frame, median of ${lat.length} (rate max)`,
    value: median(lat),
    unit: 'ms',
    note: `min ${Math.min(...lat).toFixed(0)}, max ${Math.max(...lat).toFixed(0)} ms`,
  });
  figure({
    id: 'keyLatencyP95',
    label: '   key → frame, p95',
    value: p95,
    unit: 'ms',
    goal: '≤ 100',
    met: p95 <= 100 && max.latencyMisses === 0,
    ...(max.latencyMisses ? { note: `${max.latencyMisses} presses never showed` } : {}),
  });
}

/** Section tui: the screen at rate max (with the key presses), then at the fixed rate. */
export async function screenSection(
  ctx: BenchContext,
  headlessMax: HeadlessResult | undefined,
): Promise<void> {
  const { settings, files } = ctx;
  log(
    `screen: rate max at 120×40, ${settings.windowS} s window, then ${settings.presses} presses…`,
  );
  const max = await runScreen(ctx, 'screen max', files.max, settings.presses);
  log(`screen: rate ${settings.fixedRate}/s at 120×40, ${settings.windowS} s window…`);
  const fixed = await runScreen(ctx, 'screen fixed', files.fixed, 0);
  ctx.results.screen = { max, fixed };
  rateFigures(max, 'screenMax', 'rate max', false);
  rateFigures(fixed, 'screenFixed', `${count(settings.fixedRate)} msg/s`, true);
  if (headlessMax) {
    figure({
      id: 'screenMaxToHeadless',
      label: '   screen / headless while publishing (rate max)',
      value: max.msgPerS / headlessMax.steadyMsgPerS,
      unit: '',
      digits: 2,
    });
  }
  latencyFigures(max);
}
