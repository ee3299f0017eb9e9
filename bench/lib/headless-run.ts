/** The CLI headless: `rabbit-lab scenario <file> --headless --json`, its report and its CPU. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { brokerArgs, brokerBeamPid, type EmbeddedBroker } from './broker.js';
import { track } from './children.js';
import { cliEnvironment, cliPath } from './cli.js';
import { cpuByPid, cpuDelta, cpuSeconds, descendants, memoryMb } from './proc.js';
import { isRecord, withTimeout } from './util.js';

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

export interface HeadlessResult {
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

interface ProgressSample {
  readonly t: number;
  readonly got: number;
  readonly sent: number;
  readonly main: number | undefined;
  readonly actors: Map<number, number>;
  readonly broker: number | undefined;
  readonly hwm: number | undefined;
}

/** What a headless child printed: its stdout, the end of its stderr, and its progress samples. */
interface HeadlessOutput {
  stdout: string;
  stderrTail: string;
  readonly samples: ProgressSample[];
}

/**
 * Collects the child's output; at each progress line (`C1 got N · P1 sent N`) until producers
 * stop, reads the CPU of the CLI, its actors and the broker from /proc.
 */
function watchProgress(child: ChildProcess, node: EmbeddedBroker): HeadlessOutput {
  const pid = child.pid ?? 0;
  const beam = brokerBeamPid(node);
  const out: HeadlessOutput = { stdout: '', stderrTail: '', samples: [] };
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
    out.stdout += d;
  });
  let partial = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    out.stderrTail = (out.stderrTail + d).slice(-4000);
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
      out.samples.push(sample(got, sent));
    }
  });
  return out;
}

/** The figures of one run, from its report and its progress samples. */
function summarise(
  label: string,
  pid: number,
  code: number | null,
  report: HeadlessReport,
  samples: readonly ProgressSample[],
): HeadlessResult {
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
export async function runHeadless(
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
  const output = watchProgress(child, node);
  const [code] = (await withTimeout(
    once(child, 'exit'),
    (durationS + 90) * 1000,
    `${label}: rabbit-lab headless`,
  )) as [number | null];
  if (code === 2 || output.stdout.trim() === '') {
    throw new Error(`${label}: rabbit-lab exited with ${code}: ${output.stderrTail.trim()}`);
  }
  return summarise(label, child.pid ?? 0, code, parseReport(output.stdout), output.samples);
}
