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
 *                     profile
 *   BENCH_SCREENS=dir save what each screen run printed to the terminal (raw, and the last frame
 *                     as plain text) in dir, to check what was counted
 * Progress goes to stderr; the table to stdout.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath, pathToFileURL } from 'node:url';
import amqp from 'amqplib';
import { headers as labHeaders } from '../source/actors/protocol.js';
import {
  type EmbeddedBroker,
  findRabbitmqServer,
  reapStaleNodes,
  startEmbeddedBroker,
} from '../source/broker/embedded/index.js';
import { answersAmqp, choosePort, localhostAddresses } from '../source/broker/ports.js';
import { resolveTarget } from '../source/broker/url.js';

// ---------------------------------------------------------------------------
// Settings

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const quick = process.env.BENCH_QUICK === '1';
const settings = {
  quick,
  /** Messages through the raw amqplib baseline. */
  baselineMessages: Math.round(envNumber('BENCH_N', quick ? 20_000 : 200_000)),
  /** Each baseline variant runs this many times, interleaved; the figure is the median. */
  baselineRounds: quick ? 1 : 3,
  /** Headless --duration, and the screen's measuring window, in seconds. */
  windowS: envNumber('BENCH_SECONDS', quick ? 5 : 15),
  /** Screen runs: seconds between the first frame and the start of the measuring window. */
  warmupS: quick ? 1 : 3,
  presses: Math.max(2, Math.round(envNumber('BENCH_PRESSES', quick ? 10 : 24))),
  /** --duration of each scale run. */
  scaleS: quick ? 4 : 8,
  consumerCounts: quick ? [1, 16] : [1, 4, 16],
  subscriberCounts: quick ? [1, 32] : [1, 8, 32],
  helpRuns: 5,
  launches: quick ? 1 : 3,
  spawns: quick ? 3 : 5,
  /** Extra boots of each kind (a private node via startEmbeddedBroker, a plain rabbitmq-server). */
  boots: quick ? 1 : 3,
  profile: (process.env.BENCH_PROFILE ?? (quick ? '0' : '1')) === '1',
  /** Every producer in a bench scenario sends this 64-byte body. */
  body: 'rabbit-lab bench: a 64-byte message body'.padEnd(64, '.'),
  fixedRate: 10_000,
  screen: { columns: 120, rows: 40 },
};

const sections = new Set(
  (process.env.BENCH_ONLY ?? 'baseline,headless,tui,startup,scale,ledger,boot,profile')
    .split(',')
    .map((s) => s.trim()),
);
const wanted = (name: string) => sections.has(name) && !aborted;

const root = fileURLToPath(new URL('..', import.meta.url));
const cliPath = path.join(root, 'dist', 'cli.js');
const resultsFile = path.join(root, 'bench', 'results.json');
const ESC = '\u001b';

// ---------------------------------------------------------------------------
// Small helpers

const benchStarted = performance.now();
function log(line: string): void {
  const at = ((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`bench ${at} s: ${line}\n`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with a sentence naming what did not happen in time. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (at - lo);
}
const median = (values: readonly number[]) => quantile(values, 0.5);
const round = (value: number, digits = 0) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

// ---------------------------------------------------------------------------
// /proc readers (Linux)

const clockTicks = (() => {
  try {
    return (
      Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) ||
      100
    );
  } catch {
    return 100;
  }
})();

/** Fields 3… of /proc/<pid>/stat (state, ppid, …), or undefined when the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process used so far, in seconds. */
function cpuSeconds(pid: number): number | undefined {
  const f = statFields(pid);
  if (!f) return undefined;
  return (Number(f[11]) + Number(f[12])) / clockTicks;
}

/** VmRSS and VmHWM (peak resident set) of a process, in MB. */
function memoryMb(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Every live descendant of `pid`. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === undefined) break;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

/** Total CPU seconds of a set of processes, keyed by pid (so deltas skip the ones that came or went). */
function cpuByPid(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const s = cpuSeconds(pid);
    if (s !== undefined) out.set(pid, s);
  }
  return out;
}

function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, s] of after) {
    const b = before.get(pid);
    if (b !== undefined) total += s - b;
  }
  return total;
}

function machine() {
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

/** The commit dist/ was built from, and how many files under source/ differed from it. */
function sourceVersion(): { commit: string; modifiedSourceFiles: number } {
  const git = (args: string[]) =>
    spawnSync('git', args, { cwd: root, encoding: 'utf8', timeout: 5000 }).stdout?.trim() ?? '';
  return {
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    modifiedSourceFiles: git(['status', '--porcelain', '--', 'source']).split('\n').filter(Boolean)
      .length,
  };
}

// ---------------------------------------------------------------------------
// Children and clean-up: every process this script starts is tracked until it has exited, and
// Ctrl-C ends each one by its pid.

let aborted = false;
const liveChildren = new Map<number, { child: ChildProcess; name: string; group: boolean }>();
const tempDirs = new Set<string>();
let broker: EmbeddedBroker | undefined;
const extraNodes = new Set<() => Promise<void>>();

function track(child: ChildProcess, name: string, group: boolean): ChildProcess {
  const pid = child.pid;
  if (pid !== undefined) {
    liveChildren.set(pid, { child, name, group });
    child.once('exit', () => liveChildren.delete(pid));
  }
  return child;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || Math.abs(pid) <= 1) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM every tracked child (and the rabbit-lab process under each `script`), then SIGKILL. */
async function stopChildren(graceMs: number): Promise<void> {
  for (const { child } of liveChildren.values()) {
    for (const pid of descendants(child.pid ?? 0)) {
      if (commandLine(pid).includes('dist/cli.js')) signalPid(pid, 'SIGTERM');
    }
    signalPid(child.pid ?? 0, 'SIGTERM');
  }
  const deadline = Date.now() + graceMs;
  while (liveChildren.size > 0 && Date.now() < deadline) await sleep(50);
  for (const [pid, { group }] of liveChildren) signalPid(group ? -pid : pid, 'SIGKILL');
}

function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

async function cleanUp(): Promise<void> {
  await stopChildren(8000);
  for (const stop of extraNodes) await stop();
  await broker?.stop();
  broker = undefined;
  removeTempDirs();
}

let interrupts = 0;
let firstInterruptAt = 0;
process.on('SIGINT', () => {
  // npm and tsx pass a Ctrl-C on to their child as well: a second SIGINT within a second is the
  // same keypress, not a second one.
  if (interrupts > 0 && Date.now() - firstInterruptAt < 1000) return;
  interrupts++;
  aborted = true;
  if (interrupts > 1) process.exit(130);
  firstInterruptAt = Date.now();
  log(
    'interrupted: stopping every child process and the private node (Ctrl-C again to leave now)…',
  );
  void cleanUp().finally(() => process.exit(130));
});
// Last resort on any exit: no child of ours and no temporary directory outlives this script (the
// private nodes have their own exit hook in the embedded module).
process.on('exit', () => {
  for (const [pid, { group }] of liveChildren) signalPid(group ? -pid : pid, 'SIGKILL');
  removeTempDirs();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** The CLI's environment: a real colour terminal, never CI (Ink would draw only the last frame). */
function cliEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  for (const key of Object.keys(env)) {
    if (
      key === 'CI' ||
      key === 'CONTINUOUS_INTEGRATION' ||
      key.startsWith('CI_') ||
      key === 'NO_COLOR' ||
      key === 'FORCE_COLOR' ||
      key === 'NODE_ENV' ||
      key === 'RABBIT_LAB_URL'
    ) {
      delete env[key];
    }
  }
  return env;
}

// ---------------------------------------------------------------------------
// Scenario files

interface ScenarioShape {
  readonly name: string;
  readonly rate: number | 'max';
  readonly consumers?: number;
  readonly subscribers?: number;
  readonly queue?: string;
}

/** A scenario file for the CLI: one producer and consumers on one queue, or fanout subscribers. */
function writeScenario(dir: string, shape: ScenarioShape): string {
  const body = JSON.stringify(settings.body);
  const lines = [
    `name: ${shape.name}`,
    'title: Bench',
    'pattern: benchmark',
    'summary: A benchmark scenario written by bench/run.ts.',
    'lesson: Measures how fast the lab moves messages and what drawing it costs.',
  ];
  if (shape.subscribers !== undefined) {
    lines.push(
      'topology:',
      '  exchanges:',
      '    - { name: bench_fanout, type: fanout }',
      'actors:',
      `  - { kind: producer, exchange: bench_fanout, routingKeys: [''], rate: ${shape.rate}, body: ${body} }`,
    );
    for (let i = 0; i < shape.subscribers; i++) {
      lines.push(
        '  - { kind: consumer, bind: { exchange: bench_fanout }, prefetch: 100, ack: manual }',
      );
    }
  } else {
    const queue = shape.queue ?? 'bench_queue';
    lines.push(
      'topology:',
      '  queues:',
      `    - { name: ${queue}, durable: false }`,
      'actors:',
      `  - { kind: producer, routingKeys: [${queue}], rate: ${shape.rate}, body: ${body} }`,
    );
    for (let i = 0; i < (shape.consumers ?? 1); i++) {
      lines.push(`  - { kind: consumer, queue: ${queue}, prefetch: 100, ack: manual }`);
    }
  }
  lines.push('checks: [no-loss]', '');
  const file = path.join(dir, `${shape.name}.yaml`);
  writeFileSync(file, lines.join('\n'));
  return file;
}

function brokerArgs(node: EmbeddedBroker): string[] {
  return [
    '--url',
    node.amqpUrl,
    '--management-url',
    node.managementUrl,
    '--broker',
    'external',
    '--max-rate',
    '1000000',
    // 32 subscribers and their producer: one more than the default bound of 32.
    '--max-actors',
    '64',
    '--no-tour',
  ];
}

// ---------------------------------------------------------------------------
// 1. Baseline: raw amqplib in this process

/**
 * plain: publish(exchange, key, body) on a plain channel, no properties.
 * confirm: the same on a confirm channel (the lab's producers publish on one).
 * mandatory: confirm channel, mandatory flag.
 * ids: confirm channel, messageId, timestamp and contentType.
 * headers: confirm channel, the two x-rabbit-lab headers (sent-at, run).
 * lab-shaped: all of it, as a lab producer publishes (source/actors/producer.ts).
 * All but plain are diagnostics: they say what each part of the lab's messages costs.
 */
type BaselineKind = 'plain' | 'confirm' | 'mandatory' | 'ids' | 'headers' | 'lab-shaped';

interface BaselineResult {
  readonly kind: BaselineKind;
  readonly messages: number;
  readonly seconds: number;
  readonly msgPerS: number;
}

/**
 * One publishing channel (yielding every 500 messages, as the lab's producer does, and waiting
 * for 'drain' when publish() says the buffer is full) and one consuming channel (manual ack of each
 * message, prefetch 100), each on its own connection as the lab's producer and consumer are,
 * through one classic non-durable queue. Timed from the first publish to the last ack.
 */
async function baseline(node: EmbeddedBroker, messages: number, kind: BaselineKind) {
  const queue = `bench_baseline_${kind}`;
  const pub = await withTimeout(amqp.connect(node.amqpUrl), 10_000, 'baseline connect');
  const sub = await withTimeout(amqp.connect(node.amqpUrl), 10_000, 'baseline connect').catch(
    async (error: unknown) => {
      await pub.close().catch(() => {});
      throw error;
    },
  );
  try {
    const pubChannel =
      kind === 'plain' ? await pub.createChannel() : await pub.createConfirmChannel();
    const subChannel = await sub.createChannel();
    await subChannel.assertQueue(queue, { durable: false });
    await subChannel.purgeQueue(queue);
    await subChannel.prefetch(100);
    const body = Buffer.from(settings.body);
    const all = kind === 'lab-shaped';
    const options = (seq: number) => {
      if (kind === 'plain' || kind === 'confirm') return undefined;
      const now = Date.now();
      return {
        ...(all || kind === 'mandatory' ? { mandatory: true } : {}),
        ...(all || kind === 'ids'
          ? {
              messageId: `B-${seq}`,
              timestamp: Math.floor(now / 1000),
              persistent: false,
              contentType: 'text/plain',
            }
          : {}),
        ...(all || kind === 'headers'
          ? { headers: { [labHeaders.sentAt]: now, [labHeaders.run]: 'bench' } }
          : {}),
      };
    };
    let acked = 0;
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    let lastAck = 0;
    await subChannel.consume(queue, (msg) => {
      if (!msg) return;
      subChannel.ack(msg);
      if (++acked === messages) {
        lastAck = performance.now();
        resolveDone();
      }
    });
    const started = performance.now();
    let sent = 0;
    const publishAll = async () => {
      while (sent < messages && !aborted) {
        for (let i = 0; i < 500 && sent < messages; i++) {
          sent++;
          if (!pubChannel.publish('', queue, body, options(sent))) {
            await once(pubChannel, 'drain');
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await withTimeout(Promise.all([publishAll(), done]), 120_000, `baseline (${kind})`);
    const seconds = (lastAck - started) / 1000;
    await subChannel.deleteQueue(queue);
    return { kind, messages, seconds, msgPerS: messages / seconds } satisfies BaselineResult;
  } finally {
    await pub.close().catch(() => {});
    await sub.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------
// 2. and 6. The CLI headless

interface ReportActor {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly published: number;
  readonly received: number;
}

interface HeadlessReport {
  readonly ok: boolean;
  readonly durationMs: number;
  readonly actors: readonly ReportActor[];
  readonly checks: readonly { name: string; ok: boolean; detail: string }[];
  readonly notices: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The fields of the --json report (source/lab/report.ts) this script reads. */
function parseReport(text: string): HeadlessReport {
  const value: unknown = JSON.parse(text);
  if (!isRecord(value) || typeof value.durationMs !== 'number' || !Array.isArray(value.actors)) {
    throw new Error('the headless report does not have durationMs and actors');
  }
  const actors = value.actors.filter(isRecord).map((a) => ({
    id: String(a.id),
    kind: String(a.kind),
    status: String(a.status),
    published: typeof a.published === 'number' ? a.published : 0,
    received: typeof a.received === 'number' ? a.received : 0,
  }));
  const checks = (Array.isArray(value.checks) ? value.checks : []).filter(isRecord).map((c) => ({
    name: String(c.name),
    ok: c.ok === true,
    detail: String(c.detail),
  }));
  const notices = (Array.isArray(value.notices) ? value.notices : []).map(String);
  return { ok: value.ok === true, durationMs: value.durationMs, actors, checks, notices };
}

interface HeadlessResult {
  readonly label: string;
  readonly pid: number;
  readonly consumers: number;
  readonly published: number;
  readonly received: number;
  readonly durationMs: number;
  /** received / report durationMs: see runHeadless. */
  readonly msgPerS: number;
  /** From the per-second progress lines, between the first and the last one. */
  readonly steadyMsgPerS: number;
  /** Published per second over the same span. */
  readonly steadyPublishedPerS: number;
  readonly mainCpuPct: number;
  readonly actorsCpuPct: number;
  readonly brokerCpuPct: number;
  readonly mainPeakRssMb: number;
  readonly checks: HeadlessReport['checks'];
  readonly notices: readonly string[];
  /** Each actor's id and final status ('P1 stopped', 'C1 running'…). */
  readonly actors: readonly string[];
  readonly exitCode: number | null;
}

function brokerBeamPid(node: EmbeddedBroker): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(node.baseDir, 'rabbitmq.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface ProgressSample {
  readonly t: number;
  readonly got: number;
  readonly sent: number;
  readonly main: number | undefined;
  readonly actors: Map<number, number>;
  readonly broker: number | undefined;
  readonly hwm: number | undefined;
}

/**
 * Runs `rabbit-lab scenario <file> --headless --json --duration <s>` and reads two things:
 *
 * - msg/s = the consumers' `received` in the report / the report's `durationMs`. The report's
 *   clock starts when the actors are up (the producer starts publishing then) and stops after the
 *   drain (producers stopped, consumers caught up with the queue or 8 s passed), so this is
 *   "first publish → last message received", the same span as the baseline's; it errs low by the
 *   ~0.2 s the report spends on its last poll.
 * - steady msg/s and CPU: headless prints a progress line every second (`C1 got N`); the rate
 *   between the first and the last of them, and the CPU the processes used meanwhile (read from
 *   /proc when each line arrives), leave out start-up and drain.
 */
async function runHeadless(
  node: EmbeddedBroker,
  label: string,
  file: string,
  durationS: number,
  nodeArgs: readonly string[] = [],
  extraEnv: NodeJS.ProcessEnv = {},
  cliArgs: readonly string[] = [],
): Promise<HeadlessResult> {
  const args = [
    ...nodeArgs,
    cliPath,
    'scenario',
    file,
    '--headless',
    '--json',
    '--duration',
    String(durationS),
    ...cliArgs,
    ...brokerArgs(node),
  ];
  const child = track(
    spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...cliEnvironment(), ...extraEnv },
      detached: true,
    }),
    label,
    false,
  );
  const pid = child.pid ?? 0;
  const beam = brokerBeamPid(node);
  let stdout = '';
  let stderrTail = '';
  const samples: ProgressSample[] = [];
  let stoppingAt: number | undefined;
  const sample = (got: number, sent: number): ProgressSample => ({
    t: performance.now(),
    got,
    sent,
    main: cpuSeconds(pid),
    actors: cpuByPid(descendants(pid)),
    broker: beam === undefined ? undefined : cpuSeconds(beam),
    hwm: memoryMb(pid)?.hwm,
  });
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  let partial = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderrTail = (stderrTail + d).slice(-4000);
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('stopping producers')) stoppingAt ??= performance.now();
      if (stoppingAt !== undefined || !line.includes(' s · ')) continue;
      let got = 0;
      let sent = 0;
      for (const m of line.matchAll(/\bC\d+ got (\d+)/g)) got += Number(m[1]);
      for (const m of line.matchAll(/\bP\d+ sent (\d+)/g)) sent += Number(m[1]);
      samples.push(sample(got, sent));
    }
  });
  const [code] = (await withTimeout(
    once(child, 'exit'),
    (durationS + 90) * 1000,
    `${label}: rabbit-lab headless`,
  )) as [number | null];
  if (code === 2 || stdout.trim() === '') {
    throw new Error(`${label}: rabbit-lab exited with ${code}: ${stderrTail.trim()}`);
  }
  const report = parseReport(stdout);
  const consumers = report.actors.filter((a) => a.kind === 'consumer');
  const received = consumers.reduce((n, a) => n + a.received, 0);
  const published = report.actors.reduce((n, a) => n + a.published, 0);
  // The first progress line comes a second after the clock starts: skip it (the rate ramps up)
  // when there are enough lines left to measure between.
  const first = samples[samples.length >= 4 ? 1 : 0];
  const last = samples[samples.length - 1];
  const span = first && last && last.t > first.t ? (last.t - first.t) / 1000 : Number.NaN;
  const pct = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? Number.NaN : ((b - a) / span) * 100;
  return {
    label,
    pid,
    consumers: consumers.length,
    published,
    received,
    durationMs: report.durationMs,
    msgPerS: received / (report.durationMs / 1000),
    steadyMsgPerS: first && last ? (last.got - first.got) / span : Number.NaN,
    steadyPublishedPerS: first && last ? (last.sent - first.sent) / span : Number.NaN,
    mainCpuPct: pct(first?.main, last?.main),
    actorsCpuPct: first && last ? (cpuDelta(first.actors, last.actors) / span) * 100 : Number.NaN,
    brokerCpuPct: pct(first?.broker, last?.broker),
    mainPeakRssMb: last?.hwm ?? Number.NaN,
    checks: report.checks,
    notices: report.notices,
    actors: report.actors.map((a) => `${a.id} ${a.status}`),
    exitCode: code,
  };
}

// ---------------------------------------------------------------------------
// 3. and 4. The screen in a pseudo-terminal

const ansiPattern = new RegExp(
  `${ESC}\\[[0-9;?]*[ -/]*[@-~]|${ESC}\\][^\\u0007]*\\u0007|${ESC}[()][0-9A-Za-z]|${ESC}[=>78]`,
  'g',
);
const stripAnsi = (text: string) => text.replace(ansiPattern, '');

/**
 * How a frame is recognised in the byte stream. Ink 6 (log-update) draws a frame by erasing the
 * previous one, `ESC[2K` + `ESC[1A` once per line above the last, then `ESC[2K ESC[G`, and
 * writing the new one; when the output is as tall as the terminal it clears the screen instead
 * (`ESC[2J ESC[3J ESC[H`). Each of these sequences starts one frame. As a cross-check, Ink wraps
 * each frame it writes to a terminal in a synchronized update, `ESC[?2026h` … `ESC[?2026l`.
 */
const erasePattern = new RegExp(`(?:${ESC}\\[2K${ESC}\\[1A)+${ESC}\\[2K${ESC}\\[G`, 'g');
const clearPattern = new RegExp(`${ESC}\\[2J${ESC}\\[3J${ESC}\\[H`, 'g');
const syncStart = `${ESC}[?2026h`;

function countMatches(text: string, pattern: RegExp): number {
  let n = 0;
  for (const _ of text.matchAll(pattern)) n++;
  return n;
}

/** Everything a pseudo-terminal printed, with the time each chunk arrived. */
class TerminalLog {
  text = '';
  bytes = 0;
  private readonly decoder = new StringDecoder('utf8');
  /** After each chunk: the text length, the time, and the bytes so far. */
  readonly marks: { offset: number; t: number; bytes: number }[] = [];
  private waiters: { since: number; pattern: RegExp; resolve: (t: number) => void }[] = [];

  push(chunk: Buffer): void {
    const t = performance.now();
    this.text += this.decoder.write(chunk);
    this.bytes += chunk.length;
    this.marks.push({ offset: this.text.length, t, bytes: this.bytes });
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (!w.pattern.test(stripAnsi(this.text.slice(w.since)))) return true;
      w.resolve(t);
      return false;
    });
  }

  /** The arrival time of the first chunk after `since` (a text offset) that shows `pattern`. */
  waitFor(pattern: RegExp, since: number, timeoutMs: number): Promise<number | undefined> {
    if (pattern.test(stripAnsi(this.text.slice(since)))) return Promise.resolve(performance.now());
    return new Promise((resolve) => {
      const waiter = { since, pattern, resolve: (t: number) => resolve(t) };
      this.waiters.push(waiter);
      setTimeout(() => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
    });
  }

  /** Text offset and byte count at time t (the last chunk that arrived before it). */
  at(t: number): { offset: number; bytes: number } {
    let found = { offset: 0, bytes: 0 };
    for (const m of this.marks) {
      if (m.t > t) break;
      found = m;
    }
    return found;
  }

  /** The screen as plain text, from the last `chars` characters printed. */
  tail(chars = 40_000): string {
    return stripAnsi(this.text.slice(-chars));
  }
}

interface Pty {
  readonly script: ChildProcess;
  readonly log: TerminalLog;
  readonly launchedAt: number;
  readonly exited: Promise<unknown>;
  write(keys: string): void;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * `script -qfec "stty cols 120 rows 40; exec node dist/cli.js …" /dev/null`: the CLI gets a real
 * pseudo-terminal of that size (so Ink draws as on a user's screen), and script copies everything
 * it prints to our pipe, byte for byte. Keys written to script's stdin reach the CLI as typed.
 */
function launchScreen(label: string, args: readonly string[], nodeArgs: readonly string[] = []) {
  const { columns, rows } = settings.screen;
  const command = [process.execPath, ...nodeArgs, cliPath, ...args].map(shellQuote).join(' ');
  const launchedAt = performance.now();
  const script = track(
    spawn('script', ['-qfec', `stty cols ${columns} rows ${rows}; exec ${command}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: cliEnvironment(),
      detached: true,
    }),
    label,
    true,
  );
  const log = new TerminalLog();
  script.stdout?.on('data', (chunk: Buffer) => log.push(chunk));
  script.stderr?.resume();
  const exited = once(script, 'exit');
  return {
    script,
    log,
    launchedAt,
    exited,
    write: (keys: string) => {
      script.stdin?.write(keys);
    },
  } satisfies Pty;
}

/** The rabbit-lab process under `script` (its shell execs node, so a child or grandchild). */
async function findCliPid(pty: Pty): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const pid = descendants(pty.script.pid ?? 0).find((p) =>
      commandLine(p).includes('dist/cli.js'),
    );
    if (pid !== undefined) return pid;
    await sleep(10);
  }
  throw new Error('the rabbit-lab process did not appear under script');
}

/** Quit with q and wait for the CLI to finish cleaning up; SIGTERM, then SIGKILL, if it hangs. */
async function quitScreen(pty: Pty, cliPid: number | undefined): Promise<number> {
  const asked = performance.now();
  pty.write('q');
  try {
    await withTimeout(pty.exited, 30_000, 'rabbit-lab quitting after q');
  } catch (error) {
    log(`${(error as Error).message}; sending SIGTERM`);
    if (cliPid !== undefined) signalPid(cliPid, 'SIGTERM');
    try {
      await withTimeout(pty.exited, 15_000, 'rabbit-lab after SIGTERM');
    } catch {
      signalPid(-(pty.script.pid ?? 0), 'SIGKILL');
    }
  }
  return performance.now() - asked;
}

interface ScreenResult {
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

/** The last complete frame printed before `offset`, as plain text. */
function frameBefore(text: string, offset: number): string {
  const starts = [...text.slice(0, offset).matchAll(erasePattern)].map((m) => m.index ?? 0);
  for (const m of text.slice(0, offset).matchAll(clearPattern)) starts.push(m.index ?? 0);
  starts.sort((a, b) => a - b);
  const from = starts[starts.length - 2] ?? 0;
  const to = starts[starts.length - 1] ?? offset;
  return stripAnsi(text.slice(from, to));
}

function saveScreen(label: string, pty: Pty, windowEnd: number): void {
  const dir = process.env.BENCH_SCREENS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const name = label.replace(/\W+/g, '-');
  writeFileSync(path.join(dir, `${name}.raw`), pty.log.text);
  writeFileSync(path.join(dir, `${name}.txt`), frameBefore(pty.log.text, windowEnd));
}

/** `got N` on the consumer's row and `sent N` on the producer's, in the last frame. */
function counters(pty: Pty): { got?: number; sent?: number } {
  const text = pty.log.tail();
  const last = (pattern: RegExp) => {
    const matches = [...text.matchAll(pattern)];
    const m = matches[matches.length - 1];
    return m ? Number(m[1]) : undefined;
  };
  return {
    got: last(/C1\s+consumer\s+\S+\s+←.*?\bgot (\d+)/g),
    sent: last(/P1\s+producer\s+\S+\s+→.*?\bsent (\d+)/g),
  };
}

/**
 * The screen at 120×40 during a run: CPU of the CLI process from /proc/<pid>/stat (utime +
 * stime over the window), its resident memory (sampled VmRSS, and VmHWM for the peak), bytes per
 * second written to the terminal, frames per second (see erasePattern), and msg/s read from the
 * consumer's `got` count on the first and last frames of the window. Then, with `presses`, the
 * key-to-frame latency (see measureLatency), then q.
 */
async function runScreen(
  node: EmbeddedBroker,
  label: string,
  file: string,
  presses: number,
  nodeArgs: readonly string[] = [],
): Promise<ScreenResult> {
  // --duration only as a safety net: the run ends with q.
  const safetyS = settings.warmupS + settings.windowS + presses + 120;
  const pty = launchScreen(
    label,
    ['scenario', file, ...brokerArgs(node), '--duration', String(safetyS)],
    nodeArgs,
  );
  let cliPid: number | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    cliPid = await findCliPid(pty);
    const pid = cliPid;
    const firstFrame = await pty.log.waitFor(/Topology/, 0, 30_000);
    if (firstFrame === undefined) throw new Error(`${label}: no lab screen within 30 s`);
    // Resident memory four times a second until q, from the first frame on.
    const rss: { t: number; mb: number }[] = [];
    sampler = setInterval(() => {
      const mb = memoryMb(pid)?.rss;
      if (mb !== undefined) rss.push({ t: performance.now(), mb });
    }, 250);
    await sleep(settings.warmupS * 1000);
    const beam = brokerBeamPid(node);
    const t0 = performance.now();
    const c0 = counters(pty);
    const cpu0 = cpuSeconds(pid);
    const actors0 = cpuByPid(descendants(pid));
    const broker0 = beam === undefined ? undefined : cpuSeconds(beam);
    const windowEnd = t0 + settings.windowS * 1000;
    while (performance.now() < windowEnd && !aborted) {
      await sleep(Math.min(250, Math.max(0, windowEnd - performance.now())));
    }
    const t1 = performance.now();
    const c1 = counters(pty);
    const cpu1 = cpuSeconds(pid);
    const actors1 = cpuByPid(descendants(pid));
    const broker1 = beam === undefined ? undefined : cpuSeconds(beam);
    const seconds = (t1 - t0) / 1000;
    const from = pty.log.at(t0);
    const to = pty.log.at(t1);
    const slice = pty.log.text.slice(from.offset, to.offset);
    const frames = countMatches(slice, erasePattern) + countMatches(slice, clearPattern);
    const syncFrames = slice.split(syncStart).length - 1;

    const latency = presses > 0 ? await measureLatency(pty, presses) : { ms: [], misses: 0 };
    const peakRssMb = memoryMb(pid)?.hwm ?? Number.NaN;
    clearInterval(sampler);
    // V8 lets the heap grow between major collections (a saw-tooth): growth that stays is a rise
    // of the floor, the lowest value, from the first third of the run to the last.
    const steady = rss.filter((r) => r.t >= t0).map((r) => r.mb);
    const third = Math.max(1, Math.floor(steady.length / 3));
    const floorFirst = Math.min(...steady.slice(0, third));
    const floorLast = Math.min(...steady.slice(-third));
    const first = rss[0];
    const perSecond = rss.filter((_, i) => i % 4 === 0).map((r) => round(r.mb, 1));
    const quitMs = await quitScreen(pty, cliPid);
    saveScreen(label, pty, to.offset);
    return {
      label,
      firstFrameMs: firstFrame - pty.launchedAt,
      windowS: seconds,
      msgPerS:
        c0.got === undefined || c1.got === undefined ? Number.NaN : (c1.got - c0.got) / seconds,
      publishedPerS:
        c0.sent === undefined || c1.sent === undefined ? Number.NaN : (c1.sent - c0.sent) / seconds,
      mainCpuPct:
        cpu0 === undefined || cpu1 === undefined ? Number.NaN : ((cpu1 - cpu0) / seconds) * 100,
      actorsCpuPct: (cpuDelta(actors0, actors1) / seconds) * 100,
      brokerCpuPct:
        broker0 === undefined || broker1 === undefined
          ? Number.NaN
          : ((broker1 - broker0) / seconds) * 100,
      rendersPerS: frames / seconds,
      syncFramesPerS: syncFrames / seconds,
      bytesPerS: (to.bytes - from.bytes) / seconds,
      peakRssMb,
      rssFloorFirstMb: floorFirst,
      rssFloorLastMb: floorLast,
      rssSampledSeconds: first ? (performance.now() - first.t) / 1000 : 0,
      rssSamplesMb: perSecond,
      latenciesMs: latency.ms,
      latencyMisses: latency.misses,
      quitMs,
    };
  } catch (error) {
    clearInterval(sampler);
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
  for (let i = 0; i < presses && !aborted; i++) {
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

// ---------------------------------------------------------------------------
// 5. Start-up

function helpWallTimes(runs: number): number[] {
  const times: number[] = [];
  // One run first to warm the file cache; not counted.
  spawnSync(process.execPath, [cliPath, '--help'], {
    stdio: 'ignore',
    env: cliEnvironment(),
    timeout: 10_000,
  });
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [cliPath, '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cliEnvironment(),
      timeout: 10_000,
    });
    if (result.status !== 0) throw new Error(`rabbit-lab --help exited with ${result.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

type SessionModule = typeof import('../source/lab/session.js');

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
    for (let i = 0; i < spawns && !aborted; i++) {
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
      times.push({ runningMs, publishedMs });
      await session.stopActor(id);
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

/**
 * What startEmbeddedBroker does before it runs rabbitmq-server, timed apart: reap stale nodes,
 * find the loopback addresses, choose three free ports, make the temp dir and write its files.
 * (The pid-file record and the readiness probe come on top; the probe is the same as the plain
 * boot's.) A stable estimate of the module's own cost, which the boot-time difference is too
 * noisy to show.
 */
async function embeddedPreSpawnMs(): Promise<number> {
  const started = performance.now();
  await reapStaleNodes();
  const hosts = await localhostAddresses();
  const taken = new Set<number>();
  for (let i = 0; i < 3; i++) taken.add(await choosePort(hosts, taken));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-bench-plan-'));
  for (const name of ['rabbitmq.conf', 'enabled_plugins', 'rabbitmq-env.conf']) {
    writeFileSync(path.join(dir, name), '');
  }
  const ms = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/**
 * A plain rabbitmq-server with the same kind of private temp-dir setup the embedded module writes
 * (node name, config with loopback listeners on free ports, management plugin, mnesia/log/pid
 * under the dir, its own HOME for the cookie, distribution on loopback), started directly and
 * timed until the management API lists the AMQP listener and that port answers AMQP: the
 * readiness test startEmbeddedBroker uses, polled every 150 ms as it does. What startEmbeddedBroker
 * adds on top (reaping stale nodes, choosing ports, the pid-file record, progress) is the
 * difference between the two times.
 */
async function plainBoot(index: number): Promise<number> {
  const binDir = findRabbitmqServer();
  if (binDir === undefined) throw new Error('rabbitmq-server not found');
  const hosts = await localhostAddresses();
  const taken = new Set<number>();
  const pick = async () => {
    const port = await choosePort(hosts, taken);
    taken.add(port);
    return port;
  };
  const amqpPort = await pick();
  const managementPort = await pick();
  const distPort = await pick();
  const dir = tempDir('rabbit-lab-bench-plain-');
  const nodeName = `rabbit-lab-bench-plain-${process.pid}-${index}@localhost`;
  writeFileSync(
    path.join(dir, 'rabbitmq.conf'),
    [
      ...hosts.map(
        (h, i) => `listeners.tcp.${i + 1} = ${h.includes(':') ? `[${h}]` : h}:${amqpPort}`,
      ),
      `management.tcp.port = ${managementPort}`,
      `management.tcp.ip = ${hosts[0] ?? '127.0.0.1'}`,
      'collect_statistics_interval = 1000',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'enabled_plugins'), '[rabbitmq_management].\n');
  writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('RABBITMQ_') && key !== 'NOTIFY_SOCKET') env[key] = value;
  }
  Object.assign(env, {
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbitmq.pid'),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_ADDRESS: '127.0.0.1',
    HOME: dir,
  });
  const started = performance.now();
  const server = track(
    spawn(path.join(binDir, 'rabbitmq-server'), [], {
      cwd: dir,
      env,
      detached: true,
      stdio: 'ignore',
    }),
    'plain rabbitmq-server',
    true,
  );
  const serverPid = server.pid ?? 0;
  const exited = once(server, 'exit');
  const stop = async () => {
    signalPid(serverPid, 'SIGTERM');
    await withTimeout(exited, 1000, 'plain node').catch(() => {});
    signalPid(-serverPid, 'SIGKILL');
    try {
      const beam = Number.parseInt(readFileSync(path.join(dir, 'rabbitmq.pid'), 'utf8'), 10);
      if (commandLine(beam).includes(nodeName)) signalPid(beam, 'SIGKILL');
      for (let i = 0; i < 100 && commandLine(beam).includes(nodeName); i++) await sleep(30);
    } catch {
      // No pid file: the VM never started.
    }
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  };
  extraNodes.add(stop);
  const auth = `Basic ${Buffer.from('guest:guest').toString('base64')}`;
  try {
    const deadline = started + 60_000;
    while (performance.now() < deadline && !aborted) {
      if (server.exitCode !== null) throw new Error('plain rabbitmq-server exited during boot');
      try {
        const response = await fetch(`http://localhost:${managementPort}/api/overview`, {
          headers: { authorization: auth },
          signal: AbortSignal.timeout(1000),
        });
        const overview: unknown = response.ok ? await response.json() : undefined;
        const listeners =
          isRecord(overview) && Array.isArray(overview.listeners) ? overview.listeners : [];
        const listens = listeners.some(
          (l: unknown) => isRecord(l) && l.protocol === 'amqp' && l.port === amqpPort,
        );
        if (listens && (await answersAmqp('localhost', amqpPort))) {
          return performance.now() - started;
        }
      } catch {
        // Not up yet.
      }
      await sleep(150);
    }
    throw new Error('plain rabbitmq-server did not become ready within 60 s');
  } finally {
    await stop();
    extraNodes.delete(stop);
  }
}

async function embeddedBoot(): Promise<number> {
  const started = performance.now();
  const node = await startEmbeddedBroker({ preferStandardPorts: false });
  const ms = performance.now() - started;
  await node.stop();
  return ms;
}

// ---------------------------------------------------------------------------
// CPU profile summary

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

// ---------------------------------------------------------------------------
// The table

interface Figure {
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly digits?: number;
  readonly goal?: string;
  /** undefined when there is no goal. */
  readonly met?: boolean;
  readonly note?: string;
}

const figures: Figure[] = [];
function figure(f: Figure): void {
  figures.push(f);
  log(`${f.label}: ${formatValue(f)}${f.goal ? ` (goal ${f.goal})` : ''}`);
}

const count = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

/** "a, b, c" for a handful of samples. */
function samplesNote(values: readonly number[], unit = 'ms', digits = 0): string {
  return `${values.map((v) => v.toFixed(digits)).join(', ')} ${unit}`;
}

function formatValue(f: Figure): string {
  if (!Number.isFinite(f.value)) return 'n/a';
  const digits = f.digits ?? (Math.abs(f.value) >= 100 ? 0 : 1);
  const num = f.value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
  return f.unit === '' ? num : `${num} ${f.unit}`;
}

function printTable(): string {
  const rows = figures.map((f) => [
    f.label,
    formatValue(f),
    f.goal ?? '',
    f.met === undefined ? '' : f.met ? 'yes' : 'NO',
    f.note ?? '',
  ]);
  const header = ['figure', 'value', 'goal', 'met?', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 1 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

// ---------------------------------------------------------------------------
// The run

const results: Record<string, unknown> = {};

async function main(): Promise<void> {
  if (!existsSync(cliPath)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const machineInfo = machine();
  const version = sourceVersion();
  log(
    `${quick ? 'quick run' : 'full run'} on ${machineInfo.cores} × ${machineInfo.cpuModel}, ${machineInfo.ramGb} GB; load ${machineInfo.loadAverageAtStart.join(' ')}`,
  );
  const dir = tempDir('rabbit-lab-bench-');

  log('starting the private RabbitMQ node…');
  const bootStarted = performance.now();
  const node = await startEmbeddedBroker({ preferStandardPorts: false });
  broker = node;
  const firstBootMs = performance.now() - bootStarted;
  log(`RabbitMQ ${node.version} up in ${(firstBootMs / 1000).toFixed(1)} s (${node.amqpUrl})`);

  const maxFile = writeScenario(dir, { name: 'bench-max', rate: 'max' });
  const fixedFile = writeScenario(dir, { name: 'bench-fixed', rate: settings.fixedRate });
  const quietFile = writeScenario(dir, { name: 'bench-quiet', rate: 1 });
  let baselineMsgPerS = Number.NaN;
  let labShapedMsgPerS = Number.NaN;
  let headlessMax: HeadlessResult | undefined;

  // 1. Baseline
  if (wanted('baseline')) {
    const runs: BaselineResult[] = [];
    const kinds = ['plain', 'confirm', 'mandatory', 'ids', 'headers', 'lab-shaped'] as const;
    // Warm up this process's JIT on both code paths first (not counted).
    log('baseline: warming up…');
    await baseline(node, 10_000, 'plain');
    await baseline(node, 10_000, 'lab-shaped');
    for (let round = 1; round <= settings.baselineRounds && !aborted; round++) {
      for (const kind of kinds) {
        if (aborted) break;
        log(
          `baseline: ${settings.baselineMessages} messages, raw amqplib, ${kind} (round ${round}/${settings.baselineRounds})…`,
        );
        runs.push(await baseline(node, settings.baselineMessages, kind));
      }
    }
    results.baseline = runs;
    const labels: Record<BaselineKind, string> = {
      plain: `1. baseline: raw amqplib, ${count(settings.baselineMessages)} × 64 B, end to end`,
      confirm: '   same, on a confirm channel',
      mandatory: '   same, confirm + mandatory',
      ids: '   same, confirm + messageId, timestamp, contentType',
      headers: '   same, confirm + the two x-rabbit-lab headers',
      'lab-shaped': '   same, all of these (lab-shaped messages)',
    };
    const of = (kind: BaselineKind) => runs.filter((r) => r.kind === kind).map((r) => r.msgPerS);
    const plainMedian = median(of('plain'));
    baselineMsgPerS = plainMedian;
    labShapedMsgPerS = median(of('lab-shaped'));
    for (const kind of kinds) {
      const values = of(kind);
      if (values.length === 0) continue;
      const value = median(values);
      const spread =
        values.length > 1
          ? `${count(Math.min(...values))}–${count(Math.max(...values))}`
          : `${runs.find((r) => r.kind === kind)?.seconds.toFixed(1)} s`;
      figure({
        id: kind === 'plain' ? 'baseline' : `baseline-${kind}`,
        label: labels[kind],
        value,
        unit: 'msg/s',
        note:
          kind === 'plain'
            ? `median of ${values.length}: ${spread}`
            : `diagnostic; ${(value / plainMedian).toFixed(2)} × plain; ${spread}`,
      });
    }
  }

  // 2. Headless
  if (wanted('headless')) {
    log(`headless: rate max, ${settings.windowS} s…`);
    const h = await runHeadless(node, 'headless max', maxFile, settings.windowS);
    headlessMax = h;
    results.headless = h;
    const ratio = h.msgPerS / baselineMsgPerS;
    figure({
      id: 'headlessMsgPerS',
      label: '2. headless, rate max: received / durationMs',
      value: h.msgPerS,
      unit: 'msg/s',
      note: `${count(h.received)} received in ${(h.durationMs / 1000).toFixed(1)} s (incl. drain); ${count(h.published)} published`,
    });
    figure({
      id: 'headlessRatio',
      label: '   headless / baseline',
      value: ratio,
      unit: '',
      digits: 2,
      goal: '≥ 0.9',
      met: Number.isFinite(ratio) ? ratio >= 0.9 : undefined,
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

    // The same run, recording its events (--record): what writing the record costs.
    const recordFile = path.join(dir, 'headless-max.ndjson');
    log(`headless: rate max with --record, ${settings.windowS} s…`);
    const r = await runHeadless(node, 'headless max --record', maxFile, settings.windowS, [], {}, [
      '--record',
      recordFile,
    ]);
    results.headlessRecord = r;
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

  // 2. (cont.) A diagnostic: does the lab keep up with what the broker takes of its messages?
  // At rate max the producer publishes faster than one consumer takes, so the queue grows; at a
  // fixed 0.9 × the lab-shaped baseline it should not have to.
  if (wanted('headless') && Number.isFinite(labShapedMsgPerS)) {
    const rate = Math.min(
      100_000,
      Math.max(1000, Math.round((0.9 * labShapedMsgPerS) / 1000) * 1000),
    );
    const file = writeScenario(dir, { name: 'bench-target', rate });
    log(`headless: fixed rate ${rate}/s (0.9 × lab-shaped baseline), ${settings.windowS} s…`);
    const h = await runHeadless(node, 'headless fixed', file, settings.windowS);
    results.headlessFixed = { rate, ...h };
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

  // 3. and 4. The screen
  if (wanted('tui')) {
    log(
      `screen: rate max at 120×40, ${settings.windowS} s window, then ${settings.presses} presses…`,
    );
    const max = await runScreen(node, 'screen max', maxFile, settings.presses);
    log(`screen: rate ${settings.fixedRate}/s at 120×40, ${settings.windowS} s window…`);
    const fixed = await runScreen(node, 'screen fixed', fixedFile, 0);
    results.screen = { max, fixed };
    for (const [r, name] of [
      [max, 'rate max'],
      [fixed, `${count(settings.fixedRate)} msg/s`],
    ] as const) {
      const id = r === max ? 'screenMax' : 'screenFixed';
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
        ...(r === fixed ? { goal: '≤ 25', met: r.mainCpuPct <= 25 } : {}),
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
    if (headlessMax) {
      figure({
        id: 'screenMaxToHeadless',
        label: '   screen / headless while publishing (rate max)',
        value: max.msgPerS / headlessMax.steadyMsgPerS,
        unit: '',
        digits: 2,
      });
    }
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

  // 5. Start-up
  if (wanted('startup')) {
    log('start-up: --help…');
    const help = helpWallTimes(settings.helpRuns);
    log(`start-up: launch → first frame × ${settings.launches}…`);
    const launches: Launch[] = [];
    for (let i = 0; i < settings.launches && !aborted; i++) {
      launches.push(await launchToFirstFrame(node, quietFile));
    }
    log(`start-up: actor spawn → first message × ${settings.spawns}…`);
    const spawns = await spawnToFirstPublish(node, quietFile, settings.spawns);
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
    results.startup = {
      helpMs: help,
      launches,
      spawns,
      bareNodeMs: bareNode,
      actorModulesMs: actorModules,
      runImportsMs: runImports,
    };
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
      value: median(runImports),
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
      value: median(actorModules),
      unit: 'ms',
      note: `start-up and imports; bare node ${median(bareNode).toFixed(0)} ms`,
    });
    figure({
      id: 'quitMs',
      label: '   q → exited, quiet scenario, median',
      value: median(launches.map((l) => l.quitMs)),
      unit: 'ms',
    });
  }

  // 6. Scale
  if (wanted('scale')) {
    const scale: HeadlessResult[] = [];
    const cases = [
      ...settings.consumerCounts.map((n) => ({ kind: 'consumers' as const, n })),
      ...settings.subscriberCounts.map((n) => ({ kind: 'subscribers' as const, n })),
    ];
    for (const { kind, n } of cases) {
      if (aborted) break;
      log(`scale: ${n} ${kind}, rate max, ${settings.scaleS} s…`);
      const file = writeScenario(
        dir,
        kind === 'consumers'
          ? { name: `bench-consumers-${n}`, rate: 'max', consumers: n }
          : { name: `bench-fanout-${n}`, rate: 'max', subscribers: n },
      );
      const r = await runHeadless(node, `${n} ${kind}`, file, settings.scaleS);
      scale.push(r);
      const ran = r.consumers;
      const what =
        kind === 'consumers'
          ? `${n} consumer${n > 1 ? 's' : ''} on one queue`
          : `fanout, ${n} subscriber${n > 1 ? 's' : ''}${ran < n ? ` (${ran} ran)` : ''}`;
      const limit = r.notices.find((text) => /At most \d+ actors/.test(text));
      figure({
        id: `scale-${kind}-${n}`,
        label: `6. ${what}: deliveries/s`,
        value: r.msgPerS,
        unit: 'msg/s',
        note: `while publishing ${count(r.steadyMsgPerS)}/s${ran < n && limit ? `; "${limit}"` : ''}`,
      });
      figure({
        id: `scale-${kind}-${n}-cpu`,
        label: `   main CPU, ${ran} ${kind === 'consumers' ? 'consumer' : 'subscriber'}${ran > 1 ? 's' : ''}`,
        value: r.mainCpuPct,
        unit: '% core',
        note: `actors ${r.actorsCpuPct.toFixed(0)} %, broker ${r.brokerCpuPct.toFixed(0)} %`,
      });
    }
    results.scale = scale;
  }

  // 7. The ledger's memory per million deliveries (its own process, so the heap is its own)
  if (wanted('ledger')) {
    log('ledger: 1,000,000 deliveries split over 1, 2 and 16 consumers…');
    const run = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', path.join(root, 'bench', 'ledger-memory.ts')],
      { encoding: 'utf8', cwd: root },
    );
    const parsed = JSON.parse(run.stdout || '{}') as {
      splits?: { consumers: number; mb: number; setsMb: number }[];
    };
    results.ledger = parsed;
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

  // CPU profiles (kept in a temporary directory, for DevTools)
  if (wanted('profile') && settings.profile) {
    const profDir = path.join(os.tmpdir(), `rabbit-lab-bench-profiles-${Date.now()}`);
    mkdirSync(profDir, { recursive: true });
    const profiles: Record<string, unknown> = {};
    log(`profile: headless rate max, every process profiled (${profDir})…`);
    // Node refuses --cpu-prof in NODE_OPTIONS, but takes --import: a preload that runs the
    // inspector's profiler and writes the profile at exit. NODE_OPTIONS reaches the actor
    // processes too (the supervisor forks them with the CLI's environment).
    const headlessDir = path.join(profDir, 'headless-max');
    mkdirSync(headlessDir);
    const preload = path.join(profDir, 'profile-preload.mjs');
    // Each process stops profiling a second after the producer should have stopped publishing.
    writeFileSync(preload, profilerPreload(headlessDir, (settings.windowS + 1) * 1000));
    const run = await runHeadless(node, 'profile headless', maxFile, settings.windowS, [], {
      NODE_OPTIONS: `--import ${pathToFileURL(preload).href}`,
    });
    for (const name of readdirSync(headlessDir).filter((f) => f.endsWith('.cpuprofile'))) {
      const file = path.join(headlessDir, name);
      const role = name.includes(`.${run.pid}.`) ? 'main' : profileRole(file);
      profiles[`headless max: ${role}`] = summariseProfile(file, 2);
    }
    log(`profile: screen at ${settings.fixedRate} msg/s under --cpu-prof…`);
    const screenDir = path.join(profDir, 'screen-fixed');
    await runScreen(node, 'profile screen', fixedFile, 0, [
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
    results.profiles = { dir: profDir, ...profiles };
  }

  // 5. (cont.) Boots: the main node's boot above, then plain servers and private nodes in turn
  if (wanted('boot')) {
    const embedded = [firstBootMs];
    const plain: number[] = [];
    for (let i = 0; i < settings.boots && !aborted; i++) {
      log(`boot: plain rabbitmq-server #${i + 1}…`);
      plain.push(await plainBoot(i));
      log(`boot: startEmbeddedBroker #${i + 2}…`);
      embedded.push(await embeddedBoot());
    }
    const preSpawn: number[] = [];
    for (let i = 0; i < 5; i++) preSpawn.push(await embeddedPreSpawnMs());
    results.boot = { embeddedMs: embedded, plainMs: plain, embeddedPreSpawnMs: preSpawn };
    const embeddedMedian = median(embedded);
    const plainMedian = median(plain);
    figure({
      id: 'bootEmbedded',
      label: `5. private node boot (startEmbeddedBroker), median of ${embedded.length}`,
      value: embeddedMedian / 1000,
      unit: 's',
      digits: 2,
      note: samplesNote(
        embedded.map((ms) => ms / 1000),
        's',
        2,
      ),
    });
    figure({
      id: 'bootPlain',
      label: `   plain rabbitmq-server boot, median of ${plain.length}`,
      value: plainMedian / 1000,
      unit: 's',
      digits: 2,
      note: samplesNote(
        plain.map((ms) => ms / 1000),
        's',
        2,
      ),
    });
    figure({
      id: 'bootOverhead',
      label: '   overhead of the embedded module (difference)',
      value: (embeddedMedian - plainMedian) / 1000,
      unit: 's',
      digits: 2,
      goal: '≤ 0.5',
      met: embeddedMedian - plainMedian <= 500,
      note: `boot-to-boot spread ${((Math.max(...plain, ...embedded) - Math.min(...plain, ...embedded)) / 1000).toFixed(1)} s`,
    });
    figure({
      id: 'bootPreSpawn',
      label: '   its work before rabbitmq-server runs, median of 5',
      value: median(preSpawn),
      unit: 'ms',
      note: 'reap, ports, temp dir (timed apart)',
    });
  }

  const table = printTable();
  process.stdout.write(
    `\nrabbit-lab bench · ${version.commit}${version.modifiedSourceFiles ? ` + ${version.modifiedSourceFiles} modified source files` : ''} · RabbitMQ ${node.version} · ${machineInfo.cores} × ${machineInfo.cpuModel}, ${machineInfo.ramGb} GB · ${new Date().toISOString()}${quick ? ' · quick' : ''}\n\n${table}\n`,
  );
  const profiles = results.profiles;
  if (isRecord(profiles)) {
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
  const document = {
    date: new Date().toISOString(),
    settings: { ...settings, clockTicks },
    source: version,
    machine: { ...machineInfo, loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)) },
    broker: { version: node.version, bootMs: round(firstBootMs) },
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
      screenFixedToTarget: ratioOf('screenFixedMsgPerS', settings.fixedRate),
    },
    details: results,
    benchSeconds: round((performance.now() - benchStarted) / 1000),
  };
  writeFileSync(resultsFile, `${JSON.stringify(document, roundReplacer, 2)}\n`);
  log(`wrote ${path.relative(root, resultsFile)}`);
}

/** One figure divided by another (by id) or by a number; null when either is missing. */
function ratioOf(a: string, b: string | number): number | null {
  const x = figures.find((f) => f.id === a)?.value;
  const y = typeof b === 'number' ? b : figures.find((f) => f.id === b)?.value;
  if (x === undefined || y === undefined || !Number.isFinite(x / y)) return null;
  return round(x / y, 3);
}

/** Two decimals are plenty in results.json; NaN becomes null. */
function roundReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? round(value, 2) : null;
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
} finally {
  if (!aborted) await cleanUp();
}
