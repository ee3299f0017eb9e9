/**
 * The run's record as the session writes it (`--record`): the header, every event in order
 * (consumers' receipts merged by receipt-lines.ts), the queues at the end, the report mark once.
 */

import type { LabEvent } from '../lab/store.js';
import type { RecordLine } from './format.js';
import { ReceiptLines } from './receipt-lines.js';

export class Recorder {
  private readonly receipts = new ReceiptLines();
  private reportMarked = false;

  /** `write` undefined: the run is not recorded and every call does nothing. */
  constructor(private readonly write: ((line: RecordLine) => void) | undefined) {}

  get active(): boolean {
    return this.write !== undefined;
  }

  /** An event: receipts held and merged, a producer's batch as it is, anything else after them. */
  event(event: LabEvent, at: number, producerBatch: boolean): void {
    if (!this.write) return;
    if (event.type === 'actor' && event.message.type === 'receipts') {
      this.receipts.hold(event.id, event.message, at);
      return;
    }
    if (producerBatch) this.write({ type: 'event', at, event });
    else this.line({ type: 'event', at, event });
  }

  /** A line of the record, after the receipts held for it. */
  line(line: RecordLine): void {
    const write = this.write;
    if (!write) return;
    for (const held of this.receipts.take()) write(held);
    write(line);
  }

  /** The report's mark: one per run, where the report was taken. */
  markReport(durationMs: number, endedAt: number): void {
    if (this.reportMarked) return;
    this.reportMarked = true;
    this.line({ type: 'report', at: Date.now(), durationMs, endedAt });
  }
}
