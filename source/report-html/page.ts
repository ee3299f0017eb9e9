/**
 * `rabbit-lab report run.ndjson --html report.html`: one self-contained page from a replayed
 * record. No script, no network: the styles are inline and every picture is SVG in the page, so
 * it reads the same offline, printed, and without JavaScript. Everything on it comes from the
 * record, so a run on the screen and a headless one give the same page.
 */
import type { LatencyDistribution } from '../lab/latency-book.js';
import type { DepthSeries } from '../lab/queue-depths.js';
import type { Report } from '../lab/report.js';
import { consumerQueue, type LabState } from '../lab/store.js';
import type { RecordHeader, ReplayResult } from '../record/format.js';
import { depthChart, type RunSpan, ratesChart } from './charts-svg.js';
import { latencyHistogram, percentileBars } from './latency-svg.js';
import { esc } from './markup.js';
import {
  actorsHtml,
  checksHtml,
  eventsHtml,
  failoversHtml,
  headingHtml,
  messagesHtml,
  noticesHtml,
  type RunHeading,
} from './sections.js';
import { pageStyle } from './style.js';
import { topologyModel } from './topology-model.js';
import { topologySvg } from './topology-svg.js';

export interface PageInput {
  /** The report `rabbit-lab report` prints (with its notice when the record was cut short). */
  readonly report: Report;
  readonly run: RunHeading & { readonly lesson: string };
  /** The replayed state: the topology, the actors, the run's start. */
  readonly state: LabState;
  readonly depths: readonly DepthSeries[];
  readonly latency: readonly LatencyDistribution[];
  /** The actors that exited while the run went on (drawn apart from those that ran to its end). */
  readonly endedEarly: readonly string[];
}

/** The queues that get a chart: the topology's, then the consumers', then any the report lists. */
export function chartQueues(report: Report, state: LabState): string[] {
  const names = new Set<string>();
  for (const q of state.scenario.topology?.queues ?? []) names.add(q.name);
  for (const a of state.actors) {
    const q = consumerQueue(a);
    if (q !== undefined) names.add(q);
  }
  for (const q of report.queues) names.add(q.name);
  return [...names];
}

function overTimeHtml(input: PageInput): string {
  const { report, state } = input;
  const span: RunSpan = {
    startedAt: state.startedAt,
    seconds: report.durationMs / 1000,
    events: report.events ?? [],
  };
  const charts = chartQueues(report, state).map((queue) => {
    const points = input.depths.find((d) => d.queue === queue)?.points ?? [];
    return `<figure class="queue-chart">${depthChart(queue, points, span)}<figcaption><strong>${esc(queue)}</strong><span class="key key-ready"></span>ready<span class="key key-unacked"></span>unacked</figcaption></figure>`;
  });
  const rates = `<figure class="rates-chart">${ratesChart(report.timeline, span)}<figcaption><strong>messages per second</strong><span class="key key-published"></span>published<span class="key key-delivered"></span>first delivered</figcaption></figure>`;
  const intro =
    '<p class="hint">The messages the producers published and the consumers received for the first time, each second; then each queue\'s ready and unacked counts as the broker reported them at each poll. The numbered dashed lines are the events listed below the charts.</p>';
  return `<section id="over-time"><h2>Over time</h2>${intro}<div class="charts">${rates}${charts.join('')}</div><h3>Events</h3>${eventsHtml(span.events)}</section>`;
}

function latencyHtml(input: PageInput): string {
  const latency = input.report.latency;
  if (latency === undefined) {
    return '<section id="latency"><h2>Latency</h2><p class="empty">No lab consumer received a lab message: no latency to show.</p></section>';
  }
  const histograms = input.latency
    .filter((d) => d.buckets.length > 0)
    .map((d) => {
      const figures = latency.queues.find((q) => q.queue === d.queue);
      return `<figure>${latencyHistogram(d.queue, d.buckets, figures)}<figcaption><strong>${esc(d.queue)}</strong>: messages by latency (log scale), p50 · p95 · p99 marked</figcaption></figure>`;
    });
  return `<section id="latency"><h2>Latency, publish → first delivery</h2><figure class="diagram">${percentileBars(latency)}</figure><figcaption>Per queue, then per consumer: half the messages came within <span class="key key-p50"></span>p50, 95 % within <span class="key key-p95"></span>p95, 99 % within <span class="key key-p99"></span>p99 (logarithmic scale).</figcaption><h3>Distribution</h3><div class="charts">${histograms.join('')}</div></section>`;
}

function topologyHtml(input: PageInput): string {
  const svg = topologySvg(topologyModel(input.state, input.endedEarly));
  return `<section id="topology"><h2>Topology</h2><figure class="diagram">${svg}</figure><figcaption>Every actor that ran (a dashed box: it stopped, was killed or failed before the run ended), the exchanges with their type, the bindings with their keys; dashed lines are what the broker does on its own (dead-lettering, alternate exchanges).</figcaption></section>`;
}

/** The whole page, as one string. */
export function reportPage(input: PageInput): string {
  const { report, run } = input;
  const body = [
    headingHtml(report, run),
    noticesHtml(report.notices),
    checksHtml(report),
    topologyHtml(input),
    overTimeHtml(input),
    latencyHtml(input),
    messagesHtml(report),
    actorsHtml(report),
    failoversHtml(report),
    `<section id="lesson"><h2>The lesson</h2><p class="lesson">${esc(run.lesson.trim())}</p></section>`,
    "<footer>Made by <code>rabbit-lab report --html</code> from the run's record; everything on this page comes from it.</footer>",
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(run.title)} · rabbit-lab report</title>
<style>${pageStyle}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/**
 * The page of a replayed record: `report` is the one `rabbit-lab report` prints (the replay's,
 * with the notice of a record cut short).
 */
export function recordPage(
  header: RecordHeader,
  result: ReplayResult,
  report: Report = result.report,
): string {
  const { scenario, runId, startedAt } = header;
  return reportPage({
    report,
    run: {
      title: scenario.title,
      scenario: scenario.name,
      runId,
      startedAt,
      lesson: scenario.lesson,
    },
    state: result.state,
    depths: result.depths,
    latency: result.latency,
    endedEarly: result.endedEarly,
  });
}
