import type { Channel, ChannelModel } from 'amqplib';
import type { BindingSpec, ExchangeSpec, QueueSpec } from '../scenario/schema.js';

export interface TopologySpec {
  readonly exchanges: readonly ExchangeSpec[];
  readonly queues: readonly QueueSpec[];
  readonly bindings: readonly BindingSpec[];
}

/** What this run created (and so may delete), and what it found and used as it was. */
export interface DeclaredTopology {
  readonly createdQueues: string[];
  readonly createdExchanges: string[];
  readonly notices: string[];
}

function isChannelError(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

async function freshChannel(connection: ChannelModel): Promise<Channel> {
  const channel = await connection.createChannel();
  // A server-side channel close (404, 406) rejects the pending call; the event needs a listener
  // too, or the emitter would throw.
  channel.on('error', () => {});
  return channel;
}

/** Passive declare on a throwaway channel: true when it exists (a 404 closes that channel). */
async function exists(
  connection: ChannelModel,
  check: (channel: Channel) => Promise<unknown>,
): Promise<boolean> {
  const channel = await freshChannel(connection);
  try {
    await check(channel);
    await channel.close();
    return true;
  } catch (error) {
    if (isChannelError(error, 404)) return false;
    throw error;
  }
}

const queueExists = (connection: ChannelModel, name: string) =>
  exists(connection, (channel) => channel.checkQueue(name));

const exchangeExists = (connection: ChannelModel, name: string) =>
  exists(connection, (channel) => channel.checkExchange(name));

function describeQueue(q: QueueSpec): string {
  const type = q.arguments['x-queue-type'] ?? 'classic';
  return `${q.durable ? 'durable' : 'non-durable'} ${type}`;
}

/** Declare with our arguments; a 406 means it exists with others: use it as it is, and say so. */
async function declareQueue(
  connection: ChannelModel,
  q: QueueSpec,
  result: DeclaredTopology,
): Promise<void> {
  const existed = await queueExists(connection, q.name);
  const channel = await freshChannel(connection);
  try {
    await channel.assertQueue(q.name, {
      durable: q.durable,
      exclusive: q.exclusive,
      autoDelete: q.autoDelete,
      arguments: q.arguments,
    });
    await channel.close();
    if (!existed) result.createdQueues.push(q.name);
  } catch (error) {
    if (!isChannelError(error, 406)) throw error;
    const reason = error instanceof Error ? /with message "([^"]*)"/.exec(error.message)?.[1] : '';
    result.notices.push(
      `Queue '${q.name}' already exists with other settings than this scenario's (${describeQueue(q)}); using it as it is${reason ? ` (${reason})` : ''}.`,
    );
    // The 406 closed that channel; a passive declare on a new one confirms the queue is usable.
    const check = await freshChannel(connection);
    await check.checkQueue(q.name);
    await check.close();
  }
}

async function declareExchange(
  connection: ChannelModel,
  x: ExchangeSpec,
  result: DeclaredTopology,
): Promise<void> {
  const existed = await exchangeExists(connection, x.name);
  const channel = await freshChannel(connection);
  try {
    await channel.assertExchange(x.name, x.type, { durable: x.durable, autoDelete: x.autoDelete });
    await channel.close();
    if (!existed) result.createdExchanges.push(x.name);
  } catch (error) {
    if (!isChannelError(error, 406)) throw error;
    result.notices.push(
      `Exchange '${x.name}' already exists with other settings than this scenario's (${x.type}, ${x.durable ? 'durable' : 'non-durable'}); using it as it is.`,
    );
  }
}

export async function declareTopology(
  connection: ChannelModel,
  spec: TopologySpec,
): Promise<DeclaredTopology> {
  const result: DeclaredTopology = { createdQueues: [], createdExchanges: [], notices: [] };
  for (const x of spec.exchanges) await declareExchange(connection, x, result);
  for (const q of spec.queues) await declareQueue(connection, q, result);
  if (spec.bindings.length > 0) {
    const channel = await freshChannel(connection);
    for (const b of spec.bindings) {
      for (const key of b.keys) await channel.bindQueue(b.queue, b.exchange, key);
    }
    await channel.close();
  }
  return result;
}

/** Delete exactly what this run created; everything else stays as it was. */
export async function teardownTopology(
  connection: ChannelModel,
  declared: DeclaredTopology,
): Promise<void> {
  const channel = await freshChannel(connection);
  for (const q of declared.createdQueues) await channel.deleteQueue(q);
  for (const x of declared.createdExchanges) await channel.deleteExchange(x);
  await channel.close();
}
