/**
 * What queue limits did to the run's messages, by id: dropped from the head of a full queue,
 * refused (nacked) by a full queue that rejects publishes, expired by a TTL, or dead-lettered by
 * the broker (what a consumer's x-death header says) and then handled or still waiting. A message
 * that was neither handled nor waiting and that no limit explains is unexplained: the
 * limits-explained check fails on it.
 */
import type { QueueSpec } from '../scenario/schema.js';
import { IdRanges } from './id-ranges.js';
import type { Ledger } from './ledger.js';

export type FateKind = 'dropped' | 'refused' | 'expired' | 'dead-lettered';

export interface Fate {
  readonly fate: FateKind;
  readonly queue: string;
  /** The limit that did it, as declared: `x-max-length 5, x-overflow drop-head`. */
  readonly limit: string;
  /** Dead-lettered: where they were seen after (`handled from limit.dlq`). */
  readonly then?: string;
  readonly count: number;
  /** Their ids as runs: `P1-3…P1-9, P1-12`. */
  readonly ids: string;
  /** The first and last of them, in publish order per producer. */
  readonly first?: string;
  readonly last?: string;
}

export interface LimitFates {
  readonly fates: readonly Fate[];
  /** Neither handled nor waiting, and no queue limit explains it. */
  readonly unexplained: { readonly count: number; readonly ids: string };
}

/** What the accounting knows of queues and routes. */
export interface Routes {
  spec(queue: string): QueueSpec | undefined;
  destinations(producer: string, seq: number): string[];
}

function arg(spec: QueueSpec | undefined, name: string): string | undefined {
  const value = spec?.arguments[name];
  return value === undefined ? undefined : String(value);
}

/** A queue's length limit as declared, with its overflow mode (drop-head when not given). */
export function lengthLimit(spec: QueueSpec | undefined): string | undefined {
  const parts = ['x-max-length', 'x-max-length-bytes'].flatMap((name) => {
    const value = arg(spec, name);
    return value === undefined ? [] : [`${name} ${value}`];
  });
  if (parts.length === 0) return undefined;
  return `${parts.join(', ')}, x-overflow ${arg(spec, 'x-overflow') ?? 'drop-head'}`;
}

/** The TTLs a message had in a queue: the queue's x-message-ttl and its own expiration. */
function ttlLimit(spec: QueueSpec | undefined, ttlMs: number | undefined): string | undefined {
  const queue = arg(spec, 'x-message-ttl');
  const parts = [
    queue === undefined ? '' : `x-message-ttl ${queue} ms`,
    ttlMs === undefined ? '' : `expiration ${ttlMs} ms`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export class FateBook {
  private readonly groups = new Map<
    string,
    Omit<Fate, 'count' | 'ids' | 'first' | 'last'> & { ids: IdRanges }
  >();
  private readonly unexplained = new IdRanges();

  constructor(
    private readonly ledger: Ledger,
    private readonly routes: Routes,
  ) {}

  private add(
    fate: Omit<Fate, 'count' | 'ids' | 'first' | 'last'>,
    producer: string,
    seq: number,
  ): void {
    const key = `${fate.fate}\u0000${fate.queue}\u0000${fate.limit}\u0000${fate.then ?? ''}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { ...fate, ids: new IdRanges() };
      this.groups.set(key, group);
    }
    group.ids.add(producer, seq);
  }

  /** Whether consumers got messages the broker dead-lettered (or `seen` has nothing to do). */
  get deadLetters(): boolean {
    return this.ledger.limits.deaths.size > 0;
  }

  /** Handled, or waiting at the end (`then` says which): dead-lettered by the broker on the way? */
  seen(producer: string, seq: number, then: string): void {
    const death = this.ledger.limits.deathOf(producer, seq);
    if (!death || death.reason === 'rejected') return;
    const spec = this.routes.spec(death.queue);
    const limit =
      death.reason === 'maxlen'
        ? lengthLimit(spec)
        : death.reason === 'expired'
          ? ttlLimit(spec, this.ledger.limits.ttl.get(producer))
          : undefined;
    const why = `${limit === undefined ? '' : `${limit}, `}x-death reason ${death.reason}`;
    this.add({ fate: 'dead-lettered', queue: death.queue, limit: why, then }, producer, seq);
  }

  /** Nacked by the broker: by a full queue that rejects publishes? `seen`: it got somewhere too. */
  refused(producer: string, seq: number, seen: boolean): void {
    const queue = this.routes.destinations(producer, seq).find((q) => {
      const spec = this.routes.spec(q);
      return (
        lengthLimit(spec) !== undefined && arg(spec, 'x-overflow')?.startsWith('reject-publish')
      );
    });
    const limit = queue === undefined ? undefined : lengthLimit(this.routes.spec(queue));
    if (queue !== undefined && limit !== undefined)
      this.add({ fate: 'refused', queue, limit }, producer, seq);
    else if (!seen) this.unexplained.add(producer, seq);
  }

  /** Promised and found nowhere: dropped or expired by a limit that discards (no dead-letter exchange)? */
  lost(producer: string, seq: number): void {
    for (const queue of this.routes.destinations(producer, seq)) {
      const spec = this.routes.spec(queue);
      if (arg(spec, 'x-dead-letter-exchange') !== undefined) continue;
      const length = lengthLimit(spec);
      if (length !== undefined && (arg(spec, 'x-overflow') ?? 'drop-head') === 'drop-head') {
        this.add({ fate: 'dropped', queue, limit: length }, producer, seq);
        return;
      }
      const ttl = ttlLimit(spec, this.ledger.limits.ttl.get(producer));
      if (ttl !== undefined) {
        this.add({ fate: 'expired', queue, limit: ttl }, producer, seq);
        return;
      }
    }
    this.unexplained.add(producer, seq);
  }

  /** Gone for a reason that is no queue limit (returned as unroutable, say). */
  other(producer: string, seq: number): void {
    this.unexplained.add(producer, seq);
  }

  result(): LimitFates {
    return {
      fates: [...this.groups.values()].map(({ ids, ...fate }) => ({
        ...fate,
        count: ids.count,
        ids: ids.format(),
        ...ids.ends(),
      })),
      unexplained: { count: this.unexplained.count, ids: this.unexplained.format() },
    };
  }
}

/** A fate as words: `12 dropped from q (x-max-length 5, x-overflow drop-head): P1-3…P1-14`. */
export function describeFate(f: Fate): string {
  const what = {
    dropped: 'dropped from',
    refused: 'refused (nacked) by',
    expired: 'expired in',
    'dead-lettered': 'dead-lettered from',
  }[f.fate];
  return `${f.count} ${what} ${f.queue} (${f.limit})${f.then ? `, then ${f.then}` : ''}: ${f.ids}`;
}
