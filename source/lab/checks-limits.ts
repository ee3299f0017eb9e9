/**
 * The checks of queue limits and priorities: a priority queue delivers the highest priority
 * waiting first (`priority-order`), and every message that was not handled or still waiting met a
 * queue limit that explains where it went (`limits-explained`).
 */
import { accountingOf, type CheckContext, type Finding } from './check-facts.js';
import { describeFate } from './limit-fates.js';
import type { PriorityTally } from './priority-order.js';

/** Per priority, highest first: `priority 9: 12 delivered, mean wait 0.3 s, 0 overtaken`. */
export function priorityLines(tallies: ReadonlyMap<number, PriorityTally>): string[] {
  return [...tallies]
    .sort(([a], [b]) => b - a)
    .map(([priority, t]) => {
      const wait = t.waited > 0 ? `, mean wait ${(t.waitMs / t.waited / 1000).toFixed(2)} s` : '';
      return `priority ${priority}: ${t.delivered} delivered${wait}, ${t.overtaken} overtaken`;
    });
}

/**
 * Among the messages that waited in a queue together, a higher priority went first: some message
 * was overtaken by a later, higher-priority one (one producer, one queue, one consumer), and none
 * was delivered while a higher-priority message published before it still waited. A queue the
 * producers send priorities to without x-max-priority fails: it delivers in publish order.
 */
export function priorityOrder(c: CheckContext): Finding {
  const order = c.ledger.limits.order;
  if (order.byQueue.size === 0)
    return { ok: true, idle: true, detail: 'no lab consumer received a message with a priority' };
  const queues = [...order.byQueue].map(([queue, tallies]) => {
    const spec = c.queueSpecs.find((q) => q.name === queue);
    const max = spec?.arguments['x-max-priority'];
    const note =
      spec === undefined
        ? ''
        : max === undefined
          ? ' (no x-max-priority)'
          : ` (x-max-priority ${String(max)})`;
    return {
      queue,
      plain: spec !== undefined && max === undefined,
      text: `${queue}${note}: ${priorityLines(tallies).join(' · ')}`,
    };
  });
  const plain = queues.filter((q) => q.plain).map((q) => q.queue);
  const summary = queues.map((q) => q.text).join('; ');
  if (order.inverted > 0) {
    return {
      ok: false,
      detail: `${order.inverted} delivered while a later, lower-priority message had gone first: ${order.examples.join('; ')}; ${summary}`,
    };
  }
  if (order.overtaken > 0)
    return {
      ok: true,
      detail: `${order.overtaken} overtaken by later, higher-priority messages; ${summary}`,
    };
  if (plain.length > 0) {
    return {
      ok: false,
      detail: `no message overtook another: ${plain.join(', ')} has no x-max-priority, so the broker delivers in publish order whatever the priority; ${summary}`,
    };
  }
  return {
    ok: true,
    idle: true,
    detail: `no message was overtaken: no backlog of lower priorities built up before a higher one came; ${summary}`,
  };
}

/**
 * Every message that was neither handled nor waiting at the end was dropped, refused, expired or
 * dead-lettered by a queue limit, named by id; one that vanished without a limit to explain it
 * fails the check.
 */
export function limitsExplained(c: CheckContext): Finding {
  const a = accountingOf(c);
  const { fates, unexplained } = a.limits;
  if (a.published === 0)
    return { ok: true, idle: true, detail: 'no lab producer published a message' };
  const told = fates.map(describeFate).join('; ');
  if (unexplained.count > 0) {
    return {
      ok: false,
      detail: `${unexplained.count} neither handled nor waiting, and no queue limit explains it: ${unexplained.ids}${told ? `; ${told}` : ''}`,
    };
  }
  if (fates.length === 0)
    return { ok: true, idle: true, detail: `no message met a queue limit (${a.handled} handled)` };
  return { ok: true, detail: `${a.handled} handled; ${told}` };
}
