/**
 * Priorities, TTLs and dead-letter strategies on the lab screen in a real terminal (tmux): what a
 * learner sees overtake, expire and wait to be dead-lettered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { hasTmux, openLab, type TerminalSession } from '../support/tmux.js';

describe('priorities, TTLs and dead-lettering, on the screen', () => {
  let broker: TestBroker;
  const open = (scenario: string, ...args: string[]) =>
    openLab(broker, scenario, args, { columns: 160, rows: 48 });
  before(async () => {
    assert.ok(
      hasTmux(),
      'the terminal tests need tmux: install it with `npm run setup` (or apt-get install tmux)',
    );
    broker = await testBroker('tui-reliability');
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

  test('priority: in the flow log, urgent tasks leave jobs.priority at once and wait their turn in jobs.fifo', async () => {
    const term = open('priority', '--no-tour');
    try {
      // The quickest an urgent task was acknowledged from each queue once a backlog had formed.
      const quickest = {
        'jobs.priority': Number.POSITIVE_INFINITY,
        'jobs.fifo': Number.POSITIVE_INFINITY,
      };
      const line =
        /P1 ─▶ jobs ─▶ (jobs\.priority|jobs\.fifo) ─▶ C\d {2}P1-(\d+) {2}✓ ack (\d+) ms {2}priority 9/g;
      await waitFor(
        () => {
          for (const m of term.screen().matchAll(line)) {
            const queue = m[1] as keyof typeof quickest;
            if (Number(m[2]) > 40) quickest[queue] = Math.min(quickest[queue], Number(m[3]));
          }
          return quickest['jobs.fifo'] < Number.POSITIVE_INFINITY &&
            quickest['jobs.priority'] < Number.POSITIVE_INFINITY
            ? true
            : undefined;
        },
        {
          what: 'urgent tasks from both queues after 40 tasks',
          timeoutMs: 30_000,
          intervalMs: 250,
        },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      // Behind a backlog of some 20 tasks at 250 ms each in jobs.fifo; a task or two in jobs.priority.
      assert.ok(
        quickest['jobs.priority'] * 3 < quickest['jobs.fifo'],
        `urgent tasks: ${quickest['jobs.priority']} ms in jobs.priority, ${quickest['jobs.fifo']} ms in jobs.fifo`,
      );
      assert.match(
        term.screen(),
        /jobs\.priority\s+[1-9]\d*\s+1\s+1\b/,
        'a backlog in jobs.priority',
      );
      await quit(term);
    } finally {
      term.close();
    }
  });

  test('ttl: orders that waited 3 s go through orders.dlx to orders.expired', async () => {
    const term = open('ttl', '--no-tour');
    try {
      await waitFor(
        () => {
          const s = term.screen();
          return /orders ⏱ 3 s ─▶ orders\.dlx \(fanout\)/.test(s) &&
            /P1 ─▶ orders\.dlx\[orders\] ─▶ orders\.expired ─▶ C2 {2}P1-\d+ {2}✓ ack/.test(s) &&
            /C2\s+consumer\s+running\s+← orders\.expired\s.*got [1-9]/.test(s)
            ? true
            : undefined;
        },
        { what: 'expired orders reaching C2', timeoutMs: 25_000, intervalMs: 250 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      await quit(term);
    } finally {
      term.close();
    }
  });

  test('at-least-once-dead-lettering: the queue shows what it holds for dead-lettering until the target takes it', async () => {
    const term = open('at-least-once-dead-lettering');
    try {
      const held =
        /orders\.at-least-once\s+\d+\s+\d+\s+1\s+[\d.]+\s+[\d.]+ {2}(\d+) held for dead-lettering/;
      const most = await waitFor(() => held.exec(term.screen()), {
        what: 'dead letters held by orders.at-least-once',
        timeoutMs: 20_000,
        intervalMs: 200,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      assert.ok(Number(most[1]) > 0);
      // The tour starts C3 on dead-letters at 6 s; the broker (retrying every 5 s here) moves them.
      await waitFor(
        () => {
          const s = term.screen();
          return /C3\s+consumer\s+running\s+← dead-letters\s.*got [1-9]\d/.test(s) && !held.test(s)
            ? true
            : undefined;
        },
        { what: 'the held dead letters moved on to C3', timeoutMs: 30_000, intervalMs: 250 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      await quit(term);
    } finally {
      term.close();
    }
  });
});
