/** An actor as a TypeScript program with amqplib (its promise API). */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are lines of a generated TypeScript program, whose template literals are meant
import type { ProducerConfig } from '../actors/protocol.js';
import { tsLimits } from './limits-code.js';
import { type BodyPart, type Emitter, needsOf, type ProgramInput } from './model.js';
import * as prose from './prose.js';
import {
  bodyLines,
  comment,
  footer,
  headerLines,
  keyLines,
  mainStart,
  preamble,
  tsString,
  waitLine,
  withObject,
} from './typescript-common.js';
import { consumer } from './typescript-consumer.js';
import { httpBridge } from './typescript-http.js';

function producer(input: ProgramInput, p: ProducerConfig, parts: readonly BodyPart[]): string[] {
  const confirm = p.confirm ?? 'async';
  const max = p.rate === 0;
  const { top, key } = keyLines(p);
  const headerSets = headerLines(p);
  const options: [string, string][] = [
    ['persistent', String(p.persistent)],
    ['mandatory', 'true'],
    ['contentType', "'text/plain'"],
  ];
  const limits = tsLimits(p, tsString);
  options.push(...limits.fixed.map(([k, v]): [string, string] => [k, v]));
  const exchange = `const exchange = ${tsString(p.exchange)};${p.exchange === '' ? ' // the default exchange: the key names the queue' : ''}`;
  const publish = `channel.publish(exchange, key, Buffer.from(body), ${headerSets.pick.length > 0 ? 'sendOptions' : 'options'}`;
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
    ...limits.top,
    ...headerSets.top,
    ...mainStart(needsOf(p, input.topology), prose.confirmsText('A confirm channel')),
    ...comment('  ', prose.mandatoryText('here')),
    "  channel.on('return', (msg) => {",
    '    console.log(`returned: no queue for key ${msg.fields.routingKey}`);',
    '  });',
    '',
    ...comment('  ', ...limits.notes),
    ...withObject('  ', 'const options = ', options, ';'),
    '',
    '  for (let seq = 1; limit === 0 || seq <= limit; seq++) {',
    `    ${key}`,
    ...(limits.perMessage ? [`    ${limits.perMessage}`] : []),
    ...headerSets.pick.map((line) => `${i2}${line}`),
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

export const typescript: Emitter = { producer, httpBridge, rpcClient, consumer };
