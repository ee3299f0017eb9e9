import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type {
  ConsumerConfig,
  MessageRecord,
  ProducerConfig,
} from '../../source/actors/protocol.js';
import { emptyCounts } from '../../source/actors/protocol.js';
import {
  flowCapacity,
  initialState,
  type LabState,
  liveActors,
  reduce,
} from '../../source/lab/store.js';

const producer: ProducerConfig = {
  kind: 'producer',
  id: 'P1',
  exchange: '',
  routingKeys: ['hello'],
  rate: 1,
  body: 'x',
  persistent: false,
  paused: false,
};
const consumer: ConsumerConfig = {
  kind: 'consumer',
  id: 'C1',
  queue: 'hello',
  prefetch: 0,
  ack: 'auto',
  workMs: 0,
  workPerDotMs: 0,
  nackEvery: 0,
  requeue: false,
};

function start(): LabState {
  const s = initialState(
    { name: 'hello-queue', title: 'Hello', lesson: '' },
    {
      redactedUrl: 'amqp://guest:***@localhost:5672',
      managementUrl: 'http://localhost:15672',
      embedded: true,
      version: '3.10.8',
      vhost: '/',
    },
    0,
  );
  return reduce(reduce(s, { type: 'spawned', config: producer }), {
    type: 'spawned',
    config: consumer,
  });
}

function record(n: number): MessageRecord {
  return {
    messageId: `P1-${n}`,
    producer: 'P1',
    exchange: '',
    routingKey: 'hello',
    queue: 'hello',
    consumer: 'C1',
    redelivered: false,
    outcome: 'auto-ack',
    at: n,
  };
}

describe('store reducer', () => {
  test('spawned actors start as starting, ready makes them running', () => {
    let s = start();
    assert.deepEqual(
      s.actors.map((a) => [a.id, a.status]),
      [
        ['P1', 'starting'],
        ['C1', 'starting'],
      ],
    );
    s = reduce(s, {
      type: 'actor',
      id: 'C1',
      message: { type: 'ready', queue: 'hello', boundAt: 5 },
      at: 5,
    });
    assert.equal(s.actors[1]?.status, 'running');
    assert.equal(s.actors[1]?.queue, 'hello');
  });

  test('batches add up counts and append bounded flow records', () => {
    let s = start();
    const counts = { ...emptyCounts(), received: 3, redelivered: 1 };
    s = reduce(s, {
      type: 'actor',
      id: 'C1',
      message: {
        type: 'batch',
        counts,
        runs: [],
        redeliveredRuns: [],
        droppedRuns: [],
        keys: [],
        samples: [record(1), record(2)],
      },
      at: 1000,
    });
    s = reduce(s, {
      type: 'actor',
      id: 'C1',
      message: {
        type: 'batch',
        counts,
        runs: [],
        redeliveredRuns: [],
        droppedRuns: [],
        keys: [],
        samples: [],
      },
      at: 1500,
    });
    assert.equal(s.actors[1]?.received, 6);
    assert.equal(s.actors[1]?.redelivered, 2);
    assert.equal(s.flow.length, 2);
    assert.equal(s.actors[1]?.rate, 6);
    const many = Array.from({ length: flowCapacity + 10 }, (_, i) => record(i));
    s = reduce(s, {
      type: 'actor',
      id: 'C1',
      message: {
        type: 'batch',
        counts: emptyCounts(),
        runs: [],
        redeliveredRuns: [],
        droppedRuns: [],
        keys: [],
        samples: many,
      },
      at: 2000,
    });
    assert.equal(s.flow.length, flowCapacity);
    assert.equal(s.flow.at(-1)?.messageId, `P1-${flowCapacity + 9}`);
  });

  test('a killed actor is killed, a clean exit is stopped, a failure is failed', () => {
    let s = start();
    s = reduce(s, { type: 'exit', id: 'C1', killed: true, code: null });
    assert.equal(s.actors[1]?.status, 'killed');
    s = reduce(s, { type: 'stopping', id: 'P1' });
    s = reduce(s, { type: 'exit', id: 'P1', killed: false, code: 0 });
    assert.equal(s.actors[0]?.status, 'stopped');
    assert.equal(liveActors(s).length, 0);
    let t = start();
    t = reduce(t, {
      type: 'actor',
      id: 'P1',
      message: { type: 'error', message: 'NOT_FOUND: no queue', fatal: true },
      at: 1,
    });
    t = reduce(t, { type: 'exit', id: 'P1', killed: false, code: 1 });
    assert.equal(t.actors[0]?.status, 'failed');
    assert.equal(t.actors[0]?.lastError, 'NOT_FOUND: no queue');
  });

  test('poll results replace the counters; the error is kept with the old sample time', () => {
    let s = start();
    s = reduce(s, {
      type: 'poll',
      at: 20,
      result: {
        sampledAt: 10,
        queues: [{ name: 'hello', messagesReady: 4, messagesUnacknowledged: 1, consumers: 1 }],
      },
    });
    assert.equal(s.queues.list[0]?.messagesReady, 4);
    s = reduce(s, {
      type: 'poll',
      at: 20,
      result: { sampledAt: 10, queues: s.queues.list, error: 'down' },
    });
    assert.equal(s.queues.sampledAt, 10);
    assert.equal(s.queues.error, 'down');
  });

  test('the same notice is not repeated', () => {
    let s = start();
    s = reduce(s, { type: 'notice', text: 'a' });
    s = reduce(s, { type: 'notice', text: 'a' });
    assert.deepEqual(s.notices, ['a']);
  });
});
