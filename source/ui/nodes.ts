/**
 * The nodes pane's rows, from what the lab did to its private cluster's nodes and what the
 * management API says about every node (running, alarms, memory, connections). Pure: tested
 * without Ink.
 */
import type { Failover, LabNode } from '../lab/cluster-state.js';
import { nodeActionDone, nodeLabel } from '../lab/cluster-state.js';

/** What the management API reported about one node. */
export interface BrokerNodeFacts {
  readonly name: string;
  readonly running: boolean;
  readonly memAlarm?: boolean;
  readonly diskAlarm?: boolean;
  readonly memUsed?: number;
  /** Client connections on this node. */
  readonly connections?: number;
}

export type NodeShown = 'up' | 'down' | 'frozen' | 'booting' | 'stopping';

export interface NodeRow {
  readonly label: string;
  readonly name: string;
  readonly status: NodeShown;
  readonly connections?: number;
  readonly memMb?: number;
  readonly alarms: readonly string[];
  /** Lab actors connected to this node. */
  readonly actors: readonly string[];
}

/** The lab's word wins for what it did (frozen, booting); the API's for the rest. */
function statusOf(lab: LabNode | undefined, broker: BrokerNodeFacts | undefined): NodeShown {
  if (lab && lab.status !== 'up') return lab.status;
  if (broker) return broker.running ? 'up' : 'down';
  return lab ? 'up' : 'down';
}

export function nodeRows(
  labNodes: readonly LabNode[],
  brokerNodes: readonly BrokerNodeFacts[],
  actorNodes: ReadonlyMap<string, string> = new Map(),
): NodeRow[] {
  const names = [
    ...new Set([...labNodes.map((n) => n.nodeName), ...brokerNodes.map((n) => n.name)]),
  ];
  return names.map((name) => {
    const lab = labNodes.find((n) => n.nodeName === name);
    const broker = brokerNodes.find((n) => n.name === name);
    const alarms = [
      ...(broker?.memAlarm ? ['memory'] : []),
      ...(broker?.diskAlarm ? ['disk'] : []),
    ];
    const actors = [...actorNodes].filter(([, node]) => node === name).map(([id]) => id);
    const status = statusOf(lab, broker);
    return {
      label: nodeLabel(labNodes, name),
      name,
      status,
      ...(broker?.connections === undefined || status !== 'up'
        ? {}
        : { connections: broker.connections }),
      ...(broker?.memUsed === undefined || status !== 'up'
        ? {}
        : { memMb: Math.round(broker.memUsed / (1024 * 1024)) }),
      alarms,
      actors,
    };
  });
}

/** One line about the latest failover: what was done, who took over, how long it took. */
export function failoverLine(nodes: readonly LabNode[], failover: Failover | undefined): string {
  if (failover === undefined) return '';
  const done = nodeActionDone[failover.action];
  const queues = failover.queues.map((q) => {
    if (q.electedMs === undefined) {
      return q.unavailable ? `${q.queue} down` : `${q.queue} electing…`;
    }
    const after = nodeLabel(nodes, q.after);
    const verb = q.type === 'classic' ? 'back on' : 'leader';
    return `${q.queue} ${verb} ${after} in ${(q.electedMs / 1000).toFixed(2)} s`;
  });
  const gap =
    failover.publishGapMs === undefined
      ? ''
      : ` · confirms paused ${(failover.publishGapMs / 1000).toFixed(2)} s`;
  return `node ${failover.number} ${done}${queues.length > 0 ? ` · ${queues.join(' · ')}` : ''}${gap}`;
}
