/**
 * The patterns beyond the tutorials (retries through dead-lettering, per-service queues behind
 * one exchange with an HTTP endpoint, an order pipeline), run headless by the built CLI against
 * the real broker, each file in its own vhost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ActorReport } from '../../source/lab/report.js';
import { type TestBroker, testBroker } from '../support/broker.js';
import { actor, check, headless as run, ScenarioFiles } from '../support/headless.js';

let broker: TestBroker;
const files = new ScenarioFiles();
before(async () => {
  broker = await testBroker('beyond');
});
after(async () => {
  await broker.dispose();
  await files.dispose();
});

const headless = (scenario: string, seconds: number) => run(broker, scenario, seconds);
const scenarioFile = (yaml: string) => files.write(yaml);

describe('dead-letter-retry', () => {
  test('failed tasks come back through the retry queue; poison ones are parked after 3 attempts', async () => {
    const { code, report } = await headless('dead-letter-retry', 10);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const n = actor(report, 'P1').published ?? 0;
    assert.ok(n >= 30, `published ${n}`);
    // Every 10th task always fails: 3 attempts, then parked. Every other 4th fails once.
    const poison = Math.floor(n / 10);
    const transient = Math.floor(n / 4) - Math.floor(n / 20);
    const retries = 2 * poison + transient;
    const consumers = report.actors.filter((a) => a.kind === 'consumer');
    const sum = (pick: (a: ActorReport) => number | undefined) =>
      consumers.reduce((total, a) => total + (pick(a) ?? 0), 0);
    assert.equal(
      sum((a) => a.parked),
      poison,
      'parked',
    );
    assert.equal(
      sum((a) => a.retried),
      retries,
      'retried',
    );
    assert.equal(
      sum((a) => a.received),
      n + retries,
      'deliveries',
    );
    assert.equal(
      sum((a) => a.acked),
      n,
      'acked (parked ones too, after the publish)',
    );
    const parked = report.queues.find((q) => q.name === 'work.parked');
    assert.equal(parked?.messagesReady, poison, 'the parking queue holds the poison tasks');
    assert.equal(report.queues.find((q) => q.name === 'work.retry')?.messagesReady, 0);
    assert.equal(
      check(report, 'acked-or-parked').detail,
      `every message ended acked or parked: ${n - poison} acked, ${poison} parked, ${retries} retries through dead-lettering (${retries} rejected to the retry queue)`,
    );
    assert.match(check(report, 'each-once').detail, / 0 duplicates$/);
    assert.equal(check(report, 'no-loss').ok, true);
  });

  test('a worker that rejects from a queue without a dead-letter exchange fails the check', async () => {
    const file = await scenarioFile(`name: no-retry-queue
title: Retries nowhere
pattern: retry
summary: The retry queue dead-letters nowhere back.
lesson: A dead-letter exchange with nothing bound drops what it gets.
topology:
  exchanges: [{ name: nowhere, type: direct }]
  queues:
    - { name: jobs, arguments: { x-dead-letter-exchange: nowhere } }
    - { name: jobs.parked }
actors:
  - { kind: producer, routingKeys: [jobs], rate: 10 }
  - kind: consumer
    queue: jobs
    retry: { transientEvery: 3, parkingQueue: jobs.parked }
checks: [acked-or-parked]
`);
    const { code, report } = await headless(file, 3);
    assert.equal(code, 1);
    const result = check(report, 'acked-or-parked');
    assert.equal(result.ok, false);
    assert.match(result.detail, /^\d+ neither acked nor parked \(e\.g\. P1-3/);
  });
});

describe('exchange-to-queues', () => {
  test('every service queue gets every event since its bind, the one whose consumer was down included', async () => {
    const { code, report, stderr } = await headless('exchange-to-queues', 15);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const events = (actor(report, 'P1').published ?? 0) + (actor(report, 'P2').published ?? 0);
    assert.equal(actor(report, 'P2').published, 1, 'the tour POSTed one event over HTTP');
    assert.match(stderr, /notice: POST \/publish\/events → 202 P2-1 \(confirmed by the broker\)/);
    const byQueue = (name: string) =>
      report.actors.filter((a) => a.queue === name).reduce((n, a) => n + (a.received ?? 0), 0);
    assert.equal(byQueue('billing'), events);
    // C2 went down at 3 s; the queue kept what came meanwhile and C4 drained it.
    assert.equal(actor(report, 'C2').status, 'stopped');
    assert.ok((actor(report, 'C4').received ?? 0) > 0, 'the returning consumer drained a backlog');
    assert.equal(byQueue('shipping'), events);
    const analytics = byQueue('analytics');
    assert.ok(analytics > 0 && analytics < events, `analytics joined late: ${analytics}/${events}`);
    // A message published while the bind was under way may reach analytics too; the check owes
    // it only what was published once the bind had returned, so it expects at most what arrived.
    const complete = check(report, 'queues-complete').detail.match(
      new RegExp(
        `billing ${events}/${events}, shipping ${events}/${events}, analytics (\\d+)/(\\d+)$`,
      ),
    );
    assert.ok(complete, check(report, 'queues-complete').detail);
    assert.equal(complete[1], complete[2]);
    const owed = Number(complete[1]);
    assert.ok(
      owed > 0 && owed <= analytics && analytics - owed <= 2,
      `${owed} owed, ${analytics} received`,
    );
    assert.deepEqual(
      report.queues.map((q) => [q.name, q.messagesReady]),
      [
        ['analytics', 0],
        ['billing', 0],
        ['shipping', 0],
      ],
    );
  });
});

describe('order-pipeline', () => {
  test('the API answers at once; each queue gets exactly the orders its binding matches', async () => {
    const { code, report, stderr } = await headless('order-pipeline', 15);
    assert.equal(code, 0, JSON.stringify(report.checks));
    assert.match(stderr, /notice: POST \/publish\/orders\?key=order\.paid\.eu → 202 P1-1/);
    assert.match(stderr, /notice: POST \/publish\/orders\?key=order\.cancelled\.us → 202 P1-2/);
    // P2 cycles created.eu, paid.eu, created.us, paid.us, cancelled.us; P1 posted paid.eu and
    // cancelled.us.
    const n = actor(report, 'P2').published ?? 0;
    const count = (index: number) => Math.floor(n / 5) + (n % 5 > index ? 1 : 0);
    const paid = count(1) + count(3) + 1;
    const eu = count(0) + count(1) + 1;
    const byQueue = (name: string) =>
      report.actors
        .filter((a) => a.queue === name)
        .reduce((total, a) => total + (a.received ?? 0), 0);
    assert.equal(byQueue('warehouse'), paid, 'warehouse: order.paid.*');
    assert.equal(byQueue('sales-notifier'), eu, 'sales: order.*.eu');
    assert.equal(byQueue('marketing'), n + 2, 'marketing: order.#');
    assert.equal(check(report, 'queues-complete').ok, true);
    assert.ok(
      report.actors.filter((a) => a.queue === 'warehouse').length === 3,
      'the tour added a third warehouse worker',
    );
  });
});
