/** The non-interactive face: run for a while, drain, check, report. Progress on stderr, report on stdout. */

import { renderReport } from '../lab/lab-report.js';
import type { Report } from '../lab/report.js';
import type { Session } from '../lab/session.js';
import type { LabState } from '../lab/store.js';

export interface HeadlessOptions {
  readonly session: Session;
  readonly durationMs: number;
  readonly json: boolean;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Resolves early when the user interrupts. */
  readonly interrupted?: Promise<void>;
  /** Play the guided tour (default true). */
  readonly tour?: boolean;
}

function progressLine(state: LabState, elapsedMs: number, durationMs: number): string {
  const parts = state.actors.map((a) =>
    a.config.kind === 'producer' ? `${a.id} sent ${a.published}` : `${a.id} got ${a.received}`,
  );
  const queues = state.queues.list
    .filter((q) => !q.name.startsWith('amq.gen-'))
    .map((q) => `${q.name} ready ${q.messagesReady} unacked ${q.messagesUnacknowledged}`);
  return `${state.scenario.name} ${(elapsedMs / 1000).toFixed(0)}/${(durationMs / 1000).toFixed(0)} s · ${[...parts, ...queues].join(' · ')}`;
}

/** Runs the session for durationMs and returns the report (the session is left for the caller to shut down). */
export async function runHeadless(options: HeadlessOptions): Promise<Report> {
  const { session, durationMs, stderr } = options;
  // The clock starts when the actors are up, so --duration is time the scenario really ran.
  await session.actorsSettled();
  const started = Date.now();
  if (options.tour ?? true) session.startTour();
  let tourShown = -1;
  const noticesShown = new Set<string>();
  const ticker = setInterval(() => {
    const { tour, phase, notices } = session.snapshot();
    for (const text of notices) {
      if (noticesShown.has(text)) continue;
      noticesShown.add(text);
      stderr.write(`notice: ${text}\n`);
    }
    if (phase !== 'running') return;
    if (tour && tour.index !== tourShown) {
      tourShown = tour.index;
      stderr.write(`tour: ${tour.text}\n`);
    }
    stderr.write(`${progressLine(session.snapshot(), Date.now() - started, durationMs)}\n`);
  }, 1000);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise((resolve) => {
      timer = setTimeout(resolve, durationMs);
    }),
    options.interrupted ?? new Promise(() => {}),
  ]);
  // An interrupted run must not wait out the rest of its duration before the process can exit.
  clearTimeout(timer);
  clearInterval(ticker);
  stderr.write(
    'stopping producers, waiting for consumers to catch up, reading back what is left in the queues…\n',
  );
  // Drains, stops the actors and reads back what is left in the queues.
  await session.drain();
  const report = session.report(Date.now() - started);
  options.stdout.write(renderReport(report, options.json));
  return report;
}
