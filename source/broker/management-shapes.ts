/**
 * What the management API's answers look like to the lab: the records its client returns, and
 * how raw JSON fields become them.
 */

export interface QueueCounters {
  readonly name: string;
  readonly messagesReady: number;
  readonly messagesUnacknowledged: number;
  readonly consumers: number;
  /** classic, quorum or stream. */
  readonly type?: string;
  /** Quorum and stream queues: the leading member, every member, and those online. */
  readonly leader?: string;
  readonly members?: readonly string[];
  readonly online?: readonly string[];
  /** Classic queues: the node that holds it. */
  readonly node?: string;
  /** running, or down (a classic queue whose node is gone)… */
  readonly state?: string;
  /** At-least-once dead-lettering: dead letters the queue holds until its target takes them. */
  readonly held?: number;
}

/** A cluster node as /api/nodes lists it. */
export interface NodeFacts {
  readonly name: string;
  readonly running: boolean;
  readonly memAlarm: boolean;
  readonly diskAlarm: boolean;
  readonly memUsed?: number;
}

/** One binding from an exchange to a queue, as the management API lists it. */
export interface BindingInfo {
  readonly routingKey: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

export interface Overview {
  readonly rabbitmqVersion: string;
  readonly clusterName: string;
}

/** A port the node listens on, by protocol (amqp, amqp/ssl, http, https, clustering…). */
export interface Listener {
  readonly protocol: string;
  readonly port: number;
}

/** The node's version and the ports it listens on, as /api/overview lists them. */
export interface NodeListeners {
  readonly rabbitmqVersion: string;
  readonly listeners: readonly Listener[];
}

export interface RawQueue {
  name?: unknown;
  messages?: unknown;
  messages_ready?: unknown;
  messages_unacknowledged?: unknown;
  consumers?: unknown;
  type?: unknown;
  leader?: unknown;
  members?: unknown;
  online?: unknown;
  node?: unknown;
  state?: unknown;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;
const names = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string') : undefined;

/** Where a queue lives, as far as the API says (fields it leaves out stay out). */
export function placement(q: RawQueue): Partial<QueueCounters> {
  const fields = {
    type: text(q.type),
    leader: text(q.leader),
    members: names(q.members),
    online: names(q.online),
    node: text(q.node),
    state: text(q.state),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
