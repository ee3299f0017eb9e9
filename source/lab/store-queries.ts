/** Questions asked of the lab's state: which actors are live, what a consumer reads, the bindings. */
import type { TopologySpec } from '../broker/topology.js';
import type { BindingRule, ExchangeType, RoutingNet } from './routing.js';
import type { ActorView, LabState } from './store.js';

/**
 * The queue a consumer reads: the one the broker named (a subscriber's own queue) once known,
 * else the one its scenario names; undefined for a producer.
 */
export function consumerQueue(actor: ActorView): string | undefined {
  return actor.config.kind === 'consumer' ? (actor.queue ?? actor.config.queue) : undefined;
}

/** Alive: not stopped, killed or failed (stopping ones are on their way out). */
export function isLive(actor: ActorView): boolean {
  return (
    actor.status === 'starting' ||
    actor.status === 'running' ||
    actor.status === 'paused' ||
    actor.status === 'reconnecting'
  );
}

export function liveActors(state: LabState): ActorView[] {
  return state.actors.filter(isLive);
}

/** The type of an exchange of the scenario; the default exchange and unknown ones route directly. */
export function exchangeTypeOf(state: LabState, name: string): ExchangeType {
  return state.scenario.exchanges?.find((x) => x.name === name)?.type ?? 'direct';
}

export interface LabBinding extends BindingRule {
  readonly exchange: string;
  readonly queue: string;
}

/** An exchange's `alternate-exchange`, as the scenario declares it. */
export function alternateOf(state: LabState, name: string): string | undefined {
  return state.scenario.exchanges?.find((x) => x.name === name)?.alternate;
}

/** The lab's exchanges and bindings as routing sees them. */
export function routingNet(state: LabState): RoutingNet {
  return {
    exchangeType: (name) => exchangeTypeOf(state, name),
    alternateOf: (name) => alternateOf(state, name),
    bindings: labBindings(state),
  };
}

/** Every binding in play: the topology's, and each live subscriber's own queue. */
export function labBindings(state: LabState): LabBinding[] {
  return [
    ...(state.scenario.bindings ?? []),
    ...state.actors.flatMap((a) =>
      a.config.kind === 'consumer' && a.config.bind && a.queue && isLive(a)
        ? [{ exchange: a.config.bind.exchange, queue: a.queue, keys: a.config.bind.keys }]
        : [],
    ),
  ];
}

/**
 * The topology with a queue added live and its binding, so the program `v` shows for its consumer
 * declares and binds it too.
 */
export function withBoundQueue(
  topology: TopologySpec,
  added: { exchange: string; queue: string; keys: readonly string[]; durable?: boolean },
): TopologySpec {
  const known = topology.queues.some((q) => q.name === added.queue);
  return {
    ...topology,
    queues: known
      ? topology.queues
      : [
          ...topology.queues,
          {
            name: added.queue,
            durable: added.durable ?? true,
            exclusive: false,
            autoDelete: false,
            arguments: {},
          },
        ],
    bindings: [
      ...topology.bindings,
      { exchange: added.exchange, queue: added.queue, keys: [...added.keys] },
    ],
  };
}
