/**
 * The tutorial's own worker joining a lab (a README promise): what it takes is not a loss, and
 * the report names the broker's count of what it got, whether or not it is still busy when the
 * run ends.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { check, headless } from '../support/headless.js';

const workerFile = fileURLToPath(
  new URL('../support/programs/tutorial-worker.ts', import.meta.url),
);

/** The worker, started and consuming; `got()` counts the tasks the broker gave it. */
async function startWorker(url: string, secondsPerDot: number) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', workerFile, url, '--seconds-per-dot', String(secondsPerDot)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  await waitFor(() => out.includes('ready\n'), { what: `the worker to consume (${err})` });
  return {
    got: () => out.split('\n').filter((l) => l.startsWith('got ')).length,
    done: () => out.split('\n').filter((l) => l.startsWith('done ')).length,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('the tutorial worker on the lab’s task_queue', () => {
  // A vhost per test: what one run leaves in the worker's queue must not reach the next.
  let broker: TestBroker;
  beforeEach(async () => {
    broker = await testBroker('foreign');
  });
  afterEach(async () => {
    await broker.dispose();
  });

  test('started first: its tasks are taken, not lost, and the report says how many', async () => {
    const worker = await startWorker(broker.url, 1);
    try {
      const { code, report, stderr } = await headless(broker, 'work-queue', 10);
      assert.equal(code, 0, `${stderr}\n${JSON.stringify(report.checks)}`);
      const noLoss = check(report, 'no-loss');
      const got = worker.got();
      assert.ok(got >= 1, 'the worker took tasks');
      const taken =
        / (\d+) taken by consumers outside the lab on task_queue \(the broker delivered (\d+) to their channels\)/.exec(
          noLoss.detail,
        );
      assert.ok(taken && taken[1] === taken[2], noLoss.detail);
      // The worker goes on after the report: what it took since was still in the queue then.
      const waiting = Number(/, (\d+) may wait in task_queue/.exec(noLoss.detail)?.[1] ?? 0);
      const counted = Number(taken[1]);
      assert.ok(
        counted >= 1 && counted <= got && got <= counted + waiting,
        `the worker got ${got}: ${noLoss.detail}`,
      );
      assert.ok(report.notices.some((n) => n.includes('outside the lab')));
    } finally {
      await worker.stop();
    }
  });

  test('still busy with its last task when the run ends: that task is not a loss', async () => {
    // 20 s a dot: it takes one task and holds it long after the run and its drain are over.
    const worker = await startWorker(broker.url, 20);
    try {
      const { code, report, stderr } = await headless(broker, 'work-queue', 6);
      assert.equal(worker.done(), 0, 'the worker never finished a task');
      assert.equal(worker.got(), 1);
      assert.equal(code, 0, `${stderr}\n${JSON.stringify(report.checks)}`);
      assert.match(
        check(report, 'no-loss').detail,
        /, 1 taken by consumers outside the lab on task_queue \(the broker delivered 1 to their channels\)/,
      );
    } finally {
      await worker.stop();
    }
  });
});
