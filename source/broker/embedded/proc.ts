/** Processes: liveness, command lines, signals, waiting for death, and stopping epmd. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findEpmd } from './install.js';

/** Enough to find a node's processes and tell them from others that reuse their pids. */
export interface NodeProcesses {
  readonly serverPid: number;
  readonly baseDir: string;
  readonly nodeName: string;
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A killed process whose parent has not reaped it still answers kill(pid, 0). */
function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

function commandLine(pid: number): string[] {
  try {
    if (process.platform === 'linux') {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    }
    const out = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return out.trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** Guards against pid reuse: only touch processes started for `nodeName`. */
export function belongsToNode(pid: number, nodeName: string): boolean {
  return isAlive(pid) && commandLine(pid).includes(nodeName);
}

export function signal(pid: number, name: NodeJS.Signals): void {
  // 0, -0, 1 and -1 would hit our own group, init or every process we may signal.
  if (!Number.isInteger(pid) || Math.abs(pid) <= 1) return;
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The Erlang VM's own pid, which the server writes to its PID_FILE. */
export function readBeamPid(baseDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(baseDir, 'rabbitmq.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGKILL the server's process group and the VM (in case it left the group). */
export function killNodeHard(record: NodeProcesses): void {
  const beamPid = readBeamPid(record.baseDir);
  const ours = [record.serverPid, beamPid].some(
    (pid) => pid !== undefined && belongsToNode(pid, record.nodeName),
  );
  if (!ours) return;
  signal(-record.serverPid, 'SIGKILL');
  if (beamPid !== undefined && belongsToNode(beamPid, record.nodeName)) signal(beamPid, 'SIGKILL');
}

// epmd: ours to stop only when this node started it

/**
 * Stop epmd if we started it. `epmd -kill` itself refuses while any node is
 * registered, so another Erlang node on this machine keeps its epmd. A node
 * killed a moment ago can stay listed briefly, hence a few retries.
 */
export function stopEpmdIfIdle(attempts: number): void {
  const epmd = findEpmd();
  // Without the epmd binary we cannot ask who is registered; leaving a tiny
  // idle daemon running is safer than killing one another node relies on.
  if (epmd === undefined) return;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const kill = spawnSync(epmd, ['-kill'], { encoding: 'utf8', timeout: 2000 });
    if (kill.status === 0 || kill.error !== undefined) return;
    const names = spawnSync(epmd, ['-names'], { encoding: 'utf8', timeout: 2000 });
    if (names.status !== 0) return; // epmd is not running (any more)
    sleepSync(100);
  }
}

export async function waitForDeath(pid: number | undefined, timeoutMs: number): Promise<void> {
  if (pid === undefined) return;
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
}

export function waitForDeathSync(pid: number | undefined, timeoutMs: number): void {
  if (pid === undefined) return;
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) sleepSync(20);
}
