import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeAmqpError } from '../../source/actors/errors.js';
import { consistentHash } from '../../source/lab/checks-hash.js';
import { routingComplete } from '../../source/lab/checks-routing.js';
import { hashShares } from '../../source/lab/hash-split.js';
import { Ledger } from '../../source/lab/ledger.js';
import { bindingSchema, scenarioSchema } from '../../source/scenario/schema.js';
import { consumer, context } from '../support/check-context.js';

const bindings = [
  { exchange: 'orders.hash', queue: 'shard-1', keys: ['1'] },
  { exchange: 'orders.hash', queue: 'shard-2', keys: ['2'] },
  { exchange: 'orders.hash', queue: 'shard-3', keys: ['1'] },
].map((b) => bindingSchema.parse(b));

/** 8 messages, keys a b c d a b c d: a and c to shard-2, b to shard-1, d to shard-3. */
function run(extra?: (l: Ledger) => void): Ledger {
  const l = new Ledger();
  // Keys come from the producer's cycle (a b c d), as in a real run.
  l.recordPublished('P1', 8);
  l.recordConfirmed([['P1', 1, 8]], true);
  const to = (queue: string, consumer: string, ...seqs: number[]) => {
    for (const seq of seqs) l.recordReceived(consumer, queue, [['P1', seq, seq]], false);
  };
  to('shard-2', 'C2', 1, 3, 5, 7);
  to('shard-1', 'C1', 2, 6);
  to('shard-3', 'C3', 4, 8);
  extra?.(l);
  return l;
}

const facts = (l: Ledger) =>
  context(l, {
    producers: [{ id: 'P1', exchange: 'orders.hash', routingKeys: ['a', 'b', 'c', 'd'] }],
    exchangeType: (x) => (x === 'orders.hash' ? 'x-consistent-hash' : 'direct'),
    bindings,
    queueBindings: bindings.map((b) => ({ ...b, boundAt: 0 })),
    consumers: ['C1', 'C2', 'C3'].map((id, i) => consumer(id, { queue: `shard-${i + 1}` })),
  });

describe('consistent-hash: one queue per message, one queue per key', () => {
  test('passes and gives each queue its weight against what it got', () => {
    assert.deepEqual(consistentHash(facts(run())), {
      ok: true,
      detail:
        'orders.hash: 8 messages, 4 keys, each to one queue: shard-1 weight 1 (25%) got 25%, shard-2 weight 2 (50%) got 50%, shard-3 weight 1 (25%) got 25%',
    });
  });

  test('fails when a message is in two queues, or a key went to two', () => {
    const twice = consistentHash(
      facts(run((l) => l.recordReceived('C1', 'shard-1', [['P1', 5, 5]], false))),
    );
    assert.equal(twice.ok, false);
    assert.equal(
      twice.detail,
      "orders.hash put messages in two queues: P1-5 in shard-1 and shard-2; key 'a' went to shard-2 and shard-1",
    );
  });

  test('has nothing to judge without such an exchange', () => {
    const r = consistentHash(context(run()));
    assert.deepEqual(r, {
      ok: true,
      idle: true,
      detail: 'no consistent-hash exchange has a queue bound',
    });
  });

  test('routing-complete leaves the hash exchange’s queues to it (none is owed every message)', () => {
    assert.equal(routingComplete(facts(run())).idle, true);
  });

  test('shares follow the weights', () => {
    const shares = hashShares(bindings, 'orders.hash', () => 0);
    assert.deepEqual(
      shares.map((s) => [s.queue, s.expected]),
      [
        ['shard-1', 0.25],
        ['shard-2', 0.5],
        ['shard-3', 0.25],
      ],
    );
  });

  test('a binding to a consistent-hash exchange takes a weight as its key', () => {
    const r = scenarioSchema.safeParse({
      name: 'hash',
      topology: {
        exchanges: [{ name: 'h', type: 'x-consistent-hash' }],
        queues: [{ name: 'q' }],
        bindings: [{ exchange: 'h', queue: 'q', keys: ['customer.*'] }],
      },
      actors: [{ kind: 'producer', exchange: 'h', routingKeys: ['k'] }],
    });
    assert.equal(r.success, false);
    assert.match(
      r.error?.issues.map((i) => i.message).join(' | ') ?? '',
      /a binding to the consistent-hash exchange 'h' takes its weight as its key: a whole number such as 1 or 2/,
    );
  });

  test('a broker without the plugin: one sentence that says how to get it', () => {
    const error = new Error(
      `Connection closed: 503 (COMMAND-INVALID) with message "COMMAND_INVALID - unknown exchange type 'x-consistent-hash'"`,
    );
    assert.equal(
      describeAmqpError(error),
      "The broker has no 'x-consistent-hash' exchange type: enable its plugin with rabbitmq-plugins enable rabbitmq_consistent_hash_exchange, or run with --broker embedded (the private node has it).",
    );
  });
});
