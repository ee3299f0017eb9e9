/** 6. Scale: more consumers on one queue, and more fanout subscribers, at rate max. */
import { aborted } from './lib/children.js';
import type { BenchContext } from './lib/context.js';
import { count, figure } from './lib/figures.js';
import { type HeadlessResult, runHeadless } from './lib/headless-run.js';
import { writeScenario } from './lib/scenario.js';
import { log } from './lib/util.js';

/** One multiple ack per this many messages in the ackEvery run. */
const ACK_EVERY = 50;

/** Section scale: one headless run per consumer count, then per subscriber count. */
export async function scaleSection(ctx: BenchContext): Promise<void> {
  const { node, settings, dir } = ctx;
  const scale: HeadlessResult[] = [];
  const cases: { kind: 'consumers' | 'subscribers'; n: number; ackEvery?: number }[] = [
    ...settings.consumerCounts.map((n) => ({ kind: 'consumers' as const, n })),
    // The same single consumer acknowledging 50 at a time (ackEvery: one multiple ack).
    { kind: 'consumers', n: 1, ackEvery: ACK_EVERY },
    ...settings.subscriberCounts.map((n) => ({ kind: 'subscribers' as const, n })),
  ];
  const oneConsumer: number[] = [];
  for (const { kind, n, ackEvery } of cases) {
    if (aborted()) break;
    const every = ackEvery ? `, ackEvery ${ackEvery}` : '';
    log(`scale: ${n} ${kind}${every}, rate max, ${settings.scaleS} s…`);
    const file = writeScenario(
      dir,
      kind === 'consumers'
        ? {
            name: `bench-consumers-${n}${ackEvery ? '-every' : ''}`,
            rate: 'max',
            consumers: n,
            ackEvery,
          }
        : { name: `bench-fanout-${n}`, rate: 'max', subscribers: n },
    );
    const r = await runHeadless(node, `${n} ${kind}${every}`, file, settings.scaleS);
    scale.push(r);
    const ran = r.consumers;
    if (kind === 'consumers' && n === 1 && !ackEvery) oneConsumer.push(r.msgPerS);
    const what =
      kind === 'consumers'
        ? `${n} consumer${n > 1 ? 's' : ''} on one queue${every}`
        : `fanout, ${n} subscriber${n > 1 ? 's' : ''}${ran < n ? ` (${ran} ran)` : ''}`;
    // More consumers on one queue must not deliver less than one does.
    const one = oneConsumer[0];
    const versusOne =
      kind === 'consumers' && n > 1 && !ackEvery && one !== undefined
        ? { goal: '≥ 1 consumer', met: r.msgPerS >= one }
        : {};
    const limit = r.notices.find((text) => /At most \d+ actors/.test(text));
    figure({
      id: `scale-${kind}-${n}`,
      label: `6. ${what}: deliveries/s`,
      value: r.msgPerS,
      unit: 'msg/s',
      ...versusOne,
      ...(kind === 'subscribers' && n >= 32 ? { goal: `all ${n} run`, met: ran === n } : {}),
      note: `while publishing ${count(r.steadyMsgPerS)}/s${ran < n && limit ? `; "${limit}"` : ''}`,
    });
    figure({
      id: `scale-${kind}-${n}-cpu`,
      label: `   main CPU, ${ran} ${kind === 'consumers' ? 'consumer' : 'subscriber'}${ran > 1 ? 's' : ''}`,
      value: r.mainCpuPct,
      unit: '% core',
      note: `actors ${r.actorsCpuPct.toFixed(0)} %, broker ${r.brokerCpuPct.toFixed(0)} %`,
    });
  }
  ctx.results.scale = scale;
}
