/**
 * The HTTP publish endpoint of a producer, and service queues added live, in a session against
 * the real broker: what another system sees when it POSTs, and what the consumers get.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { resolveTarget } from '../../source/broker/url.js';
import { Session } from '../../source/lab/session.js';
import { parseScenario } from '../../source/scenario/loader.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';

let broker: TestBroker;
before(async () => {
  broker = await testBroker('http-endpoint');
});
after(async () => {
  await broker.dispose();
});

const token = 'test-token-123';

function session(yaml: string): Session {
  return new Session({
    scenario: parseScenario(yaml, 'test.yaml'),
    target: resolveTarget(broker.url, broker.managementUrl),
    embedded: false,
    pollIntervalMs: 200,
    httpToken: token,
  });
}

const scenario = (port = 0) => `name: http-test
title: HTTP test
pattern: test
summary: A test.
lesson: A test.
topology:
  exchanges: [{ name: http_events, type: fanout }]
  queues: [{ name: http_billing }]
  bindings: [{ exchange: http_events, queue: http_billing }]
services:
  exchange: http_events
  names: [http_audit]
  consumer: { prefetch: 5, ack: manual }
actors:
  - { kind: producer, exchange: http_events, routingKeys: [""], http: { port: ${port} } }
  - { kind: consumer, queue: http_billing, prefetch: 5, ack: manual }
checks: [no-loss, queues-complete]
`;

async function endpointOf(s: Session, id: string): Promise<string> {
  return waitFor(() => s.snapshot().actors.find((a) => a.id === id)?.endpoint, {
    what: `${id}'s HTTP endpoint`,
  });
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
  method = 'POST',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method, headers, ...(method === 'POST' ? { body } : {}) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('HTTP publish endpoint', () => {
  test('publishes with the token, answers after the confirm; refuses everything else with a reason', async () => {
    const s = session(scenario());
    try {
      await s.start();
      const base = await endpointOf(s, 'P1');
      assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(
        s.snapshot().notices.includes(`P1 publishes what you POST to ${base}/publish/http_events`),
        'a notice says where to publish',
      );
      assert.ok(
        s.snapshot().notices.includes(`with the header: -H 'Authorization: Bearer ${token}'`),
        'and with which token',
      );
      const url = `${base}/publish/http_events`;

      const ok = await post(url, 'invoice 1 paid');
      assert.equal(ok.status, 202);
      assert.equal(ok.json.id, 'P1-1');
      assert.match(String(ok.json.messageId), /^P1-1@\d+$/, 'the message’s own messageId');
      assert.equal(ok.json.confirmed, true);

      const noToken = await post(url, 'x', {});
      assert.equal(noToken.status, 401);
      assert.equal(noToken.json.error, 'missing or wrong bearer token');
      assert.equal((await post(url, 'x', { authorization: 'Bearer wrong-token-12' })).status, 401);
      const other = await post(`${base}/publish/amq.topic`, 'x');
      assert.equal(other.status, 404);
      assert.equal(
        other.json.error,
        "this endpoint publishes to 'http_events' only, not 'amq.topic'",
      );
      assert.equal((await post(`${base}/elsewhere`, 'x')).status, 404);
      assert.equal((await post(`${base}/publish/%E0%A4%A`, 'x')).status, 400);
      assert.equal((await post(url, '', undefined, 'GET')).status, 405);
      assert.equal((await post(url, 'x'.repeat(70 * 1024))).status, 413);

      // Paused from the keyboard (space): the endpoint says so instead of publishing.
      s.togglePause('P1');
      await waitFor(() => (s.snapshot().actors[0]?.status === 'paused' ? true : undefined), {
        what: 'P1 paused',
      });
      await new Promise((r) => setTimeout(r, 200));
      const paused = await post(url, 'x');
      assert.equal(paused.status, 503);
      assert.equal(paused.json.error, 'the endpoint is paused');
      s.togglePause('P1');
      await new Promise((r) => setTimeout(r, 300));

      // The tour's post action and the s key go over HTTP too, with a routing key.
      assert.equal(await s.post('P1', 'invoice 2 paid', 'billing.paid'), 202);
      await waitFor(() => (s.ledger.total('handled') === 2 ? true : undefined), {
        what: 'both messages received by the consumer',
      });
      assert.equal(s.snapshot().actors.find((a) => a.id === 'P1')?.published, 2);
      assert.equal(s.ledger.keyOf('P1', 2), 'billing.paid');
      await s.drain();
      assert.deepEqual(
        s.checks().map((c) => [c.name, c.ok]),
        [
          ['no-loss', true],
          ['queues-complete', true],
          ['actors-healthy', true],
        ],
      );
    } finally {
      await s.shutdown();
    }
  });

  test('a message no queue is bound for: 202, confirmed, routed: false; the notice says so', async () => {
    const s = session(`name: http-unroutable
title: HTTP unroutable
pattern: test
summary: A test.
lesson: A test.
topology:
  exchanges: [{ name: http_direct, type: direct }]
  queues: [{ name: http_paid }]
  bindings: [{ exchange: http_direct, queue: http_paid, keys: [paid] }]
actors:
  - { kind: producer, exchange: http_direct, routingKeys: [paid], http: { port: 0 } }
checks: []
`);
    try {
      await s.start();
      const url = `${await endpointOf(s, 'P1')}/publish/http_direct`;
      const lost = await post(`${url}?key=nobody`, 'nobody listens');
      assert.equal(lost.status, 202);
      assert.equal(lost.json.confirmed, true);
      assert.equal(lost.json.routed, false, JSON.stringify(lost.json));
      const taken = await post(`${url}?key=paid`, 'invoice paid');
      assert.equal(taken.status, 202);
      assert.equal(taken.json.routed, true, JSON.stringify(taken.json));
      // The s key and a tour's post step say it in their notice.
      assert.equal(await s.post('P1', 'again nobody', 'nobody'), 202);
      assert.ok(
        s
          .snapshot()
          .notices.some((n) =>
            /^POST \/publish\/http_direct\?key=nobody → 202 P1-3 \(confirmed by the broker, but returned unroutable: no queue is bound for its key\) in \d+ ms$/.test(
              n,
            ),
          ),
        s.snapshot().notices.join('\n'),
      );
      assert.equal(await s.post('P1', 'paid again', 'paid'), 202);
      assert.ok(
        s.snapshot().notices.some((n) => /→ 202 P1-4 \(confirmed by the broker\) in/.test(n)),
        s.snapshot().notices.join('\n'),
      );
    } finally {
      await s.shutdown();
    }
  });

  test('a port in use: the endpoint fails with one sentence saying what to do', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const s = session(scenario(port));
    try {
      await s.start();
      const failed = await waitFor(
        () => s.snapshot().actors.find((a) => a.id === 'P1' && a.status === 'failed'),
        { what: 'P1 failed' },
      );
      assert.equal(
        failed.lastError,
        `HTTP port ${port} is in use; set another http.port in the scenario (0 picks a free one)`,
      );
    } finally {
      await s.shutdown();
      blocker.close();
    }
  });
});

describe('service queues added live', () => {
  test('a new queue is bound and consumed without touching the producer; it is judged from its bind time and removed at the end', async () => {
    const s = session(scenario());
    try {
      await s.start();
      const base = await endpointOf(s, 'P1');
      await post(`${base}/publish/http_events`, 'before the new service');
      assert.equal(await s.addQueue(), 'http_audit');
      // The names run out: the next is named after the exchange; one bound already is not again.
      assert.equal(await s.addQueue(), 'http_events.service-1');
      assert.equal(await s.addQueue('http_audit'), 'http_audit');
      assert.ok(s.snapshot().notices.includes("Queue 'http_audit' is bound already."));
      assert.ok(s.created().queues.includes('http_audit'), 'cleanup will delete it');
      assert.deepEqual(
        s.snapshot().scenario.bindings?.map((b) => b.queue),
        ['http_billing', 'http_audit', 'http_events.service-1'],
      );
      await waitFor(
        () => s.snapshot().actors.find((a) => a.queue === 'http_audit' && a.status === 'running'),
        { what: 'a consumer on http_audit' },
      );
      await post(`${base}/publish/http_events`, 'after the new service');
      await waitFor(() => (s.ledger.byQueue.get('http_audit') ? true : undefined), {
        what: 'http_audit received the second message',
      });
      await s.drain();
      const complete = s.checks().find((c) => c.name === 'queues-complete');
      assert.equal(complete?.ok, true, complete?.detail);
      assert.match(
        complete?.detail ?? '',
        /http_billing 2\/2, http_audit 1\/1, http_events\.service-1 1\/1/,
      );
    } finally {
      await s.shutdown();
    }
    const response = await fetch(
      `${broker.managementUrl}/api/queues/${encodeURIComponent(broker.vhost)}/http_audit`,
      { headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` } },
    );
    assert.equal(response.status, 404, 'the added queue was deleted at shutdown');
  });
});
