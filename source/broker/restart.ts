/**
 * Restarting the private node in place, for teaching what a broker restart does to clients:
 * `rabbitmqctl stop_app` closes every connection (CONNECTION_FORCED) and stops the management
 * API; `start_app` brings both back with the durable queues and their persistent messages.
 * The Erlang VM keeps running, so ports and the data directory stay the same.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { EmbeddedBroker } from './embedded/index.js';
import { findRabbitmqServer } from './embedded/index.js';

function ctl(broker: EmbeddedBroker, binDir: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(binDir, 'rabbitmqctl'),
      ['-n', broker.nodeName, command],
      {
        // The node's own env file and HOME (its Erlang cookie) reach it; nothing of the user's.
        env: {
          ...process.env,
          HOME: broker.baseDir,
          RABBITMQ_CONF_ENV_FILE: path.join(broker.baseDir, 'rabbitmq-env.conf'),
        },
        timeout: 60_000,
      },
      (error, _stdout, stderr) => {
        if (error)
          reject(new Error(`rabbitmqctl ${command} failed: ${stderr.trim() || error.message}`));
        else resolve();
      },
    );
  });
}

/** Stop and start the RabbitMQ application on the private node; resolves once it is back. */
export async function restartPrivateNode(broker: EmbeddedBroker): Promise<void> {
  const binDir = findRabbitmqServer();
  if (binDir === undefined) throw new Error('rabbitmqctl was not found');
  await ctl(broker, binDir, 'stop_app');
  await ctl(broker, binDir, 'start_app');
}
