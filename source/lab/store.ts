/**
 * The lab's display state and the pure reducer that folds events into it. The session feeds it;
 * the Ink UI and the headless reporter read snapshots of it.
 */

import {
  type ActorConfig,
  type ChildMessage,
  emptyRpcCounts,
  type MessageRecord,
  type RpcCounts,
} from '../actors/protocol.js';
import type { QueueCounters } from '../broker/management-client.js';
import type { PolledNode, PollResult } from '../broker/poller.js';
import type { TopologySpec } from '../broker/topology.js';
import { type ClusterEvent, type ClusterState, reduceCluster } from './cluster-state.js';
import type { HeaderMatch, HeaderSet } from './headers-match.js';
import { emptyHistory, type History, sampleHistory } from './history.js';
import { type Mark, withMarks } from './marks.js';
import type { ExchangeType } from './routing.js';
import { isLive, withBoundQueue } from './store-queries.js';

export type ActorStatus =
  | 'starting'
  | 'running'
  | 'paused'
  | 'reconnecting'
  | 'stopping'
  | 'stopped'
  | 'killed'
  | 'failed';

export interface ActorView {
  readonly id: string;
  readonly config: ActorConfig;
  readonly status: ActorStatus;
  /** Consumer: the queue it consumes from, once known. */
  readonly queue?: string;
  readonly boundAt?: number;
  readonly published: number;
  readonly received: number;
  readonly acked: number;
  readonly nacked: number;
  readonly redelivered: number;
  readonly external: number;
  readonly unroutable: number;
  /** Producer: messages the broker confirmed, and refused (nack). */
  readonly confirmed: number;
  readonly refused: number;
  /** RPC client: requests, replies, retries… so far. */
  readonly rpc?: RpcCounts;
  /** Producer: publish → confirm time, smoothed over recent batches (ms). */
  readonly confirmMs?: number;
  /** Consumer: delivered on a connection that dropped before the ack (the broker requeued them). */
  readonly abandoned: number;
  /** Producer with an HTTP publish endpoint: where it listens. */
  readonly endpoint?: string;
  /** Consumer with retries: deliveries back through dead-lettering, and messages parked. */
  readonly retried: number;
  readonly parked: number;
  readonly errors: number;
  /** Times the connection dropped and the actor went to reconnect. */
  readonly reconnects: number;
  readonly lastError?: string;
  /** host:port of the node it is connected to, as it said. */
  readonly node?: string;
  /**
   * Stream consumer: the first and latest offsets it received, and the latest sequence number it
   * got from each producer (its lag is how far each producer has published beyond it).
   */
  readonly stream?: {
    readonly first: number;
    readonly last: number;
    readonly seen: Readonly<Record<string, number>>;
  };
  /** Messages per second over the last couple of seconds (published or received). */
  readonly rate: number;
  /** [time, count] of recent batches, for the rate. */
  readonly recent: readonly (readonly [number, number])[];
  readonly firstBatchAt?: number;
}

export interface BrokerInfo {
  readonly redactedUrl: string;
  readonly managementUrl: string;
  readonly embedded: boolean;
  readonly version: string;
  readonly vhost: string;
  /** The private cluster's size, when the lab started one. */
  readonly clusterNodes?: number;
}

export interface LabState {
  readonly scenario: {
    readonly name: string;
    readonly title: string;
    readonly lesson: string;
    /** The topology's exchanges, for drawing paths. */
    readonly exchanges?: readonly {
      readonly name: string;
      readonly type: ExchangeType;
      /** Its `alternate-exchange`: where what none of its bindings takes goes. */
      readonly alternate?: string;
    }[];
    /** Named queues bound to exchanges by the topology. */
    readonly bindings?: readonly {
      readonly exchange: string;
      readonly queue: string;
      readonly keys: readonly string[];
      /** A headers exchange's binding: its rule and the headers it matches. */
      readonly match?: HeaderMatch;
      readonly headers?: HeaderSet;
      /** When a queue added live was bound (topology bindings: before any producer). */
      readonly at?: number;
    }[];
    /**
     * The whole topology as the scenario declares it, and the service queues added live with
     * their bindings (for the programs `v` shows).
     */
    readonly topology?: TopologySpec;
  };
  readonly broker: BrokerInfo;
  readonly actors: readonly ActorView[];
  readonly queues: {
    readonly sampledAt?: number;
    readonly error?: string;
    readonly list: readonly QueueCounters[];
    /** Publish → first delivery over the last 10 s, per queue (lab consumers' receipts). */
    readonly latency?: PollResult['latency'];
  };
  /** A cluster's nodes as the management API last listed them. */
  readonly nodes?: readonly PolledNode[];
  /** The last minute of queue counters and actor rates, a sample a poll (the sparklines). */
  readonly history?: History;
  /** What happened in the last minute, for the sparklines' time axis; the latest event time. */
  readonly marks?: readonly Mark[];
  readonly clock?: number;
  /** Single active consumer: which lab consumers the broker lets receive, as last polled. */
  readonly activity?: PollResult['activity'];
  readonly flow: readonly MessageRecord[];
  readonly notices: readonly string[];
  readonly startedAt: number;
  /** The guided tour's current step, once it has started. */
  readonly tour?: { readonly index: number; readonly text: string };
  readonly phase: 'starting' | 'running' | 'draining' | 'stopping' | 'stopped';
  /** The run's end (before the lab stops its actors to read its queues): when, and who ran. */
  readonly ended?: { readonly at: number; readonly running: readonly string[] };
  /** A private cluster's nodes as the lab left them, and the failovers it caused. */
  readonly cluster?: ClusterState;
}

export type LabEvent =
  | { readonly type: 'spawned'; readonly config: ActorConfig }
  | {
      readonly type: 'actor';
      readonly id: string;
      readonly message: ChildMessage;
      readonly at: number;
    }
  | { readonly type: 'stopping'; readonly id: string }
  | { readonly type: 'configured'; readonly config: ActorConfig }
  | {
      readonly type: 'exit';
      readonly id: string;
      readonly killed: boolean;
      readonly code: number | null;
    }
  | { readonly type: 'poll'; readonly result: PollResult; readonly at: number }
  | { readonly type: 'notice'; readonly text: string }
  /** A service queue was added live and bound. */
  | {
      readonly type: 'bound';
      readonly exchange: string;
      readonly queue: string;
      readonly keys: readonly string[];
      readonly at: number;
      /** Whether the queue was declared durable (absent in older records: the default, true). */
      readonly durable?: boolean;
    }
  /** Connected: the broker said which version it runs. */
  | { readonly type: 'broker'; readonly version: string }
  | { readonly type: 'phase'; readonly phase: LabState['phase'] }
  /** The run ended here: what the checks judge stops here (the actors stop next). */
  | { readonly type: 'ended'; readonly at: number }
  | { readonly type: 'tour'; readonly index: number; readonly text: string }
  | ClusterEvent;

export const flowCapacity = 200;
const rateWindowMs = 2000;

export function initialState(
  scenario: LabState['scenario'],
  broker: BrokerInfo,
  startedAt: number,
): LabState {
  return {
    scenario,
    broker,
    actors: [],
    queues: { list: [] },
    flow: [],
    notices: [],
    startedAt,
    phase: 'starting',
  };
}

/** A just-spawned actor's view: starting, every count at zero. */
export function newActor(config: ActorConfig): ActorView {
  return {
    id: config.id,
    config,
    status: 'starting',
    published: 0,
    received: 0,
    acked: 0,
    nacked: 0,
    redelivered: 0,
    external: 0,
    unroutable: 0,
    abandoned: 0,
    retried: 0,
    parked: 0,
    confirmed: 0,
    refused: 0,
    errors: 0,
    reconnects: 0,
    rate: 0,
    recent: [],
  };
}

function updateActor(
  state: LabState,
  id: string,
  update: (actor: ActorView) => ActorView,
): LabState {
  let changed = false;
  const actors = state.actors.map((a) => {
    if (a.id !== id) return a;
    changed = true;
    return update(a);
  });
  return changed ? { ...state, actors } : state;
}

/** Count per second over the last rateWindowMs (shorter while the actor is young). */
function rateAt(recent: ActorView['recent'], at: number, bornAt: number): number {
  const total = recent.reduce((n, [, c]) => n + c, 0);
  const span = Math.max(1000, Math.min(rateWindowMs, at - bornAt));
  return (total * 1000) / span;
}

function withRate(actor: ActorView, at: number, count: number): ActorView {
  const bornAt = actor.firstBatchAt ?? at;
  const recent = [...actor.recent.filter(([t]) => at - t < rateWindowMs), [at, count] as const];
  return { ...actor, recent, firstBatchAt: bornAt, rate: rateAt(recent, at, bornAt) };
}

/** Let rates fall when nothing arrives (no batch comes when an actor is idle). */
function decayRates(state: LabState, at: number): LabState {
  let changed = false;
  const actors = state.actors.map((a) => {
    if (a.recent.length === 0) return a;
    const recent = a.recent.filter(([t]) => at - t < rateWindowMs);
    if (recent.length === a.recent.length) return a;
    changed = true;
    return { ...a, recent, rate: rateAt(recent, at, a.firstBatchAt ?? at) };
  });
  return changed ? { ...state, actors } : state;
}

function addRpc(total: RpcCounts | undefined, batch: RpcCounts | undefined): RpcCounts | undefined {
  if (!batch) return total;
  const sum = { ...(total ?? emptyRpcCounts()) };
  for (const key of Object.keys(batch) as (keyof RpcCounts)[]) sum[key] += batch[key];
  return sum;
}

const runLength = (runs: readonly (readonly [string, number, number])[] | undefined): number =>
  runs?.reduce((n, [, first, last]) => n + last - first + 1, 0) ?? 0;

/** The latest batch's mean confirm time, smoothed so the number on screen does not flicker. */
function smoothConfirm(
  previous: number | undefined,
  batch: readonly [number, number] | undefined,
): number | undefined {
  if (!batch || batch[1] === 0) return previous;
  const mean = batch[0] / batch[1];
  return previous === undefined ? mean : previous * 0.7 + mean * 0.3;
}

function applyActorMessage(
  state: LabState,
  id: string,
  message: ChildMessage,
  at: number,
): LabState {
  switch (message.type) {
    case 'ready':
      return updateActor(state, id, (a) => ({
        ...a,
        status: a.config.kind === 'producer' && a.config.paused ? 'paused' : 'running',
        lastError: a.status === 'reconnecting' ? undefined : a.lastError,
        queue: message.queue ?? a.queue,
        boundAt: message.boundAt ?? a.boundAt,
        ...(message.endpoint ? { endpoint: message.endpoint } : {}),
        ...(message.node ? { node: message.node } : {}),
      }));
    case 'batch': {
      const c = message.counts;
      const next = updateActor(state, id, (a) =>
        withRate(
          {
            ...a,
            published: a.published + c.published,
            received: a.received + c.received,
            acked: a.acked + c.acked,
            nacked: a.nacked + c.nacked,
            redelivered: a.redelivered + c.redelivered,
            external: a.external + c.external,
            unroutable: a.unroutable + c.unroutable,
            abandoned: a.abandoned + c.abandoned,
            retried: a.retried + c.retried,
            parked: a.parked + c.parked,
            confirmed: a.confirmed + runLength(message.confirmedRuns),
            refused: a.refused + runLength(message.nackedRuns),
            confirmMs: smoothConfirm(a.confirmMs, message.confirmMs),
            rpc: addRpc(a.rpc, message.rpc),
            ...(message.stream === undefined ? {} : { stream: message.stream }),
          },
          at,
          a.config.kind === 'producer' ? c.published : c.received,
        ),
      );
      if (message.samples.length === 0) return next;
      const flow = [...next.flow, ...message.samples];
      return { ...next, flow: flow.length > flowCapacity ? flow.slice(-flowCapacity) : flow };
    }
    case 'error':
      return updateActor(state, id, (a) => ({
        ...a,
        errors: a.errors + 1,
        lastError: message.message,
        status: message.fatal ? 'failed' : a.status,
      }));
    case 'stopped':
      return updateActor(state, id, (a) => ({
        ...a,
        status: a.status === 'failed' ? 'failed' : 'stopped',
      }));
    case 'reconnecting':
      return updateActor(state, id, (a) => ({
        ...a,
        status: 'reconnecting',
        reconnects: message.attempt === 1 ? a.reconnects + 1 : a.reconnects,
        lastError: `attempt ${message.attempt} in ${(message.inMs / 1000).toFixed(1)} s · ${message.reason.replace(/\.$/, '')}`,
      }));
    // Ledger facts only (the batch that follows carries the counts).
    case 'receipts':
      return state;
    case 'updated':
      return message.note
        ? reduce(state, { type: 'notice', text: `${id}: ${message.note}.` })
        : state;
  }
}

/** Fold one event into the state (and mark it on the time axis if it is something that happened). */
export function reduce(state: LabState, event: LabEvent): LabState {
  return withMarks(state, reduceEvent(state, event), event);
}

function reduceEvent(state: LabState, event: LabEvent): LabState {
  switch (event.type) {
    case 'spawned':
      return { ...state, actors: [...state.actors, newActor(event.config)] };
    case 'cluster':
    case 'node':
    case 'failover':
      return { ...state, cluster: reduceCluster(state.cluster, event) };
    case 'actor':
      return applyActorMessage(state, event.id, event.message, event.at);
    case 'stopping':
      return updateActor(state, event.id, (a) => ({ ...a, status: 'stopping' }));
    case 'configured': {
      const { config } = event;
      return updateActor(state, config.id, (a) => ({
        ...a,
        config,
        status:
          config.kind === 'producer' && (a.status === 'running' || a.status === 'paused')
            ? config.paused
              ? 'paused'
              : 'running'
            : a.status,
      }));
    }
    case 'exit':
      return updateActor(state, event.id, (a) => ({
        ...a,
        rate: 0,
        recent: [],
        status: event.killed
          ? 'killed'
          : a.status === 'failed' || (event.code !== 0 && a.status !== 'stopping')
            ? 'failed'
            : 'stopped',
      }));
    case 'poll': {
      const decayed = decayRates(state, event.at);
      const rates = decayed.actors.filter(isLive).map((a) => [a.id, a.rate] as const);
      return {
        ...decayed,
        queues: {
          sampledAt: event.result.sampledAt,
          error: event.result.error,
          list: event.result.queues,
          ...(event.result.latency ? { latency: event.result.latency } : {}),
        },
        // A poll that failed keeps the counters it had: no sample for it.
        history: event.result.error
          ? (state.history ?? emptyHistory)
          : sampleHistory(state.history ?? emptyHistory, event.result.queues, rates, event.at),
        ...(event.result.nodes ? { nodes: event.result.nodes } : {}),
        ...(event.result.activity ? { activity: event.result.activity } : {}),
      };
    }
    case 'bound': {
      const { exchange, queue, keys, at } = event;
      return {
        ...state,
        scenario: {
          ...state.scenario,
          bindings: [...(state.scenario.bindings ?? []), { exchange, queue, keys, at }],
          ...(state.scenario.topology
            ? { topology: withBoundQueue(state.scenario.topology, event) }
            : {}),
        },
      };
    }
    case 'notice':
      return state.notices.includes(event.text)
        ? state
        : { ...state, notices: [...state.notices, event.text].slice(-20) };
    case 'broker':
      return { ...state, broker: { ...state.broker, version: event.version } };
    case 'phase':
      return { ...state, phase: event.phase };
    case 'ended':
      return state.ended
        ? state
        : {
            ...state,
            ended: {
              at: event.at,
              running: state.actors.filter((a) => a.status === 'running').map((a) => a.id),
            },
          };
    case 'tour':
      return { ...state, tour: { index: event.index, text: event.text } };
  }
}

export {
  alternateOf,
  consumerQueue,
  exchangeTypeOf,
  isLive,
  type LabBinding,
  labBindings,
  liveActors,
  routingNet,
} from './store-queries.js';
