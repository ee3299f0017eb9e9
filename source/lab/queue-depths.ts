/**
 * Each queue's ready and unacked counters over the whole run, from the broker's polls, for the
 * report page's charts. Bounded however long the run: past `MAX_POINTS` samples a queue's series
 * is halved (each pair of samples becomes one with the higher counts, so peaks survive) and later
 * samples are merged as many at a time, so a series spans the run with evenly spaced points.
 */
import type { PollResult } from '../broker/poller.js';

/** The most points a queue's series holds. */
export const MAX_POINTS = 600;
/** The most queues followed (a vhost may hold many besides the lab's). */
const MAX_QUEUES = 200;

export interface DepthPoint {
  /** When the (first merged) sample was taken, ms since epoch. */
  readonly at: number;
  readonly ready: number;
  readonly unacked: number;
}

export interface DepthSeries {
  readonly queue: string;
  readonly points: readonly DepthPoint[];
}

const merge = (a: DepthPoint, b: DepthPoint): DepthPoint => ({
  at: a.at,
  ready: Math.max(a.ready, b.ready),
  unacked: Math.max(a.unacked, b.unacked),
});

class Series {
  readonly points: DepthPoint[] = [];
  /** How many samples each point holds now, and the point being filled. */
  private stride = 1;
  private pending: { point: DepthPoint; count: number } | undefined;

  add(point: DepthPoint): void {
    const pending = this.pending
      ? { point: merge(this.pending.point, point), count: this.pending.count + 1 }
      : { point, count: 1 };
    if (pending.count < this.stride) {
      this.pending = pending;
      return;
    }
    this.pending = undefined;
    this.points.push(pending.point);
    if (this.points.length < MAX_POINTS) return;
    const halved: DepthPoint[] = [];
    for (let i = 0; i < this.points.length; i += 2) {
      const a = this.points[i];
      const b = this.points[i + 1];
      if (a) halved.push(b ? merge(a, b) : a);
    }
    this.points.splice(0, this.points.length, ...halved);
    this.stride *= 2;
  }

  /** The points, with the one still being filled. */
  all(): DepthPoint[] {
    return this.pending ? [...this.points, this.pending.point] : [...this.points];
  }
}

export class QueueDepths {
  private readonly byQueue = new Map<string, Series>();

  /** One poll: a sample for every queue it lists (a failed poll has none). */
  note(result: PollResult, at: number): void {
    if (result.error !== undefined) return;
    const when = result.sampledAt ?? at;
    for (const q of result.queues) {
      let series = this.byQueue.get(q.name);
      if (!series) {
        if (this.byQueue.size >= MAX_QUEUES) continue;
        series = new Series();
        this.byQueue.set(q.name, series);
      }
      series.add({ at: when, ready: q.messagesReady, unacked: q.messagesUnacknowledged });
    }
  }

  /** Every queue's series, in the order the polls first listed them. */
  series(): DepthSeries[] {
    return [...this.byQueue].map(([queue, s]) => ({ queue, points: s.all() }));
  }
}
