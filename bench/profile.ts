/**
 * CPU profiles of a headless run (every process) and of the CLI under the screen, summarised by
 * function and by package; the .cpuprofile files stay in a temporary directory, for DevTools.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { root } from './lib/cli.js';
import type { BenchContext } from './lib/context.js';
import { runHeadless } from './lib/headless-run.js';
import { round } from './lib/stats.js';
import { log } from './lib/util.js';
import { runScreen } from './screen.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function shortUrl(url: string): string {
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = file.lastIndexOf('node_modules/');
  if (modules >= 0) return file.slice(modules + 'node_modules/'.length);
  return file.startsWith(root) ? path.relative(root, file) : file;
}

function packageOf(url: string): string {
  const short = shortUrl(url);
  if (url === '') return '(native / VM)';
  if (url.startsWith('wasm:')) return 'yoga-layout (wasm)';
  if (url.startsWith('node:')) return 'node core';
  if (short.startsWith('dist/')) return 'rabbit-lab (dist)';
  const parts = short.split('/');
  return (parts[0]?.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/**
 * Self time per function and per package, as a share of the time the process was not idle,
 * leaving out the first `skipS` seconds (start-up: loading modules, connecting).
 */
function summariseProfile(file: string, skipS: number, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const skipUntil = profile.startTime + skipS * 1e6;
  let t = profile.startTime;
  let idle = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    const frame = frames.get(id);
    if (t < skipUntil || !frame) return;
    const ms = delta / 1000;
    const { functionName, url, lineNumber } = frame;
    if (functionName === '(idle)') {
      idle += ms;
      return;
    }
    busy += ms;
    const name = `${functionName || '(anonymous)'}${url ? ` ${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    const pkg = ['(garbage collector)', '(program)'].includes(functionName)
      ? functionName
      : packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
  });
  const ranked = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms: round(ms), pctOfBusy: round((ms / busy) * 100, 1) }));
  const wallS = (profile.endTime - Math.max(profile.startTime, skipUntil)) / 1e6;
  return {
    file,
    skippedS: skipS,
    wallS: round(wallS, 1),
    busyS: round(busy / 1000, 2),
    cpuPct: round((busy / 1000 / wallS) * 100, 1),
    idleS: round(idle / 1000, 2),
    functions: ranked(byFunction, top),
    packages: ranked(byPackage, 10),
  };
}

/**
 * A module for `node --import` that profiles the process it is loaded into and writes
 * CPU.<pid>.cpuprofile after `stopAfterMs` (so a process killed at the end still leaves one),
 * or at exit if that comes first.
 */
function profilerPreload(dir: string, stopAfterMs: number): string {
  return [
    "import { writeFileSync } from 'node:fs';",
    "import { Session } from 'node:inspector';",
    'const session = new Session();',
    'session.connect();',
    "session.post('Profiler.enable');",
    "session.post('Profiler.start');",
    'let done = false;',
    'const write = () => {',
    '  if (done) return;',
    '  done = true;',
    "  session.post('Profiler.stop', (error, result) => {",
    `    if (!error) writeFileSync(${JSON.stringify(dir)} + '/CPU.' + process.pid + '.cpuprofile', JSON.stringify(result.profile));`,
    '  });',
    '};',
    `setTimeout(write, ${Math.round(stopAfterMs)}).unref();`,
    "process.on('exit', write);",
    '',
  ].join('\n');
}

/** Which actor a profile belongs to, from the functions it ran. */
function profileRole(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (text.includes('"functionName":"publishOne"')) return 'producer';
  if (text.includes('"functionName":"onMessage"')) return 'consumer';
  return 'actor';
}

function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  return files.sort().pop();
}

/** A headless run at rate max with every process profiled; one summary per process. */
async function profileHeadless(
  ctx: BenchContext,
  profDir: string,
  profiles: Record<string, unknown>,
) {
  const { node, settings, files } = ctx;
  log(`profile: headless rate max, every process profiled (${profDir})…`);
  // Node refuses --cpu-prof in NODE_OPTIONS, but takes --import: a preload that runs the
  // inspector's profiler and writes the profile at exit. NODE_OPTIONS reaches the actor
  // processes too (the supervisor forks them with the CLI's environment).
  const headlessDir = path.join(profDir, 'headless-max');
  mkdirSync(headlessDir);
  const preload = path.join(profDir, 'profile-preload.mjs');
  // Each process stops profiling a second after the producer should have stopped publishing.
  writeFileSync(preload, profilerPreload(headlessDir, (settings.windowS + 1) * 1000));
  const run = await runHeadless(node, 'profile headless', files.max, settings.windowS, [], {
    NODE_OPTIONS: `--import ${pathToFileURL(preload).href}`,
  });
  for (const name of readdirSync(headlessDir).filter((f) => f.endsWith('.cpuprofile'))) {
    const file = path.join(headlessDir, name);
    const role = name.includes(`.${run.pid}.`) ? 'main' : profileRole(file);
    profiles[`headless max: ${role}`] = summariseProfile(file, 2);
  }
}

/** Section profile: the headless run, then the screen at the fixed rate under --cpu-prof. */
export async function profileSection(ctx: BenchContext): Promise<void> {
  const { settings, files } = ctx;
  const profDir = path.join(os.tmpdir(), `rabbit-lab-bench-profiles-${Date.now()}`);
  mkdirSync(profDir, { recursive: true });
  const profiles: Record<string, unknown> = {};
  await profileHeadless(ctx, profDir, profiles);
  log(`profile: screen at ${settings.fixedRate} msg/s under --cpu-prof…`);
  const screenDir = path.join(profDir, 'screen-fixed');
  await runScreen(ctx, 'profile screen', files.fixed, 0, [
    '--cpu-prof',
    `--cpu-prof-dir=${screenDir}`,
  ]);
  const screenProfile = newestProfile(screenDir);
  if (screenProfile) {
    profiles[`screen ${settings.fixedRate}/s: main`] = summariseProfile(
      screenProfile,
      settings.warmupS + 1,
    );
  }
  ctx.results.profiles = { dir: profDir, ...profiles };
}
