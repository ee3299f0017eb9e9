/** Retries through dead-lettering: attempts from x-death, decisions, the ledger and the check. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConsumeMessage } from 'amqplib';
import { attemptOf, expiredFrom, retryDecision } from '../../source/actors/consumer.js';
import type {
  ConsumerConfig,
  MessageRecord,
  RetryConfig,
  SeqRun,
} from '../../source/actors/protocol.js';
import { type CheckContext, noLoss } from '../../source/lab/checks.js';
import { ackedOrParked } from '../../source/lab/checks-routing.js';
import { Ledger } from '../../source/lab/ledger.js';
import { initialState, reduce } from '../../source/lab/store.js';
import { parseScenario } from '../../source/scenario/loader.js';
import { type QueueSpec, queueSchema } from '../../source/scenario/schema.js';
import { joinPath, messagePath, outcomeLabel } from '../../source/ui/format.js';
import { topologyLines } from '../../source/ui/topology.js';
import { consumer, context } from '../support/check-context.js';

/** A delivery with these x-death entries (the broker lists the newest first). */
function delivery(deaths?: Record<string, unknown>[]): ConsumeMessage {
  return {
    content: Buffer.from('Task 1'),
    fields: {
      deliveryTag: 1,
      redelivered: false,
      exchange: '',
      routingKey: 'work',
      consumerTag: 'c',
    },
    properties: {
      headers: deaths ? { 'x-death': deaths } : {},
    },
  } as unknown as ConsumeMessage;
}

const retry: RetryConfig = {
  transientEvery: 4,
  poisonEvery: 10,
  maxAttempts: 3,
  parkingQueue: 'work.parked',
};

describe('attempts from x-death', () => {
  test('a first delivery has no x-death: attempt 1', () => {
    assert.equal(attemptOf(delivery(), 'work'), 1);
    assert.equal(expiredFrom(delivery()), undefined);
  });

  test("counts only rejections from the consumer's own queue", () => {
    const msg = delivery([
      { queue: 'work.retry', reason: 'expired', count: 2, exchange: 'work.dlx' },
      { queue: 'work', reason: 'rejected', count: 2, exchange: '' },
      { queue: 'other', reason: 'rejected', count: 5, exchange: '' },
    ]);
    assert.equal(attemptOf(msg, 'work'), 3);
    assert.equal(attemptOf(msg, 'other'), 6);
    assert.equal(expiredFrom(msg), 'work.retry');
  });

  test('ignores malformed entries', () => {
    const msg = delivery([
      { queue: 'work', reason: 'rejected', count: 'two' },
      null as unknown as Record<string, unknown>,
    ]);
    assert.equal(attemptOf(msg, 'work'), 1);
  });
});

describe('retry decisions', () => {
  test('ordinary messages are acked on their first attempt', () => {
    assert.equal(retryDecision(retry, 1, 1), 'ack');
    assert.equal(retryDecision(retry, 7, 1), 'ack');
  });

  test('a transient failure is dead-lettered once, then acked', () => {
    assert.equal(retryDecision(retry, 4, 1), 'dead-letter');
    assert.equal(retryDecision(retry, 4, 2), 'ack');
  });

  test('a poison message is dead-lettered until its last attempt, then parked', () => {
    assert.equal(retryDecision(retry, 10, 1), 'dead-letter');
    assert.equal(retryDecision(retry, 10, 2), 'dead-letter');
    assert.equal(retryDecision(retry, 10, 3), 'park');
    // 20 is both a 4th and a 10th: poison wins.
    assert.equal(retryDecision(retry, 20, 2), 'dead-letter');
    assert.equal(retryDecision(retry, 20, 3), 'park');
  });

  test('messages from other programs (no lab sequence) are never failed', () => {
    assert.equal(retryDecision(retry, undefined, 5), 'ack');
  });

  test('maxAttempts 1 parks at the first failure', () => {
    assert.equal(retryDecision({ ...retry, maxAttempts: 1 }, 10, 1), 'park');
  });
});

const retryConsumer = consumer('C1', { queue: 'work', parkingQueue: 'work.parked' });
const retryContext = (ledger: Ledger, extra: Partial<CheckContext> = {}) =>
  context(ledger, {
    producers: [{ id: 'P1', exchange: '', routingKeys: ['work'] }],
    consumers: [retryConsumer],
    ...extra,
  });

/** The parking queue at the end, read back by id (what recordLeft holds) or only counted. */
const parkedEnd = (readBack = true) => ({
  queue: 'work.parked',
  readBack,
  ready: readBack ? 0 : 1,
  unacked: 0,
  unread: 0,
});

/** 10 published: 4 and 8 failed once and were acked on the retry, 10 parked after 3 attempts. */
function settledRun(): Ledger {
  const l = new Ledger();
  l.recordPublished('P1', 10);
  l.recordConfirmed([['P1', 1, 10]], true);
  l.recordReceived('C1', 'work', [['P1', 1, 10]], false);
  const failed: SeqRun[] = [
    ['P1', 4, 4],
    ['P1', 8, 8],
    ['P1', 10, 10],
  ];
  l.recordRejected('C1', 'work', failed, true);
  l.recordRetried('C1', 'work', failed);
  l.recordRejected('C1', 'work', [['P1', 10, 10]], true);
  l.recordRetried('C1', 'work', [['P1', 10, 10]]);
  l.recordHandled(
    'C1',
    'work',
    [
      ['P1', 1, 3],
      ['P1', 5, 7],
      ['P1', 9, 9],
    ],
    true,
  );
  l.recordHandled(
    'C1',
    'work',
    [
      ['P1', 4, 4],
      ['P1', 8, 8],
    ],
    true,
  );
  l.recordParked('C1', [['P1', 10, 10]]);
  l.recordLeft('work.parked', [['P1', 10, 10]]);
  return l;
}

describe('the acked-or-parked check', () => {
  test('holds when every message was acked or parked and the parking queue holds the parked', () => {
    const result = ackedOrParked(retryContext(settledRun(), { ends: [parkedEnd()] }));
    assert.deepEqual(result, {
      ok: true,
      detail:
        'every message ended acked or parked: 9 acked, 1 parked, 4 retries through dead-lettering (4 rejected to the retry queue)',
    });
  });

  test('fails for a message that ended neither acked nor parked', () => {
    const l = settledRun();
    l.recordPublished('P1', 11);
    l.recordConfirmed([['P1', 11, 11]], true);
    const result = ackedOrParked(retryContext(l, { ends: [parkedEnd()] }));
    assert.equal(result.ok, false);
    assert.match(result.detail, /^1 neither acked nor parked \(e\.g\. P1-11\)/);
  });

  test('messages only a consumer without retries received are not judged; one a retry consumer holds is', () => {
    const l = settledRun();
    l.recordPublished('P1', 12);
    l.recordConfirmed([['P1', 11, 12]], true);
    l.recordReceived('C2', 'audit', [['P1', 11, 11]], false);
    l.recordReceived('C1', 'work', [['P1', 12, 12]], false);
    const consumers = [retryConsumer, consumer('C2', { queue: 'audit' })];
    const result = ackedOrParked(retryContext(l, { consumers, ends: [parkedEnd()] }));
    assert.equal(result.ok, false);
    assert.match(result.detail, /^1 neither acked nor parked \(e\.g\. P1-12\)/);
  });

  test('an unconfirmed message that never arrived is not promised', () => {
    const l = settledRun();
    l.recordPublished('P1', 11);
    assert.equal(ackedOrParked(retryContext(l, { ends: [parkedEnd()] })).ok, true);
  });

  test('fails when the parking queue lost what was parked (read back by id, or counted)', () => {
    const lostRun = new Ledger();
    lostRun.recordPublished('P1', 1);
    lostRun.recordConfirmed([['P1', 1, 1]], true);
    lostRun.recordReceived('C1', 'work', [['P1', 1, 1]], false);
    lostRun.recordParked('C1', [['P1', 1, 1]]);
    const lost = ackedOrParked(retryContext(lostRun, { ends: [parkedEnd()] }));
    assert.equal(lost.ok, false);
    assert.match(lost.detail, /the parking queue holds 0 by id, fewer than the 1 parked/);
    const counted = ackedOrParked(
      retryContext(lostRun, { ends: [{ ...parkedEnd(false), ready: 0 }] }),
    );
    assert.equal(counted.ok, false);
    assert.match(counted.detail, /the parking queue holds 0, fewer than the 1 parked/);
  });

  test('fails for a message both acked and parked', () => {
    const l = settledRun();
    l.recordHandled('C1', 'work', [['P1', 10, 10]], true);
    const result = ackedOrParked(retryContext(l, { ends: [parkedEnd()] }));
    assert.equal(result.ok, false);
    assert.match(result.detail, /1 both acked and parked/);
  });

  test('no consumer with retries received anything: nothing to judge', () => {
    assert.equal(ackedOrParked(retryContext(new Ledger())).idle, true);
  });

  test('no-loss: dead-lettered messages seen again are moved, not lost; a parked one is found by id', () => {
    const result = noLoss(retryContext(settledRun()));
    assert.equal(result.ok, true, result.detail);
    assert.match(
      result.detail,
      /9 handled, 1 still waiting in work\.parked \(read back by id at the end\), 3 dead-lettered on the way and seen again/,
    );
  });

  test('retries are neither duplicates nor redeliveries', () => {
    const l = settledRun();
    assert.equal(l.duplicates, 0);
    assert.equal(l.redeliveries, 0);
    assert.equal(l.retries, 4);
    assert.equal(l.deliveries, 14);
  });
});

/** A queue of the scenario's topology with these arguments (the format's defaults otherwise). */
const queueSpec = (name: string, args: Record<string, string | number> = {}): QueueSpec =>
  queueSchema.parse({ name, arguments: args });

describe('retries on screen', () => {
  const base: MessageRecord = {
    messageId: 'P1-10',
    producer: 'P1',
    exchange: '',
    routingKey: 'work',
    queue: 'work',
    consumer: 'C1',
    redelivered: false,
    outcome: 'ack',
    at: 0,
  };

  test('a first attempt that succeeds shows no attempt number', () => {
    assert.equal(outcomeLabel({ ...base, attempt: [1, 3] }), '✓ ack');
  });

  test('a failure shows its attempt; a retry shows the retry queue it came back from', () => {
    assert.equal(
      outcomeLabel({ ...base, outcome: 'dead-lettered', attempt: [1, 3] }),
      '✗ rejected, dead-lettered attempt 1/3',
    );
    const back: MessageRecord = {
      ...base,
      exchange: 'work.dlx',
      via: 'work.retry',
      outcome: 'parked',
      attempt: [3, 3],
    };
    assert.equal(outcomeLabel(back), '⊘ parked attempt 3/3');
    assert.equal(joinPath(messagePath(back)), 'P1 ─▶ work.retry ⏱ ─▶ work.dlx[work] ─▶ work ─▶ C1');
  });

  test('the topology shows which queues feed the dead-letter exchange and where consumers park', () => {
    let s = initialState(
      {
        name: 'dead-letter-retry',
        title: 't',
        lesson: '',
        exchanges: [{ name: 'work.dlx', type: 'direct' }],
        bindings: [
          { exchange: 'work.dlx', queue: 'work.retry', keys: ['retry'] },
          { exchange: 'work.dlx', queue: 'work', keys: ['work'] },
        ],
        topology: {
          exchanges: [],
          bindings: [],
          queues: [
            queueSpec('work', {
              'x-dead-letter-exchange': 'work.dlx',
              'x-dead-letter-routing-key': 'retry',
            }),
            queueSpec('work.retry', {
              'x-message-ttl': 2000,
              'x-dead-letter-exchange': 'work.dlx',
              'x-dead-letter-routing-key': 'work',
            }),
            queueSpec('work.parked'),
          ],
        },
      },
      { redactedUrl: '', managementUrl: '', embedded: false, version: '', vhost: '/' },
      0,
    );
    const consumer: ConsumerConfig = {
      kind: 'consumer',
      id: 'C1',
      queue: 'work',
      prefetch: 1,
      ack: 'manual',
      workMs: 0,
      workPerDotMs: 0,
      nackEvery: 0,
      requeue: false,
      retry,
    };
    s = reduce(s, { type: 'spawned', config: consumer });
    s = reduce(s, { type: 'actor', id: 'C1', message: { type: 'ready', queue: 'work' }, at: 0 });
    const text = topologyLines(s).map((line) => line.map((seg) => seg.text).join(''));
    assert.deepEqual(text, [
      'work ✗ [retry], work.retry ⏱ 2 s [work] ─▶ work.dlx (direct)',
      '   ├─[retry]─▶ work.retry ─▶ (no consumer)  ○ 0.0/s',
      '   └─[work]─▶ work ─▶ C1  ○ 0.0/s',
      'C1 ─⊘ failed attempt 3─▶ work.parked  0 parked',
    ]);
  });
});

test('a queue that dead-letters through the default exchange gets a line of its own', () => {
  const s = initialState(
    {
      name: 't',
      title: 't',
      lesson: '',
      topology: {
        exchanges: [],
        bindings: [],
        queues: [
          queueSpec('jobs', {
            'x-dead-letter-exchange': '',
            'x-dead-letter-routing-key': 'jobs.failed',
          }),
          queueSpec('jobs.failed'),
        ],
      },
    },
    { redactedUrl: '', managementUrl: '', embedded: false, version: '', vhost: '/' },
    0,
  );
  const text = topologyLines(s).map((line) => line.map((seg) => seg.text).join(''));
  assert.deepEqual(text, ['jobs ─✗ rejected─▶ (default)[jobs.failed]']);
});

describe('scenario files with retries', () => {
  const file = (queueArgs: string) => `name: t
title: t
pattern: p
summary: s
lesson: l
topology:
  queues:
    - name: work
${queueArgs}
actors:
  - kind: consumer
    queue: work
    retry: { poisonEvery: 10, parkingQueue: work.parked }
`;

  test('retries need the queue to dead-letter somewhere: one line naming the field', () => {
    assert.throws(
      () => parseScenario(file(''), 'mine.yaml'),
      (error: Error) =>
        error.message ===
        "mine.yaml:13: actors[0].retry: retries need the consumer's queue declared in topology.queues with an x-dead-letter-exchange argument ('work' has none)",
    );
  });

  test('retries need manual acks, one by one', () => {
    const withAck = (extra: string) =>
      file('      arguments: { x-dead-letter-exchange: dlx }').replace(
        '    queue: work\n',
        `    queue: work\n    ${extra}\n`,
      );
    for (const extra of ['ack: auto', 'ackEvery: 10']) {
      assert.throws(
        () => parseScenario(withAck(extra), 'mine.yaml'),
        (error: Error) =>
          /^mine\.yaml:\d+: actors\[0\]\.retry: retries need ack: manual and ackEvery 1/.test(
            error.message,
          ),
        extra,
      );
    }
  });

  test('a queue with a dead-letter exchange is accepted, with the defaults filled in', () => {
    const scenario = parseScenario(
      file('      arguments: { x-dead-letter-exchange: dlx }'),
      'mine.yaml',
    );
    const consumer = scenario.actors[0];
    assert.equal(consumer?.kind, 'consumer');
    assert.deepEqual(consumer?.kind === 'consumer' ? consumer.retry : undefined, {
      transientEvery: 0,
      poisonEvery: 10,
      maxAttempts: 3,
      parkingQueue: 'work.parked',
    });
  });
});
