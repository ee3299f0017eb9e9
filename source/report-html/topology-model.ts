/**
 * The run's topology as nodes and edges, before any geometry: every producer and consumer that
 * ran (stopped ones too, marked), the exchanges with their type, the queues (a subscriber's
 * server-named one included), the bindings with their keys, and the links the broker follows on
 * its own (dead-lettering, alternate exchanges).
 */

import { formatHeaders } from '../lab/headers-match.js';
import { type ExchangeType, HASH_EXCHANGE } from '../lab/routing.js';
import type { ActorView, LabState } from '../lab/store.js';

export type NodeKind = 'producer' | 'exchange' | 'queue' | 'consumer';

export interface TopologyNode {
  /** Unique in the diagram: kind and name. */
  readonly key: string;
  readonly kind: NodeKind;
  /** The full name (an exchange's `''` is the default exchange). */
  readonly name: string;
  readonly label: string;
  /** A second, smaller line: an exchange's type, a queue's kind, an actor's settings. */
  readonly detail: string;
  /** An actor that did not run to the end: `stopped`, `killed`, `failed`. */
  readonly ended?: string;
}

export type EdgeKind = 'publish' | 'binding' | 'consume' | 'dead-letter' | 'alternate' | 'park';

/** Edges that run against the columns' order (drawn around the boxes). */
export const backKinds: readonly EdgeKind[] = ['dead-letter', 'alternate', 'park'];

export interface TopologyEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** A binding's keys (or headers, or weight); a dead-letter link's key and TTL. */
  readonly label: string;
}

export interface TopologyModel {
  readonly nodes: readonly TopologyNode[];
  readonly edges: readonly TopologyEdge[];
}

export const nodeKey = (kind: NodeKind, name: string) => `${kind}:${name}`;

const DEFAULT_EXCHANGE = '(default)';

function exchangeDetail(type: ExchangeType, alternate: string | undefined): string {
  return alternate === undefined ? type : `${type} · alternate ${alternate}`;
}

/** A queue's kind and the arguments that change what it does, briefly. */
export function queueDetail(args: Readonly<Record<string, unknown>> | undefined): string {
  if (args === undefined) return 'server-named';
  const parts = [String(args['x-queue-type'] ?? 'classic')];
  const ttl = args['x-message-ttl'];
  if (typeof ttl === 'number') parts.push(`TTL ${ttl / 1000} s`);
  const max = args['x-max-length'];
  if (max !== undefined) parts.push(`max ${String(max)}`);
  if (args['x-max-priority'] !== undefined)
    parts.push(`priority ≤ ${String(args['x-max-priority'])}`);
  if (args['x-single-active-consumer'] === true) parts.push('single active');
  return parts.join(' · ');
}

function actorDetail(actor: ActorView): string {
  const c = actor.config;
  if (c.kind === 'producer') {
    if (c.http) return 'HTTP endpoint';
    if (c.rpc) return 'RPC client';
    const rate = c.rate === 0 ? 'max rate' : `${c.rate}/s`;
    const keys = [...new Set(c.routingKeys)].filter((k) => k !== '');
    return keys.length === 0 ? rate : `${rate} · ${keys.join(' ')}`;
  }
  if (c.reply) return 'RPC server';
  return `prefetch ${c.prefetch === 0 ? '∞' : c.prefetch} · ${c.ack} ack`;
}

/** How an actor ended, when it did before the run: killed, failed, stopped. */
function ended(actor: ActorView, early: ReadonlySet<string>): string | undefined {
  if (actor.status === 'killed' || actor.status === 'failed') return actor.status;
  return actor.status === 'stopped' && early.has(actor.id) ? 'stopped' : undefined;
}

/** A binding's label: its keys, a headers exchange's rule, a hash exchange's weight; none for fanout. */
export function bindingLabel(
  type: ExchangeType,
  b: { keys: readonly string[]; match?: string; headers?: Readonly<Record<string, unknown>> },
): string {
  if (type === 'fanout') return '';
  if (type === 'headers') {
    const headers = Object.fromEntries(
      Object.entries(b.headers ?? {}).map(([k, v]) => [k, String(v)]),
    );
    return `${b.match ?? 'all'}: ${formatHeaders(headers)}`;
  }
  if (type === HASH_EXCHANGE) return `weight ${b.keys.join(' ')}`;
  return b.keys.map((k) => (k === '' ? '""' : k)).join(' ');
}

class Builder {
  readonly nodes = new Map<string, TopologyNode>();
  readonly edges: TopologyEdge[] = [];

  node(node: TopologyNode): string {
    if (!this.nodes.has(node.key)) this.nodes.set(node.key, node);
    return node.key;
  }

  edge(edge: TopologyEdge): void {
    const same = this.edges.find(
      (e) => e.from === edge.from && e.to === edge.to && e.kind === edge.kind,
    );
    if (same === undefined) this.edges.push(edge);
    else if (edge.label !== '' && !same.label.split(' ').includes(edge.label)) {
      this.edges.splice(this.edges.indexOf(same), 1, {
        ...same,
        label: same.label === '' ? edge.label : `${same.label} ${edge.label}`,
      });
    }
  }
}

function exchangeNode(state: LabState, b: Builder, name: string): string {
  const known = state.scenario.exchanges?.find((x) => x.name === name);
  return b.node({
    key: nodeKey('exchange', name),
    kind: 'exchange',
    name,
    label: name === '' ? DEFAULT_EXCHANGE : name,
    detail: exchangeDetail(known?.type ?? 'direct', known?.alternate),
  });
}

function queueNode(state: LabState, b: Builder, name: string, owner?: string): string {
  const spec = state.scenario.topology?.queues.find((q) => q.name === name);
  return b.node({
    key: nodeKey('queue', name),
    kind: 'queue',
    name,
    label: name,
    detail: spec ? queueDetail(spec.arguments) : owner ? 'server-named, exclusive' : 'classic',
  });
}

function addQueuesAndBindings(state: LabState, b: Builder): void {
  const typeOf = (name: string) =>
    state.scenario.exchanges?.find((x) => x.name === name)?.type ?? 'direct';
  for (const x of state.scenario.exchanges ?? []) exchangeNode(state, b, x.name);
  for (const q of state.scenario.topology?.queues ?? []) queueNode(state, b, q.name);
  for (const bind of state.scenario.bindings ?? []) {
    b.edge({
      from: exchangeNode(state, b, bind.exchange),
      to: queueNode(state, b, bind.queue),
      kind: 'binding',
      label: bindingLabel(typeOf(bind.exchange), bind),
    });
  }
  for (const a of state.actors) {
    if (a.config.kind !== 'consumer' || !a.config.bind) continue;
    const { exchange, keys } = a.config.bind;
    // Before its `ready` the broker had not named it yet: keyed by the actor.
    const queue = a.queue ?? '';
    b.edge({
      from: exchangeNode(state, b, exchange),
      to: queue === '' ? queueNode(state, b, `(${a.id})`, a.id) : queueNode(state, b, queue, a.id),
      kind: 'binding',
      label: bindingLabel(typeOf(exchange), { keys }),
    });
  }
}

function addActors(state: LabState, b: Builder, early: ReadonlySet<string>): void {
  for (const a of state.actors) {
    const how = ended(a, early);
    const key = b.node({
      key: nodeKey(a.config.kind, a.id),
      kind: a.config.kind,
      name: a.id,
      label: a.id,
      detail: actorDetail(a),
      ...(how ? { ended: how } : {}),
    });
    const c = a.config;
    if (c.kind === 'producer') {
      const exchange = exchangeNode(state, b, c.exchange);
      b.edge({ from: key, to: exchange, kind: 'publish', label: '' });
      if (c.exchange !== '') continue;
      // The default exchange routes by queue name: an edge to each queue the keys name.
      for (const k of c.routingKeys) {
        const consumed = state.actors.some(
          (x) => x.queue === k || (x.config.kind === 'consumer' && x.config.queue === k),
        );
        if (b.nodes.has(nodeKey('queue', k)) || consumed)
          b.edge({ from: exchange, to: queueNode(state, b, k), kind: 'binding', label: k });
      }
    } else {
      const queue = a.queue ?? c.queue;
      const from =
        queue === undefined ? queueNode(state, b, `(${a.id})`, a.id) : queueNode(state, b, queue);
      b.edge({ from, to: key, kind: 'consume', label: '' });
      if (c.retry) {
        b.edge({
          from: key,
          to: queueNode(state, b, c.retry.parkingQueue),
          kind: 'park',
          label: `parked after ${c.retry.maxAttempts} attempts`,
        });
      }
    }
  }
}

function addBrokerLinks(state: LabState, b: Builder): void {
  for (const q of state.scenario.topology?.queues ?? []) {
    const dlx = q.arguments['x-dead-letter-exchange'];
    if (dlx === undefined) continue;
    const key = q.arguments['x-dead-letter-routing-key'];
    const ttl = q.arguments['x-message-ttl'];
    const label = [
      typeof ttl === 'number' ? `expired after ${ttl / 1000} s` : 'dead-lettered',
      ...(key === undefined ? [] : [`key ${String(key)}`]),
    ].join(' · ');
    b.edge({
      from: queueNode(state, b, q.name),
      to: exchangeNode(state, b, String(dlx)),
      kind: 'dead-letter',
      label,
    });
  }
  for (const x of state.scenario.exchanges ?? []) {
    if (x.alternate === undefined) continue;
    b.edge({
      from: nodeKey('exchange', x.name),
      to: exchangeNode(state, b, x.alternate),
      kind: 'alternate',
      label: 'unroutable',
    });
  }
}

/**
 * The diagram's nodes and edges for a replayed run's state; `endedEarly`: the actors that exited
 * while the run went on (the others stopped with it).
 */
export function topologyModel(state: LabState, endedEarly: readonly string[] = []): TopologyModel {
  const b = new Builder();
  addQueuesAndBindings(state, b);
  addActors(state, b, new Set(endedEarly));
  addBrokerLinks(state, b);
  return { nodes: [...b.nodes.values()], edges: b.edges };
}
