/**
 * The poller against a management API that is slow, down, or hangs (a local HTTP server playing
 * the part): polls never stack up, the last counters stay with their age, the error is said, and
 * it recovers by itself.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ManagementClient } from '../../source/broker/management-client.js';
import { Poller, type PollResult } from '../../source/broker/poller.js';
import { waitFor } from '../support/broker.js';

type Mode = 'ok' | 'slow' | 'down' | 'hang';

describe('poller against a slow or failing management API', () => {
  let server: Server;
  let mode: Mode = 'ok';
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;
  let baseUrl = '';
  const requestTimes: number[] = [];

  before(async () => {
    server = createServer((req, res) => {
      requests++;
      requestTimes.push(Date.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const answer = () => {
        inFlight--;
        if (mode === 'down') {
          res.writeHead(503).end('down');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify([{ name: 'q', messages_ready: requests, messages_unacknowledged: 0 }]),
        );
      };
      if (mode === 'hang') {
        req.on('close', () => inFlight--);
        return;
      }
      setTimeout(answer, mode === 'slow' ? 400 : 5);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function poller(results: PollResult[], timeoutMs = 3000): Poller {
    return new Poller({
      client: new ManagementClient({ baseUrl, username: 'u', password: 'p', timeoutMs }),
      vhost: '/',
      intervalMs: 50,
      maxBackoffMs: 400,
      onResult: (r) => results.push(r),
    });
  }

  test('a slow API: one poll at a time, and the counters keep coming', async () => {
    mode = 'slow';
    maxInFlight = 0;
    const results: PollResult[] = [];
    const p = poller(results);
    p.start();
    // Requests take 400 ms and the interval is 50 ms: stacking would show as several in flight.
    await waitFor(() => results.length >= 4, { what: 'four slow samples', timeoutMs: 5000 });
    await p.stop();
    assert.equal(maxInFlight, 1);
    assert.ok(results.every((r) => r.error === undefined && r.queues.length === 1));
    const times = results.map((r) => r.sampledAt ?? 0);
    assert.ok(
      times.every((t, i) => i === 0 || t - (times[i - 1] ?? 0) >= 400),
      'each sample waited for the one before',
    );
  });

  test('an API that goes down: the last counters stay with their time, the error is said, polls back off, then it recovers', async () => {
    mode = 'ok';
    const results: PollResult[] = [];
    const p = poller(results);
    p.start();
    const good = await waitFor(() => results.find((r) => r.sampledAt !== undefined), {
      what: 'a first sample',
    });
    mode = 'down';
    requestTimes.length = 0;
    const failing = await waitFor(
      () => {
        const bad = results.filter((r) => r.error !== undefined);
        return bad.length >= 4 ? bad : undefined;
      },
      { what: 'failed polls', timeoutMs: 5000 },
    );
    // Counters and their sample time are kept (the screen shows their age), with the error.
    const last = failing[failing.length - 1];
    assert.match(last?.error ?? '', /503/);
    assert.equal(last?.queues.length, 1);
    assert.ok(
      (last?.sampledAt ?? 0) <= Date.now() && (last?.sampledAt ?? 0) >= (good.sampledAt ?? 0),
    );
    assert.ok(
      failing.every((r) => r.sampledAt === failing[0]?.sampledAt),
      'no new sample time while down',
    );
    // Back-off: the gaps between failed requests grow (50, 100, 200, 400 ms …).
    const gaps = requestTimes.slice(1).map((t, i) => t - (requestTimes[i] ?? 0));
    assert.ok((gaps[gaps.length - 1] ?? 0) > (gaps[0] ?? 0) + 100, `gaps ${gaps.join(', ')}`);
    mode = 'ok';
    await waitFor(() => results[results.length - 1]?.error === undefined, {
      what: 'recovery',
      timeoutMs: 3000,
    });
    await p.stop();
  });

  test('an API that never answers: the poll times out and says so; nothing waits forever', async () => {
    mode = 'hang';
    const results: PollResult[] = [];
    const p = poller(results, 300);
    p.start();
    const timedOut = await waitFor(() => results.find((r) => r.error !== undefined), {
      what: 'a timed-out poll',
      timeoutMs: 3000,
    });
    assert.match(timedOut.error ?? '', /did not answer|timed? ?out/i);
    const started = Date.now();
    await p.stop();
    assert.ok(Date.now() - started < 1000, 'stop does not hang on a request in flight');
  });
});
