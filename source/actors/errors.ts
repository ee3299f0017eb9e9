import { describeTlsError } from '../broker/tls.js';
import { redact } from '../broker/url.js';

interface AmqpishError {
  code?: unknown;
  message?: unknown;
}

/**
 * One sentence for an amqplib or socket error, without passwords. `overTls`: the URL was amqps://,
 * where a reset before the connection is open is nearly always the TLS handshake failing.
 */
export function describeAmqpError(error: unknown, overTls = false): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as AmqpishError;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = e.code;
  const tls = describeTlsError(error);
  if (tls !== undefined) return tls;
  if (overTls && code === 'ECONNRESET') {
    return 'The broker closed the connection while it was being set up, which over amqps:// usually means the TLS handshake failed; check that this is its TLS port (usually 5671) and whether it wants a client certificate (--cert and --key).';
  }
  if (code === 'ECONNREFUSED') return 'Connection refused by the broker (is RabbitMQ running?).';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return 'The broker host name could not be resolved.';
  if (code === 'ETIMEDOUT') return 'Timed out connecting to the broker.';
  if (code === 'ECONNRESET') return 'The broker reset the connection.';
  if (/ACCESS_REFUSED|403/.test(message) && /PLAIN|login|password/i.test(message)) {
    return 'The broker refused the user name or password (ACCESS_REFUSED).';
  }
  // amqplib drops the reason when the broker refuses connection.open; the only refusal there is
  // the virtual host's (missing, or no permissions for this user).
  if (/Expected ConnectionOpenOk; got <ConnectionClose/.test(message)) {
    return 'The broker refused to open the virtual host (NOT_ALLOWED): it does not exist, or this user has no permissions on it; check the vhost at the end of --url, or grant them with rabbitmqctl set_permissions.';
  }
  if (/NOT_ALLOWED/.test(message) && /vhost/i.test(message)) {
    const who = /vhost '([^']*)' refused for user '([^']*)'/.exec(message);
    if (who) {
      const [, vhost, user] = who;
      return `The broker does not let user '${user}' into virtual host '${vhost}' (NOT_ALLOWED); grant it with rabbitmqctl set_permissions -p '${vhost}' '${user}' '.*' '.*' '.*', or name another vhost in --url.`;
    }
    return 'The broker does not allow access to this virtual host (NOT_ALLOWED); check the vhost in --url and the user’s permissions on it.';
  }
  // An exchange type from a plugin the broker has not enabled (the consistent-hash exchange).
  const plugin = /unknown exchange type '([^']+)'/.exec(message);
  if (plugin) {
    const enable =
      plugin[1] === 'x-consistent-hash'
        ? ': enable its plugin with rabbitmq-plugins enable rabbitmq_consistent_hash_exchange, or run with --broker embedded (the private node has it)'
        : ': enable the plugin that provides it';
    return `The broker has no '${plugin[1]}' exchange type${enable}.`;
  }
  // amqplib formats server closes as 'Channel closed by server: 404 (NOT-FOUND) with message "…"'.
  const server = /(\d{3}) \(([A-Z-]+)\) with message "([^"]*)"/.exec(message);
  if (server) {
    // The broker's text reads 'NOT_FOUND - no queue 'x' in vhost '/''; keep the human part.
    const text = server[3]?.replace(/^[A-Z_]+ - /, '') ?? '';
    return `${text} (${server[1]} ${server[2]?.replaceAll('-', '_')})`;
  }
  return redact(message.split('\n')[0] ?? message);
}
