/**
 * Children and clean-up: every process the bench starts is tracked until it has exited, and
 * Ctrl-C ends each one by its pid.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandLine, descendants } from './proc.js';
import { log, sleep } from './util.js';

let abortedFlag = false;
const liveChildren = new Map<number, { child: ChildProcess; name: string; group: boolean }>();
const tempDirs = new Set<string>();
let broker: { stop(): Promise<void> } | undefined;
/** How to stop each extra node running now (the plain rabbitmq-server boots). */
export const extraNodes = new Set<() => Promise<void>>();

/** True once Ctrl-C was pressed: every loop stops at its next turn. */
export function aborted(): boolean {
  return abortedFlag;
}

/** The private node every section runs against, stopped by cleanUp. */
export function keepBroker(node: { stop(): Promise<void> }): void {
  broker = node;
}

export function track(child: ChildProcess, name: string, group: boolean): ChildProcess {
  const pid = child.pid;
  if (pid !== undefined) {
    liveChildren.set(pid, { child, name, group });
    child.once('exit', () => liveChildren.delete(pid));
  }
  return child;
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
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

export async function cleanUp(): Promise<void> {
  await stopChildren(8000);
  for (const stop of extraNodes) await stop();
  await broker?.stop();
  broker = undefined;
  removeTempDirs();
}

/** Ctrl-C stops every child and the private node; any exit kills what is left. */
export function installCleanUpHandlers(): void {
  let interrupts = 0;
  let firstInterruptAt = 0;
  process.on('SIGINT', () => {
    // npm and tsx pass a Ctrl-C on to their child as well: a second SIGINT within a second is the
    // same keypress, not a second one.
    if (interrupts > 0 && Date.now() - firstInterruptAt < 1000) return;
    interrupts++;
    abortedFlag = true;
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
}

/** A temporary directory, removed at the end (or on Ctrl-C). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Stop tracking a temporary directory that was removed already. */
export function forgetTempDir(dir: string): void {
  tempDirs.delete(dir);
}
