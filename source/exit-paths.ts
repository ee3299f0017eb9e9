/**
 * Every way out of a run (Ctrl-C, SIGTERM, SIGHUP, a closed terminal, a crash, process exit)
 * goes through here: each stops the actors and the private node and removes what the run
 * created, once, and says so in one line when a terminal is there to read it.
 */
import { formatError, isUserError } from './errors.js';

export interface ExitHooks {
  /** Stop the session, close the record, stop the private node. */
  readonly cleanup: () => Promise<void>;
  /** Kill the actors now (SIGKILL), synchronously. */
  readonly killActorsSync: () => void;
  /** Last resort at process exit: kill the actors and the private node, synchronously. */
  readonly exitSync: () => void;
  /** Headless with a session running: the first Ctrl-C finishes the run instead. */
  readonly finishesOnInterrupt: () => boolean;
}

function say(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // No terminal to tell (SIGHUP); cleaning up matters more than saying so.
  }
}

export class ExitPaths {
  /** Set once any exit path has begun. */
  exiting = false;
  /** Takes the screen away (set once it is up). */
  unmount: (() => void) | undefined;
  /** Resolves on a headless run's first Ctrl-C. */
  readonly interrupted: Promise<void>;
  private interrupt: () => void = () => {};
  private forced = false;
  private crashed = false;

  constructor(private readonly hooks: ExitHooks) {
    this.interrupted = new Promise<void>((resolve) => {
      this.interrupt = resolve;
    });
  }

  install(): void {
    process.on('exit', () => this.hooks.exitSync());
    process.on('SIGINT', () => this.onInterrupt());
    process.on('SIGTERM', () => this.signal('SIGTERM', 143));
    process.on('SIGHUP', () => this.signal('SIGHUP', 129));
    // A closed terminal (SIGHUP, a killed tmux) makes every write fail with EIO or EPIPE: that
    // is a reason to clean up and leave, and must never loop through the crash handler.
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', () => this.terminalGone());
    }
    process.on('uncaughtException', (error) => this.crash(error));
    process.on('unhandledRejection', (error) => this.crash(error));
  }

  /** Clean up and leave with `code` (also the screen's own deadline, with 0). */
  signal(signal: NodeJS.Signals, code: number): void {
    if (this.exiting) {
      this.again(signal, code);
      return;
    }
    this.exiting = true;
    try {
      this.unmount?.();
    } catch {
      // The terminal may be gone.
    }
    say(`\nrabbit-lab: ${signal}, cleaning up…\n`);
    void this.hooks.cleanup().finally(() => process.exit(code));
  }

  /**
   * Repeated SIGHUP or SIGTERM (a shell passes its own on to its jobs) must not cut the cleanup
   * short. Another Ctrl-C means "now": kill the actors instead of stopping them, still remove
   * what this run created; a third leaves at once (the 'exit' handler still kills everything).
   */
  private again(signal: NodeJS.Signals, code: number): void {
    if (signal !== 'SIGINT') return;
    if (this.forced) process.exit(code);
    this.forced = true;
    say(
      '\nrabbit-lab: quitting now: actors killed; removing what this run created (Ctrl-C again to skip)…\n',
    );
    this.hooks.killActorsSync();
    void this.hooks.cleanup().finally(() => process.exit(code));
  }

  private onInterrupt(): void {
    // Headless: Ctrl-C ends the run early but still drains, checks and reports.
    if (!this.exiting && this.hooks.finishesOnInterrupt()) {
      this.exiting = true;
      process.stderr.write(
        '\nrabbit-lab: interrupted; finishing the run (Ctrl-C again to quit now)…\n',
      );
      this.interrupt();
      return;
    }
    this.signal('SIGINT', 130);
  }

  private terminalGone(): void {
    if (!this.exiting) this.signal('SIGHUP', 129);
  }

  private crash(error: unknown): void {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EIO' || code === 'EPIPE') {
      this.terminalGone();
      return;
    }
    if (this.crashed) return;
    this.crashed = true;
    this.unmount?.();
    say(`${formatError(error)}\n`);
    void this.hooks.cleanup().finally(() => process.exit(isUserError(error) ? 2 : 1));
  }
}
