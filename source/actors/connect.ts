/** Opens an actor's AMQP connection, named so the management UI and the lab can find it. */
import amqp, { type ChannelModel } from 'amqplib';
import { runProperty } from '../broker/foreign-deliveries.js';
import { tlsSocketOptions } from '../broker/tls.js';
import type { ActorEnvironment } from './protocol.js';

export function connectionName(env: ActorEnvironment, actor: string): string {
  return `rabbit-lab ${env.scenario} ${actor}`;
}

export function openConnection(env: ActorEnvironment, actor: string): Promise<ChannelModel> {
  return amqp.connect(env.url, {
    // amqplib sets servername (SNI and the host name check) from the URL itself.
    ...tlsSocketOptions(env.tls),
    clientProperties: { connection_name: connectionName(env, actor), [runProperty]: env.runId },
  });
}

/** Backoff before reconnect attempt n (1-based): 250 ms doubling to 5 s, with ±50 % jitter. */
export function backoffMs(attempt: number): number {
  const base = Math.min(5000, 250 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + Math.random()));
}
