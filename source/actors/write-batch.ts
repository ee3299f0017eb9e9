/**
 * Frames written in one go leave in one system call. amqplib writes every frame (a publish, an
 * ack) to the socket on its own: it queues frames per channel and writes them out, one
 * `socket.write` each, from a setImmediate scheduled on the next tick after the first. At full
 * speed that is one system call per message in the producer and one per ack in the consumer, and
 * as many small reads for the broker. Corking the socket until just after that write-out hands the
 * kernel the lot as one writev: the same frames in the same order, a little sooner if anything.
 */
import type { ChannelModel } from 'amqplib';

export interface Corkable {
  cork(): void;
  uncork(): void;
}

function isCorkable(value: unknown): value is Corkable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Corkable>).cork === 'function' &&
    typeof (value as Partial<Corkable>).uncork === 'function'
  );
}

/** The socket under an amqplib connection (not in its types: undefined if a version hides it). */
export function socketOf(model: ChannelModel): Corkable | undefined {
  const stream: unknown = (model.connection as { stream?: unknown }).stream;
  return isCorkable(stream) ? stream : undefined;
}

export class WriteBatcher {
  private held = false;

  constructor(private readonly socket: Corkable | undefined) {}

  /**
   * Call right after writing frames (a batch of publishes, a receipt's acks): they leave
   * together. amqplib's write-out was queued (on the next tick after the first frame) before
   * this tick's callback queues the uncork, so the socket opens once amqplib has written them.
   */
  hold(): void {
    const socket = this.socket;
    if (!socket || this.held) return;
    this.held = true;
    socket.cork();
    process.nextTick(() =>
      setImmediate(() => {
        this.held = false;
        socket.uncork();
      }),
    );
  }
}

/** For a channel without a socket to batch on (tests, or an amqplib that hides it). */
export const noBatching = new WriteBatcher(undefined);
