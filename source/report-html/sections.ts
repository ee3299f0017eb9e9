/**
 * The page's HTML parts that are text and tables: the run's heading, its verdict and notices,
 * the checks with their details, the run's events, the message figures, the actors, failovers.
 */
import { describeFate } from '../lab/limit-fates.js';
import { type ActorReport, failoverLines, type Report } from '../lab/report.js';
import type { RunEvent } from '../lab/run-events.js';
import { eventTone } from './chart-frame.js';
import { esc, num, seconds } from './markup.js';

export interface RunHeading {
  readonly title: string;
  readonly scenario: string;
  readonly runId: string;
  readonly startedAt: number;
}

/** The title, what ran where and when, and the verdict. */
export function headingHtml(report: Report, run: RunHeading): string {
  const broker = report.broker;
  const where = broker.embedded
    ? report.failovers === undefined
      ? 'private node'
      : 'private cluster'
    : 'external broker';
  const facts = [
    `scenario <code>${esc(run.scenario)}</code>`,
    `${esc(seconds(report.durationMs / 1000))}`,
    `RabbitMQ ${esc(broker.version || '?')} (${where})`,
    `<code>${esc(broker.url)}</code>`,
    `run <code>${esc(run.runId)}</code>`,
    `started ${esc(
      new Date(run.startedAt)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC'),
    )}`,
  ];
  const verdict = report.ok ? 'All checks passed.' : 'Some checks failed.';
  return `<header><h1>${esc(run.title)} <span class="sub">· rabbit-lab report</span></h1><p class="meta">${facts.join(' · ')}</p><p class="verdict ${report.ok ? 'ok' : 'fail'}" data-verdict="${report.ok ? 'ok' : 'fail'}">${verdict}</p></header>`;
}

/** The report's notices; the one saying the record was cut short stands out. */
export function noticesHtml(notices: readonly string[]): string {
  if (notices.length === 0) return '';
  const items = notices
    .map((n) => {
      const cut = n.startsWith('The record stops at line');
      return `<li${cut ? ' class="cut-short" data-cut-short=""' : ''}>${esc(n)}</li>`;
    })
    .join('');
  return `<section class="notices" aria-label="Notices"><ul>${items}</ul></section>`;
}

export function checksHtml(report: Report): string {
  const items = report.checks
    .map((c) => {
      const state = c.ok ? 'ok' : 'fail';
      const idle = c.judged === false ? ' <span class="idle">(nothing to judge)</span>' : '';
      return `<li class="check ${state}" data-check="${esc(c.name)}" data-ok="${c.ok}"><span class="mark" aria-label="${c.ok ? 'held' : 'failed'}">${c.ok ? '✓' : '✗'}</span> <span class="check-head"><strong class="check-name">${esc(c.name)}</strong>${idle}</span><span class="check-detail">${esc(c.detail)}</span></li>`;
    })
    .join('');
  return `<section id="checks"><h2>Checks</h2><ul class="checks">${items}</ul></section>`;
}

/** The events the charts mark, numbered the same way. */
export function eventsHtml(events: readonly RunEvent[]): string {
  if (events.length === 0) return '<p class="empty">No actor started or stopped, no tour step.</p>';
  const items = events
    .map(
      (e, i) =>
        `<li class="event-${eventTone(e)}" value="${i + 1}"><span class="at">${esc(num(e.atS))} s</span> ${esc(e.text)}</li>`,
    )
    .join('');
  return `<ol class="events">${items}</ol>`;
}

const cell = (v: string | number | undefined) => `<td>${v === undefined ? '' : esc(v)}</td>`;
const numeric = (v: number | undefined) =>
  `<td class="n">${v === undefined ? '' : esc(v.toLocaleString('en'))}</td>`;

/** The actors table's columns after the id: heading, and the cell. */
const actorColumns: readonly {
  readonly head: string;
  readonly value: (a: ActorReport) => string | number | undefined;
  readonly td: (a: ActorReport) => string;
}[] = [
  { head: 'kind', value: (a) => a.kind, td: (a) => cell(a.kind) },
  {
    head: 'status',
    value: (a) => a.status,
    td: (a) => `<td class="status status-${esc(a.status)}">${esc(a.status)}</td>`,
  },
  { head: 'queue', value: (a) => a.queue, td: (a) => cell(a.queue) },
  ...(
    [
      ['sent', 'published'],
      ['unroutable', 'unroutable'],
      ['got', 'received'],
      ['acked', 'acked'],
      ['redelivered', 'redelivered'],
      ['external', 'external'],
      ['retried', 'retried'],
      ['parked', 'parked'],
      ['errors', 'errors'],
    ] as const
  ).map(([head, key]) => ({
    head,
    value: (a: ActorReport) => a[key],
    td: (a: ActorReport) => numeric(a[key]),
  })),
  { head: 'last error', value: (a) => a.lastError, td: (a) => cell(a.lastError) },
];

export function actorsHtml(report: Report): string {
  if (report.actors.length === 0)
    return '<section id="actors"><h2>Actors</h2><p class="empty">No actor ran.</p></section>';
  // A column no actor has a value in (retries in a run without them, no error) is left out.
  const columns = actorColumns.filter((c) =>
    report.actors.some((a) => c.value(a) !== undefined && c.value(a) !== ''),
  );
  const head = ['actor', ...columns.map((c) => c.head)]
    .map((h) => `<th scope="col">${h}</th>`)
    .join('');
  const rows = report.actors
    .map(
      (a) =>
        `<tr data-actor="${esc(a.id)}"><th scope="row">${esc(a.id)}</th>${columns.map((c) => c.td(a)).join('')}</tr>`,
    )
    .join('');
  return `<section id="actors"><h2>Actors</h2><div class="scroll"><table class="actors"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

/** What became of the messages, by id: the totals and a row per queue. */
export function messagesHtml(report: Report): string {
  const m = report.messages;
  if (m === undefined) return '';
  const totals = [
    `${m.published} published`,
    ...(m.confirmed === undefined ? [] : [`${m.confirmed} confirmed`]),
    `${m.lost} lost`,
    `${m.duplicated} duplicated`,
    `${m.redelivered} redelivered`,
    `${m.reordered} reordered`,
  ].join(' · ');
  const rows = m.queues
    .map(
      (q) =>
        `<tr data-queue-row="${esc(q.queue)}"><th scope="row">${esc(q.queue)}</th>${numeric(q.delivered)}${numeric(q.lost)}${numeric(q.duplicated)}${numeric(q.redelivered)}${numeric(q.reordered)}</tr>`,
    )
    .join('');
  const table =
    m.queues.length === 0
      ? ''
      : `<div class="scroll"><table class="messages"><thead><tr><th scope="col">queue</th><th scope="col">delivered</th><th scope="col">lost</th><th scope="col">duplicated</th><th scope="col">redelivered</th><th scope="col">reordered</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  const limits = [
    ...(m.limits ?? []).map(describeFate),
    ...(m.unexplained && m.unexplained.count > 0
      ? [`${m.unexplained.count} not explained by a queue limit: ${m.unexplained.ids}`]
      : []),
  ];
  const list =
    limits.length === 0
      ? ''
      : `<ul class="limits">${limits.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`;
  return `<section id="messages"><h2>Messages</h2><p>${esc(totals)}</p>${table}${list}</section>`;
}

export function failoversHtml(report: Report): string {
  const lines = failoverLines(report);
  if (lines.length === 0) return '';
  return `<section id="failovers"><h2>Failovers</h2><ul>${lines.map((l) => `<li>${esc(l.replace(/^failover: /, ''))}</li>`).join('')}</ul></section>`;
}
