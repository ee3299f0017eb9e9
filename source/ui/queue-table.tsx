import { Text } from 'ink';
import type { QueueCounters } from '../broker/management-client.js';
import type { History } from '../lab/history.js';
import type { LatencyFigures } from '../lab/latency-book.js';
import type { Mark } from '../lab/marks.js';
import type { QueueRates } from '../lab/rates.js';
import { fit, formatAge, formatRate } from './format.js';
import { Pane } from './pane.js';
import { type QueueColumns, queueColumns } from './queue-columns.js';
import { sparkSpans } from './spark.js';
import { type Span, type StyledLine, StyledLines } from './styled-lines.js';

export interface QueueTableProps {
  readonly queues: readonly QueueCounters[];
  /** When the counters were sampled; undefined before the first sample. */
  readonly sampledAt?: number;
  readonly error?: string;
  readonly compact?: boolean;
  readonly now: number;
  /** Most queue rows to show. */
  readonly rows?: number;
  /** Client-side rates from the actors' reports. */
  readonly rates?: ReadonlyMap<string, QueueRates>;
  /** A cluster: how to name a node (node 2), and so show each queue's type, leader and members. */
  readonly nodeLabel?: (nodeName: string | undefined) => string;
  /** What fits (queueColumns); the narrow counters without extras when absent. */
  readonly columns?: QueueColumns;
  /** The last minute of each queue's counters, and what happened in it (the sparklines). */
  readonly history?: History;
  readonly marks?: readonly Mark[];
  /** Publish → first delivery over the last 10 s, per queue. */
  readonly latency?: Readonly<Record<string, LatencyFigures>>;
  /** Columns inside the pane. */
  readonly width: number;
}

/**
 * `3/12/450 ms` (`3/12/450` with the unit in the header): a queue's p50, p95 and p99; from a
 * second on, all in seconds (`1.2/5.0/12 s`), so the figures keep their width.
 */
export function latencyText(l: LatencyFigures | undefined, unit = true): string {
  if (l === undefined) return '–';
  if (l.p99 >= 1000) {
    const s = (ms: number) =>
      ms >= 10_000 ? String(Math.round(ms / 1000)) : (ms / 1000).toFixed(1);
    return `${s(l.p50)}/${s(l.p95)}/${s(l.p99)} s`;
  }
  return `${l.p50}/${l.p95}/${l.p99}${unit ? ' ms' : ''}`;
}

/** `  12 held for dead-lettering` after the ready sparkline: room for it, from the sparklines. */
function withRoomForHeld(c: QueueColumns, queues: readonly QueueCounters[]): QueueColumns {
  if (!queues.some((q) => q.held)) return c;
  const spare = c.readySpark + (c.unackedSpark > 0 ? 2 + c.unackedSpark : 0) - 28;
  return { ...c, readySpark: spare >= 8 ? Math.min(c.readySpark, spare) : 0, unackedSpark: 0 };
}

/** The latencies in the title, when the table has no room for their column: the slowest first. */
function latencyTitle(latency: Readonly<Record<string, LatencyFigures>> | undefined): string {
  const slowest = Object.entries(latency ?? {}).sort(([, a], [, b]) => b.p99 - a.p99);
  if (slowest.length === 0) return '';
  return ` · p50/95/99 ${slowest.map(([q, l]) => `${q} ${latencyText(l)}`).join(', ')}`;
}

/**
 * `quorum · leader node 2 · 2/3 online`, `classic · on node 1`, `classic · down (node 1)`; short:
 * `quorum · node 2 · 2/3`.
 */
export function placementText(
  q: QueueCounters,
  label: (name: string | undefined) => string,
  short = false,
): string {
  const type = q.type ?? 'classic';
  if (q.leader !== undefined || q.members !== undefined) {
    const members = q.members?.length ?? 0;
    const online = q.online?.length ?? 0;
    if (short) {
      const leader = q.leader === undefined ? 'no leader' : label(q.leader);
      return `${type} · ${leader} · ${online}/${members}`;
    }
    const leader = q.leader === undefined ? 'no leader' : `leader ${label(q.leader)}`;
    return `${type} · ${leader} · ${online}/${members} online`;
  }
  if (q.node === undefined) return type;
  return q.state === 'down' ? `${type} · down (${label(q.node)})` : `${type} · on ${label(q.node)}`;
}

/**
 * The queues that fit: when some must go, those holding the most messages stay (a backlog is
 * what the table is for), still listed by name so rows do not jump about.
 */
export function pick(queues: readonly QueueCounters[], rows?: number): readonly QueueCounters[] {
  if (rows === undefined || queues.length <= rows) return queues;
  const held = (q: QueueCounters) => q.messagesReady + q.messagesUnacknowledged;
  const kept = new Set(
    [...queues]
      .sort((a, b) => held(b) - held(a) || a.name.localeCompare(b.name))
      .slice(0, Math.max(0, rows)),
  );
  return queues.filter((q) => kept.has(q));
}

/** The column names. */
function headerText(c: QueueColumns, placed: boolean): string {
  return [
    `${fit('name', c.name)} ${'ready'.padStart(c.ready)} ${'unacked'.padStart(c.unacked)} `,
    c.consumersLabel.padStart(c.consumers),
    c.rate > 0 ? ` ${'in/s'.padStart(c.rate)} ${'out/s'.padStart(c.rate)}` : '',
    c.latency > 0 ? `  ${fit(c.latencyUnit ? 'p50/p95/p99 10 s' : 'p50/95/99 ms', c.latency)}` : '',
    c.readySpark > 0 ? `  ${fit('ready, 1 min', c.readySpark)}` : '',
    c.unackedSpark > 0 ? `  ${fit('unacked, 1 min', c.unackedSpark)}` : '',
    placed && c.placement !== 'none' ? '  where' : '',
  ].join('');
}

interface RowContext
  extends Pick<QueueTableProps, 'rates' | 'latency' | 'history' | 'marks' | 'nodeLabel'> {
  readonly c: QueueColumns;
  readonly now: number;
}

/** A queue's counters, rates and latency, its sparklines, what it holds back, where it is. */
function queueLine(q: QueueCounters, x: RowContext): StyledLine {
  const { c, now, marks, nodeLabel } = x;
  const rate = (n: number) =>
    c.rate > 0 ? ` ${formatRate(n).replace('/s', '').padStart(c.rate)}` : '';
  const counters = [
    `${fit(q.name, c.name)} ${String(q.messagesReady).padStart(c.ready)} `,
    `${String(q.messagesUnacknowledged).padStart(c.unacked)} `,
    String(q.consumers).padStart(c.consumers),
    rate(x.rates?.get(q.name)?.in ?? 0),
    rate(x.rates?.get(q.name)?.out ?? 0),
    c.latency > 0 ? `  ${latencyText(x.latency?.[q.name], c.latencyUnit).padStart(c.latency)}` : '',
  ].join('');
  const sparks = (
    [
      ['ready', c.readySpark, 'cyan'],
      ['unacked', c.unackedSpark, 'magenta'],
    ] as const
  ).flatMap(([counter, width, color]): Span[] =>
    width > 0
      ? [['  '], ...sparkSpans({ series: x.history?.[counter][q.name], width, now, marks, color })]
      : [],
  );
  const down = q.state === 'down' || (q.leader === undefined && q.members);
  return [
    [counters],
    ...sparks,
    ...(q.held ? [[`  ${q.held} held for dead-lettering`, { color: 'yellow' }] as const] : []),
    ...(nodeLabel && c.placement !== 'none'
      ? [
          [
            `  ${placementText(q, nodeLabel, c.placement === 'short')}`,
            { color: down ? 'red' : undefined },
          ] as const,
        ]
      : []),
  ];
}

export function QueueTable({
  queues,
  sampledAt,
  error,
  now,
  rows,
  rates,
  compact,
  nodeLabel,
  columns = queueColumns(0, false),
  history,
  marks,
  latency,
  width,
}: QueueTableProps) {
  const shown = pick(queues, rows);
  const hidden = queues.length - shown.length;
  const age =
    sampledAt === undefined
      ? 'waiting for the first sample'
      : formatAge(Math.max(0, now - sampledAt));
  const c = withRoomForHeld(columns, queues);
  return (
    <Pane
      compact={compact}
      title={
        <>
          <Text bold>Queues</Text>
          <Text dimColor> · live · {age}</Text>
          {hidden > 0 ? <Text dimColor> · {hidden} more</Text> : null}
          {error ? <Text color="red"> · unavailable: {error}</Text> : null}
          {c.latency === 0 ? <Text dimColor>{latencyTitle(latency)}</Text> : null}
        </>
      }
    >
      <StyledLines
        lines={[
          [[headerText(c, nodeLabel !== undefined), { dim: true }]],
          ...(queues.length === 0 ? [[['(no queues yet)', { dim: true }] as const]] : []),
          ...shown.map((q) => queueLine(q, { c, rates, latency, history, marks, now, nodeLabel })),
        ]}
        width={width}
      />
    </Pane>
  );
}
