/**
 * The last minute of each queue's ready and unacked counters and each actor's rate, one sample a
 * poll, for the screen's sparklines: the same numbers the counters show, kept as they came.
 */
import type { QueueCounters } from '../broker/management-client.js';

/** How far back the sparklines reach. */
export const HISTORY_MS = 60_000;

export interface Series {
  /** When each sample was taken (ms since epoch), oldest first. */
  readonly at: readonly number[];
  readonly values: readonly number[];
}

export interface History {
  readonly ready: Readonly<Record<string, Series>>;
  readonly unacked: Readonly<Record<string, Series>>;
  readonly rate: Readonly<Record<string, Series>>;
}

export const emptyHistory: History = { ready: {}, unacked: {}, rate: {} };

function push(series: Series | undefined, at: number, value: number): Series {
  const from = at - HISTORY_MS;
  const keep = series ? series.at.findIndex((t) => t >= from) : -1;
  const start = keep < 0 ? (series?.at.length ?? 0) : keep;
  return {
    at: [...(series?.at.slice(start) ?? []), at],
    values: [...(series?.values.slice(start) ?? []), value],
  };
}

function withSamples(
  old: Readonly<Record<string, Series>>,
  samples: readonly (readonly [string, number])[],
  at: number,
): Record<string, Series> {
  const out: Record<string, Series> = {};
  for (const [name, value] of samples) out[name] = push(old[name], at, value);
  return out;
}

/** The history with one more poll: every listed queue and live actor gets a sample at `at`. */
export function sampleHistory(
  history: History,
  queues: readonly QueueCounters[],
  rates: readonly (readonly [string, number])[],
  at: number,
): History {
  return {
    ready: withSamples(
      history.ready,
      queues.map((q) => [q.name, q.messagesReady]),
      at,
    ),
    unacked: withSamples(
      history.unacked,
      queues.map((q) => [q.name, q.messagesUnacknowledged]),
      at,
    ),
    rate: { ...history.rate, ...withSamples(history.rate, rates, at) },
  };
}
