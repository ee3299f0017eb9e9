import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { limitProperties } from '../../source/actors/producer.js';
import { limitsExplained, priorityOrder } from '../../source/lab/checks-limits.js';
import { IdRanges } from '../../source/lab/id-ranges.js';
import { Ledger } from '../../source/lab/ledger.js';
import { parseScenario } from '../../source/scenario/loader.js';
import type { QueueSpec } from '../../source/scenario/schema.js';
import { context } from '../support/check-context.js';

const queue = (name: string, args: QueueSpec['arguments'] = {}): QueueSpec => ({
  name,
  durable: false,
  exclusive: false,
  autoDelete: false,
  arguments: args,
});

/** P1 with priorities [1, 1, 1, 9]: every 4th message is urgent. C1 got `order` from q. */
function delivered(order: readonly number[], cap: number | undefined = 10): Ledger {
  const l = new Ledger();
  l.recordPublished('P1', Math.max(...order));
  l.limits.register('P1', { priorities: [1, 1, 1, 9] });
  for (const seq of order) {
    l.limits.order.note(
      { consumer: 'C1', queue: 'q', producer: 'P1', first: seq, last: seq },
      (s) => l.limits.priority('P1', s),
      cap,
      () => false,
    );
  }
  return l;
}

const prio = [queue('q', { 'x-max-priority': 10 })];

describe('priority-order', () => {
  test('passes when urgent messages overtook the backlog', () => {
    // 1 was taken at once (prefetch); 4 and 8 overtook 2, 3, 5, 6, 7.
    const r = priorityOrder(context(delivered([1, 4, 8, 2, 3, 5, 6, 7]), { queueSpecs: prio }));
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.idle, undefined);
    assert.match(r.detail, /^5 overtaken by later, higher-priority messages/);
    assert.match(
      r.detail,
      /priority 9: 2 delivered, 0 overtaken · priority 1: 6 delivered, 5 overtaken/,
    );
  });

  test('fails when a lower priority went first while a higher one published before it waited', () => {
    // 4 (priority 9) came after 5 (priority 1): the queue did not honour it.
    const r = priorityOrder(context(delivered([1, 2, 3, 5, 4]), { queueSpecs: prio }));
    assert.equal(r.ok, false);
    assert.match(
      r.detail,
      /^1 delivered while a later, lower-priority message had gone first: P1-4 \(priority 9\) after P1-5 \(priority 1\), C1 from q/,
    );
  });

  test('fails on a queue without x-max-priority: publish order whatever the priority', () => {
    const r = priorityOrder(context(delivered([1, 2, 3, 4, 5], 0), { queueSpecs: [queue('q')] }));
    assert.equal(r.ok, false);
    assert.match(r.detail, /q has no x-max-priority, so the broker delivers in publish order/);
  });

  test('nothing to judge without a backlog; priorities above x-max-priority count as it', () => {
    const idle = priorityOrder(context(delivered([1, 2, 3, 4, 5]), { queueSpecs: prio }));
    assert.equal(idle.idle, true);
    // x-max-priority 1: priority 9 is 1, like the rest, so nothing overtakes and nothing inverts.
    const capped = priorityOrder(context(delivered([1, 2, 3, 5, 4], 1), { queueSpecs: prio }));
    assert.equal(capped.ok, true);
    assert.equal(capped.idle, true);
    assert.equal(priorityOrder(context(new Ledger())).idle, true);
  });
});

describe('limits-explained', () => {
  const limited = [
    queue('dh', { 'x-max-length': 3 }),
    queue('rp', { 'x-max-length': 3, 'x-overflow': 'reject-publish' }),
    queue('plain'),
  ];
  const producers = [
    { id: 'P1', exchange: '', routingKeys: ['dh'] },
    { id: 'P2', exchange: '', routingKeys: ['rp'] },
  ];
  function run(): Ledger {
    const l = new Ledger();
    for (const p of ['P1', 'P2']) {
      l.recordPublished(p, 10);
      l.recordConfirmed([[p, 1, 10]], true);
    }
    l.recordReceived(
      'C1',
      'dh',
      [
        ['P1', 1, 1],
        ['P1', 5, 10],
      ],
      false,
    );
    l.recordHandled('C1', 'dh', [
      ['P1', 1, 1],
      ['P1', 5, 10],
    ]);
    // P2-6…P2-10 refused: the confirm said nack.
    l.recordConfirmed([['P2', 6, 10]], false);
    l.recordReceived('C2', 'rp', [['P2', 1, 5]], false);
    l.recordHandled('C2', 'rp', [['P2', 1, 5]]);
    return l;
  }

  test('names what each limit did, by id', () => {
    const r = limitsExplained(context(run(), { queueSpecs: limited, producers }));
    assert.equal(r.ok, true, r.detail);
    assert.equal(
      r.detail,
      '12 handled; 3 dropped from dh (x-max-length 3, x-overflow drop-head): P1-2…P1-4; 5 refused (nacked) by rp (x-max-length 3, x-overflow reject-publish): P2-6…P2-10',
    );
  });

  test('fails when a message vanished from a queue with no limit', () => {
    const r = limitsExplained(
      context(run(), {
        queueSpecs: limited,
        producers: [...producers.slice(0, 1), { id: 'P2', exchange: '', routingKeys: ['plain'] }],
      }),
    );
    assert.equal(r.ok, false);
    assert.match(
      r.detail,
      /^5 neither handled nor waiting, and no queue limit explains it: P2-6…P2-10; 3 dropped from dh/,
    );
  });

  test('dead-lettered by the broker and handled from the dead-letter queue', () => {
    const l = new Ledger();
    l.recordPublished('P1', 4);
    l.recordConfirmed([['P1', 1, 2]], true);
    l.recordConfirmed([['P1', 3, 4]], false);
    l.limits.recordDeaths([['rpd', 'maxlen', [['P1', 3, 4]]]]);
    l.recordReceived('C1', 'rpd', [['P1', 1, 2]], false);
    l.recordHandled('C1', 'rpd', [['P1', 1, 2]]);
    l.recordReceived('C2', 'dlq', [['P1', 3, 4]], false);
    l.recordHandled('C2', 'dlq', [['P1', 3, 4]]);
    const specs = [
      queue('rpd', {
        'x-max-length': 2,
        'x-overflow': 'reject-publish-dlx',
        'x-dead-letter-exchange': 'dlx',
      }),
    ];
    const r = limitsExplained(
      context(l, {
        queueSpecs: specs,
        producers: [{ id: 'P1', exchange: '', routingKeys: ['rpd'] }],
      }),
    );
    assert.equal(r.ok, true, r.detail);
    assert.match(
      r.detail,
      /2 refused \(nacked\) by rpd \(x-max-length 2, x-overflow reject-publish-dlx\): P1-3…P1-4/,
    );
    assert.match(
      r.detail,
      /2 dead-lettered from rpd \(x-max-length 2, x-overflow reject-publish-dlx, x-death reason maxlen\), then handled from dlq: P1-3…P1-4/,
    );
  });

  test('per-message TTL: expired, named with its expiration', () => {
    const l = new Ledger();
    l.recordPublished('P1', 3);
    l.limits.register('P1', { ttlMs: 500 });
    l.recordReceived('C1', 'q', [['P1', 1, 1]], false);
    l.recordHandled('C1', 'q', [['P1', 1, 1]]);
    const r = limitsExplained(context(l, { queueSpecs: [queue('q')] }));
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.detail, '1 handled; 2 expired in q (expiration 500 ms): P1-2…P1-3');
  });

  test('nothing to judge when no message met a limit', () => {
    const l = new Ledger();
    l.recordPublished('P1', 2);
    l.recordReceived('C1', 'q', [['P1', 1, 2]], false);
    l.recordHandled('C1', 'q', [['P1', 1, 2]]);
    assert.equal(limitsExplained(context(l)).idle, true);
  });
});

test('ids as runs, at most six', () => {
  const ids = new IdRanges();
  for (const seq of [1, 2, 3, 5, 7, 8, 10, 12, 14, 16]) ids.add('P1', seq);
  ids.add('P2', 4);
  assert.equal(ids.count, 11);
  assert.equal(ids.format(), 'P1-1…P1-3, P1-5, P1-7…P1-8, P1-10, P1-12, P1-14 (+2 more runs)');
});

describe('producer priorities and TTL in a scenario file', () => {
  const file = (args: string) => `name: p
topology:
  queues:
    - { name: q, arguments: { ${args} } }
actors:
  - { kind: producer, routingKeys: [q], priorities: [1, 9], ttlMs: 500 }
`;

  test('need a queue with x-max-priority', () => {
    assert.throws(
      () => parseScenario(file('x-max-length: 5'), 'p.yaml'),
      /p\.yaml:6.*priorities need a queue with an x-max-priority argument \(q has none\)/s,
    );
    const ok = parseScenario(file('x-max-priority: 10'), 'p.yaml');
    const producer = ok.actors[0];
    assert.equal(producer?.kind === 'producer' && producer.ttlMs, 500);
  });

  test('are AMQP properties: priority cycled, expiration a string of milliseconds', () => {
    const config = { priorities: [1, 1, 9], ttlMs: 1500 };
    assert.deepEqual(limitProperties(config, 3), { priority: 9, expiration: '1500' });
    assert.deepEqual(limitProperties(config, 4), { priority: 1, expiration: '1500' });
    assert.deepEqual(limitProperties({}, 1), {});
  });
});
