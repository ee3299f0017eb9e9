/**
 * What the ledger keeps of queue limits and priorities: each producer's priority cycle and TTL
 * (a message's priority follows from its sequence number, so nothing is kept per message), the
 * priority order consumers saw, and the messages the broker dead-lettered on their way, by the
 * queue and reason of their x-death header.
 */
import type { Death, ProducerConfig } from '../actors/protocol.js';
import { priorityOf } from '../actors/protocol.js';
import { PriorityOrder } from './priority-order.js';
import { SeqSet } from './seq-set.js';

export interface DeathSets {
  readonly queue: string;
  /** x-death's reason: maxlen, expired, rejected, delivery_limit. */
  readonly reason: string;
  readonly sets: Map<string, SeqSet>;
}

export class LimitsLedger {
  /** Producers whose settings were looked up. */
  readonly known = new Set<string>();
  private readonly priorities = new Map<string, readonly number[]>();
  /** Per-message TTL (ms) per producer. */
  readonly ttl = new Map<string, number>();
  readonly order = new PriorityOrder();
  readonly deaths = new Map<string, DeathSets>();

  register(producer: string, config: Pick<ProducerConfig, 'priorities' | 'ttlMs'>): void {
    this.known.add(producer);
    if (config.priorities) this.priorities.set(producer, config.priorities);
    if (config.ttlMs !== undefined) this.ttl.set(producer, config.ttlMs);
  }

  hasPriorities(producer: string): boolean {
    return this.priorities.has(producer);
  }

  /** The priority a message went out with (0: none, as the broker counts it). */
  priority(producer: string, seq: number): number {
    return priorityOf(this.priorities.get(producer), seq) ?? 0;
  }

  recordDeaths(deaths: readonly Death[]): void {
    for (const [queue, reason, runs] of deaths) {
      const key = `${queue}\u0000${reason}`;
      let entry = this.deaths.get(key);
      if (!entry) {
        entry = { queue, reason, sets: new Map() };
        this.deaths.set(key, entry);
      }
      for (const [producer, first, last] of runs) {
        let set = entry.sets.get(producer);
        if (!set) {
          set = new SeqSet();
          entry.sets.set(producer, set);
        }
        set.add(first, last);
      }
    }
  }

  /** Where and why the broker dead-lettered a message, if a consumer got it with x-death. */
  deathOf(producer: string, seq: number): DeathSets | undefined {
    for (const entry of this.deaths.values()) if (entry.sets.get(producer)?.has(seq)) return entry;
    return undefined;
  }
}
