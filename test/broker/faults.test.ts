/**
 * Faults the lab must survive, each against a real broker: a broker restart mid-run (its own
 * private node, restarted in place as the `R` key does), a connection closed from the server side
 * (the `K` key), a throw inside a message handler, and channel errors that end one actor while the
 * rest of the lab goes on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../source/broker/embedded/index.js';
import { restartPrivateNode } from '../../source/broker/restart.js';
import { resolveTarget } from '../../source/broker/url.js';
import { Session } from '../../source/lab/session.js';
import type { ActorView, LabState } from '../../source/lab/store.js';
import { parseScenario } from '../../source/scenario/loader.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';

const header = (name: string) => `name: ${name}
title: ${name}
pattern: test
summary: A test.
lesson: A test.
`;

const actor = (s: Session, id: string): ActorView | undefined =>
  s.snapshot().actors.find((a) => a.id === id);

/** Every state the session published, to assert on what was seen along the way. */
function record(s: Session): LabState[] {
  const seen: LabState[] = [];
  s.subscribe((state) => seen.push(state));
  return seen;
}

describe('a broker restart mid-run (private node, restarted in place)', () => {
  let node: EmbeddedBroker;
  before(async () => {
    node = await startEmbeddedBroker({ preferStandardPorts: false });
  });
  after(async () => {
    await node?.stop();
  });

  test('work queue: actors reconnect, the durable queue keeps its messages, nothing confirmed is lost', async () => {
    const s = new Session({
      scenario: parseScenario(
        `${header('restart')}topology:
  queues:
    - { name: restart_tasks, durable: true, arguments: { x-queue-type: quorum } }
actors:
  - { kind: producer, routingKeys: [restart_tasks], rate: 40, persistent: true }
  - { kind: consumer, queue: restart_tasks, prefetch: 5, workMs: 20 }
  - { kind: consumer, queue: restart_tasks, prefetch: 5, workMs: 20 }
checks: [no-loss, each-once]
`,
        'restart.yaml',
      ),
      target: resolveTarget(node.amqpUrl, node.managementUrl),
      embedded: true,
      pollIntervalMs: 200,
      restartBroker: () => restartPrivateNode(node),
    });
    const seen = record(s);
    try {
      await s.start();
      await waitFor(() => (actor(s, 'C2')?.received ?? 0) >= 10, {
        what: 'deliveries before the restart',
      });
      await s.restartBroker();
      const before = actor(s, 'P1')?.published ?? 0;
      // Every actor went through `reconnecting`, and the poller saw the management API go away.
      for (const id of ['P1', 'C1', 'C2']) {
        assert.ok(
          seen.some((state) => state.actors.find((a) => a.id === id)?.status === 'reconnecting'),
          `${id} showed reconnecting`,
        );
      }
      assert.ok(
        seen.some((state) => state.queues.error !== undefined),
        'the queue counters showed the management API as unavailable',
      );
      assert.ok(
        s.snapshot().notices.some((n) => /Broker restarted in [\d.]+ s/.test(n)),
        'the restart is reported',
      );
      // …and they carry on: new messages published and received after the restart.
      await waitFor(
        () =>
          ['P1', 'C1', 'C2'].every((id) => actor(s, id)?.status === 'running') &&
          (actor(s, 'P1')?.published ?? 0) > before + 20,
        { timeoutMs: 30_000, what: 'publishing again after the restart' },
      );
      const received = (actor(s, 'C1')?.received ?? 0) + (actor(s, 'C2')?.received ?? 0);
      await waitFor(
        () => (actor(s, 'C1')?.received ?? 0) + (actor(s, 'C2')?.received ?? 0) > received + 10,
        { timeoutMs: 20_000, what: 'consuming again after the restart' },
      );
      await waitFor(() => s.snapshot().queues.error === undefined, {
        what: 'live counters again after the restart',
      });
      // A generous drain: a loaded machine (the suite runs files in parallel) is slow to catch up.
      await s.drain(20_000);
      const checks = s.checks();
      const noLoss = checks.find((c) => c.name === 'no-loss');
      const state = s.snapshot();
      assert.equal(
        noLoss?.ok,
        true,
        `${noLoss?.detail}; queues ${JSON.stringify(state.queues.list)}; ${state.actors.map((a) => `${a.id} ${a.status} got ${a.received} acked ${a.acked} abandoned ${a.abandoned}`).join(', ')}`,
      );
      assert.match(noLoss?.detail ?? '', /confirmed by the broker/);
      const eachOnce = checks.find((c) => c.name === 'each-once');
      assert.equal(eachOnce?.ok, true, eachOnce?.detail);
    } finally {
      await s.shutdown();
    }
  });

  test('fanout, the broker restarted by its operator: subscribers get new queues and are judged from their new binding', async () => {
    const s = new Session({
      scenario: parseScenario(
        `${header('restart-fanout')}topology:
  exchanges: [{ name: restart_logs, type: fanout, durable: false }]
actors:
  - { kind: producer, exchange: restart_logs, routingKeys: [''], rate: 20 }
  - { kind: consumer, bind: { exchange: restart_logs }, ack: auto, prefetch: 0 }
  - { kind: consumer, bind: { exchange: restart_logs }, ack: auto, prefetch: 0 }
checks: [fanout-complete]
`,
        'restart-fanout.yaml',
      ),
      target: resolveTarget(node.amqpUrl, node.managementUrl),
      embedded: false,
      pollIntervalMs: 200,
    });
    try {
      await s.start();
      const firstQueue = await waitFor(() => actor(s, 'C1')?.queue, { what: 'C1 bound' });
      await waitFor(() => (actor(s, 'C1')?.received ?? 0) >= 5, { what: 'deliveries' });
      // Not the lab's R key: the operator restarts the broker (as for any external broker).
      await restartPrivateNode(node);
      // The non-durable exchange was declared again and C1 bound a new server-named queue to it.
      const secondQueue = await waitFor(
        () => {
          const q = actor(s, 'C1')?.queue;
          return q !== firstQueue && actor(s, 'C1')?.status === 'running' ? q : undefined;
        },
        { timeoutMs: 30_000, what: 'C1 on a new queue' },
      );
      assert.match(secondQueue, /^amq\.gen-/);
      const got = actor(s, 'C2')?.received ?? 0;
      await waitFor(() => (actor(s, 'C2')?.received ?? 0) > got + 10, {
        timeoutMs: 20_000,
        what: 'fanout copies again after the restart',
      });
      await s.drain();
      const complete = s.checks().find((c) => c.name === 'fanout-complete');
      assert.equal(complete?.ok, true, complete?.detail);
      assert.match(complete?.detail ?? '', /C1 (\d+)\/\1, C2 (\d+)\/\2/);
    } finally {
      await s.shutdown();
    }
  });
});

describe('faults on the shared test broker', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker('faults');
  });
  after(async () => {
    await broker.dispose();
  });

  const session = (yaml: string) =>
    new Session({
      scenario: parseScenario(yaml, 'faults.yaml'),
      target: resolveTarget(broker.url, broker.managementUrl),
      embedded: false,
      pollIntervalMs: 200,
    });

  test('a connection closed from the server side (K): the actor reconnects and goes on', async () => {
    const s = session(`${header('close')}topology:
  queues: [{ name: close_queue }]
actors:
  - { kind: producer, routingKeys: [close_queue], rate: 20 }
  - { kind: consumer, queue: close_queue, ack: auto, prefetch: 0 }
`);
    const seen = record(s);
    try {
      await s.start();
      await waitFor(() => (actor(s, 'C1')?.received ?? 0) >= 3, { what: 'deliveries' });
      await s.closeConnection('C1');
      assert.ok(
        s.snapshot().notices.some((n) => /Closed C1's connection from the broker side/.test(n)),
        s.snapshot().notices.join('\n'),
      );
      await waitFor(
        () => actor(s, 'C1')?.reconnects === 1 && actor(s, 'C1')?.status === 'running',
        {
          timeoutMs: 15_000,
          what: 'C1 reconnected',
        },
      );
      assert.ok(
        seen.some((st) => st.actors.find((a) => a.id === 'C1')?.status === 'reconnecting'),
        'C1 showed reconnecting',
      );
      assert.match(
        seen
          .flatMap((st) => st.actors.filter((a) => a.id === 'C1').map((a) => a.lastError ?? ''))
          .find((e) => e !== '') ?? '',
        /CONNECTION_FORCED|closed/i,
      );
      const got = actor(s, 'C1')?.received ?? 0;
      await waitFor(() => (actor(s, 'C1')?.received ?? 0) > got + 5, {
        what: 'deliveries after the reconnect',
      });
      assert.equal(actor(s, 'P1')?.reconnects, 0, 'the producer was not touched');
    } finally {
      await s.shutdown();
    }
  });

  test('a throw inside the message handler is reported and does not take the connection down', async () => {
    const s = session(`${header('throw')}topology:
  queues: [{ name: throw_queue }]
actors:
  - { kind: producer, routingKeys: [throw_queue], rate: 50 }
  - { kind: consumer, queue: throw_queue, prefetch: 0, bug: throw, bugEvery: 5 }
`);
    try {
      await s.start();
      const c1 = await waitFor(
        () => {
          const a = actor(s, 'C1');
          return a && a.errors >= 2 && a.acked >= 10 ? a : undefined;
        },
        { what: 'handler errors while acking the rest' },
      );
      assert.match(c1.lastError ?? '', /^handler threw: simulated bug in the handler on P1-\d+/);
      assert.equal(c1.status, 'running');
      assert.equal(c1.reconnects, 0, 'the connection stayed up');
      // The messages it threw on stay unacknowledged on the broker while the channel lives.
      await waitFor(
        () => {
          const q = s.snapshot().queues.list.find((x) => x.name === 'throw_queue');
          return q && q.messagesUnacknowledged >= 2;
        },
        { what: 'unacked messages held by the buggy consumer' },
      );
      // Killing the consumer hands them back: redelivered to a new one.
      await s.kill('C1');
      s.spawnLike('consumer');
      await waitFor(() => (actor(s, 'C2')?.redelivered ?? 0) >= 2, {
        what: 'redelivered after the buggy consumer died',
      });
    } finally {
      await s.shutdown();
    }
  });

  test('channel errors end one actor with a clear line; the rest of the lab goes on', async () => {
    const s = session(`${header('channel-errors')}topology:
  queues: [{ name: chan_queue }]
actors:
  - { kind: producer, routingKeys: [chan_queue], rate: 20 }
  - { kind: consumer, queue: chan_queue, ack: auto, prefetch: 0 }
  - { kind: consumer, queue: no_such_queue }
  - { kind: producer, exchange: no_such_exchange, routingKeys: [x], rate: 5 }
  - { kind: consumer, queue: chan_queue, bug: double-ack, bugEvery: 3 }
`);
    try {
      await s.start();
      const ids = ['C2', 'P2', 'C3'];
      const failed = await waitFor(
        () => {
          const views = ids.map((id) => actor(s, id));
          return views.every((a) => a?.status === 'failed') ? views : undefined;
        },
        { timeoutMs: 15_000, what: 'three failed actors' },
      ).catch((error: unknown) => {
        const now = ids.map((id) => `${id} ${actor(s, id)?.status}: ${actor(s, id)?.lastError}`);
        throw new Error(`${String(error)}; ${now.join('; ')}`);
      });
      const [missingQueue, missingExchange, doubleAck] = failed;
      assert.match(
        missingQueue?.lastError ?? '',
        /^no queue 'no_such_queue' in vhost '[^']+' \(404 NOT_FOUND\)$/,
      );
      assert.match(
        missingExchange?.lastError ?? '',
        /^no exchange 'no_such_exchange' in vhost '[^']+' \(404 NOT_FOUND\)$/,
      );
      assert.match(
        doubleAck?.lastError ?? '',
        /^unknown delivery tag \d+ \(406 PRECONDITION_FAILED\)$/,
      );
      // The others carry on.
      const got = actor(s, 'C1')?.received ?? 0;
      await waitFor(() => (actor(s, 'C1')?.received ?? 0) > got + 5, {
        what: 'C1 still consuming',
      });
      assert.equal(actor(s, 'P1')?.status, 'running');
    } finally {
      await s.shutdown();
    }
  });
});
