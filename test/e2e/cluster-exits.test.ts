/**
 * A private cluster leaves nothing behind: after Ctrl-C, after q on the screen, and after the lab
 * is SIGKILLed (the next run reaps the orphaned nodes), no node process, no epmd registration, no
 * pid file and no temporary directory of that run is left.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { nodeStateDir } from '../../source/broker/embedded/index.js';
import { findEpmd } from '../../source/broker/embedded/install.js';
import { waitFor } from '../support/broker.js';
import { cliPath } from '../support/cli.js';
import { hasTmux, TerminalSession } from '../support/tmux.js';

/** What a lab process's private cluster has on this machine: its nodes are rabbit-lab-<pid>-…. */
interface Footprint {
  readonly processes: number[];
  readonly epmdNames: string[];
  readonly pidFiles: string[];
  readonly dirs: string[];
}

function footprint(labPid: number, knownDirs: readonly string[] = []): Footprint {
  const prefix = `rabbit-lab-${labPid}-`;
  const processes: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes(prefix) && !/^\d+ \(.*\) Z/.test(stat)) processes.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  const epmd = findEpmd();
  assert.ok(epmd, 'epmd is installed with RabbitMQ (`npm run setup`)');
  let names = '';
  try {
    names = execFileSync(epmd, ['-names'], { encoding: 'utf8' });
  } catch {
    // No epmd running: nothing registered.
  }
  const epmdNames = names
    .split('\n')
    .flatMap((line) => /^name (\S+) at port/.exec(line)?.[1] ?? [])
    .filter((name) => name.startsWith(prefix));
  const stateDir = nodeStateDir();
  const pidFiles = existsSync(stateDir)
    ? readdirSync(stateDir).filter((f) => f.startsWith(prefix))
    : [];
  const recorded = pidFiles.flatMap((f) => {
    try {
      const record = JSON.parse(readFileSync(path.join(stateDir, f), 'utf8')) as {
        baseDir?: unknown;
      };
      return typeof record.baseDir === 'string' ? [record.baseDir] : [];
    } catch {
      return [];
    }
  });
  const dirs = [...new Set([...knownDirs, ...recorded])].filter((d) => existsSync(d));
  return { processes, epmdNames, pidFiles, dirs };
}

/** The footprint once the three nodes are up, with their directories. */
async function runningCluster(labPid: number): Promise<Footprint> {
  return waitFor(
    () => {
      const f = footprint(labPid);
      return f.epmdNames.length === 3 && f.dirs.length === 3 ? f : undefined;
    },
    { what: 'three nodes registered with epmd', timeoutMs: 90_000, intervalMs: 250 },
  );
}

function assertGone(labPid: number, dirs: readonly string[], after: string): void {
  assert.deepEqual(
    footprint(labPid, dirs),
    {
      processes: [],
      epmdNames: [],
      pidFiles: [],
      dirs: [],
    },
    `nothing of the cluster is left after ${after}`,
  );
}

function startHeadless(): ReturnType<typeof spawn> {
  return spawn(
    process.execPath,
    [
      cliPath,
      'scenario',
      'quorum-failover',
      '--broker',
      'cluster',
      '--headless',
      '--no-tour',
      '--duration',
      '300',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RABBIT_LAB_URL: '' } },
  );
}

/** The report on stdout, read so the pipe never fills. */
function stdoutOf(child: ReturnType<typeof spawn>): () => string {
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return () => out;
}

describe('a private cluster on every exit path', () => {
  test('Ctrl-C mid-run: the run finishes with its report, then every node, name and directory is gone', async () => {
    const child = startHeadless();
    const stdout = stdoutOf(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const pid = child.pid ?? 0;
    await waitFor(() => /quorum-failover \d+\/300 s · C1 got \d+/.test(stderr), {
      what: 'the scenario to run',
      timeoutMs: 90_000,
    }).catch((e: Error) => assert.fail(`${e.message}\n${stderr}`));
    const running = await runningCluster(pid);
    assert.equal(running.pidFiles.length, 3, 'a pid file per node while it runs');
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /interrupted; finishing the run/);
    assert.match(stdout(), /✓ no-loss: /, 'the report of what ran');
    assertGone(pid, running.dirs, 'Ctrl-C');
  });

  test('SIGKILL of the lab orphans its nodes; the next run reaps them, and q leaves nothing', async () => {
    assert.ok(hasTmux(), 'the terminal tests need tmux: install it with `npm run setup`');
    const child = startHeadless();
    stdoutOf(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_c, signal) => resolve(signal)),
    );
    const killedPid = child.pid ?? 0;
    await waitFor(() => /quorum-failover \d+\/300 s · C1 got \d+/.test(stderr), {
      what: 'the scenario to run',
      timeoutMs: 90_000,
    }).catch((e: Error) => assert.fail(`${e.message}\n${stderr}`));
    const orphaned = await runningCluster(killedPid);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.ok(footprint(killedPid).processes.length > 0, 'nothing could stop the nodes');

    // The next run, on the screen this time: it reaps the orphans before it starts its own.
    const term = new TerminalSession([
      process.execPath,
      cliPath,
      'scenario',
      'quorum-failover',
      '--broker',
      'cluster',
      '--no-tour',
    ]);
    try {
      await waitFor(() => /Nodes[\s\S]*node 3\s+up/.test(term.screen()), {
        what: 'the nodes pane with three nodes up',
        timeoutMs: 90_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      assertGone(killedPid, orphaned.dirs, 'a SIGKILL and the next run');
      const labPid = term.programPid();
      assert.ok(labPid, 'the lab runs in the terminal');
      const running = await runningCluster(labPid);
      term.press('q');
      await waitFor(() => /exit code 0/.test(term.screen()), {
        what: 'the lab to exit after q',
        timeoutMs: 60_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      assertGone(labPid, running.dirs, 'q');
    } finally {
      term.close();
    }
  });
});
