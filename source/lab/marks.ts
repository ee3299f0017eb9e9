/**
 * What happened, marked on the sparklines' time axis: an actor started, stopped, was killed or
 * failed, it lost its connection (a broker restart, a node down), a tour step, a node went down or
 * came back. Pure, like the reducer that folds them in: a replay marks the same.
 */
import { HISTORY_MS } from './history.js';
import type { LabEvent, LabState } from './store.js';

export type MarkKind = 'start' | 'stop' | 'kill' | 'reconnect' | 'tour' | 'node';

export interface Mark {
  /** When (ms since epoch): the time of the last event that carried one. */
  readonly at: number;
  readonly kind: MarkKind;
}

/** The most marks kept (a busy minute stays bounded). */
const MAX_MARKS = 100;

function markOf(event: LabEvent, before: LabState): MarkKind | undefined {
  switch (event.type) {
    // The scenario's own actors start together and the end stops them all: not marked.
    case 'spawned':
      return before.phase === 'running' ? 'start' : undefined;
    case 'exit':
      return event.killed ? 'kill' : before.phase === 'running' ? 'stop' : undefined;
    case 'tour':
      return 'tour';
    case 'node':
      return event.status === 'down' || event.status === 'up' || event.status === 'frozen'
        ? 'node'
        : undefined;
    case 'actor': {
      if (event.message.type !== 'reconnecting') return undefined;
      // The first report of a lost connection, not each retry.
      const actor = before.actors.find((a) => a.id === event.id);
      return actor?.status === 'reconnecting' ? undefined : 'reconnect';
    }
    default:
      return undefined;
  }
}

function timeOf(event: LabEvent): number | undefined {
  return 'at' in event && typeof event.at === 'number' ? event.at : undefined;
}

/**
 * The state after `event` with the lab's clock moved on (the latest time an event carried) and
 * a mark for what happened, if it is one. Events without a time are marked at the clock. An
 * event that changed nothing leaves the state as it was, clock and all.
 */
export function withMarks(before: LabState, after: LabState, event: LabEvent): LabState {
  const kind = markOf(event, before);
  // Nothing changed (a consumer's receipts are ledger facts only): the same state, so the screen
  // is not drawn again for it; the next batch or poll moves the clock on.
  if (kind === undefined && after === before) return after;
  const at = timeOf(event);
  const clock = Math.max(before.clock ?? before.startedAt, at ?? 0);
  if (kind === undefined) return clock === after.clock ? after : { ...after, clock };
  const from = clock - HISTORY_MS;
  const kept = (after.marks ?? []).filter((m) => m.at >= from).slice(-(MAX_MARKS - 1));
  return { ...after, clock, marks: [...kept, { at: clock, kind }] };
}
