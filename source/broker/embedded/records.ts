/** Pid-file records in a shared state dir, which let a later run reap the nodes of a SIGKILLed one. */
import { lstatSync, mkdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  isAlive,
  killNodeHard,
  type NodeProcesses,
  readBeamPid,
  stopEpmdIfIdle,
  waitForDeath,
} from './proc.js';

/** What a pid file in the shared state dir records about one private node. */
export interface NodeRecord extends NodeProcesses {
  readonly ownerPid: number;
  readonly ports: readonly number[];
  /** epmd was not running before this node started, so it is ours to stop. */
  readonly startedEpmd: boolean;
}

/** Per-user, so a root run and a user run do not fight over permissions. */
export function nodeStateDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `rabbit-lab.${uid}`, 'nodes');
}

export function nodeStateFile(nodeName: string): string {
  return path.join(nodeStateDir(), `${nodeName}.json`);
}

/** Creates the state dir; false when it exists but is not ours (shared /tmp). */
function ensureStateDir(): boolean {
  const dir = nodeStateDir();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const d of [path.dirname(dir), dir]) {
      const stat = lstatSync(d);
      if (!stat.isDirectory()) return false;
      if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return false;
    }
    return true;
  } catch {
    return false;
  }
}

export async function writeNodeRecord(record: NodeRecord): Promise<void> {
  if (!ensureStateDir()) return;
  const file = nodeStateFile(record.nodeName);
  // Write then rename, so a concurrent reaper never reads half a file.
  await writeFile(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

function parseNodeRecord(text: string): NodeRecord | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    if (
      typeof v.ownerPid !== 'number' ||
      typeof v.serverPid !== 'number' ||
      typeof v.baseDir !== 'string' ||
      typeof v.nodeName !== 'string'
    ) {
      return undefined;
    }
    const ports = Array.isArray(v.ports) ? v.ports.filter((p) => typeof p === 'number') : [];
    return {
      ownerPid: v.ownerPid,
      serverPid: v.serverPid,
      baseDir: v.baseDir,
      nodeName: v.nodeName,
      ports,
      startedEpmd: v.startedEpmd === true,
    };
  } catch {
    return undefined;
  }
}

/** One node's record, if there is one. */
export function readNodeRecordSync(nodeName: string): NodeRecord | undefined {
  try {
    return parseNodeRecord(readFileSync(nodeStateFile(nodeName), 'utf8'));
  } catch {
    return undefined;
  }
}

async function readNodeRecords(): Promise<Array<{ file: string; record: NodeRecord }>> {
  let entries: string[];
  try {
    entries = await readdir(nodeStateDir());
  } catch {
    return [];
  }
  const records: Array<{ file: string; record: NodeRecord }> = [];
  for (const entry of entries.filter((e) => e.endsWith('.json'))) {
    const file = path.join(nodeStateDir(), entry);
    const record = parseNodeRecord(await readFile(file, 'utf8').catch(() => ''));
    if (record !== undefined) records.push({ file, record });
  }
  return records;
}

/** Only ever delete our own mkdtemp dirs, whatever a pid file claims. */
function isOurTempDir(dir: string): boolean {
  return (
    path.dirname(dir) === os.tmpdir() &&
    path.basename(dir).startsWith('rabbit-lab-') &&
    dir !== path.dirname(nodeStateDir())
  );
}

export function removeDirSync(dir: string): void {
  if (!isOurTempDir(dir)) return;
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Best effort: a leftover temp dir is harmless.
  }
}

export function removeFileSync(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

export async function reapStaleNodes(): Promise<number> {
  let reaped = 0;
  for (const { file, record } of await readNodeRecords()) {
    if (record.ownerPid === process.pid || isAlive(record.ownerPid)) continue;
    const beamPid = readBeamPid(record.baseDir);
    killNodeHard(record);
    // epmd forgets the node only once the VM is really gone.
    if (record.startedEpmd) await waitForDeath(beamPid, 2000);
    if (isOurTempDir(record.baseDir)) {
      await rm(record.baseDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
    }
    await unlink(file).catch(() => {});
    if (record.startedEpmd) stopEpmdIfIdle(10);
    reaped++;
  }
  return reaped;
}

/** Ports claimed by other live private nodes that may still be booting. */
export async function portsInUseByOtherNodes(): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const { record } of await readNodeRecords()) {
    if (isAlive(record.ownerPid)) for (const port of record.ports) ports.add(port);
  }
  return ports;
}
