import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ordering, runChecks } from '../../source/lab/checks.js';
import { Ledger } from '../../source/lab/ledger.js';
import { context } from '../support/check-context.js';

describe('ordering: each consumer gets a producer’s messages from a queue in publish order', () => {
  test('holds for competing consumers that each see a rising subsequence', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'q', [['P1', 1, 1]], false);
    l.recordReceived('C2', 'q', [['P1', 2, 2]], false);
    l.recordReceived('C1', 'q', [['P1', 3, 4]], false);
    l.recordReceived('C2', 'q', [['P1', 5, 5]], false);
    assert.deepEqual(ordering(context(l)), {
      ok: true,
      detail:
        '5 first deliveries in publish order for each producer, queue and consumer (0 redelivered not counted)',
    });
  });

  test('fails and names the message that came after a later one', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'orders', [['P1', 1, 5]], false);
    l.recordReceived('C1', 'orders', [['P1', 8, 9]], false);
    l.recordReceived('C1', 'orders', [['P1', 6, 7]], false);
    const r = ordering(context(l));
    assert.equal(r.ok, false);
    assert.equal(
      r.detail,
      '2 messages delivered for the first time after a later one from the same producer (2 on orders): P1-6 after P1-9 (C1 from orders); P1-7 after P1-9 (C1 from orders)',
    );
    assert.equal(l.order.reorderedByQueue.get('orders'), 2);
  });

  test('a redelivery or a duplicate of an older message is not a reordering', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'q', [['P1', 1, 10]], false);
    // Requeued after a failover: flagged redelivered.
    l.recordReceived('C1', 'q', [['P1', 4, 6]], true);
    // Delivered again without the flag: each-once's duplicate, not ordering's.
    l.recordReceived('C1', 'q', [['P1', 7, 7]], false);
    assert.equal(ordering(context(l)).ok, true);
    assert.equal(l.duplicates, 1);
    assert.equal(l.duplicatesByQueue.get('q'), 1);
    assert.equal(l.redeliveriesByQueue.get('q'), 3);
  });

  test('producers, queues and consumers are judged apart', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'a', [['P1', 5, 6]], false);
    l.recordReceived('C1', 'b', [['P1', 1, 2]], false);
    l.recordReceived('C1', 'a', [['P2', 1, 1]], false);
    l.recordReceived('C2', 'a', [['P1', 3, 3]], false);
    assert.equal(ordering(context(l)).ok, true);
  });

  test('named in a scenario, a reordering fails the run; nothing delivered is nothing to judge', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'q', [['P1', 2, 2]], false);
    l.recordReceived('C1', 'q', [['P1', 1, 1]], false);
    const [result] = runChecks([{ name: 'ordering' }], context(l));
    assert.equal(result?.name, 'ordering');
    assert.equal(result?.ok, false);
    assert.equal(ordering(context(new Ledger())).idle, true);
  });
});
