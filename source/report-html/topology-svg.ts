/**
 * The topology as one SVG: the boxes where topology-layout put them, bindings as curves with
 * their keys on a straight run before the queue, consumers and producers joined to theirs, and
 * the broker's own links (dead-lettering, alternate exchanges) as dashed lines routed around the
 * boxes. Every name is escaped; long ones are cut, with the whole name as the tooltip.
 */
import { clip, esc, num, tag, text, textWidth, title } from './markup.js';
import {
  type Box,
  DETAIL_CHARS,
  DETAIL_SIZE,
  GUTTER_STEP,
  LABEL_CHARS,
  LABEL_SIZE,
  LANE_STEP,
  type Layout,
  layoutTopology,
  NAME_CHARS,
  NAME_SIZE,
} from './topology-layout.js';
import {
  backKinds,
  type EdgeKind,
  type TopologyEdge,
  type TopologyModel,
} from './topology-model.js';

const headings = {
  producer: 'producers',
  exchange: 'exchanges',
  queue: 'queues',
  consumer: 'consumers',
} as const;

/** Where each edge meets its boxes: spread along the side, in the order of the other ends. */
function ports(layout: Layout, edges: readonly TopologyEdge[]) {
  const centre = (key: string) => {
    const b = layout.boxes.get(key);
    return b ? b.y + b.height / 2 : 0;
  };
  const spread = (box: Box, index: number, count: number) =>
    box.y + (box.height * (index + 1)) / (count + 1);
  const out = new Map<TopologyEdge, { y1: number; y2: number }>();
  for (const e of edges) {
    const from = layout.boxes.get(e.from);
    const to = layout.boxes.get(e.to);
    if (!from || !to) continue;
    const siblingsOut = edges
      .filter((x) => x.from === e.from)
      .sort((a, b) => centre(a.to) - centre(b.to));
    const siblingsIn = edges
      .filter((x) => x.to === e.to)
      .sort((a, b) => centre(a.from) - centre(b.from));
    out.set(e, {
      y1: spread(from, siblingsOut.indexOf(e), siblingsOut.length),
      y2: spread(to, siblingsIn.indexOf(e), siblingsIn.length),
    });
  }
  return out;
}

function forwardEdge(e: TopologyEdge, from: Box, to: Box, y1: number, y2: number): string {
  const x1 = from.x + from.width;
  const x2 = to.x;
  const label = e.kind === 'binding' ? clip(e.label, LABEL_CHARS) : '';
  // A straight run before the box for the label to sit on.
  const run = label === '' ? 12 : textWidth(label, LABEL_SIZE) + 30;
  const xm = Math.max(x1 + 20, x2 - run);
  const bend = (xm - x1) / 2;
  const d = `M${num(x1)} ${num(y1)} C${num(x1 + bend)} ${num(y1)} ${num(xm - bend)} ${num(y2)} ${num(xm)} ${num(y2)} L${num(x2 - 2)} ${num(y2)}`;
  const tip = `${from.node.label} → ${to.node.label}${e.label === '' ? '' : ` (${e.label})`}`;
  const path = tag(
    'path',
    { d, class: `edge edge-${e.kind}`, 'marker-end': `url(#topo-arrow-${e.kind})` },
    title(tip),
  );
  if (label === '') return path;
  const labelText = text(
    { x: x2 - 8, y: y2 - 4, class: 'edge-label', 'text-anchor': 'end', 'font-size': LABEL_SIZE },
    label,
  );
  return `<g${e.label === label ? '' : ` data-full="${esc(e.label)}"`}>${path}${labelText}</g>`;
}

/** A dead-letter link: out of the queue's right, down to its lane, back left, into the exchange. */
function deadLetterEdge(e: TopologyEdge, from: Box, to: Box, lane: number, layout: Layout): string {
  const y1 = from.y + from.height - 7;
  const xr = from.x + from.width + 12 + lane * GUTTER_STEP;
  const yl = layout.boxesBottom + 22 + lane * LANE_STEP;
  const xl = to.x - 12 - lane * GUTTER_STEP;
  // Each lane its own way in, so two arrowheads never sit on one another.
  const y2 = to.y + to.height - 6 - Math.min(lane * 6, to.height / 2 - 6);
  const d = `M${num(from.x + from.width)} ${num(y1)} H${num(xr)} V${num(yl)} H${num(xl)} V${num(y2)} H${num(to.x - 2)}`;
  const label = `${from.node.label} → ${to.node.label}: ${e.label}`;
  return `<g>${tag('path', { d, class: 'edge edge-dead-letter', 'marker-end': 'url(#topo-arrow-dead-letter)' }, title(label))}${text({ x: (xl + xr) / 2, y: yl - 4, class: 'edge-label edge-label-dead-letter', 'text-anchor': 'middle', 'font-size': LABEL_SIZE }, label)}</g>`;
}

/** A consumer parking what failed its last attempt: back left into the parking queue's right. */
function parkEdge(e: TopologyEdge, from: Box, to: Box, lane: number): string {
  const y1 = from.y + from.height - 7;
  const x = to.x + to.width + 12 + lane * GUTTER_STEP;
  const y2 = to.y + to.height / 2;
  const d = `M${num(from.x)} ${num(y1)} H${num(x)} V${num(y2)} H${num(to.x + to.width + 2)}`;
  return tag(
    'path',
    { d, class: 'edge edge-park', 'marker-end': 'url(#topo-arrow-park)' },
    title(`${from.node.label} → ${to.node.label}: ${e.label}`),
  );
}

/** An alternate exchange: from the left of one exchange to the left of the other. */
function alternateEdge(from: Box, to: Box, lane: number): string {
  const y1 = from.y + from.height - 8;
  const y2 = to.y + 8;
  const x = from.x - 16 - lane * GUTTER_STEP;
  const d = `M${num(from.x)} ${num(y1)} H${num(x)} V${num(y2)} H${num(to.x - 2)}`;
  return tag(
    'path',
    { d, class: 'edge edge-alternate', 'marker-end': 'url(#topo-arrow-alternate)' },
    title(
      `${from.node.label} → ${to.node.label}: its alternate exchange takes what it cannot route`,
    ),
  );
}

function boxMarkup(box: Box): string {
  const n = box.node;
  const cy = box.y + box.height / 2;
  const name = clip(n.label, NAME_CHARS);
  const detail = clip(n.ended ? `${n.detail} · ${n.ended}` : n.detail, DETAIL_CHARS);
  const tip = [
    n.kind === 'exchange' && n.name === '' ? 'the default exchange' : n.name,
    n.detail,
    n.ended,
  ]
    .filter((x) => x !== undefined && x !== '')
    .join(' · ');
  const rx = n.kind === 'exchange' ? 14 : n.kind === 'queue' ? 2 : 6;
  const slots =
    n.kind === 'queue'
      ? [12, 18, 24]
          .map((dx) =>
            tag('line', {
              x1: box.x + box.width - dx,
              x2: box.x + box.width - dx,
              y1: box.y + 4,
              y2: box.y + box.height - 4,
              class: 'slot',
            }),
          )
          .join('')
      : '';
  return `<g class="node node-${n.kind}${n.ended ? ` ended ended-${n.ended}` : ''}" data-kind="${n.kind}" data-name="${esc(n.name)}">${title(tip)}${tag('rect', { x: box.x, y: box.y, width: box.width, height: box.height, rx })}${slots}${text({ x: box.x + 10, y: cy - 2, class: 'name', 'font-size': NAME_SIZE }, name)}${text({ x: box.x + 10, y: cy + 12, class: 'detail', 'font-size': DETAIL_SIZE }, detail)}</g>`;
}

function markers(): string {
  const kinds: EdgeKind[] = ['publish', 'binding', 'consume', 'dead-letter', 'alternate', 'park'];
  return `<defs>${kinds
    .map(
      (k) =>
        `<marker id="topo-arrow-${k}" class="arrow arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"/></marker>`,
    )
    .join('')}</defs>`;
}

/** The topology SVG (or a sentence when there is nothing to draw). */
export function topologySvg(model: TopologyModel): string {
  if (model.nodes.length === 0) return '<p class="empty">The run declared nothing to draw.</p>';
  const deadLetters = model.edges.filter((e) => e.kind === 'dead-letter');
  const alternates = model.edges.filter((e) => e.kind === 'alternate');
  const parks = model.edges.filter((e) => e.kind === 'park');
  const layout = layoutTopology(
    model,
    deadLetters.length + alternates.length,
    deadLetters.length + parks.length,
  );
  const forward = model.edges.filter((e) => !backKinds.includes(e.kind));
  const at = ports(layout, forward);
  const edges = forward.map((e) => {
    const from = layout.boxes.get(e.from);
    const to = layout.boxes.get(e.to);
    const p = at.get(e);
    return from && to && p ? forwardEdge(e, from, to, p.y1, p.y2) : '';
  });
  const back = [
    ...deadLetters.map((e, i) => {
      const from = layout.boxes.get(e.from);
      const to = layout.boxes.get(e.to);
      return from && to ? deadLetterEdge(e, from, to, i, layout) : '';
    }),
    ...alternates.map((e, i) => {
      const from = layout.boxes.get(e.from);
      const to = layout.boxes.get(e.to);
      return from && to ? alternateEdge(from, to, deadLetters.length + i) : '';
    }),
    ...parks.map((e, i) => {
      const from = layout.boxes.get(e.from);
      const to = layout.boxes.get(e.to);
      return from && to ? parkEdge(e, from, to, deadLetters.length + i) : '';
    }),
  ];
  const heads = layout.columns
    .map((c) =>
      text(
        { x: c.x + c.width / 2, y: 18, class: 'column', 'text-anchor': 'middle' },
        headings[c.kind],
      ),
    )
    .join('');
  const boxes = [...layout.boxes.values()].map(boxMarkup).join('');
  const names = model.nodes
    .filter((n) => n.kind === 'exchange' || n.kind === 'queue')
    .map((n) => n.label);
  return `<svg class="topology" data-topology="" xmlns="http://www.w3.org/2000/svg" role="img" width="${num(layout.width)}" height="${num(layout.height)}" viewBox="0 0 ${num(layout.width)} ${num(layout.height)}"><title>Topology: ${esc(names.join(', '))}</title>${markers()}${heads}<g class="edges">${edges.join('')}${back.join('')}</g><g class="nodes">${boxes}</g></svg>`;
}
