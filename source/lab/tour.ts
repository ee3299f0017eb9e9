/** The guided tour: each step at its time says something and may act on the session. */
import type { ActorSpec, TourStep } from '../scenario/schema.js';

/** What a tour step can do: the session's own actions, nothing more. */
export interface TourHost {
  say(index: number, text: string): void;
  notice(text: string): void;
  spawn(spec: ActorSpec): string | undefined;
  kill(id: string): void;
  stop(id: string): void;
  post(id: string, body: string, key?: string): void;
  addQueue(name?: string): void;
  setPaused(id: string, paused: boolean): void;
  node(action: 'kill' | 'stop' | 'freeze' | 'thaw' | 'start', leaderOf?: string): void;
}

export class TourPlayer {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly done = new Set<number>();
  /** Names the tour gave to actors it spawned, to their ids. */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly steps: readonly TourStep[],
    private readonly host: TourHost,
  ) {}

  /** Each step at its time (`at` seconds from now). */
  start(steps: readonly TourStep[] = this.steps): void {
    steps.forEach((step, index) => {
      const timer = setTimeout(() => this.run(step, index), step.at * 1000);
      timer.unref();
      this.timers.set(index, timer);
    });
  }

  /** Play the next step now instead of waiting for its time. */
  next(): void {
    const index = this.steps.findIndex((_, i) => !this.done.has(i));
    const step = this.steps[index];
    if (!step) {
      this.host.notice('The tour is over; press q to quit or keep experimenting.');
      return;
    }
    clearTimeout(this.timers.get(index));
    this.run(step, index);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
  }

  private id(ref: string): string {
    return this.names.get(ref) ?? ref;
  }

  private run(step: TourStep, index: number): void {
    if (this.done.has(index)) return;
    this.done.add(index);
    this.timers.delete(index);
    this.host.say(index, step.say);
    const action = step.do;
    if (!action) return;
    if ('spawn' in action) {
      const id = this.host.spawn(action.spawn);
      if (id && action.as) this.names.set(action.as, id);
    } else if ('kill' in action) this.host.kill(this.id(action.kill));
    else if ('stop' in action) this.host.stop(this.id(action.stop));
    else if ('post' in action) {
      const { to, body, key } = action.post;
      this.host.post(this.id(to), body, key);
    } else if ('addQueue' in action)
      this.host.addQueue(action.addQueue === true ? undefined : action.addQueue);
    else if ('node' in action) this.host.node(action.node, action.leaderOf);
    else if ('pause' in action) this.host.setPaused(this.id(action.pause), true);
    else this.host.setPaused(this.id(action.resume), false);
  }
}
