/** 6. Scale: more consumers on one queue, and more fanout subscribers, at rate max. */
import { aborted } from './lib/children.js';
import type { BenchContext } from './lib/context.js';
import { count, figure } from './lib/figures.js';
import { type HeadlessResult, runHeadless } from './lib/headless-run.js';
import { writeScenario } from './lib/scenario.js';
import { log } from './lib/util.js';

/** Section scale: one headless run per consumer count, then per subscriber count. */
export async function scaleSection(ctx: BenchContext): Promise<void> {
  const { node, settings, dir } = ctx;
  const scale: HeadlessResult[] = [];
  const cases = [
    ...settings.consumerCounts.map((n) => ({ kind: 'consumers' as const, n })),
    ...settings.subscriberCounts.map((n) => ({ kind: 'subscribers' as const, n })),
  ];
  for (const { kind, n } of cases) {
    if (aborted()) break;
    log(`scale: ${n} ${kind}, rate max, ${settings.scaleS} s…`);
    const file = writeScenario(
      dir,
      kind === 'consumers'
        ? { name: `bench-consumers-${n}`, rate: 'max', consumers: n }
        : { name: `bench-fanout-${n}`, rate: 'max', subscribers: n },
    );
    const r = await runHeadless(node, `${n} ${kind}`, file, settings.scaleS);
    scale.push(r);
    const ran = r.consumers;
    const what =
      kind === 'consumers'
        ? `${n} consumer${n > 1 ? 's' : ''} on one queue`
        : `fanout, ${n} subscriber${n > 1 ? 's' : ''}${ran < n ? ` (${ran} ran)` : ''}`;
    const limit = r.notices.find((text) => /At most \d+ actors/.test(text));
    figure({
      id: `scale-${kind}-${n}`,
      label: `6. ${what}: deliveries/s`,
      value: r.msgPerS,
      unit: 'msg/s',
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
