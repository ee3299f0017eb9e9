/**
 * The headers and alternate-exchange scenarios headless against the test broker: each queue got
 * what its bindings say (header sets and keys cycle, so the counts follow from what was sent),
 * unroutable messages came back or went to the alternate exchange's queue, and the checks hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestBroker, testBroker } from '../support/broker.js';
import { actor, check, headless } from '../support/headless.js';

/** How many of messages 1..n fall on these positions of a cycle of `length` (1-based). */
function onCycle(n: number, length: number, positions: readonly number[]): number {
  let count = 0;
  for (let seq = 1; seq <= n; seq++) if (positions.includes(((seq - 1) % length) + 1)) count++;
  return count;
}

describe('routing by headers and alternate exchanges', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker('headers-ae');
  });
  after(async () => {
    await broker.dispose();
  });

  test('headers: all needs every header, any one of them; a memo nobody binds is returned', async () => {
    const { code, report } = await headless(broker, 'headers', 6);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const sent = actor(report, 'P1').published ?? 0;
    assert.ok(sent >= 15, `published ${sent}`);
    // Header sets in turn: pdf report, docx report, pdf invoice, docx invoice, csv memo.
    assert.equal(actor(report, 'C1').received, onCycle(sent, 5, [1]), 'pdf-reports (all)');
    assert.equal(actor(report, 'C2').received, onCycle(sent, 5, [1, 2, 3]), 'pdf-or-report (any)');
    assert.equal(actor(report, 'C3').received, onCycle(sent, 5, [3, 4]), 'invoices');
    assert.equal(actor(report, 'P1').unroutable, onCycle(sent, 5, [5]), 'csv memos returned');
    for (const name of ['no-loss', 'routing-correct', 'routing-complete']) {
      assert.equal(check(report, name).ok, true, `${name}: ${check(report, name).detail}`);
    }
    assert.match(check(report, 'routing-complete').detail, /pdf-reports \d+\/\d+/);
  });

  test('alternate exchange: the keys nobody binds land in unrouted, and nothing is returned', async () => {
    const { code, report } = await headless(broker, 'alternate-exchange', 6);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const sent = actor(report, 'P1').published ?? 0;
    assert.ok(sent >= 18, `published ${sent}`);
    // Keys in turn: eu, us, asia, eu, us, moon.
    assert.equal(actor(report, 'C1').received, onCycle(sent, 6, [1, 4]), 'eu-orders');
    assert.equal(actor(report, 'C2').received, onCycle(sent, 6, [2, 5]), 'us-orders');
    assert.equal(actor(report, 'C3').received, onCycle(sent, 6, [3, 6]), 'unrouted: asia, moon');
    assert.equal(actor(report, 'P1').unroutable ?? 0, 0, 'no returns');
    assert.doesNotMatch(check(report, 'no-loss').detail, /unroutable/);
    for (const name of ['no-loss', 'routing-correct', 'routing-complete']) {
      assert.equal(check(report, name).ok, true, `${name}: ${check(report, name).detail}`);
    }
    assert.match(check(report, 'routing-complete').detail, /unrouted \d+\/\d+/);
  });
});
