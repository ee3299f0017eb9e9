/**
 * The private RabbitMQ node: the one place the bench imports the embedded-broker module, and the
 * options that point the CLI at a node.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type EmbeddedBroker,
  findRabbitmqServer,
  reapStaleNodes,
  startEmbeddedBroker,
} from '../../source/broker/embedded/index.js';

export { type EmbeddedBroker, findRabbitmqServer, reapStaleNodes, startEmbeddedBroker };

/** The CLI's options for this node: external broker, no rate bound, the default actor bound. */
export function brokerArgs(node: EmbeddedBroker): string[] {
  return [
    '--url',
    node.amqpUrl,
    '--management-url',
    node.managementUrl,
    '--broker',
    'external',
    '--max-rate',
    '1000000',
    '--no-tour',
  ];
}

/** The pid of the node's Erlang VM, from its pid file. */
export function brokerBeamPid(node: EmbeddedBroker): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(node.baseDir, 'rabbitmq.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
