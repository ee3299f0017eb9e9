/**
 * What an actor starts with, from its scenario spec, and how a key steps its settings: shared by
 * the session (which runs actors) and `rabbit-lab code` (which writes them as programs).
 */
import type { ConsumerSpec, ProducerSpec } from '../scenario/schema.js';
import type { ActorConfig, ConsumerConfig, ProducerConfig } from './protocol.js';

/**
 * At most this many live actors unless --max-actors says otherwise. Each actor is a Node process
 * (about 50 MB) with its own connection: the bound keeps a held key or a scenario from filling the
 * machine's memory or a shared broker's connection limit, while 32 subscribers and their producer
 * still fit.
 */
export const defaultMaxActors = 64;
/** Per producer, unless the user lifts it: a lab pointed at a shared broker must not flood it. */
export const defaultMaxRate = 1000;

const rateLadder = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];
/** 0 (unlimited) sits above the largest finite prefetch. */
const prefetchLadder = [1, 2, 5, 10, 20, 50, 100, 0];
const ackOrder = { manual: 'auto', auto: 'never', never: 'manual' } as const;

/** The next value up or down a ladder from `value` (which need not be on it). */
export function stepLadder(ladder: readonly number[], value: number, direction: 1 | -1): number {
  const rank = (v: number) => (v === 0 ? Number.POSITIVE_INFINITY : v);
  const sorted = [...ladder].sort((a, b) => rank(a) - rank(b));
  if (direction > 0) return sorted.find((v) => rank(v) > rank(value)) ?? value;
  return [...sorted].reverse().find((v) => rank(v) < rank(value)) ?? value;
}

/** A producer's next rate (0 is "as fast as the broker takes": one step down is the ceiling). */
export function nextRate(rate: number, direction: 1 | -1, max: number): number {
  if (rate === 0) return direction < 0 ? max : 0;
  return Math.min(max, stepLadder(rateLadder, rate, direction));
}

export function nextPrefetch(prefetch: number, direction: 1 | -1): number {
  return stepLadder(prefetchLadder, prefetch, direction);
}

export function nextAck(ack: ConsumerConfig['ack']): ConsumerConfig['ack'] {
  return ackOrder[ack];
}

/** The settings an actor starts with, from its scenario spec. */
export function producerConfig(id: string, spec: ProducerSpec): ProducerConfig {
  return {
    kind: 'producer',
    id,
    exchange: spec.exchange,
    routingKeys: spec.routingKeys,
    ...(spec.headers ? { headers: spec.headers } : {}),
    rate: spec.rate === 'max' ? 0 : spec.rate,
    body: spec.body,
    persistent: spec.persistent,
    paused: spec.paused,
    ...(spec.confirm === 'async' ? {} : { confirm: spec.confirm, confirmBatch: spec.confirmBatch }),
    ...(spec.rpc ? { rpc: { ...spec.rpc, queue: spec.routingKeys[0] ?? '' } } : {}),
    ...(spec.http ? { http: spec.http } : {}),
    ...(spec.priorities ? { priorities: spec.priorities } : {}),
    ...(spec.ttlMs === undefined ? {} : { ttlMs: spec.ttlMs }),
  };
}

export function consumerConfig(id: string, spec: ConsumerSpec): ConsumerConfig {
  return {
    kind: 'consumer',
    id,
    queue: spec.queue,
    bind: spec.bind,
    prefetch: spec.prefetch,
    ack: spec.ack,
    workMs: spec.workMs,
    workPerDotMs: spec.workPerDotMs,
    nackEvery: spec.nackEvery,
    requeue: spec.requeue,
    ...(spec.ackEvery > 1 ? { ackEvery: spec.ackEvery } : {}),
    ...(spec.reply ? { reply: spec.reply } : {}),
    ...(spec.bug ? { bug: { kind: spec.bug, every: spec.bugEvery } } : {}),
    ...(spec.retry ? { retry: spec.retry } : {}),
    ...(spec.offset === undefined ? {} : { offset: spec.offset }),
    ...(spec.track === undefined ? {} : { track: spec.track }),
  };
}

/** Ids in spawn order: P1, P2… for producers, C1, C2… for consumers. */
export class ActorIds {
  private next = { producer: 1, consumer: 1 };

  config(spec: ProducerSpec | ConsumerSpec): ActorConfig {
    return spec.kind === 'producer'
      ? producerConfig(`P${this.next.producer++}`, spec)
      : consumerConfig(`C${this.next.consumer++}`, spec);
  }
}
