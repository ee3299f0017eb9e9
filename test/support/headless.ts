/** Running scenarios headless with the built CLI and reading their JSON reports, for e2e tests. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ActorReport, Report } from '../../source/lab/report.js';
import type { TestBroker } from './broker.js';
import { runCli } from './cli.js';

/** `rabbit-lab scenario <scenario> --headless --json` on the test broker for so many seconds. */
export async function headless(
  broker: TestBroker,
  scenario: string,
  seconds: number,
): Promise<{ code: number | null; report: Report; stderr: string }> {
  const result = await runCli(
    [
      'scenario',
      scenario,
      '--headless',
      '--json',
      '--duration',
      String(seconds),
      '--url',
      broker.url,
      '--management-url',
      broker.managementUrl,
    ],
    { timeoutMs: (seconds + 40) * 1000 },
  );
  assert.ok(result.stdout.startsWith('{'), `a JSON report (stderr: ${result.stderr})`);
  return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

export function actor(report: Report, id: string): ActorReport {
  const found = report.actors.find((a) => a.id === id);
  assert.ok(found, `actor ${id} in the report`);
  return found;
}

export function check(report: Report, name: string) {
  const found = report.checks.find((c) => c.name === name);
  assert.ok(found, `check ${name} in the report`);
  return found;
}

/** Scenario files in temporary folders, removed by `dispose`. */
export class ScenarioFiles {
  private readonly dirs: string[] = [];

  async write(yaml: string): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rabbit-lab-test-'));
    this.dirs.push(dir);
    const file = path.join(dir, 'scenario.yaml');
    await writeFile(file, yaml);
    return file;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
