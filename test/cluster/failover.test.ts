/**
 * Failover on the shared private three-node cluster: the shipped scenarios run in-process with
 * their tours, which crash the node leading the queue and start it again. The tests in this file
 * run one after another: each needs the whole cluster back before the next crashes a node.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { resolveClusterTarget } from '../../source/broker/url.js';
import { reportCommand } from '../../source/commands/report.js';
import type { Report } from '../../source/lab/report.js';
import { Session } from '../../source/lab/session.js';
import { RecordWriter } from '../../source/record/writer.js';
import { builtinDir } from '../../source/scenario/catalog.js';
import { loadScenarioFile } from '../../source/scenario/loader.js';
import { waitFor } from '../support/broker.js';
import { type TestClusterVhost, testCluster, testClusterVhost } from '../support/cluster.js';
import { check } from '../support/headless.js';

const cluster = testCluster();
let vhost: TestClusterVhost;
before(async () => {
  vhost = await testClusterVhost('failover');
});
after(async () => {
  await vhost.dispose();
  cluster.release();
});

/** Every node up and a member of the cluster again, so the next test starts from three. */
async function allNodesUp(): Promise<void> {
  await waitFor(() => cluster.nodes.every((n) => cluster.control.status(n.nodeName) === 'up'), {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: 'every node of the test cluster up again',
  });
  await waitFor(
    async () => {
      const nodes = await vhost.management.nodes().catch(() => []);
      return nodes.length === cluster.nodes.length && nodes.every((n) => n.running);
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'the management API listing three running nodes' },
  );
}

/** `rabbit-lab report <file> --json`: the report a record replays to. */
async function replayed(file: string): Promise<Report> {
  let out = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  const code = await reportCommand(file, true, stdout, new PassThrough());
  assert.equal(code, 0, out);
  return JSON.parse(out) as Report;
}

/** The shipped scenario with its tour, on the shared cluster, until its tour is over. */
async function runScenario(name: string, seconds: number, record?: RecordWriter): Promise<Report> {
  const scenario = await loadScenarioFile(path.join(builtinDir, `${name}.yaml`));
  const session = new Session({
    scenario,
    target: resolveClusterTarget(vhost.urls, vhost.managementUrls),
    embedded: true,
    cluster: cluster.control,
    pollIntervalMs: 250,
    ...(record === undefined ? {} : { record: record.write }),
  });
  try {
    await session.start();
    await session.actorsSettled();
    const started = Date.now();
    session.startTour();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    await session.drain();
    return session.report(Date.now() - started);
  } finally {
    await session.shutdown();
    await record?.close();
    await allNodesUp();
  }
}

describe('failover on a private three-node cluster', () => {
  before(allNodesUp);

  test('quorum-failover: the leader crashes, a new one is elected, nothing confirmed is lost', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rabbit-lab-failover-'));
    const file = path.join(dir, 'run.ndjson');
    let report: Report;
    let again: Report;
    try {
      // The tour crashes the leader's node at 5 s and starts it again at 13 s.
      report = await runScenario('quorum-failover', 16, await RecordWriter.open(file));
      again = await replayed(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const [failover, ...more] = report.failovers ?? [];
    assert.ok(failover, `a failover in the report (notices: ${report.notices.join(' | ')})`);
    assert.equal(more.length, 0, 'one node action in the tour');
    assert.equal(failover.action, 'kill');
    const orders = failover.queues.find((q) => q.queue === 'orders');
    assert.ok(orders, "the crashed node led 'orders'");
    assert.equal(orders.type, 'quorum');
    assert.equal(orders.leaderBefore, failover.node);
    assert.ok(orders.leaderAfter, 'a new leader was listed');
    assert.notEqual(orders.leaderAfter, orders.leaderBefore, 'on another node');
    assert.ok(
      orders.electionMs !== undefined && orders.electionMs > 0 && orders.electionMs < 15_000,
      `election time measured (${orders.electionMs} ms)`,
    );
    assert.ok(failover.publishGapMs !== undefined, 'the publishing gap was measured');
    assert.equal(check(report, 'no-loss').ok, true, check(report, 'no-loss').detail);
    assert.equal(check(report, 'each-once').ok, true, check(report, 'each-once').detail);
    assert.equal(check(report, 'ordering').ok, true, check(report, 'ordering').detail);
    const producer = report.actors.find((a) => a.kind === 'producer');
    assert.ok(producer && (producer.published ?? 0) > 500, 'the producer kept publishing');
    assert.equal(report.messages?.lost, 0);
    assert.equal(report.messages?.duplicated, 0);
    // The record replays to the same verdicts and failover figures.
    assert.deepEqual(again.failovers, report.failovers);
    assert.deepEqual(again.messages, report.messages);
    assert.deepEqual(again.checks, report.checks);
  });

  test('classic-vs-quorum: the classic queue is down until its node returns and loses what it held', async () => {
    const report = await runScenario('classic-vs-quorum', 32);
    const [failover] = report.failovers ?? [];
    assert.ok(failover, `a failover in the report (notices: ${report.notices.join(' | ')})`);
    const classic = failover.queues.find((q) => q.queue === 'classic-orders');
    const quorum = failover.queues.find((q) => q.queue === 'quorum-orders');
    assert.equal(classic?.type, 'classic');
    assert.equal(
      classic?.leaderAfter,
      failover.node,
      'the classic queue came back on its own node',
    );
    assert.ok(quorum?.leaderAfter && quorum.leaderAfter !== failover.node, 'a new quorum leader');
    assert.ok(
      (classic?.electionMs ?? 0) > (quorum?.electionMs ?? Number.POSITIVE_INFINITY),
      'the classic queue was down far longer than the quorum queue took to elect',
    );
    const byQueue = new Map(report.messages?.queues.map((q) => [q.queue, q]));
    assert.ok((byQueue.get('classic-orders')?.lost ?? 0) > 0, 'non-persistent messages are gone');
    assert.equal(
      byQueue.get('quorum-orders')?.lost,
      0,
      'nothing confirmed lost from the quorum queue',
    );
    const noLoss = check(report, 'no-loss');
    assert.equal(noLoss.ok, true, noLoss.detail);
    assert.match(noLoss.detail, /not judged: \d+ lost from classic-orders/);
    assert.match(noLoss.detail, /waiting in classic-orders when node \d went down/);
    const classicProducer = report.actors.find((a) => a.id === 'P1');
    assert.ok(
      (classicProducer?.unroutable ?? 0) > 0,
      'what was sent to the classic queue while it was down came back unroutable',
    );
  });
});
