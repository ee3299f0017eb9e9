import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actorOfConsumerTag, consumerTagFor } from '../../source/actors/protocol.js';
import { singleActive } from '../../source/lab/checks-single-active.js';
import { Ledger } from '../../source/lab/ledger.js';
import { queueSchema } from '../../source/scenario/schema.js';
import { context } from '../support/check-context.js';

const sac = queueSchema.parse({
  name: 'payments',
  arguments: { 'x-queue-type': 'quorum', 'x-single-active-consumer': true },
});

describe('single-active: one consumer at a time received from the queue', () => {
  test('passes when each consumer takes over where the one before stopped', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'payments', [['P1', 1, 40]], false);
    // What C1 held comes again to C2, redelivered: not a first delivery.
    l.recordReceived('C2', 'payments', [['P1', 36, 40]], true);
    l.recordReceived('C2', 'payments', [['P1', 41, 60]], false);
    l.recordReceived('C3', 'payments', [['P1', 61, 70]], false);
    assert.deepEqual(singleActive(context(l, { queueSpecs: [sac] })), {
      ok: true,
      detail:
        'payments: one consumer at a time (3 consumers): C1 P1-1…P1-40 (40), then C2 P1-41…P1-60 (20), then C3 P1-61…P1-70 (10)',
    });
  });

  test('fails when two consumers shared the queue (competing consumers)', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'payments', [['P1', 1, 1]], false);
    l.recordReceived('C2', 'payments', [['P1', 2, 2]], false);
    l.recordReceived('C1', 'payments', [['P1', 3, 3]], false);
    const r = singleActive(context(l, { queueSpecs: [sac] }));
    assert.equal(r.ok, false);
    assert.equal(
      r.detail,
      'C1 and C2 received from payments at the same time: C1 P1-1…P1-3 (2) and C2 P1-2 (1) interleave',
    );
  });

  test('has nothing to judge without such a queue, or before any delivery', () => {
    const l = new Ledger();
    assert.equal(singleActive(context(l)).idle, true);
    assert.equal(singleActive(context(l, { queueSpecs: [sac] })).idle, true);
    l.recordReceived('C1', 'other', [['P1', 1, 2]], false);
    l.recordReceived('C2', 'other', [['P1', 3, 4]], false);
    const r = singleActive(context(l, { queueSpecs: [sac] }));
    assert.deepEqual(r, { ok: true, idle: true, detail: 'no lab consumer received from payments' });
  });
});

describe('consumer tags name the run and the actor', () => {
  test('round trip, and other tags are not the lab’s', () => {
    const tag = consumerTagFor('r1a2', 'C12', 3);
    assert.equal(tag, 'rabbit-lab.r1a2.C12.3');
    assert.equal(actorOfConsumerTag('r1a2', tag), 'C12');
    assert.equal(actorOfConsumerTag('other', tag), undefined);
    assert.equal(actorOfConsumerTag('r1a2', 'amq.ctag-abc'), undefined);
  });
});
