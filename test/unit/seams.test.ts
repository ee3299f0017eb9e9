/** The pieces the session was split into, each on its own: no broker, no processes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ActorIds,
  nextAck,
  nextPrefetch,
  nextRate,
  stepLadder,
} from '../../source/actors/config.js';
import type { ConsumerConfig } from '../../source/actors/protocol.js';
import type { QueueCounters } from '../../source/broker/management-client.js';
import { consumersSettled, pendingQueues, retryQueues, waitUntil } from '../../source/lab/drain.js';
import { ForeignConsumers } from '../../source/lab/foreign-consumers.js';
import { type ActorView, consumerQueue, initialState, reduce } from '../../source/lab/store.js';
import { Throttle } from '../../source/lab/throttle.js';
import { type TourHost, TourPlayer } from '../../source/lab/tour.js';
import type { RecordLine } from '../../source/record/format.js';
import { Recorder } from '../../source/record/recorder.js';
import {
  consumerSchema,
  producerSchema,
  queueSchema,
  tourStepSchema,
} from '../../source/scenario/schema.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function consumerView(extra: Partial<ActorView> = {}, config: Partial<ConsumerConfig> = {}) {
  const spec = consumerSchema.parse({ kind: 'consumer', queue: 'q', ack: 'manual', ...config });
  const base = initialState(
    { name: 't', title: 't', lesson: '' },
    { redactedUrl: 'amqp://x', managementUrl: 'http://x', embedded: true, version: '', vhost: '/' },
    0,
  );
  const config1 = new ActorIds().config(spec);
  const view = reduce(base, { type: 'spawned', config: config1 }).actors[0];
  assert.ok(view);
  return { ...view, status: 'running', queue: 'q', ...extra } satisfies ActorView;
}

const counters = (ready: number, unacked: number, consumers = 1): QueueCounters => ({
  name: 'q',
  messagesReady: ready,
  messagesUnacknowledged: unacked,
  consumers,
});

describe('actors/config', () => {
  test('ids number producers and consumers apart, in spawn order', () => {
    const ids = new ActorIds();
    const p = producerSchema.parse({ kind: 'producer', routingKeys: ['q'] });
    const c = consumerSchema.parse({ kind: 'consumer', queue: 'q' });
    assert.deepEqual(
      [ids.config(p).id, ids.config(c).id, ids.config(p).id, ids.config(c).id],
      ['P1', 'C1', 'P2', 'C2'],
    );
  });

  test('rates step along the ladder, capped; max steps down to the ceiling', () => {
    assert.equal(nextRate(5, 1, 1000), 10);
    assert.equal(nextRate(5, -1, 1000), 2);
    assert.equal(nextRate(1000, 1, 1000), 1000);
    assert.equal(nextRate(0, -1, 300), 300);
    assert.equal(nextRate(0, 1, 300), 0);
    assert.equal(stepLadder([1, 5, 10], 7, 1), 10);
  });

  test('prefetch: 0 (unlimited) sits above 100; ack cycles manual → auto → never', () => {
    assert.equal(nextPrefetch(100, 1), 0);
    assert.equal(nextPrefetch(0, -1), 100);
    assert.equal(nextPrefetch(1, -1), 1);
    assert.deepEqual(
      [nextAck('manual'), nextAck('auto'), nextAck('never')],
      ['auto', 'never', 'manual'],
    );
  });
});

describe('lab/drain', () => {
  test('a queue with a consumer is pending while it holds ready or unacked messages', () => {
    const c = consumerView();
    assert.equal(pendingQueues([counters(0, 0)], [c], new Map()).length, 0);
    assert.equal(pendingQueues([counters(3, 0)], [c], new Map()).length, 1);
    assert.equal(pendingQueues([counters(0, 2)], [c], new Map()).length, 1);
  });

  test('nobody empties a queue without consumers; ack: never holds its unacked forever', () => {
    assert.equal(pendingQueues([counters(5, 0)], [], new Map()).length, 0);
    const never = consumerView({}, { ack: 'never' });
    assert.equal(pendingQueues([counters(0, 4)], [never], new Map()).length, 0);
    assert.equal(pendingQueues([counters(1, 4)], [never], new Map()).length, 1);
  });

  test('retry queues: a TTL and a dead-letter exchange; pending while messages wait there', () => {
    const retry = retryQueues([
      queueSchema.parse({
        name: 'q',
        arguments: { 'x-message-ttl': 500, 'x-dead-letter-exchange': 'work' },
      }),
      queueSchema.parse({ name: 'plain', arguments: { 'x-message-ttl': 500 } }),
    ]);
    assert.deepEqual([...retry], [['q', 500]]);
    assert.equal(pendingQueues([counters(2, 0, 0)], [], retry).length, 1);
  });

  test('consumers are settled when each manual-ack one acked what it received', () => {
    assert.equal(consumersSettled([consumerView({ received: 5, acked: 5 })]), true);
    assert.equal(consumersSettled([consumerView({ received: 5, acked: 3, nacked: 1 })]), false);
    assert.equal(
      consumersSettled([consumerView({ received: 5, acked: 0 }, { ack: 'auto' })]),
      true,
    );
  });

  test('waitUntil stops when it holds, or at the deadline', async () => {
    let n = 0;
    await waitUntil(() => ++n === 3, Date.now() + 5000, 1);
    assert.equal(n, 3);
    const start = Date.now();
    await waitUntil(() => false, start + 30, 5);
    assert.ok(Date.now() - start >= 30);
  });
});

describe('lab/foreign-consumers', () => {
  test('an excess in two polls in a row is a foreign consumer, reported once', () => {
    const f = new ForeignConsumers();
    const c = consumerView();
    assert.deepEqual(f.note([counters(0, 0, 2)], [c], 10_000), []);
    assert.deepEqual(f.note([counters(0, 0, 2)], [c], 10_500), [{ queue: 'q', outside: 1 }]);
    assert.deepEqual(f.note([counters(0, 0, 2)], [c], 11_000), []);
    assert.deepEqual([...f.queues], ['q']);
  });

  test('a consumer that just exited still counts as ours for 2 s; one poll is not enough', () => {
    const f = new ForeignConsumers();
    const gone = consumerView({ status: 'stopped' });
    f.exited(gone.id, 10_000);
    f.note([counters(0, 0, 1)], [gone], 10_500);
    assert.deepEqual(f.note([counters(0, 0, 1)], [gone], 11_000), []);
    assert.deepEqual(f.note([counters(0, 0, 1)], [gone], 12_500), []);
    assert.deepEqual(f.note([counters(0, 0, 1)], [gone], 13_000), [{ queue: 'q', outside: 1 }]);
  });

  test('on a stream, whose count comes from lagging statistics, for 10 s', () => {
    const f = new ForeignConsumers();
    const gone = consumerView({ status: 'killed' });
    const stream = { ...counters(0, 0, 1), type: 'stream' };
    f.exited(gone.id, 10_000);
    f.note([stream], [gone], 14_000);
    assert.deepEqual(f.note([stream], [gone], 19_500), []);
    f.note([stream], [gone], 20_500);
    assert.deepEqual(f.note([stream], [gone], 21_000), [{ queue: 'q', outside: 1 }]);
  });
});

describe('lab/throttle', () => {
  test('soon() sends at most once per slot; now() sends at once and cancels the pending one', async () => {
    let value = 0;
    const got: number[] = [];
    const t = new Throttle(() => value, 20);
    t.subscribe((v) => got.push(v));
    value = 1;
    t.now();
    value = 2;
    t.soon();
    t.soon();
    assert.deepEqual(got, [1]);
    await sleep(80);
    assert.deepEqual(got, [1, 2]);
    value = 3;
    t.soon();
    t.now();
    await sleep(80);
    assert.deepEqual(got, [1, 2, 3]);
  });
});

describe('lab/tour', () => {
  function host(log: string[]): TourHost {
    return {
      say: (i, text) => log.push(`say ${i} ${text}`),
      notice: (text) => log.push(`notice ${text}`),
      spawn: (spec) => {
        log.push(`spawn ${spec.kind}`);
        return 'C7';
      },
      kill: (id) => log.push(`kill ${id}`),
      stop: (id) => log.push(`stop ${id}`),
      post: (id, body) => log.push(`post ${id} ${body}`),
      addQueue: (name) => log.push(`addQueue ${name ?? '(next)'}`),
      setPaused: (id, paused) => log.push(`${paused ? 'pause' : 'resume'} ${id}`),
      node: (action, leaderOf) => log.push(`node ${action} ${leaderOf ?? '-'}`),
    };
  }

  test('next() plays steps in order; names given by spawn resolve later; then it says it is over', () => {
    const log: string[] = [];
    const tour = new TourPlayer(
      [
        { at: 60, say: 'a worker joins', do: { spawn: { kind: 'consumer', queue: 'q' }, as: 'w' } },
        { at: 61, say: 'it crashes', do: { kill: 'w' } },
        { at: 62, say: 'pause P1', do: { pause: 'P1' } },
        { at: 63, say: 'crash the leader', do: { node: 'kill', leaderOf: 'orders' } },
        { at: 64, say: 'bring it back', do: { node: 'start' } },
      ].map((step) => tourStepSchema.parse(step)),
      host(log),
    );
    tour.start();
    for (let i = 0; i < 6; i++) tour.next();
    tour.stop();
    assert.deepEqual(log, [
      'say 0 a worker joins',
      'spawn consumer',
      'say 1 it crashes',
      'kill C7',
      'say 2 pause P1',
      'pause P1',
      'say 3 crash the leader',
      'node kill orders',
      'say 4 bring it back',
      'node start -',
      'notice The tour is over; press q to quit or keep experimenting.',
    ]);
  });
});

describe('lab/recorder', () => {
  test('receipts are held until the next line that is not a producer batch; the report mark once', () => {
    const lines: RecordLine[] = [];
    const r = new Recorder((l) => lines.push(l));
    const receipts = {
      type: 'receipts' as const,
      runs: [['P1', 1, 3] as [string, number, number]],
      redeliveredRuns: [],
      droppedRuns: [],
      retriedRuns: [],
      handledRuns: [],
      requeuedRuns: [],
      parkedRuns: [],
      keys: [],
    };
    r.event({ type: 'actor', id: 'C1', message: receipts, at: 1 }, 1, false);
    assert.equal(lines.length, 0);
    r.event({ type: 'notice', text: 'x' }, 2, false);
    assert.deepEqual(
      lines.map((l) => l.type),
      ['event', 'event'],
    );
    r.markReport(10, 10);
    r.markReport(20, 20);
    assert.equal(lines.filter((l) => l.type === 'report').length, 1);
    assert.equal(new Recorder(undefined).active, false);
  });
});

describe('lab/store consumerQueue', () => {
  test("the broker's name for a subscriber's queue wins over the scenario's; a producer has none", () => {
    assert.equal(consumerQueue(consumerView({ queue: undefined })), 'q');
    assert.equal(consumerQueue(consumerView({ queue: 'amq.gen-1' })), 'amq.gen-1');
    const base = initialState(
      { name: 't', title: 't', lesson: '' },
      {
        redactedUrl: 'amqp://x',
        managementUrl: 'http://x',
        embedded: true,
        version: '',
        vhost: '/',
      },
      0,
    );
    const config = new ActorIds().config(
      producerSchema.parse({ kind: 'producer', routingKeys: ['q'] }),
    );
    const producer = reduce(base, { type: 'spawned', config }).actors[0];
    assert.ok(producer);
    assert.equal(consumerQueue(producer), undefined);
  });
});
