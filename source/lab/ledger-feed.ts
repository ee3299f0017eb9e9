/**
 * How an actor's report feeds the ledger. The session calls this for every batch and receipt it
 * receives and a replayed record (`rabbit-lab report`) for every one it reads, so the two count
 * alike.
 */
import type { ChildMessage } from '../actors/protocol.js';
import { isStreamQueue, type QueueSpec } from '../scenario/schema.js';
import type { Ledger } from './ledger.js';
import type { LabState } from './store.js';

export type BatchMessage = Extract<ChildMessage, { readonly type: 'batch' }>;
export type ReportMessage = Extract<ChildMessage, { readonly type: 'batch' | 'receipts' }>;

/** Whether a message from an actor carries ledger facts. */
export function isReport(message: ChildMessage): message is ReportMessage {
  return message.type === 'batch' || message.type === 'receipts';
}

/** Priority order (before the deliveries are recorded), waits by priority, dead-letterings. */
function feedLimits(
  ledger: Ledger,
  state: LabState,
  consumer: string,
  queue: string,
  spec: QueueSpec | undefined,
  report: ReportMessage,
): void {
  const { limits } = ledger;
  for (const [producer] of report.runs) {
    if (limits.known.has(producer)) continue;
    const config = state.actors.find((a) => a.id === producer)?.config;
    if (config?.kind === 'producer') limits.register(producer, config);
  }
  if (report.waits) limits.order.noteWaits(queue, report.waits);
  if (report.deaths) limits.recordDeaths(report.deaths);
  const max = spec?.arguments['x-max-priority'];
  const cap = spec === undefined ? undefined : typeof max === 'number' ? max : 0;
  const inQueue = ledger.byQueue.get(queue);
  for (const [producer, first, last] of report.runs) {
    if (!limits.hasPriorities(producer)) continue;
    const seen = inQueue?.get(producer);
    limits.order.note(
      { consumer, queue, producer, first, last },
      (seq) => limits.priority(producer, seq),
      cap,
      (seq) => seen?.has(seq) ?? false,
    );
  }
}

/** Record actor `id`'s report; `state` is the lab's state before the report is folded into it. */
export function feedLedger(
  ledger: Ledger,
  state: LabState,
  id: string,
  report: ReportMessage,
): void {
  if (report.type === 'batch') {
    if (report.lastSeq !== undefined) {
      ledger.recordPublished(id, report.lastSeq, report.segment, report.keyOverrides);
      const config = state.actors.find((a) => a.id === id)?.config;
      if (!ledger.limits.known.has(id) && config?.kind === 'producer')
        ledger.limits.register(id, config);
    }
    if (report.returnedRuns) ledger.recordReturned(report.returnedRuns);
    if (report.confirmedRuns) ledger.recordConfirmed(report.confirmedRuns, true);
    if (report.nackedRuns) ledger.recordConfirmed(report.nackedRuns, false);
  }
  const actor = state.actors.find((a) => a.id === id);
  const config = actor?.config.kind === 'consumer' ? actor.config : undefined;
  if (!config) return;
  const queue = actor?.queue ?? config.queue ?? id;
  const autoAck = config.ack === 'auto';
  const spec = state.scenario.topology?.queues.find((q) => q.name === queue);
  if (isStreamQueue(spec)) ledger.streams.add(queue);
  feedLimits(ledger, state, id, queue, spec, report);
  if (report.latency) ledger.latency.note(queue, id, report.latency);
  if (report.perSecond) ledger.timeline.note(report.perSecond);
  ledger.recordReceived(id, queue, report.runs, false, autoAck);
  ledger.recordReceived(id, queue, report.redeliveredRuns, true, autoAck);
  if (report.retriedRuns) ledger.recordRetried(id, queue, report.retriedRuns);
  if (report.handledRuns) ledger.recordHandled(id, queue, report.handledRuns, !!config.retry);
  if (report.requeuedRuns) ledger.recordRequeued(id, report.requeuedRuns);
  if (report.parkedRuns) ledger.recordParked(id, report.parkedRuns);
  // Rejected from a queue with a dead-letter exchange: moved on, not discarded.
  const deadLetters = spec?.arguments['x-dead-letter-exchange'] !== undefined;
  ledger.recordRejected(id, queue, report.droppedRuns, deadLetters);
  ledger.recordKeys(id, report.keys);
}
