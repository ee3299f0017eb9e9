import type { LatencyBuckets } from './latency.js';
/**
 * The typed IPC protocol between the supervisor (parent) and actor processes (children).
 * Children batch what they observe and report about 20 times a second, never per message.
 */

import type { TlsMaterial } from '../broker/tls.js';
import type { TopologySpec } from '../broker/topology.js';
import type { AckMode, HeaderSet } from '../scenario/schema.js';

export type ActorKind = 'producer' | 'consumer';

export interface ProducerConfig {
  readonly kind: 'producer';
  readonly id: string;
  readonly exchange: string;
  readonly routingKeys: readonly string[];
  /** Header sets the messages cycle through (a headers exchange routes by them). */
  readonly headers?: readonly HeaderSet[];
  /** Messages per second; 0 means as fast as the broker accepts. */
  readonly rate: number;
  readonly body: string;
  readonly persistent: boolean;
  readonly paused: boolean;
  /**
   * How the producer waits for publisher confirms (tutorial 7): `async` reads them as they come
   * (the default), `each` waits after every message, `batch` after every `confirmBatch`.
   */
  readonly confirm?: 'async' | 'each' | 'batch';
  readonly confirmBatch?: number;
  /** Set for an RPC client. */
  readonly rpc?: RpcClientConfig;
  /** An HTTP publish endpoint: publishes what it is sent, nothing on a schedule. */
  readonly http?: { readonly port: number };
  /** The AMQP priority of each message, cycled by sequence number (see `priorityOf`). */
  readonly priorities?: readonly number[];
  /** Per-message TTL: the AMQP expiration property, in milliseconds. */
  readonly ttlMs?: number;
}

/** The priority message `seq` goes out with (undefined: none), like the routing keys' cycle. */
export function priorityOf(
  priorities: readonly number[] | undefined,
  seq: number,
): number | undefined {
  return priorities?.[(seq - 1) % priorities.length];
}

export interface ConsumerConfig {
  readonly kind: 'consumer';
  readonly id: string;
  readonly queue?: string;
  readonly bind?: { readonly exchange: string; readonly keys: readonly string[] };
  readonly prefetch: number;
  readonly ack: AckMode;
  readonly workMs: number;
  readonly workPerDotMs: number;
  /** Reject every n-th message; 0 never. */
  readonly nackEvery: number;
  readonly requeue: boolean;
  /** RPC server: answer each request (`replyTo`, `correlationId`) with fib(n) of its body. */
  readonly reply?: 'fibonacci';
  /** Manual ack: one `multiple` ack per this many messages (1: each on its own). */
  readonly ackEvery?: number;
  /** A bug on every n-th message, to show its consequences. */
  readonly bug?: { readonly kind: 'throw' | 'double-ack'; readonly every: number };
  /** Retries through dead-lettering, and a parking queue after the last attempt. */
  readonly retry?: RetryConfig;
  /** A stream consumer: where it starts (`x-stream-offset`); after a reconnect it resumes. */
  readonly offset?: string | number;
  /** It tracks its offset under this name (the lab keeps what it processed, for its successor). */
  readonly track?: string;
}

/** A stream offset given as an ISO time (sent as an AMQP timestamp), not a word or a number. */
export function isStreamTime(offset: string | number | undefined): offset is string {
  return typeof offset === 'string' && /^\d{4}-/.test(offset);
}

export interface RetryConfig {
  /** Every n-th message fails on its first attempt only; 0 none. */
  readonly transientEvery: number;
  /** Every n-th message fails every time; 0 none. */
  readonly poisonEvery: number;
  readonly maxAttempts: number;
  readonly parkingQueue: string;
}

export type ActorConfig = ProducerConfig | ConsumerConfig;

export interface ActorEnvironment {
  readonly url: string;
  /** A cluster's nodes (url among them): an actor starts at one and moves on when it goes away. */
  readonly urls?: readonly string[];
  readonly scenario: string;
  /** Distinguishes this session's messages from other runs' and other programs'. */
  readonly runId: string;
  /** The scenario's exchanges, queues and bindings, declared again after a reconnect. */
  readonly topology?: TopologySpec;
  /** PEM text for amqps:// (read once by the parent, so a child never touches the files). */
  readonly tls?: TlsMaterial;
  /** The bearer token HTTP publish endpoints require. */
  readonly httpToken?: string;
}

/**
 * The lab's own header names. A lab message needs none (see lab-message.ts); an RPC reply names
 * the server actor that answered.
 */
export const headers = {
  server: 'x-rabbit-lab-server',
} as const;

/**
 * A lab consumer's consumer tag names its run and actor (`rabbit-lab.<run>.<actor>.<n>`), so
 * the management API's consumer list tells which actor the broker made active.
 */
export function consumerTagFor(runId: string, actor: string, n: number): string {
  return `rabbit-lab.${runId}.${actor}.${n}`;
}

/** The actor behind one of this run's consumer tags, or undefined for any other tag. */
export function actorOfConsumerTag(runId: string, tag: string): string | undefined {
  const prefix = `rabbit-lab.${runId}.`;
  if (!tag.startsWith(prefix)) return undefined;
  const rest = tag.slice(prefix.length);
  const dot = rest.lastIndexOf('.');
  return dot > 0 ? rest.slice(0, dot) : undefined;
}

/** An RPC client (tutorial 6): a producer whose messages are requests waiting for replies. */
export interface RpcClientConfig {
  /** The request queue, for the flow log. */
  readonly queue: string;
  /** Direct Reply-to (`amq.rabbitmq.reply-to`) or an exclusive, server-named reply queue. */
  readonly replyTo: 'direct' | 'queue';
  readonly timeoutMs: number;
  readonly retries: number;
  /** The arguments sent, cycled (`{n}` in the body). */
  readonly numbers: readonly number[];
}

export interface RpcCounts {
  requests: number;
  /** First replies to pending requests. */
  replies: number;
  /** Replies to requests answered already (after a retry both may come back). */
  duplicates: number;
  retries: number;
  /** Requests given up after the last retry. */
  failed: number;
  /** Replies with a correlation id this client never sent. */
  unknown: number;
  /** Sum of round-trip times of the replies. */
  rttMs: number;
}

export type ParentMessage =
  | { readonly type: 'start'; readonly env: ActorEnvironment; readonly config: ActorConfig }
  | { readonly type: 'update'; readonly config: ActorConfig }
  /** Producer: publish one message now with this routing key and body. */
  | { readonly type: 'send'; readonly routingKey: string; readonly body: string }
  | { readonly type: 'stop' };

/** A run of consecutive sequence numbers from one producer: [producer, first, last]. */
export type SeqRun = [producer: string, first: number, last: number];

/** Producer: messages first..last were published between firstAt and lastAt (ms since epoch). */
export type PublishedSegment = [first: number, last: number, firstAt: number, lastAt: number];

export type Outcome =
  | 'ack'
  | 'auto-ack'
  | 'unacked'
  | 'nack'
  | 'nack-requeue'
  | 'unroutable'
  /** The broker refused the publish (a nack to a publisher confirm). */
  | 'refused'
  /** RPC: the reply to a request came back to its client. */
  | 'reply'
  /** RPC: no reply in time; the request was sent again. */
  | 'retry'
  /** Rejected without requeue from a queue with a dead-letter exchange: on its way to a retry. */
  | 'dead-lettered'
  /** Failed its last attempt: published to the parking queue and acknowledged. */
  | 'parked';

/** A sampled message, for the flow log. */
export interface MessageRecord {
  readonly messageId: string;
  /** The producing lab actor, or undefined for a message from another program. */
  readonly producer?: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly queue: string;
  readonly consumer: string;
  readonly redelivered: boolean;
  readonly outcome: Outcome;
  readonly latencyMs?: number;
  /** A few words more (an RPC's argument and result). */
  readonly detail?: string;
  /** Retries: the queue it waited in before it was dead-lettered back (its TTL expired). */
  readonly via?: string;
  /** Retries: which attempt this delivery was (1 the first), and of how many. */
  readonly attempt?: readonly [number, number];
  readonly at: number;
}

export interface BatchCounts {
  published: number;
  received: number;
  acked: number;
  nacked: number;
  redelivered: number;
  external: number;
  /** Producer: returned by the broker because no queue was bound for the key (mandatory flag). */
  unroutable: number;
  /** Consumer: delivered on a connection that dropped before the ack; the broker requeues them. */
  abandoned: number;
  /** Consumer: deliveries that came back through dead-lettering (a later attempt). */
  retried: number;
  /** Consumer: messages that failed their last attempt and went to the parking queue. */
  parked: number;
}

/** Consumer: lab messages by what happened to them, as runs per producer. */
/** A stream consumer's offsets, sent with its batches and receipts. */
export interface StreamOffsets {
  /** The first and latest offsets it received. */
  readonly first: number;
  readonly last: number;
  /** The latest sequence number it received from each producer. */
  readonly seen: Readonly<Record<string, number>>;
  /** The offset of the last message it acknowledged (processed). */
  readonly processed?: number;
}

export interface ConsumerRuns {
  /** Stream consumer: where it is in the stream. */
  readonly stream?: StreamOffsets;
  /** Delivered (not redelivered). */
  readonly runs: readonly SeqRun[];
  /** Delivered again with redelivered = true. */
  readonly redeliveredRuns: readonly SeqRun[];
  /** Rejected without requeue (dropped, or dead-lettered when the queue has a dead-letter exchange). */
  readonly droppedRuns: readonly SeqRun[];
  /** Retries: delivered again after dead-lettering (a later attempt, not a duplicate). */
  readonly retriedRuns?: readonly SeqRun[];
  /** Handled to the end: acknowledged after the work, or finished under automatic ack. */
  readonly handledRuns?: readonly SeqRun[];
  /** Rejected with requeue: back in the queue, to be delivered again. */
  readonly requeuedRuns?: readonly SeqRun[];
  /** Retries: moved to the parking queue after the last attempt. */
  readonly parkedRuns?: readonly SeqRun[];
  /** Lab messages received per routing key, [key, count]. */
  readonly keys: readonly (readonly [string, number])[];
  /** Lab messages received with a priority: [priority, count, summed ms from publish to delivery]. */
  readonly waits?: readonly PriorityWait[];
  /** Lab messages dead-lettered on their way here, by x-death's newest entry: [queue, reason, runs]. */
  readonly deaths?: readonly Death[];
  /** First deliveries' latency from the producer's send time, as histogram buckets. */
  readonly latency?: LatencyBuckets;
  /** First deliveries of lab messages per second of the consumer's clock: [epoch second, count]. */
  readonly perSecond?: readonly (readonly [second: number, count: number])[];
}

export type PriorityWait = readonly [priority: number, count: number, waitMs: number];
export type Death = readonly [queue: string, reason: string, runs: readonly SeqRun[]];

export type ActorState = 'starting' | 'running' | 'paused' | 'stopped';

export type ChildMessage =
  | {
      readonly type: 'ready';
      /** Consumer: the queue it consumes from (server-named ones included). */
      readonly queue?: string;
      readonly boundAt?: number;
      readonly serverVersion?: string;
      /** host:port of the node it connected to (a cluster's nodes have one port each). */
      readonly node?: string;
      /** HTTP publish endpoint: where it listens, e.g. http://127.0.0.1:8080. */
      readonly endpoint?: string;
    }
  | ({
      readonly type: 'batch';
      readonly counts: BatchCounts;
      /** Producer: highest sequence number published so far. */
      readonly lastSeq?: number;
      /** Producer: when the messages of this batch were published. */
      readonly segment?: PublishedSegment;
      /** Producer: messages the broker returned as unroutable. */
      readonly returnedRuns?: readonly SeqRun[];
      /** Producer: messages the broker confirmed (took responsibility for). */
      readonly confirmedRuns?: readonly SeqRun[];
      /** RPC client: this batch's requests, replies and retries. */
      readonly rpc?: RpcCounts;
      /** Producer: publish → confirm time, summed over the broker's confirm frames, and their count. */
      readonly confirmMs?: readonly [sum: number, count: number];
      /** Producer: messages the broker refused with a nack. */
      readonly nackedRuns?: readonly SeqRun[];
      /** Producer: messages sent by hand with another key than the cycle's, [seq, key]. */
      readonly keyOverrides?: readonly (readonly [number, string])[];
      readonly samples: readonly MessageRecord[];
    } & ConsumerRuns)
  /**
   * Consumer: what it received and settled since the last report, sent before it acknowledges
   * (receipt before ack): whatever the broker was told, the parent was told first.
   */
  | ({ readonly type: 'receipts' } & ConsumerRuns)
  | { readonly type: 'error'; readonly message: string; readonly fatal: boolean }
  /** The connection dropped; the next attempt is in `inMs`. */
  | {
      readonly type: 'reconnecting';
      readonly attempt: number;
      readonly reason: string;
      readonly inMs: number;
    }
  | { readonly type: 'updated'; readonly note?: string }
  | { readonly type: 'stopped' };

export function emptyRpcCounts(): RpcCounts {
  return { requests: 0, replies: 0, duplicates: 0, retries: 0, failed: 0, unknown: 0, rttMs: 0 };
}

export function emptyCounts(): BatchCounts {
  return {
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
  };
}
