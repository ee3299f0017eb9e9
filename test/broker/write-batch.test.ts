/**
 * Frames written in one go leave in one system call: the socket under a real amqplib connection,
 * counted at the stream's own write calls, with and without the batcher around the same publishes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp, { type ChannelModel } from 'amqplib';
import { socketOf, WriteBatcher } from '../../source/actors/write-batch.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';

let broker: TestBroker;
before(async () => {
  broker = await testBroker('write-batch');
});
after(async () => {
  await broker.dispose();
});

interface CountedStream {
  _write: (...args: unknown[]) => unknown;
  _writev?: (...args: unknown[]) => unknown;
}

/** Count the socket's write calls (one each for `_write` and `_writev`, as the kernel sees them). */
function countWrites(model: ChannelModel): { calls: number } {
  const socket = socketOf(model) as unknown as CountedStream;
  const counter = { calls: 0 };
  const write = socket._write.bind(socket);
  socket._write = (...args) => {
    counter.calls++;
    return write(...args);
  };
  const writev = socket._writev?.bind(socket);
  if (writev) {
    socket._writev = (...args) => {
      counter.calls++;
      return writev(...args);
    };
  }
  return counter;
}

/** Publish 200 messages in one go on a fresh connection; the socket writes it took. */
async function publishBatch(queue: string, batched: boolean): Promise<number> {
  const model = await amqp.connect(broker.url);
  try {
    const channel = await model.createConfirmChannel();
    await channel.assertQueue(queue, { durable: false });
    await channel.purgeQueue(queue);
    const writes = new WriteBatcher(batched ? socketOf(model) : undefined);
    const counter = countWrites(model);
    for (let i = 1; i <= 200; i++)
      channel.publish('', queue, Buffer.from(`m${i}`), { mandatory: true });
    writes.hold();
    await channel.waitForConfirms();
    const calls = counter.calls;
    await waitFor(async () => (await channel.checkQueue(queue)).messageCount === 200, {
      what: `200 messages in ${queue}`,
    });
    const first = await channel.get(queue, { noAck: true });
    assert.equal(first ? first.content.toString() : undefined, 'm1', 'in order');
    await channel.deleteQueue(queue);
    return calls;
  } finally {
    await model.close();
  }
}

describe('write batching', () => {
  test('amqplib’s socket is reached, and 200 publishes leave in a few writes, not 200', async () => {
    const plain = await publishBatch('wb_plain', false);
    const batched = await publishBatch('wb_batched', true);
    // The measure sees amqplib's one write per frame…
    assert.ok(plain >= 200, `${plain} writes without batching`);
    // …and the batcher folds them (the confirm-select handshake is before the count).
    assert.ok(batched <= 3, `${batched} writes with batching`);
  });
});
