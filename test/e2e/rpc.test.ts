/**
 * Tutorial 6 (RPC) against the real broker: requests paired with replies by correlation id over
 * Direct Reply-to and over a client's own queue, servers sharing the load, and an outside server
 * declared like the official rpc_server.js answering the lab's clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import type { Report } from '../../source/lab/report.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { runCli } from '../support/cli.js';

describe('rpc', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker('rpc');
  });
  after(async () => {
    await broker.dispose();
  });

  test('every request gets its reply; an official-style server joins and answers too', async () => {
    const run = runCli(
      [
        'scenario',
        'rpc',
        '--headless',
        '--json',
        '--duration',
        '12',
        '--url',
        broker.url,
        '--management-url',
        broker.managementUrl,
      ],
      { timeoutMs: 90_000 },
    );
    // rpc_server.js: the same queue declaration, prefetch 1, reply to replyTo with the
    // request's correlationId, then ack.
    const connection = await amqp.connect(broker.url);
    let answered = 0;
    try {
      const channel = await connection.createChannel();
      await waitFor(
        async () => {
          const probe = await connection.createChannel();
          probe.on('error', () => {});
          try {
            await probe.checkQueue('rpc_queue');
            await probe.close();
            return true;
          } catch {
            return false;
          }
        },
        { what: 'the lab to declare rpc_queue' },
      );
      await channel.assertQueue('rpc_queue', {
        durable: true,
        arguments: { 'x-queue-type': 'quorum' },
      });
      await channel.prefetch(1);
      await channel.consume('rpc_queue', (msg) => {
        if (!msg) return;
        const n = Number(msg.content.toString());
        let [a, b] = [0, 1];
        for (let i = 0; i < n; i++) [a, b] = [b, a + b];
        channel.sendToQueue(msg.properties.replyTo, Buffer.from(String(a)), {
          correlationId: msg.properties.correlationId,
        });
        channel.ack(msg);
        answered++;
      });
      const result = await run;
      assert.equal(result.code, 0, `${result.stderr}\n${result.stdout}`);
      const report = JSON.parse(result.stdout) as Report;
      const replies = report.checks.find((c) => c.name === 'rpc-replies');
      assert.equal(replies?.ok, true, replies?.detail);
      // Both clients: P1 over Direct Reply-to, P2 (joined by the tour) over its own queue.
      const p1 = /P1: (\d+)\/(\d+) replied, \d+ ms round trip/.exec(replies?.detail ?? '');
      const p2 = /P2: (\d+)\/(\d+) replied/.exec(replies?.detail ?? '');
      assert.ok(p1 && p2, replies?.detail);
      assert.ok(Number(p1[1]) > 5 && p1[1] === p1[2], replies?.detail);
      assert.ok(Number(p2[1]) > 0 && p2[1] === p2[2], replies?.detail);
      // The lab's servers and the outside one shared the requests.
      const served = (id: string) => report.actors.find((a) => a.id === id)?.received ?? 0;
      assert.ok(served('C1') > 0 && served('C2') > 0, 'C1 and C2 served');
      assert.ok(answered > 0, 'the outside server answered lab clients');
      const noLoss = report.checks.find((c) => c.name === 'no-loss');
      assert.equal(noLoss?.ok, true, noLoss?.detail);
    } finally {
      await connection.close();
    }
  });
});
