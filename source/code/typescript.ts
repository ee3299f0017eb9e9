/** An actor as a TypeScript program with amqplib (its promise API). */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are lines of a generated TypeScript program, whose template literals are meant
import type { ConsumerConfig, ProducerConfig, RetryConfig } from '../actors/protocol.js';
import {
  type BodyPart,
  commentLines,
  commentWidth,
  failureText,
  intervalMs,
  type Needs,
  needsOf,
  type ProgramInput,
  programUrl,
  rateText,
  retrying,
  retryPathText,
  roleOf,
  runParagraphs,
  summary,
} from './model.js';

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
    lines.push(
      ...commentLines(
        '// ',
        indent,
        'Declared as the lab declares them: declaring one again with other settings fails (406 PRECONDITION_FAILED).',
      ),
    );
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
  for (const name of needs.assumed) {
    lines.push(
      ...commentLines(
        '// ',
        indent,
        `Exchange '${name}' is not declared by the scenario: it must exist already.`,
      ),
    );
  }
  for (const name of needs.assumedQueues) {
    lines.push(
      ...commentLines(
        '// ',
        indent,
        `Queue '${name}' is not declared by the scenario: it must exist already, or what is published to it is dropped.`,
      ),
    );
  }
  if (lines.length > 0) lines.push('');
  return lines;
}

function header(input: ProgramInput): string[] {
  const { actor } = input;
  const role = roleOf(actor);
  return [
    ...commentLines(
      '// ',
      '',
      `rabbit-lab · ${input.scenario} · ${actor.id} (${role}), as it runs in the lab now.`,
      summary(actor),
      '',
      ...runParagraphs(input, 'typescript', 'npx tsx', '(after npm install amqplib tsx)'),
    ),
  ];
}

function preamble(input: ProgramInput, imports: readonly string[], sleep: boolean): string[] {
  const all = sleep
    ? ["import { setTimeout as sleep } from 'node:timers/promises';", ...imports]
    : imports;
  const { url } = programUrl(input.brokerUrl);
  return [
    ...header(input),
    ...all,
    '',
    `const url = process.env.RABBIT_LAB_URL ?? ${tsString(url)};`,
    'const limit = Number(process.argv[2] ?? 0); // 0: until Ctrl-C',
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
  return ms === 0 ? [] : [`${indent}await sleep(${ms}); // ${rateText(rate, noun)}`];
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
        ...commentLines(
          '// ',
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
    '',
    'async function main(): Promise<void> {',
    '  const connection = await amqp.connect(url);',
    ...commentLines(
      '// ',
      '  ',
      'A confirm channel: the broker acknowledges (or nacks) each message it takes responsibility for.',
    ),
    '  const channel = await connection.createConfirmChannel();',
    '',
    ...declarations(needsOf(p, input.topology), '  '),
    ...commentLines(
      '// ',
      '  ',
      'Published with mandatory: a message no queue takes comes back here instead of vanishing.',
    ),
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
    '// The bearer token, compared in constant time.',
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
    '',
    'async function main(): Promise<void> {',
    '  const connection = await amqp.connect(url);',
    ...commentLines(
      '// ',
      '  ',
      'A confirm channel: the broker acknowledges (or nacks) each message it takes responsibility for; the client gets its 202 only then.',
    ),
    '  const channel = await connection.createConfirmChannel();',
    '',
    ...declarations(needsOf(p, input.topology), '  '),
    ...commentLines(
      '// ',
      '  ',
      'Published with mandatory: a message no queue takes comes back here (before its confirm), and the answer says routed: false.',
    ),
    '  const returned = new Set<string>();',
    "  channel.on('return', (msg) => {",
    '    returned.add(String(msg.properties.messageId));',
    '  });',
    '',
    ...commentLines(
      '// ',
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
    ...commentLines(
      '// ',
      '  ',
      'On 127.0.0.1 only: put a proxy with TLS in front of it for others.',
    ),
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
  const replyLines =
    rpc.replyTo === 'direct'
      ? [
          ...commentLines(
            '// ',
            '  ',
            'Replies come to Direct Reply-to, a pseudo-queue of this channel, consumed with automatic ack before the first request.',
          ),
          "  const replyTo = 'amq.rabbitmq.reply-to';",
        ]
      : [
          '  // Replies come to an exclusive, server-named queue of our own.',
          "  const { queue: replyTo } = await channel.assertQueue('', { exclusive: true });",
        ];
  return [
    ...preamble(
      input,
      ["import { randomUUID } from 'node:crypto';", "import amqp from 'amqplib';"],
      true,
    ),
    `const numbers = [${rpc.numbers.join(', ')}];`,
    ...top,
    '',
    'async function main(): Promise<void> {',
    '  const connection = await amqp.connect(url);',
    '  const channel = await connection.createChannel();',
    '',
    ...declarations(needsOf(p, input.topology), '  '),
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
    ...commentLines(
      '// ',
      '  ',
      `The lab sends a request again after ${rpc.timeoutMs} ms without a reply (${rpc.retries} times at most); this program waits that long once for the last replies.`,
    ),
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
        ...commentLines(
          '// ',
          i,
          'The rest shortly, so a quiet queue (or a smaller prefetch) never stalls.',
        ),
        `${i}else flushTimer ??= setTimeout(flushAcks, 20);`,
      ]
    : [`${i}channel.ack(msg);`];
}

function settleLines(c: ConsumerConfig, i: string): string[] {
  if (c.ack === 'auto') return [];
  if (c.ack === 'never') {
    return commentLines(
      '// ',
      i,
      'ack: never, the forgotten ack. Nothing is acknowledged: the broker keeps each message unacked until this program exits, then delivers it again.',
    );
  }
  const ack = ackLines(c, i);
  if (c.nackEvery === 0) return ack;
  return [
    `${i}if (handled % ${c.nackEvery} === 0) {`,
    ...commentLines(
      '// ',
      `${i}  `,
      c.requeue
        ? 'Rejected with requeue: the broker puts it back in the queue.'
        : 'Rejected without requeue: dropped, or dead-lettered when the queue has a dead-letter exchange.',
    ),
    `${i}  channel.nack(msg, false, ${c.requeue});`,
    `${i}} else {`,
    ...ack.map((line) => `  ${line}`),
    `${i}}`,
  ];
}

/** Top-level helpers of a retry consumer: the attempt from x-death, and the stand-in handler. */
function retryHelpers(c: ConsumerConfig & { retry: RetryConfig }): string[] {
  const { retry } = c;
  const fails = retry.transientEvery > 0 || retry.poisonEvery > 0;
  const handler = fails
    ? [
        '',
        ...commentLines(
          '// ',
          '',
          `A stand-in for your handler, which throws when it cannot handle a message. It fails the way the lab simulates failures, by the sequence number in the message id (P1-8 is 8): ${failureText(retry)}. Messages without such an id never fail here.`,
        ),
        'function handle(msg: ConsumeMessage, attempt: number): void {',
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
        '}',
      ]
    : [
        '',
        ...commentLines(
          '// ',
          '',
          "Your handler: it throws when it cannot handle a message. (The lab's consumer simulates no failures right now.)",
        ),
        'function handle(msg: ConsumeMessage, attempt: number): void {',
        '  void msg;',
        '  void attempt;',
        '}',
      ];
  return [
    '',
    `const maxAttempts = ${retry.maxAttempts};`,
    `const parkingQueue = ${tsString(retry.parkingQueue)};`,
    '',
    ...commentLines(
      '// ',
      '',
      'Which attempt this delivery is. Each time the broker dead-letters a message it counts it in the x-death header, one entry per queue and reason: the rejections from our queue so far, plus one.',
    ),
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
    ...handler,
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
    ...commentLines('// ', `${i}    `, retryPathText(input.topology, c.queue ?? '')),
    `${i}    channel.nack(msg, false, false);`,
    `${i}    console.log(\`failed \${text} on attempt \${attempt}: \${why}\`);`,
    `${i}  } else {`,
    ...commentLines(
      '// ',
      `${i}    `,
      'Its last attempt failed: park it for a person to look at. Published on the default exchange, whose key names the queue, with its id and headers (x-death says what happened), and acknowledged once the broker confirmed the copy; refused, the original goes back to its queue.',
    ),
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
  const note =
    c.ack === 'auto' && c.prefetch > 0
      ? ' With automatic ack nothing stays unacknowledged, so prefetch does not hold the broker back.'
      : '';
  if (c.prefetch === 0) {
    return commentLines(
      '// ',
      '  ',
      `No prefetch limit (prefetch 0): the broker sends as many messages as it likes.${note}`,
    );
  }
  return [
    ...commentLines(
      '// ',
      '  ',
      `prefetch ${c.prefetch}: the broker sends at most ${c.prefetch} unacknowledged message${c.prefetch === 1 ? '' : 's'} at a time.${note}`,
    ),
    `  await channel.prefetch(${c.prefetch});`,
  ];
}

function consumer(input: ProgramInput, c: ConsumerConfig): string[] {
  const every = c.ack === 'manual' ? (c.ackEvery ?? 1) : 1;
  const work = c.workMs > 0 || c.workPerDotMs > 0;
  const queueLines = c.bind
    ? [
        '  // A server-named, exclusive queue: it lives as long as this connection.',
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
        ...commentLines(
          '// ',
          '      ',
          'An RPC server: the answer goes to the reply-to queue, with the correlation id.',
        ),
        '      const n = Math.min(32, Math.max(0, Number.parseInt(text, 10) || 0));',
        '      const { replyTo, correlationId } = msg.properties;',
        '      const answer = Buffer.from(String(fibonacci(n)));',
        '      channel.sendToQueue(replyTo, answer, { correlationId });',
      ]
    : [];
  const batchLines =
    every > 1
      ? [
          ...commentLines(
            '// ',
            '  ',
            'Acknowledged in batches: one ack with multiple=true covers every message up to it.',
          ),
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
  const bug = c.bug
    ? commentLines(
        '// ',
        '      ',
        `The lab's ${c.id} also simulates a bug (${c.bug.kind} every ${c.bug.every} messages); this program leaves it out.`,
      )
    : [];
  const retry = retrying(c) ? c : undefined;
  const imports =
    every > 1 || retry
      ? ["import amqp, { type ConsumeMessage } from 'amqplib';"]
      : ["import amqp from 'amqplib';"];
  const attemptLines = retry
    ? [
        '      const attempt = attemptOf(msg, queue);',
        ...commentLines(
          '// ',
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
          "// The tutorial's (deliberately slow) Fibonacci: the server's work.",
          'function fibonacci(n: number): number {',
          '  return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2);',
          '}',
        ]
      : []),
    '',
    'async function main(): Promise<void> {',
    '  const connection = await amqp.connect(url);',
    ...(retry
      ? [
          '  // A confirm channel: the broker confirms a parked copy before the ack.',
          '  const channel = await connection.createConfirmChannel();',
        ]
      : ['  const channel = await connection.createChannel();']),
    '',
    ...declarations(needsOf(c, input.topology), '  '),
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

export function typescriptProgram(input: ProgramInput, parts: readonly BodyPart[]): string {
  const { actor } = input;
  const lines =
    actor.kind === 'consumer'
      ? consumer(input, actor)
      : actor.http
        ? httpBridge(input, actor)
        : actor.rpc
          ? rpcClient(input, actor, parts)
          : producer(input, actor, parts);
  return `${lines.join('\n')}\n`;
}
