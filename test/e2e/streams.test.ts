/** The stream scenario headless against the test broker: replay, offsets, checks by id. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestBroker, testBroker } from '../support/broker.js';
import { actor, check, headless, ScenarioFiles } from '../support/headless.js';

describe('stream', () => {
  let broker: TestBroker;
  const files = new ScenarioFiles();
  before(async () => {
    broker = await testBroker('stream');
  });
  after(async () => {
    await broker.dispose();
    await files.dispose();
  });

  test('every reader gets every message from its offset on; a late one replays from first', async () => {
    const { code, report } = await headless(broker, 'stream', 16);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const published = actor(report, 'P1').published ?? 0;
    assert.ok(published > 200, `published ${published}`);
    // C1 from first, C2 from next (subscribed before the producer started), C3 late from first.
    for (const id of ['C1', 'C2', 'C3']) assert.equal(actor(report, id).received, published, id);
    // C4 at 'last' started at the last chunk: after the first message, before the end.
    const c4 = actor(report, 'C4').received ?? 0;
    assert.ok(c4 > 0 && c4 < published, `C4 got ${c4} of ${published}`);
    const complete = check(report, 'stream-complete');
    assert.equal(complete.ok, true, complete.detail);
    const span = /C4 P1-(\d+)…P1-(\d+) \((\d+)\)/.exec(complete.detail);
    assert.ok(span, complete.detail);
    assert.ok(Number(span[1]) > 1, 'C4 did not start at the first message');
    assert.equal(Number(span[2]), published);
    assert.equal(check(report, 'ordering').ok, true);
    assert.equal(check(report, 'no-loss').ok, true, check(report, 'no-loss').detail);
    // Each reader counts apart: the same message read by four readers is no duplicate.
    assert.equal(report.messages?.duplicated, 0);
    const readers = report.messages?.queues.map((q) => q.queue).sort();
    assert.deepEqual(readers, ['events · C1', 'events · C2', 'events · C3', 'events · C4']);
  });

  test('offset-tracking: killed and started again under its name, the reader resumes right after', async () => {
    const { code, report } = await headless(broker, 'offset-tracking', 13);
    assert.equal(code, 0, JSON.stringify(report.checks));
    assert.equal(actor(report, 'C1').status, 'killed');
    const resume = check(report, 'offset-resume');
    assert.equal(resume.ok, true, resume.detail);
    const at = /^C2 resumed 'reader' at P1-(\d+), right after C1's last processed P1-(\d+)$/.exec(
      resume.detail,
    );
    assert.ok(at, resume.detail);
    assert.equal(Number(at[1]), Number(at[2]) + 1);
    assert.ok(Number(at[2]) > 10, 'C1 had processed a good part before it was killed');
    assert.ok(
      report.notices.some((n) => n.startsWith(`C2 resumes 'reader' at offset `)),
      report.notices.join(' | '),
    );
    for (const name of ['no-loss', 'stream-complete', 'ordering']) {
      assert.equal(check(report, name).ok, true, check(report, name).detail);
    }
  });

  test('retention drops the oldest segments: a late reader from first starts past them', async () => {
    // 30 KB kept in 10 KB segments, about 100 KB a second of messages.
    const file = await files.write(`
name: retention
topology:
  queues:
    - name: log
      durable: true
      arguments: { x-queue-type: stream, x-max-length-bytes: 30000, x-stream-max-segment-size-bytes: 10000 }
actors:
  - { kind: producer, routingKeys: [log], rate: 400, body: "line {seq} ${'.'.repeat(200)}" }
  - { kind: consumer, queue: log, offset: first, prefetch: 100, ack: manual }
checks: [stream-complete]
tour:
  - at: 3
    say: a late reader from first
    do: { spawn: { kind: consumer, queue: log, offset: first, prefetch: 100, ack: manual } }
`);
    const { code, report } = await headless(broker, file, 5);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const published = actor(report, 'P1').published ?? 0;
    assert.ok(published > 800, `published ${published}`);
    // C1 was there from the start: it read everything before retention dropped it.
    assert.equal(actor(report, 'C1').received, published);
    const complete = check(report, 'stream-complete');
    const late = /C2 P1-(\d+)…P1-(\d+)/.exec(complete.detail);
    assert.ok(late, complete.detail);
    // What 'first' means moved on: the oldest segments were gone when C2 subscribed.
    assert.ok(Number(late[1]) > 100, `C2 started at P1-${late[1]}: ${complete.detail}`);
    assert.ok((actor(report, 'C2').received ?? 0) < published - 100);
  });
});
