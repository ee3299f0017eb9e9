/**
 * --record and `rabbit-lab report` with the built CLI: a recorded headless run replays to the
 * report it printed, in JSON and in text; a run on the screen records too; damaged records and
 * unwritable paths are one sentence.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatReport, type Report } from '../../source/lab/report.js';
import type { RecordLine } from '../../source/record/format.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { cliPath, runCli } from '../support/cli.js';
import { hasTmux, TerminalSession } from '../support/tmux.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-record-e2e-'));

function readRecord(file: string): RecordLine[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as RecordLine);
}

describe('recording a run and printing its report again', () => {
  let broker: TestBroker;
  const brokerArgs = () => [
    '--url',
    broker.url,
    '--management-url',
    broker.managementUrl,
    '--broker',
    'external',
  ];
  before(async () => {
    broker = await testBroker('record');
  });
  after(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('work-queue: the report of the record is the headless report (JSON and text)', async () => {
    const file = path.join(dir, 'work.ndjson');
    // The tour kills the greedy worker at 13 s, holding tasks: a crash to replay as well.
    const run = await runCli(
      [
        'scenario',
        'work-queue',
        '--headless',
        '--json',
        '--duration',
        '15',
        '--record',
        file,
        ...brokerArgs(),
      ],
      { timeoutMs: 90_000 },
    );
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    const headless = JSON.parse(run.stdout) as Report;

    const json = await runCli(['report', file, '--json']);
    assert.equal(json.stderr, '');
    assert.equal(json.code, run.code, 'the same exit code as the run');
    assert.deepEqual(JSON.parse(json.stdout), headless);
    assert.equal(json.stdout, run.stdout, 'byte for byte, too');

    const text = await runCli(['report', file]);
    assert.equal(text.code, run.code);
    assert.equal(text.stdout, `${formatReport(headless)}\n`);

    // What the record holds: actors, messages with their paths, the broker's counters.
    const lines = readRecord(file);
    const [header] = lines;
    assert.equal(header?.type, 'rabbit-lab-record');
    assert.ok(header?.type === 'rabbit-lab-record' && header.version === 2);
    assert.equal(header.scenario.name, 'work-queue');
    assert.equal(header.broker.url, broker.url.replace(':guest@', ':***@'));
    assert.doesNotMatch(readFileSync(file, 'utf8'), /guest:guest/, 'never the password');
    const events = lines.flatMap((l) => (l.type === 'event' ? [l.event] : []));
    const spawned = events.flatMap((e) => (e.type === 'spawned' ? [e.config.id] : []));
    assert.deepEqual(spawned, ['P1', 'C1', 'C2', 'C3', 'P2', 'C4']);
    const paths = events.flatMap((e) =>
      e.type === 'actor' && e.message.type === 'batch' ? e.message.samples : [],
    );
    assert.ok(
      paths.some((m) => m.producer === 'P1' && m.queue === 'task_queue' && m.outcome === 'ack'),
      'messages with their paths (the flow log)',
    );
    const polls = events.flatMap((e) => (e.type === 'poll' ? [e.result] : []));
    assert.ok(polls.length >= 20, `the broker's counters, polled (${polls.length})`);
    assert.ok(polls.some((p) => p.queues.some((q) => q.name === 'task_queue')));
    const ends = lines.flatMap((l) => (l.type === 'queue-end' ? [l.end] : []));
    assert.deepEqual(
      ends.map((e) => [e.queue, e.readBack]),
      [['task_queue', true]],
      'the queue this run created, read back by id',
    );
    assert.ok(lines.some((l) => l.type === 'foreign-deliveries'));
    assert.equal(lines.filter((l) => l.type === 'report').length, 1);
    const end = lines.at(-1);
    assert.ok(end?.type === 'end' && end.lines === lines.length);
    const seconds = (end.at - header.startedAt) / 1000;
    process.stderr.write(
      `record: work-queue, ${lines.length} lines, ${statSync(file).size} bytes in ${seconds.toFixed(1)} s (${Math.round(statSync(file).size / seconds)} bytes/s)\n`,
    );
  });

  test('fanout in text: the report of the record is what the run printed', async () => {
    const file = path.join(dir, 'fanout.ndjson');
    const run = await runCli(
      ['scenario', 'fanout', '--headless', '--duration', '9', '--record', file, ...brokerArgs()],
      { timeoutMs: 90_000 },
    );
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    assert.match(run.stdout, /fanout-complete/);
    const text = await runCli(['report', file]);
    assert.deepEqual(
      { code: text.code, stdout: text.stdout, stderr: text.stderr },
      { code: run.code, stdout: run.stdout, stderr: '' },
    );

    // A record whose line 3 was damaged, and one that is no record at all.
    const damaged = path.join(dir, 'damaged.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = (lines[2] ?? '').slice(0, 20);
    writeFileSync(damaged, lines.join('\n'));
    const bad = await runCli(['report', damaged]);
    assert.deepEqual(
      { code: bad.code, stdout: bad.stdout, stderr: bad.stderr },
      {
        code: 2,
        stdout: '',
        stderr: `rabbit-lab: ${damaged}:3: not valid JSON: the record is damaged.\n`,
      },
    );
  });

  test('report: a missing file and a file that is no record are one sentence, exit 2', async () => {
    const missing = path.join(dir, 'missing.ndjson');
    const gone = await runCli(['report', missing]);
    assert.equal(gone.code, 2);
    assert.equal(gone.stderr, `rabbit-lab: Cannot read ${missing}: no such file.\n`);
    const notRecord = path.join(dir, 'scenario.yaml');
    writeFileSync(notRecord, 'name: mine\n');
    const wrong = await runCli(['report', notRecord]);
    assert.equal(wrong.code, 2);
    assert.equal(
      wrong.stderr,
      `rabbit-lab: ${notRecord}:1: not a rabbit-lab record (its first line is not JSON; write one with --record).\n`,
    );
    const json = path.join(dir, 'other.ndjson');
    writeFileSync(json, '{"type":"something-else"}\n');
    const other = await runCli(['report', json]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /^rabbit-lab: .*other\.ndjson:1: not a rabbit-lab record/);
  });

  test('--record into a folder that does not exist fails before the run starts', async () => {
    const file = path.join(dir, 'no-such-folder', 'run.ndjson');
    const started = Date.now();
    const result = await runCli([
      'scenario',
      'hello',
      '--headless',
      '--record',
      file,
      ...brokerArgs(),
    ]);
    assert.deepEqual(
      { code: result.code, stdout: result.stdout, stderr: result.stderr },
      {
        code: 2,
        stdout: '',
        stderr: `rabbit-lab: Cannot write the record to ${file}: its folder does not exist.\n`,
      },
    );
    assert.ok(Date.now() - started < 10_000);
    // Nothing was declared: the run never began.
    assert.deepEqual(await broker.management.queues(broker.vhost), []);
  });

  test('on the screen: q, then report prints the run as it stood', async () => {
    assert.ok(hasTmux(), 'the terminal tests need tmux: install it with `npm run setup`');
    const file = path.join(dir, 'screen.ndjson');
    const term = new TerminalSession([
      process.execPath,
      cliPath,
      'scenario',
      'hello',
      '--record',
      file,
      '--url',
      broker.url,
      '--management-url',
      broker.managementUrl,
    ]);
    try {
      await waitFor(() => /P1 ─▶ hello ─▶ C1 {2}P1-\d+ {2}✓ auto-ack/.test(term.screen()), {
        what: 'a message path in the flow log',
        timeoutMs: 20_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      term.press('q');
      await waitFor(() => /exit code 0/.test(term.screen()), {
        what: 'the CLI to exit',
        timeoutMs: 15_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
    } finally {
      term.close();
    }
    const result = await runCli(['report', file, '--json']);
    assert.equal(result.stderr, '', 'a whole record: no notice');
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.scenario, 'hello-queue');
    // Quitting ended the run: the lab stopped its actors and read its queue back, so the record
    // judges every message (handled, or still in the queue) like a headless run.
    assert.deepEqual(
      report.actors.map((a) => [a.id, a.status]),
      [
        ['P1', 'stopped'],
        ['C1', 'stopped'],
      ],
    );
    assert.equal(result.code, 0, JSON.stringify(report.checks));
    assert.match(report.checks[0]?.detail ?? '', /^(\d+) published, \1 confirmed by the broker, /);
    assert.ok((report.actors[0]?.published ?? 0) >= 1);
    assert.equal(readRecord(file).at(-1)?.type, 'end');

    // Its page, as a headless run's: the same report on stdout, the checks and the queue on it.
    const html = path.join(dir, 'screen.html');
    const paged = await runCli(['report', file, '--json', '--html', html]);
    assert.deepEqual(
      { code: paged.code, stdout: paged.stdout },
      { code: 0, stdout: result.stdout },
    );
    const page = readFileSync(html, 'utf8');
    for (const c of report.checks) assert.ok(page.includes(`data-check="${c.name}"`), c.name);
    assert.ok(page.includes('<svg class="chart depth" data-queue="hello"'));
    assert.ok(page.includes('data-kind="queue" data-name="hello"'));
  });
});
