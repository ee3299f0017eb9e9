/**
 * The broker features beyond the tutorials on the lab screen in a real terminal (tmux): a single
 * active consumer and its standbys, a tracked stream reader resuming, a consistent-hash split.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { labScreens } from '../support/lab-screens.js';

describe('broker features, on the screen', () => {
  const lab = labScreens('tui-features');

  const row = (id: string, mark = '(?:★ active|· waiting)?') =>
    new RegExp(`${id}\\s+consumer\\s+running\\s+${mark}\\s*← payments\\s.*got (\\d+)`);

  test('single-active-consumer: the active consumer is marked, the others wait; the next takes over', async () => {
    const term = lab.open('single-active-consumer', '--no-tour');
    try {
      await lab.see(term, 'C1 running', row('C1'));
      // Two more consumers: registered, waiting, receiving nothing.
      term.press('c');
      await lab.see(term, 'C2 running', row('C2'));
      term.press('c');
      await lab.until(
        term,
        'C1 active, C2 and C3 waiting with nothing',
        (s) =>
          row('C1', '★ active').test(s) &&
          row('C2', '· waiting').exec(s)?.[1] === '0' &&
          row('C3', '· waiting').exec(s)?.[1] === '0',
      );
      // Kill the active one (P1 is selected first, C1 next): C2 is made active and receives.
      term.press('Down');
      term.press('x');
      await lab.until(
        term,
        'C2 active after C1 was killed',
        (s) => /C1\s+consumer\s+killed/.test(s) && Number(row('C2', '★ active').exec(s)?.[1]) > 0,
      );
      assert.match(term.screen(), row('C3', '· waiting'));
      // Publish → delivery over the last 10 s, beside the counters; the ready count's minute.
      await lab.see(
        term,
        'the latency column and the sparkline',
        /out\/s {2}p50\/p95\/p99 10 s {3}ready, 1 min/,
        /payments\s+\d+\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+\/[\d.]+\/[\d.]+ m?s {2}[▁▂▃▄▅▆▇█ ]+/,
      );
      await lab.quit(term);
    } finally {
      term.close();
    }
  });

  test('offset-tracking: the reader started under the tracked name resumes after the killed one', async () => {
    const term = lab.open('offset-tracking');
    try {
      const resumed = await lab.until(
        term,
        "C2 resuming 'reader'",
        (s) =>
          /C2 resumes 'reader' at offset (\d+)/.test(s) &&
          /C2\s+consumer\s+running.*from (\d+) → offset \d+….*as 'reader'/.exec(s),
        25_000,
      );
      assert.ok(Number(resumed[1]) > 0, `C2 started past the first offset (${resumed[1]})`);
      // The killed reader's subscription lingers in the stream's (lagging) statistics: not foreign.
      assert.doesNotMatch(term.screen(), /outside the lab/);
      assert.match(term.screen(), /C1\s+consumer\s+killed/);
      await lab.quit(term);
    } finally {
      term.close();
    }
  });

  test('consistent-hash: each binding shows its weight, its share of the ring and what its queue got; m explains the hash', async () => {
    const term = lab.open('consistent-hash', '--no-tour');
    try {
      await lab.see(
        term,
        'weights and shares in the topology',
        /orders\.hash \(x-consistent-hash\)/,
        /\[weight 2 \(50%\) got \d+%\].*shard-2/,
        /\[weight 1 \(25%\) got \d+%\].*shard-1/,
      );
      lab.tester(term, 'customer-7');
      await lab.see(
        term,
        'the tester on customer-7',
        /Routing key 'customer-7': 3 of 3 bindings match/,
        /orders\.hash\[weight 2\] one of the exchange's queues gets it, picked by the hash of 'customer-7'/,
      );
      term.press('Escape');
      await lab.quit(term);
    } finally {
      term.close();
    }
  });
});
