import type { Channel, ChannelModel } from 'amqplib';
import type { BindingSpec, ExchangeSpec, QueueSpec } from '../scenario/schema.js';
import type { ManagementClient } from './management-client.js';

export interface TopologySpec {
  readonly exchanges: readonly ExchangeSpec[];
  readonly queues: readonly QueueSpec[];
  readonly bindings: readonly BindingSpec[];
}

/** One binding: `queue` gets what `exchange` routes with `key` (or, headers, `arguments`). */
export interface AddedBinding {
  readonly exchange: string;
  readonly queue: string;
  readonly key: string;
  /** A headers exchange's binding: `x-match` and the headers to match. */
  readonly arguments?: Readonly<Record<string, string | number | boolean>>;
}

/** The arguments a binding is made with: `x-match` and its headers, for a headers exchange. */
export function bindingArguments(
  b: Pick<BindingSpec, 'match' | 'headers'>,
): Record<string, string | number | boolean> | undefined {
  return b.headers === undefined ? undefined : { 'x-match': b.match ?? 'all', ...b.headers };
}

function sameArguments(
  found: Readonly<Record<string, unknown>>,
  wanted: Readonly<Record<string, unknown>>,
): boolean {
  const keys = Object.keys(wanted);
  return Object.keys(found).length === keys.length && keys.every((k) => found[k] === wanted[k]);
}

/** What this run created (and so may delete), and what it found and used as it was. */
export interface DeclaredTopology {
  readonly createdQueues: string[];
  readonly createdExchanges: string[];
  /**
   * Bindings this run added that were not there before, between a queue and an exchange it did
   * not create (deleting a queue or exchange it created takes that one's bindings with it).
   */
  readonly addedBindings: AddedBinding[];
  readonly notices: string[];
}

/** Was this binding there before? true also when that cannot be told: then it is left alone. */
export type BindingProbe = (binding: AddedBinding) => Promise<boolean>;

/**
 * Ask the management API (AMQP cannot tell whether a binding exists). A binding with the same key
 * and the same arguments is the same one. After one failed call it stops
 * asking: a management API that does not answer fails the run soon anyway, without a wait each.
 */
export function bindingProbe(
  management: Pick<ManagementClient, 'bindings'>,
  vhost: string,
): BindingProbe {
  let failed = false;
  return async ({ exchange, queue, key, arguments: args = {} }) => {
    if (failed || exchange === '') return true;
    try {
      const found = await management.bindings(vhost, exchange, queue);
      return found.some((b) => b.routingKey === key && sameArguments(b.arguments, args));
    } catch {
      failed = true;
      return true;
    }
  };
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

export const queueExists = (connection: ChannelModel, name: string) =>
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
    await channel.assertExchange(x.name, x.type, {
      durable: x.durable,
      autoDelete: x.autoDelete,
      arguments: x.arguments,
    });
    await channel.close();
    if (!existed) result.createdExchanges.push(x.name);
  } catch (error) {
    if (!isChannelError(error, 406)) throw error;
    result.notices.push(
      `Exchange '${x.name}' already exists with other settings than this scenario's (${x.type}, ${x.durable ? 'durable' : 'non-durable'}); using it as it is.`,
    );
  }
}

/**
 * Bind, and record the binding when it is this run's to remove: neither end created by this run
 * and, by `probe` (asked before binding), not there before. Without a probe nothing is recorded.
 */
export async function bindOwned(
  channel: Channel,
  binding: AddedBinding,
  declared: DeclaredTopology | undefined,
  probe: BindingProbe | undefined,
): Promise<void> {
  const { exchange, queue, key, arguments: args } = binding;
  const removedWithAnEnd =
    declared === undefined ||
    declared.createdQueues.includes(queue) ||
    declared.createdExchanges.includes(exchange);
  const existed = removedWithAnEnd || probe === undefined || (await probe(binding));
  await channel.bindQueue(queue, exchange, key, args);
  if (!existed) declared?.addedBindings.push(binding);
}

/**
 * Declare the scenario's topology. `probe` tells which bindings were there before; without it
 * (a re-declare after a reconnect) no binding is recorded as this run's.
 */
export async function declareTopology(
  connection: ChannelModel,
  spec: TopologySpec,
  probe?: BindingProbe,
): Promise<DeclaredTopology> {
  const result: DeclaredTopology = {
    createdQueues: [],
    createdExchanges: [],
    addedBindings: [],
    notices: [],
  };
  for (const x of spec.exchanges) await declareExchange(connection, x, result);
  for (const q of spec.queues) await declareQueue(connection, q, result);
  if (spec.bindings.length > 0) {
    const channel = await freshChannel(connection);
    for (const b of spec.bindings) {
      const args = bindingArguments(b);
      for (const key of b.keys) {
        const binding = { exchange: b.exchange, queue: b.queue, key };
        await bindOwned(channel, args ? { ...binding, arguments: args } : binding, result, probe);
      }
    }
    await channel.close();
  }
  return result;
}

/** A queue added while the lab runs (a scenario's service queue), bound with `keys`. */
export interface ServiceQueue {
  readonly queue: string;
  readonly durable: boolean;
  readonly exchange: string;
  readonly keys: readonly string[];
}

/**
 * Declare and bind a service queue. Only a queue this run made is deleted at the end: one that
 * was there keeps its messages, and only the bindings this run added are removed.
 */
export async function addServiceQueue(
  connection: ChannelModel,
  service: ServiceQueue,
  declared: DeclaredTopology | undefined,
  probe: BindingProbe | undefined,
): Promise<void> {
  const { queue, exchange } = service;
  const existed = await queueExists(connection, queue);
  const channel = await freshChannel(connection);
  await channel.assertQueue(queue, { durable: service.durable });
  if (!existed && declared && !declared.createdQueues.includes(queue)) {
    declared.createdQueues.push(queue);
  }
  for (const key of service.keys)
    await bindOwned(channel, { exchange, queue, key }, declared, probe);
  await channel.close();
}

/** A re-declare (after a reconnect) found more to call this run's: add it to what is known. */
export function mergeCreated(into: DeclaredTopology, again: DeclaredTopology): void {
  for (const q of again.createdQueues)
    if (!into.createdQueues.includes(q)) into.createdQueues.push(q);
  for (const x of again.createdExchanges)
    if (!into.createdExchanges.includes(x)) into.createdExchanges.push(x);
}

/** Delete exactly what this run created, and unbind what it bound; the rest stays as it was. */
export async function teardownTopology(
  connection: ChannelModel,
  declared: DeclaredTopology,
): Promise<void> {
  let channel = await freshChannel(connection);
  for (const { exchange, queue, key, arguments: args } of declared.addedBindings) {
    try {
      await channel.unbindQueue(queue, exchange, key, args);
    } catch (error) {
      // Someone else deleted the queue or the exchange meanwhile: the binding went with it.
      if (!isChannelError(error, 404)) throw error;
      channel = await freshChannel(connection);
    }
  }
  for (const q of declared.createdQueues) await channel.deleteQueue(q);
  for (const x of declared.createdExchanges) await channel.deleteExchange(x);
  await channel.close();
}
