/**
 * Every way a run can end leaves nothing behind: for each exit path, count the actor processes,
 * and the queues, exchanges and connections in the run's vhost, before and after.
 * (q and a closed terminal are driven through a real terminal in tui.test.ts; the private node's
 * own paths, SIGKILL of the parent included, in private-broker.test.ts.)
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { cliPath } from '../support/cli.js';
import { childrenOf, isAlive } from '../support/processes.js';

// A named exchange and queue of the topology, and a subscriber's server-named queue.
const scenario = `name: cleanup
title: Cleanup
pattern: test
summary: Everything a run creates, to see it removed.
lesson: A test.
topology:
  exchanges: [{ name: cleanup_x, type: direct, durable: false }]
  queues: [{ name: cleanup_q, durable: true }]
  bindings: [{ exchange: cleanup_x, queue: cleanup_q, keys: [job] }]
actors:
  - { kind: producer, exchange: cleanup_x, routingKeys: [job], rate: 20 }
  - { kind: consumer, queue: cleanup_q }
  - { kind: consumer, bind: { exchange: cleanup_x, keys: [job] }, ack: auto }
`;

interface Counts {
  readonly queues: string[];
  readonly exchanges: string[];
  readonly connections: number;
}

describe('cleanup on every exit path (headless, external broker)', () => {
  let broker: TestBroker;
  let dir: string;
  let file: string;
  before(async () => {
    broker = await testBroker('cleanup');
    dir = await mkdtemp(path.join(tmpdir(), 'rabbit-lab-cleanup-'));
    file = path.join(dir, 'cleanup.yaml');
    await writeFile(file, scenario);
  });
  after(async () => {
    await broker.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  async function counts(): Promise<Counts> {
    const m = broker.management;
    const exchanges = (await m.exchangeNames(broker.vhost)).filter(
      (x) => x !== '' && !x.startsWith('amq.'),
    );
    return {
      queues: (await m.queues(broker.vhost)).map((q) => q.name).sort(),
      exchanges,
      connections: (await m.connectionNames()).filter((c) => c.vhost === broker.vhost).length,
    };
  }

  /** The CLI on the scenario file, headless, for 120 s unless `run` says otherwise. */
  function start(
    env: Record<string, string> = {},
    run: readonly string[] = ['--duration', '120'],
  ): {
    child: ChildProcess;
    stderr: () => string;
    exited: Promise<number | null>;
  } {
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'scenario',
        file,
        '--headless',
        ...run,
        '--url',
        broker.url,
        '--management-url',
        broker.managementUrl,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RABBIT_LAB_URL: '', ...env } },
    );
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout?.resume();
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    return { child, stderr: () => stderr, exited };
  }

  /** Wait until the run is up: three actors, and the broker shows what it created. */
  async function running(pid: number): Promise<number[]> {
    const actors = await waitFor(
      () => (childrenOf(pid).length === 3 ? childrenOf(pid) : undefined),
      {
        what: 'three actor processes',
        timeoutMs: 20_000,
      },
    );
    const during = await waitFor(
      async () => {
        const c = await counts();
        // The session's connection and one per actor (the statistics behind the list lag).
        return c.connections === 4 && c.queues.length === 2 ? c : undefined;
      },
      { what: 'the run on the broker', timeoutMs: 20_000 },
    );
    assert.deepEqual(during.exchanges, ['cleanup_x']);
    assert.ok(during.queues.includes('cleanup_q'));
    assert.ok(during.queues.some((q) => q.startsWith('amq.gen-')));
    return actors;
  }

  async function assertNothingLeft(actors: readonly number[]): Promise<void> {
    await waitFor(() => actors.every((pid) => !isAlive(pid)), {
      what: 'every actor process gone',
      timeoutMs: 5000,
    });
    const left = await waitFor(
      async () => {
        const c = await counts();
        return c.connections === 0 ? c : undefined;
      },
      { what: 'no connection left', timeoutMs: 15_000 },
    );
    assert.deepEqual(left, { queues: [], exchanges: [], connections: 0 });
  }

  const paths: {
    name: string;
    env?: Record<string, string>;
    act: (child: ChildProcess) => void;
    code: number;
    says: RegExp;
  }[] = [
    {
      name: 'Ctrl-C (SIGINT): finishes the run, reports, cleans up',
      act: (child) => child.kill('SIGINT'),
      code: 0,
      says: /interrupted; finishing the run/,
    },
    {
      name: 'Ctrl-C twice: quits at once and still leaves nothing',
      act: (child) => {
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGINT'), 50);
      },
      code: 130,
      says: /interrupted; finishing the run/,
    },
    {
      name: 'SIGTERM',
      act: (child) => child.kill('SIGTERM'),
      code: 143,
      says: /SIGTERM, cleaning up/,
    },
    {
      name: 'SIGHUP',
      act: (child) => child.kill('SIGHUP'),
      code: 129,
      says: /SIGHUP, cleaning up/,
    },
    {
      name: 'an uncaught error',
      env: { RABBIT_LAB_TEST_CRASH_ON_SIGUSR2: '1' },
      act: (child) => child.kill('SIGUSR2'),
      code: 1,
      says: /^rabbit-lab: unexpected error: simulated crash/m,
    },
  ];

  for (const p of paths) {
    test(p.name, async () => {
      assert.deepEqual(await counts(), { queues: [], exchanges: [], connections: 0 });
      const run = start(p.env);
      const actors = await running(run.child.pid ?? 0);
      p.act(run.child);
      assert.equal(await run.exited, p.code, run.stderr());
      assert.match(run.stderr(), p.says);
      assert.doesNotMatch(run.stderr(), /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
      await assertNothingLeft(actors);
    });
  }

  test('--keep leaves the queues and exchange, but no process or connection', async () => {
    // The comparison above can fail: with --keep the same run leaves its topology.
    const code = await start({}, ['--duration', '1', '--keep']).exited;
    assert.equal(code, 0);
    const c = await waitFor(
      async () => {
        const now = await counts();
        return now.connections === 0 ? now : undefined;
      },
      { what: 'connections closed' },
    );
    assert.deepEqual(c, { queues: ['cleanup_q'], exchanges: ['cleanup_x'], connections: 0 });
    const channelOwner = await import('amqplib');
    const conn = await channelOwner.default.connect(broker.url);
    const ch = await conn.createChannel();
    await ch.deleteQueue('cleanup_q');
    await ch.deleteExchange('cleanup_x');
    await conn.close();
  });
});
