/** An actor as a Python program with pika's BlockingConnection (pika 1.x). */
import type { ProducerConfig } from '../actors/protocol.js';
import { pyLimits } from './limits-code.js';
import { type BodyPart, type Emitter, intervalMs, needsOf, type ProgramInput } from './model.js';
import * as prose from './prose.js';
import {
  bodyLines,
  call,
  closing,
  comment,
  connectLines,
  headerLines,
  keyLines,
  mandatoryPublish,
  preamble,
  pyString,
  seqLoop,
  waitLine,
} from './python-common.js';
import { consumer } from './python-consumer.js';
import { httpBridge } from './python-http.js';

function producer(input: ProgramInput, p: ProducerConfig, parts: readonly BodyPart[]): string[] {
  const confirm = p.confirm ?? 'async';
  const { top, key } = keyLines(p);
  const headerSets = headerLines(p);
  const confirmNote =
    confirm === 'each'
      ? "as the lab's confirm: each does."
      : `where the lab's ${p.id} (confirm: ${confirm}) ${confirm === 'batch' ? `waits after every ${p.confirmBatch ?? 100} messages` : 'reads them as they come'}; that takes an asynchronous connection such as pika's SelectConnection.`;
  const properties: [string, string][] = [['content_type', "'text/plain'"]];
  if (p.persistent) properties.push(['delivery_mode', 'pika.spec.PERSISTENT_DELIVERY_MODE']);
  const limits = pyLimits(p, pyString);
  properties.push(...limits.fixed.map(([k, v]): [string, string] => [k, v]));
  const i8 = '        ';
  return [
    ...preamble(
      input,
      ['import os', 'import sys'],
      ['from pika.exceptions import NackError, UnroutableError'],
    ),
    ...top,
    ...limits.top,
    ...headerSets.top,
    ...connectLines(
      needsOf(p, input.topology),
      comment(
        '',
        `${prose.confirmsText('Publisher confirms')} pika's BlockingConnection waits for the answer to each message, ${confirmNote}`,
      ),
    ),
    ...comment('', ...limits.notes),
    ...call('', 'pika.BasicProperties', properties, 'properties = '),
    '',
    ...seqLoop,
    `        ${key}`,
    ...(limits.perMessage ? [`${i8}${limits.perMessage}`] : []),
    ...headerSets.pick.map((line) => `${i8}${line}`),
    ...bodyLines(parts, i8),
    `${i8}try:`,
    ...mandatoryPublish(pyString(p.exchange), prose.mandatoryText('(UnroutableError)')),
    `${i8}    print(f'sent {body}', flush=True)`,
    `${i8}except UnroutableError:`,
    `${i8}    print(f'returned: no queue for key {key}', flush=True)`,
    `${i8}except NackError:`,
    `${i8}    print(f'nacked {body}', flush=True)`,
    ...waitLine(p.rate, i8, 'connection.sleep'),
    ...closing,
  ];
}

function rpcClient(input: ProgramInput, p: ProducerConfig, parts: readonly BodyPart[]): string[] {
  const rpc = p.rpc;
  if (!rpc) return [];
  const { top, key } = keyLines(p);
  const i8 = '        ';
  const ms = intervalMs(p.rate);
  return [
    ...preamble(input, ['import os', 'import sys', 'import time', 'import uuid']),
    `numbers = [${rpc.numbers.join(', ')}]`,
    ...top,
    ...connectLines(needsOf(p, input.topology)),
    ...comment('', prose.replyQueueText(rpc)),
    rpc.replyTo === 'direct'
      ? "reply_to = 'amq.rabbitmq.reply-to'"
      : "reply_to = channel.queue_declare(queue='', exclusive=True).method.queue",
    '# Requests waiting for their reply: correlation id -> (n, when it was sent).',
    'pending = {}',
    '',
    '',
    'def on_reply(ch, method, properties, body):',
    '    request = pending.pop(properties.correlation_id, None)',
    '    if request is None:',
    '        return  # not a request of ours, or a late duplicate',
    '    n, sent_at = request',
    '    ms = (time.monotonic() - sent_at) * 1000',
    "    print(f'reply fib({n}) = {body.decode()} in {ms:.0f} ms', flush=True)",
    '',
    '',
    ...call('', 'channel.basic_consume', [
      ['queue', 'reply_to'],
      ['on_message_callback', 'on_reply'],
      ['auto_ack', 'True'],
    ]),
    '',
    ...seqLoop,
    '        n = numbers[(seq - 1) % len(numbers)]',
    `        ${key}`,
    ...bodyLines(parts, i8),
    '        correlation_id = str(uuid.uuid4())',
    '        pending[correlation_id] = (n, time.monotonic())',
    ...call(
      i8,
      'pika.BasicProperties',
      [
        ['reply_to', 'reply_to'],
        ['correlation_id', 'correlation_id'],
      ],
      'properties = ',
    ),
    ...call(i8, 'channel.basic_publish', [
      ['exchange', pyString(p.exchange)],
      ['routing_key', 'key'],
      ['body', 'body'],
      ['properties', 'properties'],
    ]),
    `${i8}print(f'request fib({n})', flush=True)`,
    ...comment(
      i8,
      `Wait before the next request (${prose.rateText(p.rate, 'request')}), taking replies meanwhile.`,
    ),
    `${i8}connection.process_data_events(time_limit=${ms / 1000})`,
    ...comment('    ', prose.lastRepliesText(rpc)),
    `    deadline = time.monotonic() + ${rpc.timeoutMs / 1000}`,
    '    while pending and time.monotonic() < deadline:',
    '        connection.process_data_events(time_limit=0.05)',
    ...closing,
  ];
}

export const python: Emitter = { producer, httpBridge, rpcClient, consumer };
