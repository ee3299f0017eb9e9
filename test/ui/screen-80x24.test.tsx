/**
 * The smallest screen the lab runs on, 80×24, for every built-in scenario after a minute of
 * traffic: the frame fits (23 lines, none wider than 80), and the sparklines and the latency line
 * are on it. They are the first to give way when space is short; at 80×24 they still fit.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { Text } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { ActorIds } from '../../source/actors/config.js';
import { emptyCounts } from '../../source/actors/protocol.js';
import type { QueueCounters } from '../../source/broker/management-client.js';
import { scenarioView } from '../../source/lab/lab-report.js';
import { initialState, type LabState, reduce } from '../../source/lab/store.js';
import { loadCatalog } from '../../source/scenario/catalog.js';
import type { Scenario } from '../../source/scenario/schema.js';
import { keymap } from '../../source/ui/keymap.js';
import { MainScreen } from '../../source/ui/main-screen.js';

afterEach(() => cleanup());

const blocks = /[▁▂▃▄▅▆▇█]{3}/;

/** A minute of the scenario's actors at work: a batch and a poll every second, a kill, a tour step. */
function aMinuteOf(scenario: Scenario, now: number): LabState {
  const start = now - 60_000;
  let s = initialState(
    scenarioView(scenario),
    {
      redactedUrl: 'amqp://guest:***@localhost:5672',
      managementUrl: '',
      embedded: true,
      version: '3.10.8',
      vhost: '/',
    },
    start,
  );
  const ids = new ActorIds();
  const queues = new Set(scenario.topology.queues.map((q) => q.name));
  for (const spec of scenario.actors) {
    const config = ids.config(spec);
    s = reduce(s, { type: 'spawned', config });
    const queue =
      config.kind === 'consumer' ? (config.queue ?? `amq.gen-${config.id}-own-queue`) : undefined;
    if (queue) queues.add(queue);
    s = reduce(s, {
      type: 'actor',
      id: config.id,
      at: start,
      message: { type: 'ready', ...(queue ? { queue } : {}) },
    });
  }
  s = reduce(s, { type: 'phase', phase: 'running' });
  for (let t = 1; t <= 60; t++) {
    const at = start + t * 1000;
    for (const a of s.actors) {
      const published = a.config.kind === 'producer' ? 10 + (t % 7) : 0;
      const received = a.config.kind === 'consumer' ? 9 + (t % 5) : 0;
      s = reduce(s, {
        type: 'actor',
        id: a.id,
        at,
        message: {
          type: 'batch',
          counts: { ...emptyCounts(), published, received, acked: received },
          runs: [],
          redeliveredRuns: [],
          droppedRuns: [],
          keys: [],
          samples: [],
        },
      });
    }
    const list: QueueCounters[] = [...queues].map((name, i) => ({
      name,
      messagesReady: (t * (i + 1)) % 40,
      messagesUnacknowledged: t % 3,
      consumers: 1,
    }));
    const latency = Object.fromEntries(
      [...queues].map((q) => [q, { count: 50, p50: 3, p95: 12, p99: 48 }]),
    );
    s = reduce(s, { type: 'poll', at, result: { sampledAt: at, queues: list, latency } });
    if (t === 30) s = reduce(s, { type: 'tour', index: 1, text: 'Watch the backlog.' });
  }
  return s;
}

describe('the screen at 80×24', () => {
  test('every built-in scenario fits, with its sparklines and latency line', async () => {
    const catalog = await loadCatalog();
    assert.ok(catalog.length >= 20, `${catalog.length} scenarios`);
    for (const { scenario } of catalog) {
      const state = aMinuteOf(scenario, Date.now());
      const ui = render(
        <MainScreen
          state={state}
          size={{ columns: 80, rows: 24 }}
          header={<Text>rabbit-lab · {scenario.name}</Text>}
          bindings={keymap}
          selectedId={undefined}
          tested={undefined}
          prompt={undefined}
        />,
      );
      const frame = ui.lastFrame() ?? '';
      const lines = frame.split('\n');
      const where = `${scenario.name}:\n${frame}`;
      assert.ok(lines.length <= 23, `${lines.length} lines; ${where}`);
      for (const line of lines) assert.ok(line.length <= 80, `${line.length} wide; ${where}`);
      // The queue rows: the ready sparkline, and p50/p95/p99 in their column or the title.
      const queueRows = lines.filter((l) => /^ \S.*\s\d+\s+\d+\s+\d+\s/.test(l) && !/[←→]/.test(l));
      assert.ok(
        queueRows.some((l) => blocks.test(l)),
        `a queue sparkline; ${where}`,
      );
      assert.match(frame, /3\/12\/48/, `the latency line; ${where}`);
      // Each actor's row: its rate over the last minute.
      const actorRows = lines.filter((l) => /^ [ ▶][PC]\d+\s+(producer|consumer)/.test(l));
      assert.ok(actorRows.length > 0, where);
      for (const row of actorRows) assert.match(row, /\/s\s+[▁▂▃▄▅▆▇█ ]*[▁▂▃▄▅▆▇█]/, where);
      ui.unmount();
    }
  });
});
