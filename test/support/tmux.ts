import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

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

/** A program running in a real terminal (a detached tmux session) that a test can type into and read. */
export class TerminalSession {
  readonly name = `rabbit-lab-test-${randomBytes(4).toString('hex')}`;

  constructor(
    command: readonly string[],
    { columns = 120, rows = 40, env = {} as Record<string, string> } = {},
  ) {
    // Ink prints only the final frame when CI is set; a person's terminal has no CI variable.
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
    const line = `env -u CI ${envArgs.join(' ')} ${command.map(quote).join(' ')}; echo "exit code $?"; sleep 600`;
    execFileSync('tmux', [
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
  }

  /** The visible screen; with escapes, including the colour and style codes. */
  screen({ escapes = false } = {}): string {
    try {
      const args = ['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name];
      return execFileSync('tmux', args, { encoding: 'utf8' });
    } catch {
      return '';
    }
  }

  press(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  resize(columns: number, rows: number): void {
    execFileSync('tmux', [
      'resize-window',
      '-t',
      this.name,
      '-x',
      String(columns),
      '-y',
      String(rows),
    ]);
  }

  /** Pid of the program started in the terminal (the pane runs it under a shell). */
  programPid(): number | undefined {
    try {
      const pane = execFileSync('tmux', ['list-panes', '-t', this.name, '-F', '#{pane_pid}'], {
        encoding: 'utf8',
      }).trim();
      const child = execFileSync('pgrep', ['-P', pane], { encoding: 'utf8' }).trim().split('\n')[0];
      return child ? Number(child) : undefined;
    } catch {
      return undefined;
    }
  }

  close(): void {
    try {
      execFileSync('tmux', ['kill-session', '-t', this.name], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
}
