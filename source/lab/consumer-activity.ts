/**
 * Single active consumer: the broker lets one consumer of such a queue receive and keeps the
 * others waiting. The management API says which (from statistics, a second or more late); the
 * lab's consumer tags name their actor, so the screen can mark the active one.
 */
import { actorOfConsumerTag } from '../actors/protocol.js';
import type { ManagementClient } from '../broker/management-client.js';
import type { TopologySpec } from '../broker/topology.js';
import { isSingleActiveQueue } from '../scenario/schema.js';

export type Activity = Readonly<Record<string, 'active' | 'waiting'>>;

/** Whether the topology has a single-active-consumer queue, so activity is worth polling. */
export function hasSingleActiveQueue(topology: TopologySpec | undefined): boolean {
  return topology?.queues.some((q) => isSingleActiveQueue(q)) ?? false;
}

/** Which of this run's consumers are active or waiting, by actor id. */
export async function readActivity(
  management: ManagementClient,
  vhost: string,
  runId: string,
): Promise<Activity> {
  const out: Record<string, 'active' | 'waiting'> = {};
  for (const c of await management.consumerActivity(vhost)) {
    const actor = actorOfConsumerTag(runId, c.tag);
    if (actor === undefined) continue;
    if (c.active) out[actor] = 'active';
    else if (c.waiting && out[actor] === undefined) out[actor] = 'waiting';
  }
  return out;
}
