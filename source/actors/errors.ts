import { redact } from '../broker/url.js';

interface AmqpishError {
  code?: unknown;
  message?: unknown;
}

/** One sentence for an amqplib or socket error, without passwords. */
export function describeAmqpError(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as AmqpishError;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = e.code;
  if (code === 'ECONNREFUSED') return 'Connection refused by the broker (is RabbitMQ running?).';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return 'The broker host name could not be resolved.';
  if (code === 'ETIMEDOUT') return 'Timed out connecting to the broker.';
  if (code === 'ECONNRESET') return 'The broker reset the connection.';
  if (/ACCESS_REFUSED|403/.test(message) && /PLAIN|login|password/i.test(message)) {
    return 'The broker refused the user name or password (ACCESS_REFUSED).';
  }
  if (/NOT_ALLOWED/.test(message) && /vhost/i.test(message)) {
    return 'The broker does not allow access to this virtual host (NOT_ALLOWED).';
  }
  // amqplib formats server closes as 'Channel closed by server: 404 (NOT-FOUND) with message "…"'.
  const server = /(\d{3}) \(([A-Z-]+)\) with message "([^"]*)"/.exec(message);
  if (server) return `${server[2]}: ${server[3]}`;
  return redact(message.split('\n')[0] ?? message);
}
