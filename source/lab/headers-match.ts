/**
 * Headers exchange matching as RabbitMQ 3.10 does it: a binding's `x-match` is `all` (every
 * header the binding names is in the message, with an equal value of the same kind) or `any`
 * (at least one is). Binding arguments whose names start with `x-` never take part (`x-match`
 * itself, and the lab's own `x-rabbit-lab-*` message headers are never asked about). The routing
 * key is ignored.
 */

import type { HeaderSet, HeaderValue } from '../scenario/schema.js';

export type { HeaderSet, HeaderValue };
export type HeaderMatch = 'all' | 'any';

/** The binding's headers that take part in matching (not the `x-` ones). */
function matchable(binding: HeaderSet): [string, HeaderValue][] {
  return Object.entries(binding).filter(([name]) => !name.startsWith('x-'));
}

function same(want: HeaderValue, got: HeaderValue | undefined): boolean {
  return got !== undefined && typeof got === typeof want && got === want;
}

/** Would a binding with these arguments take a message with these headers? */
export function headersMatch(match: HeaderMatch, binding: HeaderSet, message: HeaderSet): boolean {
  const wanted = matchable(binding);
  const hit = (entry: [string, HeaderValue]) => same(entry[1], message[entry[0]]);
  return match === 'all' ? wanted.every(hit) : wanted.some(hit);
}

export interface HeadersExplanation {
  readonly matches: boolean;
  /** Header by header: `format = pdf · type ≠ report (got invoice) · lang missing`. */
  readonly why: string;
}

const shown = (v: HeaderValue) => (typeof v === 'string' ? v : `${String(v)} (${typeof v})`);

/** Headers matching, explained header by header, with the rule it was judged by. */
export function explainHeadersMatch(
  match: HeaderMatch,
  binding: HeaderSet,
  message: HeaderSet,
): HeadersExplanation {
  const wanted = matchable(binding);
  const parts = wanted.map(([name, want]) => {
    const got = message[name];
    if (got === undefined) return `${name} missing`;
    if (same(want, got)) return `${name} = ${shown(want)}`;
    return `${name} ≠ ${shown(want)} (got ${shown(got)})`;
  });
  const matches = headersMatch(match, binding, message);
  const rule = match === 'all' ? 'all of' : 'any of';
  return { matches, why: `${rule}: ${parts.join(' · ') || 'no headers'}` };
}

/**
 * Headers typed as `name=value` words (`format=pdf pages=3`): digits make a number, true and false
 * a boolean, the rest a string; a word without `=` is an error.
 */
export function parseHeaderQuery(text: string): { headers: HeaderSet } | { error: string } {
  const headers: Record<string, HeaderValue> = {};
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const at = word.indexOf('=');
    if (at <= 0) return { error: `'${word}' is not name=value (e.g. format=pdf type=report)` };
    const raw = word.slice(at + 1);
    headers[word.slice(0, at)] = /^-?\d+$/.test(raw)
      ? Number(raw)
      : raw === 'true' || raw === 'false'
        ? raw === 'true'
        : raw;
  }
  return { headers };
}

/** A header set in one line: `format=pdf type=report`. */
export function formatHeaders(headers: HeaderSet): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');
}
