import { Text } from 'ink';
import type { QueueCounters } from '../broker/management-client.js';
import { HISTORY_MS, type History } from '../lab/history.js';
import type { LatencyFigures } from '../lab/latency-book.js';
import type { QueueRates } from '../lab/rates.js';
import { fit, formatAge, formatRate } from './format.js';
import { Pane } from './pane.js';
import { sparkline } from './sparkline.js';

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
  /** The last minute of each queue's ready count, as a sparkline this wide (0: none). */
  readonly history?: History;
  readonly sparkWidth?: number;
  /** Publish → first delivery over the last 10 s, shown when `latencyShown`. */
  readonly latency?: Readonly<Record<string, LatencyFigures>>;
  readonly latencyShown?: boolean;
}

/** `3/5/9 ms`: a queue's p50, p95 and p99 over the last 10 s. */
export function latencyText(l: LatencyFigures | undefined): string {
  if (l === undefined) return '–';
  const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : String(ms));
  return `${s(l.p50)}/${s(l.p95)}/${s(l.p99)} ms`;
}

const LATENCY_WIDTH = 17;

/** `quorum · leader node 2 · 2/3 online`, `classic · on node 1`, `classic · down (node 1)`. */
export function placementText(
  q: QueueCounters,
  label: (name: string | undefined) => string,
): string {
  const type = q.type ?? 'classic';
  if (q.leader !== undefined || q.members !== undefined) {
    const members = q.members?.length ?? 0;
    const online = q.online?.length ?? 0;
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

export function QueueTable({
  queues,
  sampledAt,
  error,
  now,
  rows,
  rates,
  compact,
  nodeLabel,
  history,
  sparkWidth = 0,
  latency,
  latencyShown = false,
}: QueueTableProps) {
  const shown = pick(queues, rows);
  const hidden = queues.length - shown.length;
  const age =
    sampledAt === undefined
      ? 'waiting for the first sample'
      : formatAge(Math.max(0, now - sampledAt));
  return (
    <Pane
      compact={compact}
      title={
        <>
          <Text bold>Queues</Text>
          <Text dimColor> · live · {age}</Text>
          {hidden > 0 ? <Text dimColor> · {hidden} more</Text> : null}
          {error ? <Text color="red"> · unavailable: {error}</Text> : null}
        </>
      }
    >
      <Text dimColor>
        {fit('name', 26)} {'ready'.padStart(8)} {'unacked'.padStart(8)} {'consumers'.padStart(10)}{' '}
        {'in/s'.padStart(8)} {'out/s'.padStart(8)}
        {latencyShown ? `  ${fit('p50/p95/p99 10 s', LATENCY_WIDTH)}` : ''}
        {sparkWidth > 0 ? `  ${fit('ready, 1 min', sparkWidth)}` : ''}
        {nodeLabel ? '  where' : ''}
      </Text>
      {queues.length === 0 ? <Text dimColor>(no queues yet)</Text> : null}
      {shown.map((q) => (
        <Text key={q.name}>
          {fit(q.name, 26)} {String(q.messagesReady).padStart(8)}{' '}
          {String(q.messagesUnacknowledged).padStart(8)} {String(q.consumers).padStart(10)}{' '}
          {formatRate(rates?.get(q.name)?.in ?? 0)
            .replace('/s', '')
            .padStart(8)}{' '}
          {formatRate(rates?.get(q.name)?.out ?? 0)
            .replace('/s', '')
            .padStart(8)}
          {latencyShown ? `  ${latencyText(latency?.[q.name]).padStart(LATENCY_WIDTH)}` : ''}
          {sparkWidth > 0 ? (
            <Text color="cyan">
              {'  '}
              {sparkline(history?.ready[q.name], sparkWidth, HISTORY_MS, now)}
            </Text>
          ) : null}
          {q.held ? <Text color="yellow">{`  ${q.held} held for dead-lettering`}</Text> : null}
          {nodeLabel ? (
            <Text
              color={
                q.state === 'down' || (q.leader === undefined && q.members) ? 'red' : undefined
              }
            >
              {'  '}
              {placementText(q, nodeLabel)}
            </Text>
          ) : null}
        </Text>
      ))}
    </Pane>
  );
}
