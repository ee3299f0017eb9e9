/** A check context for unit tests: a ledger and whatever facts a test cares about. */
import type { CheckContext, ConsumerFacts } from '../../source/lab/checks.js';
import type { Ledger } from '../../source/lab/ledger.js';

export function context(ledger: Ledger, extra: Partial<CheckContext> = {}): CheckContext {
  return {
    ledger,
    producers: [{ id: 'P1', exchange: '', routingKeys: ['q'] }],
    consumers: [],
    exchangeType: (x) => (x === 'logs' ? 'fanout' : x.endsWith('topic') ? 'topic' : 'direct'),
    bindings: [],
    queueSpecs: [],
    ends: [],
    foreign: [],
    queues: [],
    endedAt: 10_000,
    ...extra,
  };
}

/** A consumer as the checks see it: running manual-ack by default. */
export function consumer(id: string, extra: Partial<ConsumerFacts> = {}): ConsumerFacts {
  return { id, status: 'running', alive: true, ack: 'manual', ...extra };
}
