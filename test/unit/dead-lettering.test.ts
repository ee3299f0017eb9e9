import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noLoss } from '../../source/lab/checks.js';
import { Ledger } from '../../source/lab/ledger.js';
import { type QueueSpec, queueSchema } from '../../source/scenario/schema.js';
import { context } from '../support/check-context.js';

const queue = (name: string, args: QueueSpec['arguments']): QueueSpec =>
  queueSchema.parse({ name, durable: true, arguments: args });

const specs = (strategy?: string) => [
  queue('orders', {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': 'orders.dlx',
    ...(strategy ? { 'x-dead-letter-strategy': strategy, 'x-overflow': 'reject-publish' } : {}),
  }),
  queue('dead-letters', { 'x-max-length': 20, 'x-overflow': 'reject-publish' }),
];

/** 10 orders: C1 handles the odd ones and rejects the even ones into orders.dlx; C2 reads 2 and 4. */
function run(): Ledger {
  const l = new Ledger();
  l.recordPublished('P1', 10);
  l.recordConfirmed([['P1', 1, 10]], true);
  l.recordReceived('C1', 'orders', [['P1', 1, 10]], false);
  for (let seq = 1; seq <= 10; seq += 2) l.recordHandled('C1', 'orders', [['P1', seq, seq]]);
  for (let seq = 2; seq <= 10; seq += 2) l.recordRejected('C1', 'orders', [['P1', seq, seq]], true);
  l.recordReceived(
    'C2',
    'dead-letters',
    [
      ['P1', 2, 2],
      ['P1', 4, 4],
    ],
    false,
  );
  l.recordHandled('C2', 'dead-letters', [
    ['P1', 2, 2],
    ['P1', 4, 4],
  ]);
  return l;
}

const facts = (strategy: string | undefined, held: number) =>
  context(run(), {
    producers: [{ id: 'P1', exchange: '', routingKeys: ['orders'] }],
    exchangeType: () => 'fanout',
    bindings: [{ exchange: 'orders.dlx', queue: 'dead-letters', keys: [''] }],
    queueSpecs: specs(strategy),
    ends: [
      {
        queue: 'orders',
        readBack: true,
        ready: 0,
        unacked: 0,
        unread: 0,
        ...(held ? { held } : {}),
      },
      { queue: 'dead-letters', readBack: true, ready: 0, unacked: 0, unread: 0 },
    ],
  });

describe('dead-lettering into a full queue', () => {
  test('at most once: what the target refused is lost, and the detail says why', () => {
    const r = noLoss(facts(undefined, 0));
    assert.equal(r.ok, false);
    assert.match(
      r.detail,
      /3 lost: 3 messages dead-lettered from orders into orders\.dlx while dead-letters was full \(at most 20, reject-publish\): at-most-once dead-lettering drops what its target refuses \(e\.g\. P1-6, P1-8, P1-10\)/,
    );
  });

  test('at least once: what the queue still holds for dead-lettering is not lost, up to its count', () => {
    const ok = noLoss(facts('at-least-once', 3));
    assert.equal(ok.ok, true, ok.detail);
    assert.match(ok.detail, /3 may wait in orders \(held for at-least-once dead-lettering/);
    // The broker holds fewer than are missing: the rest is lost.
    const short = noLoss(facts('at-least-once', 1));
    assert.equal(short.ok, false);
    assert.match(
      short.detail,
      /2 lost: 2 messages dead-lettered from orders into orders\.dlx and not seen again/,
    );
  });
});
