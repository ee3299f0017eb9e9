/** 1. Baseline: raw amqplib in this process, the yardstick for the lab's throughput. */
import { once } from 'node:events';
import amqp from 'amqplib';
import { labAppId, labPublishOptions } from '../source/actors/lab-message.js';
import type { EmbeddedBroker } from './lib/broker.js';
import { aborted } from './lib/children.js';
import type { BenchContext } from './lib/context.js';
import { count, figure } from './lib/figures.js';
import { messageBody } from './lib/scenario.js';
import { median } from './lib/stats.js';
import { log, withTimeout } from './lib/util.js';

/**
 * plain: publish(exchange, key, body) on a plain channel, no properties.
 * confirm: the same on a confirm channel (the lab's producers publish on one).
 * mandatory: confirm channel, mandatory flag: the way the lab publishes, without its properties.
 * lab-shaped: as a lab producer publishes (source/actors/lab-message.ts): mandatory, messageId,
 *   appId and delivery mode (what the lab follows a message by).
 * headers: the lab's message before: also timestamp, contentType and a headers table of two.
 * plain and mandatory are the yardsticks of the headless goals; the others are diagnostics.
 */
type BaselineKind = 'plain' | 'confirm' | 'mandatory' | 'lab-shaped' | 'headers';

interface BaselineResult {
  readonly kind: BaselineKind;
  readonly messages: number;
  readonly seconds: number;
  readonly msgPerS: number;
}

const appId = labAppId('bench');

/** The publish options of message `seq` for each kind. */
function publishOptions(kind: BaselineKind, seq: number) {
  if (kind === 'plain' || kind === 'confirm') return undefined;
  if (kind === 'mandatory') return { mandatory: true };
  const now = Date.now();
  const lab = labPublishOptions(appId, 'P1', seq, now, false);
  if (kind === 'lab-shaped') return lab;
  // The lab's message before: timestamp, contentType and two headers beside the id.
  return {
    ...lab,
    timestamp: Math.floor(now / 1000),
    contentType: 'text/plain',
    headers: { 'x-rabbit-lab-sent-at': now, 'x-rabbit-lab-run': 'bench' },
  };
}

/**
 * One publishing channel (yielding every 500 messages, as the lab's producer does, and waiting
 * for 'drain' when publish() says the buffer is full) and one consuming channel (manual ack of each
 * message, prefetch 100), each on its own connection as the lab's producer and consumer are,
 * through one classic non-durable queue. Timed from the first publish to the last ack.
 */
async function baseline(node: EmbeddedBroker, messages: number, kind: BaselineKind) {
  const queue = `bench_baseline_${kind}`;
  const pub = await withTimeout(amqp.connect(node.amqpUrl), 10_000, 'baseline connect');
  const sub = await withTimeout(amqp.connect(node.amqpUrl), 10_000, 'baseline connect').catch(
    async (error: unknown) => {
      await pub.close().catch(() => {});
      throw error;
    },
  );
  try {
    const pubChannel =
      kind === 'plain' ? await pub.createChannel() : await pub.createConfirmChannel();
    const subChannel = await sub.createChannel();
    await subChannel.assertQueue(queue, { durable: false });
    await subChannel.purgeQueue(queue);
    await subChannel.prefetch(100);
    const body = Buffer.from(messageBody);
    let acked = 0;
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    let lastAck = 0;
    await subChannel.consume(queue, (msg) => {
      if (!msg) return;
      subChannel.ack(msg);
      if (++acked === messages) {
        lastAck = performance.now();
        resolveDone();
      }
    });
    const started = performance.now();
    let sent = 0;
    const publishAll = async () => {
      while (sent < messages && !aborted()) {
        for (let i = 0; i < 500 && sent < messages; i++) {
          sent++;
          if (!pubChannel.publish('', queue, body, publishOptions(kind, sent))) {
            await once(pubChannel, 'drain');
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await withTimeout(Promise.all([publishAll(), done]), 120_000, `baseline (${kind})`);
    const seconds = (lastAck - started) / 1000;
    await subChannel.deleteQueue(queue);
    return { kind, messages, seconds, msgPerS: messages / seconds } satisfies BaselineResult;
  } finally {
    await pub.close().catch(() => {});
    await sub.close().catch(() => {});
  }
}

const kinds = ['plain', 'confirm', 'mandatory', 'lab-shaped', 'headers'] as const;

/** Every kind, round after round (after a warm-up of this process's JIT on both code paths). */
async function baselineRuns(ctx: BenchContext): Promise<BaselineResult[]> {
  const { node, settings } = ctx;
  const runs: BaselineResult[] = [];
  // Warm up this process's JIT on both code paths first (not counted).
  log('baseline: warming up…');
  await baseline(node, 10_000, 'plain');
  await baseline(node, 10_000, 'lab-shaped');
  for (let round = 1; round <= settings.baselineRounds && !aborted(); round++) {
    for (const kind of kinds) {
      if (aborted()) break;
      log(
        `baseline: ${settings.baselineMessages} messages, raw amqplib, ${kind} (round ${round}/${settings.baselineRounds})…`,
      );
      runs.push(await baseline(node, settings.baselineMessages, kind));
    }
  }
  return runs;
}

/** The baselines' medians (msg/s) the later sections compare with. */
export interface Baselines {
  readonly plain: number;
  readonly mandatory: number;
  readonly labShaped: number;
}

/** Section baseline: the medians of plain and lab-shaped messages, for the sections after it. */
export async function baselineSection(ctx: BenchContext): Promise<Baselines> {
  const runs = await baselineRuns(ctx);
  ctx.results.baseline = runs;
  const labels: Record<BaselineKind, string> = {
    plain: `1. baseline: raw amqplib, ${count(ctx.settings.baselineMessages)} × 64 B, end to end`,
    confirm: '   same, on a confirm channel',
    mandatory: '   same, confirm + mandatory (as the lab publishes)',
    'lab-shaped': "   same, + the lab's properties (lab-shaped)",
    headers: '   same, as the lab published before (+ 3 properties, 2 headers)',
  };
  const of = (kind: BaselineKind) => runs.filter((r) => r.kind === kind).map((r) => r.msgPerS);
  const plainMedian = median(of('plain'));
  for (const kind of kinds) {
    const values = of(kind);
    if (values.length === 0) continue;
    const value = median(values);
    const spread =
      values.length > 1
        ? `${count(Math.min(...values))}–${count(Math.max(...values))}`
        : `${runs.find((r) => r.kind === kind)?.seconds.toFixed(1)} s`;
    figure({
      id: kind === 'plain' ? 'baseline' : `baseline-${kind}`,
      label: labels[kind],
      value,
      unit: 'msg/s',
      note:
        kind === 'plain'
          ? `median of ${values.length}: ${spread}`
          : `${kind === 'mandatory' ? 'yardstick' : 'diagnostic'}; ${(value / plainMedian).toFixed(2)} × plain; ${spread}`,
    });
  }
  return {
    plain: plainMedian,
    mandatory: median(of('mandatory')),
    labShaped: median(of('lab-shaped')),
  };
}
