/**
 * "Show me the code" for priorities and limits, for real: the generated producers of the priority,
 * ttl and length-limit scenarios declare the lab's queues with their arguments and publish what the
 * lab publishes: the priority queue hands out the urgent tasks first, quotes carry their
 * expiration, and a full reject-publish queue nacks the program's publishes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import { producerConfig } from '../../source/actors/config.js';
import { resolveScenario } from '../../source/scenario/catalog.js';
import type { Scenario } from '../../source/scenario/schema.js';
import { type TestBroker, testBroker } from '../support/broker.js';
import { ProgramProject } from '../support/programs.js';

describe('rabbit-lab code: priorities, TTL and length limits run against the broker', () => {
  let broker: TestBroker;
  let project: ProgramProject;
  before(async () => {
    broker = await testBroker('code-limits');
    project = await ProgramProject.create('code-limits', broker.url);
  });
  after(async () => {
    await broker.dispose();
    await project.dispose();
  });

  /** Run producer `index` of a scenario as a program for `count` messages; its output. */
  async function produce(
    scenario: Scenario,
    index: number,
    language: 'typescript' | 'python',
    count: number,
  ) {
    const spec = scenario.actors.filter((a) => a.kind === 'producer')[index];
    assert.ok(spec?.kind === 'producer');
    const actor = { ...producerConfig(`P${index + 1}`, spec), rate: 50 };
    const run = await (await project.run(actor, scenario, language, [String(count)])).exited;
    assert.equal(run.code, 0, run.stderr);
    return run.stdout;
  }

  /** Every message in `queue` (taken), in delivery order. */
  async function take(queue: string) {
    const connection = await amqp.connect(broker.url);
    try {
      const channel = await connection.createChannel();
      const out: amqp.GetMessage[] = [];
      for (
        let msg = await channel.get(queue, { noAck: true });
        msg;
        msg = await channel.get(queue, { noAck: true })
      )
        out.push(msg);
      await channel.deleteQueue(queue);
      return out;
    } finally {
      await connection.close();
    }
  }

  for (const language of ['typescript', 'python'] as const) {
    test(`priority, ${language}: every 4th task has priority 9 and leaves jobs.priority first`, async () => {
      const { scenario } = await resolveScenario('priority');
      await produce(scenario, 0, language, 8);
      const tasks = await take('jobs.priority');
      assert.deepEqual(
        tasks.map((m) => `${m.content.toString()}:${m.properties.priority}`),
        [
          'Task 4:9',
          'Task 8:9',
          'Task 1:1',
          'Task 2:1',
          'Task 3:1',
          'Task 5:1',
          'Task 6:1',
          'Task 7:1',
        ],
      );
      assert.equal((await take('jobs.fifo'))[0]?.content.toString(), 'Task 1');
    });

    test(`ttl and length-limit, ${language}: quotes expire after 1000 ms; a full reject-publish queue nacks`, async () => {
      const { scenario: ttl } = await resolveScenario('ttl');
      await produce(ttl, 1, language, 2);
      const quotes = await take('quotes');
      assert.deepEqual(
        quotes.map((m) => m.properties.expiration),
        ['1000', '1000'],
      );
      const { scenario: limit } = await resolveScenario('length-limit');
      const out = await produce(limit, 1, language, 7);
      assert.match(out, /nacked Reject 6/);
      assert.match(out, /nacked Reject 7/);
      assert.doesNotMatch(out, /nacked Reject [1-5]\b/);
      assert.equal((await take('limit.reject')).length, 5);
    });
  }
});
