/**
 * The end of a run, once the lab's actors have stopped: what is left in each of its queues. The
 * queues this run created are read back by id (they are deleted right after); any other queue is
 * only counted, never drained, and the report says why.
 */
import type { ChannelModel } from 'amqplib';
import type { SeqRun } from '../actors/protocol.js';
import type { ManagementClient, QueueCounters } from '../broker/management-client.js';
import { readBack } from '../broker/read-back.js';
import type { QueueSpec } from '../scenario/schema.js';
import type { QueueEnd } from './accounting.js';

export interface QueuePlan {
  readonly queue: string;
  readonly readBack: boolean;
  readonly why?: string;
}

/** Which queues to read back and which only to count. */
export function planQueues(
  names: Iterable<string>,
  created: readonly string[],
  options: { keep: boolean; exclusive: ReadonlySet<string>; streams?: ReadonlySet<string> },
): QueuePlan[] {
  return [...names].sort().map((queue) => {
    if (options.exclusive.has(queue))
      return { queue, readBack: false, why: 'exclusive to its subscriber, gone with it' };
    if (options.streams?.has(queue))
      return {
        queue,
        readBack: false,
        why: 'a stream: reading it removes nothing, so it is only counted',
      };
    if (!created.includes(queue))
      return { queue, readBack: false, why: 'not created by this run, so not read back' };
    if (options.keep) return { queue, readBack: false, why: 'kept (--keep), so not read back' };
    return { queue, readBack: true };
  });
}

export interface QueueReading {
  readonly end: QueueEnd;
  readonly runs: readonly SeqRun[];
}

/**
 * Read back or count each planned queue. `counters` are the broker's live figures now;
 * `before` those from before the subscribers left (their exclusive queues are gone by now).
 */
export async function readQueues(
  connection: ChannelModel | undefined,
  plans: readonly QueuePlan[],
  runId: string,
  counters: readonly QueueCounters[],
  before: readonly QueueCounters[],
  held: ReadonlyMap<string, number> = new Map(),
): Promise<QueueReading[]> {
  const out: QueueReading[] = [];
  for (const plan of plans) {
    const kept = held.get(plan.queue) ?? 0;
    const heldPart = kept > 0 ? { held: kept } : {};
    const q =
      counters.find((c) => c.name === plan.queue) ?? before.find((c) => c.name === plan.queue);
    if (plan.readBack && connection) {
      const found = await readBack(connection, plan.queue, runId);
      out.push({
        end: {
          queue: plan.queue,
          readBack: true,
          ready: found.unread,
          unacked: 0,
          others: found.others,
          unread: found.unread,
          ...heldPart,
        },
        runs: found.runs,
      });
      continue;
    }
    out.push({
      end: {
        queue: plan.queue,
        readBack: false,
        ...(plan.why ? { why: plan.why } : {}),
        ready: q?.messagesReady ?? 0,
        unacked: q?.messagesUnacknowledged ?? 0,
        ...heldPart,
      },
      runs: [],
    });
  }
  return out;
}

/** Quorum queues that dead-letter at least once (they hold what their target refused). */
export function atLeastOnceQueues(queues: readonly QueueSpec[]): string[] {
  return queues
    .filter((q) => q.arguments['x-dead-letter-strategy'] === 'at-least-once')
    .map((q) => q.name);
}

/**
 * What those queues hold for dead-lettering at the end. The figure comes from statistics, a
 * collection interval late: read it, wait that long, read again, keep the larger.
 */
export async function readHeld(
  management: ManagementClient,
  vhost: string,
  queues: readonly string[],
  intervalMs: number,
): Promise<Map<string, number>> {
  if (queues.length === 0) return new Map();
  const read = async () => {
    const all = await management.heldForDeadLettering(vhost).catch(() => new Map<string, number>());
    return new Map([...all].filter(([q]) => queues.includes(q)));
  };
  const first = await read();
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
  const second = await read();
  for (const [q, n] of first) second.set(q, Math.max(n, second.get(q) ?? 0));
  return second;
}
