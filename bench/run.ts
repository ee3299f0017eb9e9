/**
 * `npm run bench`: throughput, screen cost, key latency, start-up and scale figures for rabbit-lab,
 * all measured in one run against one private RabbitMQ node this script starts (and stops, also on
 * Ctrl-C), so that the ratios between figures hold on a noisy shared machine. Prints a table
 * (figure, value, goal, met?) and writes bench/results.json. Not a test: nothing here fails a
 * build; the figures are for people to read. bench/README.md says what each figure means.
 *
 * Environment:
 *   BENCH_QUICK=1     shrink everything (about 1.5 minutes instead of about 8)
 *   BENCH_N=<n>       messages in the raw amqplib baseline (200000; quick 20000)
 *   BENCH_SECONDS=<s> the headless --duration and the screen's measuring window (15; quick 5)
 *   BENCH_PRESSES=<n> key presses for the latency figure (24; quick 10)
 *   BENCH_PROFILE=0|1 profile the CPU of every process of a headless run and of the CLI under the
 *                     screen, and summarise the profiles (1; quick 0); the .cpuprofile files stay
 *                     in a temporary directory named in the output, for DevTools
 *   BENCH_ONLY=a,b    only these sections: baseline, headless, tui, startup, scale, ledger, boot,
 *                     profile, failover
 *   BENCH_SCREENS=dir save what each screen run printed to the terminal (raw, and the last frame
 *                     as plain text) in dir, to check what was counted
 * Progress goes to stderr; the table to stdout.
 *
 * One file per section (baseline.ts, headless.ts, screen.ts, startup.ts, scale.ts, ledger.ts,
 * profile.ts, boot.ts, failover.ts); what they share is in lib/.
 */
import { existsSync } from 'node:fs';
import { type Baselines, baselineSection } from './baseline.js';
import { bootSection } from './boot.js';
import { failoverSection } from './failover.js';
import { headlessFixedSection, headlessSection } from './headless.js';
import { ledgerSection } from './ledger.js';
import { startEmbeddedBroker } from './lib/broker.js';
import { aborted, cleanUp, installCleanUpHandlers, keepBroker, tempDir } from './lib/children.js';
import { cliPath } from './lib/cli.js';
import type { BenchContext, Settings } from './lib/context.js';
import type { HeadlessResult } from './lib/headless-run.js';
import { machine, sourceVersion } from './lib/machine.js';
import { screenSize } from './lib/pty.js';
import { printFigures, printProfiles, writeResults } from './lib/report.js';
import { messageBody, writeScenario } from './lib/scenario.js';
import { log } from './lib/util.js';
import { profileSection } from './profile.js';
import { scaleSection } from './scale.js';
import { screenSection } from './screen.js';
import { startupSection } from './startup.js';

installCleanUpHandlers();

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** BENCH_QUICK, BENCH_N, BENCH_SECONDS, BENCH_PRESSES and BENCH_PROFILE (see above). */
function readSettings(): Settings {
  const quick = process.env.BENCH_QUICK === '1';
  return {
    quick,
    baselineMessages: Math.round(envNumber('BENCH_N', quick ? 20_000 : 200_000)),
    baselineRounds: quick ? 1 : 3,
    windowS: envNumber('BENCH_SECONDS', quick ? 5 : 15),
    warmupS: quick ? 1 : 3,
    presses: Math.max(2, Math.round(envNumber('BENCH_PRESSES', quick ? 10 : 24))),
    scaleS: quick ? 4 : 8,
    consumerCounts: quick ? [1, 16] : [1, 4, 16],
    subscriberCounts: quick ? [1, 32] : [1, 8, 32],
    helpRuns: 5,
    launches: quick ? 1 : 3,
    spawns: quick ? 3 : 5,
    boots: quick ? 1 : 3,
    profile: (process.env.BENCH_PROFILE ?? (quick ? '0' : '1')) === '1',
    body: messageBody,
    fixedRate: 10_000,
    screen: screenSize,
  };
}

/** BENCH_ONLY: the sections to run (all of them by default). */
const sections = new Set(
  (process.env.BENCH_ONLY ?? 'baseline,headless,tui,startup,scale,ledger,boot,profile,failover')
    .split(',')
    .map((s) => s.trim()),
);
const wanted = (name: string) => sections.has(name) && !aborted();

async function main(): Promise<void> {
  const settings = readSettings();
  if (!existsSync(cliPath)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const machineInfo = machine();
  const source = sourceVersion();
  log(
    `${settings.quick ? 'quick run' : 'full run'} on ${machineInfo.cores} × ${machineInfo.cpuModel}, ${machineInfo.ramGb} GB; load ${machineInfo.loadAverageAtStart.join(' ')}`,
  );
  const dir = tempDir('rabbit-lab-bench-');

  log('starting the private RabbitMQ node…');
  const bootStarted = performance.now();
  const node = await startEmbeddedBroker({ preferStandardPorts: false });
  keepBroker(node);
  const firstBootMs = performance.now() - bootStarted;
  log(`RabbitMQ ${node.version} up in ${(firstBootMs / 1000).toFixed(1)} s (${node.amqpUrl})`);

  const ctx: BenchContext = {
    settings,
    node,
    dir,
    files: {
      max: writeScenario(dir, { name: 'bench-max', rate: 'max' }),
      fixed: writeScenario(dir, { name: 'bench-fixed', rate: settings.fixedRate }),
      quiet: writeScenario(dir, { name: 'bench-quiet', rate: 1 }),
    },
    screensDir: process.env.BENCH_SCREENS || undefined,
    results: {},
  };
  let baselines: Baselines = { plain: Number.NaN, mandatory: Number.NaN, labShaped: Number.NaN };
  let headlessMax: HeadlessResult | undefined;

  if (wanted('baseline')) baselines = await baselineSection(ctx);
  if (wanted('headless')) headlessMax = await headlessSection(ctx, baselines);
  if (wanted('headless') && Number.isFinite(baselines.labShaped)) {
    await headlessFixedSection(ctx, baselines.labShaped);
  }
  if (wanted('tui')) await screenSection(ctx, headlessMax);
  if (wanted('startup')) await startupSection(ctx);
  if (wanted('scale')) await scaleSection(ctx);
  if (wanted('ledger')) ledgerSection(ctx);
  if (wanted('profile') && settings.profile) await profileSection(ctx);
  if (wanted('boot')) await bootSection(ctx, firstBootMs);
  if (wanted('failover')) await failoverSection(ctx);

  const info = { machine: machineInfo, source, firstBootMs };
  printFigures(ctx, info);
  printProfiles(ctx.results.profiles);
  writeResults(ctx, info);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
} finally {
  if (!aborted()) await cleanUp();
}
