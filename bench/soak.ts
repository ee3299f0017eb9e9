/**
 * `npm run soak`: a work queue runs for 10 minutes (SOAK_MINUTES to change it) on a private node,
 * with two worker kills and a broker restart in the middle. Prints the main process's and the
 * actors' memory over time, the message counts and the checks; writes bench/soak-result.json.
 * Not a test: a run takes minutes and its figures are for people to read.
 */
import { writeFileSync } from 'node:fs';
import { restartPrivateNode } from '../source/broker/restart.js';
import { resolveTarget } from '../source/broker/url.js';
import { Session } from '../source/lab/session.js';
import { parseScenario } from '../source/scenario/loader.js';
import { startEmbeddedBroker } from './lib/broker.js';
import { childrenOf, commandLine, memoryMb } from './lib/proc.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 10);
const rate = Number(process.env.SOAK_RATE ?? 100);
const totalMs = minutes * 60_000;
const sampleEveryMs = Math.min(30_000, totalMs / 20);

const scenario = parseScenario(
  `name: soak
title: Soak
pattern: competing consumers
summary: A long run with crashes and a broker restart.
lesson: Soak test.
topology:
  queues:
    - { name: soak_tasks, durable: true, arguments: { x-queue-type: quorum } }
actors:
  - { kind: producer, routingKeys: [soak_tasks], rate: ${rate}, persistent: true }
  - { kind: consumer, queue: soak_tasks, prefetch: 10, workMs: 20 }
  - { kind: consumer, queue: soak_tasks, prefetch: 10, workMs: 20 }
  - { kind: consumer, queue: soak_tasks, prefetch: 10, workMs: 20 }
checks: [no-loss, each-once, redelivery-after-crash]
`,
  'soak.yaml',
);

/** Resident memory of a process in MB, from /proc (0 when it is gone). */
const rssMb = (pid: number): number => memoryMb(pid)?.rss ?? 0;

/** Heap in use after a full collection, in MB (NaN when `gc` is not exposed). */
function heapAfterGcMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return Number.NaN;
  gc();
  return Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10;
}

/** The actor processes this one forked. */
const actorPids = (): number[] =>
  childrenOf(process.pid).filter((pid) => commandLine(pid).includes('actor-main'));

const log = (line: string) => process.stderr.write(`soak: ${line}\n`);

log(`starting a private RabbitMQ node (${minutes} min at ${rate} msg/s)…`);
const node = await startEmbeddedBroker({ preferStandardPorts: false });
const session = new Session({
  scenario,
  target: resolveTarget(node.amqpUrl, node.managementUrl),
  embedded: true,
  restartBroker: () => restartPrivateNode(node),
  maxRate: Math.max(1000, rate),
});
const stop = async () => {
  await session.shutdown();
  await node.stop();
};
process.on('SIGINT', () => void stop().finally(() => process.exit(130)));

const samples: {
  atS: number;
  mainMb: number;
  /** The main process's JavaScript heap after a full collection (what a leak would grow). */
  heapMb: number;
  actorsMb: number;
  published: number;
  received: number;
}[] = [];
const events: string[] = [];

/**
 * SIGKILL a worker while it holds unacknowledged tasks (what redelivery-after-crash judges):
 * at 100 msg/s a worker is idle now and then, so wait (up to 5 s) for a moment it is not.
 */
async function killHolding(id: string): Promise<void> {
  const deadline = Date.now() + 5000;
  const holding = () => {
    const a = session.snapshot().actors.find((x) => x.id === id);
    return a !== undefined && a.received - a.acked - a.nacked > 1;
  };
  while (!holding() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await session.kill(id);
}

try {
  await session.start();
  const started = Date.now();
  const sample = async () => {
    const state = session.snapshot();
    const pids = actorPids();
    const s = {
      atS: Math.round((Date.now() - started) / 1000),
      mainMb: Math.round(rssMb(process.pid) * 10) / 10,
      heapMb: heapAfterGcMb(),
      actorsMb: Math.round(pids.reduce((n, pid) => n + rssMb(pid), 0) * 10) / 10,
      published: state.actors.reduce((n, a) => n + a.published, 0),
      received: state.actors.reduce((n, a) => n + a.received, 0),
    };
    samples.push(s);
    log(
      `${s.atS} s  main ${s.mainMb} MB (heap ${s.heapMb})  actors ${s.actorsMb} MB (${pids.length})  published ${s.published}  received ${s.received}`,
    );
  };
  const timeline: [number, string, () => Promise<unknown>][] = [
    [
      0.3,
      'SIGKILL C1, a busy worker; a new worker joins',
      async () => {
        await killHolding('C1');
        session.spawnLike('consumer');
      },
    ],
    [0.5, 'restart the broker', () => session.restartBroker()],
    [
      0.7,
      'SIGKILL C2; a new worker joins',
      async () => {
        await killHolding('C2');
        session.spawnLike('consumer');
      },
    ],
  ];
  let next = 0;
  let nextSample = 0;
  while (Date.now() - started < totalMs) {
    const elapsed = Date.now() - started;
    if (elapsed >= nextSample) {
      await sample();
      nextSample += sampleEveryMs;
    }
    const step = timeline[next];
    if (step && elapsed >= step[0] * totalMs) {
      next++;
      events.push(`${Math.round(elapsed / 1000)} s: ${step[1]}`);
      log(step[1]);
      await step[2]();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await sample();
  log('draining…');
  await session.drain(30_000);
  const checks = session.checks();
  const state = session.snapshot();
  const first = samples[1] ?? samples[0];
  const last = samples[samples.length - 1];
  const result = {
    date: new Date().toISOString(),
    minutes,
    rate,
    broker: state.broker.version,
    events,
    samples,
    totals: {
      published: session.ledger.totalPublished(),
      confirmed: session.ledger.totalConfirmed(),
      handled: session.ledger.total('handled'),
      deliveries: session.ledger.deliveries,
      redeliveries: session.ledger.redeliveries,
      reconnects: state.actors.reduce((n, a) => n + a.reconnects, 0),
    },
    memory: {
      mainFirstMb: first?.mainMb,
      mainLastMb: last?.mainMb,
      mainPeakMb: Math.max(...samples.map((s) => s.mainMb)),
      heapFirstMb: first?.heapMb,
      heapLastMb: last?.heapMb,
    },
    checks,
  };
  writeFileSync(
    new URL('./soak-result.json', import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  process.stdout.write(`\nsoak: ${minutes} min at ${rate} msg/s, RabbitMQ ${result.broker}\n`);
  for (const e of events) process.stdout.write(`  ${e}\n`);
  process.stdout.write('\n  time    main RSS  main heap   actors RSS   published   received\n');
  for (const s of samples) {
    process.stdout.write(
      `  ${`${s.atS} s`.padStart(6)}  ${`${s.mainMb} MB`.padStart(9)}  ${`${s.heapMb} MB`.padStart(9)}  ${`${s.actorsMb} MB`.padStart(10)}  ${String(s.published).padStart(10)}  ${String(s.received).padStart(9)}\n`,
    );
  }
  const t = result.totals;
  process.stdout.write(
    `\n  published ${t.published}, confirmed ${t.confirmed}, handled ${t.handled}; ${t.deliveries} deliveries, ${t.redeliveries} redelivered; ${t.reconnects} reconnects\n`,
  );
  for (const c of checks) process.stdout.write(`  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}\n`);
  process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
} finally {
  await stop();
}
