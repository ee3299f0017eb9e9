/**
 * What the node keys and tour steps do to the private cluster: crash, stop, freeze, thaw or start
 * a node, each said in a sentence of what the broker does next, and each failover measured: the
 * time until the management API lists a new leader for the queues the node led, and the gap in
 * publisher confirms around it.
 */
import type { EmbeddedCluster } from '../broker/embedded/index.js';
import type { QueueCounters } from '../broker/management-client.js';
import type { ClusterEvent, Failover, LabNode, LeaderChange, NodeAction } from './cluster-state.js';

/** The parts of a private cluster the lab drives. */
export type ClusterControl = Pick<
  EmbeddedCluster,
  'nodes' | 'status' | 'kill' | 'stopNode' | 'freeze' | 'thaw' | 'startNode'
>;

/** Where the broker says a queue lives (leader and members, or a classic queue's node). */
export type QueuePlacement = Pick<
  QueueCounters,
  'name' | 'type' | 'leader' | 'members' | 'online' | 'node' | 'state'
>;

export interface NodeOpsHost {
  readonly notice: (text: string) => void;
  readonly dispatch: (event: ClusterEvent) => void;
  /** The latest placements the poller saw (for picking the node that leads a queue). */
  readonly placements: () => readonly QueuePlacement[];
  /** Fresh placements of these queues from any live node's management API. */
  readonly readPlacements: (names: readonly string[]) => Promise<readonly QueuePlacement[]>;
  readonly nodes: () => readonly LabNode[];
}

/** How often the failover watch asks for leaders, and for how long. */
const WATCH_INTERVAL_MS = 50;
const WATCH_LIMIT_MS = 90_000;
/** How long after the election a confirm gap still counts towards the failover. */
const GAP_AFTER_ELECTION_MS = 3000;
const GAP_WINDOW_MS = 60_000;

/** The private cluster's nodes as the lab shows them, each as it is now. */
export function labNodes(cluster: ClusterControl): LabNode[] {
  return cluster.nodes.map((n) => ({
    number: n.number,
    nodeName: n.nodeName,
    amqpPort: n.amqpPort,
    status: cluster.status(n.nodeName) ?? 'up',
  }));
}

export const leaderOf = (p: QueuePlacement | undefined): string | undefined =>
  p === undefined ? undefined : (p.leader ?? p.node);

const isReplicated = (p: QueuePlacement): boolean => p.type === 'quorum' || p.type === 'stream';

const what: Record<Exclude<NodeAction, 'thaw' | 'start'>, string> = {
  kill: 'Crashing',
  stop: 'Stopping',
  freeze: 'Freezing',
};

function nextSentence(action: NodeAction, led: readonly QueuePlacement[]): string {
  const replicated = led.filter(isReplicated).map((p) => `'${p.name}'`);
  const classic = led.filter((p) => !isReplicated(p)).map((p) => `'${p.name}'`);
  const parts: string[] = [];
  if (action === 'freeze') {
    parts.push(
      'its peers notice only when it stops answering (net_ticktime, 10 s here), and its clients wait on a silent socket',
    );
  } else {
    parts.push('its clients lose their connections and reconnect to the other nodes');
  }
  if (replicated.length > 0) {
    parts.push(`the other members of ${replicated.join(', ')} elect a new leader`);
  }
  if (classic.length > 0) {
    parts.push(
      `${classic.join(', ')} ${classic.length === 1 ? 'lives' : 'live'} only there and ${classic.length === 1 ? 'is' : 'are'} unavailable until the node is back`,
    );
  }
  return `${parts.join('; ')}.`;
}

export class NodeOperator {
  private failoverCount = 0;
  /** Every failover so far, as last published. */
  private readonly records = new Map<number, Failover>();
  /** Failovers whose gaps are still being measured, and the streams past their window. */
  private readonly measuring = new Set<number>();
  private readonly closedFor = new Map<number, Set<string>>();
  /** The last event of each stream: 'confirms', and each consumer's deliveries. */
  private readonly lastAt = new Map<string, number>();
  private readonly watches = new Set<NodeJS.Timeout>();
  private busy = false;
  private stopped = false;

  constructor(
    private readonly cluster: ClusterControl,
    private readonly host: NodeOpsHost,
  ) {}

  /**
   * Call with the time of every producer batch that carried confirms. A failover's publish gap is
   * the longest stretch without a confirm from just before the node action until a few seconds
   * after the new leader was listed (a minute at most).
   */
  noteConfirms(at: number): void {
    this.noteSilence('confirms', at, (failover, from, gap) =>
      gap > (failover.publishGapMs ?? 0)
        ? {
            ...failover,
            lastConfirmBefore: from,
            firstConfirmAfter: at,
            publishGapMs: gap,
          }
        : undefined,
    );
  }

  /**
   * Call with the time of every consumer batch that carried lab deliveries. A failover's consumer
   * gap is the longest any one consumer went without a message over the same window.
   */
  noteDeliveries(consumer: string, at: number): void {
    this.noteSilence(`consumer ${consumer}`, at, (failover, _from, gap) =>
      gap > (failover.consumerGapMs ?? 0)
        ? { ...failover, consumerGapMs: gap, consumerGapOf: consumer }
        : undefined,
    );
  }

  /** One stream's event at `at`: the silence since its last event, offered to each open failover. */
  private noteSilence(
    source: string,
    at: number,
    longer: (failover: Failover, from: number, gap: number) => Failover | undefined,
  ): void {
    const previous = this.lastAt.get(source);
    this.lastAt.set(source, at);
    for (const id of this.measuring) {
      const failover = this.records.get(id);
      if (failover === undefined) continue;
      const elected = Math.max(0, ...failover.queues.map((q) => q.electedMs ?? 0));
      const settled = failover.queues.every((q) => q.electedMs !== undefined);
      const closesAt = failover.at + (settled ? elected + GAP_AFTER_ELECTION_MS : GAP_WINDOW_MS);
      if (at > closesAt) {
        this.closed(id, source);
        continue;
      }
      if (previous === undefined || at <= failover.at) continue;
      const from =
        source === 'confirms'
          ? Math.max(previous, failover.lastConfirmBefore ?? previous)
          : previous;
      const updated = longer(failover, from, at - from);
      if (updated !== undefined) this.publish(updated);
    }
  }

  /** A failover stops measuring once every stream that was heard from has passed its window. */
  private closed(id: number, source: string): void {
    const done = this.closedFor.get(id) ?? new Set<string>();
    done.add(source);
    this.closedFor.set(id, done);
    if ([...this.lastAt.keys()].every((s) => done.has(s))) this.measuring.delete(id);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.watches) clearTimeout(timer);
    this.watches.clear();
  }

  /** Crash, stop or freeze the node that leads `queue` (or holds it, for a classic queue). */
  async onLeaderOf(action: 'kill' | 'stop' | 'freeze', queue: string | undefined): Promise<void> {
    const placements = this.host.placements();
    const target = placements.find((p) => p.name === queue) ?? placements[0];
    const nodeName = leaderOf(target);
    if (target === undefined || nodeName === undefined) {
      this.host.notice(
        `The management API has not said which node leads ${queue ? `'${queue}'` : 'the queue'} yet; try again in a moment.`,
      );
      return;
    }
    await this.onNode(action, nodeName, target.name);
  }

  /** Crash, stop or freeze one node. */
  async onNode(action: 'kill' | 'stop' | 'freeze', nodeName: string, why?: string): Promise<void> {
    const node = this.host.nodes().find((n) => n.nodeName === nodeName);
    if (node === undefined) {
      this.host.notice(`${nodeName} is not a node of the private cluster; the lab cannot stop it.`);
      return;
    }
    if (node.status !== 'up') {
      this.host.notice(`Node ${node.number} is ${node.status} already.`);
      return;
    }
    const up = this.host.nodes().filter((n) => n.status === 'up').length;
    if (up <= 1) {
      this.host.notice('That is the last node running; start another one first (u).');
      return;
    }
    if (this.busy) return;
    this.busy = true;
    try {
      await this.act(action, node, why);
    } finally {
      this.busy = false;
    }
  }

  private async act(
    action: 'kill' | 'stop' | 'freeze',
    node: LabNode,
    why: string | undefined,
  ): Promise<void> {
    const led = this.host.placements().filter((p) => leaderOf(p) === node.nodeName);
    const lead = why === undefined ? '' : ` (it leads '${why}')`;
    const how = action === 'kill' ? ' with SIGKILL' : action === 'freeze' ? ' with SIGSTOP' : '';
    this.host.notice(
      `${what[action]} node ${node.number}${lead}${how}: ${nextSentence(action, led)}`,
    );
    const at = Date.now();
    const failover: Failover = {
      id: ++this.failoverCount,
      action,
      nodeName: node.nodeName,
      number: node.number,
      at,
      queues: led.map((p) => ({ queue: p.name, type: p.type ?? 'classic', before: node.nodeName })),
      ...(this.lastAt.has('confirms') ? { lastConfirmBefore: this.lastAt.get('confirms') } : {}),
    };
    this.publish(failover);
    this.measuring.add(failover.id);
    if (failover.queues.length > 0) this.watch(failover);
    const status = action === 'freeze' ? 'frozen' : action === 'stop' ? 'stopping' : 'down';
    this.host.dispatch({ type: 'node', nodeName: node.nodeName, status });
    try {
      if (action === 'kill') await this.cluster.kill(node.nodeName);
      else if (action === 'stop') await this.cluster.stopNode(node.nodeName);
      else this.cluster.freeze(node.nodeName);
    } catch (error) {
      this.host.notice(`Could not ${action} node ${node.number}: ${String(error)}`);
    }
    this.host.dispatch({
      type: 'node',
      nodeName: node.nodeName,
      status: this.cluster.status(node.nodeName) ?? status,
    });
    if (action === 'stop') {
      const seconds = ((Date.now() - at) / 1000).toFixed(1);
      this.host.notice(`Node ${node.number} stopped cleanly in ${seconds} s.`);
    }
  }

  /** Thaw the frozen nodes. */
  thaw(): void {
    const frozen = this.host.nodes().filter((n) => n.status === 'frozen');
    if (frozen.length === 0) {
      this.host.notice('No node is frozen; f freezes the node that leads the selected queue.');
      return;
    }
    for (const node of frozen) {
      this.cluster.thaw(node.nodeName);
      this.host.dispatch({ type: 'node', nodeName: node.nodeName, status: 'up' });
      this.host.notice(
        `Thawed node ${node.number} (SIGCONT): it carries on where it stopped; if its peers counted it as down meanwhile, it rejoins and catches up.`,
      );
    }
  }

  /** Boot the stopped nodes again, one after the other. */
  async startStopped(): Promise<void> {
    const down = this.host.nodes().filter((n) => n.status === 'down');
    if (down.length === 0) {
      this.host.notice('Every node is running; 9, g or f take one away first.');
      return;
    }
    for (const node of down) {
      if (this.stopped) return;
      this.host.notice(`Starting node ${node.number} again with its data…`);
      this.host.dispatch({ type: 'node', nodeName: node.nodeName, status: 'booting' });
      const at = Date.now();
      try {
        await this.cluster.startNode(node.nodeName);
        const seconds = ((Date.now() - at) / 1000).toFixed(1);
        this.host.notice(
          `Node ${node.number} is back after ${seconds} s: it rejoins the cluster, its quorum queue members catch up from the leader, its classic queues return with what was persistent.`,
        );
      } catch (error) {
        this.host.notice(`Node ${node.number} did not start: ${String(error)}`);
      }
      this.host.dispatch({
        type: 'node',
        nodeName: node.nodeName,
        status: this.cluster.status(node.nodeName) ?? 'down',
      });
    }
  }

  private publish(failover: Failover): void {
    this.records.set(failover.id, failover);
    this.host.dispatch({ type: 'failover', failover });
  }

  /** Ask for the leaders every 50 ms until each queue has a new one (or is back), or 90 s pass. */
  private watch(failover: Failover): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      let current = this.records.get(failover.id) ?? failover;
      const open = current.queues.filter((q) => q.electedMs === undefined);
      const names = open.map((q) => q.queue);
      const fresh = await this.host.readPlacements(names).catch(() => []);
      const now = Date.now();
      const queues = current.queues.map((q) => settle(q, fresh, now - failover.at));
      const previous = current.queues;
      if (queues.some((q, i) => q !== previous[i])) {
        current = { ...(this.records.get(failover.id) ?? current), queues };
        this.publish(current);
        queues.forEach((q, i) => {
          if (q.electedMs !== undefined && previous[i]?.electedMs === undefined) {
            this.sayElected(q, current);
          }
        });
      }
      const done = queues.every((q) => q.electedMs !== undefined);
      if (!done && now - failover.at < WATCH_LIMIT_MS) schedule();
    };
    const schedule = () => {
      const timer = setTimeout(() => {
        this.watches.delete(timer);
        void tick();
      }, WATCH_INTERVAL_MS);
      timer.unref();
      this.watches.add(timer);
    };
    schedule();
  }

  private sayElected(change: LeaderChange, failover: Failover): void {
    if (change.electedMs === undefined) return;
    const seconds = (change.electedMs / 1000).toFixed(2);
    const nodes = this.host.nodes();
    const label = (name: string | undefined) =>
      nodes.find((n) => n.nodeName === name)?.number.toString() ?? name ?? '?';
    this.host.notice(
      change.type === 'classic'
        ? `Classic queue '${change.queue}' is available again on node ${label(change.after)}, ${seconds} s after node ${failover.number} went.`
        : `Queue '${change.queue}' has a new leader on node ${label(change.after)}, ${seconds} s after node ${failover.number} went.`,
    );
  }
}

/** A queue's change once the API lists a leader other than the old one (or the classic queue back). */
function settle(
  change: LeaderChange,
  fresh: readonly QueuePlacement[],
  elapsedMs: number,
): LeaderChange {
  if (change.electedMs !== undefined) return change;
  const now = fresh.find((p) => p.name === change.queue);
  if (now === undefined) return change;
  const leader = leaderOf(now);
  if (change.type === 'classic' || now.type === 'classic') {
    // A classic queue does not move: it is down until its node is back.
    if (now.state === 'down') return change.unavailable ? change : { ...change, unavailable: true };
    if (change.unavailable && now.state !== undefined && leader !== undefined) {
      return { ...change, after: leader, electedMs: elapsedMs };
    }
    return change;
  }
  if (leader !== undefined && leader !== change.before) {
    return { ...change, after: leader, electedMs: elapsedMs };
  }
  return change;
}
