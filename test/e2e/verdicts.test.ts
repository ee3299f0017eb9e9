/**
 * Verdicts of whole runs by the built CLI: an actor that fails fails the run, whatever the other
 * checks say.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestBroker, testBroker } from '../support/broker.js';
import { actor, check, headless, ScenarioFiles } from '../support/headless.js';

let broker: TestBroker;
const files = new ScenarioFiles();
before(async () => {
  broker = await testBroker('verdicts');
});
after(async () => {
  await broker.dispose();
  await files.dispose();
});

describe('verdicts', () => {
  test('an actor that fails fails the run: a worker on a queue that does not exist, exit code 1', async () => {
    const file = await files.write(`name: typo
title: A typo in the queue name
pattern: competing consumers
summary: The worker consumes tsak_queue, which nobody declared.
lesson: The broker closes the worker's channel (404).
topology:
  queues: [{ name: task_queue }]
actors:
  - { kind: producer, routingKeys: [task_queue], rate: 10 }
  - { kind: consumer, queue: tsak_queue }
checks: [no-loss]
`);
    const { code, report } = await headless(broker, file, 2);
    assert.equal(code, 1, JSON.stringify(report.checks));
    // Nothing was lost (the tasks wait in task_queue, read back by id), but C1 never worked.
    assert.equal(check(report, 'no-loss').ok, true, check(report, 'no-loss').detail);
    assert.match(check(report, 'no-loss').detail, /still waiting in task_queue \(read back by id/);
    const healthy = check(report, 'actors-healthy');
    assert.equal(healthy.ok, false);
    assert.match(healthy.detail, /^C1 failed: .*tsak_queue/);
    assert.equal(actor(report, 'C1').status, 'failed');
  });
});
