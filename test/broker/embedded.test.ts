/**
 * Against real private RabbitMQ nodes (each boot takes a few seconds).
 * Run alone with `npx tsx --test test/broker/embedded.test.ts`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import amqp from 'amqplib';
import {
  type EmbeddedBroker,
  nodeStateFile,
  reapStaleNodes,
  startEmbeddedBroker,
} from '../../source/broker/embedded/index.js';

const started: EmbeddedBroker[] = [];

after(() => {
  // Whatever a failing test left running.
  for (const broker of started) broker.stopSync();
});

async function start(): Promise<EmbeddedBroker> {
  const progress: string[] = [];
  const broker = await startEmbeddedBroker({
    preferStandardPorts: false,
    onProgress: (line) => progress.push(line),
  });
  started.push(broker);
  assert.ok(progress.length > 0, 'reports progress while booting');
  return broker;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL is asynchronous; give the kernel (and our child reaping) a moment. */
async function waitUntilGone(pid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(isRunning(pid), false, `server process ${pid} is gone`);
}

async function overviewVersion(broker: EmbeddedBroker): Promise<unknown> {
  const response = await fetch(`${broker.managementUrl}/api/overview`, {
    headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { rabbitmq_version?: unknown };
  return body.rabbitmq_version;
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () =>
      child.pid === undefined ? reject(new Error('no pid')) : resolve(child.pid),
    );
  });
}

let first: EmbeddedBroker;

test('a private node answers the management API and AMQP', async () => {
  first = await start();
  assert.match(first.nodeName, new RegExp(`^rabbit-lab-${process.pid}(-\\d+)?@localhost$`));
  assert.match(first.version, /^\d+\.\d+\.\d+/);
  assert.equal(await overviewVersion(first), first.version);

  const connection = await amqp.connect(first.amqpUrl);
  try {
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    channel.sendToQueue(queue, Buffer.from('hello'));
    await channel.close();
  } finally {
    await connection.close();
  }
});

test('a second node started while one runs gets its own ports; stopSync removes it', async () => {
  const second = await start();
  const firstPorts = [first.amqpPort, first.managementPort, first.distPort];
  const secondPorts = [second.amqpPort, second.managementPort, second.distPort];
  assert.equal(new Set([...firstPorts, ...secondPorts]).size, 6);
  assert.notEqual(second.nodeName, first.nodeName);
  assert.equal(await overviewVersion(second), second.version);

  second.stopSync();
  await waitUntilGone(second.pid);
  assert.equal(existsSync(second.baseDir), false);
  assert.equal(existsSync(nodeStateFile(second.nodeName)), false);
  second.stopSync(); // idempotent
});

test('stop() shuts the node down and removes its directory', async () => {
  await first.stop();
  assert.equal(isRunning(first.pid), false);
  assert.equal(existsSync(first.baseDir), false);
  assert.equal(existsSync(nodeStateFile(first.nodeName)), false);
  await first.stop(); // idempotent
});

test('reapStaleNodes removes a node whose owner died', async () => {
  const owner = await deadPid();
  const orphan = await start();
  const stateFile = nodeStateFile(orphan.nodeName);
  const record = JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, unknown>;
  await writeFile(stateFile, JSON.stringify({ ...record, ownerPid: owner }));

  assert.ok((await reapStaleNodes()) >= 1);
  await waitUntilGone(orphan.pid);
  assert.equal(existsSync(orphan.baseDir), false);
  assert.equal(existsSync(stateFile), false);
  await orphan.stop(); // still safe after someone else reaped it
});
