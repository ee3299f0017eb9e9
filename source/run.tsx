/**
 * Running a scenario: resolve it, find or start a broker, start a session, then hand it to the
 * screen or to headless mode. Every exit path (q, Ctrl-C, SIGTERM, SIGHUP, a crash) stops the
 * actors and the private broker and removes what this run created.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { render } from 'ink';
import { App } from './app.js';
import type { EmbeddedBroker } from './broker/embedded.js';
import { type BrokerMode, resolveBroker } from './broker/resolve.js';
import { restartPrivateNode } from './broker/restart.js';
import type { TlsMaterial } from './broker/tls.js';
import { runHeadless } from './commands/headless.js';
import { formatError, isUserError, UsageError } from './errors.js';
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

export async function run(options: RunOptions): Promise<number> {
  let scenario: Scenario | undefined;
  if (options.scenario !== undefined) scenario = (await resolveScenario(options.scenario)).scenario;
  const interactive = !options.headless;
  if (interactive && (!process.stdout.isTTY || !process.stdin.isTTY)) {
    throw new UsageError(
      'The lab screen needs a terminal; add --headless (and --json for a machine-readable report) to run without one.',
    );
  }

  // Before anything starts: a record that cannot be written is a usage error now, not at the end.
  const recorder =
    options.record === undefined ? undefined : await RecordWriter.open(options.record);

  if (scenario === undefined) {
    scenario = await pick();
    if (!scenario) {
      await recorder?.close();
      return 0;
    }
  }

  let embedded: EmbeddedBroker | undefined;
  let session: Session | undefined;
  let unmount: (() => void) | undefined;
  let screen: ReturnType<typeof render> | undefined;
  let exiting = false;

  // Last resort: whatever happens, no actor or private node outlives this process.
  process.on('exit', () => {
    session?.killAllSync();
    embedded?.stopSync();
  });

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
  };

  let forced = false;
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (exiting) {
      // Repeated SIGHUP or SIGTERM (a shell passes its own on to its jobs) must not cut the
      // cleanup short. Another Ctrl-C means "now": kill the actors instead of stopping them,
      // still remove what this run created; a third leaves at once (the 'exit' handler still
      // kills every actor and the private node).
      if (signal !== 'SIGINT') return;
      if (forced) process.exit(code);
      forced = true;
      try {
        process.stderr.write(
          '\nrabbit-lab: quitting now: actors killed; removing what this run created (Ctrl-C again to skip)…\n',
        );
      } catch {
        // No terminal to tell.
      }
      session?.killAllSync();
      void cleanup().finally(() => process.exit(code));
      return;
    }
    exiting = true;
    try {
      unmount?.();
      process.stderr.write(`\nrabbit-lab: ${signal}, cleaning up…\n`);
    } catch {
      // The terminal may be gone (SIGHUP); cleaning up matters more than saying so.
    }
    void cleanup().finally(() => process.exit(code));
  };
  let interrupt: () => void = () => {};
  const interrupted = new Promise<void>((resolve) => {
    interrupt = resolve;
  });
  process.on('SIGINT', () => {
    // Headless: Ctrl-C ends the run early but still drains, checks and reports.
    if (options.headless && !exiting && session) {
      exiting = true;
      process.stderr.write(
        '\nrabbit-lab: interrupted; finishing the run (Ctrl-C again to quit now)…\n',
      );
      interrupt();
      return;
    }
    onSignal('SIGINT', 130);
  });
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('SIGHUP', () => onSignal('SIGHUP', 129));
  // A closed terminal (SIGHUP, a killed tmux) makes every write fail with EIO or EPIPE: that is
  // a reason to clean up and leave, and must never loop through the crash handler.
  const terminalGone = () => {
    if (!exiting) onSignal('SIGHUP', 129);
  };
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', terminalGone);
  }
  let crashed = false;
  const crash = (error: unknown) => {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EIO' || code === 'EPIPE') return terminalGone();
    if (crashed) return;
    crashed = true;
    unmount?.();
    try {
      process.stderr.write(`${formatError(error)}\n`);
    } catch {
      // No terminal to tell.
    }
    void cleanup().finally(() => process.exit(isUserError(error) ? 2 : 1));
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  const progress = progressWriter();
  try {
    const resolved = await resolveBroker({
      url: options.url,
      managementUrl: options.managementUrl,
      tls: options.tls,
      mode: options.broker,
      onProgress: progress.update,
    });
    embedded = resolved.embedded;
    const privateNode = embedded;
    progress.update(`starting ${scenario.name}…`);
    session = new Session({
      scenario,
      target: resolved.target,
      embedded: embedded !== undefined,
      keep: options.keep,
      httpToken: options.httpToken,
      maxRate: options.maxRate,
      maxActors: options.maxActors,
      record: recorder?.write,
      restartBroker: privateNode ? () => restartPrivateNode(privateNode) : undefined,
    });
    // The screen comes up first and shows the lab starting (connecting, declaring, the actors
    // appearing) instead of a blank terminal for that time.
    if (!options.headless) {
      keepHeapSmall();
      progress.done();
      const starting = session;
      const ink = render(
        <App
          session={starting}
          afterShutdown={
            privateNode
              ? { label: 'stopping the private RabbitMQ node', run: () => privateNode.stop() }
              : undefined
          }
        />,
        { exitOnCtrlC: false, maxFps: 30 },
      );
      screen = ink;
      unmount = () => ink.unmount();
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
      durationMs: options.durationMs ?? defaultHeadlessMs,
      json: options.json,
      stdout: process.stdout,
      stderr: process.stderr,
      interrupted,
      tour: options.tour,
    });
    await cleanup();
    return report.ok ? 0 : 1;
  }

  if (options.tour) session.startTour();
  const ink = screen;
  if (!ink) throw new Error('the lab screen did not start');
  if (options.durationMs !== undefined) {
    setTimeout(() => onSignal('SIGTERM', 0), options.durationMs).unref();
  }
  await ink.waitUntilExit();
  await cleanup();
  // After the screen: a line above it would make the frame a row too tall for the terminal.
  saySecretsNotice(options);
  return 0;
}
