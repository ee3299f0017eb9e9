/**
 * Publish order, as each consumer saw it: RabbitMQ keeps the order of messages from one channel
 * through one queue to one consumer, except for redeliveries. A first delivery (not redelivered,
 * not seen from that queue before) of a message older than one the same consumer already got from
 * the same producer on the same queue is reordered. Fed in arrival order, as consumers report.
 */

const MAX_EXAMPLES = 3;

export class DeliveryOrder {
  /** Highest first-delivered sequence number per consumer, queue and producer. */
  private readonly highest = new Map<string, number>();
  reordered = 0;
  readonly reorderedByQueue = new Map<string, number>();
  readonly examples: string[] = [];

  /**
   * First deliveries first..last of `producer`'s messages from `queue` to `consumer`, in arrival
   * order; `seenBefore` tells a duplicate (counted as such elsewhere) from a reordered message.
   */
  note(
    consumer: string,
    queue: string,
    producer: string,
    first: number,
    last: number,
    seenBefore: (seq: number) => boolean,
  ): void {
    const key = `${consumer}\u0000${queue}\u0000${producer}`;
    const highest = this.highest.get(key) ?? 0;
    let late = 0;
    for (let seq = first; seq <= Math.min(last, highest - 1); seq++) {
      if (seenBefore(seq)) continue;
      late++;
      if (this.examples.length < MAX_EXAMPLES) {
        this.examples.push(
          `${producer}-${seq} after ${producer}-${highest} (${consumer} from ${queue})`,
        );
      }
    }
    if (late > 0) {
      this.reordered += late;
      this.reorderedByQueue.set(queue, (this.reorderedByQueue.get(queue) ?? 0) + late);
    }
    if (last > highest) this.highest.set(key, last);
  }
}
