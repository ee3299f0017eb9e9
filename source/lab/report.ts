import type { CheckResult } from './checks.js';
import { type Failover, nodeActionDone, nodeLabel } from './cluster-state.js';
import { type LatencyReport, latencyLines } from './latency-book.js';
import { type MessageFigures, messageLines } from './message-figures.js';
import type { RunEvent } from './run-events.js';
import { consumerQueue, type LabState } from './store.js';
import type { TimelineReport } from './timeline.js';

export interface ActorReport {
  readonly id: string;
  readonly kind: 'producer' | 'consumer';
  readonly status: string;
  readonly published?: number;
  readonly unroutable?: number;
  readonly queue?: string;
  readonly received?: number;
  readonly acked?: number;
  readonly redelivered?: number;
  readonly external?: number;
  /** Consumer with retries: deliveries back through dead-lettering, and messages parked. */
  readonly retried?: number;
  readonly parked?: number;
  readonly errors: number;
  readonly lastError?: string;
}

export interface Report {
  readonly scenario: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly broker: {
    readonly url: string;
    readonly managementUrl: string;
    readonly embedded: boolean;
    readonly version: string;
  };
  readonly actors: readonly ActorReport[];
  readonly queues: readonly {
    readonly name: string;
    readonly messagesReady: number;
    readonly messagesUnacknowledged: number;
  }[];
  readonly checks: readonly CheckResult[];
  readonly notices: readonly string[];
  /** A private cluster's node actions, with what was measured (absent without a cluster). */
  readonly failovers?: readonly FailoverReport[];
  /** Per message, by id: confirmed and lost, duplicated, redelivered, reordered; per queue too. */
  readonly messages?: MessageFigures;
  /** Publish → first delivery, p50/p95/p99 per queue and per consumer (ms). */
  readonly latency?: LatencyReport;
  /** Published and first delivered, one sample a second. */
  readonly timeline?: TimelineReport;
  /** What happened when: actors started, stopped, killed; tour steps; nodes down and up. */
  readonly events?: readonly RunEvent[];
}

export interface FailoverReport {
  readonly action: Failover['action'];
  readonly node: string;
  /** Seconds into the run. */
  readonly atS: number;
  readonly queues: readonly {
    readonly queue: string;
    readonly type: string;
    readonly leaderBefore: string;
    readonly leaderAfter?: string;
    /** From the node action to the management API listing the new leader (or the queue back). */
    readonly electionMs?: number;
  }[];
  /** The longest time without a publisher confirm around the failover. */
  readonly publishGapMs?: number;
  /** The longest any consumer went without a message around it, and which one. */
  readonly consumerGapMs?: number;
  readonly consumerGapOf?: string;
}

function failoverReports(state: LabState): FailoverReport[] | undefined {
  const cluster = state.cluster;
  if (cluster === undefined) return undefined;
  const label = (name: string | undefined) => nodeLabel(cluster.nodes, name);
  return cluster.failovers.map((f) => ({
    action: f.action,
    node: `node ${f.number}`,
    atS: Math.round((f.at - state.startedAt) / 100) / 10,
    queues: f.queues.map((q) => ({
      queue: q.queue,
      type: q.type,
      leaderBefore: label(q.before),
      ...(q.after === undefined ? {} : { leaderAfter: label(q.after) }),
      ...(q.electedMs === undefined ? {} : { electionMs: q.electedMs }),
    })),
    ...(f.publishGapMs === undefined ? {} : { publishGapMs: f.publishGapMs }),
    ...(f.consumerGapMs === undefined
      ? {}
      : { consumerGapMs: f.consumerGapMs, consumerGapOf: f.consumerGapOf }),
  }));
}

export function failoverLines(report: Report): string[] {
  return (report.failovers ?? []).map((f) => {
    const queues = f.queues.map((q) =>
      q.electionMs === undefined
        ? `${q.queue}: no new leader seen`
        : `${q.queue}: ${q.type === 'classic' ? 'back on' : 'new leader'} ${q.leaderAfter} after ${(q.electionMs / 1000).toFixed(2)} s`,
    );
    const gap =
      f.publishGapMs === undefined
        ? ''
        : ` · longest wait for a confirm ${(f.publishGapMs / 1000).toFixed(2)} s`;
    const quiet =
      f.consumerGapMs === undefined
        ? ''
        : ` · longest a consumer went without a message ${(f.consumerGapMs / 1000).toFixed(2)} s (${f.consumerGapOf ?? '?'})`;
    return `failover: ${f.node} ${nodeActionDone[f.action]} at ${f.atS.toFixed(1)} s${queues.length > 0 ? ` · ${queues.join(' · ')}` : ''}${gap}${quiet}`;
  });
}

export function buildReport(
  state: LabState,
  checks: readonly CheckResult[],
  durationMs: number,
  queueNames: ReadonlySet<string>,
): Report {
  return {
    scenario: state.scenario.name,
    ok: checks.every((c) => c.ok),
    durationMs,
    broker: {
      url: state.broker.redactedUrl,
      managementUrl: state.broker.managementUrl,
      embedded: state.broker.embedded,
      version: state.broker.version,
    },
    actors: state.actors.map((a): ActorReport => {
      const common = {
        id: a.id,
        kind: a.config.kind,
        status: a.status,
        errors: a.errors,
        ...(a.lastError ? { lastError: a.lastError } : {}),
      };
      return a.config.kind === 'producer'
        ? { ...common, published: a.published, unroutable: a.unroutable }
        : {
            ...common,
            queue: consumerQueue(a),
            received: a.received,
            acked: a.acked,
            redelivered: a.redelivered,
            external: a.external,
            ...(a.config.retry ? { retried: a.retried, parked: a.parked } : {}),
          };
    }),
    queues: state.queues.list
      .filter((q) => queueNames.has(q.name))
      .map((q) => ({
        name: q.name,
        messagesReady: q.messagesReady,
        messagesUnacknowledged: q.messagesUnacknowledged,
      })),
    checks,
    notices: state.notices,
    ...(state.cluster ? { failovers: failoverReports(state) } : {}),
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** A readable summary for people (headless without --json). */
export function formatReport(report: Report): string {
  const lines: string[] = [];
  lines.push(
    `${report.scenario} · ${(report.durationMs / 1000).toFixed(1)} s · RabbitMQ ${report.broker.version}${report.broker.embedded ? (report.failovers === undefined ? ' (private node)' : ' (private cluster)') : ''} · ${report.broker.url}`,
  );
  lines.push('');
  lines.push(
    `${pad('actor', 6)}${pad('kind', 10)}${pad('queue', 16)}${pad('sent', 8)}${pad('got', 8)}${pad('acked', 8)}${pad('redeliv.', 9)}errors`,
  );
  for (const a of report.actors) {
    lines.push(
      `${pad(a.id, 6)}${pad(a.kind, 10)}${pad(a.queue ?? '', 16)}${pad(String(a.published ?? ''), 8)}${pad(String(a.received ?? ''), 8)}${pad(String(a.acked ?? ''), 8)}${pad(String(a.redelivered ?? ''), 9)}${a.errors}${a.lastError ? `  ${a.lastError}` : ''}`,
    );
  }
  if (report.queues.length > 0) {
    lines.push('');
    lines.push(`${pad('queue', 22)}${pad('ready', 8)}unacked`);
    for (const q of report.queues) {
      lines.push(`${pad(q.name, 22)}${pad(String(q.messagesReady), 8)}${q.messagesUnacknowledged}`);
    }
  }
  if (report.messages !== undefined) lines.push('', ...messageLines(report.messages));
  if (report.latency !== undefined) lines.push('', ...latencyLines(report.latency));
  const failovers = failoverLines(report);
  if (failovers.length > 0) lines.push('', ...failovers);
  for (const n of report.notices) lines.push('', `note: ${n}`);
  lines.push('');
  for (const c of report.checks) lines.push(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
  lines.push('', report.ok ? 'All checks passed.' : 'Some checks failed.');
  return lines.join('\n');
}
