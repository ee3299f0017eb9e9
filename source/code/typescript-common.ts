/** What every TypeScript program with amqplib shares: comments, literals, declarations, the preamble. */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are lines of a generated TypeScript program, whose template literals are meant
import type { ProducerConfig } from '../actors/protocol.js';
import {
  type BodyPart,
  commentLines,
  commentWidth,
  intervalMs,
  type Needs,
  type ProgramInput,
  programUrl,
} from './model.js';
import * as prose from './prose.js';
/** `//` comment lines at `indent`, one paragraph after another. */
export function comment(indent: string, ...paragraphs: string[]): string[] {
  return commentLines('// ', indent, ...paragraphs);
}

/** Characters a string literal cannot hold as they are. */
export function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029;
}

export function escapeControls(text: string): string {
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

export function tsTemplateText(text: string): string {
  return escapeControls(text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${'));
}

export const valueExpression: Record<Exclude<BodyPart, { text: string }>['value'], string> = {
  seq: 'seq',
  key: 'key',
  n: 'n',
  dots: 'dots',
};

/** A body template as an expression: a string literal, or a template literal with its values. */
export function tsBody(parts: readonly BodyPart[]): string {
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

export function tsKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : tsString(name);
}

export function tsValue(value: string | number | boolean): string {
  return typeof value === 'string' ? tsString(value) : String(value);
}

/** An object literal's entry: a value, or a nested object's entries. */
export type Entry = readonly [string, string | readonly Entry[]];

export function inlineObject(entries: readonly Entry[]): string {
  if (entries.length === 0) return '{}';
  const values = entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : inlineObject(v)}`);
  return `{ ${values.join(', ')} }`;
}

/**
 * `prefix{ a: 1, b: 2 }suffix` on one line when it fits, else one entry per line, a nested object
 * too when it does not fit either (as a formatter would write it).
 */
export function withObject(
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

export function declarations(needs: Needs, indent: string): string[] {
  const lines: string[] = [];
  if (needs.exchanges.length + needs.queues.length > 0) {
    lines.push(...comment(indent, prose.declaredText));
  }
  for (const x of needs.exchanges) {
    const options: Entry[] = [['durable', String(x.durable)]];
    if (x.autoDelete) options.push(['autoDelete', 'true']);
    // amqplib sends alternateExchange as the alternate-exchange argument.
    const { 'alternate-exchange': alternate, ...rest } = x.arguments;
    if (alternate !== undefined) {
      options.push(['alternateExchange', tsValue(alternate)]);
      lines.push(...comment(indent, prose.alternateText(x.name, String(alternate))));
    }
    const args = Object.entries(rest);
    if (args.length > 0) {
      options.push(['arguments', args.map(([k, v]) => [tsKey(k), tsValue(v)] as const)]);
    }
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
    const call = `await channel.bindQueue(${tsString(b.queue)}, ${tsString(b.exchange)}, ${tsString(b.key)}`;
    const args = Object.entries(b.arguments ?? {});
    if (args.length === 0) {
      lines.push(`${indent}${call});`);
      continue;
    }
    // A headers exchange ignores the key: x-match and the headers decide.
    const entries = args.map(([k, v]) => [tsKey(k), tsValue(v)] as const);
    lines.push(...withObject(indent, `${call}, `, entries, ');'));
  }
  lines.push(...comment(indent, ...prose.assumedText(needs)));
  if (lines.length > 0) lines.push('');
  return lines;
}

export function preamble(
  input: ProgramInput,
  imports: readonly string[],
  sleep: boolean,
): string[] {
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
export function mainStart(needs: Needs, confirms?: string): string[] {
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

export const footer = [
  '',
  'main().catch((error: unknown) => {',
  '  console.error(error);',
  '  process.exit(1);',
  '});',
];

export function keyLines(p: ProducerConfig): { top: string[]; key: string } {
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

/** A producer's header sets, cycled like its keys (none: no lines, no headers). */
export function headerLines(p: ProducerConfig): { top: string[]; pick: string[] } {
  const sets = p.headers ?? [];
  if (sets.length === 0) return { top: [], pick: [] };
  const literal = (h: Readonly<Record<string, string | number | boolean>>) =>
    inlineObject(Object.entries(h).map(([k, v]) => [tsKey(k), tsValue(v)] as const));
  const one = `const headerSets = [${sets.map(literal).join(', ')}];`;
  return {
    top: [
      ...comment('', prose.headerSetsText),
      ...(one.length <= commentWidth
        ? [one]
        : ['const headerSets = [', ...sets.map((h) => `  ${literal(h)},`), '];']),
    ],
    pick: [
      'const headers = headerSets[(seq - 1) % headerSets.length];',
      'const sendOptions = { ...options, headers };',
    ],
  };
}

export function bodyLines(parts: readonly BodyPart[], indent: string): string[] {
  const lines: string[] = [];
  if (parts.some((x) => 'value' in x && x.value === 'dots')) {
    lines.push(`${indent}const dots = '.'.repeat(1 + ((seq - 1) % 3)); // 1 to 3 units of work`);
  }
  lines.push(`${indent}const body = ${tsBody(parts)};`);
  return lines;
}

export function waitLine(rate: number, indent: string, noun = 'message'): string[] {
  const ms = intervalMs(rate);
  return ms === 0 ? [] : [`${indent}await sleep(${ms}); // ${prose.rateText(rate, noun)}`];
}
