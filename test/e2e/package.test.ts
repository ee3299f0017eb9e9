/**
 * The published package works on its own: `npm pack` the built project, install the tarball into an
 * empty folder (its dependencies come from the registry), and run the installed command there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../source/lab/report.js';
import { type TestBroker, testBroker } from '../support/broker.js';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Our environment without what `npm test` hands its scripts (npm_package_*, npm_config_prefix,
 * npm_config_local_prefix, INIT_CWD…), which would point the inner npm at this project instead of
 * the folder it runs in. Where packages come from (registry, cache, proxy, CA) is kept.
 */
const keptNpmConfig =
  /^npm_config_(registry|cache|userconfig|cafile|ca|proxy|https_proxy|noproxy|strict_ssl)$/i;

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if ((/^npm_/i.test(key) && !keptNpmConfig.test(key)) || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, RABBIT_LAB_URL: '', ...extra };
}

function run(
  command: string,
  args: readonly string[],
  {
    cwd,
    env = {},
    timeoutMs = 60_000,
  }: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-package-'));
let broker: TestBroker | undefined;

after(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await broker?.dispose();
});

describe('the npm package', () => {
  test('installs from its tarball and runs from there', { timeout: 300_000 }, async () => {
    // `npm test` built dist/ already; --ignore-scripts keeps prepack from building again.
    const packDir = path.join(tmp, 'pack');
    mkdirSync(packDir);
    const packed = await run(
      npm,
      ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir],
      {
        cwd: projectDir,
      },
    );
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as {
      filename: string;
      files: { path: string; mode: number }[];
    }[];
    assert.ok(info, 'npm pack describes the tarball');
    const files = new Map(info.files.map((f) => [f.path, f.mode]));
    for (const file of [
      'package.json',
      'README.md',
      'dist/cli.js',
      'dist/run.js',
      'dist/actors/actor-main.js',
      'scenarios/hello-queue.yaml',
      'docs/scenarios.md',
      'docs/record.md',
    ]) {
      assert.ok(files.has(file), `the package contains ${file}`);
    }
    assert.equal(
      (files.get('dist/cli.js') ?? 0) & 0o111,
      0o111,
      'dist/cli.js is packed executable',
    );
    assert.deepEqual(
      [...files.keys()].filter(
        (f) =>
          !/^(dist|scenarios|docs)\//.test(f) && !/^(package\.json|README\.md|LICENSE)$/.test(f),
      ),
      [],
      'nothing but dist/, scenarios/, docs/, package.json and README.md is packed',
    );

    const appDir = path.join(tmp, 'app');
    mkdirSync(appDir);
    await writeFile(path.join(appDir, 'package.json'), '{ "name": "consumer", "private": true }\n');
    const installed = await run(
      npm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(packDir, info.filename)],
      { cwd: appDir, timeoutMs: 240_000 },
    );
    assert.equal(installed.code, 0, installed.stderr);

    const bin = path.join(appDir, 'node_modules', '.bin', 'rabbit-lab');
    const target = realpathSync(bin);
    assert.equal(
      target,
      realpathSync(path.join(appDir, 'node_modules', 'rabbit-lab', 'dist', 'cli.js')),
    );
    assert.ok(readFileSync(target, 'utf8').startsWith('#!/usr/bin/env node\n'), 'node shebang');
    accessSync(target, constants.X_OK);

    // --no: the installed command, never one fetched from the registry; `--` keeps --help ours.
    const help = await run(npx, ['--no', '--', 'rabbit-lab', '--help'], { cwd: appDir });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^rabbit-lab \[scenario <name\|file>\] \[options\]/);
    assert.match(help.stdout, /rabbit-lab list/);

    const list = await run(npx, ['--no', '--', 'rabbit-lab', 'list'], { cwd: appDir });
    assert.equal(list.code, 0, list.stderr);
    for (const name of ['hello-queue', 'work-queue', 'fanout', 'direct-routing']) {
      assert.match(list.stdout, new RegExp(`^${name}\\s`, 'm'), `list shows ${name}`);
    }

    broker = await testBroker('package');
    const scenario = await run(
      npx,
      [
        '--no',
        '--',
        'rabbit-lab',
        'scenario',
        'hello',
        '--headless',
        '--duration',
        '2',
        '--json',
        '--url',
        broker.url,
        '--management-url',
        broker.managementUrl,
      ],
      { cwd: appDir },
    );
    assert.equal(scenario.code, 0, scenario.stderr);
    const report = JSON.parse(scenario.stdout) as Report;
    assert.equal(report.scenario, 'hello-queue');
    assert.equal(report.ok, true, scenario.stdout);

    // Outside a clone there is no `npm run setup` to recommend.
    const noRabbit = await run(
      npx,
      ['--no', '--', 'rabbit-lab', 'scenario', 'hello', '--headless', '--broker', 'embedded'],
      { cwd: appDir, env: { RABBIT_LAB_RABBITMQ_DIR: appDir } },
    );
    assert.equal(noRabbit.code, 2, noRabbit.stderr);
    assert.match(noRabbit.stderr, /^rabbit-lab: RabbitMQ is not installed in /);
    assert.doesNotMatch(noRabbit.stderr, /npm run setup/);
  });
});
