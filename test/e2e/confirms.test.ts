/**
 * Tutorial 7 (publisher confirms) against the real broker: the three strategies side by side, the
 * `confirms` check, and nacks from a queue that rejects publishes when full.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Report } from '../../source/lab/report.js';
import { type TestBroker, testBroker } from '../support/broker.js';
import { runCli } from '../support/cli.js';

describe('publisher-confirms', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker('confirms');
  });
  after(async () => {
    await broker.dispose();
  });

  test('each < batch < async in throughput; every message answered once; a full queue nacks', async () => {
    const result = await runCli(
      [
        'scenario',
        'confirms',
        '--headless',
        '--json',
        '--duration',
        '7',
        '--url',
        broker.url,
        '--management-url',
        broker.managementUrl,
      ],
      { timeoutMs: 90_000 },
    );
    assert.equal(result.code, 0, `${result.stderr}\n${result.stdout}`);
    const report = JSON.parse(result.stdout) as Report;
    const sent = (id: string) => report.actors.find((a) => a.id === id)?.published ?? 0;
    // Waiting for each confirm costs a round trip per message; a batch one per hundred.
    assert.ok(sent('P1') > 0, 'P1 published');
    assert.ok(sent('P2') > sent('P1'), `batch ${sent('P2')} > each ${sent('P1')}`);
    assert.ok(sent('P3') > sent('P1'), `async ${sent('P3')} > each ${sent('P1')}`);
    const confirms = report.checks.find((c) => c.name === 'confirms');
    assert.equal(confirms?.ok, true, confirms?.detail);
    // P4 starts paused; the tour resumes it at 5 s against a queue that holds 10 and rejects.
    const p4 = /P4 (\d+) confirmed, (\d+) nacked/.exec(confirms?.detail ?? '');
    assert.ok(p4, confirms?.detail);
    assert.equal(Number(p4[1]), 10, 'the first ten fit');
    assert.ok(Number(p4[2]) > 0, 'the rest were nacked');
    const noLoss = report.checks.find((c) => c.name === 'no-loss');
    assert.equal(noLoss?.ok, true, noLoss?.detail);
    assert.match(noLoss?.detail ?? '', /refused by the broker \(nack\)/);
    assert.match(
      noLoss?.detail ?? '',
      /, 10 still waiting in confirms_limited \(read back by id at the end\)/,
    );
  });
});
