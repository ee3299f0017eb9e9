/**
 * `npm test`: start a private RabbitMQ node (the same module the CLI uses), run every test file
 * with node's test runner against it, stop it. Tests fail (never skip) when no broker can start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type EmbeddedBroker,
  type EmbeddedCluster,
  startEmbeddedBroker,
  startEmbeddedCluster,
} from '../source/broker/embedded/index.js';

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return testFiles(full);
    return /\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

const only = process.argv.slice(2);
const needsCluster = (file: string) => file.split(path.sep).includes('cluster');
/** The longest files first, so those running together end together: the cluster's, then private clusters'. */
const heavy = (file: string) => (needsCluster(file) ? 0 : /cluster-/.test(file) ? 1 : 2);
const files = (only.length > 0 ? only : testFiles('test').sort()).sort(
  (a, b) => heavy(a) - heavy(b),
);
const clusterFiles = files.filter(needsCluster);

let broker: EmbeddedBroker | undefined;
try {
  process.stderr.write('test: starting a private RabbitMQ node for the tests…\n');
  broker = await startEmbeddedBroker({
    preferStandardPorts: false,
    onProgress: (line) => process.stderr.write(`test: ${line}\n`),
  });
  process.stderr.write(
    `test: RabbitMQ ${broker.version} at ${broker.amqpUrl.replace(/:[^:@/]*@/, ':***@')}\n`,
  );
} catch (error) {
  process.stderr.write(
    `test: cannot start a RabbitMQ node for the tests: ${error instanceof Error ? error.message : String(error)}\n` +
      'test: the broker tests need a local RabbitMQ server; install it with `npm run setup` (Debian/Ubuntu: apt-get install rabbitmq-server; macOS: brew install rabbitmq).\n',
  );
  process.exit(1);
}

// One private three-node cluster for every test under test/cluster/ (started only when they run).
let cluster: EmbeddedCluster | undefined;
if (clusterFiles.length > 0) {
  try {
    process.stderr.write(
      'test: starting a private three-node RabbitMQ cluster for the cluster tests…\n',
    );
    let last = 0;
    cluster = await startEmbeddedCluster({
      nodes: 3,
      onProgress: (line) => {
        if (Date.now() - last < 3000) return;
        last = Date.now();
        process.stderr.write(`test: ${line}\n`);
      },
    });
    process.stderr.write(`test: cluster of ${cluster.nodes.map((n) => n.amqpPort).join(', ')}\n`);
  } catch (error) {
    broker.stopSync();
    process.stderr.write(
      `test: cannot start a RabbitMQ cluster for the cluster tests: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}

const stopBroker = () => {
  broker?.stopSync();
  cluster?.stopSync();
  rmSync(releaseDir, { recursive: true, force: true });
};

/**
 * An idle cluster costs CPU every other test pays for (2 cores here): each cluster test file
 * leaves a mark in releaseDir when it is done (test/support/cluster.ts), and once all have, the
 * cluster stops while the rest of the tests go on.
 */
const releaseDir = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-test-release-'));
const releaseWatch = setInterval(() => {
  if (cluster === undefined) return;
  if (readdirSync(releaseDir).length < clusterFiles.length) return;
  clearInterval(releaseWatch);
  const stopping = cluster;
  void stopping.stop().then(() => {
    process.stderr.write('test: the cluster tests are done; the test cluster is stopped\n');
  });
}, 500);
releaseWatch.unref();
process.on('exit', stopBroker);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => process.exit(130));
}

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    // Three at a time: the files mostly wait on brokers and timers (about a third of two cores busy).
    '--test-concurrency=3',
    // A hung test fails after two minutes instead of holding CI until its deadline.
    '--test-timeout=120000',
    '--test-reporter=spec',
    ...files,
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      RABBIT_LAB_TEST_URL: broker.amqpUrl,
      RABBIT_LAB_TEST_MANAGEMENT_URL: broker.managementUrl,
      ...(cluster === undefined
        ? {}
        : {
            RABBIT_LAB_TEST_CLUSTER: JSON.stringify({
              version: cluster.version,
              nodes: cluster.nodes,
              attachment: cluster.attachment,
              releaseDir,
            }),
          }),
    },
  },
);
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await broker.stop();
await cluster?.stop();
process.exit(code);
