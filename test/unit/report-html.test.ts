/**
 * The report page's builders without a browser: names from user files are escaped everywhere,
 * a small topology is laid out in its four columns, empty series are charts that say so, the
 * queue depths stay bounded, and every built-in scenario's record gives a page.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActorConfig } from '../../source/actors/protocol.js';
import { scenarioActors } from '../../source/commands/code.js';
import { EarlyExits } from '../../source/lab/early-exits.js';
import { MAX_POINTS, QueueDepths } from '../../source/lab/queue-depths.js';
import type { LabEvent } from '../../source/lab/store.js';
import { Replay } from '../../source/record/format.js';
import { depthChart, ratesChart } from '../../source/report-html/charts-svg.js';
import { latencyHistogram, percentileBars } from '../../source/report-html/latency-svg.js';
import { esc } from '../../source/report-html/markup.js';
import { chartQueues, recordPage } from '../../source/report-html/page.js';
import { layoutTopology } from '../../source/report-html/topology-layout.js';
import { topologyModel } from '../../source/report-html/topology-model.js';
import { topologySvg } from '../../source/report-html/topology-svg.js';
import { loadCatalog } from '../../source/scenario/catalog.js';
import { parseScenario } from '../../source/scenario/loader.js';
import type { Scenario } from '../../source/scenario/schema.js';
import { recordHeaderFor, t0 } from '../support/record-header.js';

/**
 * A run of the scenario's own actors: each starts (a subscriber's queue gets a server name),
 * the broker's counters are polled a few times, the run ends and its report is taken.
 */
function runOf(scenario: Scenario, extra: readonly [number, LabEvent][] = []): Replay {
  const replay = new Replay(recordHeaderFor(scenario));
  const actors: ActorConfig[] = scenarioActors(scenario);
  const queues = new Set(scenario.topology.queues.map((q) => q.name));
  const events: [number, LabEvent][] = [
    [10, { type: 'broker', version: '3.13.7' }],
    ...actors.map((config, i): [number, LabEvent] => [20 + i, { type: 'spawned', config }]),
    ...actors.map((c, i): [number, LabEvent] => {
      const queue = c.kind === 'consumer' ? (c.queue ?? `amq.gen-${c.id}`) : undefined;
      if (queue) queues.add(queue);
      const message =
        queue === undefined ? { type: 'ready' as const } : { type: 'ready' as const, queue };
      return [200 + i, { type: 'actor', id: c.id, message, at: t0 + 200 + i }];
    }),
    [300, { type: 'phase', phase: 'running' }],
    ...[1000, 1500, 2000].map((ms, n): [number, LabEvent] => [
      ms,
      {
        type: 'poll',
        at: t0 + ms,
        result: {
          sampledAt: t0 + ms,
          queues: [...queues].map((name) => ({
            name,
            messagesReady: n * 2,
            messagesUnacknowledged: n,
            consumers: 1,
          })),
        },
      },
    ]),
    ...extra,
    [2400, { type: 'phase', phase: 'draining' }],
    [2500, { type: 'ended', at: t0 + 2500 }],
  ];
  let line = 2;
  for (const [ms, event] of events) replay.add({ type: 'event', at: t0 + ms, event }, line++);
  replay.add({ type: 'report', at: t0 + 2600, durationMs: 2600, endedAt: t0 + 2500 }, line++);
  return replay;
}

function pageOf(replay: Replay): string {
  return recordPage(replay.header, replay.result());
}

const hostile = parseScenario(
  `name: hostile
title: 'Tags <script>alert(1)</script> & "quotes"'
lesson: "A lesson with <b>markup</b> & ampersands."
topology:
  exchanges: [{ name: 'x<i>"&', type: topic }]
  queues: [{ name: "q<b>&'" }]
  bindings: [{ exchange: 'x<i>"&', queue: "q<b>&'", keys: ['<k>.#'] }]
actors:
  - { kind: producer, exchange: 'x<i>"&', routingKeys: ['<k>.a'] }
  - { kind: consumer, queue: "q<b>&'" }
checks: [no-loss]
`,
  'hostile.yaml',
);

describe('the report page', () => {
  test('esc makes text safe for content and attributes', () => {
    assert.equal(
      esc(`<a href="x">'&'</a>`),
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    assert.equal(esc(42), '42');
  });

  test('names from the scenario file are escaped everywhere, and the page runs no script', () => {
    const page = pageOf(runOf(hostile));
    for (const raw of ['<script>alert', '<b>', '<i>', '<k>']) {
      assert.ok(!page.includes(raw), `${raw} appears unescaped`);
    }
    assert.ok(page.includes('data-queue="q&lt;b&gt;&amp;&#39;"'), 'the queue has its chart');
    assert.ok(page.includes('data-name="x&lt;i&gt;&quot;&amp;"'), 'the exchange is drawn');
    assert.ok(page.includes('&lt;k&gt;.#'), 'the binding key is on its edge');
    assert.ok(page.includes('Tags &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'));
    assert.doesNotMatch(
      page,
      /<script|<link|\bsrc=|\bhref=|url\((?!#)|@import/i,
      'nothing to run or fetch',
    );
    assert.match(
      page,
      /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/,
    );
    assert.ok(!page.includes(':guest@'), 'never the password');
  });

  test('a small topology: four columns left to right, no box on another', () => {
    const state = runOf(hostile).result().state;
    const model = topologyModel(state);
    assert.deepEqual(
      model.nodes.map((n) => `${n.kind} ${n.label} · ${n.detail}`),
      [
        'exchange x<i>"& · topic',
        "queue q<b>&' · classic",
        'producer P1 · 1/s · <k>.a',
        'consumer C1 · prefetch 1 · manual ack',
      ],
    );
    assert.deepEqual(
      model.edges.map((e) => `${e.kind} ${e.from} → ${e.to} ${e.label}`),
      [
        `binding exchange:x<i>"& → queue:q<b>&' <k>.#`,
        'publish producer:P1 → exchange:x<i>"& ',
        "consume queue:q<b>&' → consumer:C1 ",
      ],
    );
    const layout = layoutTopology(model, 0, 0);
    const x = (key: string) => {
      const box = layout.boxes.get(key);
      assert.ok(box, key);
      return box;
    };
    const p = x('producer:P1');
    const e = x('exchange:x<i>"&');
    const q = x("queue:q<b>&'");
    const c = x('consumer:C1');
    assert.ok(p.x + p.width < e.x && e.x + e.width < q.x && q.x + q.width < c.x, 'in order');
    assert.ok(c.x + c.width <= layout.width && q.y + q.height <= layout.height);
    // One row: each box level with the one it is joined to.
    assert.equal(p.y + p.height / 2, e.y + e.height / 2);
    assert.equal(q.y + q.height / 2, c.y + c.height / 2);
  });

  test('boxes in a column never overlap, however many edges meet them', async () => {
    const catalog = await loadCatalog();
    for (const { scenario } of catalog) {
      const state = runOf(scenario).result().state;
      const layout = layoutTopology(topologyModel(state), 2, 2);
      const boxes = [...layout.boxes.values()];
      for (const a of boxes)
        for (const b of boxes) {
          if (a === b || a.x !== b.x) continue;
          const apart = a.y + a.height <= b.y || b.y + b.height <= a.y;
          assert.ok(apart, `${scenario.name}: ${a.node.key} and ${b.node.key} overlap`);
        }
    }
  });

  test('an actor that stopped while the run went on is drawn apart; one stopped at the end is not', () => {
    const replay = runOf(hostile, [[1200, { type: 'exit', id: 'P1', killed: true, code: null }]]);
    const result = replay.result();
    assert.deepEqual(result.endedEarly, ['P1']);
    const nodes = topologyModel(result.state, result.endedEarly).nodes;
    assert.equal(nodes.find((n) => n.key === 'producer:P1')?.ended, 'killed');
    assert.equal(nodes.find((n) => n.key === 'consumer:C1')?.ended, undefined);
    const exits = new EarlyExits();
    exits.note({ type: 'exit', id: 'C1', killed: false, code: 0 }, 1);
    exits.note({ type: 'phase', phase: 'draining' }, 2);
    exits.note({ type: 'exit', id: 'C2', killed: false, code: 0 }, 3);
    assert.deepEqual(exits.ids(), ['C1']);
  });

  test('empty series: each is still a chart, saying there is nothing to draw', () => {
    const span = { startedAt: t0, seconds: 10, events: [] };
    const depth = depthChart('orders', [], span);
    assert.match(depth, /^<svg class="chart depth" data-queue="orders"/);
    assert.match(depth, /no poll listed this queue/);
    assert.ok(!depth.includes('<polyline'));
    const rates = ratesChart(undefined, span);
    assert.match(rates, /data-chart="rates"/);
    assert.match(rates, /no message was published or delivered/);
    assert.equal(
      topologySvg({ nodes: [], edges: [] }),
      '<p class="empty">The run declared nothing to draw.</p>',
    );
  });

  test('charts mark the events, numbered, close ones under one label', () => {
    const events = [
      { atS: 0.2, kind: 'actor' as const, text: 'P1 started' },
      { atS: 0.3, kind: 'actor' as const, text: 'C1 started' },
      { atS: 6, kind: 'actor' as const, text: 'C1 killed' },
    ];
    const chart = depthChart('q', [{ at: t0 + 1000, ready: 3, unacked: 1 }], {
      startedAt: t0,
      seconds: 10,
      events,
    });
    assert.equal(chart.match(/class="event event-/g)?.length, 3);
    assert.match(chart, />1–2<\/text>/);
    assert.match(chart, />3<\/text>/);
    assert.match(chart, /class="event event-bad"/);
    assert.match(chart, /<title>3\. 6 s: C1 killed<\/title>/);
  });

  test('latency: a bar per percentile and row, a histogram per queue', () => {
    const bars = percentileBars({
      queues: [{ queue: 'q', count: 10, p50: 3, p95: 40, p99: 1200 }],
      consumers: [{ consumer: 'C1', queue: 'q', count: 10, p50: 3, p95: 40, p99: 1200 }],
    });
    assert.equal(bars.match(/class="bar bar-p\d\d"/g)?.length, 6);
    assert.match(bars, /p50 3 ms · p95 40 ms · p99 1\.20 s · 10 msgs/);
    const histogram = latencyHistogram(
      'q',
      [
        [3, 5],
        [40, 4],
        [70, 1],
      ],
      { count: 10, p50: 4, p95: 40, p99: 1200 },
    );
    assert.match(histogram, /data-latency-queue="q"/);
    assert.equal(histogram.match(/class="bar bar-bucket"/g)?.length, 3);
    assert.equal(histogram.match(/class="mark mark-p\d\d"/g)?.length, 3);
  });

  test('queue depths stay bounded over a long run, peaks kept', () => {
    const depths = new QueueDepths();
    for (let i = 0; i < 20_000; i++) {
      depths.note(
        {
          sampledAt: t0 + i * 100,
          queues: [
            {
              name: 'q',
              messagesReady: i === 12_345 ? 999 : 1,
              messagesUnacknowledged: 0,
              consumers: 1,
            },
          ],
        },
        t0 + i * 100,
      );
    }
    depths.note({ queues: [], error: 'down' }, t0);
    const [series] = depths.series();
    assert.ok(series && series.points.length <= MAX_POINTS + 1, `${series?.points.length} points`);
    assert.ok(series.points.length >= MAX_POINTS / 2);
    assert.equal(series.points[0]?.at, t0);
    assert.ok((series.points.at(-1)?.at ?? 0) > t0 + 19_000 * 100, 'to the end of the run');
    assert.equal(Math.max(...series.points.map((p) => p.ready)), 999);
  });

  test("every built-in scenario's record gives a page: its exchanges, queues and charts", async () => {
    const catalog = await loadCatalog();
    assert.ok(catalog.length >= 20);
    for (const { scenario } of catalog) {
      const replay = runOf(scenario);
      const result = replay.result();
      const page = recordPage(replay.header, result);
      for (const x of scenario.topology.exchanges) {
        assert.ok(
          page.includes(`data-kind="exchange" data-name="${esc(x.name)}"`),
          `${scenario.name}: ${x.name}`,
        );
      }
      const queues = chartQueues(result.report, result.state);
      for (const q of scenario.topology.queues) assert.ok(queues.includes(q.name));
      for (const q of queues) {
        assert.ok(
          page.includes(`data-kind="queue" data-name="${esc(q)}"`),
          `${scenario.name}: ${q} drawn`,
        );
        assert.ok(
          page.includes(`<svg class="chart depth" data-queue="${esc(q)}"`),
          `${scenario.name}: ${q} chart`,
        );
      }
      for (const c of result.report.checks) assert.ok(page.includes(`data-check="${c.name}"`));
      assert.ok(page.endsWith('</html>\n'));
    }
  });
});
