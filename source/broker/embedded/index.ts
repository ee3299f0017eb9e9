/**
 * A private, throwaway RabbitMQ node for one run: found (install), planned and configured
 * (config), spawned (spawn), waited for (ready), recorded so a later run can reap it (records),
 * and stopped by its handle (handle) or, whatever way this process ends, by the exit hook.
 */
import { isListening } from '../ports.js';
import { listenerPorts, prepareNodes } from './config.js';
import { trackUntilStopped } from './exit-hooks.js';
import { createHandle } from './handle.js';
import { findRabbitmqServer, notInstalledMessage } from './install.js';
import { waitUntilReady } from './ready.js';
import { reapStaleNodes, writeNodeRecord } from './records.js';
import { launchServer } from './spawn.js';
import { BrokerStartError, type EmbeddedBroker, type EmbeddedBrokerOptions } from './types.js';

export {
  attachCluster,
  type ClusterAttachment,
  type ClusterNodeInfo,
  clusterSizeProblem,
  type EmbeddedCluster,
  type EmbeddedClusterOptions,
  MAX_CLUSTER_NODES,
  MIN_CLUSTER_NODES,
  type NodeStatus,
  startEmbeddedCluster,
} from './cluster.js';
export {
  findRabbitmqServer,
  installHint,
  notInstalledMessage,
  RABBITMQ_DIR_ENV,
} from './install.js';
export { memoryShortfall } from './memory.js';
export { nodeStateDir, nodeStateFile, reapStaleNodes } from './records.js';
export {
  BrokerStartError,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  type EmbeddedTlsOptions,
} from './types.js';

const DEFAULT_TIMEOUT_MS = 60_000;

export async function startEmbeddedBroker(
  options: EmbeddedBrokerOptions = {},
): Promise<EmbeddedBroker> {
  await reapStaleNodes().catch(() => 0);
  const binDir = findRabbitmqServer();
  if (binDir === undefined) {
    throw new BrokerStartError(notInstalledMessage());
  }
  const [plan] = await prepareNodes(1, {
    preferStandardPorts: options.preferStandardPorts ?? true,
    tls: options.tls,
  });
  if (plan === undefined) throw new BrokerStartError('No private RabbitMQ node was planned.');
  const epmdPort = Number(process.env.ERL_EPMD_PORT) || 4369;
  const startedEpmd = !(await isListening('127.0.0.1', epmdPort));

  const { child, exitState } = launchServer(binDir, plan);
  const handle = createHandle(plan, child, '', startedEpmd);
  trackUntilStopped(handle, child);
  await writeNodeRecord({
    ownerPid: process.pid,
    serverPid: child.pid ?? 0,
    baseDir: plan.baseDir,
    nodeName: plan.nodeName,
    ports: [...listenerPorts(plan), plan.distPort],
    startedEpmd,
  });

  try {
    const version = await waitUntilReady(
      plan,
      exitState,
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      options.onProgress ?? (() => {}),
    );
    return { ...handle, version };
  } catch (error) {
    // A node that failed to boot has nothing worth a graceful shutdown; the
    // error detail was read from its logs already.
    handle.stopSync();
    throw error;
  }
}
