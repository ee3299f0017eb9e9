import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bucketOf, bucketTop, LatencyHistogram } from '../../source/actors/latency.js';
import type { ConsumerConfig } from '../../source/actors/protocol.js';
import { LatencyBook, latencyLines } from '../../source/lab/latency-book.js';
import { RunEvents } from '../../source/lab/run-events.js';
import { initialState } from '../../source/lab/store.js';
import { Timeline } from '../../source/lab/timeline.js';

const broker = {
  redactedUrl: 'amqp://guest:***@localhost:5672',
  managementUrl: 'http://localhost:15672',
  embedded: true,
  version: '3.10.8',
  vhost: '/',
};
const consumerConfig = (id: string): ConsumerConfig => ({
  kind: 'consumer',
  id,
  queue: 'q',
  prefetch: 1,
  ack: 'manual',
  workMs: 0,
  workPerDotMs: 0,
  nackEvery: 0,
  requeue: false,
});

describe('latency histograms', () => {
  test('buckets are 1 ms wide below 10 ms and within 10 % above', () => {
    assert.equal(bucketOf(0), 0);
    assert.equal(bucketOf(3.7), 3);
    assert.equal(bucketOf(-2), 0, 'clock skew counts as 0');
    for (const ms of [10, 11, 57, 999, 12_345, 600_000]) {
      const top = bucketTop(bucketOf(ms));
      assert.ok(top >= ms && top <= ms * 1.1 + 1e-9, `${ms} ms → bucket top ${top}`);
    }
  });

  test('percentiles: p50, p95 and p99 of 100 latencies 1..100 ms', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 100; ms++) h.add(ms);
    const near = (p: number, want: number) => {
      const got = h.percentile(p) ?? 0;
      assert.ok(got >= want && got <= want * 1.1 + 1, `p${p * 100}: ${got}, want about ${want}`);
    };
    near(0.5, 50);
    near(0.95, 95);
    near(0.99, 99);
    assert.equal(new LatencyHistogram().percentile(0.5), undefined);
  });

  test('what travels in receipts merges to the same figures', () => {
    const a = new LatencyHistogram();
    const whole = new LatencyHistogram();
    for (let ms = 0; ms < 500; ms += 7) {
      a.add(ms);
      whole.add(ms);
    }
    const sent = a.take();
    assert.equal(a.count, 0, 'taken: empty again');
    const merged = new LatencyHistogram();
    merged.merge(sent);
    assert.deepEqual(merged.buckets(), whole.buckets());
  });

  test('the book reports per queue and per consumer', () => {
    const book = new LatencyBook();
    const h = new LatencyHistogram();
    for (let i = 0; i < 10; i++) h.add(4);
    book.note('orders', 'C1', h.take());
    for (let i = 0; i < 10; i++) h.add(400);
    book.note('orders', 'C2', h.take());
    const r = book.report();
    assert.deepEqual(
      r?.consumers.map((c) => [c.consumer, c.count, c.p50]),
      [
        ['C1', 10, 5],
        ['C2', 10, 411],
      ],
    );
    assert.deepEqual(latencyLines(r ?? { queues: [], consumers: [] }), [
      'latency, publish → first delivery:',
      '  orders  p50 5 ms · p95 411 ms · p99 411 ms (20 messages)',
    ]);
    assert.equal(new LatencyBook().report(), undefined);
  });
});

describe('timeline: one sample a second', () => {
  test('published from the batches’ segments, delivered from the consumers’ seconds', () => {
    const t = new Timeline();
    t.note([
      [100, 3],
      [102, 1],
    ]);
    t.note([[102, 2]]);
    const report = t.report(100_400, 103_100, [
      [
        [1, 4, 100_500, 100_900],
        [5, 6, 101_950, 102_050],
      ],
    ]);
    assert.deepEqual(report, {
      fromMs: 100_000,
      published: [4, 0, 2, 0],
      delivered: [3, 0, 3, 0],
    });
  });
});

describe('run events: what happened when', () => {
  test('actors, tour steps and nodes, in seconds into the run; nothing else', () => {
    const events = new RunEvents();
    const state = initialState({ name: 'x', title: 'x', lesson: '' }, broker, 10_000);
    events.note({ type: 'tour', index: 0, text: 'hello' }, state, 10_000);
    events.note({ type: 'spawned', config: consumerConfig('C2') }, state, 12_340);
    events.note({ type: 'exit', id: 'C2', killed: true, code: null }, state, 15_000);
    events.note({ type: 'exit', id: 'C3', killed: false, code: 1 }, state, 15_050);
    events.note({ type: 'notice', text: 'not an event' }, state, 16_000);
    assert.deepEqual(events.report(), [
      { atS: 0, kind: 'tour', text: 'tour 1: hello' },
      { atS: 2.3, kind: 'actor', text: 'C2 started' },
      { atS: 5, kind: 'actor', text: 'C2 killed' },
      { atS: 5.1, kind: 'actor', text: 'C3 failed' },
    ]);
  });
});
