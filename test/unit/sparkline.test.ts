import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyHistogram } from '../../source/actors/latency.js';
import type { QueueCounters } from '../../source/broker/management-client.js';
import { emptyHistory, HISTORY_MS, sampleHistory } from '../../source/lab/history.js';
import { LatencyWindow } from '../../source/lab/latency-window.js';
import { queueExtras, sparkWidth } from '../../source/ui/main-screen.js';
import { latencyText } from '../../source/ui/queue-table.js';
import { sparkline } from '../../source/ui/sparkline.js';

const queue = (name: string, ready: number): QueueCounters => ({
  name,
  messagesReady: ready,
  messagesUnacknowledged: 0,
  consumers: 1,
});

describe('sparklines', () => {
  test('a growing backlog rises; zero is the lowest block; before the series, blanks', () => {
    const series = { at: [30_000, 40_000, 50_000, 60_000], values: [0, 10, 20, 40] };
    // Six slots of 10 s: nothing in the first three, then 0, 10, and the last slot's highest, 40.
    assert.equal(sparkline(series, 6, HISTORY_MS, 60_000), '   ▁▃█');
    const flat = { at: [10_000, 20_000], values: [0, 0] };
    assert.equal(sparkline(flat, 3, 30_000, 30_000), ' ▁▁');
    assert.equal(sparkline(undefined, 4, HISTORY_MS, 1), '    ');
  });

  test('the history keeps the last minute of each queue and actor', () => {
    let h = emptyHistory;
    for (let t = 0; t <= 90_000; t += 500)
      h = sampleHistory(h, [queue('q', t / 500)], [['C1', 5]], t);
    const ready = h.ready.q;
    assert.ok(ready && ready.at[0] === 30_000, `from ${ready?.at[0]}`);
    assert.equal(ready.values.at(-1), 180);
    assert.equal(h.rate.C1?.values.length, ready.values.length);
    // A queue that is gone drops out; an actor that stopped keeps its last minute.
    h = sampleHistory(h, [], [], 90_500);
    assert.equal(h.ready.q, undefined);
    assert.ok(h.rate.C1);
  });

  test('they give way first: none at 80 columns, some at 100, less beside a cluster', () => {
    assert.equal(sparkWidth(80, false), 0);
    assert.equal(sparkWidth(100, false), 14);
    assert.equal(sparkWidth(160, false), 30);
    assert.equal(sparkWidth(120, true), 0);
    assert.equal(sparkWidth(140, true), 18);
  });
});

describe('the latency column', () => {
  test('p50/p95/p99 over the last 10 s, per queue, from the receipts’ histograms', () => {
    const w = new LatencyWindow();
    const h = new LatencyHistogram();
    for (let i = 0; i < 100; i++) h.add(4);
    w.note('orders', h.take(), 1_000);
    h.add(900);
    w.note('orders', h.take(), 9_500);
    assert.deepEqual(w.figures(10_000), { orders: { count: 101, p50: 5, p95: 5, p99: 5 } });
    // Eleven seconds on, the first second has left the window: the slow one is all there is.
    assert.deepEqual(w.figures(12_500), { orders: { count: 1, p50: 970, p95: 970, p99: 970 } });
    assert.deepEqual(w.figures(30_000), {});
    assert.equal(latencyText({ count: 3, p50: 3, p95: 12, p99: 1500 }), '3/12/1.5s ms');
  });

  test('it comes with room for it and a sparkline; both give way first', () => {
    assert.deepEqual(queueExtras(100, false), { latency: false, sparkWidth: 14 });
    assert.deepEqual(queueExtras(120, false), { latency: true, sparkWidth: 15 });
    assert.deepEqual(queueExtras(80, false), { latency: false, sparkWidth: 0 });
  });
});
