/** What every Python program with pika shares: comments, literals, declarations, the preamble. */
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
/** `#` comment lines at `indent`, one paragraph after another. */
export function comment(indent: string, ...paragraphs: string[]): string[] {
  return commentLines('# ', indent, ...paragraphs);
}

export function escapeControls(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    const control = code < 0x20 || code === 0x7f;
    out += control ? (named[c] ?? `\\x${code.toString(16).padStart(2, '0')}`) : c;
  }
  return out;
}

export function escapeText(text: string): string {
  return escapeControls(text.replace(/\\/g, '\\\\').replace(/'/g, "\\'"));
}

/** A single-quoted Python string literal. */
export function pyString(text: string): string {
  return `'${escapeText(text)}'`;
}

export function pyValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'string' ? pyString(value) : String(value);
}

export const bool = (b: boolean) => (b ? 'True' : 'False');

/** A body template as an expression: a string literal, or an f-string with its values. */
export function pyBody(parts: readonly BodyPart[]): string {
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
export type Arg = readonly [string, string | readonly (readonly [string, string])[]];

export function dictLiteral(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
}

/**
 * `name(a=1, b=2)` on one line when it fits; else the arguments on one indented line, or one per
 * line, a dict too when it does not fit either (as black would write it).
 */
export function call(indent: string, name: string, args: readonly Arg[], assign = ''): string[] {
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

export function declarations(needs: Needs, indent: string): string[] {
  const lines: string[] = [];
  if (needs.exchanges.length + needs.queues.length > 0) {
    lines.push(...comment(indent, prose.declaredText));
  }
  for (const x of needs.exchanges) {
    const args: Arg[] = [
      ['exchange', pyString(x.name)],
      ['exchange_type', pyString(x.type)],
      ['durable', bool(x.durable)],
    ];
    if (x.autoDelete) args.push(['auto_delete', 'True']);
    const entries = Object.entries(x.arguments);
    const alternate = x.arguments['alternate-exchange'];
    if (alternate !== undefined) {
      lines.push(...comment(indent, prose.alternateText(x.name, String(alternate))));
    }
    if (entries.length > 0) {
      args.push(['arguments', entries.map(([k, v]) => [pyString(k), pyValue(v)] as const)]);
    }
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
    const args: Arg[] = [
      ['queue', pyString(b.queue)],
      ['exchange', pyString(b.exchange)],
      ['routing_key', pyString(b.key)],
    ];
    const entries = Object.entries(b.arguments ?? {});
    if (entries.length > 0) {
      args.push(['arguments', entries.map(([k, v]) => [pyString(k), pyValue(v)] as const)]);
    }
    lines.push(...call(indent, 'channel.queue_bind', args));
  }
  lines.push(...comment(indent, ...prose.assumedText(needs)));
  if (lines.length > 0) lines.push('');
  return lines;
}

export function preamble(
  input: ProgramInput,
  imports: readonly string[],
  extra: string[] = [],
): string[] {
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
export function connectLines(needs: Needs, confirms?: readonly string[]): string[] {
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
export const seqLoop = [
  'seq = 0',
  'try:',
  '    while limit == 0 or seq < limit:',
  '        seq += 1',
];

export const closing = ['except KeyboardInterrupt:', '    pass', 'connection.close()'];

/** Publishing `body` with mandatory inside a try at 8 spaces; `note` says what comes back. */
export function mandatoryPublish(exchange: string, note: string): string[] {
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

export function keyLines(p: ProducerConfig): { top: string[]; key: string } {
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

/** A producer's header sets, cycled like its keys (none: no lines). */
export function headerLines(p: ProducerConfig): { top: string[]; pick: string[] } {
  const sets = p.headers ?? [];
  if (sets.length === 0) return { top: [], pick: [] };
  const literal = (h: Readonly<Record<string, string | number | boolean>>) =>
    dictLiteral(Object.entries(h).map(([k, v]) => [pyString(k), pyValue(v)] as const));
  const one = `header_sets = [${sets.map(literal).join(', ')}]`;
  return {
    top: [
      ...comment('', prose.headerSetsText),
      ...(one.length <= commentWidth
        ? [one]
        : ['header_sets = [', ...sets.map((h) => `    ${literal(h)},`), ']']),
    ],
    pick: ['properties.headers = header_sets[(seq - 1) % len(header_sets)]'],
  };
}

export function bodyLines(parts: readonly BodyPart[], indent: string): string[] {
  const lines: string[] = [];
  if (parts.some((x) => 'value' in x && x.value === 'dots')) {
    lines.push(`${indent}dots = '.' * (1 + (seq - 1) % 3)  # 1 to 3 units of work`);
  }
  lines.push(`${indent}body = ${pyBody(parts)}`);
  return lines;
}

export function waitLine(rate: number, indent: string, what: string): string[] {
  const ms = intervalMs(rate);
  return ms === 0 ? [] : [`${indent}${what}(${ms / 1000})  # ${prose.rateText(rate)}`];
}
