/**
 * The client side of RPC over RabbitMQ (tutorial 6): requests carry `replyTo` and a
 * `correlationId`; replies come back on Direct Reply-to (`amq.rabbitmq.reply-to`, no queue at all)
 * or on the client's own exclusive queue. A request without a reply in time is sent again (same
 * correlation id); a second reply to an answered request is counted and ignored.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { RpcClientConfig } from './protocol.js';
import { headers } from './protocol.js';
import type { BatchReporter } from './reporter.js';

export const directReplyTo = 'amq.rabbitmq.reply-to';

interface Pending {
  sentAt: number;
  attempts: number;
  body: string;
}

export class RpcClient {
  private readonly pending = new Map<string, Pending>();
  private readonly answered = new Set<string>();
  private replyTo = directReplyTo;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: RpcClientConfig,
    private readonly id: string,
    private readonly reporter: BatchReporter,
    /** Publish a request again with this correlation id and body. */
    private readonly resend: (correlationId: string, body: string) => boolean,
  ) {}

  /** Listen for replies on this channel (before any request goes out: Direct Reply-to insists). */
  async attach(channel: Channel): Promise<void> {
    if (this.config.replyTo === 'direct') {
      this.replyTo = directReplyTo;
    } else {
      const { queue } = await channel.assertQueue('', { exclusive: true });
      this.replyTo = queue;
    }
    await channel.consume(this.replyTo, (msg) => this.onReply(msg), { noAck: true });
    // Replies to requests sent on a connection that dropped cannot reach us: ask again now.
    for (const p of this.pending.values()) p.sentAt = 0;
    this.timer ??= setInterval(() => this.checkTimeouts(), 100);
  }

  /** The properties of a new request; it is pending from now. */
  request(seq: number, body: string): { replyTo: string; correlationId: string } {
    const correlationId = `${this.id}-${seq}`;
    this.pending.set(correlationId, { sentAt: Date.now(), attempts: 0, body });
    this.reporter.rpc.requests++;
    return { replyTo: this.replyTo, correlationId };
  }

  get replyQueue(): string {
    return this.replyTo;
  }

  /** Requests still waiting for their reply. */
  get outstanding(): number {
    return this.pending.size;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private onReply(msg: ConsumeMessage | null): void {
    if (!msg) return;
    const correlationId = String(msg.properties.correlationId ?? '');
    const request = this.pending.get(correlationId);
    const counts = this.reporter.rpc;
    if (!request) {
      if (this.answered.has(correlationId)) counts.duplicates++;
      else counts.unknown++;
      this.reporter.touch();
      return;
    }
    this.pending.delete(correlationId);
    this.answered.add(correlationId);
    const rtt = Date.now() - request.sentAt;
    counts.replies++;
    counts.rttMs += rtt;
    const server = msg.properties.headers?.[headers.server];
    if (this.reporter.wantsSample(request.attempts > 0)) {
      this.reporter.sample({
        messageId: correlationId,
        producer: this.id,
        exchange: '',
        routingKey: this.replyTo,
        queue: this.config.queue,
        consumer: typeof server === 'string' ? server : '?',
        redelivered: false,
        outcome: 'reply',
        latencyMs: rtt,
        detail: `${request.body} → ${msg.content.toString().slice(0, 20)}${request.attempts > 0 ? `, after ${request.attempts} retr${request.attempts === 1 ? 'y' : 'ies'}` : ''}`,
        at: Date.now(),
      });
    } else {
      this.reporter.touch();
    }
  }

  private checkTimeouts(): void {
    const now = Date.now();
    for (const [correlationId, p] of this.pending) {
      if (now - p.sentAt < this.config.timeoutMs) continue;
      if (p.attempts >= this.config.retries) {
        this.pending.delete(correlationId);
        this.reporter.rpc.failed++;
        this.reporter.touch();
        continue;
      }
      if (!this.resend(correlationId, p.body)) continue; // not connected: next time
      p.attempts++;
      p.sentAt = now;
      this.reporter.rpc.retries++;
      this.reporter.sample({
        messageId: correlationId,
        producer: this.id,
        exchange: '',
        routingKey: this.config.queue,
        queue: this.config.queue,
        consumer: '',
        redelivered: false,
        outcome: 'retry',
        detail: `no reply in ${this.config.timeoutMs} ms; sent again (attempt ${p.attempts + 1})`,
        at: now,
      });
    }
  }
}
