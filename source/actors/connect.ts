/** Opens an actor's AMQP connection, named so the management UI and the lab can find it. */
import amqp, { type ChannelModel } from 'amqplib';
import { runProperty } from '../broker/foreign-deliveries.js';
import { tlsSocketOptions } from '../broker/tls.js';
import type { ActorEnvironment } from './protocol.js';

export function connectionName(env: ActorEnvironment, actor: string): string {
  return `rabbit-lab ${env.scenario} ${actor}`;
}

/** Seconds between heartbeats on a cluster's connections: a hung node is noticed in two. */
export const CLUSTER_HEARTBEAT_S = 5;

/**
 * The URL of a cluster's node `index` (mod the number of nodes), or the only one. A cluster's
 * clients ask for heartbeats every 5 s (unless the URL says otherwise), so a node that hangs
 * rather than dies is left within about 10 s instead of the broker's default 60 s.
 */
export function nodeUrl(env: ActorEnvironment, index: number): string {
  const urls = env.urls ?? [];
  if (urls.length < 2) return env.url;
  return withHeartbeat(urls[index % urls.length] ?? env.url);
}

export function withHeartbeat(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.searchParams.has('heartbeat')) {
      url.searchParams.set('heartbeat', String(CLUSTER_HEARTBEAT_S));
    }
    return url.href;
  } catch {
    return raw;
  }
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
