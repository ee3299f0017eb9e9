/** The handle of a running node: its URLs and ports, a graceful stop and a last-resort one. */
import type { ChildProcess } from 'node:child_process';
import type { NodePlan } from './config.js';
import {
  isAlive,
  killNodeHard,
  type NodeProcesses,
  readBeamPid,
  signal,
  sleep,
  stopEpmdIfIdle,
  waitForDeath,
  waitForDeathSync,
} from './proc.js';
import { nodeStateFile, removeDirSync, removeFileSync } from './records.js';
import type { EmbeddedBroker } from './types.js';

// The node is throwaway (its directory is deleted next), so a full graceful shutdown buys
// nothing: SIGTERM closes client connections within milliseconds, then the management plugin
// waits ~5 s before the VM exits. One second is plenty for connections to close cleanly.
const STOP_GRACE_MS = 1_000;

/** What a node listens on, as the handle names it. */
type Addresses = Omit<
  EmbeddedBroker,
  'nodeName' | 'baseDir' | 'version' | 'pid' | 'stop' | 'stopSync'
>;

function addresses(plan: NodePlan): Addresses {
  return {
    amqpUrl: `amqp://guest:guest@localhost:${plan.amqpPort}`,
    managementUrl: `http://localhost:${plan.managementPort}`,
    amqpPort: plan.amqpPort,
    managementPort: plan.managementPort,
    distPort: plan.distPort,
    ...(plan.tls === undefined
      ? {}
      : {
          amqpsUrl: `amqps://guest:guest@localhost:${plan.tls.amqpsPort}`,
          amqpsPort: plan.tls.amqpsPort,
          managementTlsUrl: `https://localhost:${plan.tls.managementTlsPort}`,
          managementTlsPort: plan.tls.managementTlsPort,
        }),
  };
}

/** A started node's processes, and whether its epmd is ours to stop. */
interface RunningNode extends NodeProcesses {
  readonly startedEpmd: boolean;
  /** Our 'exit' event for the server process has fired. */
  readonly exited: () => boolean;
}

function cleanUp(node: RunningNode): void {
  removeDirSync(node.baseDir);
  removeFileSync(nodeStateFile(node.nodeName));
}

async function stopGracefully(node: RunningNode): Promise<void> {
  const { serverPid, exited } = node;
  // The script traps SIGTERM and asks the VM to shut down cleanly.
  if (!exited()) signal(serverPid, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (!exited() && isAlive(serverPid) && Date.now() < deadline) await sleep(50);
  // Stragglers after a clean exit are harmless to kill; a hung VM is not.
  killNodeHard(node);
  // SIGKILL is asynchronous: wait until the processes are really gone before saying so.
  await waitForDeath(serverPid, 3000);
  // …and reaped: until our 'exit' event fires, the pid still answers kill(pid, 0).
  const reapDeadline = Date.now() + 3000;
  while (!exited() && Date.now() < reapDeadline) await sleep(20);
  await waitForDeath(readBeamPid(node.baseDir), 3000);
  if (node.startedEpmd) stopEpmdIfIdle(10);
  cleanUp(node);
}

function stopHard(node: RunningNode): void {
  try {
    killNodeHard(node);
    if (node.startedEpmd) {
      waitForDeathSync(readBeamPid(node.baseDir), 500);
      stopEpmdIfIdle(3);
    }
    cleanUp(node);
  } catch {
    // Never throw from an exit handler.
  }
}

export function createHandle(
  plan: NodePlan,
  child: ChildProcess,
  version: string,
  startedEpmd: boolean,
): EmbeddedBroker {
  const serverPid = child.pid ?? 0;
  let exited = child.exitCode !== null || child.signalCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  const node: RunningNode = {
    serverPid,
    baseDir: plan.baseDir,
    nodeName: plan.nodeName,
    startedEpmd,
    exited: () => exited,
  };
  let stopping: Promise<void> | undefined;
  let stoppedSync = false;

  return {
    ...addresses(plan),
    nodeName: plan.nodeName,
    baseDir: plan.baseDir,
    version,
    pid: serverPid,
    stop(): Promise<void> {
      if (stoppedSync) return Promise.resolve();
      stopping ??= stopGracefully(node).catch(() => {});
      return stopping;
    },
    stopSync(): void {
      if (stoppedSync) return;
      stoppedSync = true;
      stopHard(node);
    },
  };
}
