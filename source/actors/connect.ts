/** Opens an actor's AMQP connection, named so the management UI and the lab can find it. */
import amqp, { type ChannelModel } from 'amqplib';
import { runProperty } from '../broker/foreign-deliveries.js';
import { tlsSocketOptions } from '../broker/tls.js';
import type { ActorEnvironment } from './protocol.js';

export function connectionName(env: ActorEnvironment, actor: string): string {
  return `rabbit-lab ${env.scenario} ${actor}`;
}

/** The URL of a cluster's node `index` (mod the number of nodes), or the only one. */
export function nodeUrl(env: ActorEnvironment, index: number): string {
  const urls = env.urls ?? [];
  return urls.length === 0 ? env.url : (urls[index % urls.length] ?? env.url);
}

/** host:port of a URL, to say which node an actor is on. */
export function hostPort(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/**
 * Where an actor starts in a cluster, spreading actors over the nodes: consumer n on node n,
 * producer n on node n + 1 (counting from 1, wrapping round).
 */
export function firstNode(actorId: string, kind: 'producer' | 'consumer'): number {
  const n = Number(/\d+/.exec(actorId)?.[0] ?? 1);
  return Math.max(0, kind === 'consumer' ? n - 1 : n);
}

export function openConnection(
  env: ActorEnvironment,
  actor: string,
  node = 0,
): Promise<ChannelModel> {
  return amqp.connect(nodeUrl(env, node), {
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
