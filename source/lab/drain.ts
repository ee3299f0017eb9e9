/**
 * When is a draining run settled? Pure judgements of the broker's counters and the actors, plus
 * the two waits the session runs on them (the queues emptied, then the consumers' last reports).
 */
import type { QueueCounters } from '../broker/management-client.js';
import type { QueueSpec } from '../scenario/schema.js';
import { owedToQueues, type RunFacts } from './lab-report.js';
import { type ActorView, liveActors } from './store.js';

/**
 * Retry queues (a TTL and a dead-letter exchange) send their messages back after the TTL: they
 * are in transit, not waiting. Name → TTL in ms.
 */
export function retryQueues(queues: readonly QueueSpec[]): Map<string, number> {
  return new Map(
    queues.flatMap((q) => {
      const ttl = q.arguments['x-message-ttl'];
      return typeof ttl === 'number' && q.arguments['x-dead-letter-exchange'] !== undefined
        ? [[q.name, ttl] as const]
        : [];
    }),
  );
}

/** The queues someone will still empty: a live consumer is on them, or they are retry queues. */
export function pendingQueues(
  queues: readonly QueueCounters[],
  consumers: readonly ActorView[],
  retry: ReadonlyMap<string, number>,
): QueueCounters[] {
  return queues.filter((q) => {
    // A stream keeps its messages: its ready count never goes down.
    if (q.type === 'stream') return false;
    const on = consumers.filter((a) => a.config.kind === 'consumer' && a.queue === q.name);
    if (retry.has(q.name)) return q.messagesReady > 0;
    if (on.length === 0) return false; // nobody will empty it
    const holdsForever = on.some((a) => a.config.kind === 'consumer' && a.config.ack === 'never');
    return q.messagesReady > 0 || (!holdsForever && q.messagesUnacknowledged > 0);
  });
}

/** Every manual-ack consumer has settled what it reported receiving. */
export function consumersSettled(actors: readonly ActorView[]): boolean {
  return actors.every(
    (a) =>
      a.config.kind !== 'consumer' ||
      a.config.ack !== 'manual' ||
      a.received <= a.acked + a.nacked + a.abandoned,
  );
}

/**
 * Every promised message is accounted for by id, and every live consumer's queue has its copy
 * (a message copied to three queues is not settled when one of them has it).
 */
export function settledById(facts: RunFacts): boolean {
  if (facts.ledger.unaccounted() > 0) return false;
  const live = liveActors(facts.state).flatMap((a) =>
    a.config.kind === 'consumer' && a.queue !== undefined ? [a.queue] : [],
  );
  return owedToQueues(facts, new Set(live)) === 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `settled()` holds or the deadline passes. */
export async function waitUntil(
  settled: () => boolean | Promise<boolean>,
  deadline: number,
  everyMs: number,
): Promise<void> {
  while (Date.now() < deadline) {
    if (await settled()) return;
    await sleep(everyMs);
  }
}
