/**
 * The cluster part of the lab's state: the nodes the lab controls (private cluster) with what
 * the lab did to them, and the failovers it caused with what was measured. Folded from events,
 * so a replayed record shows the same.
 */
import type { NodeStatus } from '../broker/embedded/node-slot.js';

export type { NodeStatus };

/** What the lab can do to a node of its private cluster. */
export type NodeAction = 'kill' | 'stop' | 'freeze' | 'thaw' | 'start';

/** What a node action did, as a word for the screen and the report. */
export const nodeActionDone: Record<NodeAction, string> = {
  kill: 'crashed',
  stop: 'stopped',
  freeze: 'frozen',
  thaw: 'thawed',
  start: 'started',
};

export interface LabNode {
  readonly number: number;
  readonly nodeName: string;
  readonly amqpPort: number;
  /** As the lab left it: up, booting, stopping, down, frozen. */
  readonly status: NodeStatus;
}

/** A queue's leader before a node went away, and who took over (as the management API said). */
export interface LeaderChange {
  readonly queue: string;
  readonly type: string;
  readonly before: string;
  readonly after?: string;
  /** From the node action to the API listing a new leader (quorum), or the queue back (classic). */
  readonly electedMs?: number;
  /** Classic queue: unavailable (state down) since the node went. */
  readonly unavailable?: boolean;
}

export interface Failover {
  readonly id: number;
  readonly action: NodeAction;
  readonly nodeName: string;
  readonly number: number;
  readonly at: number;
  readonly queues: readonly LeaderChange[];
  /** The last confirm any producer got before the action, the first after, and the gap. */
  readonly lastConfirmBefore?: number;
  readonly firstConfirmAfter?: number;
  readonly publishGapMs?: number;
  /** The longest any consumer went without a lab message around it, and which one. */
  readonly consumerGapMs?: number;
  readonly consumerGapOf?: string;
}

export interface ClusterState {
  /** The private cluster's nodes; empty for a cluster the lab only connects to. */
  readonly nodes: readonly LabNode[];
  readonly failovers: readonly Failover[];
}

/**
 * A node is down or was acted on in the last minute: the broker counts a dead node's consumers a
 * while longer, so its consumer counts are no sign of consumers outside the lab.
 */
export function nodesUnsettled(cluster: ClusterState | undefined, now: number): boolean {
  if (cluster === undefined) return false;
  const lastAction = cluster.failovers.at(-1)?.at ?? 0;
  return cluster.nodes.some((n) => n.status !== 'up') || now - lastAction < 60_000;
}

export type ClusterEvent =
  | { readonly type: 'cluster'; readonly nodes: readonly LabNode[] }
  | { readonly type: 'node'; readonly nodeName: string; readonly status: NodeStatus }
  | { readonly type: 'failover'; readonly failover: Failover };

export function reduceCluster(
  cluster: ClusterState | undefined,
  event: ClusterEvent,
): ClusterState {
  const current = cluster ?? { nodes: [], failovers: [] };
  switch (event.type) {
    case 'cluster':
      return { ...current, nodes: event.nodes };
    case 'node':
      return {
        ...current,
        nodes: current.nodes.map((n) =>
          n.nodeName === event.nodeName ? { ...n, status: event.status } : n,
        ),
      };
    case 'failover': {
      const others = current.failovers.filter((f) => f.id !== event.failover.id);
      const failovers = [...others, event.failover].sort((a, b) => a.id - b.id);
      return { ...current, failovers };
    }
  }
}

/** `rabbit-lab-123-ab12cd-2@localhost` → `node 2` when the lab knows it, else the short name. */
export function nodeLabel(nodes: readonly LabNode[], nodeName: string | undefined): string {
  if (nodeName === undefined) return '—';
  const known = nodes.find((n) => n.nodeName === nodeName);
  if (known) return `node ${known.number}`;
  return nodeName.replace(/@.*$/, '');
}
