/**
 * A private RabbitMQ cluster for one run: N nodes on loopback that find each other through
 * classic_config peer discovery at first boot, each with its own name, ports and directories
 * and one shared cookie. The lab can crash, stop, freeze, thaw and start each node; whatever way
 * this process ends, every node and directory goes with it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isListening } from '../ports.js';
import { fileLayout, type NodePlan, prepareNodes } from './config.js';
import { trackUntilStopped, untrack } from './exit-hooks.js';
import { findRabbitmqServer, notInstalledMessage } from './install.js';
import { memoryShortfall } from './memory.js';
import { NodeSlot, type NodeStatus } from './node-slot.js';
import { readBeamPid, sleep, stopEpmdIfIdle, waitForDeathSync } from './proc.js';
import { nodeStateFile, reapStaleNodes, removeDirSync, removeFileSync } from './records.js';
import { BrokerStartError } from './types.js';

export type { NodeStatus };

export const MIN_CLUSTER_NODES = 3;
export const MAX_CLUSTER_NODES = 5;

export interface ClusterNodeInfo {
  /** 1-based, as the screen and the messages count them. */
  readonly number: number;
  readonly nodeName: string;
  readonly amqpUrl: string;
  readonly managementUrl: string;
  readonly amqpPort: number;
  readonly managementPort: number;
  readonly distPort: number;
}

/** What another process needs to drive the same cluster's nodes (the tests' shared cluster). */
export interface ClusterAttachment {
  readonly ownerPid: number;
  readonly startedEpmd: boolean;
  readonly plans: readonly NodePlan[];
}

export interface EmbeddedCluster {
  readonly nodes: readonly ClusterNodeInfo[];
  readonly version: string;
  readonly attachment: ClusterAttachment;
  status(nodeName: string): NodeStatus | undefined;
  /** SIGKILL the node's VM: the crash case. */
  kill(nodeName: string): Promise<void>;
  /** A clean shutdown of one node. */
  stopNode(nodeName: string): Promise<void>;
  /** SIGSTOP every process of the node: a hung node, not a dead one. */
  freeze(nodeName: string): void;
  thaw(nodeName: string): void;
  /** Boot a stopped node again with its data; resolves once it answers. */
  startNode(nodeName: string): Promise<void>;
  /** Stop every node and remove their directories. Idempotent, never throws. */
  stop(): Promise<void>;
  /** The same, synchronously, for process 'exit' handlers. */
  stopSync(): void;
}

export interface EmbeddedClusterOptions {
  readonly nodes: number;
  /** Short progress lines while the nodes boot, at least once a second. */
  readonly onProgress?: (line: string) => void;
  /** Give up after this long (default 90 s). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 90_000;

function info(slot: NodeSlot): ClusterNodeInfo {
  const { plan } = slot;
  return {
    number: plan.index + 1,
    nodeName: plan.nodeName,
    amqpUrl: `amqp://guest:guest@localhost:${plan.amqpPort}`,
    managementUrl: `http://localhost:${plan.managementPort}`,
    amqpPort: plan.amqpPort,
    managementPort: plan.managementPort,
    distPort: plan.distPort,
  };
}

/** Why a cluster size is not allowed, or undefined. */
export function clusterSizeProblem(nodes: number): string | undefined {
  if (Number.isInteger(nodes) && nodes >= MIN_CLUSTER_NODES && nodes <= MAX_CLUSTER_NODES) {
    return undefined;
  }
  return `--nodes must be ${MIN_CLUSTER_NODES} to ${MAX_CLUSTER_NODES}: a quorum queue needs a majority of its members, so 3 nodes are the smallest cluster that survives losing one, and more than 5 private nodes only cost memory.`;
}

export async function startEmbeddedCluster(
  options: EmbeddedClusterOptions,
): Promise<EmbeddedCluster> {
  const sizeProblem = clusterSizeProblem(options.nodes);
  if (sizeProblem !== undefined) throw new BrokerStartError(sizeProblem);
  const shortfall = memoryShortfall(options.nodes);
  if (shortfall !== undefined) throw new BrokerStartError(shortfall);
  await reapStaleNodes().catch(() => 0);
  const binDir = findRabbitmqServer();
  if (binDir === undefined) throw new BrokerStartError(notInstalledMessage());
  const plans = await prepareNodes(options.nodes, {
    preferStandardPorts: false,
    tls: undefined,
    cluster: true,
  });
  const epmdPort = Number(process.env.ERL_EPMD_PORT) || 4369;
  const startedEpmd = !(await isListening('127.0.0.1', epmdPort));
  const slots = plans.map((plan) => new NodeSlot(plan, binDir, startedEpmd));
  const cluster = createCluster(slots, startedEpmd);
  trackUntilStopped(cluster);
  try {
    for (const slot of slots) await slot.launch();
    const version = await bootAll(slots, options);
    return { ...cluster, version };
  } catch (error) {
    cluster.stopSync();
    throw error;
  }
}

/** Wait for every node, then for the cluster to list them all as running. */
async function bootAll(
  slots: readonly NodeSlot[],
  options: EmbeddedClusterOptions,
): Promise<string> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const report = () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const states = slots.map(
      (s) => `node ${s.plan.index + 1} ${s.status === 'up' ? 'up' : 'booting'}`,
    );
    try {
      options.onProgress?.(
        `starting a private RabbitMQ cluster: ${states.join(', ')}… ${seconds} s`,
      );
    } catch {
      // A failing progress callback must not stop the boot.
    }
  };
  report();
  const progress = setInterval(report, 500);
  try {
    const versions = await Promise.all(
      slots.map((slot) =>
        slot
          .waitReady(timeoutMs, () => {})
          .catch((error: unknown) => {
            throw nodeBootError(slot, error);
          }),
      ),
    );
    const first = slots[0];
    if (first === undefined) throw new BrokerStartError('No private RabbitMQ node was planned.');
    await waitUntilClustered(first, slots.length, started + timeoutMs);
    return versions[0] ?? '';
  } finally {
    clearInterval(progress);
  }
}

/** The node's error, with its log copied out of the directory about to be removed, and named. */
function nodeBootError(slot: NodeSlot, error: unknown): BrokerStartError {
  const reason = error instanceof Error ? error.message : String(error);
  const files = fileLayout(slot.plan);
  const kept = path.join(os.tmpdir(), `${slot.nodeName.replace(/@.*/, '')}-boot.log`);
  const log = [files.nodeLog, files.stdoutLog]
    .map((file) => {
      try {
        return `--- ${path.basename(file)} ---\n${readFileSync(file, 'utf8')}`;
      } catch {
        return '';
      }
    })
    .filter((text) => text !== '')
    .join('\n');
  let logNote = '';
  try {
    if (log !== '') {
      writeFileSync(kept, log, { mode: 0o600 });
      logNote = ` Its log is kept at ${kept}.`;
    }
  } catch {
    // Nowhere to keep it.
  }
  return new BrokerStartError(
    `Node ${slot.plan.index + 1} of the private cluster (${slot.nodeName}) did not start: ${reason.replace(/\.$/, '')}.${logNote}`,
  );
}

interface NodesRow {
  readonly name?: unknown;
  readonly running?: unknown;
}

async function runningNodes(slot: NodeSlot): Promise<number> {
  const response = await fetch(
    `http://localhost:${slot.plan.managementPort}/api/nodes?columns=name,running`,
    {
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
      signal: AbortSignal.timeout(2000),
    },
  );
  if (!response.ok) return 0;
  const rows = (await response.json()) as NodesRow[];
  return Array.isArray(rows) ? rows.filter((row) => row.running === true).length : 0;
}

async function waitUntilClustered(first: NodeSlot, count: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if ((await runningNodes(first).catch(() => 0)) >= count) return;
    await sleep(250);
  }
  throw new BrokerStartError(
    `The ${count} private RabbitMQ nodes started but did not form one cluster in time; try again, or use --broker embedded for a single node.`,
  );
}

function createCluster(slots: readonly NodeSlot[], startedEpmd: boolean): EmbeddedCluster {
  const slotOf = (nodeName: string): NodeSlot => {
    const slot = slots.find((s) => s.nodeName === nodeName);
    if (slot === undefined) throw new Error(`no node ${nodeName} in this cluster`);
    return slot;
  };
  let stopped = false;
  const removeFiles = () => {
    for (const slot of slots) {
      removeDirSync(slot.plan.baseDir);
      removeFileSync(nodeStateFile(slot.nodeName));
    }
  };
  const cluster: EmbeddedCluster = {
    nodes: slots.map(info),
    version: '',
    attachment: { ownerPid: process.pid, startedEpmd, plans: slots.map((s) => s.plan) },
    status: (nodeName) => slots.find((s) => s.nodeName === nodeName)?.status,
    kill: (nodeName) => slotOf(nodeName).kill(),
    stopNode: (nodeName) => slotOf(nodeName).stopGracefully(),
    freeze: (nodeName) => slotOf(nodeName).freeze(),
    thaw: (nodeName) => slotOf(nodeName).thaw(),
    async startNode(nodeName) {
      const slot = slotOf(nodeName);
      await slot.launch();
      await slot
        .waitReady(DEFAULT_TIMEOUT_MS, () => {})
        .catch((error: unknown) => {
          throw nodeBootError(slot, error);
        });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      untrack(cluster);
      // Throwaway nodes: nothing to shut down cleanly once the actors are gone.
      await Promise.all(slots.map((slot) => slot.kill().catch(() => {})));
      if (startedEpmd) stopEpmdIfIdle(10);
      removeFiles();
    },
    stopSync() {
      if (stopped) return;
      stopped = true;
      untrack(cluster);
      const beams = slots.map((slot) => readBeamPid(slot.plan.baseDir));
      for (const slot of slots) slot.killSync();
      if (startedEpmd) {
        for (const beam of beams) waitForDeathSync(beam, 500);
        stopEpmdIfIdle(3);
      }
      removeFiles();
    },
  };
  return cluster;
}

/**
 * The node controls of a cluster another process started and owns (its exit stops the nodes, and
 * a node started again from here is recorded as its). stop() and stopSync() leave the nodes alone.
 */
export function attachCluster(attachment: ClusterAttachment, version = ''): EmbeddedCluster {
  const binDir = findRabbitmqServer();
  if (binDir === undefined) throw new BrokerStartError(notInstalledMessage());
  const slots = attachment.plans.map(
    (plan) => new NodeSlot(plan, binDir, attachment.startedEpmd, attachment.ownerPid),
  );
  for (const slot of slots) slot.adopt();
  const owned = createCluster(slots, attachment.startedEpmd);
  return {
    ...owned,
    version,
    attachment,
    stop: async () => {},
    stopSync: () => {},
  };
}
