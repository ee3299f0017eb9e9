/**
 * The page's one stylesheet, inline: the layout, the diagrams' colours (the SVGs carry classes,
 * not colours, so print and screen share them), and a print layout that keeps figures whole.
 */
export const pageStyle = `
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --paper: #ffffff; --panel: #f6f8fa;
  --ok: #1a7f37; --fail: #cf222e; --warn: #9a6700; --warn-bg: #fff8c5;
  --producer: #0969da; --exchange: #bc4c00; --queue: #1a7f37; --consumer: #8250df;
  --ready: #0969da; --unacked: #d1242f; --published: #8250df; --delivered: #1a7f37;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1240px; padding: 24px 28px 48px; color: var(--ink);
  background: var(--paper); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h1 .sub { color: var(--muted); font-weight: 400; font-size: 18px; }
h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 14px 0 6px; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.meta { color: var(--muted); margin: 0 0 10px; }
.verdict { display: inline-block; margin: 4px 0 0; padding: 4px 12px; border-radius: 14px;
  font-weight: 600; color: #fff; }
.verdict.ok { background: var(--ok); }
.verdict.fail { background: var(--fail); }
.notices ul { list-style: none; padding: 0; margin: 16px 0 0; }
.notices li { background: var(--panel); border-left: 4px solid var(--line); padding: 6px 10px; margin: 6px 0; }
.notices li.cut-short { background: var(--warn-bg); border-left-color: var(--warn); font-weight: 600; }
ul.checks { list-style: none; padding: 0; margin: 0; }
.check { display: grid; grid-template-columns: 22px auto 1fr; column-gap: 8px; align-items: baseline;
  padding: 6px 8px; border-bottom: 1px solid var(--panel); }
.check .mark { font-weight: 700; }
.check.ok .mark { color: var(--ok); }
.check.fail { background: #ffebe9; }
.check.fail .mark, .check.fail .check-name { color: var(--fail); }
.check-name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.check-detail { color: var(--ink); }
.check .idle { color: var(--muted); font-size: 12px; }
figure { margin: 0; break-inside: avoid; }
figcaption { color: var(--muted); font-size: 12.5px; margin: 4px 0 0; }
.diagram svg { margin: 0 auto; }
.diagram { overflow-x: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
svg { max-width: 100%; height: auto; display: block; }
svg text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; fill: var(--ink); }
.topology .column { fill: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .08em; }
.node rect { fill: #fff; stroke-width: 1.5; }
.node .name { font-weight: 700; }
.node .detail { fill: var(--muted); }
.node .slot { stroke-width: 1; opacity: .45; }
.node-producer rect { stroke: var(--producer); fill: #ddf4ff; }
.node-exchange rect { stroke: var(--exchange); fill: #fff1e5; }
.node-queue rect { stroke: var(--queue); fill: #dafbe1; }
.node-queue .slot { stroke: var(--queue); }
.node-consumer rect { stroke: var(--consumer); fill: #fbefff; }
.node.ended rect { stroke-dasharray: 4 3; fill: #f6f8fa; }
.node.ended .name { fill: var(--muted); }
.node.ended-killed .detail, .node.ended-failed .detail { fill: var(--fail); }
.edge { fill: none; stroke: #8c959f; stroke-width: 1.4; }
.edge-binding { stroke: var(--exchange); }
.edge-consume { stroke: var(--consumer); }
.edge-publish { stroke: var(--producer); }
.edge-dead-letter { stroke: var(--warn); stroke-dasharray: 5 3; }
.edge-alternate { stroke: var(--fail); stroke-dasharray: 2 3; }
.edge-park { stroke: var(--fail); stroke-dasharray: 5 3; }
.arrow path { fill: #8c959f; }
.arrow-binding path { fill: var(--exchange); }
.arrow-consume path { fill: var(--consumer); }
.arrow-publish path { fill: var(--producer); }
.arrow-dead-letter path { fill: var(--warn); }
.arrow-alternate path, .arrow-park path { fill: var(--fail); }
.edge-label { fill: #6e2f00; paint-order: stroke; stroke: var(--panel); stroke-width: 3px; }
.edge-label-dead-letter { fill: var(--warn); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 14px 18px; }
.chart .grid { stroke: #eaeef2; }
.chart .axis { stroke: #8c959f; }
.chart .tick { fill: var(--muted); font-size: 10px; }
.chart .no-data { fill: var(--muted); font-size: 12px; }
.line-ready, .line-unacked, .line-published, .line-delivered { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
.line-ready { stroke: var(--ready); }
.area-ready { fill: var(--ready); opacity: .12; }
.line-unacked { stroke: var(--unacked); }
.line-published { stroke: var(--published); }
.line-delivered { stroke: var(--delivered); stroke-dasharray: 5 2; }
.event { stroke: #8c959f; stroke-width: 1; stroke-dasharray: 3 3; }
.event-bad { stroke: var(--fail); }
.event-tour { stroke: #54aeff; }
.event-number { fill: var(--muted); font-size: 10px; }
.key { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin: 0 4px 0 10px; }
.key-ready { background: var(--ready); } .key-unacked { background: var(--unacked); }
.key-published { background: var(--published); } .key-delivered { background: var(--delivered); }
ol.events { columns: 2; column-gap: 32px; padding-left: 28px; margin: 8px 0 0; font-size: 13px; }
ol.events li { break-inside: avoid; }
ol.events .at { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
ol.events .event-bad { color: var(--fail); }
.bar-p50 { fill: #0550ae; } .bar-p95 { fill: #54aeff; } .bar-p99 { fill: #f2cc60; }
.key-p50 { background: #0550ae; height: 10px; } .key-p95 { background: #54aeff; height: 10px; } .key-p99 { background: #f2cc60; height: 10px; }
.bar-value { fill: var(--muted); font-size: 10px; }
.row-consumer { fill: var(--muted); }
.bar-bucket { fill: #54aeff; }
.mark { stroke-width: 1.2; stroke-dasharray: 4 2; }
.mark-p50 { stroke: #0969da; } .mark-p95 { stroke: #9a6700; } .mark-p99 { stroke: var(--fail); }
.mark-label { font-size: 10px; fill: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
thead th { color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td:last-child { white-space: normal; }
.status-killed, .status-failed { color: var(--fail); font-weight: 600; }
.status-running { color: var(--ok); }
.empty, .hint { color: var(--muted); }
.lesson { white-space: pre-line; color: var(--muted); }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media print {
  @page { margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  section, .diagram, .chart { break-inside: avoid; }
  .charts { grid-template-columns: 1fr 1fr; }
  .diagram, .scroll { overflow: visible; }
  th, td { white-space: normal; padding: 3px 6px; }
  table { font-size: 9pt; }
}
`;
