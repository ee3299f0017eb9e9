import { Text } from 'ink';
import type { Activity } from '../lab/consumer-activity.js';
import type { History } from '../lab/history.js';
import type { Mark } from '../lab/marks.js';
import { type ActorView, isLive } from '../lab/store.js';
import { streamLag } from '../lab/stream-lag.js';
import { fit, formatRate, withKey } from './format.js';
import { Pane } from './pane.js';
import { sparkSpans } from './spark.js';
import { type Span, type StyledLine, StyledLines } from './styled-lines.js';
import { actorColour } from './theme.js';

export interface ActorListProps {
  readonly actors: readonly ActorView[];
  /** The id of the selected actor, highlighted. */
  readonly selected?: string;
  readonly compact?: boolean;
  /** A cluster: the node each actor is connected to (node 2), by actor id. */
  readonly nodes?: ReadonlyMap<string, string>;
  /** Single active consumer: which consumers the broker lets receive, by actor id. */
  readonly activity?: Activity;
  /** Each actor's rate over the last minute as a sparkline this wide (0: none), with the marks. */
  readonly sparkWidth?: number;
  readonly history?: History;
  readonly marks?: readonly Mark[];
  readonly now?: number;
  /** Columns inside the pane. */
  readonly width: number;
}

/** The rate sparkline on an actor's row: a little wider on wide terminals. */
export function actorSparkWidth(columns: number): number {
  return columns >= 120 ? 12 : 8;
}

/** An actor's row after its status: what it does and its rate (`lead`), then its figures. */
function describe(actor: ActorView, actors: readonly ActorView[]): { lead: string; tail: string } {
  const c = actor.config;
  if (c.kind === 'producer') {
    const target =
      c.exchange === '' ? (c.routingKeys[0] ?? '') : withKey(c.exchange, ...c.routingKeys);
    const rate = c.rate === 0 ? 'max' : `${c.rate}/s`;
    const returned = actor.unroutable > 0 ? `  unroutable ${actor.unroutable}` : '';
    const mode =
      c.confirm && c.confirm !== 'async'
        ? ` (${c.confirm === 'each' ? 'each' : `batch ${c.confirmBatch ?? 100}`})`
        : '';
    const confirms =
      actor.confirmMs === undefined
        ? ''
        : `  confirmed ${actor.confirmed}${mode} in ${actor.confirmMs.toFixed(1)} ms`;
    const refused = actor.refused > 0 ? `  nacked ${actor.refused}` : '';
    if (c.rpc) {
      const r = actor.rpc;
      const rtt = r && r.replies > 0 ? `  ${Math.round(r.rttMs / r.replies)} ms` : '';
      const extra = r && r.retries > 0 ? `  retried ${r.retries}` : '';
      return {
        lead: `→ ${fit(target, 16)} ${formatRate(actor.rate).padStart(7)}`,
        tail: `  asked ${r?.requests ?? 0}  answered ${r?.replies ?? 0}${rtt}${extra}  via ${c.rpc.replyTo === 'direct' ? 'direct reply-to' : 'own queue'}`,
      };
    }
    // An HTTP endpoint publishes what it is sent: where it listens instead of a target rate.
    const source = c.http
      ? `HTTP ${actor.endpoint?.replace('http://', '') ?? '(starting)'}`
      : `target ${rate}`;
    return {
      lead: `→ ${fit(target, 16)} ${formatRate(actor.rate).padStart(7)}`,
      tail: `  sent ${actor.published}  ${source}${confirms}${refused}${returned}`,
    };
  }
  const source = actor.queue ?? c.queue ?? '…';
  const prefetch = c.prefetch === 0 ? '∞' : String(c.prefetch);
  // Delivered but not yet acknowledged: what the broker would requeue if this consumer died.
  const holding =
    c.ack === 'auto' ? 0 : actor.received - actor.acked - actor.nacked - actor.abandoned;
  // Once it is gone, what it held went back to the queue.
  const held = holding <= 0 ? '' : isLive(actor) ? `  holding ${holding}` : `  requeued ${holding}`;
  const retries = c.retry ? `  retried ${actor.retried}  parked ${actor.parked}` : '';
  const stream =
    c.offset === undefined
      ? ''
      : `${streamText(actor, c.offset, actors)}${c.track ? `  as '${c.track}'` : ''}`;
  return {
    lead: `← ${fit(source, 16)} ${formatRate(actor.rate).padStart(7)}`,
    tail: `  got ${actor.received}${stream}${held}${retries}  prefetch ${prefetch}  ${c.ack} ack${actor.redelivered ? `  redelivered ${actor.redelivered}` : ''}`,
  };
}

/**
 * A stream consumer: where it started (as asked, and the first offset the broker gave it: `last`
 * starts at the last chunk, not the last message), its latest offset, how far behind it is.
 */
function streamText(actor: ActorView, offset: string | number, actors: readonly ActorView[]) {
  const s = actor.stream;
  if (s === undefined) return `  from ${offset}: nothing yet`;
  const lag = streamLag(actors, actor);
  return `  from ${offset} → offset ${s.first}…${s.last}${lag === undefined ? '' : `  lag ${lag}`}`;
}

interface RowContext {
  readonly actors: readonly ActorView[];
  readonly width: number;
  readonly now: number;
  readonly history: History | undefined;
  readonly marks: readonly Mark[] | undefined;
}

/** What the actor does, its rate and the rate's last minute, its figures. */
function rowSpans(actor: ActorView, { actors, width, now, history, marks }: RowContext): Span[] {
  const { lead, tail } = describe(actor, actors);
  const spark =
    width > 0
      ? [
          [' '] as const,
          ...sparkSpans({ series: history?.rate[actor.id], width, now, marks, color: 'cyan' }),
        ]
      : [];
  return [[lead], ...spark, [tail]];
}

const statusColour = {
  starting: 'yellow',
  running: 'green',
  paused: 'yellow',
  reconnecting: 'yellow',
  stopping: 'yellow',
  stopped: 'gray',
  killed: 'red',
  failed: 'red',
} as const;

/** A consumer on a single-active-consumer queue: the one that receives, or one that waits. */
function activitySpan(actor: ActorView, activity: Activity): Span {
  const state = isLive(actor) ? activity[actor.id] : undefined;
  if (state === 'active') return ['★ active  ', { color: 'green', bold: true }];
  return [(state === 'waiting' ? '· waiting' : '').padEnd(10), { dim: true }];
}

interface LinesInput extends RowContext {
  readonly selected: string | undefined;
  readonly nodes: ReadonlyMap<string, string> | undefined;
  readonly activity: Activity | undefined;
}

/** An actor's row (inverse when selected), and its last error under it. */
function actorLines(a: ActorView, input: LinesInput): StyledLine[] {
  const { nodes, activity } = input;
  const spans: Span[] = [
    [a.id === input.selected ? '▶' : ' '],
    [a.id.padEnd(4), { color: actorColour(a.id), bold: true }],
    [a.config.kind.padEnd(9)],
    [a.status.padEnd(13), { color: statusColour[a.status] }],
    ...(nodes ? [[(nodes.get(a.id) ?? '').padEnd(8), { dim: true }] as const] : []),
    ...(activity && a.config.kind === 'consumer' ? [activitySpan(a, activity)] : []),
    ...rowSpans(a, input),
  ];
  const row =
    a.id === input.selected
      ? spans.map(([text, style]): Span => [text, { ...style, inverse: true }])
      : spans;
  if (!a.lastError) return [row];
  const colour = a.status === 'reconnecting' ? 'yellow' : 'red';
  return [row, [[`    ${a.lastError}`, { color: colour }]]];
}

export function ActorList({
  actors,
  selected,
  compact,
  nodes,
  activity,
  sparkWidth = 0,
  history,
  marks,
  now = 0,
  width,
}: ActorListProps) {
  return (
    <Pane title={<Text bold>Actors</Text>} compact={compact} flexGrow={1}>
      {actors.length === 0 ? <Text dimColor>(none: press p or c)</Text> : null}
      <StyledLines
        lines={actors.flatMap((a) =>
          actorLines(a, {
            actors,
            selected,
            nodes,
            activity,
            width: sparkWidth,
            now,
            history,
            marks,
          }),
        )}
        width={width}
      />
    </Pane>
  );
}
