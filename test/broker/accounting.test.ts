/**
 * Accounting by message id against a real broker: runs built to lose messages must fail with the
 * reason, runs that keep them must pass, and a consumer killed at any moment leaves the ledger
 * exact (its receipts reach the lab before its acks reach the broker).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resolveTarget } from '../../source/broker/url.js';
import type { CheckResult } from '../../source/lab/checks.js';
import { Session } from '../../source/lab/session.js';
import { parseScenario } from '../../source/scenario/loader.js';
import { consumerSchema } from '../../source/scenario/schema.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';

let broker: TestBroker;
before(async () => {
  broker = await testBroker('accounting');
});
after(async () => {
  await broker.dispose();
});

function session(yaml: string): Session {
  return new Session({
    scenario: parseScenario(yaml, 'test.yaml'),
    target: resolveTarget(broker.url, broker.managementUrl),
    embedded: false,
    pollIntervalMs: 200,
  });
}

const header = (name: string) => `name: ${name}
title: ${name}
pattern: test
summary: A test.
lesson: A test.
`;

const check = (s: Session, name: string): CheckResult => {
  const found = s.checks().find((c) => c.name === name);
  assert.ok(found, `${name} in ${JSON.stringify(s.checks())}`);
  return found;
};

const handled = (s: Session, id: string) => () =>
  (s.snapshot().actors.find((a) => a.id === id)?.acked ?? 0) >= 10;

describe('accounting by message id', () => {
  test('rejected without requeue into a dead-letter exchange that routes nowhere: lost, and why', async () => {
    const s = session(`${header('dlx-nowhere')}topology:
  exchanges: [{ name: probe.dlx, type: direct }]
  queues:
    - { name: probe, arguments: { x-dead-letter-exchange: probe.dlx } }
actors:
  - { kind: producer, routingKeys: [probe], rate: 40 }
  - { kind: consumer, queue: probe, prefetch: 10, nackEvery: 4, requeue: false }
checks: [no-loss]
`);
    try {
      await s.start();
      await waitFor(() => s.ledger.total('deadLettered') >= 5, { what: 'rejections' });
      await s.drain();
      const noLoss = check(s, 'no-loss');
      assert.equal(noLoss.ok, false, noLoss.detail);
      const rejected = s.ledger.total('deadLettered');
      assert.match(
        noLoss.detail,
        new RegExp(
          `${rejected} lost: ${rejected} messages rejected without requeue from probe into probe\\.dlx, which routes nowhere for key 'probe'`,
        ),
      );
    } finally {
      await s.shutdown();
    }
  });

  test('a consumer whose queue does not exist fails the run; what waits in the real queue is read back', async () => {
    const s = session(`${header('missing-queue')}topology:
  queues: [{ name: real_q }]
actors:
  - { kind: producer, routingKeys: [real_q], rate: 20 }
  - { kind: consumer, queue: reel_q }
checks: [no-loss]
`);
    try {
      await s.start();
      await waitFor(() => s.ledger.totalPublished() >= 5, { what: 'messages published' });
      await s.drain();
      const noLoss = check(s, 'no-loss');
      const published = s.ledger.totalPublished();
      assert.equal(noLoss.ok, true, noLoss.detail);
      assert.match(
        noLoss.detail,
        new RegExp(`, ${published} still waiting in real_q \\(read back by id`),
      );
      const healthy = check(s, 'actors-healthy');
      assert.equal(healthy.ok, false);
      assert.match(healthy.detail, /^C1 failed: .*reel_q/);
    } finally {
      await s.shutdown();
    }
  });

  test('a queue the run did not create is counted, never drained, and the detail says so', async () => {
    const amqp = (await import('amqplib')).default;
    const other = await amqp.connect(broker.url);
    const channel = await other.createChannel();
    await channel.assertQueue('theirs', { durable: true });
    channel.sendToQueue('theirs', Buffer.from('not the lab’s'));
    const s = session(`${header('not-ours')}topology:
  queues: [{ name: theirs, durable: true }]
actors:
  - { kind: producer, routingKeys: [theirs], rate: 20 }
checks: [no-loss]
`);
    try {
      await s.start();
      await waitFor(() => s.ledger.totalPublished() >= 5, { what: 'messages published' });
      await s.drain();
      const noLoss = check(s, 'no-loss');
      const published = s.ledger.totalPublished();
      assert.equal(noLoss.ok, true, noLoss.detail);
      assert.match(
        noLoss.detail,
        new RegExp(
          `${published} may wait in theirs \\(not created by this run, so not read back; the broker counts ${published + 1} there\\)`,
        ),
      );
      await s.shutdown();
      // Nothing taken from it: the other program's message and the lab's are all still there.
      const { messageCount } = await channel.checkQueue('theirs');
      assert.equal(messageCount, published + 1);
    } finally {
      await s.shutdown();
      await channel.deleteQueue('theirs');
      await other.close();
    }
  });

  test('automatic ack to a worker killed with a backlog: lost on delivery, said so', async () => {
    const s = session(`${header('auto-ack-kill')}topology:
  queues: [{ name: auto_q }]
actors:
  - { kind: producer, routingKeys: [auto_q], rate: 100 }
  - { kind: consumer, queue: auto_q, prefetch: 0, ack: auto, workMs: 200 }
checks: [no-loss]
`);
    try {
      await s.start();
      // The consumer takes everything at once and works through it slowly.
      await waitFor(() => (s.ledger.receivedBy('C1', 'P1')?.size ?? 0) >= 20, {
        what: 'a backlog in C1',
      });
      await s.kill('C1');
      await s.stopActor('P1');
      await s.drain();
      const noLoss = check(s, 'no-loss');
      assert.equal(noLoss.ok, false, noLoss.detail);
      assert.match(
        noLoss.detail,
        /lost: \d+ messages delivered with automatic ack to C1, which was killed before handling them: the broker forgot them on delivery/,
      );
    } finally {
      await s.shutdown();
    }
  });

  test('a worker killed at any moment leaves the ledger exact: receipts reach the lab before acks reach the broker', async () => {
    const s = session(`${header('kill-race')}topology:
  queues: [{ name: race_q }]
actors:
  - { kind: producer, routingKeys: [race_q], rate: 400 }
  - { kind: consumer, queue: race_q, prefetch: 20 }
  - { kind: consumer, queue: race_q, prefetch: 20 }
checks: [no-loss, each-once, redelivery-after-crash]
`);
    try {
      await s.start();
      // Kill a worker in the middle of its acks, again and again, and start another.
      for (let round = 0; round < 6; round++) {
        const worker = await waitFor(
          () =>
            s.snapshot().actors.find((a) => a.config.kind === 'consumer' && a.status === 'running'),
          { what: 'a running worker' },
        );
        await waitFor(handled(s, worker.id), { what: `${worker.id} acking` });
        await new Promise((r) => setTimeout(r, 13 * round));
        await s.kill(worker.id);
        s.spawn(consumerSchema.parse({ kind: 'consumer', queue: 'race_q', prefetch: 20 }));
      }
      await s.drain();
      for (const name of ['no-loss', 'each-once', 'actors-healthy']) {
        const r = check(s, name);
        assert.equal(r.ok, true, `${name}: ${r.detail}`);
      }
      // Every message is handled or, when the workers could not catch up before the end (a
      // machine busy with other tests), read back by id from the queue: none is missing.
      const detail = check(s, 'no-loss').detail;
      const figures =
        /^(\d+) published, \1 confirmed by the broker, (\d+) handled(?:, (\d+) still waiting in race_q \(read back by id at the end\))?$/.exec(
          detail,
        );
      assert.ok(figures, detail);
      const [, published, handledCount, waiting] = figures;
      assert.equal(Number(handledCount) + Number(waiting ?? 0), Number(published), detail);
    } finally {
      await s.shutdown();
    }
  });
});
