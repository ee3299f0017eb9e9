/** The record format: replaying a small hand-built record, and what a damaged one says. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  type BatchCounts,
  type ChildMessage,
  emptyCounts,
  type SeqRun,
} from '../../source/actors/protocol.js';
import { reportCommand } from '../../source/commands/report.js';
import { renderReport } from '../../source/lab/lab-report.js';
import type { Report } from '../../source/lab/report.js';
import type { LabEvent } from '../../source/lab/store.js';
import { parseHeader, type RecordLine, Replay } from '../../source/record/format.js';
import { ReceiptLines } from '../../source/record/receipt-lines.js';
import { RecordWriter } from '../../source/record/writer.js';
import { parseScenario } from '../../source/scenario/loader.js';
import { recordHeaderFor, t0 } from '../support/record-header.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-record-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const scenario = parseScenario(
  `name: tiny
title: Tiny
pattern: point-to-point
summary: One producer, one consumer.
lesson: Watch it.
topology:
  queues: [{ name: tiny_q }]
actors:
  - { kind: producer, routingKeys: [tiny_q] }
  - { kind: consumer, queue: tiny_q }
checks: [no-loss, each-once]
`,
  'tiny.yaml',
);

const header = recordHeaderFor(scenario);

function batch(extra: Partial<Extract<ChildMessage, { type: 'batch' }>>): ChildMessage {
  return {
    type: 'batch',
    counts: emptyCounts(),
    runs: [],
    redeliveredRuns: [],
    droppedRuns: [],
    keys: [],
    samples: [],
    ...extra,
  };
}

function countsWith(some: Partial<BatchCounts>): BatchCounts {
  return { ...emptyCounts(), ...some };
}

const producer = {
  kind: 'producer',
  id: 'P1',
  exchange: '',
  routingKeys: ['tiny_q'],
  rate: 1,
  body: 'Message #{seq}',
  persistent: false,
  paused: false,
} as const;
const consumer = {
  kind: 'consumer',
  id: 'C1',
  queue: 'tiny_q',
  prefetch: 1,
  ack: 'manual',
  workMs: 0,
  workPerDotMs: 0,
  nackEvery: 0,
  requeue: false,
} as const;

const sample = {
  messageId: 'P1-2',
  producer: 'P1',
  exchange: '',
  routingKey: 'tiny_q',
  queue: 'tiny_q',
  consumer: 'C1',
  redelivered: false,
  outcome: 'ack',
  latencyMs: 3,
  at: t0 + 2100,
} as const;

/** A run: 3 published and confirmed, C1 got 1–3 (2 of them in a batch with a flow sample). */
const events: [number, LabEvent][] = [
  [10, { type: 'broker', version: '3.13.7' }],
  [20, { type: 'spawned', config: producer }],
  [21, { type: 'spawned', config: consumer }],
  [300, { type: 'actor', id: 'C1', message: { type: 'ready', queue: 'tiny_q' }, at: t0 + 300 }],
  [310, { type: 'actor', id: 'P1', message: { type: 'ready' }, at: t0 + 310 }],
  [320, { type: 'phase', phase: 'running' }],
  [
    1000,
    {
      type: 'actor',
      id: 'P1',
      at: t0 + 1000,
      message: batch({
        counts: countsWith({ published: 3 }),
        lastSeq: 3,
        segment: [1, 3, t0 + 400, t0 + 990],
        confirmedRuns: [['P1', 1, 3]],
      }),
    },
  ],
  [
    1100,
    {
      type: 'actor',
      id: 'C1',
      at: t0 + 1100,
      message: batch({
        counts: countsWith({ received: 1, acked: 1 }),
        runs: [['P1', 1, 1]],
        handledRuns: [['P1', 1, 1]],
        keys: [['tiny_q', 1]],
      }),
    },
  ],
  [
    2200,
    {
      type: 'actor',
      id: 'C1',
      at: t0 + 2200,
      message: batch({
        counts: countsWith({ received: 2, acked: 2 }),
        runs: [['P1', 2, 3]],
        handledRuns: [['P1', 2, 3]],
        keys: [['tiny_q', 2]],
        samples: [sample],
      }),
    },
  ],
  [2300, { type: 'phase', phase: 'draining' }],
  [2310, { type: 'stopping', id: 'P1' }],
  [2400, { type: 'actor', id: 'P1', message: { type: 'stopped' }, at: t0 + 2400 }],
  [2410, { type: 'exit', id: 'P1', killed: false, code: 0 }],
  [
    2500,
    {
      type: 'poll',
      at: t0 + 2500,
      result: {
        sampledAt: t0 + 2500,
        queues: [{ name: 'tiny_q', messagesReady: 0, messagesUnacknowledged: 0, consumers: 1 }],
      },
    },
  ],
  [2510, { type: 'ended', at: t0 + 2510 }],
];

/** What the run found in its queue at the end (read back: nothing), and outside consumers (none). */
const endLines: RecordLine[] = [
  {
    type: 'queue-end',
    at: t0 + 2550,
    end: { queue: 'tiny_q', readBack: true, ready: 0, unacked: 0, others: 0, unread: 0 },
    runs: [],
  },
  { type: 'foreign-deliveries', at: t0 + 2560, queues: [] },
];

/** After the report: the shutdown, which the report did not see. */
const shutdown: [number, LabEvent][] = [
  [2610, { type: 'phase', phase: 'stopping' }],
  [2620, { type: 'exit', id: 'C1', killed: false, code: 0 }],
  [2630, { type: 'phase', phase: 'stopped' }],
];

function recordLines({ withReport = true, withEnd = true } = {}): RecordLine[] {
  const lines: RecordLine[] = [header];
  for (const [ms, event] of events) lines.push({ type: 'event', at: t0 + ms, event });
  lines.push(...endLines);
  if (withReport)
    lines.push({ type: 'report', at: t0 + 2600, durationMs: 2345, endedAt: t0 + 2450 });
  for (const [ms, event] of shutdown) lines.push({ type: 'event', at: t0 + ms, event });
  if (withEnd) lines.push({ type: 'end', at: t0 + 2700, lines: lines.length + 1 });
  return lines;
}

/** Through JSON, as a file would carry them. */
function replay(lines: readonly RecordLine[]): Replay {
  const [first, ...rest] = lines.map((l) => JSON.parse(JSON.stringify(l)) as unknown);
  const r = new Replay(parseHeader(first));
  rest.forEach((value, i) => {
    r.add(value, i + 2);
  });
  return r;
}

const expectedText = `tiny · 2.3 s · RabbitMQ 3.13.7 (private node) · amqp://guest:***@localhost:5672

actor kind      queue           sent    got     acked   redeliv. errors
P1    producer                  3                                0
C1    consumer  tiny_q                  3       3       0        0

queue                 ready   unacked
tiny_q                0       0

messages: 3 published · 3 confirmed · 0 confirmed and lost · 0 duplicated · 0 redelivered · 0 reordered
  tiny_q  3 delivered · 0 lost · 0 duplicated · 0 redelivered · 0 reordered

✓ no-loss: 3 published, 3 confirmed by the broker, 3 handled
✓ each-once: 3 deliveries, 0 redelivered after a crash or requeue, 0 duplicates
✓ actors-healthy: no actor failed

All checks passed.
`;

function writeRecord(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function toText(lines: readonly RecordLine[]): string {
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}

class Sink {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

async function report(
  file: string,
  json = false,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await reportCommand(
    file,
    json,
    stdout as unknown as NodeJS.WritableStream,
    stderr as unknown as NodeJS.WritableStream,
  );
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('replaying a record', () => {
  test('gives the report of the run, as taken at the report mark', () => {
    const result = replay(recordLines()).result();
    assert.equal(result.reportLine, 2 + events.length + endLines.length);
    assert.equal(result.endLine, 2 + events.length + endLines.length + shutdown.length + 1);
    assert.equal(renderReport(result.report, false), expectedText);
    const { report } = result;
    assert.equal(report.durationMs, 2345);
    // The shutdown after the mark stopped C1; the report saw it running.
    assert.equal(report.actors[1]?.status, 'running');
    assert.equal(report.actors[0]?.status, 'stopped');
    assert.deepEqual(report.notices, []);
  });

  test('a record cut short before the mark gives the report of what is there', () => {
    const lines = recordLines({ withReport: false, withEnd: false }).slice(0, 1 + events.length);
    const result = replay(lines).result();
    assert.equal(result.reportLine, undefined);
    assert.equal(result.endLine, undefined);
    assert.equal(result.lastLine, 1 + events.length);
    // As if the run had ended at its last line (the end of the run, 2510 ms in).
    assert.equal(result.report.durationMs, 2510);
    assert.equal(result.report.ok, true);
  });

  test('the header must be a record of this version with a valid scenario', () => {
    assert.throws(() => parseHeader({ hello: 1 }), {
      name: 'RecordFormatError',
      line: 1,
      message: /not a rabbit-lab record/,
    });
    assert.throws(() => parseHeader({ ...header, version: 1 }), {
      message:
        'record format version 1 is not one this rabbit-lab reads (it reads version 2; record the run again with this version)',
    });
    assert.throws(
      () => parseHeader({ ...header, scenario: { ...scenario, checks: ['nothing'] } }),
      { message: /^the header's scenario is damaged \(scenario\.checks\.0: / },
    );
    assert.throws(() => parseHeader({ ...header, broker: undefined }), {
      message: /^the header is damaged \(broker: /,
    });
  });

  test('a line that does not fit names its number', () => {
    const r = new Replay(header);
    r.add({ type: 'event', at: t0, event: { type: 'phase', phase: 'running' } }, 2);
    assert.throws(() => r.add({ type: 'gossip', at: t0 }, 3), {
      line: 3,
      message: "unknown line type 'gossip'",
    });
    assert.throws(() => r.add({ type: 'event', at: 'now', event: { type: 'phase' } }, 4), {
      line: 4,
      message: /^the line does not fit the record format \(at: /,
    });
    assert.throws(
      () => r.add({ type: 'event', at: t0, event: { type: 'actor', id: 'P1', at: t0 } }, 5),
      { line: 5, message: /^the 'actor' event does not fit the record format/ },
    );
    r.add({ type: 'end', at: t0, lines: 6 }, 6);
    assert.throws(() => r.add({ type: 'end', at: t0, lines: 7 }, 7), {
      line: 7,
      message: 'a line after the end line (line 6)',
    });
  });
});

describe('rabbit-lab report on files', () => {
  test('prints the report; --json is the same report', async () => {
    const file = writeRecord('whole.ndjson', toText(recordLines()));
    const text = await report(file);
    assert.deepEqual(text, { code: 0, stdout: expectedText, stderr: '' });
    const json = await report(file, true);
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.stdout) as Report;
    assert.equal(parsed.durationMs, 2345);
    assert.deepEqual(parsed, replay(recordLines()).result().report);
  });

  test('cut short mid-line before the report: a report with a notice, exit 1', async () => {
    const whole = toText(recordLines({ withReport: false, withEnd: false }));
    const file = writeRecord('cut.ndjson', whole.slice(0, whole.lastIndexOf('"phase"')));
    const result = await report(file);
    assert.equal(result.code, 1);
    const last = recordLines({ withReport: false }).length - 1;
    assert.match(
      result.stdout,
      new RegExp(
        `note: The record stops at line ${last} without its report line: the run was cut short`,
      ),
    );
  });

  test('cut short after the report: the report, and a line on stderr', async () => {
    const lines = recordLines({ withEnd: false });
    const file = writeRecord('no-end.ndjson', toText(lines));
    const result = await report(file);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, expectedText);
    assert.equal(
      result.stderr,
      `rabbit-lab: ${file}:${lines.length}: the record stops without its end line (the run was cut short while it shut down); the report, taken at line ${2 + events.length + endLines.length}, is complete.\n`,
    );
  });

  test('errors are one sentence with the file and line', async () => {
    const lines = toText(recordLines()).split('\n');
    lines[4] = '{"type":"event","at":';
    const damaged = writeRecord('damaged.ndjson', lines.join('\n'));
    await assert.rejects(report(damaged), {
      name: 'UsageError',
      message: `${damaged}:5: not valid JSON: the record is damaged.`,
    });
    await assert.rejects(report(path.join(dir, 'missing.ndjson')), {
      message: `Cannot read ${path.join(dir, 'missing.ndjson')}: no such file.`,
    });
    const empty = writeRecord('empty.ndjson', '');
    await assert.rejects(report(empty), {
      message: `${empty}: the file is empty; it is not a rabbit-lab record.`,
    });
  });
});

describe('RecordWriter', () => {
  test('writes one line each, never a password, and an end line on close', async () => {
    const file = path.join(dir, 'written.ndjson');
    writeFileSync(file, 'an older record\n');
    const writer = await RecordWriter.open(file);
    writer.write(header);
    writer.write({
      type: 'event',
      at: t0,
      event: { type: 'notice', text: 'Cannot connect to amqp://lab:s3cret@broker:5672' },
    });
    // A URL without a password, and an @ in a later string of the line: left as they are.
    const plain: LabEvent = {
      type: 'poll',
      at: t0,
      result: {
        error: 'http://localhost:15672/api/queues:503',
        queues: [
          { name: 'ops@example', messagesReady: 0, messagesUnacknowledged: 0, consumers: 0 },
        ],
      },
    };
    writer.write({ type: 'event', at: t0, event: plain });
    writer.write({
      type: 'event',
      at: t0,
      event: { type: 'notice', text: "with the header: -H 'Authorization: Bearer T0k3n-xyz'" },
    });
    assert.equal(await writer.close(), undefined);
    writer.write({ type: 'event', at: t0, event: { type: 'phase', phase: 'stopped' } });
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 6, 'header, 3 events, end, and the empty string after the last one');
    assert.doesNotMatch(lines[1] ?? '', /s3cret/);
    assert.match(lines[1] ?? '', /amqp:\/\/lab:\*\*\*@broker/);
    assert.deepEqual(JSON.parse(lines[2] ?? ''), { type: 'event', at: t0, event: plain });
    // The HTTP endpoints' token is for the screen, not for the file.
    assert.match(lines[3] ?? '', /Bearer \*\*\*'/);
    assert.doesNotMatch(lines[3] ?? '', /T0k3n/);
    const end = JSON.parse(lines[4] ?? '') as RecordLine;
    assert.ok(end.type === 'end' && end.lines === 5);
  });

  test('a folder that does not exist is one sentence', async () => {
    const file = path.join(dir, 'no-such-folder', 'run.ndjson');
    await assert.rejects(RecordWriter.open(file), {
      name: 'UsageError',
      message: `Cannot write the record to ${file}: its folder does not exist.`,
    });
  });

  test('a record with no line is removed on close', async () => {
    const file = path.join(dir, 'unused.ndjson');
    const writer = await RecordWriter.open(file);
    await writer.close();
    assert.throws(() => readFileSync(file), { code: 'ENOENT' });
  });
});

describe('receipts in the record', () => {
  test('a consumer’s receipts are held and written as one merged line per actor', () => {
    const lines = new ReceiptLines();
    const receipts = (first: number, last: number) => ({
      runs: [['P1', first, last]] as SeqRun[],
      redeliveredRuns: [],
      droppedRuns: [],
      handledRuns: [['P1', first, last]] as SeqRun[],
      keys: [['tiny_q', last - first + 1]] as [string, number][],
    });
    lines.hold('C1', receipts(1, 2), t0 + 10);
    lines.hold('C1', receipts(3, 4), t0 + 20);
    lines.hold('C2', receipts(5, 5), t0 + 30);
    const [c1, c2, ...rest] = lines.take();
    assert.equal(rest.length, 0);
    assert.deepEqual(c1, {
      type: 'event',
      at: t0 + 20,
      event: {
        type: 'actor',
        id: 'C1',
        at: t0 + 20,
        message: {
          type: 'receipts',
          runs: [['P1', 1, 4]],
          redeliveredRuns: [],
          droppedRuns: [],
          handledRuns: [['P1', 1, 4]],
          keys: [['tiny_q', 4]],
        },
      },
    });
    assert.equal(c2?.type === 'event' && c2.event.type === 'actor' && c2.event.id, 'C2');
    assert.deepEqual(lines.take(), [], 'taken once');
  });
});
