/**
 * Shutdown removes exactly what this run added: queues and exchanges it created, and bindings it
 * added between a queue and an exchange that were there before. What was there before the run
 * (a queue and its messages, a binding) is left as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import { resolveTarget } from '../../source/broker/url.js';
import { Session } from '../../source/lab/session.js';
import { parseScenario } from '../../source/scenario/loader.js';
import { type TestBroker, testBroker } from '../support/broker.js';

let broker: TestBroker;
before(async () => {
  broker = await testBroker('teardown');
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

/** Another program's setup, on its own connection: what the run finds when it starts. */
async function onBroker<T>(work: (channel: amqp.Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(broker.url);
  try {
    const channel = await connection.createConfirmChannel();
    const result = await work(channel);
    await channel.waitForConfirms();
    return result;
  } finally {
    await connection.close();
  }
}

/** The routing keys bound from `exchange` to `queue`, by the management API. */
async function boundKeys(exchange: string, queue: string): Promise<string[]> {
  const found = await broker.management.bindings(broker.vhost, exchange, queue);
  return found.map((b) => b.routingKey).sort();
}

/** Whether a queue exists, and the bodies of the messages in it (taken off and acked). */
async function queueBodies(queue: string): Promise<string[] | undefined> {
  const connection = await amqp.connect(broker.url);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    try {
      await channel.checkQueue(queue);
    } catch {
      return undefined;
    }
    const bodies: string[] = [];
    for (let m = await channel.get(queue); m !== false; m = await channel.get(queue)) {
      bodies.push(m.content.toString());
      channel.ack(m);
    }
    return bodies;
  } finally {
    await connection.close();
  }
}

describe('shutdown removes only what this run added', () => {
  test('b on a queue that was there: it survives with its message, the binding b added does not', async () => {
    await onBroker(async (ch) => {
      await ch.assertExchange('svc_events', 'fanout', { durable: true });
      await ch.assertQueue('svc_audit', { durable: true });
      ch.sendToQueue('svc_audit', Buffer.from('kept from before the run'), { persistent: true });
    });
    const s = session(`${header('service-on-a-queue-that-was-there')}topology:
  exchanges: [{ name: svc_events, type: fanout, durable: true }]
services:
  exchange: svc_events
  names: [svc_audit]
  consumer: { prefetch: 0, ack: never }
checks: []
`);
    try {
      await s.start();
      assert.equal(await s.addQueue(), 'svc_audit');
      assert.deepEqual(await boundKeys('svc_events', 'svc_audit'), ['']);
      assert.ok(!s.created().queues.includes('svc_audit'), 'not listed for deletion');
    } finally {
      await s.shutdown();
    }
    assert.deepEqual(await queueBodies('svc_audit'), ['kept from before the run']);
    assert.deepEqual(await boundKeys('svc_events', 'svc_audit'), [], 'the binding b added is gone');
  });

  test('topology bindings: one that was there stays, one the run added is removed', async () => {
    await onBroker(async (ch) => {
      await ch.assertExchange('own_x', 'direct', { durable: true });
      await ch.assertQueue('own_q', { durable: true });
      await ch.bindQueue('own_q', 'own_x', 'before');
      ch.sendToQueue('own_q', Buffer.from('theirs'), { persistent: true });
    });
    const s = session(`${header('bindings-that-were-there')}topology:
  exchanges: [{ name: own_x, type: direct, durable: true }]
  queues: [{ name: own_q, durable: true }, { name: run_q }]
  bindings:
    - { exchange: own_x, queue: own_q, keys: [before, added] }
    - { exchange: own_x, queue: run_q, keys: [mine] }
checks: []
`);
    try {
      await s.start();
      assert.deepEqual(await boundKeys('own_x', 'own_q'), ['added', 'before']);
      assert.deepEqual(s.created(), { queues: ['run_q'], exchanges: [] });
    } finally {
      await s.shutdown();
    }
    assert.deepEqual(await boundKeys('own_x', 'own_q'), ['before'], 'only the added one is gone');
    assert.deepEqual(await queueBodies('own_q'), ['theirs']);
    assert.equal(await queueBodies('run_q'), undefined, 'the queue this run created is deleted');
  });
  test('a headers binding the run added is removed with its arguments; the one that was there stays', async () => {
    await onBroker(async (ch) => {
      await ch.assertExchange('own_docs', 'headers', { durable: true });
      await ch.assertQueue('own_pdf', { durable: true });
      await ch.bindQueue('own_pdf', 'own_docs', '', { 'x-match': 'any', format: 'pdf' });
    });
    const args = async () =>
      (await broker.management.bindings(broker.vhost, 'own_docs', 'own_pdf'))
        .map((b) => JSON.stringify(b.arguments))
        .sort();
    const s = session(`${header('headers-bindings')}topology:
  exchanges: [{ name: own_docs, type: headers, durable: true }]
  queues: [{ name: own_pdf, durable: true }]
  bindings:
    - { exchange: own_docs, queue: own_pdf, match: any, headers: { format: pdf } }
    - { exchange: own_docs, queue: own_pdf, match: all, headers: { format: pdf, type: report } }
checks: []
`);
    try {
      await s.start();
      assert.equal((await args()).length, 2);
    } finally {
      await s.shutdown();
    }
    assert.deepEqual(
      await args(),
      ['{"format":"pdf","x-match":"any"}'],
      'only the added one is gone',
    );
  });
});
