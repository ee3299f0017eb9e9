/**
 * The session engine in-process against the real broker: behaviour that needs a hand on the
 * broker while the lab runs (another program publishing or consuming, a killed worker).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import { resolveTarget } from '../../source/broker/url.js';
import { Session } from '../../source/lab/session.js';
import { parseScenario } from '../../source/scenario/loader.js';
import { consumerCount, type TestBroker, testBroker, waitFor } from '../support/broker.js';

let broker: TestBroker;
before(async () => {
  broker = await testBroker('session');
});
after(async () => {
  await broker.dispose();
});

function session(yaml: string, maxRate?: number): Session {
  return new Session({
    scenario: parseScenario(yaml, 'test.yaml'),
    target: resolveTarget(broker.url, broker.managementUrl),
    embedded: false,
    pollIntervalMs: 200,
    maxRate,
  });
}

const header = (name: string) => `name: ${name}
title: ${name}
pattern: test
summary: A test.
lesson: A test.
`;

function queueCounters(s: Session, name: string) {
  return s.snapshot().queues.list.find((q) => q.name === name);
}

describe('session against a real broker', () => {
  test('ack: never keeps messages unacked while the worker lives; they return to ready when it dies', async () => {
    const s = session(`${header('never')}topology:
  queues: [{ name: never_queue }]
actors:
  - { kind: producer, routingKeys: [never_queue], rate: 20 }
  - { kind: consumer, queue: never_queue, prefetch: 0, ack: never }
`);
    try {
      await s.start();
      const held = await waitFor(
        () => {
          const q = queueCounters(s, 'never_queue');
          return q && q.messagesUnacknowledged >= 5 ? q : undefined;
        },
        { what: 'unacked messages on the broker' },
      );
      assert.equal(held.messagesReady, 0, 'prefetch 0: the broker pushes everything to the worker');
      await s.stopActor('P1');
      const before = queueCounters(s, 'never_queue')?.messagesUnacknowledged ?? 0;
      await s.kill('C1');
      const back = await waitFor(
        () => {
          const q = queueCounters(s, 'never_queue');
          return q && q.messagesUnacknowledged === 0 && q.messagesReady >= before ? q : undefined;
        },
        { what: 'messages back to ready' },
      );
      assert.ok(back.messagesReady >= 5);
      assert.equal(s.snapshot().actors.find((a) => a.id === 'C1')?.status, 'killed');
    } finally {
      await s.shutdown();
    }
  });

  test('a message published by another program shows as external and stays out of the ledger', async () => {
    const s = session(`${header('foreign-publish')}topology:
  queues: [{ name: shared_hello }]
actors:
  - { kind: producer, routingKeys: [shared_hello], rate: 5 }
  - { kind: consumer, queue: shared_hello, prefetch: 0, ack: auto }
`);
    const other = await amqp.connect(broker.url);
    try {
      await s.start();
      await waitFor(
        () =>
          s.snapshot().actors.every((a) => a.status === 'running') &&
          (s.snapshot().actors.find((a) => a.id === 'C1')?.received ?? 0) >= 2,
        { what: 'lab messages arriving' },
      );
      const channel = await other.createChannel();
      channel.sendToQueue('shared_hello', Buffer.from('Hello from new_task.js'));
      // A lab-looking id from another run is still foreign.
      channel.sendToQueue('shared_hello', Buffer.from('x'), { messageId: 'P1-1' });
      // So is one shaped exactly like a lab message, from another run.
      channel.sendToQueue('shared_hello', Buffer.from('y'), {
        messageId: `P1-2@${Date.now()}`,
        appId: 'rabbit-lab.00000000',
      });
      const external = await waitFor(
        () => {
          const records = s.snapshot().flow.filter((r) => r.producer === undefined);
          return records.length >= 3 ? records : undefined;
        },
        { what: 'external messages in the flow log' },
      );
      assert.equal(external[0]?.consumer, 'C1');
      assert.equal(external[0]?.queue, 'shared_hello');
      await s.drain();
      const c1 = s.snapshot().actors.find((a) => a.id === 'C1');
      assert.equal(c1?.external, 3);
      assert.equal(c1?.received, s.ledger.totalPublished() + 3);
      const [noLoss] = s.checks();
      assert.equal(noLoss?.ok, true);
      assert.match(
        noLoss?.detail ?? '',
        /^(\d+) published, \1 confirmed by the broker, \1 handled$/,
      );
    } finally {
      await other.close();
      await s.shutdown();
    }
  });

  test('a lab message: who, which and when in its standard properties, no headers table', async () => {
    const s = session(`${header('message-shape')}topology:
  queues: [{ name: shape_plain }, { name: shape_headers }]
actors:
  - { kind: producer, routingKeys: [shape_plain], rate: 20 }
  - kind: producer
    routingKeys: [shape_headers]
    rate: 20
    headers: [{ format: pdf }, { format: csv, size: 3 }]
`);
    const other = await amqp.connect(broker.url);
    try {
      const started = Date.now();
      await s.start();
      await waitFor(() => s.ledger.totalPublished() >= 6, { what: 'six messages published' });
      const channel = await other.createChannel();
      const plain = await channel.get('shape_plain', { noAck: true });
      assert.ok(plain, 'a message in shape_plain');
      // amqplib sends every message a headers table; the lab's is empty (nothing to encode).
      assert.deepEqual(plain.properties.headers ?? {}, {}, 'no header of the lab’s');
      assert.equal(plain.properties.appId, `rabbit-lab.${s.runId}`);
      const [, seq, sentAt] = /^P1-(\d+)@(\d+)$/.exec(String(plain.properties.messageId)) ?? [];
      assert.equal(seq, '1');
      assert.ok(Number(sentAt) >= started && Number(sentAt) <= Date.now(), 'sent at, in ms');
      assert.equal(plain.properties.timestamp, undefined, 'the id has the time');
      assert.equal(plain.properties.contentType, undefined, 'properties under 64 bytes');
      const first = await channel.get('shape_headers', { noAck: true });
      const second = await channel.get('shape_headers', { noAck: true });
      assert.ok(first && second, 'two messages in shape_headers');
      assert.deepEqual(first.properties.headers, { format: 'pdf' }, 'only the scenario’s own');
      assert.deepEqual(second.properties.headers, { format: 'csv', size: 3 });
      assert.match(String(first.properties.messageId), /^P2-1@\d+$/);
    } finally {
      await other.close();
      await s.shutdown();
    }
  });

  test('an outside worker on a shared queue does not make no-loss fail, and the detail says why', async () => {
    const s = session(`${header('foreign-consume')}topology:
  queues: [{ name: shared_tasks, durable: true, arguments: { x-queue-type: quorum } }]
actors:
  - { kind: producer, routingKeys: [shared_tasks], rate: 10 }
  - { kind: consumer, queue: shared_tasks, prefetch: 1, ack: manual, workMs: 50 }
checks: [no-loss, each-once]
`);
    const other = await amqp.connect(broker.url);
    let taken = 0;
    try {
      await s.start();
      const channel = await other.createChannel();
      await channel.prefetch(1);
      await channel.consume('shared_tasks', (msg) => {
        if (!msg) return;
        taken++;
        channel.ack(msg);
      });
      await waitFor(
        () =>
          s
            .snapshot()
            .notices.some((n) => n.includes("'shared_tasks' has 1 consumer(s) outside the lab")),
        {
          what: 'the foreign consumer notice',
        },
      );
      await waitFor(() => taken >= 3, { what: 'the outside worker to take tasks' });
      await s.drain();
      const [noLoss, eachOnce] = s.checks();
      assert.equal(noLoss?.ok, true, noLoss?.detail);
      const [, excused, delivered] =
        /, (\d+) taken by consumers outside the lab on shared_tasks \(the broker delivered (\d+) to their channels\)/.exec(
          noLoss?.detail ?? '',
        ) ?? [];
      // Exactly what the outside worker took, by the broker's count of its deliveries.
      assert.equal(Number(excused), taken, noLoss?.detail);
      assert.equal(Number(delivered), taken, noLoss?.detail);
      assert.equal(eachOnce?.ok, true);
    } finally {
      await other.close();
      await s.shutdown();
    }
  });

  test('live changes: prefetch through a new consumer on the same channel, pause and resume', async () => {
    const s = session(`${header('live')}topology:
  queues: [{ name: live_queue }]
actors:
  - { kind: producer, routingKeys: [live_queue], rate: 50 }
  - { kind: consumer, queue: live_queue, prefetch: 1, ack: manual, workMs: 300 }
checks: [no-loss, each-once]
`);
    try {
      await s.start();
      await waitFor(() => (queueCounters(s, 'live_queue')?.messagesReady ?? 0) > 5, {
        what: 'a backlog',
      });
      // prefetch 1: one at a time. A sample may fall between an ack and the next delivery (0),
      // never above 1.
      await waitFor(() => queueCounters(s, 'live_queue')?.messagesUnacknowledged === 1, {
        what: 'one unacked message',
      });
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const unacked = queueCounters(s, 'live_queue')?.messagesUnacknowledged ?? 0;
        assert.ok(unacked <= 1, 'prefetch 1: one at a time');
      }
      s.configure('C1', (c) => (c.kind === 'consumer' ? { ...c, prefetch: 0 } : undefined));
      await waitFor(() => (queueCounters(s, 'live_queue')?.messagesUnacknowledged ?? 0) > 5, {
        what: 'unlimited prefetch to take the backlog',
      });
      await waitFor(
        () =>
          s
            .snapshot()
            .notices.some((n) =>
              n.startsWith('C1: applied with a new consumer on the same channel'),
            ),
        {
          what: 'the notice saying how it was applied',
        },
      );
      s.togglePause('P1');
      assert.equal(s.snapshot().actors.find((a) => a.id === 'P1')?.status, 'paused');
      await new Promise((r) => setTimeout(r, 300));
      const paused = s.snapshot().actors.find((a) => a.id === 'P1')?.published ?? 0;
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(
        s.snapshot().actors.find((a) => a.id === 'P1')?.published,
        paused,
        'nothing sent while paused',
      );
      s.togglePause('P1');
      await waitFor(
        () => (s.snapshot().actors.find((a) => a.id === 'P1')?.published ?? 0) > paused,
        { what: 'resumed' },
      );
      await s.drain();
      const [noLoss, eachOnce] = s.checks();
      assert.equal(eachOnce?.ok, true, eachOnce?.detail);
      assert.ok(noLoss, 'no-loss ran');
    } finally {
      await s.shutdown();
    }
  });

  test('a producer rate above the ceiling is capped, and the screen says so; + stops at the ceiling', async () => {
    const s = session(
      `${header('ceiling')}topology:
  queues: [{ name: ceiling_queue }]
actors:
  - { kind: producer, routingKeys: [ceiling_queue], rate: 500 }
`,
      20,
    );
    try {
      await s.start();
      const p1 = s.snapshot().actors[0];
      assert.equal(p1?.config.kind === 'producer' && p1.config.rate, 20);
      assert.ok(
        s.snapshot().notices.includes('P1 asks for 500 msg/s; capped at 20 (--max-rate lifts it).'),
      );
      s.changeRate('P1', 1);
      const after = s.snapshot().actors[0];
      assert.equal(after?.config.kind === 'producer' && after.config.rate, 20);
      assert.ok(
        s.snapshot().notices.some((n) => n.startsWith('P1 is at the rate ceiling of 20 msg/s')),
      );
    } finally {
      await s.shutdown();
    }
  });

  test('a key nobody bound comes back unroutable: shown in the flow, not counted as lost', async () => {
    const s = session(`${header('unroutable')}topology:
  exchanges: [{ name: unroutable_logs, type: direct }]
actors:
  - { kind: producer, exchange: unroutable_logs, routingKeys: [info, error], rate: 20 }
  - { kind: consumer, bind: { exchange: unroutable_logs, keys: [error] }, prefetch: 0, ack: auto }
checks: [no-loss, routing-correct, routing-complete]
`);
    try {
      await s.start();
      const returned = await waitFor(
        () => s.snapshot().flow.find((r) => r.outcome === 'unroutable'),
        { what: 'an unroutable message in the flow log' },
      );
      assert.equal(returned.routingKey, 'info');
      assert.equal(returned.producer, 'P1');
      // routing-correct judges what subscribers received: drain once one has an 'error' message.
      await waitFor(() => (s.snapshot().actors.find((a) => a.id === 'C1')?.received ?? 0) > 0, {
        what: 'the subscriber to receive an error message',
      });
      await s.drain();
      const p1 = s.snapshot().actors.find((a) => a.id === 'P1');
      assert.ok((p1?.unroutable ?? 0) > 0);
      const [noLoss, correct, complete] = s.checks();
      assert.equal(noLoss?.ok, true, noLoss?.detail);
      assert.match(
        noLoss?.detail ?? '',
        /\d+ unroutable \(returned to the publisher: no queue was bound for the key\)/,
      );
      assert.equal(correct?.ok, true, correct?.detail);
      assert.equal(complete?.ok, true, complete?.detail);
    } finally {
      await s.shutdown();
    }
  });

  test('ackEvery: one multiple-ack per n messages; everything ends acknowledged, the rest after a pause', async () => {
    const s = session(`${header('ack-every')}topology:
  queues: [{ name: ack_every_queue }]
actors:
  - { kind: producer, routingKeys: [ack_every_queue], rate: 200 }
  - { kind: consumer, queue: ack_every_queue, prefetch: 50, ackEvery: 10 }
`);
    try {
      await s.start();
      const c1 = () => s.snapshot().actors.find((a) => a.id === 'C1');
      await waitFor(() => (c1()?.acked ?? 0) >= 100, { what: '100 acknowledged' });
      // Acks go in tens, plus a timed flush: the count is never ahead of what was received.
      assert.ok((c1()?.acked ?? 0) <= (c1()?.received ?? 0));
      await s.stopActor('P1');
      // With the producer stopped, the last partial ten is flushed after a short pause.
      const settled = await waitFor(
        () => {
          const c = c1();
          const q = s.snapshot().queues.list.find((x) => x.name === 'ack_every_queue');
          return c && c.acked === c.received && q?.messagesUnacknowledged === 0 ? c : undefined;
        },
        { what: 'every message acknowledged, nothing unacked on the broker' },
      );
      assert.ok(settled.received > 100);
      await s.drain();
      const [noLoss] = s.checks();
      assert.equal(noLoss?.ok, true, noLoss?.detail);
    } finally {
      await s.shutdown();
    }
  });

  test('a node key on a single broker says what it needs, and touches nothing', async () => {
    const s = session(`${header('single-node')}topology:
  queues: [{ name: single_q }]
actors:
  - { kind: consumer, queue: single_q }
`);
    try {
      await s.start();
      await s.nodeAction('kill', 'single_q');
      const notices = s.snapshot().notices;
      assert.ok(
        notices.includes(
          'Node keys work on a private cluster the lab started: run with --broker cluster (--nodes 3 to 5).',
        ),
        notices.join(' | '),
      );
      assert.equal(s.snapshot().cluster, undefined, 'no cluster state on a single broker');
      const served = await waitFor(
        async () => (await consumerCount(broker.url, 'single_q')) === 1,
        {
          what: 'the consumer on the queue',
        },
      );
      assert.ok(served, 'the broker still serves the queue');
    } finally {
      await s.shutdown();
    }
  });
});
