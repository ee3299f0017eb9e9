/**
 * Where the topology's boxes go: four columns, producers → exchanges → queues → consumers, each
 * box near the boxes it is joined to (a few rounds of moving each towards the middle of its
 * neighbours, never overlapping the box above it), gaps wide enough for the binding keys.
 */
import { clip, textWidth } from './markup.js';
import {
  backKinds,
  type NodeKind,
  type TopologyModel,
  type TopologyNode,
} from './topology-model.js';

export const NAME_SIZE = 12;
export const DETAIL_SIZE = 10.5;
export const LABEL_SIZE = 11;
/** The most characters a box's name and detail show (the full text is its tooltip). */
export const NAME_CHARS = 32;
export const DETAIL_CHARS = 34;
export const LABEL_CHARS = 40;

const TOP = 34;
const MARGIN = 16;
const ROW_GAP = 14;
const BOX_HEIGHT = 38;
const PORT_SPACING = 12;
/** Between edges whose labels sit one above the other. */
const LABEL_SPACING = 17;
/** Room for each back edge's vertical run beside a column, and for its lane under the boxes. */
export const GUTTER_STEP = 10;
export const LANE_STEP = 20;

export interface Box {
  readonly node: TopologyNode;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Layout {
  readonly boxes: ReadonlyMap<string, Box>;
  readonly width: number;
  /** Below the boxes: where the back edges' lanes start. */
  readonly boxesBottom: number;
  readonly height: number;
  readonly columns: readonly {
    readonly kind: NodeKind;
    readonly x: number;
    readonly width: number;
  }[];
  /** How many back edges run beside the exchanges' left and the queues' right. */
  readonly leftLanes: number;
  readonly rightLanes: number;
}

const kinds: readonly NodeKind[] = ['producer', 'exchange', 'queue', 'consumer'];

/** Room for the three slot lines drawn at a queue's right end. */
export const SLOTS_WIDTH = 30;

function boxWidth(nodes: readonly TopologyNode[]): number {
  const widths = nodes.map((n) =>
    Math.max(
      textWidth(clip(n.label, NAME_CHARS), NAME_SIZE),
      textWidth(clip(n.ended ? `${n.detail} · ${n.ended}` : n.detail, DETAIL_CHARS), DETAIL_SIZE),
    ),
  );
  const slots = nodes.some((n) => n.kind === 'queue') ? SLOTS_WIDTH : 0;
  return Math.max(64, ...widths) + 24 + slots;
}

/**
 * Taller boxes for many edges in or out, so each edge (and a binding's label) has a place of its
 * own: edges meet a side at even spacing, (n + 1) gaps for n edges.
 */
function boxHeight(model: TopologyModel, node: TopologyNode): number {
  const forward = model.edges.filter((e) => !backKinds.includes(e.kind));
  const into = forward.filter((e) => e.to === node.key);
  const out = forward.filter((e) => e.from === node.key && e.kind === 'consume').length;
  const spacing = into.some((e) => e.label !== '') ? LABEL_SPACING : PORT_SPACING;
  return Math.max(BOX_HEIGHT, (into.length + 1) * spacing, (out + 1) * PORT_SPACING);
}

interface Slot {
  readonly key: string;
  readonly height: number;
  y: number;
}

/** Stack a column in order, each box as near its wanted centre as the box above allows. */
function place(column: Slot[], wanted: (slot: Slot) => number | undefined): void {
  let bottom = TOP - ROW_GAP;
  let last = TOP;
  const offsets: number[] = [];
  for (const slot of column) {
    const centre = wanted(slot) ?? last;
    last = centre;
    slot.y = Math.max(centre - slot.height / 2, bottom + ROW_GAP);
    bottom = slot.y + slot.height;
    offsets.push(centre - (slot.y + slot.height / 2));
  }
  // Pushed down on the whole: move the column back up as far as its top box allows.
  const mean = offsets.reduce((a, b) => a + b, 0) / Math.max(1, offsets.length);
  const first = column[0];
  if (mean < 0 && first) {
    const shift = Math.min(-mean, first.y - TOP);
    for (const slot of column) slot.y -= shift;
  }
}

function neighbours(model: TopologyModel): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const add = (a: string, b: string) => map.set(a, [...(map.get(a) ?? []), b]);
  for (const e of model.edges) {
    if (backKinds.includes(e.kind)) continue;
    add(e.from, e.to);
    add(e.to, e.from);
  }
  return map;
}

/** The boxes' places, for a model. */
export function layoutTopology(
  model: TopologyModel,
  leftLanes: number,
  rightLanes: number,
): Layout {
  const columns = kinds.map((kind) =>
    model.nodes
      .filter((n) => n.kind === kind)
      .map((n): Slot => ({ key: n.key, height: boxHeight(model, n), y: 0 })),
  );
  const near = neighbours(model);
  const centre = new Map<string, number>();
  const centreOf = (slot: Slot) => {
    const ys = (near.get(slot.key) ?? []).flatMap((k) => {
      const c = centre.get(k);
      return c === undefined ? [] : [c];
    });
    return ys.length === 0 ? undefined : ys.reduce((a, b) => a + b, 0) / ys.length;
  };
  const settle = (column: Slot[]) => {
    // Keep the order stable where nothing says otherwise (sort is stable).
    column.sort((a, b) => (centreOf(a) ?? Number.MAX_VALUE) - (centreOf(b) ?? Number.MAX_VALUE));
    place(column, centreOf);
    for (const s of column) centre.set(s.key, s.y + s.height / 2);
  };
  const [producers = [], exchanges = [], queues = [], consumers = []] = columns;
  place(queues, () => undefined);
  for (const s of queues) centre.set(s.key, s.y + s.height / 2);
  for (const round of [0, 1, 2]) {
    settle(exchanges);
    settle(consumers);
    settle(producers);
    if (round < 2) settle(queues);
  }
  return measure(model, columns, leftLanes, rightLanes);
}

function gapAfter(kind: NodeKind, model: TopologyModel, leftLanes: number, rightLanes: number) {
  if (kind === 'producer') return 56 + leftLanes * GUTTER_STEP;
  if (kind === 'queue') return 56 + rightLanes * GUTTER_STEP;
  const labels = model.edges
    .filter((e) => e.kind === 'binding')
    .map((e) => textWidth(clip(e.label, LABEL_CHARS), LABEL_SIZE));
  return Math.max(0, ...labels) + 80;
}

function measure(
  model: TopologyModel,
  columns: readonly Slot[][],
  leftLanes: number,
  rightLanes: number,
): Layout {
  const boxes = new Map<string, Box>();
  const placed: { kind: NodeKind; x: number; width: number }[] = [];
  let x = MARGIN + (columns[0]?.length === 0 ? leftLanes * GUTTER_STEP : 0);
  let bottom = TOP;
  kinds.forEach((kind, i) => {
    const slots = columns[i] ?? [];
    if (slots.length === 0) return;
    const nodes = slots.flatMap((s) => model.nodes.filter((n) => n.key === s.key));
    const width = boxWidth(nodes);
    placed.push({ kind, x, width });
    for (const s of slots) {
      const node = nodes.find((n) => n.key === s.key);
      if (node) boxes.set(s.key, { node, x, y: s.y, width, height: s.height });
      bottom = Math.max(bottom, s.y + s.height);
    }
    x += width + gapAfter(kind, model, leftLanes, rightLanes);
  });
  const lastColumn = placed.at(-1);
  const width = (lastColumn ? lastColumn.x + lastColumn.width : x) + MARGIN + rightLanes * 4;
  const lanes = model.edges.filter((e) => e.kind === 'dead-letter').length;
  return {
    boxes,
    width,
    boxesBottom: bottom,
    height: bottom + MARGIN + lanes * LANE_STEP + (lanes > 0 ? 8 : 0),
    columns: placed,
    leftLanes,
    rightLanes,
  };
}
