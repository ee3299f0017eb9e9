/**
 * What a real browser makes of a report page: a copy of it with a small script (and without the
 * page's policy that forbids scripts) reads the DOM and the laid-out boxes after load, and leaves
 * its findings as JSON in the DOM Chromium dumps.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dumpDom } from './chromium.js';

export interface Probe {
  readonly title: string;
  readonly verdict: string | null;
  readonly checks: readonly { name: string; ok: string; detail: string }[];
  readonly notices: readonly string[];
  readonly cutShort: string | null;
  readonly depthCharts: readonly { queue: string; width: number; lines: number; empty: boolean }[];
  readonly ratesChart: boolean;
  readonly topology: Readonly<Record<'producer' | 'exchange' | 'queue' | 'consumer', string[]>>;
  /** Pairs of texts in the topology that overlap, or a text over another node's box. */
  readonly overlaps: readonly string[];
  /** Texts in any SVG drawn past its edges. */
  readonly outside: readonly string[];
  /** Checks whose detail was squeezed into less than half of its row (a word to a line). */
  readonly squeezed: readonly string[];
  readonly actors: readonly string[];
  readonly latencyQueues: readonly string[];
  readonly events: number;
}

/** Runs in the page: plain JavaScript, the result JSON in `<pre id="probe">`. */
const script = `
const q = (s, root = document) => [...root.querySelectorAll(s)];
const box = (e) => e.getBoundingClientRect();
const meet = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
const topo = document.querySelector('svg.topology');
const texts = topo ? q('text', topo) : [];
const overlaps = [];
texts.forEach((a, i) => texts.slice(i + 1).forEach((b) => {
  if (meet(box(a), box(b))) overlaps.push(a.textContent + ' / ' + b.textContent);
}));
if (topo) for (const t of texts) for (const g of q('g.node', topo)) {
  if (g.contains(t)) continue;
  if (meet(box(t), box(g.querySelector('rect')))) overlaps.push(t.textContent + ' over ' + g.dataset.name);
}
const outside = [];
for (const svg of q('svg')) {
  const frame = box(svg);
  for (const t of q('text', svg)) {
    const r = box(t);
    if (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1 || r.bottom > frame.bottom + 1)
      outside.push(t.textContent);
  }
}
const squeezed = q('[data-check]').filter((li) => box(li.querySelector('.check-detail')).width < box(li).width / 2).map((li) => li.dataset.check);
const names = (kind) => q('svg.topology g[data-kind="' + kind + '"]').map((g) => g.dataset.name);
const result = {
  title: document.title,
  verdict: document.querySelector('[data-verdict]')?.dataset.verdict ?? null,
  checks: q('[data-check]').map((li) => ({ name: li.dataset.check, ok: li.dataset.ok, detail: li.querySelector('.check-detail').textContent })),
  notices: q('.notices li').map((li) => li.textContent),
  cutShort: document.querySelector('[data-cut-short]')?.textContent ?? null,
  depthCharts: q('svg[data-queue]').map((s) => ({ queue: s.dataset.queue, width: box(s).width, lines: q('polyline', s).length, empty: !!s.querySelector('.no-data') })),
  ratesChart: !!document.querySelector('svg[data-chart="rates"]'),
  topology: { producer: names('producer'), exchange: names('exchange'), queue: names('queue'), consumer: names('consumer') },
  overlaps,
  outside,
  squeezed,
  actors: q('tr[data-actor]').map((r) => r.dataset.actor),
  latencyQueues: q('svg[data-latency-queue]').map((s) => s.dataset.latencyQueue),
  events: q('ol.events li').length,
};
document.body.innerHTML = '';
const pre = document.createElement('pre');
pre.id = 'probe';
pre.textContent = JSON.stringify(result);
document.body.append(pre);
`;

const entities: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** Open `page` (a file) in Chromium with the probe; `copy` is where the probed copy goes. */
export async function probePage(page: string, copy: string): Promise<Probe> {
  const html = readFileSync(page, 'utf8')
    .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')
    .replace('</body>', `<script>${script}</script></body>`);
  writeFileSync(copy, html);
  const dom = await dumpDom(copy);
  const found = /<pre id="probe">([\s\S]*?)<\/pre>/.exec(dom)?.[1];
  if (found === undefined)
    throw new Error(`the probe left nothing in the page:\n${dom.slice(0, 2000)}`);
  return JSON.parse(found.replace(/&(amp|lt|gt);/g, (e) => entities[e] ?? e)) as Probe;
}
