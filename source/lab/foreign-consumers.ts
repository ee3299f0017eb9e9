/**
 * Consumers outside the lab, seen in the broker's counts: a queue with more consumers than the
 * lab runs on it. Lab consumers still starting or gone in the last 2 s (10 s on a stream) count as
 * ours (the broker's view and ours differ for a moment), and the excess must show in two polls in
 * a row.
 */
import type { QueueCounters } from '../broker/management-client.js';
import { type ActorView, consumerQueue, isLive } from './store.js';

const graceMs = 2000;
/**
 * A stream's consumer count comes from statistics (its declare-ok counts none), which keep a
 * consumer that went away for several seconds.
 */
const streamGraceMs = 10_000;

export class ForeignConsumers {
  /** When consumers exited, so the broker's lagging count of them is not taken for foreign ones. */
  private readonly exitedAt = new Map<string, number>();
  /** Polls in a row that showed more consumers than the lab runs, per queue. */
  private readonly excessPolls = new Map<string, number>();
  /** Queues that had a consumer outside the lab at some point of the run. */
  readonly queues = new Set<string>();

  exited(id: string, at: number): void {
    this.exitedAt.set(id, at);
  }

  /** The queues newly seen with foreign consumers in this poll, and how many there are. */
  note(
    counters: readonly QueueCounters[],
    actors: readonly ActorView[],
    now: number,
  ): { queue: string; outside: number }[] {
    const found: { queue: string; outside: number }[] = [];
    for (const q of counters) {
      const ours = actors.filter((a) => {
        if (a.config.kind !== 'consumer' || consumerQueue(a) !== q.name) return false;
        if (isLive(a) || a.status === 'stopping') return true;
        const grace = q.type === 'stream' ? streamGraceMs : graceMs;
        return now - (this.exitedAt.get(a.id) ?? 0) < grace;
      }).length;
      const excess = q.consumers > ours ? (this.excessPolls.get(q.name) ?? 0) + 1 : 0;
      this.excessPolls.set(q.name, excess);
      if (excess >= 2 && !this.queues.has(q.name)) {
        this.queues.add(q.name);
        found.push({ queue: q.name, outside: q.consumers - ours });
      }
    }
    return found;
  }
}
