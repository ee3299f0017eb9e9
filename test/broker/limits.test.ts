/**
 * What the broker does at a queue's limits, measured on the real node: the facts the length-limit,
 * ttl and priority lessons state. Plain amqplib, no lab: if a broker version changes one of them,
 * this file says which.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { type TestBroker, testBroker } from '../support/broker.js';

let broker: TestBroker;
let connection: ChannelModel;
let channel: ConfirmChannel;
before(async () => {
  broker = await testBroker('limits');
  connection = await amqp.connect(broker.url);
  channel = await connection.createConfirmChannel();
});
after(async () => {
  await connection.close();
  await broker.dispose();
});

/** Publish and wait for the broker's answer: true for an ack, false for a nack. */
function publish(exchange: string, key: string, body: string, options = {}): Promise<boolean> {
  return new Promise((resolve) => {
    channel.publish(exchange, key, Buffer.from(body), options, (error) => resolve(error == null));
  });
}

async function drain(queue: string): Promise<GetMessage[]> {
  const out: GetMessage[] = [];
  for (;;) {
    const msg = await channel.get(queue, { noAck: true });
    if (msg === false) return out;
    out.push(msg);
  }
}

const bodies = (msgs: readonly GetMessage[]) => msgs.map((m) => m.content.toString());
const deathReason = (msg: GetMessage | undefined): unknown =>
  (msg?.properties.headers?.['x-death'] as { reason?: unknown }[] | undefined)?.[0]?.reason;

describe('queue length limits', () => {
  test('reject-publish nacks what does not fit and keeps the oldest', async () => {
    await channel.assertQueue('rp', {
      arguments: { 'x-max-length': 2, 'x-overflow': 'reject-publish' },
    });
    const answers = [];
    for (let i = 1; i <= 5; i++) answers.push(await publish('', 'rp', `m${i}`));
    assert.deepEqual(answers, [true, true, false, false, false]);
    assert.deepEqual(bodies(await drain('rp')), ['m1', 'm2']);
  });

  test('reject-publish-dlx nacks and dead-letters with reason maxlen; drop-head dead-letters the oldest', async () => {
    await channel.assertExchange('dlx', 'fanout');
    await channel.assertQueue('dlq');
    await channel.bindQueue('dlq', 'dlx', '');
    await channel.assertQueue('rpd', {
      arguments: {
        'x-max-length': 2,
        'x-overflow': 'reject-publish-dlx',
        'x-dead-letter-exchange': 'dlx',
      },
    });
    const answers = [];
    for (let i = 1; i <= 4; i++) answers.push(await publish('', 'rpd', `r${i}`));
    assert.deepEqual(answers, [true, true, false, false]);
    const dead = await drain('dlq');
    assert.deepEqual(bodies(dead), ['r3', 'r4']);
    assert.equal(deathReason(dead[0]), 'maxlen');

    await channel.assertQueue('dh', {
      arguments: { 'x-max-length': 2, 'x-dead-letter-exchange': 'dlx' },
    });
    for (let i = 1; i <= 4; i++) assert.equal(await publish('', 'dh', `d${i}`), true);
    assert.deepEqual(bodies(await drain('dh')), ['d3', 'd4']);
    const dropped = await drain('dlq');
    assert.deepEqual(bodies(dropped), ['d1', 'd2']);
    assert.equal(deathReason(dropped[0]), 'maxlen');
  });

  test('a message routed to a full reject-publish queue and another is nacked, and enqueued in the other', async () => {
    await channel.assertExchange('both', 'fanout');
    await channel.assertQueue('full', {
      arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await channel.assertQueue('open');
    await channel.bindQueue('full', 'both', '');
    await channel.bindQueue('open', 'both', '');
    assert.equal(await publish('both', '', 'f1'), false);
    assert.deepEqual(bodies(await drain('open')), ['f1']);
  });
});

describe('message TTL', () => {
  test('per-message TTL: expired messages behind a live one stay counted until they reach the head', async () => {
    await channel.assertQueue('ttl');
    await publish('', 'ttl', 'keep');
    for (let i = 1; i <= 3; i++) await publish('', 'ttl', `short${i}`, { expiration: '100' });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await channel.checkQueue('ttl')).messageCount, 4, 'still counted');
    assert.deepEqual(bodies(await drain('ttl')), ['keep'], 'but never delivered');
    assert.equal((await channel.checkQueue('ttl')).messageCount, 0);
  });

  test('expired messages are dead-lettered with reason expired', async () => {
    await channel.assertQueue('ttl-dl', {
      arguments: { 'x-message-ttl': 100, 'x-dead-letter-exchange': 'dlx' },
    });
    await publish('', 'ttl-dl', 'e1');
    await new Promise((r) => setTimeout(r, 400));
    const dead = await drain('dlq');
    assert.deepEqual(bodies(dead), ['e1']);
    assert.equal(deathReason(dead[0]), 'expired');
  });
});

describe('priority queues', () => {
  test('the highest priority waiting goes first; above x-max-priority counts as the maximum', async () => {
    await channel.assertQueue('prio', { arguments: { 'x-max-priority': 5 } });
    await publish('', 'prio', 'low1', { priority: 1 });
    await publish('', 'prio', 'low2', { priority: 1 });
    await publish('', 'prio', 'top', { priority: 9 });
    await publish('', 'prio', 'five', { priority: 5 });
    await publish('', 'prio', 'none');
    assert.deepEqual(bodies(await drain('prio')), ['top', 'five', 'low1', 'low2', 'none']);
  });

  test('a queue without x-max-priority ignores priorities', async () => {
    await channel.assertQueue('fifo');
    await publish('', 'fifo', 'low', { priority: 1 });
    await publish('', 'fifo', 'high', { priority: 9 });
    assert.deepEqual(bodies(await drain('fifo')), ['low', 'high']);
  });
});
