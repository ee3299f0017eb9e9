import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CheckContext,
  confirmsAnswered,
  eachOnce,
  fanoutComplete,
  noLoss,
  redeliveryAfterCrash,
  routingComplete,
  routingCorrect,
} from '../../source/lab/checks.js';
import { Ledger } from '../../source/lab/ledger.js';
import { explainTopicMatch, routes, topicMatches } from '../../source/lab/routing.js';

function context(ledger: Ledger, extra: Partial<CheckContext> = {}): CheckContext {
  return {
    ledger,
    producers: [],
    consumers: [],
    exchangeType: (x) => (x === 'logs' ? 'fanout' : 'direct'),
    queues: [],
    foreignConsumerQueues: new Set(),
    killedBusy: [],
    endedAt: 10_000,
    ...extra,
  };
}

describe('no-loss', () => {
  test('holds when every published message was received', () => {
    const l = new Ledger();
    l.recordPublished('P1', 5);
    l.recordReceived('C1', 'q', [['P1', 1, 5]], false);
    assert.deepEqual(noLoss(context(l)), {
      name: 'no-loss',
      ok: true,
      detail: '5 published, 5 received',
    });
  });

  test('fails and names missing messages', () => {
    const l = new Ledger();
    l.recordPublished('P1', 5);
    l.recordPublished('P2', 2);
    l.recordReceived(
      'C1',
      'q',
      [
        ['P1', 1, 2],
        ['P1', 4, 5],
      ],
      false,
    );
    const r = noLoss(context(l));
    assert.equal(r.ok, false);
    assert.equal(r.detail, '7 published, 4 received, 3 never received (e.g. P1-3, P2-1, P2-2)');
  });

  test('with confirms, only confirmed messages are promised; unconfirmed and nacked ones are named', () => {
    const l = new Ledger();
    l.recordPublished('P1', 10);
    // 1–6 confirmed, 7 nacked, 8–10 in flight when the connection dropped.
    l.recordConfirmed([['P1', 1, 6]], true);
    l.recordConfirmed([['P1', 7, 7]], false);
    l.recordReceived('C1', 'q', [['P1', 1, 6]], false);
    l.recordReceived('C1', 'q', [['P1', 9, 9]], false);
    const held = noLoss(context(l));
    assert.equal(held.ok, true);
    assert.equal(
      held.detail,
      '10 published, 6 confirmed by the broker, 7 received, 2 never confirmed (in flight when a connection dropped; not promised), 1 refused by the broker (nack)',
    );

    // A confirmed message that never arrives is lost.
    const lost = new Ledger();
    lost.recordPublished('P1', 4);
    lost.recordConfirmed([['P1', 1, 4]], true);
    lost.recordReceived('C1', 'q', [['P1', 1, 2]], false);
    const r = noLoss(context(lost));
    assert.equal(r.ok, false);
    assert.equal(
      r.detail,
      '4 published, 4 confirmed by the broker, 2 received, 2 confirmed but never received (e.g. P1-3, P1-4)',
    );
  });

  test('messages rejected without requeue are lost even though they were received', () => {
    const l = new Ledger();
    l.recordPublished('P1', 4);
    l.recordReceived('C1', 'q', [['P1', 1, 4]], false);
    l.recordDropped([['P1', 2, 2]]);
    const r = noLoss(context(l));
    assert.equal(r.ok, false);
    assert.equal(r.detail, '4 published, 4 received, 1 rejected without requeue and so discarded');
  });

  test('taken by a foreign consumer on a drained queue counts as delivered, and says so', () => {
    const l = new Ledger();
    l.recordPublished('P1', 10);
    l.recordReceived('C1', 'task_queue', [['P1', 1, 6]], false);
    const drained = [
      { name: 'task_queue', messagesReady: 0, messagesUnacknowledged: 0, consumers: 2 },
    ];
    const ok = noLoss(
      context(l, { queues: drained, foreignConsumerQueues: new Set(['task_queue']) }),
    );
    assert.equal(ok.ok, true);
    assert.match(ok.detail, /4 were taken by consumers outside the lab on task_queue/);
    // Not drained: those messages may simply be stuck, so it is not excused.
    const stuck = [
      { name: 'task_queue', messagesReady: 4, messagesUnacknowledged: 0, consumers: 2 },
    ];
    assert.equal(
      noLoss(context(l, { queues: stuck, foreignConsumerQueues: new Set(['task_queue']) })).ok,
      false,
    );
  });
});

describe('each-once and redelivery-after-crash', () => {
  test('a repeat without the redelivered flag from the same queue is a duplicate', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'q', [['P1', 1, 3]], false);
    l.recordReceived('C2', 'q', [['P1', 2, 2]], true);
    assert.equal(eachOnce(context(l)).ok, true);
    l.recordReceived('C2', 'q', [['P1', 3, 3]], false);
    const r = eachOnce(context(l));
    assert.equal(r.ok, false);
    assert.equal(r.detail, '5 deliveries, 1 redelivered after a crash or requeue, 1 duplicate');
  });

  test('the same message in two queues (fanout) is not a duplicate', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'amq.gen-a', [['P1', 1, 3]], false);
    l.recordReceived('C2', 'amq.gen-b', [['P1', 1, 3]], false);
    assert.equal(eachOnce(context(l)).ok, true);
  });

  test('a busy worker killed must see its messages come back redelivered', () => {
    const l = new Ledger();
    assert.equal(redeliveryAfterCrash(context(l)).ok, true);
    assert.equal(redeliveryAfterCrash(context(l, { killedBusy: ['C2'] })).ok, false);
    l.recordReceived('C1', 'q', [['P1', 4, 5]], true);
    const r = redeliveryAfterCrash(context(l, { killedBusy: ['C2'] }));
    assert.deepEqual(r, {
      name: 'redelivery-after-crash',
      ok: true,
      detail: 'C2 killed while busy; 2 messages came back with redelivered = true',
    });
  });
});

describe('fanout and routing', () => {
  // P1 publishes 1..3 at t=100..300 and 4..6 at t=500..700.
  function published(): Ledger {
    const l = new Ledger();
    l.recordPublished('P1', 3, [1, 3, 100, 300]);
    l.recordPublished('P1', 6, [4, 6, 500, 700]);
    return l;
  }

  test('a late subscriber is judged from its bind time', () => {
    const l = published();
    l.recordReceived('C1', 'amq.gen-1', [['P1', 1, 6]], false);
    l.recordReceived('C2', 'amq.gen-2', [['P1', 4, 6]], false);
    const ctx = context(l, {
      producers: [{ id: 'P1', exchange: 'logs', routingKeys: [''] }],
      consumers: [
        { id: 'C1', bind: { exchange: 'logs', keys: [''] }, boundAt: 50, alive: true },
        { id: 'C2', bind: { exchange: 'logs', keys: [''] }, boundAt: 400, alive: true },
      ],
    });
    const r = fanoutComplete(ctx);
    assert.equal(r.ok, true, r.detail);
    assert.match(r.detail, /C1 6\/6, C2 3\/3/);
  });

  test('a subscriber that missed a message fails fanout-complete', () => {
    const l = published();
    l.recordReceived(
      'C1',
      'amq.gen-1',
      [
        ['P1', 1, 4],
        ['P1', 6, 6],
      ],
      false,
    );
    const r = fanoutComplete(
      context(l, {
        producers: [{ id: 'P1', exchange: 'logs', routingKeys: [''] }],
        consumers: [{ id: 'C1', bind: { exchange: 'logs', keys: [''] }, boundAt: 50, alive: true }],
      }),
    );
    assert.equal(r.ok, false);
    assert.match(r.detail, /C1 missed 1 \(e\.g\. P1-5\)/);
  });

  test('direct routing: complete per bound key, and nobody gets a key they did not bind', () => {
    const l = published();
    // Keys cycle info, warning, error: seq 3 and 6 are errors.
    l.recordReceived(
      'C1',
      'amq.gen-1',
      [
        ['P1', 3, 3],
        ['P1', 6, 6],
      ],
      false,
    );
    l.recordKeys('C1', [['error', 2]]);
    const ctx = context(l, {
      producers: [{ id: 'P1', exchange: 'direct_logs', routingKeys: ['info', 'warning', 'error'] }],
      consumers: [
        { id: 'C1', bind: { exchange: 'direct_logs', keys: ['error'] }, boundAt: 50, alive: true },
      ],
    });
    assert.equal(routingComplete(ctx).ok, true);
    assert.equal(routingCorrect(ctx).ok, true);
    l.recordKeys('C1', [['info', 1]]);
    const wrong = routingCorrect(ctx);
    assert.equal(wrong.ok, false);
    assert.equal(wrong.detail, "C1 got 1 message with key 'info'");
  });

  test('topic matching: * is one word, # zero or more', () => {
    assert.equal(topicMatches('*.critical', 'kern.critical'), true);
    assert.equal(topicMatches('*.critical', 'kern.disk.critical'), false);
    assert.equal(topicMatches('kern.#', 'kern'), true);
    assert.equal(topicMatches('kern.#', 'kern.disk.full'), true);
    assert.equal(topicMatches('#', 'anything.at.all'), true);
    assert.equal(topicMatches('a.*.c', 'a.b.c'), true);
    assert.equal(routes('direct', ['error'], 'info'), false);
    assert.equal(routes('fanout', [''], 'info'), true);
  });
});

describe('unroutable', () => {
  test('messages returned as unroutable are reported, not lost; a missing routable one still fails', () => {
    const l = new Ledger();
    l.recordPublished('P1', 4);
    l.recordReceived(
      'C1',
      'q',
      [
        ['P1', 2, 2],
        ['P1', 4, 4],
      ],
      false,
    );
    l.recordReturned([
      ['P1', 1, 1],
      ['P1', 3, 3],
    ]);
    const ok = noLoss(context(l));
    assert.equal(ok.ok, true);
    assert.equal(
      ok.detail,
      '4 published, 2 received, 2 unroutable (returned to the publisher: no queue was bound for the key)',
    );
    l.recordPublished('P1', 5);
    assert.equal(noLoss(context(l)).ok, false);
  });
});

describe('topic matches, explained', () => {
  const cases: [string, string, boolean, string][] = [
    ['kern.*', 'kern.critical', true, "kern = kern · * takes 'critical'"],
    ['*.critical', 'kern.critical', true, "* takes 'kern' · critical = critical"],
    ['#', 'auth.warning', true, "# takes 'auth.warning'"],
    ['kern.#', 'kern', true, 'kern = kern · # takes nothing'],
    ['a.#.c', 'a.b.x.c', true, "a = a · # takes 'b.x' · c = c"],
    ['*.critical', 'cron.info', false, "'critical' ≠ 'info'"],
    ['kern.*', 'kern.disk.full', false, "the pattern ends, but the key goes on with 'full'"],
    ['#.c', 'a.b', false, "the key ends, but the pattern still wants 'c'"],
  ];
  for (const [pattern, key, matches, why] of cases) {
    test(`${pattern} against ${key}`, () => {
      assert.deepEqual(explainTopicMatch(pattern, key), { matches, why });
      assert.equal(topicMatches(pattern, key), matches, 'agrees with the matcher');
    });
  }
});

describe('confirms', () => {
  test('holds when the broker answered every message once; names the nacked', () => {
    const l = new Ledger();
    l.recordPublished('P1', 5);
    l.recordPublished('P4', 4);
    l.recordConfirmed([['P1', 1, 5]], true);
    l.recordConfirmed([['P4', 1, 1]], true);
    l.recordConfirmed([['P4', 2, 4]], false);
    assert.deepEqual(confirmsAnswered(context(l)), {
      name: 'confirms',
      ok: true,
      detail:
        'every message confirmed or nacked exactly once (P1 5 confirmed; P4 1 confirmed, 3 nacked)',
    });
  });

  test('fails on a message answered twice, or never', () => {
    const l = new Ledger();
    l.recordPublished('P1', 4);
    l.recordConfirmed([['P1', 1, 2]], true);
    l.recordConfirmed([['P1', 2, 2]], false);
    const r = confirmsAnswered(context(l));
    assert.equal(r.ok, false);
    assert.equal(r.detail, '1 answered twice; 2 never answered; (P1 1 confirmed, 2 unanswered)');
  });
});

describe('no-loss and queues nobody reads', () => {
  test('confirmed messages still waiting in a queue without a lab consumer are kept, not lost', () => {
    const l = new Ledger();
    l.recordPublished('P1', 3);
    l.recordConfirmed([['P1', 1, 3]], true);
    const r = noLoss(
      context(l, {
        consumers: [{ id: 'C1', queue: 'read', alive: true }],
        queues: [{ name: 'limited', messagesReady: 3, messagesUnacknowledged: 0, consumers: 0 }],
      }),
    );
    assert.equal(r.ok, true, r.detail);
    assert.match(r.detail, /the other 3 wait in queues no lab consumer reads \(limited 3\)$/);
    // The same three missing with nothing waiting anywhere: lost.
    assert.equal(noLoss(context(l)).ok, false);
  });
});
