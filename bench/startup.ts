/**
 * 5. Start-up: `--help` and the other short commands against a bare yargs program, launch → first frame, an actor's spawn → its first publish, and the node
 * start-up and imports under them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveTarget } from '../source/broker/url.js';
import { brokerArgs, type EmbeddedBroker } from './lib/broker.js';
import { aborted } from './lib/children.js';
import { root } from './lib/cli.js';
import type { BenchContext } from './lib/context.js';
import { figure, samplesNote } from './lib/figures.js';
import { findCliPid, launchScreen, quitScreen } from './lib/pty.js';
import { median } from './lib/stats.js';
import { log, sleep, withTimeout } from './lib/util.js';
import { commandFigures, commandWallTimes } from './startup-commands.js';

type SessionModule = typeof import('../source/lab/session.js');
type Session = InstanceType<SessionModule['Session']>;

/** spawnLike('producer'), then the times until it is running and until it has published. */
async function spawnOnce(session: Session): Promise<{ runningMs: number; publishedMs: number }> {
  const started = performance.now();
  const id = session.spawnLike('producer');
  if (id === undefined) throw new Error('spawnLike refused a producer');
  const deadline = started + 10_000;
  let runningMs = Number.NaN;
  let publishedMs = Number.NaN;
  while (performance.now() < deadline) {
    const actor = session.snapshot().actors.find((a) => a.id === id);
    // 'running' once the actor says it is connected and has its channel.
    if (Number.isNaN(runningMs) && actor?.status === 'running') {
      runningMs = performance.now() - started;
    }
    if ((actor?.published ?? 0) > 0) {
      publishedMs = performance.now() - started;
      break;
    }
    await sleep(1);
  }
  if (Number.isNaN(publishedMs)) throw new Error(`${id} published nothing within 10 s`);
  await session.stopActor(id);
  return { runningMs, publishedMs };
}

/**
 * In this process, with the compiled Session (dist/, so actors are forked from compiled
 * JavaScript as in the product): spawnLike('producer') → the session's state shows the new
 * producer with published > 0. The producer's first message goes out as soon as it is connected;
 * its count reaches the session in its next batch (every 50 ms).
 */
async function spawnToFirstPublish(node: EmbeddedBroker, file: string, spawns: number) {
  const { Session }: SessionModule = await import(
    pathToFileURL(path.join(root, 'dist', 'lab', 'session.js')).href
  );
  const { parseScenario } = await import('../source/scenario/loader.js');
  const scenario = parseScenario(readFileSync(file, 'utf8'), path.basename(file));
  const session = new Session({
    scenario,
    target: resolveTarget(node.amqpUrl, node.managementUrl),
    embedded: false,
    maxRate: 1_000_000,
  });
  const times: { runningMs: number; publishedMs: number }[] = [];
  try {
    await withTimeout(session.start(), 20_000, 'session start');
    await session.actorsSettled();
    for (let i = 0; i < spawns && !aborted(); i++) {
      times.push(await spawnOnce(session));
      await sleep(200);
    }
  } finally {
    await withTimeout(session.shutdown(), 20_000, 'session shutdown').catch(() =>
      session.killAllSync(),
    );
  }
  return times;
}

/** Wall time of `node <args>` (median of `runs`), for the floor under an actor's start. */
function nodeWallTimes(args: readonly string[], runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    spawnSync(process.execPath, args, { stdio: 'ignore', timeout: 10_000 });
    times.push(performance.now() - started);
  }
  return times;
}

interface Launch {
  readonly firstFrameMs: number;
  /** script, its shell and stty, until the rabbit-lab process exists (polled every 10 ms). */
  readonly execMs: number;
  /** Until it prints `connecting to …` (node start-up, imports, option parsing). */
  readonly connectingMs: number;
  /** Until `starting <scenario>…` (the broker answered). */
  readonly startingMs: number;
  readonly quitMs: number;
}

/**
 * Launch → the first lab frame (the screen shows `Topology`), on a quiet scenario; then q. The
 * progress lines the CLI prints before its first frame split the time: node start-up and
 * imports until `connecting to …`, the broker check until `starting …`, then the session's start
 * (connect, declare, spawn the actors, the first management poll) and the first render.
 */
async function launchToFirstFrame(node: EmbeddedBroker, file: string): Promise<Launch> {
  const pty = launchScreen('first frame', [
    'scenario',
    file,
    ...brokerArgs(node),
    '--duration',
    '60',
  ]);
  const connecting = pty.log.waitFor(/connecting to /, 0, 30_000);
  const starting = pty.log.waitFor(/starting bench-/, 0, 30_000);
  const cliPid = await findCliPid(pty).catch(() => undefined);
  const execAt = performance.now();
  const seen = await pty.log.waitFor(/Topology/, 0, 30_000);
  const quitMs = await quitScreen(pty, cliPid);
  if (seen === undefined) throw new Error('no lab screen within 30 s');
  const since = (t: number | undefined) => (t === undefined ? Number.NaN : t - pty.launchedAt);
  return {
    firstFrameMs: since(seen),
    execMs: since(execAt),
    connectingMs: since(await connecting),
    startingMs: since(await starting),
    quitMs,
  };
}

/** Every start-up time, in the order measured; kept as the section's details. */
async function measureStartup(ctx: BenchContext) {
  const { node, settings, files } = ctx;
  log('start-up: --help, --version, list, match, validate, new, code and a bare yargs program…');
  const commands = commandWallTimes(settings.helpRuns);
  const help = commands.help ?? [];
  log(`start-up: launch → first frame × ${settings.launches}…`);
  const launches: Launch[] = [];
  for (let i = 0; i < settings.launches && !aborted(); i++) {
    launches.push(await launchToFirstFrame(node, files.quiet));
  }
  log(`start-up: actor spawn → first message × ${settings.spawns}…`);
  const spawns = await spawnToFirstPublish(node, files.quiet, settings.spawns);
  const bareNode = nodeWallTimes(['-e', '0'], settings.helpRuns);
  // What the CLI loads before it even checks the broker: run.js and with it Ink, React, amqplib.
  const runImports = nodeWallTimes(
    [
      '--input-type=module',
      '-e',
      'await import(process.argv[1])',
      path.join(root, 'dist', 'run.js'),
    ],
    settings.helpRuns,
  );
  const actorModules = nodeWallTimes(
    [path.join(root, 'dist', 'actors', 'actor-main.js')],
    settings.helpRuns,
  );
  return {
    helpMs: help,
    commandsMs: commands,
    launches,
    spawns,
    bareNodeMs: bareNode,
    actorModulesMs: actorModules,
    runImportsMs: runImports,
  };
}

/** Section startup: --help, first frame, the imports, an actor's spawn, q. */
export async function startupSection(ctx: BenchContext): Promise<void> {
  const startup = await measureStartup(ctx);
  ctx.results.startup = startup;
  const { helpMs: help, launches, spawns } = startup;
  const helpMedian = median(help);
  const frames = launches.map((l) => l.firstFrameMs);
  const frame = median(frames);
  const published = spawns.map((x) => x.publishedMs);
  const spawnMedian = median(published);
  figure({
    id: 'helpMs',
    label: `5. rabbit-lab --help, median of ${help.length}`,
    value: helpMedian,
    unit: 'ms',
    goal: '≤ 250',
    met: helpMedian <= 250,
    note: samplesNote(help),
  });
  commandFigures(startup.commandsMs);
  const m = (pick: (l: Launch) => number) => median(launches.map(pick)).toFixed(0);
  figure({
    id: 'firstFrameMs',
    label: `   launch → first frame, median of ${launches.length}`,
    value: frame,
    unit: 'ms',
    goal: '≤ 800',
    met: frame <= 800,
    note: `${samplesNote(frames)}; node running at ${m((l) => l.execMs)}, connecting at ${m((l) => l.connectingMs)}, starting at ${m((l) => l.startingMs)}`,
  });
  figure({
    id: 'runImportsMs',
    label: '   node: import dist/run.js (Ink, React, amqplib…)',
    value: median(startup.runImportsMs),
    unit: 'ms',
    note: 'what loads before `connecting to …`',
  });
  figure({
    id: 'spawnToPublishMs',
    label: `   actor spawn → first publish, median of ${spawns.length}`,
    value: spawnMedian,
    unit: 'ms',
    goal: '≤ 400',
    met: spawnMedian <= 400,
    note: samplesNote(published),
  });
  figure({
    id: 'spawnToRunningMs',
    label: '   actor spawn → running (connected)',
    value: median(spawns.map((x) => x.runningMs)),
    unit: 'ms',
    note: "then the producer's first tick (1/rate, at most 200 ms) and its next batch (≤ 50 ms)",
  });
  figure({
    id: 'actorModulesMs',
    label: '   node dist/actors/actor-main.js, no IPC',
    value: median(startup.actorModulesMs),
    unit: 'ms',
    note: `start-up and imports; bare node ${median(startup.bareNodeMs).toFixed(0)} ms`,
  });
  figure({
    id: 'quitMs',
    label: '   q → exited, quiet scenario, median',
    value: median(launches.map((l) => l.quitMs)),
    unit: 'ms',
  });
}
