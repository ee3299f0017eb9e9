/**
 * The core patterns, run headless by the built CLI against the real broker, each in its own vhost.
 * Each asserts the behaviour RabbitMQ promises and that the self-checks saw it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestBroker, testBroker } from '../support/broker.js';
import { actor, check, headless as run, ScenarioFiles } from '../support/headless.js';

let broker: TestBroker;
const files = new ScenarioFiles();
before(async () => {
  broker = await testBroker('patterns');
});
after(async () => {
  await broker.dispose();
  await files.dispose();
});

const headless = (scenario: string, seconds: number) => run(broker, scenario, seconds);
const scenarioFile = (yaml: string) => files.write(yaml);

describe('work-queue', () => {
  test('the tour crashes a busy worker: its tasks come back redelivered, nothing lost, nothing twice', async () => {
    const { code, report, stderr } = await headless('work-queue', 20);
    assert.equal(code, 0, JSON.stringify(report.checks));
    assert.ok((actor(report, 'C1').received ?? 0) > 0, 'worker C1 got tasks');
    assert.ok((actor(report, 'C2').received ?? 0) > 0, 'worker C2 got tasks');
    assert.equal(actor(report, 'C4').status, 'killed');
    const redelivered = report.actors.reduce((n, a) => n + (a.redelivered ?? 0), 0);
    assert.ok(redelivered > 0, 'redelivered > 0');
    assert.match(
      check(report, 'redelivery-after-crash').detail,
      /^C4 was killed holding (\d+) unacknowledged messages?; \1 came back redelivered$/,
    );
    assert.equal(check(report, 'no-loss').ok, true);
    assert.match(check(report, 'each-once').detail, / 0 duplicates$/);
    assert.match(stderr, /tour: The crash case/);
    const published = report.actors.reduce((n, a) => n + (a.published ?? 0), 0);
    assert.match(
      check(report, 'no-loss').detail,
      new RegExp(
        `^${published} published, ${published} confirmed by the broker, ${published} handled$`,
      ),
    );
  });

  test('with prefetch 1 the faster of two workers gets more tasks', async () => {
    const file = await scenarioFile(`name: fair
title: Fair dispatch
pattern: competing consumers
summary: One fast and one slow worker.
lesson: Fair dispatch.
topology:
  queues: [{ name: fair_queue, durable: true, arguments: { x-queue-type: quorum } }]
actors:
  - { kind: producer, routingKeys: [fair_queue], rate: 8, body: 'Task {seq} .' }
  - { kind: consumer, queue: fair_queue, prefetch: 1, ack: manual, workMs: 50 }
  - { kind: consumer, queue: fair_queue, prefetch: 1, ack: manual, workMs: 600 }
checks: [no-loss, each-once]
`);
    const { code, report } = await headless(file, 6);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const fast = actor(report, 'C1').received ?? 0;
    const slow = actor(report, 'C2').received ?? 0;
    assert.ok(fast > 2 * slow, `fast worker ${fast} > 2 × slow worker ${slow}`);
  });

  test('a check can fail: a worker that rejects without requeue loses tasks, exit code 1', async () => {
    const file = await scenarioFile(`name: dropper
title: Dropping worker
pattern: competing consumers
summary: A worker that rejects every third task without requeue.
lesson: Rejected without requeue and no dead-letter exchange means gone.
topology:
  queues: [{ name: drop_queue, durable: true, arguments: { x-queue-type: quorum } }]
actors:
  - { kind: producer, routingKeys: [drop_queue], rate: 10 }
  - { kind: consumer, queue: drop_queue, prefetch: 1, ack: manual, nackEvery: 3, requeue: false }
checks: [no-loss, each-once]
`);
    const { code, report } = await headless(file, 3);
    assert.equal(code, 1);
    assert.equal(report.ok, false);
    const noLoss = check(report, 'no-loss');
    assert.equal(noLoss.ok, false);
    assert.match(
      noLoss.detail,
      /; (\d+) lost: \1 messages? rejected without requeue by C1 from drop_queue, which has no dead-letter exchange: the broker discarded them \(e\.g\. /,
    );
    assert.equal(check(report, 'each-once').ok, true);
  });
});

describe('fanout', () => {
  test('every subscriber gets every message; the late one is judged from its bind time', async () => {
    const { code, report } = await headless('fanout', 10);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const published = actor(report, 'P1').published ?? 0;
    assert.ok(published >= 30, `published ${published}`);
    assert.equal(actor(report, 'C2').received, published);
    assert.equal(actor(report, 'C3').received, published);
    const late = actor(report, 'C4').received ?? 0;
    assert.ok(late > 0 && late < published, `late subscriber got ${late} of ${published}`);
    assert.equal(actor(report, 'C1').status, 'stopped');
    const detail = check(report, 'fanout-complete').detail;
    // C4 is owed what was published after the broker confirmed its binding; a message sent while
    // the bind was on its way may reach it too, and is not owed.
    const owed = new RegExp(
      `C2 ${published}/${published}, C3 ${published}/${published}, C4 (\\d+)/(\\d+)\\); C1 left early`,
    ).exec(detail);
    assert.ok(owed, detail);
    assert.equal(owed[1], owed[2], `C4 got all it was owed: ${detail}`);
    assert.ok(Number(owed[2]) <= late && Number(owed[2]) > 0, detail);
    // Each subscriber has its own server-named queue.
    const queues = new Set(report.actors.flatMap((a) => (a.queue ? [a.queue] : [])));
    assert.equal(queues.size, 4);
    for (const q of queues) assert.match(q, /^amq\.gen-/);
  });
});

describe('direct-routing', () => {
  test('the error-only subscriber never sees info; counts per key add up', async () => {
    const { code, report } = await headless('direct-routing', 8);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const published = actor(report, 'P1').published ?? 0;
    const correct = check(report, 'routing-correct');
    assert.equal(correct.ok, true);
    const c1 = /C1 \[error\]: error (\d+);/.exec(correct.detail);
    assert.ok(c1, correct.detail);
    const c2 = /C2 \[info warning error\]: info (\d+) warning (\d+) error (\d+)/.exec(
      correct.detail,
    );
    assert.ok(c2, correct.detail);
    const [, info, warning, error] = c2.map(Number);
    assert.equal((info ?? 0) + (warning ?? 0) + (error ?? 0), published);
    assert.equal(actor(report, 'C1').received, error, 'C1 got exactly the errors');
    assert.doesNotMatch(correct.detail, /C1 \[error\]: [^;]*info/);
    assert.equal(check(report, 'routing-complete').ok, true);
  });
});
