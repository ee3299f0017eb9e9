/**
 * `rabbit-lab report run.ndjson --html page.html` with the built CLI, on records of real runs,
 * opened in headless Chromium: the page shows each check with its detail, the topology with every
 * exchange and queue, a chart per queue, the actors; nothing on it overlaps; its screenshot is not
 * blank. A damaged record writes no page; one cut short gives the page with its notice.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pageWritten } from '../../source/commands/report.js';
import type { Report } from '../../source/lab/report.js';
import { type TestBroker, testBroker } from '../support/broker.js';
import { chromiumPath, screenshot } from '../support/chromium.js';
import { type CliResult, runCli } from '../support/cli.js';
import { probePage } from '../support/page-probe.js';
import { colourSpread, decodePng } from '../support/png.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-html-e2e-'));

interface Recorded {
  readonly scenario: string;
  readonly file: string;
  readonly run: CliResult;
  readonly report: Report;
}

/** Three kinds of topology: the default exchange and competing workers, fanout, topic. */
const scenarios = [
  { name: 'work-queue', seconds: 6, exchanges: [''] },
  { name: 'fanout', seconds: 5, exchanges: ['logs'] },
  { name: 'topic', seconds: 5, exchanges: ['topic_logs'] },
] as const;

describe('report --html: the page of a recorded run, in headless Chromium', () => {
  let broker: TestBroker;
  const recorded = new Map<string, Recorded>();

  before(async () => {
    chromiumPath();
    broker = await testBroker('html');
    const runs = scenarios.map(async ({ name, seconds }) => {
      const file = path.join(dir, `${name}.ndjson`);
      const run = await runCli(
        [
          'scenario',
          name,
          '--headless',
          '--json',
          '--duration',
          String(seconds),
          '--record',
          file,
          '--url',
          broker.url,
          '--management-url',
          broker.managementUrl,
          '--broker',
          'external',
        ],
        { timeoutMs: 90_000 },
      );
      assert.ok(run.code === 0 || run.code === 1, `${name}: ${run.stderr}`);
      recorded.set(name, { scenario: name, file, run, report: JSON.parse(run.stdout) as Report });
    });
    await Promise.all(runs);
  });
  after(async () => {
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (name: string): Recorded => {
    const r = recorded.get(name);
    assert.ok(r, `no record of ${name}`);
    return r;
  };

  for (const { name, exchanges } of scenarios) {
    test(`${name}: checks, topology, a chart per queue, actors; nothing overlaps`, async () => {
      const { file, run, report } = get(name);
      const page = path.join(dir, `${name}.html`);
      const result = await runCli(['report', file, '--json', '--html', page]);
      assert.equal(result.stderr, pageWritten(page, statSync(page).size));
      assert.equal(result.code, run.code, 'the exit code of the run');
      assert.equal(result.stdout, run.stdout, 'the report on stdout, as the run printed it');

      const html = readFileSync(page, 'utf8');
      assert.doesNotMatch(
        html,
        /<script|<link|\bsrc=|\bhref=|url\((?!#)/i,
        'nothing to run or fetch',
      );
      assert.ok(!html.includes(':guest@'), 'never the password');

      const probe = await probePage(page, path.join(dir, `${name}.probe.html`));
      assert.equal(probe.verdict, report.ok ? 'ok' : 'fail');
      assert.deepEqual(
        probe.checks,
        report.checks.map((c) => ({ name: c.name, ok: String(c.ok), detail: c.detail })),
      );
      const queues = new Set([
        ...report.queues.map((q) => q.name),
        ...report.actors.flatMap((a) => (a.queue ? [a.queue] : [])),
      ]);
      assert.ok(queues.size > 0);
      const charts = probe.depthCharts.map((c) => c.queue);
      for (const q of queues)
        assert.ok(charts.includes(q), `a chart for ${q}: ${charts.join(', ')}`);
      for (const c of probe.depthCharts) {
        assert.ok(c.width > 300, `${c.queue}'s chart is ${c.width} px wide`);
        if (report.queues.some((q) => q.name === c.queue)) {
          assert.equal(c.lines, 2, `${c.queue}: ready and unacked drawn`);
        }
      }
      assert.ok(probe.ratesChart);
      assert.deepEqual(probe.topology.exchange, exchanges);
      for (const q of queues) assert.ok(probe.topology.queue.includes(q), `${q} in the topology`);
      const ids = (kind: string) => report.actors.filter((a) => a.kind === kind).map((a) => a.id);
      assert.deepEqual(probe.topology.producer, ids('producer'));
      assert.deepEqual([...probe.topology.consumer].sort(), ids('consumer').sort());
      assert.deepEqual(probe.overlaps, [], 'no text on another in the topology');
      assert.deepEqual(probe.outside, [], 'no text past its picture');
      assert.deepEqual(probe.squeezed, [], 'each check’s detail has the width of its row');
      assert.deepEqual(
        probe.actors,
        report.actors.map((a) => a.id),
      );
      assert.deepEqual(
        probe.latencyQueues,
        (report.latency?.queues ?? []).map((q) => q.queue),
      );
      assert.equal(probe.events, report.events?.length ?? 0);
      assert.equal(probe.cutShort, null);
    });
  }

  test('the screenshot of a page is not blank', async () => {
    const page = path.join(dir, 'work-queue.html');
    if (!existsSync(page)) {
      const made = await runCli(['report', get('work-queue').file, '--html', page]);
      assert.ok(made.code === 0 || made.code === 1, made.stderr);
    }
    const png = path.join(dir, 'work-queue.png');
    await screenshot(page, png, 1280, 1600);
    const image = decodePng(readFileSync(png));
    assert.equal(image.width, 1280);
    assert.equal(image.height, 1600);
    const { colours, inked } = colourSpread(image);
    assert.ok(colours > 50, `${colours} colours`);
    assert.ok(inked > 0.05, `${Math.round(inked * 100)} % of the pixels drawn`);
  });

  test('a damaged record: what report says, exit 2, and no page', async () => {
    const damaged = path.join(dir, 'damaged.ndjson');
    const lines = readFileSync(get('fanout').file, 'utf8').split('\n');
    lines[2] = (lines[2] ?? '').slice(0, 20);
    writeFileSync(damaged, lines.join('\n'));
    const page = path.join(dir, 'damaged.html');
    const result = await runCli(['report', damaged, '--html', page]);
    assert.deepEqual(
      { code: result.code, stdout: result.stdout, stderr: result.stderr },
      {
        code: 2,
        stdout: '',
        stderr: `rabbit-lab: ${damaged}:3: not valid JSON: the record is damaged.\n`,
      },
    );
    assert.equal(existsSync(page), false, 'no page written');
  });

  test('a record cut short: the page of what it holds, with the notice on it', async () => {
    const lines = readFileSync(get('work-queue').file, 'utf8').split('\n');
    const reportAt = lines.findIndex((l) => l.startsWith('{"type":"report"'));
    assert.ok(reportAt > 20);
    const keep = Math.floor(reportAt * 0.7);
    const cut = path.join(dir, 'cut.ndjson');
    // Killed in the middle of writing a line.
    writeFileSync(cut, `${lines.slice(0, keep).join('\n')}\n${(lines[keep] ?? '').slice(0, 15)}`);
    const page = path.join(dir, 'cut.html');
    const withPage = await runCli(['report', cut, '--html', page]);
    const plain = await runCli(['report', cut]);
    assert.deepEqual(
      { code: withPage.code, stdout: withPage.stdout, stderr: withPage.stderr },
      {
        code: 1,
        stdout: plain.stdout,
        stderr: plain.stderr + pageWritten(page, statSync(page).size),
      },
    );
    const probe = await probePage(page, path.join(dir, 'cut.probe.html'));
    assert.match(
      probe.cutShort ?? '',
      new RegExp(
        `^The record stops at line ${keep + 1} without its report line: the run was cut short`,
      ),
    );
    assert.ok(probe.checks.length > 0);
    assert.ok(probe.depthCharts.some((c) => c.queue === 'task_queue' && c.lines === 2));
  });

  test('a page that cannot be written is one sentence, exit 2', async () => {
    const { file } = get('topic');
    const page = path.join(dir, 'no-such-folder', 'page.html');
    const result = await runCli(['report', file, '--html', page]);
    assert.deepEqual(
      { code: result.code, stdout: result.stdout, stderr: result.stderr },
      {
        code: 2,
        stdout: '',
        stderr: `rabbit-lab: Cannot write the page to ${page}: its folder does not exist.\n`,
      },
    );
    const before = readFileSync(file, 'utf8');
    const itself = await runCli(['report', file, '--html', file]);
    assert.equal(itself.code, 2);
    assert.equal(
      itself.stderr,
      `rabbit-lab: --html ${file} would replace the record itself; name another file.\n`,
    );
    assert.equal(readFileSync(file, 'utf8'), before, 'the record is untouched');
    const empty = await runCli(['report', file, '--html', '']);
    assert.equal(empty.code, 2);
    assert.equal(empty.stderr, 'rabbit-lab: --html needs a file name, e.g. --html report.html.\n');
  });
});
