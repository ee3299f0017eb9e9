/**
 * Running a scenario: resolve it, find or start a broker, start a session, then hand it to the
 * screen or to headless mode. Every exit path (q, Ctrl-C, SIGTERM, SIGHUP, a crash) stops the
 * actors and the private broker and removes what this run created.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { render } from 'ink';
import { App } from './app.js';
import type { EmbeddedBroker, EmbeddedCluster } from './broker/embedded/index.js';
import { type BrokerMode, resolveBroker } from './broker/resolve.js';
import { restartPrivateNode } from './broker/restart.js';
import type { TlsMaterial } from './broker/tls.js';
import type { BrokerTarget } from './broker/url.js';
import { runHeadless } from './commands/headless.js';
import { UsageError } from './errors.js';
import { ExitPaths } from './exit-paths.js';
import { Session } from './lab/session.js';
import { RecordWriter } from './record/writer.js';
import { loadCatalog, resolveScenario } from './scenario/catalog.js';
import type { Scenario } from './scenario/schema.js';
import { Picker } from './ui/picker.js';

export interface RunOptions {
  readonly scenario?: string;
  readonly url: string;
  readonly managementUrl?: string;
  /** CA, client certificate and key (PEM text) for amqps:// and https://. */
  readonly tls?: TlsMaterial;
  readonly broker: BrokerMode;
  /** A private cluster's size (--nodes), for --broker cluster. */
  readonly nodes?: number;
  readonly headless: boolean;
  readonly durationMs?: number;
  readonly json: boolean;
  readonly keep: boolean;
  /** The bearer token HTTP publish endpoints want (default: random per run). */
  readonly httpToken?: string;
  /** Play the guided tour by itself. */
  readonly tour: boolean;
  /** Ceiling for a producer's rate, in messages per second. */
  readonly maxRate: number;
  /** Most actors alive at once. */
  readonly maxActors?: number;
  /** Write the run's record (every event, for `rabbit-lab report`) to this file. */
  readonly record?: string;
  /** Said once on stderr before the lab starts: a secret was given on the command line. */
  readonly secretsNotice?: string;
}

const defaultHeadlessMs = 10_000;

/**
 * Headless without --duration: 10 s; a cluster scenario's tour (a failover and the node's return)
 * is the point of it, so long enough for its last step and 5 s after.
 */
function headlessDuration(options: RunOptions, scenario: Scenario): number {
  if (options.durationMs !== undefined) return options.durationMs;
  const tour = options.tour && scenario.cluster !== undefined ? scenario.tour : [];
  const lastStep = Math.max(0, ...tour.map((s) => s.at));
  return Math.max(defaultHeadlessMs, (lastStep + 5) * 1000);
}

async function pick(): Promise<Scenario | undefined> {
  const catalog = await loadCatalog();
  let chosen: Scenario | undefined;
  const ink = render(
    <Picker scenarios={catalog.map((e) => e.scenario)} onDone={(s) => (chosen = s)} />,
    { exitOnCtrlC: false },
  );
  await ink.waitUntilExit();
  // Ink leaves its last frame on screen after exit (clear() then has nothing to erase); the lab
  // needs every row, so wipe the picker: cursor home, erase the screen.
  process.stdout.write('\u001B[H\u001B[2J');
  return chosen;
}

/** Progress on stderr: one rewritten line on a terminal, plain lines otherwise. */
function progressWriter(): { update: (line: string) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    update(line) {
      if (tty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (Date.now() - last >= 1000) {
        last = Date.now();
        process.stderr.write(`${line}\n`);
      }
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}

/**
 * Every frame Ink draws leaves a few hundred KB of short-lived strings (ANSI tokenizing, string
 * widths); V8 lets the heap grow by tens of MB before it collects them (measured: RSS climbing
 * ~4 MB/s to 170–190 MB, then dropping to ~130 MB). A full collection every 2 s keeps the
 * screen's process near its floor for ~2 ms of work each time. The heap limit cannot be changed
 * once Node runs, and a flag in the bin's shebang (`env -S`) is not portable; exposing `gc` can.
 */
function keepHeapSmall(): void {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') setInterval(() => gc(), 2000).unref();
  } catch {
    // Not available here: the heap is just larger.
  }
}

function saySecretsNotice(options: RunOptions): void {
  if (options.secretsNotice !== undefined) {
    process.stderr.write(`rabbit-lab: ${options.secretsNotice}\n`);
  }
}

/** The private node or cluster this run started, if any. */
interface PrivateBroker {
  readonly node?: EmbeddedBroker;
  readonly cluster?: EmbeddedCluster;
}

function newSession(
  options: RunOptions,
  scenario: Scenario,
  target: BrokerTarget,
  { node: privateNode, cluster }: PrivateBroker,
  recorder: RecordWriter | undefined,
): Session {
  return new Session({
    scenario,
    target,
    embedded: privateNode !== undefined || cluster !== undefined,
    ...(cluster === undefined ? {} : { cluster }),
    keep: options.keep,
    httpToken: options.httpToken,
    maxRate: options.maxRate,
    maxActors: options.maxActors,
    record: recorder?.write,
    restartBroker: privateNode ? () => restartPrivateNode(privateNode) : undefined,
  });
}

/**
 * The screen comes up first and shows the lab starting (connecting, declaring, the actors
 * appearing) instead of a blank terminal for that time.
 */
function showScreen(session: Session, { node, cluster }: PrivateBroker): ReturnType<typeof render> {
  keepHeapSmall();
  const afterShutdown = cluster
    ? { label: 'stopping the private RabbitMQ cluster', run: () => cluster.stop() }
    : node
      ? { label: 'stopping the private RabbitMQ node', run: () => node.stop() }
      : undefined;
  return render(<App session={session} afterShutdown={afterShutdown} />, {
    exitOnCtrlC: false,
    maxFps: 30,
  });
}

/**
 * What a run needs before anything starts: its scenario (named, or picked from the list) and its
 * record file (one that cannot be written is a usage error now, not at the end). Undefined when
 * the picker was left without a choice.
 */
async function prepare(
  options: RunOptions,
): Promise<{ scenario: Scenario; recorder: RecordWriter | undefined } | undefined> {
  let scenario: Scenario | undefined;
  if (options.scenario !== undefined) scenario = (await resolveScenario(options.scenario)).scenario;
  if (!options.headless && (!process.stdout.isTTY || !process.stdin.isTTY)) {
    throw new UsageError(
      'The lab screen needs a terminal; add --headless (and --json for a machine-readable report) to run without one.',
    );
  }
  const recorder =
    options.record === undefined ? undefined : await RecordWriter.open(options.record);
  scenario ??= await pick();
  if (!scenario) {
    await recorder?.close();
    return undefined;
  }
  return { scenario, recorder };
}

export async function run(options: RunOptions): Promise<number> {
  const prepared = await prepare(options);
  if (!prepared) return 0;
  const { scenario, recorder } = prepared;
  let embedded: EmbeddedBroker | undefined;
  let cluster: EmbeddedCluster | undefined;
  let session: Session | undefined;
  let screen: ReturnType<typeof render> | undefined;

  const cleanup = async () => {
    await session?.shutdown();
    const recordProblem = await recorder?.close();
    if (recordProblem !== undefined) {
      try {
        process.stderr.write(
          `rabbit-lab: the record ${options.record} is incomplete: ${recordProblem}.\n`,
        );
      } catch {
        // No terminal to tell.
      }
    }
    await embedded?.stop();
    await cluster?.stop();
  };
  const exits = new ExitPaths({
    cleanup,
    killActorsSync: () => session?.killAllSync(),
    // Whatever happens, no actor or private node outlives this process.
    exitSync: () => {
      session?.killAllSync();
      embedded?.stopSync();
      cluster?.stopSync();
    },
    finishesOnInterrupt: () => options.headless && session !== undefined,
  });
  exits.install();

  const progress = progressWriter();
  try {
    const resolved = await resolveBroker({
      url: options.url,
      managementUrl: options.managementUrl,
      tls: options.tls,
      mode: options.broker,
      nodes: options.nodes ?? scenario.cluster?.nodes,
      onProgress: progress.update,
    });
    embedded = resolved.embedded;
    cluster = resolved.cluster;
    progress.update(`starting ${scenario.name}…`);
    const own = { node: embedded, cluster };
    session = newSession(options, scenario, resolved.target, own, recorder);
    // The screen comes up first and shows the lab starting (connecting, declaring, the actors
    // appearing) instead of a blank terminal for that time.
    if (!options.headless) {
      progress.done();
      const ink = showScreen(session, own);
      screen = ink;
      exits.unmount = () => ink.unmount();
    }
    await session.start();
    // Queue counters and the self-checks come from the management API: a run that cannot read it
    // would count nothing and still report success, so its first poll has to work.
    await session.pollNow();
    const managementProblem = session.snapshot().queues.error;
    if (managementProblem !== undefined) throw new UsageError(managementProblem);
  } catch (error) {
    progress.done();
    if (screen) {
      // Take the half-started screen away so the error line stands alone.
      screen.unmount();
      process.stdout.write('\u001B[H\u001B[2J');
    }
    await cleanup();
    throw error;
  }
  progress.done();
  // Headless: once the run is under way, so a run that cannot start says one sentence only.
  if (options.headless) saySecretsNotice(options);

  return await runStarted(options, session, exits, screen, cleanup);
}

/** The run under way: headless until its report, or the screen until q. */
async function runStarted(
  options: RunOptions,
  session: Session,
  exits: ExitPaths,
  screen: ReturnType<typeof render> | undefined,
  cleanup: () => Promise<void>,
): Promise<number> {
  // Test hook: SIGUSR2 throws an uncaught error, to prove the crash path cleans up like the others.
  if (process.env.RABBIT_LAB_TEST_CRASH_ON_SIGUSR2 === '1') {
    process.on('SIGUSR2', () => {
      setImmediate(() => {
        throw new Error('simulated crash (RABBIT_LAB_TEST_CRASH_ON_SIGUSR2)');
      });
    });
  }

  if (options.headless) {
    const report = await runHeadless({
      session,
      durationMs: headlessDuration(options, session.scenario),
      json: options.json,
      stdout: process.stdout,
      stderr: process.stderr,
      interrupted: exits.interrupted,
      tour: options.tour,
    });
    await cleanup();
    return report.ok ? 0 : 1;
  }

  if (options.tour) session.startTour();
  const ink = screen;
  if (!ink) throw new Error('the lab screen did not start');
  if (options.durationMs !== undefined) {
    setTimeout(() => exits.signal('SIGTERM', 0), options.durationMs).unref();
  }
  await ink.waitUntilExit();
  await cleanup();
  // After the screen: a line above it would make the frame a row too tall for the terminal.
  saySecretsNotice(options);
  return 0;
}
