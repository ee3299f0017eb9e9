import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cliPath } from './cli.js';

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Sessions still open, closed when the test process ends however it ends: a test cancelled by its
 * timeout never reaches its `finally`, and its lab would go on running in a detached terminal.
 */
const open = new Set<TerminalSession>();
let hooked = false;
function closeOnExit(session: TerminalSession): void {
  open.add(session);
  if (hooked) return;
  hooked = true;
  const closeAll = () => {
    for (const s of open) s.close();
  };
  process.on('exit', closeAll);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      closeAll();
      process.exit(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15));
    });
  }
}

/**
 * A program running in a real terminal (a detached tmux session) that a test can type into and
 * read. Each session has its own tmux server (`-L`): with one shared server, a session started
 * just as another test killed the last one meets a server on its way out ("server exited
 * unexpectedly").
 */
export class TerminalSession {
  readonly name = `rabbit-lab-test-${randomBytes(4).toString('hex')}`;

  private tmux(args: readonly string[]): string {
    return execFileSync('tmux', ['-L', this.name, ...args], { encoding: 'utf8' });
  }

  constructor(
    command: readonly string[],
    { columns = 120, rows = 40, env = {} as Record<string, string> } = {},
  ) {
    // Ink prints only the final frame when CI is set; a person's terminal has no CI variable.
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
    const line = `env -u CI ${envArgs.join(' ')} ${command.map(quote).join(' ')}; echo "exit code $?"; sleep 600`;
    this.tmux([
      'new-session',
      '-d',
      '-s',
      this.name,
      '-x',
      String(columns),
      '-y',
      String(rows),
      line,
    ]);
    closeOnExit(this);
  }

  /** The visible screen; with escapes, including the colour and style codes. */
  screen({ escapes = false } = {}): string {
    try {
      const args = ['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name];
      return this.tmux(args);
    } catch {
      return '';
    }
  }

  press(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.name, ...keys]);
  }

  resize(columns: number, rows: number): void {
    this.tmux(['resize-window', '-t', this.name, '-x', String(columns), '-y', String(rows)]);
  }

  /** Pid of the program started in the terminal (the pane runs it under a shell). */
  programPid(): number | undefined {
    try {
      const pane = this.tmux(['list-panes', '-t', this.name, '-F', '#{pane_pid}']).trim();
      const child = execFileSync('pgrep', ['-P', pane], { encoding: 'utf8' }).trim().split('\n')[0];
      return child ? Number(child) : undefined;
    } catch {
      return undefined;
    }
  }

  close(): void {
    open.delete(this);
    try {
      // This session's own server: killing it ends the session and the server.
      execFileSync('tmux', ['-L', this.name, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
}

/** The built CLI running a scenario against a test broker, in its own terminal. */
export function openLab(
  broker: { readonly url: string; readonly managementUrl: string },
  scenario: string,
  args: readonly string[] = [],
  terminal: { columns?: number; rows?: number; env?: Record<string, string> } = {},
): TerminalSession {
  return new TerminalSession(
    [
      process.execPath,
      cliPath,
      'scenario',
      scenario,
      ...args,
      '--url',
      broker.url,
      '--management-url',
      broker.managementUrl,
    ],
    terminal,
  );
}
