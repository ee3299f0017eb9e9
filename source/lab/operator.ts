/**
 * What an operator does to the broker from the keyboard, as the management UI or rabbitmqctl
 * would: restart the node, close a client's connection. Each says how it went in sentences.
 */
import { describeAmqpError } from '../actors/errors.js';
import type { ManagementClient } from '../broker/management-client.js';

type Notice = (text: string) => void;

/** Restart in place (rabbitmqctl stop_app, start_app): every connection drops, clients reconnect. */
export async function restartWithNotices(
  restart: () => Promise<void>,
  notice: Notice,
): Promise<void> {
  const started = Date.now();
  notice('Restarting the broker (rabbitmqctl stop_app, start_app)…');
  try {
    await restart();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    notice(`Broker restarted in ${seconds} s; clients reconnect.`);
  } catch (error) {
    notice(`Broker restart failed: ${describeAmqpError(error)}`);
  }
}

/**
 * Close a client's connections from the server side (DELETE /api/connections/{name}); the client
 * reconnects. The broker's list of connections lags by a statistics interval, so a just-started
 * client may take a moment to appear: look for up to 6 s, unless `stopped()` says to give up.
 */
export async function closeClientConnection(
  management: ManagementClient,
  id: string,
  clientName: string,
  stopped: () => boolean,
): Promise<string> {
  const deadline = Date.now() + 6000;
  while (Date.now() < deadline && !stopped()) {
    try {
      const found = (await management.connectionNames()).filter((c) => c.clientName === clientName);
      if (found.length > 0) {
        for (const c of found) await management.closeConnection(c.name);
        return `Closed ${id}'s connection from the broker side (DELETE /api/connections); it reconnects.`;
      }
    } catch {
      // The management API is down or slow: try again until the deadline.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return `Could not find ${id}'s connection in the management API; try again in a moment.`;
}
