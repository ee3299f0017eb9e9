/**
 * Entry of an actor process (forked by the supervisor). Imports no React: it starts fast and
 * owns exactly one AMQP connection, so killing the process drops the connection and the broker
 * requeues whatever it had not acknowledged.
 */
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import { openConnection } from './connect.js';
import { Consumer } from './consumer.js';
import { describeAmqpError } from './errors.js';
import { Producer } from './producer.js';
import type { ActorConfig, ActorEnvironment, ChildMessage, ParentMessage } from './protocol.js';
import { BatchReporter } from './reporter.js';

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message);
}

// A child never outlives its parent: the IPC channel closes when the parent exits or dies.
process.on('disconnect', () => process.exit(0));

let connection: ChannelModel | undefined;
let stopping = false;
const reporter = new BatchReporter(send);

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  producer?.stop();
  // Every return (unroutable) arrives before its confirm: once all are confirmed, the last batch
  // is complete.
  if (confirmChannel) {
    await Promise.race([
      confirmChannel.waitForConfirms().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 1000)),
    ]);
  }
  consumer?.stop();
  reporter.stop();
  try {
    await connection?.close();
  } catch {
    // Already closed: nothing to release.
  }
  send({ type: 'stopped' });
  // Let the IPC message go out before exiting.
  setTimeout(() => process.exit(code), 20).unref();
  process.disconnect?.();
}

let producer: Producer | undefined;
let confirmChannel: ConfirmChannel | undefined;
let consumer: Consumer | undefined;

async function consumerQueue(channel: Channel, config: ActorConfig): Promise<string> {
  if (config.kind !== 'consumer') throw new Error('not a consumer');
  if (config.queue !== undefined) {
    await channel.checkQueue(config.queue);
    return config.queue;
  }
  const bind = config.bind;
  if (!bind) throw new Error('a consumer needs a queue or a binding');
  // A server-named exclusive queue, as in the official pub/sub tutorials.
  const { queue } = await channel.assertQueue('', { exclusive: true });
  for (const key of bind.keys) await channel.bindQueue(queue, bind.exchange, key);
  return queue;
}

async function start(env: ActorEnvironment, config: ActorConfig): Promise<void> {
  connection = await openConnection(env, config.id);
  connection.on('error', () => {
    // 'close' follows and carries the reason.
  });
  connection.on('close', (error?: Error) => {
    if (stopping) return;
    send({
      type: 'error',
      message: error ? describeAmqpError(error) : 'The broker closed the connection.',
      fatal: true,
    });
    void stop(1);
  });
  const serverVersion = String(connection.connection.serverProperties.version ?? '');
  // Producers publish on a confirm channel, so a graceful stop can wait for the broker's answers.
  let channel: Channel;
  if (config.kind === 'producer') {
    confirmChannel = await connection.createConfirmChannel();
    channel = confirmChannel;
  } else {
    channel = await connection.createChannel();
  }
  channel.on('error', (error: Error) => {
    send({ type: 'error', message: describeAmqpError(error), fatal: false });
  });
  reporter.start();
  if (config.kind === 'producer') {
    producer = new Producer(channel, config, env, reporter);
    send({ type: 'ready', serverVersion });
    producer.start();
  } else {
    const queue = await consumerQueue(channel, config);
    consumer = new Consumer(channel, queue, config, env, reporter);
    await consumer.start();
    send({ type: 'ready', queue, boundAt: Date.now(), serverVersion });
  }
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'start') {
    start(message.env, message.config).catch((error: unknown) => {
      send({ type: 'error', message: describeAmqpError(error), fatal: true });
      void stop(1);
    });
  } else if (message.type === 'update') {
    const { config } = message;
    if (config.kind === 'producer' && producer) {
      producer.update(config);
      send({ type: 'updated' });
    } else if (config.kind === 'consumer' && consumer) {
      consumer
        .update(config)
        .then((note) => send({ type: 'updated', note }))
        .catch((error: unknown) =>
          send({ type: 'error', message: describeAmqpError(error), fatal: false }),
        );
    }
  } else if (message.type === 'send') {
    producer?.publishOne(message.routingKey, message.body);
  } else if (message.type === 'stop') {
    void stop(0);
  }
});

process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => {
  // The terminal's Ctrl-C reaches the whole process group; the parent decides what to do.
});
