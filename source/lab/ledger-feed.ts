/**
 * How an actor's batch feeds the ledger. The session calls this for every batch it receives and
 * a replayed record (`rabbit-lab report`) for every batch event it reads, so the two count alike.
 */
import type { ChildMessage } from '../actors/protocol.js';
import type { Ledger } from './ledger.js';
import type { LabState } from './store.js';

export type BatchMessage = Extract<ChildMessage, { readonly type: 'batch' }>;

/** Record actor `id`'s batch; `state` is the lab's state before the batch is folded into it. */
export function feedLedger(ledger: Ledger, state: LabState, id: string, batch: BatchMessage): void {
  if (batch.lastSeq !== undefined) {
    ledger.recordPublished(id, batch.lastSeq, batch.segment, batch.keyOverrides);
  }
  if (batch.returnedRuns) ledger.recordReturned(batch.returnedRuns);
  if (batch.confirmedRuns) ledger.recordConfirmed(batch.confirmedRuns, true);
  if (batch.nackedRuns) ledger.recordConfirmed(batch.nackedRuns, false);
  if (batch.ackedRuns) ledger.recordSettled(batch.ackedRuns, 'acked');
  if (batch.parkedRuns) ledger.recordSettled(batch.parkedRuns, 'parked');
  if (batch.retriedRuns) ledger.recordRetried(id, batch.retriedRuns);
  if (batch.runs.length + batch.redeliveredRuns.length + batch.droppedRuns.length === 0) return;
  const actor = state.actors.find((a) => a.id === id);
  const queue =
    actor?.queue ?? (actor?.config.kind === 'consumer' ? actor.config.queue : undefined) ?? id;
  ledger.recordReceived(id, queue, batch.runs, false);
  ledger.recordReceived(id, queue, batch.redeliveredRuns, true);
  // Rejected from a queue with a dead-letter exchange: moved on, not discarded.
  const spec = state.scenario.topology?.queues.find((q) => q.name === queue);
  if (spec?.arguments['x-dead-letter-exchange'] !== undefined)
    ledger.recordDeadLettered(batch.droppedRuns);
  else ledger.recordDropped(batch.droppedRuns);
  ledger.recordKeys(id, batch.keys);
}
