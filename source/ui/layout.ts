/** How many rows each pane gets, so the frame always fits the terminal. Pure: tested without Ink. */
export interface LayoutInput {
  readonly columns: number;
  readonly rows: number;
  readonly topologyLines: number;
  readonly queues: number;
  readonly actorRows: number;
  readonly notices: number;
  /** Rows of the nodes pane's content (a cluster's nodes); 0 or absent: no nodes pane. */
  readonly nodes?: number;
}

export interface Layout {
  /** Lesson beside the topology (else a one-line lesson under the header). */
  readonly wide: boolean;
  /** Short terminal: panes are titled rules instead of boxes. */
  readonly compact: boolean;
  readonly showTopology: boolean;
  /** Topology lines shown, and the height of the topology row (borders included). */
  readonly topologyRows: number;
  readonly topRows: number;
  readonly queueRows: number;
  readonly actorRows: number;
  readonly flowRows: number;
}

/** Below this many rows panes drop their boxes for one-line titled rules. */
export const compactBelowRows = 30;

/** Which arrangement a terminal size gets, and the topology pane's inner width in it. */
export function paneModes(
  columns: number,
  rows: number,
): { wide: boolean; compact: boolean; lessonWidth: number; topologyWidth: number } {
  const compact = rows < compactBelowRows;
  const wide = columns >= 120 && !compact;
  const lessonWidth = Math.min(60, Math.floor(columns * 0.4));
  // Borders and padding take 4 columns of a box, the padding 2 of a compact pane.
  const topologyWidth = wide ? columns - lessonWidth - 4 : columns - (compact ? 2 : 4);
  return { wide, compact, lessonWidth, topologyWidth };
}

export function calculateLayout(input: LayoutInput): Layout {
  const { wide, compact } = paneModes(input.columns, input.rows);
  // Title and borders of a box, or just the title rule.
  const boxChrome = compact ? 1 : 3;
  // Header, hint bar, one spare row (a frame as tall as the terminal makes Ink redraw it all),
  // the one-line lesson when narrow, and the notices.
  const nodes = input.nodes ?? 0;
  const base = 3 + (wide ? 0 : 1) + input.notices + (nodes > 0 ? boxChrome + nodes : 0);
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
    compact,
    showTopology,
    topologyRows: showTopology ? topologyRows : 0,
    topRows: showTopology ? topRows : 0,
    queueRows,
    actorRows,
    flowRows,
  };
}
