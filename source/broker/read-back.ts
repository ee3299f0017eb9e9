/**
 * Reading what is left in a queue at the end of a run, by id: only for queues the run created,
 * which it deletes right after anyway, so taking the messages out changes nothing anybody keeps.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { labMessageOf } from '../actors/lab-message.js';
import type { SeqRun } from '../actors/protocol.js';
import { SeqRunBuilder } from '../actors/seq-runs.js';

export interface ReadBack {
  /** This run's messages found in the queue, as runs per producer. */
  readonly runs: SeqRun[];
  /** Messages from anyone else (another run, another program). */
  readonly others: number;
  /** Messages the broker still counted when the deadline came. */
  readonly unread: number;
}

/** Runs are cheap when sorted: the queue gives them in order per producer, mostly. */
function sortedRuns(ids: Map<string, number[]>): SeqRun[] {
  const out = new SeqRunBuilder();
  for (const [producer, seqs] of [...ids].sort(([a], [b]) => a.localeCompare(b))) {
    for (const seq of seqs.sort((a, b) => a - b)) out.add(producer, seq);
  }
  return out.take();
}

/**
 * Consume `queue` with automatic ack until the broker's count of it is read, it stays quiet for
 * `quietMs`, or `timeoutMs` passes. A channel error (the queue is gone) ends it with what was read.
 */
export async function readBack(
  connection: ChannelModel,
  queue: string,
  runId: string,
  { timeoutMs = 3000, quietMs = 300 } = {},
): Promise<ReadBack> {
  const channel: Channel = await connection.createChannel();
  channel.on('error', () => {});
  const ids = new Map<string, number[]>();
  let others = 0;
  let read = 0;
  let lastAt = Date.now();
  const onMessage = (msg: ConsumeMessage | null) => {
    if (!msg) return;
    read++;
    lastAt = Date.now();
    const id = labMessageOf(msg.properties, runId);
    if (id) {
      let seqs = ids.get(id.producer);
      if (!seqs) {
        seqs = [];
        ids.set(id.producer, seqs);
      }
      seqs.push(id.seq);
    } else {
      others++;
    }
  };
  let unread = 0;
  try {
    const { messageCount } = await channel.checkQueue(queue);
    if (messageCount > 0) {
      const { consumerTag } = await channel.consume(queue, onMessage, { noAck: true });
      const deadline = Date.now() + timeoutMs;
      while (read < messageCount && Date.now() < deadline && Date.now() - lastAt < quietMs) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Deliveries before the cancel's answer still reach onMessage: count them too.
      await channel.cancel(consumerTag);
      unread = (await channel.checkQueue(queue)).messageCount;
    }
    await channel.close();
  } catch {
    // The queue or the channel went away: what was read stands.
  }
  return { runs: sortedRuns(ids), others, unread };
}
