import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ConsumerConfig,
  emptyCounts,
  type ProducerConfig,
} from '../../source/actors/protocol.js';
import type { ExchangeType } from '../../source/lab/routing.js';
import { initialState, type LabState, reduce } from '../../source/lab/store.js';
import { calculateLayout } from '../../source/ui/layout.js';
import { pick } from '../../source/ui/queue-table.js';
import { topologyLines } from '../../source/ui/topology.js';

/** One batch from an actor: so many published and received at this time. */
function batch(s: LabState, id: string, published: number, received: number, at: number): LabState {
  return reduce(s, {
    type: 'actor',
    id,
    at,
    message: {
      type: 'batch',
      counts: { ...emptyCounts(), published, received },
      runs: [],
      redeliveredRuns: [],
      droppedRuns: [],
      keys: [],
      samples: [],
    },
  });
}

function total(l: ReturnType<typeof calculateLayout>, notices = 0): number {
  // A box costs a title and two borders; a compact pane only its title rule.
  const chrome = l.compact ? 1 : 3;
  return (
    3 +
    (l.wide ? 0 : 1) +
    notices +
    l.topRows +
    (chrome + 1 + l.queueRows) +
    (chrome + l.actorRows) +
    (chrome + l.flowRows)
  );
}

describe('layout', () => {
  for (const [columns, rows] of [
    [80, 24],
    [100, 30],
    [120, 40],
    [200, 60],
  ] as const) {
    test(`${columns}×${rows}: every pane fits, one row spare`, () => {
      const l = calculateLayout({
        columns,
        rows,
        topologyLines: 5,
        queues: 4,
        actorRows: 6,
        notices: 1,
      });
      // total() counts the spare row: a frame as tall as the terminal makes Ink redraw it all.
      assert.ok(total(l, 1) <= rows, `${total(l, 1)} rows used of ${rows}`);
      assert.equal(l.showTopology, true, 'the topology always has room from 80×24 up');
      assert.ok(l.flowRows >= 1 && l.queueRows >= 1 && l.actorRows >= 1);
    });
  }

  test('short terminals get compact panes with the topology; wide ones the lesson beside it', () => {
    const narrow = calculateLayout({
      columns: 80,
      rows: 24,
      topologyLines: 5,
      queues: 4,
      actorRows: 6,
      notices: 0,
    });
    assert.equal(narrow.compact, true);
    assert.equal(narrow.showTopology, true);
    assert.equal(narrow.topologyRows, 4, 'up to 4 lines, then "… n more"');
    assert.equal(narrow.wide, false);
    const wide = calculateLayout({
      columns: 120,
      rows: 40,
      topologyLines: 3,
      queues: 1,
      actorRows: 3,
      notices: 0,
    });
    assert.equal(wide.showTopology, true);
    assert.equal(wide.compact, false);
    assert.equal(wide.wide, true);
    assert.equal(wide.topologyRows, 3);
  });
});

const producer = (id: string, exchange: string, keys: string[]): ProducerConfig => ({
  kind: 'producer',
  id,
  exchange,
  routingKeys: keys,
  rate: 1,
  body: 'x',
  persistent: false,
  paused: false,
});
const consumer = (id: string, extra: Partial<ConsumerConfig>): ConsumerConfig => ({
  kind: 'consumer',
  id,
  prefetch: 1,
  ack: 'manual',
  workMs: 0,
  workPerDotMs: 0,
  nackEvery: 0,
  requeue: false,
  ...extra,
});

function text(state: LabState): string[] {
  return topologyLines(state).map((line) => line.map((s) => s.text).join(''));
}

function lab(exchanges: { name: string; type: ExchangeType }[]): LabState {
  return initialState(
    { name: 't', title: 't', lesson: '', exchanges, bindings: [] },
    { redactedUrl: '', managementUrl: '', embedded: false, version: '', vhost: '/' },
    0,
  );
}

describe('topology lines', () => {
  test('default exchange: producers → queue → its consumers', () => {
    let s = lab([]);
    s = reduce(s, { type: 'spawned', config: producer('P1', '', ['task_queue']) });
    s = reduce(s, { type: 'spawned', config: consumer('C1', { queue: 'task_queue' }) });
    s = reduce(s, { type: 'spawned', config: consumer('C2', { queue: 'task_queue' }) });
    assert.deepEqual(text(s), ['P1 ─▶ (default) ─[task_queue]─▶ task_queue ─▶ C1 C2  ○ 0.0/s']);
  });

  test('direct exchange: one line per bound queue with its keys; a killed subscriber disappears', () => {
    let s = lab([{ name: 'direct_logs', type: 'direct' }]);
    s = reduce(s, { type: 'spawned', config: producer('P1', 'direct_logs', ['info', 'error']) });
    for (const [id, keys, queue] of [
      ['C1', ['error'], 'amq.gen-aaaaaaaaaaaa'],
      ['C2', ['info', 'error'], 'amq.gen-bbbbbbbbbbbb'],
    ] as const) {
      s = reduce(s, {
        type: 'spawned',
        config: consumer(id, { bind: { exchange: 'direct_logs', keys: [...keys] } }),
      });
      s = reduce(s, { type: 'actor', id, message: { type: 'ready', queue, boundAt: 1 }, at: 1 });
    }
    assert.deepEqual(text(s), [
      'P1 ─▶ direct_logs (direct)',
      '   ├─[error]─▶ amq.gen-aaaa… ─▶ C1  ○ 0.0/s',
      '   └─[info error]─▶ amq.gen-bbbb… ─▶ C2  ○ 0.0/s',
    ]);
    s = reduce(s, { type: 'exit', id: 'C1', killed: true, code: null });
    assert.deepEqual(text(s).slice(1), ['   └─[info error]─▶ amq.gen-bbbb… ─▶ C2  ○ 0.0/s']);
  });

  test('each binding shows the traffic through it: fanout lights every edge, direct only the matching one', () => {
    const publish = (s: LabState, id: string, published: number, at: number) =>
      batch(s, id, published, 0, at);
    const subscribe = (s: LabState, exchange: string, bound: [string, string[]][]) => {
      let next = s;
      for (const [id, keys] of bound) {
        next = reduce(next, {
          type: 'spawned',
          config: consumer(id, { bind: { exchange, keys } }),
        });
        const queue = `amq.gen-${id.repeat(6)}`;
        next = reduce(next, { type: 'actor', id, message: { type: 'ready', queue }, at: 0 });
      }
      return next;
    };

    let fanout = lab([{ name: 'logs', type: 'fanout' }]);
    fanout = reduce(fanout, { type: 'spawned', config: producer('P1', 'logs', ['']) });
    fanout = subscribe(fanout, 'logs', [
      ['C1', ['']],
      ['C2', ['']],
    ]);
    fanout = publish(fanout, 'P1', 4, 1000);
    assert.deepEqual(text(fanout).slice(1), [
      '   ├─ 4.0/s ─▶ amq.gen-C1C1… ─▶ C1  ○ 0.0/s',
      '   └─ 4.0/s ─▶ amq.gen-C2C2… ─▶ C2  ○ 0.0/s',
    ]);

    let direct = lab([{ name: 'direct_logs', type: 'direct' }]);
    direct = reduce(direct, {
      type: 'spawned',
      config: producer('P1', 'direct_logs', ['info', 'warning', 'error']),
    });
    direct = subscribe(direct, 'direct_logs', [
      ['C1', ['error']],
      ['C2', ['debug']],
    ]);
    direct = publish(direct, 'P1', 6, 1000);
    const lines = topologyLines(direct);
    assert.deepEqual(text(direct).slice(1), [
      '   ├─[error] 2.0/s ─▶ amq.gen-C1C1… ─▶ C1  ○ 0.0/s',
      '   └─[debug]─▶ amq.gen-C2C2… ─▶ C2  ○ 0.0/s',
    ]);
    // The busy edge is green; the one no producer's key reaches is dim.
    assert.equal(lines[1]?.[0]?.colour, 'green');
    assert.equal(lines[2]?.[0]?.dim, true);
  });

  test('a path wider than the pane puts its consumers on a continuation line', () => {
    let s = lab([]);
    s = reduce(s, { type: 'spawned', config: producer('P1', '', ['task_queue']) });
    for (const id of ['C1', 'C2', 'C3', 'C4'])
      s = reduce(s, { type: 'spawned', config: consumer(id, { queue: 'task_queue' }) });
    const one = 'P1 ─▶ (default) ─[task_queue]─▶ task_queue ─▶ C1 C2 C3 C4  ○ 0.0/s';
    const lines = (width: number) =>
      topologyLines(s, width).map((line) => line.map((seg) => seg.text).join(''));
    assert.deepEqual(lines(one.length), [one]);
    assert.deepEqual(lines(one.length - 1), [
      'P1 ─▶ (default) ─[task_queue]─▶ task_queue',
      '    ─▶ C1 C2 C3 C4  ○ 0.0/s',
    ]);
  });

  test('an exchange with nothing bound says its messages are dropped', () => {
    let s = lab([{ name: 'logs', type: 'fanout' }]);
    s = reduce(s, { type: 'spawned', config: producer('P1', 'logs', ['']) });
    assert.deepEqual(text(s), [
      'P1 ─▶ logs (fanout)',
      '   └─ (nothing bound: messages are dropped)',
    ]);
  });
});

describe('queue rates', () => {
  test('in/s follows routing shares, out/s the consumers’ own rates', async () => {
    const { queueRates } = await import('../../source/lab/rates.js');
    let s = lab([{ name: 'direct_logs', type: 'direct' }]);
    s = reduce(s, {
      type: 'spawned',
      config: producer('P1', 'direct_logs', ['info', 'warning', 'error']),
    });
    s = reduce(s, { type: 'actor', id: 'P1', message: { type: 'ready' }, at: 0 });
    const batchAt = (id: string, published: number, received: number, at: number) =>
      batch(s, id, published, received, at);
    s = reduce(s, {
      type: 'spawned',
      config: consumer('C1', { bind: { exchange: 'direct_logs', keys: ['error'] } }),
    });
    s = reduce(s, {
      type: 'actor',
      id: 'C1',
      message: { type: 'ready', queue: 'q-error', boundAt: 0 },
      at: 0,
    });
    s = batchAt('P1', 6, 0, 1000);
    s = batchAt('C1', 0, 2, 1000);
    const rates = queueRates(s);
    assert.deepEqual(rates.get('q-error'), { in: 2, out: 2 });
  });
});

describe('the queue table when not every queue fits', () => {
  const q = (name: string, messagesReady: number, messagesUnacknowledged = 0) => ({
    name,
    messagesReady,
    messagesUnacknowledged,
    consumers: 1,
    publishRate: 0,
    deliverRate: 0,
  });
  test('keeps the queues holding the most messages, listed by name', () => {
    const queues = [q('marketing', 0), q('sales-notifier', 1), q('warehouse', 7, 3)];
    assert.deepEqual(
      pick(queues, 2).map((x) => x.name),
      ['sales-notifier', 'warehouse'],
    );
    assert.deepEqual(
      pick(queues, 3).map((x) => x.name),
      ['marketing', 'sales-notifier', 'warehouse'],
    );
    assert.deepEqual(
      pick([q('b', 0), q('a', 0), q('c', 0)], 2).map((x) => x.name),
      ['b', 'a'],
      'ties go by name, the order stays the given one',
    );
  });
});
