/** The process 'exit' hook that stops the nodes this process started. */
import type { ChildProcess } from 'node:child_process';
import type { EmbeddedBroker } from './types.js';

/** Nodes this process started and has not stopped, booting ones included. */
const liveNodes = new Set<EmbeddedBroker>();
let exitHookInstalled = false;

/**
 * Whatever way this process ends (even Ctrl-C during the boot, before the caller holds a handle),
 * its nodes go with it.
 */
export function trackUntilStopped(handle: EmbeddedBroker, child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', stopAllNodesSync);
  }
  liveNodes.add(handle);
  child.once('exit', () => liveNodes.delete(handle));
}

function stopAllNodesSync(): void {
  for (const node of liveNodes) node.stopSync();
  liveNodes.clear();
}
