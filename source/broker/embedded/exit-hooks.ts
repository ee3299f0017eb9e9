/** The process 'exit' hook that stops the nodes this process started. */
import type { ChildProcess } from 'node:child_process';

/** Anything that can stop its nodes synchronously: a private node, a private cluster. */
export interface StopsSync {
  stopSync(): void;
}

/** Nodes (and clusters) this process started and has not stopped, booting ones included. */
const liveNodes = new Set<StopsSync>();
let exitHookInstalled = false;

/**
 * Whatever way this process ends (even Ctrl-C during the boot, before the caller holds a handle),
 * its nodes go with it. With `child`, tracking ends when that process exits; without, when
 * `untrack` is called.
 */
export function trackUntilStopped(handle: StopsSync, child?: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', stopAllNodesSync);
  }
  liveNodes.add(handle);
  child?.once('exit', () => liveNodes.delete(handle));
}

export function untrack(handle: StopsSync): void {
  liveNodes.delete(handle);
}

function stopAllNodesSync(): void {
  for (const node of liveNodes) node.stopSync();
  liveNodes.clear();
}
