/**
 * What every chart on the page shares: its frame, scales with round ticks, axes, and the run's
 * events as numbered vertical marks (numbered as in the page's list of events).
 */
import type { RunEvent } from '../lab/run-events.js';
import { esc, num, tag, text, textWidth, title } from './markup.js';

export const CHART_WIDTH = 560;
export const CHART_HEIGHT = 190;

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export const chartFrame: Frame = {
  width: CHART_WIDTH,
  height: CHART_HEIGHT,
  left: 46,
  right: CHART_WIDTH - 12,
  top: 24,
  bottom: CHART_HEIGHT - 26,
};

/**
 * Round ticks from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten (whole steps
 * for counts).
 */
export function ticks(max: number, count = 4, whole = false): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = Math.max(max / count, whole ? 1 : 0);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t < max + step * 0.999; t += step) out.push(Math.round(t * 1e6) / 1e6);
  return out;
}

export interface Scale {
  (value: number): number;
  readonly ticks: readonly number[];
}

export interface ScaleOptions {
  /** How many ticks, about. */
  readonly count?: number;
  /** Counts: whole ticks only. */
  readonly whole?: boolean;
  /** End the axis at `max` itself (time), not at the round tick above it. */
  readonly exact?: boolean;
}

export function linearScale(
  max: number,
  from: number,
  to: number,
  { count = 4, whole = false, exact = false }: ScaleOptions = {},
): Scale {
  const all = ticks(max, count, whole);
  const top = exact ? max : (all.at(-1) ?? 1);
  const f = (v: number) => from + ((to - from) * v) / top;
  return Object.assign(f, { ticks: exact ? all.filter((t) => t <= max + 1e-9) : all });
}

/** Seconds on a tick: `0`, `5 s`, `1.5 s`, `2 min`. */
function secondsTick(s: number): string {
  if (s >= 120 && s % 60 === 0) return `${s / 60} min`;
  return `${num(s)} s`;
}

/** The grid, the y axis (counts) and the x axis (seconds into the run). */
export function axes(frame: Frame, x: Scale, y: Scale, yLabel: (v: number) => string): string {
  const yTicks = y.ticks
    .map(
      (v) =>
        `${tag('line', { x1: frame.left, x2: frame.right, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' })}${text({ x: frame.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, yLabel(v))}`,
    )
    .join('');
  const xTicks = x.ticks
    .filter((v) => x(v) <= frame.right + 0.5)
    .map(
      (v) =>
        `${tag('line', { x1: x(v), x2: x(v), y1: frame.bottom, y2: frame.bottom + 4, class: 'axis' })}${text({ x: x(v), y: frame.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, secondsTick(v))}`,
    )
    .join('');
  return `<g class="axes">${yTicks}${xTicks}</g>`;
}

/** An event's class: red for what breaks things (a kill, a failure, a node down). */
export function eventTone(e: RunEvent): 'bad' | 'tour' | 'plain' {
  if (e.kind === 'node' || /\b(killed|failed)$/.test(e.text)) return 'bad';
  return e.kind === 'tour' ? 'tour' : 'plain';
}

/** Events close together share one number label (`3–5`) so labels never overlap. */
function groups(
  events: readonly RunEvent[],
  x: Scale,
): { at: number; first: number; last: number }[] {
  const out: { at: number; first: number; last: number }[] = [];
  events.forEach((e, i) => {
    const at = x(e.atS);
    const previous = out.at(-1);
    const label = previous ? String(previous.first + 1).length * 7 + 18 : 0;
    if (previous && at - previous.at < label) previous.last = i;
    else out.push({ at, first: i, last: i });
  });
  return out;
}

/** The run's events as dashed vertical lines with their numbers at the top. */
export function eventMarks(frame: Frame, x: Scale, events: readonly RunEvent[]): string {
  const lines = events
    .map((e, i) =>
      tag(
        'line',
        {
          x1: x(e.atS),
          x2: x(e.atS),
          y1: frame.top - 4,
          y2: frame.bottom,
          class: `event event-${eventTone(e)}`,
        },
        title(`${i + 1}. ${num(e.atS)} s: ${e.text}`),
      ),
    )
    .join('');
  const labels = groups(events, x)
    .map((g) => {
      const label = g.first === g.last ? `${g.first + 1}` : `${g.first + 1}–${g.last + 1}`;
      // Kept inside the chart: a label near an edge grows away from it.
      const half = textWidth(label, 10) / 2;
      const anchor = g.at + half > frame.width - 2 ? 'end' : g.at - half < 2 ? 'start' : 'middle';
      return text(
        { x: g.at, y: frame.top - 8, 'text-anchor': anchor, class: 'event-number' },
        label,
      );
    })
    .join('');
  return `<g class="events">${lines}${labels}</g>`;
}

/** A polyline through points, or nothing for none. */
export function line(points: readonly (readonly [number, number])[], cls: string): string {
  if (points.length === 0) return '';
  const p = points.map(([a, b]) => `${num(a)},${num(b)}`).join(' ');
  return tag('polyline', { points: p, class: cls });
}

/** The same points closed down to the x axis: the area under a line. */
export function area(
  points: readonly (readonly [number, number])[],
  base: number,
  cls: string,
): string {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return '';
  const p = [...points, [last[0], base] as const, [first[0], base] as const]
    .map(([a, b]) => `${num(a)},${num(b)}`)
    .join(' ');
  return tag('polygon', { points: p, class: cls });
}

/** The `<svg>` element of a chart, with its accessible name. */
export function chartSvg(
  hooks: Readonly<Record<string, string>>,
  cls: string,
  name: string,
  inner: string,
  frame: Frame = chartFrame,
): string {
  const data = Object.entries(hooks)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join('');
  return `<svg class="chart ${cls}"${data} xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${frame.width} ${frame.height}" width="${frame.width}" height="${frame.height}">${title(name)}${inner}</svg>`;
}
