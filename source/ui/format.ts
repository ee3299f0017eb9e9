import type { MessageRecord } from '../actors/protocol.js';
import { arrow } from './theme.js';

/** `logs` for an empty routing key (a fanout's), else `direct_logs[error]`. */
export function withKey(exchange: string, ...keys: readonly string[]): string {
  return keys.every((k) => k === '') ? exchange : `${exchange}[${keys.join(',')}]`;
}

/** `P1 ─▶ hello ─▶ C1`, or `P1 ─▶ logs[info] ─▶ amq.gen-… ─▶ C2` through a named exchange. */
export function messagePath(record: MessageRecord): string[] {
  const from = record.producer ?? 'external';
  const queue = record.queue.startsWith('amq.gen-')
    ? `${record.queue.slice(0, 12)}…`
    : record.queue;
  // A reply travels back: server ─▶ reply queue ─▶ client.
  if (record.outcome === 'reply') {
    const via = record.routingKey.startsWith('amq.rabbitmq.reply-to')
      ? 'amq.rabbitmq.reply-to'
      : record.routingKey.startsWith('amq.gen-')
        ? `${record.routingKey.slice(0, 12)}…`
        : record.routingKey;
    return [record.consumer, via, from];
  }
  if (record.outcome === 'retry') return [from, record.queue, '(no reply)'];
  if (record.outcome === 'refused') {
    return [from, withKey(record.exchange || '(default)', record.routingKey), '(refused)'];
  }
  if (record.outcome === 'unroutable') {
    return [from, `${record.exchange || '(default)'}[${record.routingKey}]`, '(no queue)'];
  }
  // Back from a retry queue: the producer's message waited there, then was dead-lettered.
  const start = record.via ? [from, `${record.via} ⏱`] : [from];
  const hops =
    record.exchange === ''
      ? [...start, queue, record.consumer]
      : [...start, withKey(record.exchange, record.routingKey), queue, record.consumer];
  return hops;
}

export function joinPath(hops: readonly string[]): string {
  return hops.join(` ${arrow} `);
}

export function outcomeLabel(record: MessageRecord): string {
  const base = {
    ack: '✓ ack',
    'auto-ack': '✓ auto-ack',
    unacked: '… not acked',
    nack: '✗ rejected',
    'nack-requeue': '↺ rejected, requeued',
    unroutable: '✗ unroutable, returned',
    refused: '✗ nacked by the broker',
    reply: '↩ reply',
    retry: '⟲ timed out, sent again',
    'dead-lettered': '✗ rejected, dead-lettered',
    parked: '⊘ parked',
  }[record.outcome];
  const tags = [
    // The attempt matters once there was a failure: on a retry, or when it failed now.
    record.attempt &&
    (record.attempt[0] > 1 || record.outcome === 'dead-lettered' || record.outcome === 'parked')
      ? `attempt ${record.attempt[0]}/${record.attempt[1]}`
      : '',
    record.producer === undefined ? 'external' : '',
    record.redelivered ? '⟳ redelivered' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return tags ? `${base} ${tags}` : base;
}

export function formatAge(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s ago`;
  return `${Math.round(ms / 1000)} s ago`;
}

export function formatRate(rate: number): string {
  if (rate >= 1000) return `${(rate / 1000).toFixed(1)}k/s`;
  if (rate >= 10) return `${Math.round(rate)}/s`;
  return `${rate.toFixed(1)}/s`;
}

export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  return `${text.slice(0, Math.max(0, width - 1))}…`;
}
