/**
 * The queue table's columns for a terminal width: the counters always; then the latency column,
 * the ready sparkline and the unacked sparkline as room allows (they give way first). Below 120
 * columns the counters narrow so that all three still fit at 80; beside a cluster's placement
 * column, the rates go (the actors' rows have them) and the placement is told shortly.
 * Pure: tested without Ink.
 */

export interface QueueColumns {
  readonly name: number;
  readonly ready: number;
  readonly unacked: number;
  readonly consumers: number;
  readonly consumersLabel: string;
  /** in/s and out/s, each this wide; 0: not shown. */
  readonly rate: number;
  /** The p50/p95/p99 column's width; 0: none. Narrow: the unit is in the header only. */
  readonly latency: number;
  readonly latencyUnit: boolean;
  /** Sparklines of the last minute, this many characters each; 0: none. */
  readonly readySpark: number;
  readonly unackedSpark: number;
  /** A cluster's placement column: `quorum · leader node 2 · 2/3 online`, or short. */
  readonly placement: 'none' | 'long' | 'short';
}

type Counters = Omit<QueueColumns, 'latency' | 'readySpark' | 'unackedSpark'>;

/** A box's borders and padding. */
const FRAME = 4;
const PLACEMENT = { none: 0, long: 38, short: 25 } as const;
const GAP = 2;
const MIN_SPARK = 8;
const MAX_SPARK = 30;

const wide: Counters = {
  name: 26,
  ready: 8,
  unacked: 8,
  consumers: 10,
  consumersLabel: 'consumers',
  rate: 8,
  latencyUnit: true,
  placement: 'none',
};
const narrow: Counters = {
  name: 16,
  ready: 6,
  unacked: 7,
  consumers: 4,
  consumersLabel: 'cons',
  rate: 6,
  latencyUnit: false,
  placement: 'none',
};

/** The counters' width: name, ready, unacked, consumers, in/s, out/s and the spaces between. */
export function countersWidth(c: Counters): number {
  return c.name + c.ready + c.unacked + c.consumers + 3 + (c.rate > 0 ? 2 * c.rate + 2 : 0);
}

function withExtras(base: Counters, columns: number): QueueColumns {
  let room = columns - FRAME - countersWidth(base) - PLACEMENT[base.placement];
  const latencyWidth = base.latencyUnit ? 17 : 13;
  // Latency only with a sparkline beside it; then the sparklines share what is left.
  const latency = room >= GAP + latencyWidth + GAP + MIN_SPARK ? latencyWidth : 0;
  if (latency > 0) room -= GAP + latency;
  const readySpark = room >= GAP + MIN_SPARK ? Math.min(MAX_SPARK, room - GAP) : 0;
  room -= readySpark > 0 ? GAP + readySpark : 0;
  const unackedSpark = room >= GAP + MIN_SPARK + 4 ? Math.min(readySpark, room - GAP) : 0;
  return { ...base, latency, readySpark, unackedSpark };
}

/** The first arrangement with a sparkline and the latency column, else with a sparkline. */
export function queueColumns(columns: number, cluster: boolean): QueueColumns {
  const tries: Counters[] = cluster
    ? [
        ...(columns >= 120 ? [{ ...wide, placement: 'long' as const }] : []),
        { ...narrow, placement: 'long' },
        { ...narrow, rate: 0, placement: 'short' },
      ]
    : [...(columns >= 120 ? [wide] : []), narrow];
  const laid = tries.map((t) => withExtras(t, columns));
  return (
    laid.find((c) => c.latency > 0 && c.readySpark > 0) ??
    laid.find((c) => c.readySpark > 0) ??
    (laid.at(-1) as QueueColumns)
  );
}
