/** An actor as a Python program with pika's BlockingConnection (pika 1.x). */
import type { ConsumerConfig, ProducerConfig } from '../actors/protocol.js';
import {
  type BodyPart,
  commentLines,
  commentWidth,
  intervalMs,
  type Needs,
  needsOf,
  type ProgramInput,
  programFileName,
  programUrl,
  rateText,
  summary,
} from './model.js';

function escapeControls(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    const control = code < 0x20 || code === 0x7f;
    out += control ? (named[c] ?? `\\x${code.toString(16).padStart(2, '0')}`) : c;
  }
  return out;
}

function escapeText(text: string): string {
  return escapeControls(text.replace(/\\/g, '\\\\').replace(/'/g, "\\'"));
}

/** A single-quoted Python string literal. */
export function pyString(text: string): string {
  return `'${escapeText(text)}'`;
}

function pyValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'string' ? pyString(value) : String(value);
}

const bool = (b: boolean) => (b ? 'True' : 'False');

/** A body template as an expression: a string literal, or an f-string with its values. */
function pyBody(parts: readonly BodyPart[]): string {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (parts.length === 0) return "''";
  if (only && 'text' in only) return pyString(only.text);
  if (only && 'value' in only) {
    return only.value === 'key' || only.value === 'dots' ? only.value : `str(${only.value})`;
  }
  const inner = parts
    .map((p) =>
      'text' in p ? escapeText(p.text).replace(/\{/g, '{{').replace(/\}/g, '}}') : `{${p.value}}`,
    )
    .join('');
  return `f'${inner}'`;
}

/**
 * `name(a=1, b=2)` on one line when it fits; else the arguments on one indented line, or one per
 * line (as black would write it).
 */
function call(
  indent: string,
  name: string,
  args: readonly (readonly [string, string])[],
  assign = '',
): string[] {
  const list = args.map(([k, v]) => (k === '' ? v : `${k}=${v}`));
  const inline = `${indent}${assign}${name}(${list.join(', ')})`;
  if (inline.length <= commentWidth) return [inline];
  const inner = `${indent}    ${list.join(', ')}`;
  if (inner.length <= commentWidth) return [`${indent}${assign}${name}(`, inner, `${indent})`];
  return [`${indent}${assign}${name}(`, ...list.map((a) => `${indent}    ${a},`), `${indent})`];
}

function declarations(needs: Needs, indent: string): string[] {
  const lines: string[] = [];
  if (needs.exchanges.length + needs.queues.length > 0) {
    lines.push(
      ...commentLines(
        '# ',
        indent,
        'Declared as the lab declares them: declaring one again with other settings fails (406 PRECONDITION_FAILED).',
      ),
    );
  }
  for (const x of needs.exchanges) {
    const args: [string, string][] = [
      ['exchange', pyString(x.name)],
      ['exchange_type', pyString(x.type)],
      ['durable', bool(x.durable)],
    ];
    if (x.autoDelete) args.push(['auto_delete', 'True']);
    lines.push(...call(indent, 'channel.exchange_declare', args));
  }
  for (const q of needs.queues) {
    const args: [string, string][] = [
      ['queue', pyString(q.name)],
      ['durable', bool(q.durable)],
    ];
    if (q.exclusive) args.push(['exclusive', 'True']);
    if (q.autoDelete) args.push(['auto_delete', 'True']);
    const entries = Object.entries(q.arguments);
    if (entries.length > 0) {
      args.push([
        'arguments',
        `{${entries.map(([k, v]) => `${pyString(k)}: ${pyValue(v)}`).join(', ')}}`,
      ]);
    }
    lines.push(...call(indent, 'channel.queue_declare', args));
  }
  for (const b of needs.bindings) {
    lines.push(
      ...call(indent, 'channel.queue_bind', [
        ['queue', pyString(b.queue)],
        ['exchange', pyString(b.exchange)],
        ['routing_key', pyString(b.key)],
      ]),
    );
  }
  for (const name of needs.assumed) {
    lines.push(
      ...commentLines(
        '# ',
        indent,
        `Exchange '${name}' is not declared by the scenario: it must exist already.`,
      ),
    );
  }
  if (lines.length > 0) lines.push('');
  return lines;
}

function header(input: ProgramInput, imports: readonly string[]): string[] {
  const { actor } = input;
  const file = programFileName(actor, 'python');
  const { url, user } = programUrl(input.brokerUrl);
  const role = actor.kind === 'producer' ? (actor.rpc ? 'RPC client' : 'producer') : 'consumer';
  return [
    ...commentLines(
      '# ',
      '',
      `rabbit-lab · ${input.scenario} · ${actor.id} (${role}), as it runs in the lab now.`,
      summary(actor),
      '',
      `Run it: python3 ${file} [count]`,
      '(pika: apt-get install python3-pika, or pip install pika)',
      `It connects to $RABBIT_LAB_URL (default ${url}). With a count it stops after that many messages; without one it runs until Ctrl-C.`,
      ...(user
        ? [
            `The lab connects as '${user}': put that user and its password in RABBIT_LAB_URL (amqp://${user}:PASSWORD@host/vhost).`,
          ]
        : []),
    ),
    ...imports,
    '',
    'import pika',
  ];
}

function preamble(input: ProgramInput, imports: readonly string[], extra: string[] = []): string[] {
  const { url } = programUrl(input.brokerUrl);
  return [
    ...header(input, imports),
    ...extra,
    '',
    `url = os.environ.get('RABBIT_LAB_URL', ${pyString(url)})`,
    'limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0  # 0: until Ctrl-C',
  ];
}

const connect = [
  '',
  'connection = pika.BlockingConnection(pika.URLParameters(url))',
  'channel = connection.channel()',
];

const closing = ['except KeyboardInterrupt:', '    pass', 'connection.close()'];

function keyLines(p: ProducerConfig): { top: string[]; key: string } {
  if (p.routingKeys.length === 1) {
    return { top: [], key: `key = ${pyString(p.routingKeys[0] ?? '')}` };
  }
  const keys = `routing_keys = [${p.routingKeys.map(pyString).join(', ')}]`;
  return {
    top:
      keys.length <= commentWidth
        ? [keys]
        : ['routing_keys = [', ...p.routingKeys.map((k) => `    ${pyString(k)},`), ']'],
    key: 'key = routing_keys[(seq - 1) % len(routing_keys)]',
  };
}

function bodyLines(parts: readonly BodyPart[], indent: string): string[] {
  const lines: string[] = [];
  if (parts.some((x) => 'value' in x && x.value === 'dots')) {
    lines.push(`${indent}dots = '.' * (1 + (seq - 1) % 3)  # 1 to 3 units of work`);
  }
  lines.push(`${indent}body = ${pyBody(parts)}`);
  return lines;
}

function waitLine(rate: number, indent: string, what: string): string[] {
  const ms = intervalMs(rate);
  return ms === 0 ? [] : [`${indent}${what}(${ms / 1000})  # ${rateText(rate)}`];
}

function producer(input: ProgramInput, p: ProducerConfig, parts: readonly BodyPart[]): string[] {
  const confirm = p.confirm ?? 'async';
  const { top, key } = keyLines(p);
  const confirmNote =
    confirm === 'each'
      ? "as the lab's confirm: each does."
      : `where the lab's ${p.id} (confirm: ${confirm}) ${confirm === 'batch' ? `waits after every ${p.confirmBatch ?? 100} messages` : 'reads them as they come'}; that takes an asynchronous connection such as pika's SelectConnection.`;
  const properties: [string, string][] = [['content_type', "'text/plain'"]];
  if (p.persistent) properties.push(['delivery_mode', 'pika.spec.PERSISTENT_DELIVERY_MODE']);
  const i8 = '        ';
  return [
    ...preamble(
      input,
      ['import os', 'import sys'],
      ['from pika.exceptions import NackError, UnroutableError'],
    ),
    ...top,
    ...connect,
    ...commentLines(
      '# ',
      '',
      `Publisher confirms: the broker acknowledges (or nacks) each message it takes responsibility for. pika's BlockingConnection waits for the answer to each message, ${confirmNote}`,
    ),
    'channel.confirm_delivery()',
    '',
    ...declarations(needsOf(p, input.topology), ''),
    ...call('', 'pika.BasicProperties', properties, 'properties = '),
    '',
    'seq = 0',
    'try:',
    '    while limit == 0 or seq < limit:',
    '        seq += 1',
    `        ${key}`,
    ...bodyLines(parts, i8),
    `${i8}try:`,
    ...commentLines(
      '# ',
      `${i8}    `,
      'Published with mandatory: a message no queue takes comes back (UnroutableError) instead of vanishing.',
    ),
    ...call(`${i8}    `, 'channel.basic_publish', [
      ['exchange', pyString(p.exchange)],
      ['routing_key', 'key'],
      ['body', 'body'],
      ['properties', 'properties'],
      ['mandatory', 'True'],
    ]),
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
    ...connect,
    '',
    ...declarations(needsOf(p, input.topology), ''),
    ...(rpc.replyTo === 'direct'
      ? [
          ...commentLines(
            '# ',
            '',
            'Replies come to Direct Reply-to, a pseudo-queue of this channel, consumed with automatic ack before the first request.',
          ),
          "reply_to = 'amq.rabbitmq.reply-to'",
        ]
      : [
          '# Replies come to an exclusive, server-named queue of our own.',
          "reply_to = channel.queue_declare(queue='', exclusive=True).method.queue",
        ]),
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
    'seq = 0',
    'try:',
    '    while limit == 0 or seq < limit:',
    '        seq += 1',
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
    ...commentLines(
      '# ',
      i8,
      `Wait before the next request (${rateText(p.rate, 'request')}), taking replies meanwhile.`,
    ),
    `${i8}connection.process_data_events(time_limit=${ms / 1000})`,
    ...commentLines(
      '# ',
      '    ',
      `The lab sends a request again after ${rpc.timeoutMs} ms without a reply (${rpc.retries} times at most); this program waits that long once for the last replies.`,
    ),
    `    deadline = time.monotonic() + ${rpc.timeoutMs / 1000}`,
    '    while pending and time.monotonic() < deadline:',
    '        connection.process_data_events(time_limit=0.05)',
    ...closing,
  ];
}

function settleLines(c: ConsumerConfig, i: string): string[] {
  if (c.ack === 'auto') return [];
  if (c.ack === 'never') {
    return commentLines(
      '# ',
      i,
      'ack: never, the forgotten ack. Nothing is acknowledged: the broker keeps each message unacked until this program exits, then delivers it again.',
    );
  }
  const every = c.ackEvery ?? 1;
  const ack =
    every > 1
      ? [
          `${i}last_tag = method.delivery_tag`,
          `${i}unacked += 1`,
          `${i}if unacked >= ${every}:`,
          `${i}    flush_acks()`,
          `${i}elif not flush_scheduled:`,
          ...commentLines(
            '# ',
            `${i}    `,
            'The rest shortly, so a quiet queue (or a smaller prefetch) never stalls.',
          ),
          `${i}    flush_scheduled = True`,
          `${i}    connection.call_later(0.02, flush_acks)`,
        ]
      : [`${i}ch.basic_ack(delivery_tag=method.delivery_tag)`];
  if (c.nackEvery === 0) return ack;
  return [
    `${i}if handled % ${c.nackEvery} == 0:`,
    ...commentLines(
      '# ',
      `${i}    `,
      c.requeue
        ? 'Rejected with requeue: the broker puts it back in the queue.'
        : 'Rejected without requeue: dropped, or dead-lettered when the queue has a dead-letter exchange.',
    ),
    `${i}    ch.basic_nack(delivery_tag=method.delivery_tag, requeue=${bool(c.requeue)})`,
    `${i}else:`,
    ...ack.map((line) => `    ${line}`),
  ];
}

function prefetchLines(c: ConsumerConfig): string[] {
  const note =
    c.ack === 'auto' && c.prefetch > 0
      ? ' With automatic ack nothing stays unacknowledged, so prefetch does not hold the broker back.'
      : '';
  if (c.prefetch === 0) {
    return commentLines(
      '# ',
      '',
      `No prefetch limit (prefetch 0): the broker sends as many messages as it likes.${note}`,
    );
  }
  return [
    ...commentLines(
      '# ',
      '',
      `prefetch ${c.prefetch}: the broker sends at most ${c.prefetch} unacknowledged message${c.prefetch === 1 ? '' : 's'} at a time.${note}`,
    ),
    `channel.basic_qos(prefetch_count=${c.prefetch})`,
  ];
}

function consumer(input: ProgramInput, c: ConsumerConfig): string[] {
  const every = c.ack === 'manual' ? (c.ackEvery ?? 1) : 1;
  const work = c.workMs > 0 || c.workPerDotMs > 0;
  const i4 = '    ';
  const queueLines = c.bind
    ? [
        '# A server-named, exclusive queue: it lives as long as this connection.',
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
        ...commentLines(
          '# ',
          i4,
          'An RPC server: the answer goes to the reply-to queue, with the correlation id.',
        ),
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
          ...commentLines(
            '# ',
            '',
            'Acknowledged in batches: one ack with multiple=True covers every message up to it.',
          ),
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
  const bug = c.bug
    ? commentLines(
        '# ',
        i4,
        `The lab's ${c.id} also simulates a bug (${c.bug.kind} every ${c.bug.every} messages); this program leaves it out.`,
      )
    : [];
  const globals = ['handled', ...(every > 1 ? ['unacked', 'last_tag', 'flush_scheduled'] : [])];
  return [
    ...preamble(input, ['import os', 'import sys', ...(work ? ['import time'] : [])]),
    ...(c.reply
      ? [
          '',
          '',
          'def fibonacci(n):',
          '    """The tutorial\'s (deliberately slow) Fibonacci: the server\'s work."""',
          '    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)',
          '',
        ]
      : []),
    ...connect,
    '',
    ...declarations(needsOf(c, input.topology), ''),
    ...queueLines,
    ...prefetchLines(c),
    '',
    'handled = 0',
    ...batchLines,
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
    "    print(f'received {text} (key {method.routing_key}){note}', flush=True)",
    ...bug,
    ...workLines,
    ...replyLines,
    '    handled += 1',
    ...settleLines(c, i4),
    '    if handled == limit:',
    ...(every > 1 ? ['        flush_acks()'] : []),
    '        ch.stop_consuming()',
    '',
    '',
    ...call('', 'channel.basic_consume', [
      ['queue', 'queue'],
      ['on_message_callback', 'on_message'],
      ['auto_ack', bool(c.ack === 'auto')],
    ]),
    "print(f'consuming from {queue}; Ctrl-C stops', flush=True)",
    'try:',
    '    channel.start_consuming()',
    ...closing,
  ];
}

export function pythonProgram(input: ProgramInput, parts: readonly BodyPart[]): string {
  const { actor } = input;
  const lines =
    actor.kind === 'consumer'
      ? consumer(input, actor)
      : actor.rpc
        ? rpcClient(input, actor, parts)
        : producer(input, actor, parts);
  return `${lines.join('\n')}\n`;
}
