/**
 * Publish → first delivery latency: p50, p95 and p99 as bars for each queue and each consumer,
 * and each queue's whole histogram (the consumers' buckets, merged) on a logarithmic time axis.
 */
import { bucketTop, type LatencyBuckets } from '../actors/latency.js';
import type { LatencyFigures, LatencyReport } from '../lab/latency-book.js';
import { chartSvg, type Frame, linearScale } from './chart-frame.js';
import { clip, esc, millis, tag, text, textWidth, title } from './markup.js';

const ROW = 26;
const BAR = 14;
const percentiles = ['p50', 'p95', 'p99'] as const;

interface Row extends LatencyFigures {
  readonly label: string;
  readonly kind: 'queue' | 'consumer';
  readonly name: string;
}

function rows(r: LatencyReport): Row[] {
  return [
    ...r.queues.map((q) => ({ ...q, label: q.queue, kind: 'queue' as const, name: q.queue })),
    ...r.consumers.map((c) => ({
      ...c,
      label: `${c.consumer} · ${c.queue}`,
      kind: 'consumer' as const,
      name: c.consumer,
    })),
  ];
}

interface LogScale {
  (ms: number): number;
  readonly ticks: readonly number[];
}

/**
 * log10(1 + ms) from 0 to the first power of ten at or above `maxMs`: 0 ms at the origin, and
 * above 10 ms every 10 % bucket the same width. Latencies of 3 ms and 6 s both show.
 */
function logScale(maxMs: number, from: number, to: number): LogScale {
  const decades = [1];
  while ((decades.at(-1) ?? 1) < maxMs) decades.push((decades.at(-1) ?? 1) * 10);
  const span = Math.log10(1 + (decades.at(-1) ?? 10));
  const f = (ms: number) => from + ((to - from) * Math.log10(1 + Math.max(0, ms))) / span;
  return Object.assign(f, { ticks: decades });
}

const msTick = (ms: number) => (ms < 1000 ? `${ms} ms` : `${ms / 1000} s`);

function logAxis(x: LogScale, top: number, bottom: number): string {
  return x.ticks
    .map(
      (v) =>
        `${tag('line', { x1: x(v), x2: x(v), y1: top, y2: bottom, class: 'grid' })}${tag('line', { x1: x(v), x2: x(v), y1: bottom, y2: bottom + 4, class: 'axis' })}${text({ x: x(v), y: bottom + 16, 'text-anchor': 'middle', class: 'tick' }, msTick(v))}`,
    )
    .join('');
}

/** p50, p95 and p99 as nested bars, per queue and then per consumer, on one logarithmic scale. */
export function percentileBars(r: LatencyReport): string {
  const list = rows(r);
  const labelWidth = Math.max(80, ...list.map((x) => textWidth(clip(x.label, 36), 11))) + 14;
  const values = list.map(
    (row) =>
      `p50 ${millis(row.p50)} · p95 ${millis(row.p95)} · p99 ${millis(row.p99)} · ${row.count} msgs`,
  );
  const valuesWidth = Math.max(...values.map((v) => textWidth(v, 10.5))) + 16;
  const right = labelWidth + 420;
  const width = right + valuesWidth;
  const top = 8;
  const bottom = top + list.length * ROW;
  const x = logScale(Math.max(1, ...list.map((row) => row.p99)), labelWidth, right);
  const bars = list
    .map((row, i) => {
      const y = top + i * ROW + (ROW - BAR) / 2;
      const label = text(
        {
          x: labelWidth - 10,
          y: y + BAR - 3,
          'text-anchor': 'end',
          class: `row-label row-${row.kind}`,
        },
        clip(row.label, 36),
      );
      const nested = [...percentiles]
        .reverse()
        .map((p) =>
          tag(
            'rect',
            {
              x: x(0),
              y,
              width: Math.max(1.5, x(row[p]) - x(0)),
              height: BAR,
              class: `bar bar-${p}`,
            },
            title(`${row.label}: ${p} ${millis(row[p])}`),
          ),
        )
        .join('');
      const figures = text({ x: right + 12, y: y + BAR - 3, class: 'bar-value' }, values[i] ?? '');
      return `<g data-latency-row="${row.kind}" data-name="${esc(row.name)}">${title(`${row.label}: ${row.count} messages`)}${label}${nested}${figures}</g>`;
    })
    .join('');
  const frame: Frame = { width, height: bottom + 26, left: labelWidth, right, top, bottom };
  return chartSvg(
    { 'data-chart': 'latency-percentiles' },
    'latency-bars',
    'Latency percentiles per queue and per consumer (logarithmic scale)',
    `${logAxis(x, top, bottom)}${bars}`,
    frame,
  );
}

function bucketLow(bucket: number): number {
  return bucket === 0 ? 0 : bucketTop(bucket - 1);
}

/** A queue's histogram: each bucket a bar, p50/p95/p99 marked. */
export function latencyHistogram(
  queue: string,
  buckets: LatencyBuckets,
  figures: LatencyFigures | undefined,
): string {
  const frame: Frame = { width: 560, height: 170, left: 46, right: 540, top: 14, bottom: 144 };
  const x = logScale(Math.max(10, ...buckets.map(([b]) => bucketTop(b))), frame.left, frame.right);
  const y = linearScale(Math.max(1, ...buckets.map(([, n]) => n)), frame.bottom, frame.top, {
    whole: true,
  });
  const yAxis = y.ticks
    .map(
      (v) =>
        `${tag('line', { x1: frame.left, x2: frame.right, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' })}${text({ x: frame.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, String(v))}`,
    )
    .join('');
  const bars = buckets
    .map(([b, n]) => {
      const lo = x(bucketLow(b));
      const hi = x(bucketTop(b));
      return tag(
        'rect',
        {
          x: lo,
          y: y(n),
          width: Math.max(1, hi - lo - 0.5),
          height: frame.bottom - y(n),
          class: 'bar bar-bucket',
        },
        title(`${millis(bucketLow(b))} – ${millis(bucketTop(b))}: ${n} messages`),
      );
    })
    .join('');
  const marks = figures
    ? percentiles
        .map((p, i) => {
          const at = x(figures[p]);
          const left = at > frame.right - 40;
          return `${tag('line', { x1: at, x2: at, y1: frame.top, y2: frame.bottom, class: `mark mark-${p}` }, title(`${p} ${millis(figures[p])}`))}${text({ x: left ? at - 3 : at + 3, y: frame.top + 10 + i * 11, 'text-anchor': left ? 'end' : 'start', class: 'mark-label' }, p)}`;
        })
        .join('')
    : '';
  const total = buckets.reduce((a, [, n]) => a + n, 0);
  return chartSvg(
    { 'data-latency-queue': queue },
    'latency-histogram',
    `${queue}: latency of ${total} messages, publish → first delivery`,
    `${logAxis(x, frame.top, frame.bottom)}${yAxis}${bars}${marks}`,
    frame,
  );
}
