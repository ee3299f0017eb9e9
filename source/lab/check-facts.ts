/** What the checks judge: the run's facts as the checks see them, and what one check finds. */
import type { RpcCounts } from '../actors/protocol.js';
import type { QueueCounters } from '../broker/management-client.js';
import {
  type Accounting,
  type AccountingConsumer,
  type AccountingContext,
  account,
} from './accounting.js';
import type { HeaderSet } from './headers-match.js';

/** What a check function finds, before the scenario's word on nothing to judge. */
export interface Finding {
  readonly ok: boolean;
  readonly detail: string;
  /** Nothing to judge in this run. */
  readonly idle?: boolean;
}

export interface ProducerFacts {
  readonly id: string;
  readonly exchange: string;
  readonly routingKeys: readonly string[];
  /** Header sets its messages cycle through. */
  readonly headers?: readonly HeaderSet[];
}

export interface ConsumerFacts extends AccountingConsumer {
  readonly queue?: string;
  /** Set for consumers with their own queue bound to an exchange. */
  readonly bind?: { readonly exchange: string; readonly keys: readonly string[] };
  readonly boundAt?: number;
  /** Alive when the run ended (so it had every chance to receive what it was owed). */
  readonly alive: boolean;
  readonly ack: 'manual' | 'auto' | 'never';
  /** Retries: where it parks messages after their last attempt. */
  readonly parkingQueue?: string;
  /** A stream reader that tracks its offset under this name. */
  readonly track?: string;
}

export interface ActorFacts {
  readonly id: string;
  readonly status: string;
  readonly lastError?: string;
  /** The scenario gives it a bug on purpose, so its failure is the lesson. */
  readonly failureExpected: boolean;
}

export interface CheckContext extends AccountingContext {
  readonly producers: readonly ProducerFacts[];
  readonly consumers: readonly ConsumerFacts[];
  /** The scenario's queues as last polled. */
  readonly queues: readonly QueueCounters[];
  /** When the run ended (ms since epoch). */
  readonly endedAt: number;
  /** Named queues bound to exchanges (by the topology or live), and since when. */
  readonly queueBindings?: readonly {
    readonly exchange: string;
    readonly queue: string;
    readonly keys: readonly string[];
    readonly boundAt: number;
  }[];
  /** RPC clients and what happened to their requests. */
  readonly rpcClients?: readonly { readonly id: string; readonly counts: RpcCounts }[];
  readonly actors?: readonly ActorFacts[];
}

/** The accounting, computed once per context (several checks read it). */
const accounted = new WeakMap<CheckContext, Accounting>();
export function accountingOf(c: CheckContext): Accounting {
  let a = accounted.get(c);
  if (!a) {
    a = account(c);
    accounted.set(c, a);
  }
  return a;
}
