/**
 * How many messages the broker delivered to consumers outside the lab, per queue: the ceiling on
 * what a run may call "taken by another program" instead of lost. Read from the management API's
 * per-channel statistics (which lag by the broker's collect_statistics_interval), counting only
 * what each channel got after the run first saw it.
 */
import type { ManagementClient } from './management-client.js';

/** What the broker delivered to channels outside the lab that consume from a queue. */
export interface ForeignDeliveries {
  readonly queue: string;
  readonly delivered: number;
  readonly channels: number;
}

/** The client property every lab connection carries, so its channels can be told apart. */
export const runProperty = 'rabbit-lab-run';

interface ChannelSeen {
  readonly queues: Set<string>;
  /** Deliveries when the run first saw the channel (0 for channels that came later). */
  readonly baseline: number;
  delivered: number;
}

export class ForeignTracker {
  private readonly channels = new Map<string, ChannelSeen>();
  private polls = 0;
  /** The last error, cleared by the next good reading. */
  error: string | undefined;

  constructor(
    private readonly client: ManagementClient,
    private readonly vhost: string,
    private readonly runId: string,
  ) {}

  /** One reading; the first one sets the baselines. */
  async poll(): Promise<void> {
    try {
      const [channels, consumers, connections] = await Promise.all([
        this.client.channelDeliveries(this.vhost),
        this.client.consumerChannels(this.vhost),
        this.client.connectionProperty(this.vhost, runProperty),
      ]);
      const ours = new Set(connections.filter((c) => c.value === this.runId).map((c) => c.name));
      const queuesOf = new Map<string, string[]>();
      for (const c of consumers)
        queuesOf.set(c.channel, [...(queuesOf.get(c.channel) ?? []), c.queue]);
      for (const ch of channels) {
        if (ours.has(ch.connection)) continue;
        let seen = this.channels.get(ch.name);
        if (!seen) {
          seen = { queues: new Set(), baseline: this.polls === 0 ? ch.delivered : 0, delivered: 0 };
          this.channels.set(ch.name, seen);
        }
        seen.delivered = Math.max(seen.delivered, ch.delivered);
        for (const q of queuesOf.get(ch.name) ?? []) seen.queues.add(q);
      }
      this.polls++;
      this.error = undefined;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  /**
   * The end of a run: read until what the broker delivered covers the `unaccounted` messages, or
   * the figures stayed the same for a whole statistics interval (`intervalMs`; they lag by it).
   */
  async settle(unaccounted: () => number, intervalMs: number): Promise<void> {
    const deadline = Date.now() + intervalMs + 1500;
    let last = '';
    for (let n = 0; Date.now() < deadline; n++) {
      await this.poll();
      const deliveries = this.deliveries();
      const now = JSON.stringify(deliveries);
      const covered = deliveries.reduce((sum, d) => sum + d.delivered, 0);
      const stable = n > 0 && now === last && Date.now() > deadline - 1500;
      if (unaccounted() <= covered || stable) return;
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Per queue: deliveries to channels outside the lab consuming it, since the run began. */
  deliveries(): ForeignDeliveries[] {
    const byQueue = new Map<string, { delivered: number; channels: number }>();
    for (const ch of this.channels.values()) {
      const delivered = Math.max(0, ch.delivered - ch.baseline);
      for (const queue of ch.queues) {
        const entry = byQueue.get(queue) ?? { delivered: 0, channels: 0 };
        entry.delivered += delivered;
        entry.channels++;
        byQueue.set(queue, entry);
      }
    }
    return [...byQueue]
      .map(([queue, e]) => ({ queue, ...e }))
      .sort((a, b) => a.queue.localeCompare(b.queue));
  }
}
