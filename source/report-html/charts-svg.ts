/**
 * The run over time: per queue, the broker's ready and unacked counts from each poll; for the
 * whole run, what the producers published and the consumers first received each second. Every
 * chart shares the time axis (seconds into the run) and marks the run's events.
 */
import type { DepthPoint } from '../lab/queue-depths.js';
import type { RunEvent } from '../lab/run-events.js';
import type { TimelineReport } from '../lab/timeline.js';
import {
  area,
  axes,
  chartFrame,
  chartSvg,
  eventMarks,
  line,
  linearScale,
  type Scale,
} from './chart-frame.js';
import { text } from './markup.js';

export interface RunSpan {
  /** ms since epoch: second 0 of the charts. */
  readonly startedAt: number;
  /** The run's length in seconds (the x axis ends there, or at the last sample past it). */
  readonly seconds: number;
  readonly events: readonly RunEvent[];
}

const count = (v: number) => (v >= 10_000 ? `${Math.round(v / 1000)}k` : String(v));

function timeScale(span: RunSpan, lastS: number): Scale {
  const f = chartFrame;
  // To the last sample or event, should either come after the report's duration.
  const end = Math.max(1, span.seconds, lastS, ...span.events.map((e) => e.atS));
  return linearScale(end, f.left, f.right, { count: 6, exact: true });
}

function emptyNote(message: string): string {
  const f = chartFrame;
  return text(
    {
      x: (f.left + f.right) / 2,
      y: (f.top + f.bottom) / 2,
      'text-anchor': 'middle',
      class: 'no-data',
    },
    message,
  );
}

/** One queue's ready (with the area under it) and unacked counts over the run. */
export function depthChart(queue: string, points: readonly DepthPoint[], span: RunSpan): string {
  const f = chartFrame;
  const at = (p: DepthPoint) => (p.at - span.startedAt) / 1000;
  const x = timeScale(span, Math.max(0, ...points.map(at)));
  const y = linearScale(
    Math.max(1, ...points.flatMap((p) => [p.ready, p.unacked])),
    f.bottom,
    f.top,
  );
  const ready = points.map((p) => [x(at(p)), y(p.ready)] as const);
  const unacked = points.map((p) => [x(at(p)), y(p.unacked)] as const);
  const body =
    points.length === 0
      ? emptyNote('no poll listed this queue')
      : `${area(ready, f.bottom, 'area-ready')}${line(ready, 'line-ready')}${line(unacked, 'line-unacked')}`;
  return chartSvg(
    { 'data-queue': queue },
    'depth',
    `${queue}: ready and unacked messages over the run (${points.length} samples)`,
    `${axes(f, x, y, count)}${body}${eventMarks(f, x, span.events)}`,
  );
}

/** Published and first delivered per second, for the whole run. */
export function ratesChart(timeline: TimelineReport | undefined, span: RunSpan): string {
  const f = chartFrame;
  const published = timeline?.published ?? [];
  const delivered = timeline?.delivered ?? [];
  const offset = ((timeline?.fromMs ?? span.startedAt) - span.startedAt) / 1000;
  // Sample i counts the second after fromMs + i s: drawn at its middle.
  const second = (i: number) => offset + i + 0.5;
  const length = Math.max(published.length, delivered.length);
  const x = timeScale(span, length === 0 ? 0 : second(length - 1));
  const y = linearScale(Math.max(1, ...published, ...delivered), f.bottom, f.top, {
    whole: true,
  });
  const points = (series: readonly number[]) =>
    series.map((v, i) => [x(Math.max(0, second(i))), y(v)] as const);
  const total = published.reduce((a, b) => a + b, 0) + delivered.reduce((a, b) => a + b, 0);
  const body =
    total === 0
      ? emptyNote('no message was published or delivered')
      : `${line(points(published), 'line-published')}${line(points(delivered), 'line-delivered')}`;
  return chartSvg(
    { 'data-chart': 'rates' },
    'rates',
    'Messages published and first delivered per second',
    `${axes(f, x, y, count)}${body}${eventMarks(f, x, span.events)}`,
  );
}
