/** A consumer as a TypeScript program with amqplib. */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are lines of a generated TypeScript program, whose template literals are meant
import { type ConsumerConfig, isStreamTime, type RetryConfig } from '../actors/protocol.js';
import { failing, needsOf, type ProgramInput, retrying } from './model.js';
import * as prose from './prose.js';
import { comment, footer, mainStart, preamble, tsString } from './typescript-common.js';

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
    : [
        `${i}channel.ack(msg);`,
        ...(c.track === undefined
          ? []
          : [
              `${i}// Processed: store its offset, so a restart resumes right after it.`,
              `${i}const offset = String(msg.properties.headers?.['x-stream-offset']);`,
              `${i}writeFileSync(offsetFile, offset);`,
            ]),
      ];
}

/** Offset tracking over AMQP 0.9.1: the program keeps the last processed offset in a file. */
function trackLines(c: ConsumerConfig): string[] {
  if (c.track === undefined || c.offset === undefined) return [];
  return [
    ...comment(
      '  ',
      `Offset tracking: the offset of the last message processed is kept in ${c.track}.offset; started again, this program resumes right after it (the stream protocol could keep it on the broker instead).`,
    ),
    `  const offsetFile = '${c.track}.offset';`,
    `  let start: unknown = ${streamOffsetTs(c.offset)};`,
    '  try {',
    "    start = Number(readFileSync(offsetFile, 'utf8')) + 1;",
    '  } catch {',
    '    // Nothing stored yet: start where the lab configured it.',
    '  }',
  ];
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
        "  const match = /-(\\d+)(@\\d+)?$/.exec(String(msg.properties.messageId ?? ''));",
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
    `${i}      appId: p.appId,`,
    `${i}      timestamp: p.timestamp,`,
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

export function consumer(input: ProgramInput, c: ConsumerConfig): string[] {
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
  const imports = [
    ...(c.track ? ["import { readFileSync, writeFileSync } from 'node:fs';"] : []),
    ...(every > 1 || retry
      ? ["import amqp, { type ConsumeMessage } from 'amqplib';"]
      : ["import amqp from 'amqplib';"]),
  ];
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
    ...trackLines(c),
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
    c.offset === undefined
      ? `    { noAck: ${c.ack === 'auto'} },`
      : `    { noAck: false, arguments: { 'x-stream-offset': ${c.track ? 'start' : streamOffsetTs(c.offset)} } },`,
    '  );',
    '  console.log(`consuming from ${queue}; Ctrl-C stops`);',
    '}',
    ...footer,
  ];
}

/** A stream consumer's `x-stream-offset` as TypeScript: an ISO time goes as an AMQP timestamp. */
function streamOffsetTs(offset: string | number): string {
  if (typeof offset === 'number') return String(offset);
  if (isStreamTime(offset)) {
    return `{ '!': 'timestamp', value: Math.floor(Date.parse('${offset}') / 1000) }`;
  }
  return `'${offset}'`;
}
