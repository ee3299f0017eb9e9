/**
 * Your own scenarios: `rabbit-lab new` writes a commented starter that `validate` accepts and that
 * runs and passes its checks against the real broker; `validate` names file, line and field.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Report } from '../../source/lab/report.js';
import { type TestBroker, testBroker } from '../support/broker.js';
import { runCli } from '../support/cli.js';

describe('your own scenarios', () => {
  let broker: TestBroker;
  let dir: string;
  before(async () => {
    broker = await testBroker('own');
    dir = await mkdtemp(path.join(os.tmpdir(), 'rabbit-lab-own-'));
  });
  after(async () => {
    await broker.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test('new writes a starter that validates and runs with its checks passing', async () => {
    const made = await runCli(['new', 'my-lab'], { cwd: dir });
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^Wrote my-lab\.yaml, a commented starter/);
    const text = await readFile(path.join(dir, 'my-lab.yaml'), 'utf8');
    assert.match(text, /^# A rabbit-lab scenario\./);
    assert.match(text, /^name: my-lab\b/m);
    const again = await runCli(['new', 'my-lab'], { cwd: dir });
    assert.equal(again.code, 2);
    assert.equal(
      again.stderr.trim(),
      'rabbit-lab: my-lab.yaml already exists; choose another name or remove it first.',
    );
    const valid = await runCli(['validate', './my-lab.yaml'], { cwd: dir });
    assert.equal(valid.code, 0, valid.stderr);
    assert.equal(
      valid.stdout.trim(),
      '✓ ./my-lab.yaml: my-lab (My work queue), 1 producer(s), 2 consumer(s), 2 tour step(s), checks: no-loss, each-once',
    );
    const run = await runCli(
      [
        'scenario',
        './my-lab.yaml',
        '--headless',
        '--json',
        '--duration',
        '4',
        '--url',
        broker.url,
        '--management-url',
        broker.managementUrl,
      ],
      { cwd: dir, timeoutMs: 60_000 },
    );
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(
      report.checks.map((c) => [c.name, c.ok]),
      [
        ['no-loss', true],
        ['each-once', true],
        ['actors-healthy', true],
      ],
    );
  });

  test('validate: file, line and field for every problem; exit 2', async () => {
    await writeFile(
      path.join(dir, 'broken.yaml'),
      'name: broken\ntitle: Broken\npattern: p\nsummary: s\nlesson: l\nactors:\n  - kind: consumer\n    queue: q\n    ack: sometimes\n',
    );
    const result = await runCli(['validate', 'broken.yaml'], { cwd: dir });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr.trim(), /^rabbit-lab: broken\.yaml:9: actors\[0\]\.ack: .+$/);
    // Every problem at once; the descriptive fields may be left out for now.
    await writeFile(
      path.join(dir, 'many.yaml'),
      'name: many\nactors:\n  - kind: producer\n    routingKeys: [q]\n    rate: -1\n  - kind: consumer\n    queue: q\n    ack: sometimes\n    speed: 3\n',
    );
    const many = await runCli(['validate', 'many.yaml'], { cwd: dir });
    assert.equal(many.code, 2);
    assert.deepEqual(
      many.stderr
        .trimEnd()
        .split('\n')
        .map(
          (l) => /^(rabbit-lab: \d+ problems in many\.yaml|\s+many\.yaml:\d+: [^ :]+)/.exec(l)?.[1],
        ),
      [
        'rabbit-lab: 3 problems in many.yaml',
        '  many.yaml:5: actors[0].rate',
        '  many.yaml:6: actors[1]',
        '  many.yaml:8: actors[1].ack',
      ],
      many.stderr,
    );
    await writeFile(path.join(dir, 'bare.yaml'), 'name: bare\n');
    const bare = await runCli(['validate', 'bare.yaml'], { cwd: dir });
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stdout, /^✓ bare\.yaml: bare \(Bare\), 0 producer/);
    const missing = await runCli(['validate', 'nope.yaml'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.trim(), 'rabbit-lab: nope.yaml: no such scenario file.');
  });
});
