import { Box, Text } from 'ink';
import type { Activity } from '../lab/consumer-activity.js';
import { type ActorView, isLive } from '../lab/store.js';
import { streamLag } from '../lab/stream-lag.js';
import { fit, formatRate, withKey } from './format.js';
import { Pane } from './pane.js';
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
}

function describe(actor: ActorView, actors: readonly ActorView[]): string {
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
      return `→ ${fit(target, 16)} ${formatRate(actor.rate).padStart(7)}  asked ${r?.requests ?? 0}  answered ${r?.replies ?? 0}${rtt}${extra}  via ${c.rpc.replyTo === 'direct' ? 'direct reply-to' : 'own queue'}`;
    }
    // An HTTP endpoint publishes what it is sent: where it listens instead of a target rate.
    const source = c.http
      ? `HTTP ${actor.endpoint?.replace('http://', '') ?? '(starting)'}`
      : `target ${rate}`;
    return `→ ${fit(target, 16)} ${formatRate(actor.rate).padStart(7)}  sent ${actor.published}  ${source}${confirms}${refused}${returned}`;
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
  return `← ${fit(source, 16)} ${formatRate(actor.rate).padStart(7)}  got ${actor.received}${stream}${held}${retries}  prefetch ${prefetch}  ${c.ack} ack${actor.redelivered ? `  redelivered ${actor.redelivered}` : ''}`;
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
function ActivityMark({ actor, activity }: { actor: ActorView; activity: Activity }) {
  const state = isLive(actor) ? activity[actor.id] : undefined;
  if (state === 'active') {
    return (
      <Text color="green" bold>
        {'★ active '}
      </Text>
    );
  }
  return <Text dimColor>{(state === 'waiting' ? '· waiting' : '').padEnd(9)}</Text>;
}

export function ActorList({ actors, selected, compact, nodes, activity }: ActorListProps) {
  return (
    <Pane title={<Text bold>Actors</Text>} compact={compact} flexGrow={1}>
      {actors.length === 0 ? <Text dimColor>(none: press p or c)</Text> : null}
      {actors.map((a) => (
        <Box key={a.id} flexDirection="column">
          <Text wrap="truncate-end" inverse={a.id === selected}>
            <Text>{a.id === selected ? '▶' : ' '}</Text>
            <Text color={actorColour(a.id)} bold>
              {a.id.padEnd(4)}
            </Text>
            <Text>{a.config.kind.padEnd(9)}</Text>
            <Text color={statusColour[a.status]}>{a.status.padEnd(13)}</Text>
            {nodes ? <Text dimColor>{(nodes.get(a.id) ?? '').padEnd(8)}</Text> : null}
            {activity && a.config.kind === 'consumer' ? (
              <ActivityMark actor={a} activity={activity} />
            ) : null}
            <Text>{describe(a, actors)}</Text>
          </Text>
          {a.lastError ? (
            <Text color={a.status === 'reconnecting' ? 'yellow' : 'red'} wrap="truncate-end">
              {'    '}
              {a.lastError}
            </Text>
          ) : null}
        </Box>
      ))}
    </Pane>
  );
}
