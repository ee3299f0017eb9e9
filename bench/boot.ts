/**
 * 5. (cont.) Boots: the private node (startEmbeddedBroker) against a plain rabbitmq-server with the
 * same kind of set-up, and what the embedded module does before rabbitmq-server runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { answersAmqp, choosePort, localhostAddresses } from '../source/broker/ports.js';
import { findRabbitmqServer, reapStaleNodes, startEmbeddedBroker } from './lib/broker.js';
import { aborted, extraNodes, forgetTempDir, signalPid, tempDir, track } from './lib/children.js';
import type { BenchContext } from './lib/context.js';
import { figure, samplesNote } from './lib/figures.js';
import { commandLine } from './lib/proc.js';
import { median } from './lib/stats.js';
import { isRecord, log, sleep, withTimeout } from './lib/util.js';

/**
 * What startEmbeddedBroker does before it runs rabbitmq-server, timed apart: reap stale nodes,
 * find the loopback addresses, choose three free ports, make the temp dir and write its files.
 * (The pid-file record and the readiness probe come on top; the probe is the same as the plain
 * boot's.) A stable estimate of the module's own cost, which the boot-time difference is too
 * noisy to show.
 */
async function embeddedPreSpawnMs(): Promise<number> {
  const started = performance.now();
  await reapStaleNodes();
  const hosts = await localhostAddresses();
  const taken = new Set<number>();
  for (let i = 0; i < 3; i++) taken.add(await choosePort(hosts, taken));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-bench-plan-'));
  for (const name of ['rabbitmq.conf', 'enabled_plugins', 'rabbitmq-env.conf']) {
    writeFileSync(path.join(dir, name), '');
  }
  const ms = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

interface PlainNode {
  readonly dir: string;
  readonly nodeName: string;
  readonly hosts: readonly string[];
  readonly amqpPort: number;
  readonly managementPort: number;
  readonly distPort: number;
}

/** Loopback addresses, three free ports and a temporary directory for plain node `index`. */
async function planPlainNode(index: number): Promise<PlainNode> {
  const hosts = await localhostAddresses();
  const taken = new Set<number>();
  const pick = async () => {
    const port = await choosePort(hosts, taken);
    taken.add(port);
    return port;
  };
  const amqpPort = await pick();
  const managementPort = await pick();
  const distPort = await pick();
  const dir = tempDir('rabbit-lab-bench-plain-');
  const nodeName = `rabbit-lab-bench-plain-${process.pid}-${index}@localhost`;
  return { dir, nodeName, hosts, amqpPort, managementPort, distPort };
}

/** Its config files, and the environment that keeps everything of the node under its dir. */
function plainNodeEnv(plan: PlainNode): NodeJS.ProcessEnv {
  const { dir, hosts, amqpPort, managementPort } = plan;
  writeFileSync(
    path.join(dir, 'rabbitmq.conf'),
    [
      ...hosts.map(
        (h, i) => `listeners.tcp.${i + 1} = ${h.includes(':') ? `[${h}]` : h}:${amqpPort}`,
      ),
      `management.tcp.port = ${managementPort}`,
      `management.tcp.ip = ${hosts[0] ?? '127.0.0.1'}`,
      'collect_statistics_interval = 1000',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'enabled_plugins'), '[rabbitmq_management].\n');
  writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('RABBITMQ_') && key !== 'NOTIFY_SOCKET') env[key] = value;
  }
  return Object.assign(env, {
    RABBITMQ_NODENAME: plan.nodeName,
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbitmq.pid'),
    RABBITMQ_DIST_PORT: String(plan.distPort),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_ADDRESS: '127.0.0.1',
    HOME: plan.dir,
  });
}

/** SIGTERM, then SIGKILL of its group and of its Erlang VM; then its directory goes. */
function plainNodeStopper(server: ChildProcess, plan: PlainNode): () => Promise<void> {
  const serverPid = server.pid ?? 0;
  const exited = once(server, 'exit');
  return async () => {
    signalPid(serverPid, 'SIGTERM');
    await withTimeout(exited, 1000, 'plain node').catch(() => {});
    signalPid(-serverPid, 'SIGKILL');
    try {
      const beam = Number.parseInt(readFileSync(path.join(plan.dir, 'rabbitmq.pid'), 'utf8'), 10);
      if (commandLine(beam).includes(plan.nodeName)) signalPid(beam, 'SIGKILL');
      for (let i = 0; i < 100 && commandLine(beam).includes(plan.nodeName); i++) await sleep(30);
    } catch {
      // No pid file: the VM never started.
    }
    rmSync(plan.dir, { recursive: true, force: true });
    forgetTempDir(plan.dir);
  };
}

/** Polls every 150 ms until the management API lists the AMQP listener and that port answers. */
async function waitForPlainNode(
  server: ChildProcess,
  plan: PlainNode,
  started: number,
): Promise<number> {
  const auth = `Basic ${Buffer.from('guest:guest').toString('base64')}`;
  const deadline = started + 60_000;
  while (performance.now() < deadline && !aborted()) {
    if (server.exitCode !== null) throw new Error('plain rabbitmq-server exited during boot');
    try {
      const response = await fetch(`http://localhost:${plan.managementPort}/api/overview`, {
        headers: { authorization: auth },
        signal: AbortSignal.timeout(1000),
      });
      const overview: unknown = response.ok ? await response.json() : undefined;
      const listeners =
        isRecord(overview) && Array.isArray(overview.listeners) ? overview.listeners : [];
      const listens = listeners.some(
        (l: unknown) => isRecord(l) && l.protocol === 'amqp' && l.port === plan.amqpPort,
      );
      if (listens && (await answersAmqp('localhost', plan.amqpPort))) {
        return performance.now() - started;
      }
    } catch {
      // Not up yet.
    }
    await sleep(150);
  }
  throw new Error('plain rabbitmq-server did not become ready within 60 s');
}

/**
 * A plain rabbitmq-server with the same kind of private temp-dir setup the embedded module writes
 * (node name, config with loopback listeners on free ports, management plugin, mnesia/log/pid
 * under the dir, its own HOME for the cookie, distribution on loopback), started directly and
 * timed until the management API lists the AMQP listener and that port answers AMQP: the
 * readiness test startEmbeddedBroker uses, polled every 150 ms as it does. What startEmbeddedBroker
 * adds on top (reaping stale nodes, choosing ports, the pid-file record, progress) is the
 * difference between the two times.
 */
async function plainBoot(index: number): Promise<number> {
  const binDir = findRabbitmqServer();
  if (binDir === undefined) throw new Error('rabbitmq-server not found');
  const plan = await planPlainNode(index);
  const env = plainNodeEnv(plan);
  const started = performance.now();
  const server = track(
    spawn(path.join(binDir, 'rabbitmq-server'), [], {
      cwd: plan.dir,
      env,
      detached: true,
      stdio: 'ignore',
    }),
    'plain rabbitmq-server',
    true,
  );
  const stop = plainNodeStopper(server, plan);
  extraNodes.add(stop);
  try {
    return await waitForPlainNode(server, plan, started);
  } finally {
    await stop();
    extraNodes.delete(stop);
  }
}

async function embeddedBoot(): Promise<number> {
  const started = performance.now();
  const node = await startEmbeddedBroker({ preferStandardPorts: false });
  const ms = performance.now() - started;
  await node.stop();
  return ms;
}

/** Section boot: the main node's boot (`firstBootMs`), then plain servers and private nodes in turn. */
export async function bootSection(ctx: BenchContext, firstBootMs: number): Promise<void> {
  const embedded = [firstBootMs];
  const plain: number[] = [];
  for (let i = 0; i < ctx.settings.boots && !aborted(); i++) {
    log(`boot: plain rabbitmq-server #${i + 1}…`);
    plain.push(await plainBoot(i));
    log(`boot: startEmbeddedBroker #${i + 2}…`);
    embedded.push(await embeddedBoot());
  }
  const preSpawn: number[] = [];
  for (let i = 0; i < 5; i++) preSpawn.push(await embeddedPreSpawnMs());
  ctx.results.boot = { embeddedMs: embedded, plainMs: plain, embeddedPreSpawnMs: preSpawn };
  const embeddedMedian = median(embedded);
  const plainMedian = median(plain);
  const seconds = (values: number[]) =>
    samplesNote(
      values.map((ms) => ms / 1000),
      's',
      2,
    );
  figure({
    id: 'bootEmbedded',
    label: `5. private node boot (startEmbeddedBroker), median of ${embedded.length}`,
    value: embeddedMedian / 1000,
    unit: 's',
    digits: 2,
    note: seconds(embedded),
  });
  figure({
    id: 'bootPlain',
    label: `   plain rabbitmq-server boot, median of ${plain.length}`,
    value: plainMedian / 1000,
    unit: 's',
    digits: 2,
    note: seconds(plain),
  });
  figure({
    id: 'bootOverhead',
    label: '   overhead of the embedded module (difference)',
    value: (embeddedMedian - plainMedian) / 1000,
    unit: 's',
    digits: 2,
    goal: '≤ 0.5',
    met: embeddedMedian - plainMedian <= 500,
    note: `boot-to-boot spread ${((Math.max(...plain, ...embedded) - Math.min(...plain, ...embedded)) / 1000).toFixed(1)} s`,
  });
  figure({
    id: 'bootPreSpawn',
    label: '   its work before rabbitmq-server runs, median of 5',
    value: median(preSpawn),
    unit: 'ms',
    note: 'reap, ports, temp dir (timed apart)',
  });
}
