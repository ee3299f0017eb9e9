/**
 * What the poller reads besides queue counters, when the scenario needs it: which consumer is
 * active on a single-active-consumer queue, and what at-least-once queues hold for dead-lettering.
 */
import type { ManagementClient } from '../broker/management-client.js';
import type { PollerOptions } from '../broker/poller.js';
import type { TopologySpec } from '../broker/topology.js';
import { hasSingleActiveQueue, readActivity } from './consumer-activity.js';
import { atLeastOnceQueues } from './run-end.js';

export function pollExtras(
  topology: TopologySpec | undefined,
  management: ManagementClient,
  vhost: string,
  runId: string,
): Pick<PollerOptions, 'activity' | 'held'> {
  const atLeastOnce = atLeastOnceQueues(topology?.queues ?? []);
  return {
    ...(hasSingleActiveQueue(topology)
      ? { activity: () => readActivity(management, vhost, runId) }
      : {}),
    ...(atLeastOnce.length > 0 ? { held: () => management.heldForDeadLettering(vhost) } : {}),
  };
}
