import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyHistogram } from '../../source/actors/latency.js';
import type { QueueCounters } from '../../source/broker/management-client.js';
import { emptyHistory, HISTORY_MS, sampleHistory } from '../../source/lab/history.js';
import { LatencyWindow } from '../../source/lab/latency-window.js';
import { withMarks } from '../../source/lab/marks.js';
import { initialState, reduce } from '../../source/lab/store.js';
import { queueColumns } from '../../source/ui/queue-columns.js';
import { latencyText } from '../../source/ui/queue-table.js';
import { markedRuns } from '../../source/ui/spark.js';
import { markSlots, sparkline } from '../../source/ui/sparkline.js';

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

  test('they give way first: all of them at 80, the unacked one from 119, fewer beside a cluster', () => {
    const fits = (columns: number, cluster: boolean) => {
      const c = queueColumns(columns, cluster);
      return [c.latency, c.readySpark, c.unackedSpark, c.rate, c.placement];
    };
    assert.deepEqual(fits(80, false), [13, 9, 0, 6, 'none']);
    assert.deepEqual(fits(100, false), [13, 29, 0, 6, 'none']);
    assert.deepEqual(fits(160, false), [17, 30, 30, 8, 'none']);
    // Beside a cluster's placement: at 80 the rates go and the placement is short; no latency
    // column (the title has it), still a sparkline.
    assert.deepEqual(fits(80, true), [0, 13, 0, 0, 'short']);
    assert.deepEqual(fits(140, true), [13, 30, 0, 6, 'long']);
    assert.deepEqual(fits(160, true), [17, 24, 0, 8, 'long']);
    assert.deepEqual(fits(40, false).slice(0, 3), [0, 0, 0]);
  });
});

describe('marks on the time axis', () => {
  const broker = { redactedUrl: '', managementUrl: '', embedded: true, version: '', vhost: '/' };
  const scenario = { name: 't', title: 't', lesson: '' };
  const config = {
    kind: 'consumer' as const,
    id: 'C1',
    queue: 'q',
    prefetch: 1,
    ack: 'manual' as const,
    workMs: 0,
    workPerDotMs: 0,
    nackEvery: 0,
    requeue: false,
  };

  test('a kill, a lost connection, a tour step: at the clock of the last event with a time', () => {
    let s = initialState(scenario, broker, 1_000);
    s = reduce(s, { type: 'spawned', config });
    s = reduce(s, { type: 'phase', phase: 'running' });
    assert.equal(s.marks, undefined, 'the scenario’s own actors starting are not marked');
    s = reduce(s, { type: 'poll', at: 5_000, result: { sampledAt: 5_000, queues: [] } });
    s = reduce(s, { type: 'tour', index: 0, text: 'look' });
    const lost = { type: 'reconnecting' as const, attempt: 1, reason: 'gone', inMs: 100 };
    s = reduce(s, { type: 'actor', id: 'C1', at: 7_000, message: lost });
    s = reduce(s, { type: 'actor', id: 'C1', at: 7_500, message: { ...lost, attempt: 2 } });
    s = reduce(s, { type: 'exit', id: 'C1', killed: true, code: null });
    assert.deepEqual(s.marks, [
      { at: 5_000, kind: 'tour' },
      { at: 7_000, kind: 'reconnect' },
      { at: 7_500, kind: 'kill' },
    ]);
    // A minute on, the old ones are gone.
    s = reduce(s, { type: 'poll', at: 70_000, result: { sampledAt: 70_000, queues: [] } });
    s = reduce(s, { type: 'spawned', config: { ...config, id: 'C2' } });
    assert.deepEqual(s.marks, [{ at: 70_000, kind: 'start' }]);
    assert.equal(withMarks(s, s, { type: 'notice', text: 'x' }), s, 'nothing new: the same state');
  });

  test('a consumer’s receipts change nothing on screen: the same state, so no extra frame', () => {
    let s = initialState(scenario, broker, 1_000);
    s = reduce(s, { type: 'spawned', config });
    s = reduce(s, { type: 'phase', phase: 'running' });
    const receipts = {
      type: 'receipts' as const,
      runs: [],
      redeliveredRuns: [],
      droppedRuns: [],
      keys: [],
    };
    const after = reduce(s, { type: 'actor', id: 'C1', at: 9_000, message: receipts });
    assert.equal(after, s, 'the engine draws again only for a new state');
  });

  test('a mark colours its slot of the sparkline', () => {
    const slots = markSlots([{ at: 45_000 }, { at: -1 }], 6, HISTORY_MS, 60_000);
    assert.deepEqual([...slots], [4]);
    assert.deepEqual(markedRuns('▁▂▃▄▅▆', slots), [
      { text: '▁▂▃▄', marked: false },
      { text: '▅', marked: true },
      { text: '▆', marked: false },
    ]);
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
    assert.equal(latencyText({ count: 3, p50: 3, p95: 12, p99: 450 }), '3/12/450 ms');
    assert.equal(latencyText({ count: 3, p50: 3, p95: 12, p99: 450 }, false), '3/12/450');
    // From a second on, all in seconds, so the column keeps its width.
    assert.equal(latencyText({ count: 3, p50: 3, p95: 1200, p99: 15_000 }), '0.0/1.2/15 s');
  });
});
