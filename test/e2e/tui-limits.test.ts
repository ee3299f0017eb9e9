/**
 * Queue length limits on the lab screen in a real terminal (tmux): the full queues at their
 * limit in the queue table, and the producers' refused publishes in the flow log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { hasTmux, openLab } from '../support/tmux.js';

describe('length limits, on the screen', () => {
  let broker: TestBroker;
  before(async () => {
    assert.ok(
      hasTmux(),
      'the terminal tests need tmux: install it with `npm run setup` (or apt-get install tmux)',
    );
    broker = await testBroker('tui-limits');
  });
  after(async () => {
    await broker.dispose();
  });

  test('length-limit: three queues held at 5 ready, refused publishes in the flow log', async () => {
    const term = openLab(broker, 'length-limit', ['--no-tour'], { columns: 160, rows: 48 });
    try {
      const wanted = {
        dropHead: /limit\.drop-head\s+[45]\s+1\s+1\b/,
        reject: /limit\.reject\s+5\s+1\s+1\b/,
        rejectDlx: /limit\.reject-dlx\s+5\s+1\s+1\b/,
        refused:
          /P2 ─▶ \(default\)\[limit\.reject\] ─▶ \(refused\) {2}P2-\d+ {2}✗ nacked by the broker/,
        nacks: /P2\s+producer running .*nacked [1-9]\d*/,
        deadLettered: /P3 ─▶ .*limit\.dead ─▶ C4/,
      };
      const seen = new Set<string>();
      await waitFor(
        () => {
          const screen = term.screen();
          for (const [name, pattern] of Object.entries(wanted))
            if (pattern.test(screen)) seen.add(name);
          return seen.size === Object.keys(wanted).length ? true : undefined;
        },
        { what: 'the limits on the screen', timeoutMs: 30_000, intervalMs: 250 },
      ).catch((e: Error) =>
        assert.fail(
          `${e.message}; missing ${Object.keys(wanted)
            .filter((k) => !seen.has(k))
            .join(', ')}\n${term.screen()}`,
        ),
      );
      term.press('q');
      const closed = await waitFor(
        () => (/exit code \d+/.test(term.screen()) ? term.screen() : undefined),
        {
          what: 'the CLI to exit',
          timeoutMs: 20_000,
        },
      );
      assert.match(closed, /exit code 0/);
    } finally {
      term.close();
    }
  });
});
