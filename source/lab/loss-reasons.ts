/**
 * Per-message facts the accounting looks up (routes, queue arguments, consumers' fates) and the
 * reason a promised message that is nowhere was lost, as a sentence for a group of them.
 */
import type { QueueSpec } from '../scenario/schema.js';
import type { AccountingContext, AccountingProducer, Outage } from './accounting.js';
import type { HeaderSet } from './headers-match.js';
import type { Ledger } from './ledger.js';
import { headersOf, routePath } from './routing.js';

/**
 * Queues an exchange routes a message to, as far as the run knows its bindings (through its
 * alternate exchange when none takes it).
 */
function routeOf(
  c: AccountingContext,
  exchange: string,
  key: string,
  headers: HeaderSet = {},
): string[] {
  if (exchange === '') return [key];
  return routePath(c, exchange, key, headers).queues;
}

function argument(
  spec: QueueSpec | undefined,
  name: string,
): string | number | boolean | undefined {
  return spec?.arguments[name];
}

/** Per-message facts the accounting needs, looked up once. */
export class Lookup {
  private readonly specs: Map<string, QueueSpec>;
  private readonly producers: Map<string, AccountingProducer>;
  private readonly statusOf: Map<string, string>;

  constructor(private readonly c: AccountingContext) {
    this.specs = new Map(c.queueSpecs.map((q) => [q.name, q]));
    this.producers = new Map(c.producers.map((p) => [p.id, p]));
    this.statusOf = new Map(c.consumers.map((con) => [con.id, con.status]));
  }

  spec(queue: string): QueueSpec | undefined {
    return this.specs.get(queue);
  }

  /** The first outage of `queue` that ended after `at` (the message was in it, or sent to it, then). */
  outage(queue: string, at: number): Outage | undefined {
    return this.c.outages?.find((o) => o.queue === queue && (o.to === undefined || at <= o.to));
  }

  status(consumer: string): string | undefined {
    return this.statusOf.get(consumer);
  }

  keyOf(producer: string, seq: number): string {
    const p = this.producers.get(producer);
    const keys = p?.routingKeys ?? [];
    return this.c.ledger.keyOf(producer, seq) ?? keys[(seq - 1) % Math.max(1, keys.length)] ?? '';
  }

  /** Where a message was routed, where it was dead-lettered to, and where it was parked. */
  destinations(producer: string, seq: number): string[] {
    const p = this.producers.get(producer);
    const key = this.keyOf(producer, seq);
    const out = new Set(p ? routeOf(this.c, p.exchange, key, headersOf(p, seq)) : []);
    for (const [queue, sets] of this.c.ledger.deadLetteredFrom) {
      if (!sets.get(producer)?.has(seq)) continue;
      for (const q of this.deadLetterTargets(queue, key)) out.add(q);
    }
    return [...out];
  }

  deadLetterExchange(queue: string): { exchange: string; key?: string } | undefined {
    const spec = this.spec(queue);
    const exchange = argument(spec, 'x-dead-letter-exchange');
    if (exchange === undefined) return undefined;
    const key = argument(spec, 'x-dead-letter-routing-key');
    return { exchange: String(exchange), ...(key === undefined ? {} : { key: String(key) }) };
  }

  deadLetterTargets(queue: string, key: string): string[] {
    const dlx = this.deadLetterExchange(queue);
    return dlx ? routeOf(this.c, dlx.exchange, dlx.key ?? key) : [];
  }

  /** The first consumer whose set of this kind holds the message. */
  consumerWith(sets: Ledger['byConsumer'], producer: string, seq: number): string | undefined {
    for (const [consumer, inner] of sets) if (inner.get(producer)?.has(seq)) return consumer;
    return undefined;
  }

  queueWith(sets: Ledger['byQueue'], producer: string, seq: number): string | undefined {
    for (const [queue, inner] of sets) if (inner.get(producer)?.has(seq)) return queue;
    return undefined;
  }
}

function how(status: string | undefined): string {
  switch (status) {
    case 'killed':
      return 'was killed';
    case 'failed':
      return 'failed';
    case 'stopped':
    case 'stopping':
      return 'was stopped';
    default:
      return 'had not finished';
  }
}

/** A message routed to a classic queue that went down with its node before the message was out of it. */
function outageReason(
  l: Lookup,
  ledger: Ledger,
  producer: string,
  seq: number,
): string | undefined {
  const at = ledger.publishedAt(producer, seq);
  if (at === undefined) return undefined;
  for (const q of l.destinations(producer, seq)) {
    const outage = l.outage(q, at);
    if (outage === undefined) continue;
    if (at < outage.from) {
      return `waiting in ${q} when ${outage.node} went down: a classic queue lives on one node, and what was not persistent did not come back with it`;
    }
    return `published while ${q} was down with ${outage.node}: the broker confirmed them but had no running queue to put them in`;
  }
  return undefined;
}

/** A queue with a length limit that refuses new messages when full (instead of dropping its oldest). */
function refusesWhenFull(spec: QueueSpec | undefined): boolean {
  const overflow = argument(spec, 'x-overflow');
  const limited =
    argument(spec, 'x-max-length') !== undefined ||
    argument(spec, 'x-max-length-bytes') !== undefined;
  return limited && (overflow === 'reject-publish' || overflow === 'reject-publish-dlx');
}

/** Why a promised message that is nowhere was lost, as a sentence for a group of them. */
export function lossReason(l: Lookup, ledger: Ledger, producer: string, seq: number): string {
  if (ledger.has('autoDelivered', producer, seq)) {
    const c = l.consumerWith(ledger.byConsumer, producer, seq) ?? 'a consumer';
    return `delivered with automatic ack to ${c}, which ${how(l.status(c))} before handling them: the broker forgot them on delivery`;
  }
  if (ledger.has('dropped', producer, seq)) {
    const c = l.consumerWith(ledger.settledByConsumer, producer, seq) ?? 'a consumer';
    const q = l.queueWith(ledger.byQueue, producer, seq) ?? 'its queue';
    return `rejected without requeue by ${c} from ${q}, which has no dead-letter exchange: the broker discarded them`;
  }
  if (ledger.has('deadLettered', producer, seq)) {
    const from = l.queueWith(ledger.deadLetteredFrom, producer, seq) ?? '';
    const dlx = l.deadLetterExchange(from);
    const target =
      dlx?.exchange === '' ? 'the default exchange' : (dlx?.exchange ?? 'its dead-letter exchange');
    const key = dlx?.key ?? l.keyOf(producer, seq);
    const targets = l.deadLetterTargets(from, key);
    if (targets.length === 0)
      return `rejected without requeue from ${from} into ${target}, which routes nowhere for key '${key}'`;
    const full = targets.find((q) => refusesWhenFull(l.spec(q)));
    if (
      full !== undefined &&
      argument(l.spec(from), 'x-dead-letter-strategy') !== 'at-least-once'
    ) {
      const max =
        argument(l.spec(full), 'x-max-length') ?? argument(l.spec(full), 'x-max-length-bytes');
      return `dead-lettered from ${from} into ${target} while ${full} was full (at most ${String(max)}, ${String(argument(l.spec(full), 'x-overflow'))}): at-most-once dead-lettering drops what its target refuses`;
    }
    return `dead-lettered from ${from} into ${target} and not seen again`;
  }
  if (ledger.has('parked', producer, seq))
    return 'parked, but not found in the parking queue at the end';
  for (const q of l.destinations(producer, seq)) {
    const spec = l.spec(q);
    const max = argument(spec, 'x-max-length') ?? argument(spec, 'x-max-length-bytes');
    const overflow = argument(spec, 'x-overflow') ?? 'drop-head';
    if (max !== undefined && overflow === 'drop-head') {
      const dlx = argument(spec, 'x-dead-letter-exchange') !== undefined;
      return `routed to ${q}, which holds at most ${String(max)}${argument(spec, 'x-max-length') === undefined ? ' bytes' : ''}: the broker dropped the oldest${dlx ? ' (to its dead-letter exchange)' : ''}`;
    }
    const ttl = argument(spec, 'x-message-ttl');
    if (ttl !== undefined && argument(spec, 'x-dead-letter-exchange') === undefined) {
      return `expired in ${q} (x-message-ttl ${String(ttl)} ms, no dead-letter exchange)`;
    }
    const expiration = ledger.limits.ttl.get(producer);
    if (expiration !== undefined && argument(spec, 'x-dead-letter-exchange') === undefined) {
      return `expired in ${q} (expiration ${expiration} ms per message, no dead-letter exchange)`;
    }
  }
  const outage = outageReason(l, ledger, producer, seq);
  if (outage !== undefined) return outage;
  if (ledger.has('delivered', producer, seq)) {
    return 'delivered to a lab consumer, never handled, and not found in any queue at the end';
  }
  return ledger.confirms ? 'confirmed by the broker but never delivered' : 'never delivered';
}
