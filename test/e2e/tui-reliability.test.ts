/**
 * Priorities, length limits, TTLs and dead-letter strategies on the lab screen in a real terminal
 * (tmux): what a learner sees overtake, get refused, expire and wait to be dead-lettered.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { labScreens } from '../support/lab-screens.js';

describe('priorities, TTLs and dead-lettering, on the screen', () => {
  const lab = labScreens('tui-reliability');

  test('priority: in the flow log, urgent tasks leave jobs.priority at once and wait their turn in jobs.fifo', async () => {
    const term = lab.open('priority', '--no-tour');
    try {
      // The quickest an urgent task was acknowledged from each queue once a backlog had formed.
      const quickest = new Map<string, number>();
      const line =
        /P1 ─▶ jobs ─▶ (jobs\.priority|jobs\.fifo) ─▶ C\d {2}P1-(\d+) {2}✓ ack (\d+) ms {2}priority 9/g;
      await lab.until(
        term,
        'urgent tasks from both queues after 24 tasks',
        (s) => {
          for (const m of s.matchAll(line)) {
            const [queue = '', seq, ms] = m.slice(1);
            if (Number(seq) > 24)
              quickest.set(
                queue,
                Math.min(quickest.get(queue) ?? Number.POSITIVE_INFINITY, Number(ms)),
              );
          }
          return quickest.size === 2;
        },
        30_000,
      );
      // Behind a backlog of some 20 tasks at 250 ms each in jobs.fifo; a task or two in jobs.priority.
      const [priority = 0, fifo = 0] = ['jobs.priority', 'jobs.fifo'].map((q) => quickest.get(q));
      assert.ok(
        priority * 3 < fifo,
        `urgent tasks: ${priority} ms in jobs.priority, ${fifo} ms in jobs.fifo`,
      );
      assert.match(
        term.screen(),
        /jobs\.priority\s+[1-9]\d*\s+1\s+1\b/,
        'a backlog in jobs.priority',
      );
      await lab.quit(term);
    } finally {
      term.close();
    }
  });

  test('length-limit: three queues held at 5 ready, refused publishes in the flow log', async () => {
    const term = lab.open('length-limit', '--no-tour');
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
      // Rows scroll by: collect what the screen showed until every one was on it.
      const seen = new Set<string>();
      await lab.until(
        term,
        'the limits on the screen',
        (s) => {
          for (const [name, pattern] of Object.entries(wanted)) if (pattern.test(s)) seen.add(name);
          return seen.size === Object.keys(wanted).length;
        },
        30_000,
      );
      await lab.quit(term);
    } finally {
      term.close();
    }
  });

  test('ttl: orders that waited 3 s go through orders.dlx to orders.expired', async () => {
    const term = lab.open('ttl', '--no-tour');
    try {
      await lab.see(
        term,
        'expired orders reaching C2',
        /orders ⏱ 3 s ─▶ orders\.dlx \(fanout\)/,
        /P1 ─▶ orders\.dlx\[orders\] ─▶ orders\.expired ─▶ C2 {2}P1-\d+ {2}✓ ack/,
        /C2\s+consumer\s+running\s+← orders\.expired\s.*got [1-9]/,
      );
      await lab.quit(term);
    } finally {
      term.close();
    }
  });

  test('at-least-once-dead-lettering: the queue shows what it holds for dead-lettering until the target takes it', async () => {
    const term = lab.open('at-least-once-dead-lettering');
    try {
      const held =
        /orders\.at-least-once\s+\d+\s+\d+\s+1\s+[\d.]+\s+[\d.]+ .*\b(\d+) held for dead-lettering/;
      const most = await lab.until(term, 'dead letters held by orders.at-least-once', (s) =>
        held.exec(s),
      );
      assert.ok(Number(most[1]) > 0);
      // The tour starts C3 on dead-letters at 6 s; the broker (retrying every 5 s here) moves them.
      await lab.until(
        term,
        'the held dead letters moved on to C3',
        (s) => /C3\s+consumer\s+running\s+← dead-letters\s.*got [1-9]\d/.test(s) && !held.test(s),
        30_000,
      );
      await lab.quit(term);
    } finally {
      term.close();
    }
  });
});
