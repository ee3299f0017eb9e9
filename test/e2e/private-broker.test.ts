import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { nodeStateFile } from '../../source/broker/embedded/index.js';
import type { Report } from '../../source/lab/report.js';
import { waitFor } from '../support/broker.js';
import { cliPath, runCli } from '../support/cli.js';
import { childrenOf, isAlive } from '../support/processes.js';

/** Pids of processes whose command line mentions this node name. */
function processesOf(nodeName: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Zombies are dead already; their parent just has not reaped them.
      if (cmdline.includes(nodeName) && !/^\d+ \(.*\) Z/.test(stat)) pids.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

describe('the private broker', () => {
  test('is started for --broker embedded and gone when the CLI exits', async () => {
    const result = await runCli(
      ['scenario', 'hello', '--broker', 'embedded', '--headless', '--duration', '2', '--json'],
      {
        timeoutMs: 90_000,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.broker.embedded, true);
    assert.equal(report.ok, true);
    assert.match(
      result.stderr,
      /starting private RabbitMQ node… \d+\.\d s/,
      'boot progress is shown',
    );
    const nodeName = `rabbit-lab-${result.pid}@localhost`;
    assert.deepEqual(processesOf(nodeName), [], 'no process of the private node is left');
    assert.equal(existsSync(nodeStateFile(nodeName)), false, 'its pid file is removed');
  });

  test('SIGTERM mid-run stops the actors and the private node', async () => {
    const child = spawn(
      process.execPath,
      [cliPath, 'scenario', 'hello', '--broker', 'embedded', '--headless', '--duration', '120'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, RABBIT_LAB_URL: '' },
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const nodeName = `rabbit-lab-${child.pid}@localhost`;
    await waitFor(() => /hello-queue 1\/120 s · P1 sent \d+ · C1 got \d+/.test(stderr), {
      what: 'the scenario to run',
      timeoutMs: 60_000,
    });
    const before = processesOf(nodeName);
    assert.ok(before.length > 0, 'the private node runs');
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    assert.match(stderr, /SIGTERM, cleaning up/);
    assert.deepEqual(processesOf(nodeName), []);
    assert.equal(existsSync(nodeStateFile(nodeName)), false);
  });

  test('the parent killed with SIGKILL: actors follow at once, the next run reaps the orphaned node', async () => {
    const child = spawn(
      process.execPath,
      [cliPath, 'scenario', 'hello', '--broker', 'embedded', '--headless', '--duration', '120'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RABBIT_LAB_URL: '' } },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const nodeName = `rabbit-lab-${child.pid}@localhost`;
    await waitFor(() => /hello-queue 1\/120 s · P1 sent \d+ · C1 got \d+/.test(stderr), {
      what: 'the scenario to run',
      timeoutMs: 60_000,
    });
    const actors = childrenOf(child.pid ?? 0).filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('actor-main'),
    );
    assert.equal(actors.length, 2, 'a producer and a consumer process');
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    // The actors notice their IPC channel closing and leave.
    await waitFor(() => actors.every((pid) => !isAlive(pid)), {
      what: 'the actors to exit',
      timeoutMs: 5000,
    });
    // Nothing can stop the private node from a SIGKILLed process: it is orphaned, with its pid file.
    const orphaned = processesOf(nodeName);
    assert.ok(orphaned.length > 0, 'the orphaned node still runs');
    assert.equal(existsSync(nodeStateFile(nodeName)), true);
    // The next run that starts a private node finds it by its pid file and stops it.
    const next = await runCli(
      ['scenario', 'hello', '--broker', 'embedded', '--headless', '--duration', '1', '--json'],
      { timeoutMs: 90_000 },
    );
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(processesOf(nodeName), [], 'the orphaned node was reaped');
    assert.equal(existsSync(nodeStateFile(nodeName)), false, 'and its pid file removed');
  });
});
