/** An actor as a Python program with pika's BlockingConnection (pika 1.x). */
import type { ConsumerConfig, ProducerConfig, RetryConfig } from '../actors/protocol.js';
import {
  type BodyPart,
  commentLines,
  commentWidth,
  type Emitter,
  failing,
  intervalMs,
  type Needs,
  needsOf,
  type ProgramInput,
  programUrl,
  retrying,
} from './model.js';
import * as prose from './prose.js';

/** `#` comment lines at `indent`, one paragraph after another. */
function comment(indent: string, ...paragraphs: string[]): string[] {
  return commentLines('# ', indent, ...paragraphs);
}

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

/** A keyword argument: a value, or a dict literal's entries. */
type Arg = readonly [string, string | readonly (readonly [string, string])[]];

function dictLiteral(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
}

/**
 * `name(a=1, b=2)` on one line when it fits; else the arguments on one indented line, or one per
 * line, a dict too when it does not fit either (as black would write it).
 */
function call(indent: string, name: string, args: readonly Arg[], assign = ''): string[] {
  const text = (v: Arg[1]) => (typeof v === 'string' ? v : dictLiteral(v));
  const list = args.map(([k, v]) => (k === '' ? text(v) : `${k}=${text(v)}`));
  const inline = `${indent}${assign}${name}(${list.join(', ')})`;
  if (inline.length <= commentWidth) return [inline];
  const inner = `${indent}    ${list.join(', ')}`;
  if (inner.length <= commentWidth) return [`${indent}${assign}${name}(`, inner, `${indent})`];
  const i4 = `${indent}    `;
  return [
    `${indent}${assign}${name}(`,
    ...args.flatMap(([k, v], n) => {
      const one = `${i4}${list[n] ?? ''},`;
      if (typeof v === 'string' || one.length <= commentWidth) return [one];
      return [
        `${i4}${k === '' ? '' : `${k}=`}{`,
        ...v.map(([key, value]) => `${i4}    ${key}: ${value},`),
        `${i4}},`,
      ];
    }),
    `${indent})`,
  ];
}

function declarations(needs: Needs, indent: string): string[] {
  const lines: string[] = [];
  if (needs.exchanges.length + needs.queues.length > 0) {
    lines.push(...comment(indent, prose.declaredText));
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
    const args: Arg[] = [
      ['queue', pyString(q.name)],
      ['durable', bool(q.durable)],
    ];
    if (q.exclusive) args.push(['exclusive', 'True']);
    if (q.autoDelete) args.push(['auto_delete', 'True']);
    const entries = Object.entries(q.arguments);
    if (entries.length > 0) {
      args.push(['arguments', entries.map(([k, v]) => [pyString(k), pyValue(v)] as const)]);
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
  lines.push(...comment(indent, ...prose.assumedText(needs)));
  if (lines.length > 0) lines.push('');
  return lines;
}

function preamble(input: ProgramInput, imports: readonly string[], extra: string[] = []): string[] {
  const { url } = programUrl(input.brokerUrl);
  return [
    ...comment(
      '',
      ...prose.headerParagraphs(input, 'python', {
        command: 'python3',
        install: '(pika: apt-get install python3-pika, or pip install pika)',
      }),
    ),
    ...imports,
    '',
    'import pika',
    ...extra,
    '',
    `url = os.environ.get('RABBIT_LAB_URL', ${pyString(url)})`,
    'limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0  # 0: until Ctrl-C',
  ];
}

/**
 * The connection, its channel (with publisher confirms when `confirms`, the comment lines saying
 * what they are for, is given) and the declarations.
 */
function connectLines(needs: Needs, confirms?: readonly string[]): string[] {
  return [
    '',
    'connection = pika.BlockingConnection(pika.URLParameters(url))',
    'channel = connection.channel()',
    ...(confirms === undefined ? [] : [...confirms, 'channel.confirm_delivery()']),
    '',
    ...declarations(needs, ''),
  ];
}

/** A loop of `limit` rounds (0: until Ctrl-C) counted in seq; `closing` ends its try. */
const seqLoop = ['seq = 0', 'try:', '    while limit == 0 or seq < limit:', '        seq += 1'];

const closing = ['except KeyboardInterrupt:', '    pass', 'connection.close()'];

/** Publishing `body` with mandatory inside a try at 8 spaces; `note` says what comes back. */
function mandatoryPublish(exchange: string, note: string): string[] {
  const i12 = ' '.repeat(12);
  return [
    ...comment(i12, note),
    ...call(i12, 'channel.basic_publish', [
      ['exchange', exchange],
      ['routing_key', 'key'],
      ['body', 'body'],
      ['properties', 'properties'],
      ['mandatory', 'True'],
    ]),
  ];
}

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
  return ms === 0 ? [] : [`${indent}${what}(${ms / 1000})  # ${prose.rateText(rate)}`];
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
    ...connectLines(
      needsOf(p, input.topology),
      comment(
        '',
        `${prose.confirmsText('Publisher confirms')} pika's BlockingConnection waits for the answer to each message, ${confirmNote}`,
      ),
    ),
    ...call('', 'pika.BasicProperties', properties, 'properties = '),
    '',
    ...seqLoop,
    `        ${key}`,
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

/**
 * An HTTP publish endpoint as a small HTTP-to-AMQP bridge with http.server: the lab's checks in
 * the lab's order (404, 405, 401, 404, 413), then a publish on a confirm channel, answered 202
 * once the broker confirmed it. One request at a time: pika's BlockingConnection is not
 * thread-safe, and between requests it answers the broker's heartbeats.
 */
function httpBridge(input: ProgramInput, p: ProducerConfig): string[] {
  const http = p.http;
  if (!http) return [];
  const { top } = keyLines(p);
  const cycled = p.routingKeys.length > 1;
  const i8 = '        ';
  const properties: Arg[] = [
    ['message_id', 'message_id'],
    ['content_type', "'text/plain'"],
  ];
  if (p.persistent) properties.push(['delivery_mode', 'pika.spec.PERSISTENT_DELIVERY_MODE']);
  return [
    ...preamble(
      input,
      [
        'import hmac',
        'import json',
        'import os',
        'import sys',
        'import uuid',
        'from http.server import BaseHTTPRequestHandler, HTTPServer',
        'from urllib.parse import parse_qs, unquote, urlsplit',
      ],
      ['from pika.exceptions import NackError, UnroutableError'],
    ),
    "token = os.environ.get('RABBIT_LAB_HTTP_TOKEN', '')",
    'if not token:',
    '    sys.exit(',
    "        'Set RABBIT_LAB_HTTP_TOKEN to the bearer token clients must send;'",
    "        ' this bridge does not start without one.'",
    '    )',
    `port = ${http.port}${http.port === 0 ? '  # 0: any free port (printed when it listens)' : ''}`,
    `exchange = ${pyString(p.exchange)}`,
    ...top,
    'max_body_bytes = 64 * 1024  # larger bodies get 413',
    ...connectLines(
      needsOf(p, input.topology),
      comment(
        '',
        `Publisher confirms: basic_publish returns once the broker acknowledged the message (it raises NackError on a nack); ${prose.answeredWhenConfirmedText}`,
      ),
    ),
    ...(cycled ? ['seq = 0  # requests to publish, for the routing key'] : []),
    'published = 0',
    '',
    '',
    'class Bridge(BaseHTTPRequestHandler):',
    '    def answer(self, status, body, headers=()):',
    "        data = (json.dumps(body) + '\\n').encode()",
    '        self.send_response(status)',
    "        self.send_header('Content-Type', 'application/json')",
    "        self.send_header('Content-Length', str(len(data)))",
    '        for name, value in headers:',
    '            self.send_header(name, value)',
    '        self.end_headers()',
    '        self.wfile.write(data)',
    '',
    '    def serve(self):',
    `        global ${cycled ? 'seq, ' : ''}published`,
    '        parts = urlsplit(self.path)',
    "        name = parts.path.removeprefix('/publish/')",
    "        if name == parts.path or not name or '/' in name:",
    "            error = 'not found: POST /publish/<exchange>'",
    "            return self.answer(404, {'error': error})",
    "        if self.command != 'POST':",
    "            error = 'use POST'",
    "            return self.answer(405, {'error': error}, [('Allow', 'POST')])",
    "        header = self.headers.get('Authorization', '')",
    "        given = header[7:].strip() if header.startswith('Bearer ') else ''",
    ...comment(i8, prose.bearerTokenText),
    '        if not hmac.compare_digest(given.encode(), token.encode()):',
    "            error = 'missing or wrong bearer token'",
    "            challenge = [('WWW-Authenticate', 'Bearer')]",
    "            return self.answer(401, {'error': error}, challenge)",
    '        if unquote(name) != exchange:',
    "            error = f'this endpoint publishes to {exchange} only'",
    "            return self.answer(404, {'error': error})",
    "        length = int(self.headers.get('Content-Length') or 0)",
    '        if length > max_body_bytes:',
    '            # Read and drop the body, so the client reads the answer.',
    '            while length > 0:',
    '                chunk = self.rfile.read(min(length, 65536))',
    '                if not chunk:',
    '                    break',
    '                length -= len(chunk)',
    "            error = f'the body is over {max_body_bytes} bytes'",
    "            return self.answer(413, {'error': error})",
    '        body = self.rfile.read(length)',
    ...(cycled ? ['        seq += 1'] : []),
    `        default_key = ${cycled ? 'routing_keys[(seq - 1) % len(routing_keys)]' : pyString(p.routingKeys[0] ?? '')}`,
    "        key = parse_qs(parts.query).get('key', [default_key])[0]",
    '        message_id = str(uuid.uuid4())',
    ...call(i8, 'pika.BasicProperties', properties, 'properties = '),
    '        routed = True',
    '        try:',
    ...mandatoryPublish(
      'exchange',
      prose.mandatoryText('(UnroutableError, after the broker confirmed it)', true),
    ),
    '        except UnroutableError:',
    '            routed = False',
    '        except NackError:',
    "            error = 'the broker refused it (nack)'",
    "            return self.answer(502, {'id': message_id, 'error': error})",
    "        text = body.decode(errors='replace')",
    "        shown = text if len(text) <= 60 else text[:60] + '…'",
    "        unroutable = '' if routed else ' (returned: no queue for its key)'",
    "        line = f'sent {shown} (key {key}) as {message_id}{unroutable}'",
    '        print(line, flush=True)',
    '        reply = {',
    "            'id': message_id,",
    "            'exchange': exchange,",
    "            'routingKey': key,",
    "            'confirmed': True,",
    "            'routed': routed,",
    '        }',
    '        self.answer(202, reply)',
    '        published += 1',
    '',
    '    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = serve',
    '',
    '    def log_message(self, format, *args):',
    '        pass  # quiet: it prints what it sends',
    '',
    '',
    ...comment('', prose.localOnlyText),
    "server = HTTPServer(('127.0.0.1', port), Bridge)",
    'server.timeout = 0.5',
    "where = f'http://127.0.0.1:{server.server_port}/publish/{exchange}'",
    "print(f'listening on {where}', flush=True)",
    'try:',
    '    while limit == 0 or published < limit:',
    '        server.handle_request()  # one request, or none within 0.5 s',
    '        # Between requests: let pika answer the heartbeats of the broker.',
    '        connection.process_data_events(time_limit=0)',
    'except KeyboardInterrupt:',
    '    pass',
    'server.server_close()',
    'connection.close()',
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
    : [`${i}ch.basic_ack(delivery_tag=method.delivery_tag)`];
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
        "    match = re.search(r'-(\\d+)$', properties.message_id or '')",
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

function consumer(input: ProgramInput, c: ConsumerConfig): string[] {
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
  const imports = [
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
    ]),
    "print(f'consuming from {queue}; Ctrl-C stops', flush=True)",
    'try:',
    '    channel.start_consuming()',
    ...closing,
  ];
}

export const python: Emitter = { producer, httpBridge, rpcClient, consumer };
