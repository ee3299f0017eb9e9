/**
 * RPC faults in-process against the real broker: a server killed in the middle of a request (the
 * request comes back redelivered and another server answers), and a client that times out and
 * asks again (and ignores the late duplicate reply).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resolveTarget } from '../../source/broker/url.js';
import { Session } from '../../source/lab/session.js';
import { parseScenario } from '../../source/scenario/loader.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';

const header = (name: string) => `name: ${name}
title: ${name}
pattern: test
summary: A test.
lesson: A test.
`;

/** Stop asking, wait for every reply owed (the servers are slow on purpose), then drain. */
async function settle(s: Session): Promise<void> {
  s.togglePause('P1');
  await waitFor(
    () => {
      const rpc = s.snapshot().actors.find((a) => a.id === 'P1')?.rpc;
      return rpc && rpc.requests === rpc.replies + rpc.failed;
    },
    { what: 'every request answered', timeoutMs: 20_000 },
  );
  await s.drain(15_000);
}

describe('rpc faults', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker('rpc-faults');
  });
  after(async () => {
    await broker.dispose();
  });

  const session = (yaml: string) =>
    new Session({
      scenario: parseScenario(yaml, 'rpc.yaml'),
      target: resolveTarget(broker.url, broker.managementUrl),
      embedded: false,
      pollIntervalMs: 200,
    });

  test('a server killed mid-request: the request is redelivered to the other server, and the reply arrives', async () => {
    const s = session(`${header('rpc-kill')}topology:
  queues: [{ name: rpc_kill }]
actors:
  - { kind: consumer, queue: rpc_kill, prefetch: 1, workMs: 1500, reply: fibonacci }
  - { kind: producer, routingKeys: [rpc_kill], rate: 1, body: "{n}", rpc: { timeoutMs: 20000, numbers: [10] } }
checks: [rpc-replies, no-loss]
`);
    try {
      await s.start();
      // C1 holds its first request for 1.5 s; a second server joins, then C1 dies holding it.
      await waitFor(
        () => {
          const c1 = s.snapshot().actors.find((a) => a.id === 'C1');
          return c1 && c1.received === 1 && c1.acked === 0;
        },
        { what: 'C1 busy with a request' },
      );
      s.spawnLike('consumer');
      await waitFor(() => s.snapshot().actors.find((a) => a.id === 'C2')?.status === 'running', {
        what: 'C2 running',
      });
      await s.kill('C1');
      const redelivered = await waitFor(
        () => s.snapshot().flow.find((r) => r.consumer === 'C2' && r.redelivered),
        { what: 'the request redelivered to C2', timeoutMs: 15_000 },
      );
      await waitFor(
        () =>
          s
            .snapshot()
            .flow.find((r) => r.outcome === 'reply' && r.messageId === redelivered.messageId),
        { what: 'its reply', timeoutMs: 15_000 },
      );
      await settle(s);
      const replies = s.checks().find((c) => c.name === 'rpc-replies');
      assert.equal(replies?.ok, true, replies?.detail);
      assert.doesNotMatch(replies?.detail ?? '', /retr/, 'no retry was needed');
    } finally {
      await s.shutdown();
    }
  });

  test('no reply in time: the client asks again, says so, and ignores the late duplicate', async () => {
    const s = session(`${header('rpc-retry')}topology:
  queues: [{ name: rpc_retry }]
actors:
  - { kind: consumer, queue: rpc_retry, prefetch: 10, workMs: 900, reply: fibonacci }
  - { kind: producer, routingKeys: [rpc_retry], rate: 0.3, body: "{n}", rpc: { timeoutMs: 600, retries: 3, numbers: [5] } }
checks: [rpc-replies]
`);
    try {
      await s.start();
      const retry = await waitFor(() => s.snapshot().flow.find((r) => r.outcome === 'retry'), {
        what: 'a retry in the flow log',
      });
      assert.match(retry.detail ?? '', /^no reply in 600 ms; sent again \(attempt 2\)$/);
      await waitFor(
        () => (s.snapshot().actors.find((a) => a.id === 'P1')?.rpc?.duplicates ?? 0) > 0,
        {
          what: 'a late duplicate reply',
        },
      );
      await settle(s);
      const replies = s.checks().find((c) => c.name === 'rpc-replies');
      assert.equal(replies?.ok, true, replies?.detail);
      assert.match(replies?.detail ?? '', /\d+ retr(y|ies) after a timeout/);
      assert.match(replies?.detail ?? '', /\d+ late duplicates? ignored/);
    } finally {
      await s.shutdown();
    }
  });
});
