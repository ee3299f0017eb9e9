/**
 * Running the programs `rabbit-lab code` generates, as a reader would: in a project folder of
 * their own (ESM, amqplib and tsx from node_modules), TypeScript with tsx and Python with pika.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActorConfig } from '../../source/actors/protocol.js';
import type { TopologySpec } from '../../source/broker/topology.js';
import { resolveTarget } from '../../source/broker/url.js';
import { generateProgram, type Language, programFileName } from '../../source/code/generate.js';
import { Session } from '../../source/lab/session.js';
import type { Scenario } from '../../source/scenario/schema.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** python3 on PATH, else Debian's own: a pyenv or venv python3 does not see python3-pika. */
export function pythonWithPika(): string {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import pika'], { stdio: 'ignore' }).status === 0) return python;
  }
  return assert.fail(
    "The Python programs need Python's pika and no python3 here has it: run `npm run setup` (Debian/Ubuntu: apt-get install python3-pika; elsewhere: pip install pika).",
  );
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A generated program, started; `exited` resolves when it ends (killed after 60 s at most). */
export interface Running {
  readonly exited: Promise<Run>;
  readonly child: ChildProcess;
  output(): string;
}

export class ProgramProject {
  private readonly started: ChildProcess[] = [];

  private constructor(
    readonly dir: string,
    private readonly brokerUrl: string,
  ) {}

  static async create(label: string, brokerUrl: string): Promise<ProgramProject> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `rabbit-lab-${label}-`));
    await symlink(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
    return new ProgramProject(dir, brokerUrl);
  }

  /** Start a file of the project; the environment has no RABBIT_LAB_* of the test run's. */
  start(language: Language, file: string, args: string[], env: Record<string, string>): Running {
    const [bin = '', ...rest] =
      language === 'typescript'
        ? [process.execPath, '--import', 'tsx', file, ...args]
        : [pythonWithPika(), file, ...args];
    const base = { ...process.env };
    delete base.RABBIT_LAB_URL;
    delete base.RABBIT_LAB_HTTP_TOKEN;
    const child = spawn(bin, rest, {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...base, ...env },
    });
    this.started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<Run>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    return { exited, child, output: () => stdout };
  }

  /** Write an actor's program into the project and start it. */
  async run(
    actor: ActorConfig,
    scenario: { readonly name: string; readonly topology: TopologySpec },
    language: Language,
    args: string[],
    env: Record<string, string> = { RABBIT_LAB_URL: this.brokerUrl },
  ): Promise<Running> {
    const text = generateProgram(
      { actor, topology: scenario.topology, scenario: scenario.name, brokerUrl: this.brokerUrl },
      language,
    );
    assert.doesNotMatch(text, /guest:guest/, 'no password in the program');
    const file = programFileName(actor, language);
    await writeFile(path.join(this.dir, file), text);
    return this.start(language, file, args, env);
  }

  /** Stop what a failed test left running (only the programs started here), remove the folder. */
  async dispose(): Promise<void> {
    for (const child of this.started) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A lab session of this scenario on the test broker, started with its actors up. */
export async function startLab(
  broker: { readonly url: string; readonly managementUrl: string },
  scenario: Scenario,
): Promise<Session> {
  const session = new Session({
    scenario,
    target: resolveTarget(broker.url, broker.managementUrl),
    embedded: false,
    pollIntervalMs: 250,
  });
  await session.start();
  await session.actorsSettled();
  return session;
}

/** The actor as the lab runs it now (its current settings, not the file's). */
export function labActor(session: Session, id: string): ActorConfig {
  const found = session.snapshot().actors.find((a) => a.id === id);
  assert.ok(found, `${id} in the lab`);
  return found.config;
}
