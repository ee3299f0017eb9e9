/**
 * Entry of an actor process (forked by the supervisor). Imports no React: it starts fast and
 * owns exactly one AMQP connection at a time, so killing the process drops the connection and
 * the broker requeues whatever it had not acknowledged.
 *
 * When the connection drops (a broker restart, a connection closed from the management UI), the
 * actor says `reconnecting` and tries again with exponential backoff and jitter; once back it
 * declares the scenario's topology again (a restarted broker forgets non-durable exchanges),
 * re-creates its channel and goes on: a producer with its sequence numbers, a consumer with a new
 * subscription (a subscriber gets a new server-named queue, as a reconnecting tutorial program
 * would).
 */
import type { Channel, ChannelModel } from 'amqplib';
import { declareTopology } from '../broker/topology.js';
import { backoffMs, firstNode, hostPort, nodeUrl, openConnection } from './connect.js';
import { Consumer } from './consumer.js';
import { describeAmqpError } from './errors.js';
import { startEndpoint } from './http-endpoint.js';
import { Producer } from './producer.js';
import type { ActorConfig, ActorEnvironment, ChildMessage, ParentMessage } from './protocol.js';
import { BatchReporter } from './reporter.js';
import { socketOf, WriteBatcher } from './write-batch.js';

/** To the parent; `written` once the message is in the pipe (a kill after that cannot lose it). */
function send(message: ChildMessage, written?: () => void): void {
  if (!process.connected) return;
  process.send?.(message, undefined, undefined, (error: Error | null) => {
    if (!error) written?.();
  });
}

// A child never outlives its parent: the IPC channel closes when the parent exits or dies.
process.on('disconnect', () => process.exit(0));

let connection: ChannelModel | undefined;
let channel: Channel | undefined;
let stopping = false;
let producer: Producer | undefined;
let consumer: Consumer | undefined;
let attempt = 0;
let retryTimer: NodeJS.Timeout | undefined;
/** An HTTP publish endpoint's address, once it listens (it outlives reconnects). */
let endpoint: { url: string; close: () => void } | undefined;
/** Which of a cluster's nodes (env.urls) to connect to next. */
let node = 0;
const reporter = new BatchReporter(send);

/**
 * Every return (unroutable) arrives before its confirm: once all are answered, the last batch is
 * complete. (amqplib's waitForConfirms gives up at the first nack; the producer's own count does
 * not.) A busy broker answers thousands late: wait while answers keep coming, until `by` (within
 * the supervisor's 5 s grace) or a second without one.
 */
async function awaitAnswers(by: number): Promise<void> {
  let left = producer?.unanswered ?? 0;
  let progressAt = Date.now();
  while (left > 0 && channel && Date.now() < by && Date.now() - progressAt < 1000) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = producer?.unanswered ?? 0;
    if (now < left) progressAt = Date.now();
    left = now;
  }
}

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (retryTimer) clearTimeout(retryTimer);
  const started = Date.now();
  // An RPC client waits for the replies it is owed (servers are still answering).
  producer?.pauseForStop();
  const waitUntil = started + 2500;
  while ((producer?.rpc?.outstanding ?? 0) > 0 && channel && Date.now() < waitUntil) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  producer?.stop();
  await awaitAnswers(started + 4000);
  endpoint?.close();
  consumer?.stop();
  // Acknowledgements wait for their receipts: let them go before the connection closes.
  await reporter.settled();
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

async function consumerQueue(ch: Channel, config: ActorConfig): Promise<string> {
  if (config.kind !== 'consumer') throw new Error('not a consumer');
  if (config.queue !== undefined) {
    await ch.checkQueue(config.queue);
    return config.queue;
  }
  const bind = config.bind;
  if (!bind) throw new Error('a consumer needs a queue or a binding');
  // A server-named exclusive queue, as in the official pub/sub tutorials.
  const { queue } = await ch.assertQueue('', { exclusive: true });
  for (const key of bind.keys) await ch.bindQueue(queue, bind.exchange, key);
  return queue;
}

/** The connection dropped without us asking: say so and try again later. */
function connectionLost(env: ActorEnvironment, config: ActorConfig, error?: Error): void {
  if (stopping) return;
  // In a cluster, as its clients do: the next node in the list.
  node++;
  connection = undefined;
  channel = undefined;
  producer?.detach();
  consumer?.detach();
  scheduleReconnect(env, config, error ? describeAmqpError(error) : 'the connection closed');
}

function scheduleReconnect(env: ActorEnvironment, config: ActorConfig, reason: string): void {
  attempt++;
  const inMs = backoffMs(attempt);
  send({ type: 'reconnecting', attempt, reason, inMs });
  retryTimer = setTimeout(() => {
    connect(env, config, true).catch((error: unknown) => {
      void connection?.close().catch(() => {});
      connection = undefined;
      node++;
      scheduleReconnect(env, config, describeAmqpError(error));
    });
  }, inMs);
}

async function connect(env: ActorEnvironment, config: ActorConfig, again: boolean): Promise<void> {
  if (stopping) return;
  const conn = await openConnection(env, config.id, node);
  const at = hostPort(nodeUrl(env, node));
  connection = conn;
  conn.on('error', () => {
    // 'close' follows and carries the reason.
  });
  conn.on('close', (error?: Error) => {
    if (connection === conn) connectionLost(env, config, error);
  });
  const serverVersion = String(conn.connection.serverProperties.version ?? '');
  // After a broker restart non-durable exchanges and queues are gone: declare them again (a
  // declare with the same settings is a no-op when they are still there).
  if (again && env.topology) await declareTopology(conn, env.topology);
  // Producers publish on a confirm channel: the broker says which messages it took. So does a
  // consumer with retries, which acknowledges a parked message once its copy is confirmed.
  const ch =
    config.kind === 'producer' || (config.kind === 'consumer' && config.retry)
      ? await conn.createConfirmChannel()
      : await conn.createChannel();
  channel = ch;
  ch.on('error', (error: Error) => {
    // A channel error (404 no such exchange, 406 unknown delivery tag, 403) closes only this
    // channel; the actor cannot go on without one, the rest of the lab can.
    if (stopping || connection !== conn) return;
    send({ type: 'error', message: describeAmqpError(error), fatal: true });
    void stop(1);
  });
  // A throw inside a message handler must not tear the connection down: report it instead.
  ch.on('handler-error', (error: unknown) => {
    send({ type: 'error', message: `handler threw: ${describeAmqpError(error)}`, fatal: false });
  });
  if (config.kind === 'producer') {
    producer ??= new Producer(config, env, reporter);
    const p = producer;
    await p.attach(ch, new WriteBatcher(socketOf(conn)));
    attempt = 0;
    if (config.http && !endpoint) {
      const { url, server } = await startEndpoint(config.http.port, env.httpToken ?? '', {
        exchange: () => p.settings.exchange,
        accepting: () => !p.settings.paused && !stopping,
        publish: (key, body) => p.publishConfirmed(key, body, 5000),
      });
      endpoint = { url, close: () => server.close() };
    }
    send({
      type: 'ready',
      serverVersion,
      node: at,
      ...(endpoint ? { endpoint: endpoint.url } : {}),
    });
  } else {
    const queue = await consumerQueue(ch, config);
    consumer ??= new Consumer(config, env, reporter);
    await consumer.attach(ch, queue, new WriteBatcher(socketOf(conn)));
    attempt = 0;
    send({ type: 'ready', queue, boundAt: Date.now(), serverVersion, node: at });
  }
}

let started = false;

/** A cluster's nodes are tried in turn before the first connection counts as failed. */
async function connectFirst(env: ActorEnvironment, config: ActorConfig): Promise<void> {
  const tries = Math.max(1, env.urls?.length ?? 1);
  for (let i = 1; ; i++) {
    try {
      await connect(env, config, false);
      return;
    } catch (error) {
      void connection?.close().catch(() => {});
      connection = undefined;
      if (i >= tries || stopping) throw error;
      node++;
    }
  }
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'start') {
    const { env, config } = message;
    reporter.start();
    node = firstNode(config.id, config.kind);
    connectFirst(env, config)
      .then(() => {
        started = true;
        producer?.start();
      })
      .catch((error: unknown) => {
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
    if (started && producer?.publishOne(message.routingKey, message.body) === false) {
      send({ type: 'error', message: 'not sent: reconnecting to the broker', fatal: false });
    }
  } else if (message.type === 'stop') {
    void stop(0);
  }
});

process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => {
  // The terminal's Ctrl-C reaches the whole process group; the parent decides what to do.
});
