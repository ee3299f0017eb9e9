/** The CLI's screen in a pseudo-terminal: what it printed, frame by frame, and when. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { signalPid, track } from './children.js';
import { cliEnvironment, cliPath } from './cli.js';
import { commandLine, descendants } from './proc.js';
import { log, sleep, withTimeout } from './util.js';

/** The size of the pseudo-terminal every screen run gets. */
export const screenSize = { columns: 120, rows: 40 };

const ESC = '\u001b';

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

/** Frames (see erasePattern) and synchronized updates in a stretch of terminal output. */
export function countFrames(slice: string): { frames: number; syncFrames: number } {
  return {
    frames: countMatches(slice, erasePattern) + countMatches(slice, clearPattern),
    syncFrames: slice.split(syncStart).length - 1,
  };
}

/** Everything a pseudo-terminal printed, with the time each chunk arrived. */
export class TerminalLog {
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

export interface Pty {
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
export function launchScreen(
  label: string,
  args: readonly string[],
  nodeArgs: readonly string[] = [],
) {
  const { columns, rows } = screenSize;
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
export async function findCliPid(pty: Pty): Promise<number> {
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
export async function quitScreen(pty: Pty, cliPid: number | undefined): Promise<number> {
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

/** The last complete frame printed before `offset`, as plain text. */
function frameBefore(text: string, offset: number): string {
  const starts = [...text.slice(0, offset).matchAll(erasePattern)].map((m) => m.index ?? 0);
  for (const m of text.slice(0, offset).matchAll(clearPattern)) starts.push(m.index ?? 0);
  starts.sort((a, b) => a - b);
  const from = starts[starts.length - 2] ?? 0;
  const to = starts[starts.length - 1] ?? offset;
  return stripAnsi(text.slice(from, to));
}

/** With a directory (BENCH_SCREENS), what a screen run printed (raw) and its last frame as text. */
export function saveScreen(
  dir: string | undefined,
  label: string,
  pty: Pty,
  windowEnd: number,
): void {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const name = label.replace(/\W+/g, '-');
  writeFileSync(path.join(dir, `${name}.raw`), pty.log.text);
  writeFileSync(path.join(dir, `${name}.txt`), frameBefore(pty.log.text, windowEnd));
}

/** `got N` on the consumer's row and `sent N` on the producer's, in the last frame. */
export function counters(pty: Pty): { got?: number; sent?: number } {
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
