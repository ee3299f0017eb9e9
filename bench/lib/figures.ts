/** The figures the sections measure, and the table they make. */
import { round } from './stats.js';
import { log } from './util.js';

export interface Figure {
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly digits?: number;
  readonly goal?: string;
  /** undefined when there is no goal. */
  readonly met?: boolean;
  readonly note?: string;
}

/** Every figure so far, in the order measured. */
export const figures: Figure[] = [];

export function figure(f: Figure): void {
  figures.push(f);
  log(`${f.label}: ${formatValue(f)}${f.goal ? ` (goal ${f.goal})` : ''}`);
}

export const count = (n: number) =>
  Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';

/** "a, b, c" for a handful of samples. */
export function samplesNote(values: readonly number[], unit = 'ms', digits = 0): string {
  return `${values.map((v) => v.toFixed(digits)).join(', ')} ${unit}`;
}

export function formatValue(f: Figure): string {
  if (!Number.isFinite(f.value)) return 'n/a';
  const digits = f.digits ?? (Math.abs(f.value) >= 100 ? 0 : 1);
  const num = f.value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
  return f.unit === '' ? num : `${num} ${f.unit}`;
}

export function printTable(): string {
  const rows = figures.map((f) => [
    f.label,
    formatValue(f),
    f.goal ?? '',
    f.met === undefined ? '' : f.met ? 'yes' : 'NO',
    f.note ?? '',
  ]);
  const header = ['figure', 'value', 'goal', 'met?', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 1 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** One figure divided by another (by id) or by a number; null when either is missing. */
export function ratioOf(a: string, b: string | number): number | null {
  const x = figures.find((f) => f.id === a)?.value;
  const y = typeof b === 'number' ? b : figures.find((f) => f.id === b)?.value;
  if (x === undefined || y === undefined || !Number.isFinite(x / y)) return null;
  return round(x / y, 3);
}
