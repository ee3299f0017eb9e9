/**
 * The broker features beyond the tutorials on the lab screen in a real terminal (tmux): a single
 * active consumer and its standbys, a tracked stream reader resuming.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { hasTmux, openLab, type TerminalSession } from '../support/tmux.js';

describe('broker features, on the screen', () => {
  let broker: TestBroker;
  const open = (scenario: string, ...args: string[]) =>
    openLab(broker, scenario, args, { columns: 160, rows: 48 });
  before(async () => {
    assert.ok(
      hasTmux(),
      'the terminal tests need tmux: install it with `npm run setup` (or apt-get install tmux)',
    );
    broker = await testBroker('tui-features');
  });
  after(async () => {
    await broker.dispose();
  });

  async function quit(term: TerminalSession): Promise<void> {
    term.press('q');
    const closed = await waitFor(
      () => (/exit code \d+/.test(term.screen()) ? term.screen() : undefined),
      { what: 'the CLI to exit', timeoutMs: 20_000 },
    );
    assert.match(closed, /exit code 0/);
    assert.deepEqual(await broker.management.queues(broker.vhost), [], 'its queues are gone');
  }

  const row = (id: string, mark = '(?:★ active|· waiting)?') =>
    new RegExp(`${id}\\s+consumer\\s+running\\s+${mark}\\s*← payments\\s.*got (\\d+)`);

  test('single-active-consumer: the active consumer is marked, the others wait; the next takes over', async () => {
    const term = open('single-active-consumer', '--no-tour');
    try {
      await waitFor(() => row('C1').test(term.screen()), { what: 'C1 running' });
      // Two more consumers: registered, waiting, receiving nothing.
      term.press('c');
      await waitFor(() => row('C2').test(term.screen()), { what: 'C2 running' });
      term.press('c');
      await waitFor(
        () => {
          const s = term.screen();
          return row('C1', '★ active').test(s) &&
            row('C2', '· waiting').exec(s)?.[1] === '0' &&
            row('C3', '· waiting').exec(s)?.[1] === '0'
            ? true
            : undefined;
        },
        { what: 'C1 active, C2 and C3 waiting with nothing', timeoutMs: 20_000, intervalMs: 200 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      // Kill the active one (P1 is selected first, C1 next): C2 is made active and receives.
      term.press('Down');
      term.press('x');
      await waitFor(
        () => {
          const s = term.screen();
          return /C1\s+consumer\s+killed/.test(s) && Number(row('C2', '★ active').exec(s)?.[1]) > 0
            ? true
            : undefined;
        },
        { what: 'C2 active after C1 was killed', timeoutMs: 20_000, intervalMs: 200 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      assert.match(term.screen(), row('C3', '· waiting'));
      await quit(term);
    } finally {
      term.close();
    }
  });

  test('offset-tracking: the reader started under the tracked name resumes after the killed one', async () => {
    const term = open('offset-tracking');
    try {
      const resumed = await waitFor(
        () =>
          /C2 resumes 'reader' at offset (\d+)/.exec(term.screen()) &&
          /C2\s+consumer\s+running.*from (\d+) → offset \d+….*as 'reader'/.exec(term.screen()),
        { what: "C2 resuming 'reader'", timeoutMs: 25_000, intervalMs: 200 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      assert.ok(Number(resumed[1]) > 0, `C2 started past the first offset (${resumed[1]})`);
      // The killed reader's subscription lingers in the stream's (lagging) statistics: not foreign.
      assert.doesNotMatch(term.screen(), /outside the lab/);
      assert.match(term.screen(), /C1\s+consumer\s+killed/);
      await quit(term);
    } finally {
      term.close();
    }
  });

  test('consistent-hash: each binding shows its weight, its share of the ring and what its queue got; m explains the hash', async () => {
    const term = open('consistent-hash', '--no-tour');
    try {
      await waitFor(
        () =>
          /orders\.hash \(x-consistent-hash\)/.test(term.screen()) &&
          /\[weight 2 \(50%\) got \d+%\].*shard-2/.test(term.screen()) &&
          /\[weight 1 \(25%\) got \d+%\].*shard-1/.test(term.screen()),
        { what: 'weights and shares in the topology', timeoutMs: 20_000, intervalMs: 200 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      term.press('m');
      term.press(...Array.from({ length: 40 }, () => 'BSpace'));
      term.press('customer-7', 'Enter');
      await waitFor(
        () =>
          /Routing key 'customer-7': 3 of 3 bindings match/.test(term.screen()) &&
          /orders\.hash\[weight 2\] one of the exchange's queues gets it, picked by the hash of 'customer-7'/.test(
            term.screen(),
          ),
        { what: 'the tester on customer-7', timeoutMs: 10_000, intervalMs: 200 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      term.press('Escape');
      await quit(term);
    } finally {
      term.close();
    }
  });
});
