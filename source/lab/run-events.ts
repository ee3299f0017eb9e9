/**
 * What happened in a run, with its time, for the report (and a page drawn from it): actors
 * started, stopped, killed or failed, tour steps, a private cluster's nodes going down and coming
 * back. The session notes each event as it dispatches it and a replay as it reads it (with the
 * line's time), so both list the same.
 */
import type { LabEvent, LabState } from './store.js';

export interface RunEvent {
  /** Seconds into the run, to a tenth. */
  readonly atS: number;
  readonly kind: 'actor' | 'tour' | 'node';
  readonly text: string;
}

/** The most a report lists (a run's own actions are few; a long run with a busy tour stays bounded). */
const MAX_EVENTS = 500;

function describe(event: LabEvent, state: LabState): Omit<RunEvent, 'atS'> | undefined {
  switch (event.type) {
    case 'spawned':
      return { kind: 'actor', text: `${event.config.id} started` };
    case 'exit': {
      const how = event.killed
        ? 'killed'
        : event.code !== 0 && event.code !== null
          ? 'failed'
          : 'stopped';
      return { kind: 'actor', text: `${event.id} ${how}` };
    }
    case 'tour':
      return { kind: 'tour', text: `tour ${event.index + 1}: ${event.text}` };
    case 'node': {
      const n = state.cluster?.nodes.find((x) => x.nodeName === event.nodeName);
      if (event.status === 'booting' || event.status === 'stopping') return undefined;
      return { kind: 'node', text: `node ${n?.number ?? event.nodeName} ${event.status}` };
    }
    default:
      return undefined;
  }
}

export class RunEvents {
  private readonly list: RunEvent[] = [];

  /** `state` as it was before the event; `at` when it happened (ms since epoch). */
  note(event: LabEvent, state: LabState, at: number): void {
    if (this.list.length >= MAX_EVENTS) return;
    const found = describe(event, state);
    if (found === undefined) return;
    this.list.push({ atS: Math.round((at - state.startedAt) / 100) / 10, ...found });
  }

  /** The events so far (a copy: the run goes on after its report is taken). */
  report(): readonly RunEvent[] {
    return [...this.list];
  }
}
