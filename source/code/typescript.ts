/** An actor as a TypeScript program with amqplib (its promise API). */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are lines of a generated TypeScript program, whose template literals are meant
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

/** `//` comment lines at `indent`, one paragraph after another. */
function comment(indent: string, ...paragraphs: string[]): string[] {
  return commentLines('// ', indent, ...paragraphs);
}

/** Characters a string literal cannot hold as they are. */
function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029;
}

function escapeControls(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    out += isControl(code) ? (named[c] ?? `\\u${code.toString(16).padStart(4, '0')}`) : c;
  }
  return out;
}

/** A single-quoted TypeScript string literal. */
export function tsString(text: string): string {
  return `'${escapeControls(text.replace(/\\/g, '\\\\').replace(/'/g, "\\'"))}'`;
}

function tsTemplateText(text: string): string {
  return escapeControls(text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${'));
}

const valueExpression: Record<Exclude<BodyPart, { text: string }>['value'], string> = {
  seq: 'seq',
  key: 'key',
  n: 'n',
  dots: 'dots',
};

/** A body template as an expression: a string literal, or a template literal with its values. */
function tsBody(parts: readonly BodyPart[]): string {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (parts.length === 0) return "''";
  if (only && 'text' in only) return tsString(only.text);
  if (only && 'value' in only) {
    return only.value === 'key' || only.value === 'dots'
      ? valueExpression[only.value]
      : `String(${valueExpression[only.value]})`;
  }
  const inner = parts
    .map((p) => ('text' in p ? tsTemplateText(p.text) : `\${${valueExpression[p.value]}}`))
    .join('');
  return `\`${inner}\``;
}

function tsKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : tsString(name);
}

function tsValue(value: string | number | boolean): string {
  return typeof value === 'string' ? tsString(value) : String(value);
}

/** An object literal's entry: a value, or a nested object's entries. */
type Entry = readonly [string, string | readonly Entry[]];

function inlineObject(entries: readonly Entry[]): string {
  if (entries.length === 0) return '{}';
  const values = entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : inlineObject(v)}`);
  return `{ ${values.join(', ')} }`;
}

/**
 * `prefix{ a: 1, b: 2 }suffix` on one line when it fits, else one entry per line, a nested object
 * too when it does not fit either (as a formatter would write it).
 */
function withObject(
  indent: string,
  prefix: string,
  entries: readonly Entry[],
  suffix: string,
): string[] {
  const inline = `${indent}${prefix}${inlineObject(entries)}${suffix}`;
  if (entries.length === 0 || inline.length <= commentWidth) return [inline];
  return [
    `${indent}${prefix}{`,
    ...entries.flatMap(([k, v]) =>
      typeof v === 'string'
        ? [`${indent}  ${k}: ${v},`]
        : withObject(`${indent}  `, `${k}: `, v, ','),
    ),
    `${indent}}${suffix}`,
  ];
}

function declarations(needs: Needs, indent: string): string[] {
  const lines: string[] = [];
  if (needs.exchanges.length + needs.queues.length > 0) {
    lines.push(...comment(indent, prose.declaredText));
  }
  for (const x of needs.exchanges) {
    const options: [string, string][] = [['durable', String(x.durable)]];
    if (x.autoDelete) options.push(['autoDelete', 'true']);
    lines.push(
      ...withObject(
        indent,
        `await channel.assertExchange(${tsString(x.name)}, ${tsString(x.type)}, `,
        options,
        ');',
      ),
    );
  }
  for (const q of needs.queues) {
    const options: Entry[] = [['durable', String(q.durable)]];
    if (q.exclusive) options.push(['exclusive', 'true']);
    if (q.autoDelete) options.push(['autoDelete', 'true']);
    const args = Object.entries(q.arguments);
    if (args.length > 0) {
      options.push(['arguments', args.map(([k, v]) => [tsKey(k), tsValue(v)] as const)]);
    }
    lines.push(
      ...withObject(indent, `await channel.assertQueue(${tsString(q.name)}, `, options, ');'),
    );
  }
  for (const b of needs.bindings) {
    lines.push(
      `${indent}await channel.bindQueue(${tsString(b.queue)}, ${tsString(b.exchange)}, ${tsString(b.key)});`,
    );
  }
  lines.push(...comment(indent, ...prose.assumedText(needs)));
  if (lines.length > 0) lines.push('');
  return lines;
}

function preamble(input: ProgramInput, imports: readonly string[], sleep: boolean): string[] {
  const all = sleep
    ? ["import { setTimeout as sleep } from 'node:timers/promises';", ...imports]
    : imports;
  const { url } = programUrl(input.brokerUrl);
  return [
    ...comment(
      '',
      ...prose.headerParagraphs(input, 'typescript', {
        command: 'npx tsx',
        install: '(after npm install amqplib tsx)',
      }),
    ),
    ...all,
    '',
    `const url = process.env.RABBIT_LAB_URL ?? ${tsString(url)};`,
    'const limit = Number(process.argv[2] ?? 0); // 0: until Ctrl-C',
  ];
}

/**
 * The start of main(): the connection, its channel (a confirm channel when `confirms` says what
 * its confirms are for) and the declarations.
 */
function mainStart(needs: Needs, confirms?: string): string[] {
  return [
    '',
    'async function main(): Promise<void> {',
    '  const connection = await amqp.connect(url);',
    ...(confirms === undefined
      ? ['  const channel = await connection.createChannel();']
      : [...comment('  ', confirms), '  const channel = await connection.createConfirmChannel();']),
    '',
    ...declarations(needs, '  '),
  ];
}

const footer = [
  '',
  'main().catch((error: unknown) => {',
  '  console.error(error);',
  '  process.exit(1);',
  '});',
];

function keyLines(p: ProducerConfig): { top: string[]; key: string } {
  if (p.routingKeys.length === 1)
    return { top: [], key: `const key = ${tsString(p.routingKeys[0] ?? '')};` };
  const keys = `const routingKeys = [${p.routingKeys.map(tsString).join(', ')}];`;
  return {
    top:
      keys.length <= commentWidth
        ? [keys]
        : ['const routingKeys = [', ...p.routingKeys.map((k) => `  ${tsString(k)},`), '];'],
    key: 'const key = routingKeys[(seq - 1) % routingKeys.length];',
  };
}

function bodyLines(parts: readonly BodyPart[], indent: string): string[] {
  const lines: string[] = [];
  if (parts.some((x) => 'value' in x && x.value === 'dots')) {
    lines.push(`${indent}const dots = '.'.repeat(1 + ((seq - 1) % 3)); // 1 to 3 units of work`);
  }
  lines.push(`${indent}const body = ${tsBody(parts)};`);
  return lines;
}

function waitLine(rate: number, indent: string, noun = 'message'): string[] {
  const ms = intervalMs(rate);
  return ms === 0 ? [] : [`${indent}await sleep(${ms}); // ${prose.rateText(rate, noun)}`];
}

function producer(input: ProgramInput, p: ProducerConfig, parts: readonly BodyPart[]): string[] {
  const confirm = p.confirm ?? 'async';
  const max = p.rate === 0;
  const { top, key } = keyLines(p);
  const options: [string, string][] = [
    ['persistent', String(p.persistent)],
    ['mandatory', 'true'],
    ['contentType', "'text/plain'"],
  ];
  const exchange = `const exchange = ${tsString(p.exchange)};${p.exchange === '' ? ' // the default exchange: the key names the queue' : ''}`;
  const publish = 'channel.publish(exchange, key, Buffer.from(body), options';
  const i2 = '    ';
  const publishLines: string[] = [];
  if (confirm === 'async') {
    if (max) publishLines.push(`${i2}const content = Buffer.from(body);`);
    publishLines.push(
      `${i2}${max ? 'const ok = ' : ''}${publish.replace('Buffer.from(body)', max ? 'content' : 'Buffer.from(body)')}, (err) => {`,
      `${i2}  // err is set when the broker refused the message (a nack).`,
      `${i2}  if (err) console.log(\`nacked \${body}\`);`,
      `${i2}});`,
    );
    if (max) {
      publishLines.push(
        ...comment(
          i2,
          "As fast as the broker takes them: when the socket's buffer is full, wait until it drains.",
        ),
        `${i2}if (!ok) await once(channel, 'drain');`,
      );
    }
  } else {
    publishLines.push(`${i2}${publish});`);
  }
  publishLines.push(`${i2}console.log(\`sent \${body}\`);`);
  if (confirm === 'each') {
    publishLines.push(
      `${i2}// Confirms one by one: wait for the broker's answer before the next.`,
      `${i2}try {`,
      `${i2}  await channel.waitForConfirms();`,
      `${i2}} catch {`,
      `${i2}  console.log(\`nacked \${body}\`);`,
      `${i2}}`,
    );
  } else if (confirm === 'batch') {
    const size = p.confirmBatch ?? 100;
    publishLines.push(
      `${i2}if (seq % ${size} === 0) {`,
      `${i2}  // Confirms in batches: wait for the answers to the last ${size} messages.`,
      `${i2}  try {`,
      `${i2}    await channel.waitForConfirms();`,
      `${i2}  } catch {`,
      `${i2}    console.log('the broker nacked a message of this batch');`,
      `${i2}  }`,
      `${i2}}`,
    );
  }
  publishLines.push(...waitLine(p.rate, i2));
  const imports = ["import amqp from 'amqplib';"];
  if (max && confirm === 'async') imports.unshift("import { once } from 'node:events';");
  return [
    ...preamble(input, imports, p.rate > 0),
    exchange,
    ...top,
    ...mainStart(needsOf(p, input.topology), prose.confirmsText('A confirm channel')),
    ...comment('  ', prose.mandatoryText('here')),
    "  channel.on('return', (msg) => {",
    '    console.log(`returned: no queue for key ${msg.fields.routingKey}`);',
    '  });',
    '',
    ...withObject('  ', 'const options = ', options, ';'),
    '',
    '  for (let seq = 1; limit === 0 || seq <= limit; seq++) {',
    `    ${key}`,
    ...bodyLines(parts, i2),
    ...publishLines,
    '  }',
    "  // Wait for the broker's last confirms, then leave.",
    '  await channel.waitForConfirms().catch(() => undefined);',
    '  await connection.close();',
    '}',
    ...footer,
  ];
}

/**
 * An HTTP publish endpoint as a small HTTP-to-AMQP bridge with node:http: the lab's checks in the
 * lab's order (404, 405, 401, 404, 413), then a publish on a confirm channel, answered 202 once
 * the broker confirmed it.
 */
function httpBridge(input: ProgramInput, p: ProducerConfig): string[] {
  const http = p.http;
  if (!http) return [];
  const { top, key } = keyLines(p);
  const cycled = p.routingKeys.length > 1;
  const options: Entry[] = [
    ['messageId', 'id'],
    ['persistent', String(p.persistent)],
    ['contentType', "'text/plain'"],
    ['mandatory', 'true'],
  ];
  return [
    ...preamble(
      input,
      [
        "import { randomUUID, timingSafeEqual } from 'node:crypto';",
        'import {',
        '  createServer,',
        '  type IncomingMessage,',
        '  type ServerResponse,',
        "} from 'node:http';",
        "import amqp from 'amqplib';",
      ],
      false,
    ),
    "const token = process.env.RABBIT_LAB_HTTP_TOKEN ?? '';",
    "if (token === '') {",
    '  console.error(',
    "    'Set RABBIT_LAB_HTTP_TOKEN to the bearer token clients must send;' +",
    "      ' this bridge does not start without one.',",
    '  );',
    '  process.exit(2);',
    '}',
    `const port = ${http.port};${http.port === 0 ? ' // 0: any free port (printed when it listens)' : ''}`,
    `const exchange = ${tsString(p.exchange)};`,
    ...top,
    'const maxBodyBytes = 64 * 1024; // larger bodies get 413',
    '',
    'function answer(',
    '  res: ServerResponse,',
    '  status: number,',
    '  body: Record<string, unknown>,',
    '): void {',
    '  const text = `${JSON.stringify(body)}\\n`;',
    '  res.writeHead(status, {',
    "    'content-type': 'application/json',",
    "    ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),",
    '  });',
    '  res.end(text);',
    '}',
    '',
    ...comment('', prose.bearerTokenText),
    'function authorized(req: IncomingMessage): boolean {',
    "  const header = req.headers.authorization ?? '';",
    "  const bearer = header.startsWith('Bearer ') ? header.slice(7).trim() : '';",
    '  const given = Buffer.from(bearer);',
    '  const expected = Buffer.from(token);',
    '  return given.length === expected.length && timingSafeEqual(given, expected);',
    '}',
    '',
    '// The body, or undefined when it is too large (the rest is read and dropped).',
    'function readBody(req: IncomingMessage): Promise<Buffer | undefined> {',
    '  return new Promise((resolve, reject) => {',
    '    const chunks: Buffer[] = [];',
    '    let size = 0;',
    "    req.on('data', (chunk: Buffer) => {",
    '      size += chunk.length;',
    '      if (size <= maxBodyBytes) chunks.push(chunk);',
    '    });',
    "    req.on('end', () =>",
    '      resolve(size > maxBodyBytes ? undefined : Buffer.concat(chunks)),',
    '    );',
    "    req.on('error', reject);",
    '  });',
    '}',
    ...mainStart(
      needsOf(p, input.topology),
      prose.confirmsText('A confirm channel', prose.answeredWhenConfirmedText),
    ),
    ...comment('  ', prose.mandatoryText('here (before its confirm),', true)),
    '  const returned = new Set<string>();',
    "  channel.on('return', (msg) => {",
    '    returned.add(String(msg.properties.messageId));',
    '  });',
    '',
    ...comment(
      '  ',
      "Publish one message and wait for the broker's answer: true (ack), false (nack), undefined (none within 5 s).",
    ),
    '  function publish(',
    '    key: string,',
    '    body: Buffer,',
    '    id: string,',
    '  ): Promise<boolean | undefined> {',
    ...withObject('    ', 'const options = ', options, ';'),
    '    return new Promise((resolve) => {',
    '      const timer = setTimeout(() => resolve(undefined), 5000);',
    '      channel.publish(exchange, key, body, options, (err) => {',
    '        clearTimeout(timer);',
    '        resolve(!err);',
    '      });',
    '    });',
    '  }',
    '',
    ...(cycled ? ['  let seq = 0; // requests to publish, for the routing key'] : []),
    '  let published = 0;',
    '  async function serve(req: IncomingMessage, res: ServerResponse) {',
    "    const where = new URL(req.url ?? '/', 'http://localhost');",
    '    const match = /^\\/publish\\/([^/]+)$/.exec(where.pathname);',
    '    if (!match) {',
    "      const error = 'not found: POST /publish/<exchange>';",
    '      return answer(res, 404, { error });',
    '    }',
    "    if (req.method !== 'POST') {",
    "      res.setHeader('allow', 'POST');",
    "      return answer(res, 405, { error: 'use POST' });",
    '    }',
    '    if (!authorized(req)) {',
    "      return answer(res, 401, { error: 'missing or wrong bearer token' });",
    '    }',
    '    // Compared encoded: decoding a malformed escape would throw.',
    '    if (match[1] !== encodeURIComponent(exchange)) {',
    '      const error = `this endpoint publishes to ${exchange} only`;',
    '      return answer(res, 404, { error });',
    '    }',
    '    const body = await readBody(req);',
    '    if (body === undefined) {',
    '      const error = `the body is over ${maxBodyBytes} bytes`;',
    '      return answer(res, 413, { error });',
    '    }',
    ...(cycled ? ['    seq++;'] : []),
    "    const asked = where.searchParams.get('key');",
    `    ${key.replace('const key =', 'const key = asked ??')}`,
    '    const id = randomUUID();',
    '    const ok = await publish(key, body, id);',
    '    if (ok === undefined) {',
    "      const error = 'the broker did not confirm it in time';",
    '      return answer(res, 504, { id, error });',
    '    }',
    '    if (!ok) {',
    "      return answer(res, 502, { id, error: 'the broker refused it (nack)' });",
    '    }',
    '    const routed = !returned.delete(id);',
    "    const unroutable = routed ? '' : ' (returned: no queue for its key)';",
    '    const text = body.toString();',
    '    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;',
    '    console.log(`sent ${shown} (key ${key}) as ${id}${unroutable}`);',
    '    const routingKey = key;',
    '    answer(res, 202, { id, exchange, routingKey, confirmed: true, routed });',
    '    if (++published === limit) {',
    '      server.close();',
    '      await connection.close();',
    '    }',
    '  }',
    '',
    '  const server = createServer((req, res) => {',
    '    serve(req, res).catch((error: unknown) => {',
    '      console.error(error);',
    "      if (!res.headersSent) answer(res, 500, { error: 'internal error' });",
    '      else res.destroy();',
    '    });',
    '  });',
    ...comment('  ', prose.localOnlyText),
    "  server.listen(port, '127.0.0.1', () => {",
    '    const address = server.address();',
    "    const at = typeof address === 'object' && address ? address.port : port;",
    '    const path = `/publish/${encodeURIComponent(exchange)}`;',
    '    console.log(`listening on http://127.0.0.1:${at}${path}`);',
    '  });',
    '}',
    ...footer,
  ];
}

function rpcClient(input: ProgramInput, p: ProducerConfig, parts: readonly BodyPart[]): string[] {
  const rpc = p.rpc;
  if (!rpc) return [];
  const { top, key } = keyLines(p);
  const replyLines = [
    ...comment('  ', prose.replyQueueText(rpc)),
    rpc.replyTo === 'direct'
      ? "  const replyTo = 'amq.rabbitmq.reply-to';"
      : "  const { queue: replyTo } = await channel.assertQueue('', { exclusive: true });",
  ];
  return [
    ...preamble(
      input,
      ["import { randomUUID } from 'node:crypto';", "import amqp from 'amqplib';"],
      true,
    ),
    `const numbers = [${rpc.numbers.join(', ')}];`,
    ...top,
    ...mainStart(needsOf(p, input.topology)),
    ...replyLines,
    '  // Requests waiting for their reply, by correlation id.',
    '  const pending = new Map<string, { n: number; sentAt: number }>();',
    '  await channel.consume(',
    '    replyTo,',
    '    (msg) => {',
    '      if (msg === null) return;',
    '      const id = msg.properties.correlationId;',
    '      const request = pending.get(id);',
    '      if (!request) return; // not a request of ours, or a late duplicate',
    '      pending.delete(id);',
    '      const ms = Date.now() - request.sentAt;',
    '      const result = msg.content.toString();',
    '      console.log(`reply fib(${request.n}) = ${result} in ${ms} ms`);',
    '    },',
    '    { noAck: true },',
    '  );',
    '',
    '  for (let seq = 1; limit === 0 || seq <= limit; seq++) {',
    '    const n = numbers[(seq - 1) % numbers.length];',
    `    ${key}`,
    ...bodyLines(parts, '    '),
    '    const correlationId = randomUUID();',
    '    pending.set(correlationId, { n, sentAt: Date.now() });',
    `    channel.publish(${tsString(p.exchange)}, key, Buffer.from(body), { correlationId, replyTo });`,
    '    console.log(`request fib(${n})`);',
    ...waitLine(p.rate, '    ', 'request'),
    '  }',
    ...comment('  ', prose.lastRepliesText(rpc)),
    `  const deadline = Date.now() + ${rpc.timeoutMs};`,
    '  while (pending.size > 0 && Date.now() < deadline) await sleep(50);',
    '  await connection.close();',
    '}',
    ...footer,
  ];
}

/** Acknowledging one handled message, on its own or in a batch (`ackEvery`). */
function ackLines(c: ConsumerConfig, i: string): string[] {
  const every = c.ackEvery ?? 1;
  return every > 1
    ? [
        `${i}last = msg;`,
        `${i}if (++unacked >= ${every}) flushAcks();`,
        ...comment(i, prose.flushLaterText),
        `${i}else flushTimer ??= setTimeout(flushAcks, 20);`,
      ]
    : [`${i}channel.ack(msg);`];
}

function settleLines(c: ConsumerConfig, i: string): string[] {
  if (c.ack === 'auto') return [];
  if (c.ack === 'never') return comment(i, prose.forgottenAckText);
  const ack = ackLines(c, i);
  if (c.nackEvery === 0) return ack;
  return [
    `${i}if (handled % ${c.nackEvery} === 0) {`,
    ...comment(`${i}  `, prose.rejectText(c.requeue)),
    `${i}  channel.nack(msg, false, ${c.requeue});`,
    `${i}} else {`,
    ...ack.map((line) => `  ${line}`),
    `${i}}`,
  ];
}

/** Top-level helpers of a retry consumer: the attempt from x-death, and the stand-in handler. */
function retryHelpers(c: ConsumerConfig & { retry: RetryConfig }): string[] {
  const { retry } = c;
  const handlerBody = failing(retry)
    ? [
        "  const match = /-(\\d+)$/.exec(String(msg.properties.messageId ?? ''));",
        '  const seq = match ? Number(match[1]) : 0;',
        ...(retry.poisonEvery > 0
          ? [
              `  if (seq > 0 && seq % ${retry.poisonEvery} === 0) {`,
              "    throw new Error('a poison message: fails on every attempt');",
              '  }',
            ]
          : []),
        ...(retry.transientEvery > 0
          ? [
              `  if (seq > 0 && seq % ${retry.transientEvery} === 0 && attempt === 1) {`,
              "    throw new Error('a transient error: fails on the first attempt');",
              '  }',
            ]
          : []),
      ]
    : ['  void msg;', '  void attempt;'];
  return [
    '',
    `const maxAttempts = ${retry.maxAttempts};`,
    `const parkingQueue = ${tsString(retry.parkingQueue)};`,
    '',
    ...comment('', prose.attemptText),
    'function attemptOf(msg: ConsumeMessage, queue: string): number {',
    "  const deaths = msg.properties.headers?.['x-death'] ?? [];",
    '  let rejected = 0;',
    '  for (const death of deaths) {',
    "    if (death.queue === queue && death.reason === 'rejected') {",
    '      rejected += death.count;',
    '    }',
    '  }',
    '  return rejected + 1;',
    '}',
    '',
    ...comment('', prose.handlerText(retry, 'throws')),
    'function handle(msg: ConsumeMessage, attempt: number): void {',
    ...handlerBody,
    '}',
  ];
}

/** A retry consumer's handling of one delivery, inside its consume callback. */
function retryHandling(
  input: ProgramInput,
  c: ConsumerConfig & { retry: RetryConfig },
  i: string,
): string[] {
  return [
    `${i}try {`,
    `${i}  handle(msg, attempt);`,
    ...ackLines(c, `${i}  `),
    `${i}} catch (error) {`,
    `${i}  const why = error instanceof Error ? error.message : String(error);`,
    `${i}  if (attempt < maxAttempts) {`,
    ...comment(`${i}    `, prose.retryPathText(input.topology, c.queue ?? '')),
    `${i}    channel.nack(msg, false, false);`,
    `${i}    console.log(\`failed \${text} on attempt \${attempt}: \${why}\`);`,
    `${i}  } else {`,
    ...comment(`${i}    `, prose.parkingText),
    `${i}    const p = msg.properties;`,
    `${i}    const options = {`,
    `${i}      messageId: p.messageId,`,
    `${i}      headers: p.headers,`,
    `${i}      persistent: p.deliveryMode === 2,`,
    `${i}      contentType: p.contentType,`,
    `${i}    };`,
    `${i}    channel.publish('', parkingQueue, msg.content, options, (err) => {`,
    `${i}      if (err) return channel.nack(msg, false, true);`,
    ...ackLines(c, `${i}      `),
    `${i}      console.log(\`parked \${text} in \${parkingQueue}: \${why}\`);`,
    `${i}    });`,
    `${i}  }`,
    `${i}}`,
  ];
}

function prefetchLines(c: ConsumerConfig): string[] {
  return [
    ...comment('  ', prose.prefetchText(c)),
    ...(c.prefetch === 0 ? [] : [`  await channel.prefetch(${c.prefetch});`]),
  ];
}

function consumer(input: ProgramInput, c: ConsumerConfig): string[] {
  const every = c.ack === 'manual' ? (c.ackEvery ?? 1) : 1;
  const work = c.workMs > 0 || c.workPerDotMs > 0;
  const queueLines = c.bind
    ? [
        ...comment('  ', prose.serverNamedQueueText),
        "  const { queue } = await channel.assertQueue('', { exclusive: true });",
        `  for (const key of [${c.bind.keys.map(tsString).join(', ')}]) {`,
        `    await channel.bindQueue(queue, ${tsString(c.bind.exchange)}, key);`,
        '  }',
      ]
    : [`  const queue = ${tsString(c.queue ?? '')};`];
  const workLines: string[] = [];
  if (work) {
    const parts: string[] = [];
    if (c.workPerDotMs > 0) {
      workLines.push("      const dots = text.split('.').length - 1;");
      parts.push(`${c.workPerDotMs} * dots`);
    }
    if (c.workMs > 0) parts.unshift(String(c.workMs));
    workLines.push(`      await sleep(${parts.join(' + ')}); // the work`);
  }
  const replyLines = c.reply
    ? [
        ...comment('      ', prose.rpcServerText),
        '      const n = Math.min(32, Math.max(0, Number.parseInt(text, 10) || 0));',
        '      const { replyTo, correlationId } = msg.properties;',
        '      const answer = Buffer.from(String(fibonacci(n)));',
        '      channel.sendToQueue(replyTo, answer, { correlationId });',
      ]
    : [];
  const batchLines =
    every > 1
      ? [
          ...comment('  ', prose.batchAckText('true')),
          '  let unacked = 0;',
          '  let last: ConsumeMessage | undefined;',
          '  let flushTimer: ReturnType<typeof setTimeout> | undefined;',
          '  const flushAcks = () => {',
          '    clearTimeout(flushTimer);',
          '    flushTimer = undefined;',
          '    if (last) channel.ack(last, true);',
          '    last = undefined;',
          '    unacked = 0;',
          '  };',
        ]
      : [];
  const bug = c.bug ? comment('      ', prose.bugText(c.id, c.bug)) : [];
  const retry = retrying(c) ? c : undefined;
  const imports =
    every > 1 || retry
      ? ["import amqp, { type ConsumeMessage } from 'amqplib';"]
      : ["import amqp from 'amqplib';"];
  const attemptLines = retry
    ? [
        '      const attempt = attemptOf(msg, queue);',
        ...comment(
          '      ',
          'A retry comes back from the queue it waited in (x-death lists the newest first).',
        ),
        "      const waited = msg.properties.headers?.['x-death']?.find(",
        "        (death) => death.reason === 'expired',",
        '      );',
        "      const back = attempt > 1 && waited ? `, back from ${waited.queue}` : '';",
        '      console.log(',
        '        `received ${text} (key ${msg.fields.routingKey})${note}` +',
        '          ` attempt ${attempt} of ${maxAttempts}${back}`,',
        '      );',
      ]
    : ['      console.log(`received ${text} (key ${msg.fields.routingKey})${note}`);'];
  return [
    ...preamble(input, imports, work),
    ...(retry ? retryHelpers(retry) : []),
    ...(c.reply
      ? [
          '',
          ...comment('', prose.fibonacciText),
          'function fibonacci(n: number): number {',
          '  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);',
          '}',
        ]
      : []),
    ...mainStart(
      needsOf(c, input.topology),
      retry ? 'A confirm channel: the broker confirms a parked copy before the ack.' : undefined,
    ),
    ...queueLines,
    ...prefetchLines(c),
    '',
    '  let started = 0;',
    '  let handled = 0;',
    ...batchLines,
    '  await channel.consume(',
    '    queue,',
    '    async (msg) => {',
    '      if (msg === null) return; // the broker cancelled this consumer',
    c.ack === 'auto'
      ? '      // Enough: later ones are ignored (with automatic ack they are gone).'
      : '      // Enough: this one goes back to the queue when the connection closes.',
    '      if (limit > 0 && started >= limit) return;',
    '      started++;',
    '      const text = msg.content.toString();',
    "      const note = msg.fields.redelivered ? ' (redelivered)' : '';",
    ...attemptLines,
    ...bug,
    ...workLines,
    ...replyLines,
    '      handled++;',
    ...(retry ? retryHandling(input, retry, '      ') : settleLines(c, '      ')),
    '      if (handled === limit) {',
    ...(every > 1 ? ['        flushAcks();'] : []),
    '        await connection.close();',
    '      }',
    '    },',
    `    { noAck: ${c.ack === 'auto'} },`,
    '  );',
    '  console.log(`consuming from ${queue}; Ctrl-C stops`);',
    '}',
    ...footer,
  ];
}

export const typescript: Emitter = { producer, httpBridge, rpcClient, consumer };
