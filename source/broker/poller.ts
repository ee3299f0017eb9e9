import type { LatencyFigures } from '../lab/latency-book.js';
import type { ManagementClient, NodeFacts, QueueCounters } from './management-client.js';

/** A node with its client connections counted. */
export interface PolledNode extends NodeFacts {
  readonly connections: number;
}

import { ManagementError } from './management-client.js';

export interface PollResult {
  /** When the sample was taken (ms since epoch); undefined until the first success. */
  readonly sampledAt?: number;
  readonly queues: readonly QueueCounters[];
  /** A cluster's nodes (with `nodes` on); the previous list when this poll could not read them. */
  readonly nodes?: readonly PolledNode[];
  /**
   * On single-active-consumer queues: which of the lab's consumers (by actor id) the broker lets
   * receive (`active`) and which wait their turn.
   */
  readonly activity?: Readonly<Record<string, 'active' | 'waiting'>>;
  /** Publish → first delivery per queue over the last 10 s (the lab adds it, not the API). */
  readonly latency?: Readonly<Record<string, LatencyFigures>>;
  /** The last error, cleared by the next success. */
  readonly error?: string;
}

export interface PollerOptions {
  readonly client: ManagementClient;
  readonly vhost: string;
  readonly intervalMs?: number;
  readonly maxBackoffMs?: number;
  readonly onResult: (result: PollResult) => void;
  /** Which queues to keep (the vhost may hold anything else). */
  readonly include?: (name: string) => boolean;
  /**
   * Live consumer counts per queue. The management API only has them from statistics, which lag
   * and are missing for new queues; a passive declare answers with the live number.
   */
  readonly consumerCounts?: (names: readonly string[]) => Promise<ReadonlyMap<string, number>>;
  /** Also read the cluster's nodes and their connections. */
  readonly nodes?: boolean;
  /** Also read the dead letters queues hold for at-least-once dead-lettering (from statistics). */
  readonly held?: () => Promise<ReadonlyMap<string, number>>;
  /** Also read which consumers are active (single active consumer); undefined: none. */
  readonly activity?: () => Promise<Readonly<Record<string, 'active' | 'waiting'>>>;
}

/**
 * Polls queue counters. A poll starts only after the previous one finished (never stacks up),
 * and failures back off exponentially up to maxBackoffMs.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failures = 0;
  private last: PollResult = { queues: [] };
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Poll now (if none is running) and wait for it. */
  async pollNow(): Promise<PollResult> {
    if (!this.inFlight) this.inFlight = this.poll();
    await this.inFlight;
    return this.last;
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.inFlight) this.inFlight = this.poll();
      void this.inFlight.then(() => {
        const base = this.options.intervalMs ?? 500;
        const backoff = Math.min(base * 2 ** this.failures, this.options.maxBackoffMs ?? 2000);
        this.schedule(this.failures === 0 ? base : backoff);
      });
    }, delay);
    this.timer.unref();
  }

  /** Nodes and connections; a node that does not answer must not cost the queue counters. */
  private async readNodes(): Promise<readonly PolledNode[] | undefined> {
    try {
      const [nodes, connections] = await Promise.all([
        this.options.client.nodes(),
        this.options.client.connectionsPerNode(),
      ]);
      return nodes.map((n) => ({ ...n, connections: connections.get(n.name) ?? 0 }));
    } catch {
      return this.last.nodes;
    }
  }

  /** Consumer activity; when it cannot be read, the previous answer stands. */
  private async readActivity(): Promise<PollResult['activity']> {
    if (!this.options.activity) return undefined;
    try {
      return await this.options.activity();
    } catch {
      return this.last.activity;
    }
  }

  private async poll(): Promise<void> {
    try {
      const { include, consumerCounts } = this.options;
      let queues = await this.options.client.queues(this.options.vhost);
      if (include) queues = queues.filter((q) => include(q.name));
      if (consumerCounts) {
        const counts = await consumerCounts(queues.map((q) => q.name));
        // A stream's declare-ok counts no consumers: the management API's figure stands there.
        queues = queues.map((q) =>
          q.type === 'stream' ? q : { ...q, consumers: counts.get(q.name) ?? q.consumers },
        );
      }
      if (this.options.held) {
        const held = await this.options.held().catch(() => new Map<string, number>());
        queues = queues.map((q) => (held.has(q.name) ? { ...q, held: held.get(q.name) } : q));
      }
      this.failures = 0;
      const nodes = this.options.nodes ? await this.readNodes() : undefined;
      const activity = await this.readActivity();
      this.last = {
        sampledAt: Date.now(),
        queues,
        ...(nodes ? { nodes } : {}),
        ...(activity ? { activity } : {}),
      };
    } catch (error) {
      this.failures++;
      const message = error instanceof ManagementError ? error.message : String(error);
      this.last = { ...this.last, error: message };
    } finally {
      this.inFlight = undefined;
    }
    this.options.onResult(this.last);
  }
}
