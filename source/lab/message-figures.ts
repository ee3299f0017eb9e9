/**
 * The report's per-message figures: what the promise came to, message by message, for the whole
 * run and per queue: confirmed and lost, duplicated (delivered again without the redelivered
 * flag), redelivered, reordered (first delivered after a later message of the same producer).
 */
import type { Accounting } from './accounting.js';
import type { Ledger } from './ledger.js';
import { describeFate, type Fate } from './limit-fates.js';
import type { PriorityOrder } from './priority-order.js';

/** A priority queue's deliveries at one priority (as published). */
export interface PriorityFigures {
  readonly priority: number;
  readonly delivered: number;
  /** Delivered after a later message with a higher priority. */
  readonly overtaken: number;
  /** Publish → delivery, as the consumers measured it. */
  readonly meanWaitMs?: number;
}

export interface QueueFigures {
  readonly queue: string;
  /** Distinct lab messages delivered from it. */
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly redelivered: number;
  readonly reordered: number;
  /** Messages with a priority: per priority, highest first. */
  readonly priorities?: readonly PriorityFigures[];
}

export interface MessageFigures {
  readonly published: number;
  /** Absent when no producer used publisher confirms. */
  readonly confirmed?: number;
  /** Promised (confirmed, or published without confirms) and found nowhere. */
  readonly lost: number;
  readonly duplicated: number;
  readonly redelivered: number;
  readonly reordered: number;
  readonly queues: readonly QueueFigures[];
  /** What queue limits did (dropped, refused, expired, dead-lettered), by id. */
  readonly limits?: readonly Fate[];
  /** Neither handled nor waiting, and no queue limit explains it (when limits did something). */
  readonly unexplained?: { readonly count: number; readonly ids: string };
}

function priorityFigures(order: PriorityOrder, queue: string): PriorityFigures[] | undefined {
  const tallies = order.byQueue.get(queue);
  if (!tallies) return undefined;
  return [...tallies]
    .sort(([a], [b]) => b - a)
    .map(([priority, t]) => ({
      priority,
      delivered: t.delivered,
      overtaken: t.overtaken,
      ...(t.waited > 0 ? { meanWaitMs: Math.round(t.waitMs / t.waited) } : {}),
    }));
}

export function messageFigures(ledger: Ledger, accounting: Accounting): MessageFigures {
  const names = new Set([
    ...ledger.byQueue.keys(),
    ...accounting.limits.fates.map((f) => f.queue),
    ...[...accounting.lostByQueue.keys()].filter((q) => q !== '?'),
  ]);
  const queues = [...names].sort().map((queue): QueueFigures => {
    let delivered = 0;
    for (const set of ledger.byQueue.get(queue)?.values() ?? []) delivered += set.size;
    return {
      queue,
      delivered,
      lost: accounting.lostByQueue.get(queue) ?? 0,
      duplicated: ledger.duplicatesByQueue.get(queue) ?? 0,
      redelivered: ledger.redeliveriesByQueue.get(queue) ?? 0,
      reordered: ledger.order.reorderedByQueue.get(queue) ?? 0,
      ...optional('priorities', priorityFigures(ledger.limits.order, queue)),
    };
  });
  const { fates, unexplained } = accounting.limits;
  return {
    published: accounting.published,
    ...(accounting.confirmed === undefined ? {} : { confirmed: accounting.confirmed }),
    lost: accounting.lost,
    duplicated: ledger.duplicates,
    redelivered: ledger.redeliveries,
    reordered: ledger.order.reordered,
    queues,
    ...(fates.length > 0 ? { limits: fates, unexplained } : {}),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [k in K]: V });
}

/** The figures as report lines: the run's totals, then one line per queue. */
export function messageLines(m: MessageFigures): string[] {
  const promised = m.confirmed === undefined ? 'lost' : 'confirmed and lost';
  const lines = [
    `messages: ${m.published} published${m.confirmed === undefined ? '' : ` · ${m.confirmed} confirmed`} · ${m.lost} ${promised} · ${m.duplicated} duplicated · ${m.redelivered} redelivered · ${m.reordered} reordered`,
  ];
  const width = Math.max(0, ...m.queues.map((q) => q.queue.length)) + 2;
  for (const q of m.queues) {
    lines.push(
      `  ${q.queue.padEnd(width)}${q.delivered} delivered · ${q.lost} lost · ${q.duplicated} duplicated · ${q.redelivered} redelivered · ${q.reordered} reordered`,
    );
    for (const p of q.priorities ?? []) {
      const wait =
        p.meanWaitMs === undefined ? '' : ` · mean wait ${(p.meanWaitMs / 1000).toFixed(2)} s`;
      lines.push(
        `  ${''.padEnd(width)}  priority ${p.priority}: ${p.delivered} delivered${wait} · ${p.overtaken} overtaken`,
      );
    }
  }
  for (const f of m.limits ?? []) lines.push(`  ${describeFate(f)}`);
  if (m.unexplained && m.unexplained.count > 0)
    lines.push(`  ${m.unexplained.count} not explained by a queue limit: ${m.unexplained.ids}`);
  return lines;
}
