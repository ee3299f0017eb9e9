import { RingBuffer } from '../util/ring-buffer.js';
import type { BatchCounts, ChildMessage, MessageRecord } from './protocol.js';
import { emptyCounts } from './protocol.js';
import { SeqRunBuilder } from './seq-runs.js';

/** Accumulates an actor's observations and sends them to the parent as one batch per interval. */
export class BatchReporter {
  counts: BatchCounts = emptyCounts();
  readonly runs = new SeqRunBuilder();
  readonly redeliveredRuns = new SeqRunBuilder();
  private samples: RingBuffer<MessageRecord>;
  lastSeq: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly send: (message: ChildMessage) => void,
    readonly intervalMs = 50,
    sampleCapacity = 16,
  ) {
    this.samples = new RingBuffer(sampleCapacity);
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.intervalMs);
  }

  sample(record: MessageRecord): void {
    this.samples.push(record);
    this.dirty = true;
  }

  touch(): void {
    this.dirty = true;
  }

  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const samples = this.samples.toArray();
    this.samples.clear();
    this.send({
      type: 'batch',
      counts: this.counts,
      runs: this.runs.take(),
      redeliveredRuns: this.redeliveredRuns.take(),
      lastSeq: this.lastSeq,
      samples,
    });
    this.counts = emptyCounts();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
