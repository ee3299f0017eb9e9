import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  actorsHealthy,
  confirmsAnswered,
  eachOnce,
  noLoss,
  redeliveryAfterCrash,
  rpcReplies,
  runChecks,
  verdict,
} from '../../source/lab/checks.js';
import {
  fanoutComplete,
  owedTo,
  queuesComplete,
  routingComplete,
  routingCorrect,
} from '../../source/lab/checks-routing.js';
import { Ledger } from '../../source/lab/ledger.js';
import { explainTopicMatch, routes, topicMatches } from '../../source/lab/routing.js';
import { consumer, context } from '../support/check-context.js';

/** P1 published 1..n, all confirmed. */
function published(n: number): Ledger {
  const l = new Ledger();
  l.recordPublished('P1', n);
  l.recordConfirmed([['P1', 1, n]], true);
  return l;
}

function handled(l: Ledger, first: number, last: number, by = 'C1', queue = 'q'): void {
  l.recordReceived(by, queue, [['P1', first, last]], false);
  l.recordHandled(by, queue, [['P1', first, last]]);
}

describe('no-loss: every message accounted for by its id', () => {
  test('holds when every published message was handled', () => {
    const l = published(5);
    handled(l, 1, 5);
    assert.deepEqual(noLoss(context(l)), {
      ok: true,
      detail: '5 published, 5 confirmed by the broker, 5 handled',
    });
  });

  test('fails and names the missing messages', () => {
    const l = published(5);
    handled(l, 1, 2);
    handled(l, 4, 5);
    const r = noLoss(context(l));
    assert.equal(r.ok, false);
    assert.equal(
      r.detail,
      '5 published, 5 confirmed by the broker, 4 handled; 1 lost: 1 message confirmed by the broker but never delivered (e.g. P1-3)',
    );
  });

  test('only confirmed messages are promised; unconfirmed and nacked ones are named', () => {
    const l = new Ledger();
    l.recordPublished('P1', 10);
    // 1–6 confirmed, 7 nacked, 8–10 in flight when the connection dropped.
    l.recordConfirmed([['P1', 1, 6]], true);
    l.recordConfirmed([['P1', 7, 7]], false);
    handled(l, 1, 6);
    handled(l, 9, 9);
    const r = noLoss(context(l));
    assert.equal(r.ok, true, r.detail);
    assert.equal(
      r.detail,
      '10 published, 6 confirmed by the broker, 7 handled, 2 never confirmed (in flight when a connection dropped; not promised), 1 refused by the broker (nack)',
    );
  });

  test('delivered with automatic ack to a consumer killed before handling them: lost, and why', () => {
    const l = published(50);
    l.recordReceived('C1', 'hello', [['P1', 1, 50]], false, true);
    l.recordHandled('C1', 'hello', [['P1', 1, 10]]);
    const r = noLoss(
      context(l, { consumers: [consumer('C1', { status: 'killed', ack: 'auto' })] }),
    );
    assert.equal(r.ok, false);
    assert.match(
      r.detail,
      /40 lost: 40 messages delivered with automatic ack to C1, which was killed before handling them: the broker forgot them on delivery \(e\.g\. P1-11, P1-12, P1-13\)$/,
    );
  });

  test('rejected without requeue into a dead-letter exchange that routes nowhere: lost, not moved', () => {
    const l = published(12);
    l.recordReceived('C1', 'probe', [['P1', 1, 12]], false);
    l.recordRejected('C1', 'probe', [['P1', 1, 12]], true);
    const r = noLoss(
      context(l, {
        producers: [{ id: 'P1', exchange: '', routingKeys: ['probe'] }],
        queueSpecs: [
          {
            name: 'probe',
            durable: false,
            exclusive: false,
            autoDelete: false,
            arguments: { 'x-dead-letter-exchange': 'probe.dlx' },
          },
        ],
      }),
    );
    assert.equal(r.ok, false);
    assert.match(
      r.detail,
      /12 lost: 12 messages rejected without requeue from probe into probe\.dlx, which routes nowhere for key 'probe'/,
    );
    // The same with a queue bound for the key, where the messages are read back at the end.
    l.recordLeft('probe.dead', [['P1', 1, 12]]);
    const moved = noLoss(
      context(l, {
        producers: [{ id: 'P1', exchange: '', routingKeys: ['probe'] }],
        bindings: [{ exchange: 'probe.dlx', queue: 'probe.dead', keys: ['probe'] }],
      }),
    );
    assert.equal(moved.ok, true, moved.detail);
    assert.match(
      moved.detail,
      /12 still waiting in probe\.dead.*12 dead-lettered on the way and seen again/,
    );
  });

  test('rejected without requeue from a queue without a dead-letter exchange: discarded', () => {
    const l = published(4);
    handled(l, 1, 3);
    l.recordReceived('C1', 'q', [['P1', 4, 4]], false);
    l.recordRejected('C1', 'q', [['P1', 4, 4]], false);
    const r = noLoss(context(l));
    assert.equal(r.ok, false);
    assert.match(
      r.detail,
      /1 message rejected without requeue by C1 from q, which has no dead-letter exchange: the broker discarded them/,
    );
  });

  test('messages read back by id from a queue at the end are kept; the same missing are lost', () => {
    const l = published(3);
    assert.equal(noLoss(context(l)).ok, false);
    l.recordLeft('limited', [['P1', 1, 3]]);
    const r = noLoss(context(l));
    assert.equal(r.ok, true, r.detail);
    assert.match(r.detail, /3 still waiting in limited \(read back by id at the end\)$/);
  });

  test('consumers outside the lab excuse at most what the broker delivered to them, on their queue', () => {
    const l = published(30);
    handled(l, 1, 20, 'C1', 'task_queue');
    const on = (delivered: number, queue = 'task_queue') =>
      noLoss(
        context(l, {
          producers: [{ id: 'P1', exchange: '', routingKeys: ['task_queue'] }],
          foreign: [{ queue, delivered, channels: 1 }],
        }),
      );
    const ok = on(10);
    assert.equal(ok.ok, true, ok.detail);
    assert.match(
      ok.detail,
      /10 taken by consumers outside the lab on task_queue \(the broker delivered 10 to their channels\)/,
    );
    const short = on(6);
    assert.equal(short.ok, false);
    assert.match(short.detail, /6 taken by consumers outside the lab.*; 4 lost:/);
    // A foreign consumer on another queue excuses nothing here.
    assert.equal(on(100, 'other').ok, false);
  });

  test('a queue the run did not create is counted, not read: it excuses at most its count', () => {
    const l = published(10);
    handled(l, 1, 6);
    const end = (ready: number) =>
      noLoss(
        context(l, {
          ends: [
            {
              queue: 'q',
              readBack: false,
              why: 'not created by this run, so not read back',
              ready,
              unacked: 0,
            },
          ],
        }),
      );
    const ok = end(4);
    assert.equal(ok.ok, true, ok.detail);
    assert.match(
      ok.detail,
      /4 may wait in q \(not created by this run, so not read back; the broker counts 4 there\)/,
    );
    assert.equal(end(3).ok, false);
  });

  test('returned as unroutable: the publisher knows; a missing routable one still fails', () => {
    const l = published(4);
    handled(l, 2, 2);
    handled(l, 4, 4);
    l.recordReturned([
      ['P1', 1, 1],
      ['P1', 3, 3],
    ]);
    const ok = noLoss(context(l));
    assert.equal(ok.ok, true);
    assert.equal(
      ok.detail,
      '4 published, 4 confirmed by the broker, 2 handled, 2 unroutable (returned to the publisher: no queue was bound for the key)',
    );
    l.recordPublished('P1', 5);
    l.recordConfirmed([['P1', 5, 5]], true);
    assert.equal(noLoss(context(l)).ok, false);
  });

  test('a queue with a length limit explains where its oldest went', () => {
    const l = published(5);
    l.recordLeft('small', [['P1', 3, 5]]);
    const r = noLoss(
      context(l, {
        producers: [{ id: 'P1', exchange: '', routingKeys: ['small'] }],
        queueSpecs: [
          {
            name: 'small',
            durable: false,
            exclusive: false,
            autoDelete: false,
            arguments: { 'x-max-length': 3 },
          },
        ],
      }),
    );
    assert.equal(r.ok, false);
    assert.match(
      r.detail,
      /2 messages routed to small, which holds at most 3: the broker dropped the oldest/,
    );
  });

  test('nothing published: nothing to judge', () => {
    assert.equal(noLoss(context(new Ledger())).idle, true);
  });
});

describe('each-once', () => {
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

  test('no delivery: nothing to judge', () => {
    assert.equal(eachOnce(context(new Ledger())).idle, true);
  });
});

describe('redelivery-after-crash: the killed consumer’s own messages come back', () => {
  const killed = [consumer('C1'), consumer('C2', { status: 'killed' })];

  test('every message the killed worker held came back redelivered (or waits in the queue)', () => {
    const l = published(10);
    handled(l, 1, 5, 'C2');
    // C2 held 6..8 when it was killed; 6 and 7 came back to C1, 8 waits in the queue.
    l.recordReceived('C2', 'q', [['P1', 6, 8]], false);
    l.recordReceived('C1', 'q', [['P1', 6, 7]], true);
    l.recordLeft('q', [['P1', 8, 8]]);
    const r = redeliveryAfterCrash(context(l, { consumers: killed }));
    assert.deepEqual(r, {
      ok: true,
      detail: 'C2 was killed holding 3 unacknowledged messages; 3 came back redelivered',
    });
  });

  test('a redelivery elsewhere does not stand in for the killed worker’s own messages', () => {
    const l = published(10);
    l.recordReceived('C2', 'q', [['P1', 6, 8]], false);
    // Another message came back redelivered (a requeue), not C2's.
    l.recordReceived('C1', 'q', [['P1', 1, 1]], true);
    const r = redeliveryAfterCrash(context(l, { consumers: killed }));
    assert.equal(r.ok, false);
    assert.match(r.detail, /^3 of C2's never came back \(e\.g\. P1-6, P1-7, P1-8\)/);
  });

  test('nothing to judge without a busy kill; an auto-ack consumer held nothing the broker kept', () => {
    const l = published(3);
    l.recordReceived('C2', 'q', [['P1', 1, 3]], false, true);
    const auto = [consumer('C2', { status: 'killed', ack: 'auto' })];
    assert.equal(redeliveryAfterCrash(context(l, { consumers: auto })).idle, true);
    // The same worker with manual ack, its messages settled before the kill: nothing held.
    l.recordHandled('C2', 'q', [['P1', 1, 3]]);
    assert.equal(redeliveryAfterCrash(context(l, { consumers: killed })).idle, true);
  });
});

describe('nothing to judge', () => {
  test('fails unless the scenario says why; then it passes and says it was not judged', () => {
    const idle = { ok: true, idle: true, detail: 'no consumer was killed' };
    assert.deepEqual(verdict('redelivery-after-crash', idle), {
      name: 'redelivery-after-crash',
      ok: false,
      judged: false,
      detail: 'nothing to judge: no consumer was killed',
    });
    assert.deepEqual(verdict('redelivery-after-crash', idle, 'the tour kills one at 13 s'), {
      name: 'redelivery-after-crash',
      ok: true,
      judged: false,
      detail: 'not judged: no consumer was killed (the tour kills one at 13 s)',
    });
  });

  test('runChecks adds actors-healthy to every run', () => {
    const l = published(1);
    handled(l, 1, 1);
    const results = runChecks([{ name: 'no-loss' }], context(l));
    assert.deepEqual(
      results.map((r) => [r.name, r.ok]),
      [
        ['no-loss', true],
        ['actors-healthy', true],
      ],
    );
  });
});

describe('actors-healthy', () => {
  test('an actor that failed without the scenario asking for it fails the run, with its sentence', () => {
    const l = new Ledger();
    const r = actorsHealthy(
      context(l, {
        actors: [
          { id: 'P1', status: 'running', failureExpected: false },
          {
            id: 'C1',
            status: 'failed',
            lastError: "the queue 'tsak_queue' does not exist (404 NOT_FOUND)",
            failureExpected: false,
          },
        ],
      }),
    );
    assert.deepEqual(r, {
      ok: false,
      detail: "C1 failed: the queue 'tsak_queue' does not exist (404 NOT_FOUND)",
    });
  });

  test('a failure the scenario’s bug causes is the lesson, not a failed run; killed is asked for', () => {
    const r = actorsHealthy(
      context(new Ledger(), {
        actors: [
          { id: 'C1', status: 'failed', lastError: '406', failureExpected: true },
          { id: 'C2', status: 'killed', failureExpected: false },
        ],
      }),
    );
    assert.equal(r.ok, true);
    assert.equal(r.detail, "C1 failed as the scenario's bug makes it (406)");
  });
});

describe('fanout and routing', () => {
  // P1 publishes 1..3 at t=100..300 and 4..6 at t=500..700.
  function timed(): Ledger {
    const l = new Ledger();
    l.recordPublished('P1', 3, [1, 3, 100, 300]);
    l.recordPublished('P1', 6, [4, 6, 500, 700]);
    return l;
  }
  const logs = [{ id: 'P1', exchange: 'logs', routingKeys: [''] }];
  const sub = (id: string, boundAt: number, extra = {}) =>
    consumer(id, { bind: { exchange: 'logs', keys: [''] }, boundAt, ...extra });

  test('a late subscriber is judged from its bind time', () => {
    const l = timed();
    l.recordReceived('C1', 'amq.gen-1', [['P1', 1, 6]], false);
    l.recordReceived('C2', 'amq.gen-2', [['P1', 4, 6]], false);
    const r = fanoutComplete(
      context(l, { producers: logs, consumers: [sub('C1', 50), sub('C2', 400)] }),
    );
    assert.equal(r.ok, true, r.detail);
    assert.match(r.detail, /C1 6\/6, C2 3\/3/);
  });

  test('a subscriber that missed a message fails fanout-complete', () => {
    const l = timed();
    l.recordReceived('C1', 'amq.gen-1', [['P1', 1, 4]], false);
    l.recordReceived('C1', 'amq.gen-1', [['P1', 6, 6]], false);
    const r = fanoutComplete(context(l, { producers: logs, consumers: [sub('C1', 50)] }));
    assert.equal(r.ok, false);
    assert.match(r.detail, /C1 missed 1 \(e\.g\. P1-5\)/);
  });

  test('no subscriber alive at the end: nothing to judge (it used to pass)', () => {
    const l = timed();
    const gone = [sub('C1', 50, { alive: false, status: 'failed' })];
    const r = fanoutComplete(context(l, { producers: logs, consumers: gone }));
    assert.equal(r.idle, true);
    assert.match(r.detail, /no subscriber was running at the end; C1 left early/);
    assert.equal(routingComplete(context(l, { producers: logs, consumers: gone })).idle, true);
  });

  test('direct routing: complete per bound key, and nobody gets a key they did not bind', () => {
    const l = timed();
    // Keys cycle info, warning, error: seq 3 and 6 are errors.
    l.recordReceived('C1', 'amq.gen-1', [['P1', 3, 3]], false);
    l.recordReceived('C1', 'amq.gen-1', [['P1', 6, 6]], false);
    l.recordKeys('C1', [['error', 2]]);
    const ctx = context(l, {
      producers: [{ id: 'P1', exchange: 'direct_logs', routingKeys: ['info', 'warning', 'error'] }],
      consumers: [
        consumer('C1', { bind: { exchange: 'direct_logs', keys: ['error'] }, boundAt: 50 }),
      ],
    });
    assert.equal(routingComplete(ctx).ok, true);
    assert.equal(routingCorrect(ctx).ok, true);
    l.recordKeys('C1', [['info', 1]]);
    const wrong = routingCorrect(ctx);
    assert.equal(wrong.ok, false);
    assert.equal(wrong.detail, "C1 got 1 message with key 'info'");
  });

  test('routing-complete fails for a subscriber that missed a key it bound', () => {
    const l = timed();
    // C1 binds error: seq 3 and 6 are errors, it got only 3.
    l.recordReceived('C1', 'amq.gen-1', [['P1', 3, 3]], false);
    const r = routingComplete(
      context(l, {
        producers: [
          { id: 'P1', exchange: 'direct_logs', routingKeys: ['info', 'warning', 'error'] },
        ],
        consumers: [
          consumer('C1', { bind: { exchange: 'direct_logs', keys: ['error'] }, boundAt: 50 }),
        ],
      }),
    );
    assert.equal(r.ok, false);
    assert.equal(r.detail, 'C1 missed 1 (e.g. P1-6) (C1 1/2)');
  });

  test('routing-correct with nothing received: nothing to judge', () => {
    const ctx = context(timed(), {
      consumers: [
        consumer('C1', { bind: { exchange: 'direct_logs', keys: ['error'] }, boundAt: 50 }),
      ],
    });
    assert.equal(routingCorrect(ctx).idle, true);
  });

  test('topic matching: * is one word, # zero or more', () => {
    assert.equal(topicMatches('*.critical', 'kern.critical'), true);
    assert.equal(topicMatches('*.critical', 'kern.disk.critical'), false);
    assert.equal(topicMatches('kern.#', 'kern'), true);
    assert.equal(topicMatches('kern.#', 'kern.disk.full'), true);
    assert.equal(topicMatches('#', 'anything.at.all'), true);
    assert.equal(topicMatches('a.*.c', 'a.b.c'), true);
    assert.equal(routes('direct', { keys: ['error'] }, 'info'), false);
    assert.equal(routes('fanout', { keys: [''] }, 'info'), true);
  });
});

describe('queues-complete', () => {
  const events = [{ id: 'P1', exchange: 'events', routingKeys: [''] }];
  const bound = [{ exchange: 'events', queue: 'shipping', keys: [''], boundAt: 0 }];
  function shipped(): Ledger {
    const l = new Ledger();
    l.recordPublished('P1', 10, [1, 10, 100, 200]);
    return l;
  }

  test('delivered from the queue or read back from it by id at the end', () => {
    const l = shipped();
    l.recordReceived('C1', 'shipping', [['P1', 1, 6]], false);
    l.recordLeft('shipping', [['P1', 7, 10]]);
    const r = queuesComplete(context(l, { producers: events, queueBindings: bound }));
    assert.equal(r.ok, true, r.detail);
    assert.match(r.detail, /shipping 6\/10 \(4 waiting in the queue\)/);
  });

  test('unacknowledged messages (already received) are not counted twice as waiting', () => {
    const l = shipped();
    l.recordReceived('C1', 'shipping', [['P1', 1, 6]], false);
    // The broker counted 4 unacknowledged at the end: C1's, which were delivered already.
    const r = queuesComplete(
      context(l, {
        producers: events,
        queueBindings: bound,
        queues: [{ name: 'shipping', messagesReady: 0, messagesUnacknowledged: 4, consumers: 1 }],
        ends: [{ queue: 'shipping', readBack: true, ready: 0, unacked: 0, unread: 0 }],
      }),
    );
    assert.equal(r.ok, false);
    assert.match(r.detail, /shipping lost 4 \(e\.g\. P1-7, P1-8, P1-9\)/);
  });

  test('no named queue bound: nothing to judge', () => {
    assert.equal(queuesComplete(context(shipped())).idle, true);
  });

  test('a draining run is not settled while one queue lacks the copies another one has', () => {
    const l = shipped();
    const both = [...bound, { exchange: 'events', queue: 'audit', keys: [''], boundAt: 0 }];
    l.recordReceived('C1', 'shipping', [['P1', 1, 10]], false);
    l.recordHandled('C1', 'shipping', [['P1', 1, 10]]);
    l.recordReceived('C2', 'audit', [['P1', 1, 7]], false);
    const c = context(l, { producers: events, queueBindings: both });
    // Every message was handled somewhere: the ledger alone would call the run settled.
    assert.equal(l.unaccounted(), 0);
    assert.equal(owedTo(c, new Set(['shipping', 'audit'])), 3);
    assert.equal(owedTo(c, new Set(['shipping'])), 0, 'only the queues asked about');
    l.recordReceived('C2', 'audit', [['P1', 8, 10]], false);
    assert.equal(owedTo(c, new Set(['shipping', 'audit'])), 0);
  });
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
      ok: true,
      detail:
        'every message confirmed or nacked exactly once (P1 5 confirmed; P4 1 confirmed, 3 nacked)',
    });
  });

  test('fails on a message answered twice, or never; nothing published is nothing to judge', () => {
    const l = new Ledger();
    l.recordPublished('P1', 4);
    l.recordConfirmed([['P1', 1, 2]], true);
    l.recordConfirmed([['P1', 2, 2]], false);
    const r = confirmsAnswered(context(l));
    assert.equal(r.ok, false);
    assert.equal(r.detail, '1 answered twice; 2 never answered; (P1 1 confirmed, 2 unanswered)');
    assert.equal(confirmsAnswered(context(new Ledger())).idle, true);
  });
});

describe('rpc-replies', () => {
  const counts = {
    requests: 4,
    replies: 4,
    duplicates: 0,
    retries: 0,
    failed: 0,
    unknown: 0,
    rttMs: 40,
  };

  test('every request answered; one still waiting fails', () => {
    assert.equal(
      rpcReplies(context(new Ledger(), { rpcClients: [{ id: 'P1', counts }] })).ok,
      true,
    );
    const waiting = rpcReplies(
      context(new Ledger(), { rpcClients: [{ id: 'P1', counts: { ...counts, replies: 3 } }] }),
    );
    assert.equal(waiting.ok, false);
    assert.match(waiting.detail, /P1: 3\/4 replied, 13 ms round trip \(1 still waiting\)/);
  });

  test('no RPC client ran (say it crashed at once): nothing to judge, not a pass', () => {
    const r = verdict('rpc-replies', rpcReplies(context(new Ledger())));
    assert.equal(r.ok, false);
    assert.equal(r.detail, 'nothing to judge: no RPC client sent a request');
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
