/**
 * Tutorial 5 (topics) against the real broker: wildcard bindings route as the pattern says, the
 * checks hold, an outside program declared like the official receive_logs_topic.js joins the
 * lab's exchange, and `rabbit-lab match` explains a pattern.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import type { Report } from '../../source/lab/report.js';
import { topicMatches } from '../../source/lab/routing.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { runCli } from '../support/cli.js';

describe('topic', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker('topic');
  });
  after(async () => {
    await broker.dispose();
  });

  test('wildcards route as the patterns say; an official-style receiver joins; checks hold', async () => {
    const run = runCli(
      [
        'scenario',
        'topic',
        '--headless',
        '--json',
        '--duration',
        '9',
        '--url',
        broker.url,
        '--management-url',
        broker.managementUrl,
      ],
      { timeoutMs: 60_000 },
    );
    // receive_logs_topic.js: the same exchange declaration, a server-named exclusive queue.
    const connection = await amqp.connect(broker.url);
    const got: string[] = [];
    try {
      const channel = await connection.createChannel();
      await waitFor(
        async () => {
          try {
            const probe = await connection.createChannel();
            probe.on('error', () => {});
            await probe.checkExchange('topic_logs');
            await probe.close();
            return true;
          } catch {
            return false;
          }
        },
        { what: 'the lab to declare topic_logs' },
      );
      // Declared as the tutorial does: this must not clash with the lab's declaration (406).
      await channel.assertExchange('topic_logs', 'topic', { durable: false });
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, 'topic_logs', 'kern.*');
      await channel.consume(queue, (msg) => msg && got.push(msg.fields.routingKey), {
        noAck: true,
      });
      const result = await run;
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as Report;
      const checks = Object.fromEntries(report.checks.map((c) => [c.name, c]));
      assert.equal(checks['routing-correct']?.ok, true, checks['routing-correct']?.detail);
      assert.equal(checks['routing-complete']?.ok, true, checks['routing-complete']?.detail);
      assert.equal(checks['no-loss']?.ok, true, checks['no-loss']?.detail);
      const detail = checks['routing-correct']?.detail ?? '';
      // C1 '*.critical' got only critical lines, C2 'kern.*' only kern ones, C3 '#' everything.
      assert.match(detail, /C1 \[\*\.critical\]: (kern|cron|auth)\.critical \d+/);
      assert.doesNotMatch(/C1 \[[^\]]*\]: [^;]*/.exec(detail)?.[0] ?? '', /\.(info|warning)/);
      assert.doesNotMatch(/C2 \[[^\]]*\]: [^;]*/.exec(detail)?.[0] ?? '', /(cron|auth)\./);
      const published = report.actors.find((a) => a.id === 'P1')?.published ?? 0;
      assert.equal(report.actors.find((a) => a.id === 'C3')?.received, published, "'#' gets all");
      // The tour's subscriber binds 'auth.#' and '#.critical': auth.critical matches both and
      // still arrives once (the queue gets one copy).
      assert.match(detail, /C4 \[auth\.# #\.critical\]: [^;]*auth\.critical \d+/);
      // The outside receiver got kern.* lines only, from the lab's producer.
      assert.ok(got.length > 0, 'the outside receiver got messages');
      assert.ok(
        got.every((k) => topicMatches('kern.*', k)),
        got.join(' '),
      );
    } finally {
      await connection.close();
    }
  });

  test('rabbit-lab match explains each key; exit 0 only when all match', async () => {
    const some = await runCli(['match', 'kern.*', 'kern.critical', 'kern.disk.full']);
    assert.equal(some.code, 1);
    assert.match(
      some.stdout,
      /^✓ kern\.critical\s+matches kern\.\*: kern = kern · \* takes 'critical'$/m,
    );
    assert.match(
      some.stdout,
      /^✗ kern\.disk\.full\s+does not match kern\.\*: the pattern ends, but the key goes on with 'full'$/m,
    );
    const all = await runCli(['match', '#.critical', 'cron.critical', 'critical']);
    assert.equal(all.code, 0, all.stdout);
    assert.match(
      all.stdout,
      /✓ critical\s+matches #\.critical: # takes nothing · critical = critical/,
    );
  });
});
