/** Opens an actor's AMQP connection, named so the management UI and the lab can find it. */
import amqp, { type ChannelModel } from 'amqplib';
import type { ActorEnvironment } from './protocol.js';

export function connectionName(env: ActorEnvironment, actor: string): string {
  return `rabbit-lab ${env.scenario} ${actor}`;
}

export function openConnection(env: ActorEnvironment, actor: string): Promise<ChannelModel> {
  return amqp.connect(env.url, {
    clientProperties: { connection_name: connectionName(env, actor) },
  });
}
