/**
 * 7. Failover: a private three-node cluster running the quorum-failover scenario in-process; the
 * node that leads 'orders' is crashed (SIGKILL) five times, started again after each. Figures,
 * medians of the five: the time until the management API lists a new leader, the longest gap in
 * publisher confirms, the longest a consumer went without a message; and, over the whole run, the
 * confirmed messages lost (the promise: none).
 */
import path from 'node:path';
import { startEmbeddedCluster } from '../source/broker/embedded/index.js';
import { resolveClusterTarget } from '../source/broker/url.js';
import type { Failover } from '../source/lab/cluster-state.js';
import { Session } from '../source/lab/session.js';
import { builtinDir } from '../source/scenario/catalog.js';
import { loadScenarioFile } from '../source/scenario/loader.js';
import { aborted, extraNodes } from './lib/children.js';
import type { BenchContext } from './lib/context.js';
import { figure, samplesNote } from './lib/figures.js';
import { median } from './lib/stats.js';
import { log, sleep } from './lib/util.js';

/** Poll `probe` every 50 ms until it gives a value, for at most `ms`. */
async function until<T>(probe: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !aborted()) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`failover bench: no ${what} within ${ms / 1000} s`);
}

/** One crash of the leader, measured: waits for the election and the gaps' window to close. */
async function crashLeader(session: Session, index: number): Promise<Failover> {
  await session.nodeAction('kill', 'orders');
  const elected = await until(
    () => {
      const f = session.snapshot().cluster?.failovers[index];
      return f?.queues[0]?.electedMs !== undefined ? f : undefined;
    },
    30_000,
    'new leader',
  );
  // The gaps count until 3 s after the election.
  await sleep((elected.queues[0]?.electedMs ?? 0) + 3500);
  await session.nodeAction('start');
  await until(
    () => (session.snapshot().cluster?.nodes.every((n) => n.status === 'up') ? true : undefined),
    90_000,
    'node back up',
  );
  const failover = session.snapshot().cluster?.failovers[index];
  if (failover === undefined) throw new Error('failover bench: the failover was not recorded');
  return failover;
}

export async function failoverSection(ctx: BenchContext): Promise<void> {
  const kills = ctx.settings.quick ? 2 : 5;
  log(`failover: starting a private three-node cluster, then ${kills} crashes of the leader…`);
  const bootStarted = performance.now();
  const cluster = await startEmbeddedCluster({ nodes: 3 });
  const stop = () => cluster.stop();
  extraNodes.add(stop);
  const bootMs = performance.now() - bootStarted;
  figure({
    id: 'cluster.boot',
    label: 'private 3-node cluster: boot until every node answers',
    value: bootMs / 1000,
    unit: 's',
    digits: 1,
  });
  const scenario = await loadScenarioFile(path.join(builtinDir, 'quorum-failover.yaml'));
  const session = new Session({
    scenario,
    target: resolveClusterTarget(
      cluster.nodes.map((n) => n.amqpUrl),
      cluster.nodes.map((n) => n.managementUrl),
    ),
    embedded: true,
    cluster,
    pollIntervalMs: 250,
  });
  const failovers: Failover[] = [];
  try {
    await session.start();
    await session.actorsSettled();
    for (let i = 0; i < kills && !aborted(); i++) {
      await sleep(3000);
      const f = await crashLeader(session, i);
      failovers.push(f);
      log(
        `failover ${i + 1}/${kills}: new leader after ${f.queues[0]?.electedMs ?? '?'} ms, confirm gap ${f.publishGapMs ?? '?'} ms, consumer gap ${f.consumerGapMs ?? '?'} ms`,
      );
    }
    await session.drain();
    const report = session.report(0);
    const elections = failovers.flatMap((f) => f.queues[0]?.electedMs ?? []);
    const gaps = failovers.flatMap((f) => f.publishGapMs ?? []);
    const quiet = failovers.flatMap((f) => f.consumerGapMs ?? []);
    figure({
      id: 'failover.election',
      label: `crash of the quorum leader → new leader listed (median of ${elections.length})`,
      value: median(elections),
      unit: 'ms',
      goal: '≤ 1000 ms',
      met: median(elections) <= 1000,
      note: samplesNote(elections),
    });
    figure({
      id: 'failover.publishGap',
      label: `longest wait for a publisher confirm around it (median of ${gaps.length})`,
      value: median(gaps),
      unit: 'ms',
      goal: '≤ 2000 ms',
      met: median(gaps) <= 2000,
      note: samplesNote(gaps),
    });
    figure({
      id: 'failover.consumerGap',
      label: `longest a consumer went without a message (median of ${quiet.length})`,
      value: median(quiet),
      unit: 'ms',
      note: samplesNote(quiet),
    });
    const lost = report.messages?.lost ?? Number.NaN;
    figure({
      id: 'failover.lost',
      label: `confirmed messages lost over ${failovers.length} crashes (${report.messages?.confirmed ?? 0} confirmed)`,
      value: lost,
      unit: 'msgs',
      digits: 0,
      goal: '0',
      met: lost === 0,
    });
    ctx.results.failover = { bootMs, failovers, messages: report.messages };
  } finally {
    await session.shutdown();
    await stop();
    extraNodes.delete(stop);
  }
}
