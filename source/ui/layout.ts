/** How many rows each pane gets, so the frame always fits the terminal. Pure: tested without Ink. */
export interface LayoutInput {
  readonly columns: number;
  readonly rows: number;
  readonly topologyLines: number;
  readonly queues: number;
  readonly actorRows: number;
  readonly notices: number;
}

export interface Layout {
  /** Lesson beside the topology (else a one-line lesson under the header). */
  readonly wide: boolean;
  readonly showTopology: boolean;
  /** Topology lines shown, and the height of the topology row (borders included). */
  readonly topologyRows: number;
  readonly topRows: number;
  readonly queueRows: number;
  readonly actorRows: number;
  readonly flowRows: number;
}

// Title and borders of a box.
const boxChrome = 3;

export function calculateLayout(input: LayoutInput): Layout {
  const wide = input.columns >= 120;
  // Header, hint bar, one spare row (a frame as tall as the terminal makes Ink redraw it all),
  // the one-line lesson when narrow, and the notices.
  const base = 3 + (wide ? 0 : 1) + input.notices;
  // Queues (+ column header), actors and flow boxes.
  const boxes = boxChrome + 1 + boxChrome + boxChrome;
  const topologyRows = Math.min(input.topologyLines, wide ? 8 : 4);
  const more = input.topologyLines > topologyRows ? 1 : 0;
  const topRows = Math.max(wide ? 8 : 0, boxChrome + topologyRows + more);
  let remaining = input.rows - base - boxes;
  const showTopology = remaining - topRows >= 6;
  if (showTopology) remaining -= topRows;
  const queueRows = Math.min(Math.max(1, input.queues), Math.max(1, Math.floor(remaining / 4)));
  const actorRows = Math.min(
    Math.max(1, input.actorRows),
    Math.max(1, Math.floor((remaining - queueRows) / 2)),
  );
  const flowRows = Math.max(1, remaining - queueRows - actorRows);
  return {
    wide,
    showTopology,
    topologyRows: showTopology ? topologyRows : 0,
    topRows: showTopology ? topRows : 0,
    queueRows,
    actorRows,
    flowRows,
  };
}
