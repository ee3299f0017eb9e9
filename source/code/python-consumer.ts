/** A consumer as a Python program with pika. */
import { type ConsumerConfig, isStreamTime, type RetryConfig } from '../actors/protocol.js';
import { failing, needsOf, type ProgramInput, retrying } from './model.js';
import * as prose from './prose.js';
import { bool, call, closing, comment, connectLines, preamble, pyString } from './python-common.js';

/** Acknowledging one handled message, on its own or in a batch (`ackEvery`). */
function ackLines(c: ConsumerConfig, i: string): string[] {
  const every = c.ackEvery ?? 1;
  return every > 1
    ? [
        `${i}last_tag = method.delivery_tag`,
        `${i}unacked += 1`,
        `${i}if unacked >= ${every}:`,
        `${i}    flush_acks()`,
        `${i}elif not flush_scheduled:`,
        ...comment(`${i}    `, prose.flushLaterText),
        `${i}    flush_scheduled = True`,
        `${i}    connection.call_later(0.02, flush_acks)`,
      ]
    : [
        `${i}ch.basic_ack(delivery_tag=method.delivery_tag)`,
        ...(c.track === undefined
          ? []
          : [
              `${i}# Processed: store its offset, so a restart resumes right after it.`,
              `${i}with open(offset_file, 'w') as f:`,
              `${i}    f.write(str(properties.headers['x-stream-offset']))`,
            ]),
      ];
}

/** Offset tracking over AMQP 0.9.1: the program keeps the last processed offset in a file. */
function trackLines(c: ConsumerConfig): string[] {
  if (c.track === undefined || c.offset === undefined) return [];
  return [
    ...comment(
      '',
      `Offset tracking: the offset of the last message processed is kept in ${c.track}.offset; started again, this program resumes right after it (the stream protocol could keep it on the broker instead).`,
    ),
    `offset_file = '${c.track}.offset'`,
    'try:',
    '    with open(offset_file) as f:',
    '        start = int(f.read()) + 1',
    'except (FileNotFoundError, ValueError):',
    `    start = ${streamOffsetPy(c.offset)}`,
  ];
}

function settleLines(c: ConsumerConfig, i: string): string[] {
  if (c.ack === 'auto') return [];
  if (c.ack === 'never') return comment(i, prose.forgottenAckText);
  const ack = ackLines(c, i);
  if (c.nackEvery === 0) return ack;
  return [
    `${i}if handled % ${c.nackEvery} == 0:`,
    ...comment(`${i}    `, prose.rejectText(c.requeue)),
    `${i}    ch.basic_nack(delivery_tag=method.delivery_tag, requeue=${bool(c.requeue)})`,
    `${i}else:`,
    ...ack.map((line) => `    ${line}`),
  ];
}

/** Top-level helpers of a retry consumer: the attempt from x-death, and the stand-in handler. */
function retryHelpers(c: ConsumerConfig & { retry: RetryConfig }): string[] {
  const { retry } = c;
  const handlerBody = failing(retry)
    ? [
        "    match = re.search(r'-(\\d+)(@\\d+)?$', properties.message_id or '')",
        '    seq = int(match.group(1)) if match else 0',
        ...(retry.poisonEvery > 0
          ? [
              `    if seq > 0 and seq % ${retry.poisonEvery} == 0:`,
              "        raise RuntimeError('a poison message: fails on every attempt')",
            ]
          : []),
        ...(retry.transientEvery > 0
          ? [
              `    if seq > 0 and seq % ${retry.transientEvery} == 0 and attempt == 1:`,
              "        raise RuntimeError('a transient error: fails on the first attempt')",
            ]
          : []),
      ]
    : ['    pass'];
  return [
    '',
    `max_attempts = ${retry.maxAttempts}`,
    `parking_queue = ${pyString(retry.parkingQueue)}`,
    '',
    '',
    'def attempt_of(properties, queue):',
    ...comment('    ', prose.attemptText),
    "    deaths = (properties.headers or {}).get('x-death') or []",
    '    rejected = sum(',
    "        death.get('count', 0)",
    '        for death in deaths',
    "        if death.get('queue') == queue and death.get('reason') == 'rejected'",
    '    )',
    '    return rejected + 1',
    '',
    '',
    'def back_from(properties):',
    '    # The queue a retry waited in (x-death lists the newest first).',
    "    for death in (properties.headers or {}).get('x-death') or []:",
    "        if death.get('reason') == 'expired':",
    "            return death.get('queue')",
    '    return None',
    '',
    '',
    'def handle(properties, attempt):',
    ...comment('    ', prose.handlerText(retry, 'raises')),
    ...handlerBody,
    '',
  ];
}

/** A retry consumer's handling of one delivery, inside its on_message. */
function retryHandling(
  input: ProgramInput,
  c: ConsumerConfig & { retry: RetryConfig },
  i: string,
): string[] {
  return [
    `${i}try:`,
    `${i}    handle(properties, attempt)`,
    `${i}except Exception as error:`,
    `${i}    if attempt < max_attempts:`,
    ...comment(`${i}        `, prose.retryPathText(input.topology, c.queue ?? '')),
    `${i}        ch.basic_nack(delivery_tag=method.delivery_tag, requeue=False)`,
    `${i}        print(f'failed {text} on attempt {attempt}: {error}', flush=True)`,
    `${i}    else:`,
    ...comment(`${i}        `, prose.parkingText),
    ...call(
      `${i}        `,
      'pika.BasicProperties',
      [
        ['message_id', 'properties.message_id'],
        ['app_id', 'properties.app_id'],
        ['timestamp', 'properties.timestamp'],
        ['headers', 'properties.headers'],
        ['delivery_mode', 'properties.delivery_mode'],
        ['content_type', 'properties.content_type'],
      ],
      'parked = ',
    ),
    `${i}        try:`,
    ...call(`${i}            `, 'ch.basic_publish', [
      ['exchange', "''"],
      ['routing_key', 'parking_queue'],
      ['body', 'body'],
      ['properties', 'parked'],
    ]),
    `${i}        except pika.exceptions.NackError:`,
    `${i}            ch.basic_nack(delivery_tag=method.delivery_tag, requeue=True)`,
    `${i}        else:`,
    ...ackLines(c, `${i}            `),
    `${i}            print(`,
    `${i}                f'parked {text} in {parking_queue}: {error}',`,
    `${i}                flush=True,`,
    `${i}            )`,
    `${i}else:`,
    ...ackLines(c, `${i}    `),
  ];
}

function prefetchLines(c: ConsumerConfig): string[] {
  return [
    ...comment('', prose.prefetchText(c)),
    ...(c.prefetch === 0 ? [] : [`channel.basic_qos(prefetch_count=${c.prefetch})`]),
  ];
}

export function consumer(input: ProgramInput, c: ConsumerConfig): string[] {
  const every = c.ack === 'manual' ? (c.ackEvery ?? 1) : 1;
  const work = c.workMs > 0 || c.workPerDotMs > 0;
  const i4 = '    ';
  const queueLines = c.bind
    ? [
        ...comment('', prose.serverNamedQueueText),
        "queue = channel.queue_declare(queue='', exclusive=True).method.queue",
        `for key in [${c.bind.keys.map(pyString).join(', ')}]:`,
        ...call(i4, 'channel.queue_bind', [
          ['queue', 'queue'],
          ['exchange', pyString(c.bind.exchange)],
          ['routing_key', 'key'],
        ]),
      ]
    : [`queue = ${pyString(c.queue ?? '')}`];
  const workLines: string[] = [];
  if (work) {
    const terms: string[] = [];
    if (c.workMs > 0) terms.push(String(c.workMs / 1000));
    if (c.workPerDotMs > 0) terms.push(`${c.workPerDotMs / 1000} * text.count('.')`);
    workLines.push(`${i4}time.sleep(${terms.join(' + ')})  # the work`);
  }
  const replyLines = c.reply
    ? [
        ...comment(i4, prose.rpcServerText),
        `${i4}n = min(32, int(text)) if text.isdigit() else 0`,
        `${i4}reply = pika.BasicProperties(correlation_id=properties.correlation_id)`,
        ...call(i4, 'ch.basic_publish', [
          ['exchange', "''"],
          ['routing_key', 'properties.reply_to'],
          ['body', 'str(fibonacci(n))'],
          ['properties', 'reply'],
        ]),
      ]
    : [];
  const batchLines =
    every > 1
      ? [
          ...comment('', prose.batchAckText('True')),
          'unacked = 0',
          'last_tag = 0',
          'flush_scheduled = False',
          '',
          '',
          'def flush_acks():',
          '    global unacked, last_tag, flush_scheduled',
          '    if last_tag:',
          '        channel.basic_ack(delivery_tag=last_tag, multiple=True)',
          '    unacked = 0',
          '    last_tag = 0',
          '    flush_scheduled = False',
        ]
      : [];
  const bug = c.bug ? comment(i4, prose.bugText(c.id, c.bug)) : [];
  const globals = ['handled', ...(every > 1 ? ['unacked', 'last_tag', 'flush_scheduled'] : [])];
  const retry = retrying(c) ? c : undefined;
  const isoOffset = isStreamTime(c.offset);
  const imports = [
    ...(isoOffset ? ['import datetime'] : []),
    'import os',
    ...(retry && failing(retry.retry) ? ['import re'] : []),
    'import sys',
    ...(work ? ['import time'] : []),
  ];
  const received = retry
    ? [
        `${i4}attempt = attempt_of(properties, queue)`,
        `${i4}waited = back_from(properties)`,
        `${i4}back = f', back from {waited}' if attempt > 1 and waited else ''`,
        `${i4}print(`,
        `${i4}    f'received {text} (key {method.routing_key}){note}'`,
        `${i4}    f' attempt {attempt} of {max_attempts}{back}',`,
        `${i4}    flush=True,`,
        `${i4})`,
      ]
    : [`${i4}print(f'received {text} (key {method.routing_key}){note}', flush=True)`];
  return [
    ...preamble(input, imports),
    ...(retry ? retryHelpers(retry) : []),
    ...(c.reply
      ? [
          '',
          '',
          'def fibonacci(n):',
          `    """${prose.fibonacciText}"""`,
          '    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)',
          '',
        ]
      : []),
    ...connectLines(
      needsOf(c, input.topology),
      retry
        ? ['# Publisher confirms: basic_publish returns once the broker has a parked copy.']
        : undefined,
    ),
    ...queueLines,
    ...prefetchLines(c),
    '',
    'handled = 0',
    ...batchLines,
    ...trackLines(c),
    '',
    '',
    'def on_message(ch, method, properties, body):',
    `    global ${globals.join(', ')}`,
    '    if limit and handled >= limit:',
    c.ack === 'auto'
      ? '        return  # enough: ignored (with automatic ack it is gone)'
      : '        return  # enough: it goes back to the queue when we close',
    '    text = body.decode()',
    "    note = ' (redelivered)' if method.redelivered else ''",
    ...received,
    ...bug,
    ...workLines,
    ...replyLines,
    '    handled += 1',
    ...(retry ? retryHandling(input, retry, i4) : settleLines(c, i4)),
    '    if handled == limit:',
    ...(every > 1 ? ['        flush_acks()'] : []),
    '        ch.stop_consuming()',
    '',
    '',
    ...call('', 'channel.basic_consume', [
      ['queue', 'queue'],
      ['on_message_callback', 'on_message'],
      ['auto_ack', bool(c.ack === 'auto')],
      ...(c.offset === undefined
        ? []
        : ([
            ['arguments', `{'x-stream-offset': ${c.track ? 'start' : streamOffsetPy(c.offset)}}`],
          ] as [string, string][])),
    ]),
    "print(f'consuming from {queue}; Ctrl-C stops', flush=True)",
    'try:',
    '    channel.start_consuming()',
    ...(c.offset === undefined ? closing : streamClosing),
  ];
}

/**
 * A stream consumer's end: stopping, pika rejects the messages it had buffered, and a stream
 * takes no reject (540 NOT_IMPLEMENTED), so the broker closes the connection.
 */
const streamClosing = [
  'except KeyboardInterrupt:',
  '    pass',
  'except pika.exceptions.ConnectionClosedByBroker as error:',
  ...comment(
    '    ',
    'Stopping, pika rejects the messages it had buffered, and a stream takes no reject (540 NOT_IMPLEMENTED): the broker closes the connection. What was processed was acknowledged.',
  ),
  '    if error.reply_code != 540:',
  '        raise',
  'if connection.is_open:',
  '    connection.close()',
];

/** A stream consumer's `x-stream-offset` as Python: an ISO time goes as a datetime (a timestamp). */
function streamOffsetPy(offset: string | number): string {
  if (typeof offset === 'number') return String(offset);
  if (isStreamTime(offset)) {
    return `datetime.datetime.fromisoformat('${offset.replace('Z', '+00:00')}')`;
  }
  return `'${offset}'`;
}
