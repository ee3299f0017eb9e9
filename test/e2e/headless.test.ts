import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Report } from '../../source/lab/report.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { runCli } from '../support/cli.js';

describe('headless hello-queue against a real broker', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker('headless');
  });
  after(async () => {
    await broker.dispose();
  });

  test('prints one JSON report, every message arrives, and cleans up', async () => {
    const result = await runCli([
      'scenario',
      'hello-queue',
      '--headless',
      '--duration',
      '4',
      '--json',
      '--url',
      broker.url,
      '--management-url',
      broker.managementUrl,
      '--broker',
      'external',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.scenario, 'hello-queue');
    assert.equal(report.ok, true);
    assert.ok(report.durationMs >= 4000, `durationMs ${report.durationMs}`);
    assert.equal(report.broker.embedded, false);
    assert.equal(report.broker.url, broker.url.replace(':guest@', ':***@'));
    assert.match(report.broker.version, /^\d+\.\d+\.\d+/);
    const [p1, c1] = report.actors;
    assert.equal(p1?.id, 'P1');
    assert.equal(p1?.kind, 'producer');
    // 1 msg/s for 4 s: the first goes out at once.
    assert.ok((p1?.published ?? 0) >= 4, `published ${p1?.published}`);
    assert.equal(c1?.id, 'C1');
    assert.equal(c1?.queue, 'hello');
    assert.equal(c1?.received, p1?.published);
    assert.equal(c1?.acked, 0, 'automatic ack: nothing acknowledged by hand');
    assert.deepEqual(report.queues, [
      { name: 'hello', messagesReady: 0, messagesUnacknowledged: 0 },
    ]);
    assert.deepEqual(report.checks, [
      {
        name: 'no-loss',
        ok: true,
        detail: `${p1?.published} published, ${p1?.published} confirmed by the broker, ${p1?.published} handled`,
      },
      { name: 'actors-healthy', ok: true, detail: 'no actor failed' },
    ]);
    // Publish → first delivery, per queue and consumer, from every message (not a sample).
    const [hello] = report.latency?.queues ?? [];
    assert.equal(hello?.queue, 'hello');
    assert.equal(hello?.count, p1?.published);
    assert.ok(
      hello &&
        hello.p50 > 0 &&
        hello.p50 <= hello.p95 &&
        hello.p95 <= hello.p99 &&
        hello.p99 < 5000,
      JSON.stringify(report.latency),
    );
    assert.deepEqual(
      report.latency?.consumers.map((c) => [c.consumer, c.queue, c.count]),
      [['C1', 'hello', p1?.published]],
    );
    // One sample a second: what was published and first delivered, adding up to the totals.
    const sum = (xs: readonly number[] = []) => xs.reduce((a, b) => a + b, 0);
    assert.equal(sum(report.timeline?.published), p1?.published);
    assert.equal(sum(report.timeline?.delivered), c1?.received);
    assert.ok((report.timeline?.published.length ?? 0) >= 4, JSON.stringify(report.timeline));
    // Progress went to stderr, not into the JSON.
    assert.match(result.stderr, /hello-queue \d+\/4 s · P1 sent \d+ · C1 got \d+/);
    // The queue this run created is gone, and so are its connections.
    const queues = await broker.management.queues(broker.vhost);
    assert.deepEqual(queues, []);
    // The management API lists connections from statistics, which can lag a moment.
    await waitFor(
      async () =>
        (await broker.management.connectionNames()).filter((c) => c.vhost === broker.vhost)
          .length === 0,
      { what: 'no connection of the run left' },
    );
  });

  test('--keep leaves the queue; a readable summary without --json', async () => {
    const result = await runCli([
      'scenario',
      'hello',
      '--headless',
      '--duration',
      '2',
      '--keep',
      '--url',
      broker.url,
      '--management-url',
      broker.managementUrl,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /✓ no-loss: (\d+) published, \1 confirmed by the broker, \1 handled/,
    );
    assert.match(result.stdout, /All checks passed\./);
    const queues = await broker.management.queues(broker.vhost);
    assert.deepEqual(
      queues.map((q) => q.name),
      ['hello'],
    );
  });

  test('a pre-existing queue with other arguments is used as it is, with a notice', async () => {
    const other = await testBroker('classic');
    try {
      const amqp = (await import('amqplib')).default;
      const conn = await amqp.connect(other.url);
      const ch = await conn.createChannel();
      await ch.assertQueue('hello', { durable: false });
      await conn.close();
      const result = await runCli([
        'scenario',
        'hello',
        '--headless',
        '--duration',
        '2',
        '--json',
        '--url',
        other.url,
        '--management-url',
        other.managementUrl,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as Report;
      assert.equal(report.ok, true);
      assert.match(report.notices[0] ?? '', /Queue 'hello' already exists with other settings/);
      // Not ours, so not deleted.
      const queues = await other.management.queues(other.vhost);
      assert.deepEqual(
        queues.map((q) => q.name),
        ['hello'],
      );
    } finally {
      await other.dispose();
    }
  });

  test('--max-actors bounds the actors alive at once, and the report says so', async () => {
    const result = await runCli([
      'scenario',
      'work-queue',
      '--headless',
      '--json',
      '--duration',
      '2',
      '--max-actors',
      '2',
      '--url',
      broker.url,
      '--management-url',
      broker.managementUrl,
    ]);
    const report = JSON.parse(result.stdout) as Report;
    assert.deepEqual(
      report.actors.map((a) => a.id),
      ['P1', 'C1'],
      'the scenario has P1, C1 and C2: the third is refused',
    );
    assert.ok(report.notices.includes('At most 2 actors run at once.'), report.notices.join('\n'));
  });
});
