/**
 * Writing HTML and SVG as text: every piece of text from a record (scenario, queue and actor
 * names, check details) goes through `esc`, in content and in attributes alike.
 */

const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML and SVG content and for quoted attribute values. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/** A coordinate or length, to a tenth (shorter markup, the same picture). */
export function num(value: number): string {
  if (!Number.isFinite(value)) return '0';
  return String(Math.round(value * 10) / 10);
}

export type AttrValue = string | number | undefined;

/** ` name="value"` for each defined value, escaped; numbers rounded with `num`. */
export function attrs(values: Readonly<Record<string, AttrValue>>): string {
  return Object.entries(values)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : esc(v)}"`)
    .join('');
}

/** An element with attributes and (already escaped) content; empty content closes it at once. */
export function tag(name: string, values: Readonly<Record<string, AttrValue>>, inner = ''): string {
  return inner === '' && name !== 'text'
    ? `<${name}${attrs(values)}/>`
    : `<${name}${attrs(values)}>${inner}</${name}>`;
}

/** SVG text, escaped. */
export function text(values: Readonly<Record<string, AttrValue>>, content: string): string {
  return tag('text', values, esc(content));
}

/** A tooltip for the SVG element it is the first child of (shown on hover, read by screen readers). */
export function title(content: string): string {
  return `<title>${esc(content)}</title>`;
}

/** The width of a label in the diagrams' font (monospace: about 0.6 em a character, a little more to be safe). */
export function textWidth(label: string, fontSize: number): number {
  return [...label].length * fontSize * 0.62;
}

/** A label cut to `max` characters, with an ellipsis when it was longer. */
export function clip(label: string, max: number): string {
  const chars = [...label];
  return chars.length <= max ? label : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** Seconds for people: `0.4 s`, `12 s`, `2 min 5 s`. */
export function seconds(s: number): string {
  if (s < 10) return `${(Math.round(s * 10) / 10).toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest === 0 ? `${m} min` : `${m} min ${rest} s`;
}

/** Milliseconds for people: `3 ms`, `4.5 ms`, `1.25 s`. */
export function millis(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms < 10 ? `${Math.round(ms * 10) / 10} ms` : `${Math.round(ms)} ms`;
}
