/**
 * The report's per-message figures: what the promise came to, message by message, for the whole
 * run and per queue: confirmed and lost, duplicated (delivered again without the redelivered
 * flag), redelivered, reordered (first delivered after a later message of the same producer).
 */
import type { Accounting } from './accounting.js';
import type { Ledger } from './ledger.js';

export interface QueueFigures {
  readonly queue: string;
  /** Distinct lab messages delivered from it. */
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly redelivered: number;
  readonly reordered: number;
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
}

export function messageFigures(ledger: Ledger, accounting: Accounting): MessageFigures {
  const names = new Set([
    ...ledger.byQueue.keys(),
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
    };
  });
  return {
    published: accounting.published,
    ...(accounting.confirmed === undefined ? {} : { confirmed: accounting.confirmed }),
    lost: accounting.lost,
    duplicated: ledger.duplicates,
    redelivered: ledger.redeliveries,
    reordered: ledger.order.reordered,
    queues,
  };
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
  }
  return lines;
}
