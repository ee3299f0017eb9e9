/**
 * The patterns beyond the tutorials on the lab screen in a real terminal (tmux): what a user sees
 * of retries through dead-lettering, and what they do with service queues and the HTTP endpoint.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consumerCount, waitFor } from '../support/broker.js';
import { labScreens } from '../support/lab-screens.js';

describe('beyond the tutorials, on the screen', () => {
  const lab = labScreens('tui-beyond');
  const open = lab.open;
  const quit = (term: Parameters<typeof lab.quit>[0]) => lab.quit(term);

  test('dead-letter-retry: the flow log shows each hop and attempt, the topology where queues dead-letter', async () => {
    const term = open('dead-letter-retry', '--no-tour');
    try {
      // Rows scroll by; collect what the screen showed until every kind of hop was on it.
      const wanted = {
        rejected:
          /P1 ─▶ work ─▶ C\d {2}P1-\d+ {2}✗ rejected, dead-lettered attempt 1\/3 .*→ work\.dlx\[retry\]/,
        retried:
          /P1 ─▶ work\.retry ⏱ ─▶ work\.dlx\[work\] ─▶ work ─▶ C\d {2}P1-\d+ {2}✓ ack attempt 2\/3/,
        parked:
          /P1 ─▶ work\.retry ⏱ ─▶ work\.dlx\[work\] ─▶ work ─▶ C\d {2}P1-(10|20) {2}⊘ parked attempt 3\/3 .*→ work\.parked/,
        deadLetters: /work ✗ \[retry\], work\.retry ⏱ 2 s \[work\] ─▶ work\.dlx \(direct\)/,
        parking: /C1 C2 ─⊘ failed attempt 3─▶ work\.parked {2}[1-9]\d* parked/,
        actors: /C\d\s+consumer running\s+← work\s.*retried [1-9]\d*/,
      };
      const seen = new Set<string>();
      await waitFor(
        () => {
          const screen = term.screen();
          for (const [name, pattern] of Object.entries(wanted))
            if (pattern.test(screen)) seen.add(name);
          return seen.size === Object.keys(wanted).length ? true : undefined;
        },
        { what: 'every kind of hop on the screen', timeoutMs: 40_000, intervalMs: 250 },
      ).catch((e: Error) =>
        assert.fail(
          `${e.message}; missing ${Object.keys(wanted)
            .filter((k) => !seen.has(k))
            .join(', ')}\n${term.screen()}`,
        ),
      );
      await quit(term);
    } finally {
      term.close();
    }
  });

  test('exchange-to-queues: b adds a service queue the broker sees; the HTTP endpoint on the screen takes a POST', async () => {
    const term = open('exchange-to-queues', '--no-tour');
    try {
      const screen = await waitFor(
        () => {
          const s = term.screen();
          return /with the header: -H 'Authorization: Bearer \S+'/.test(s) &&
            /C2\s+consumer\s+running/.test(s)
            ? s
            : undefined;
        },
        { what: 'the endpoint notices and the consumers', timeoutMs: 25_000 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      // What a user copies from the screen.
      const url = /P2 publishes what you POST to (http:\/\/127\.0\.0\.1:\d+\/publish\/events)/.exec(
        screen,
      )?.[1];
      const token = /-H 'Authorization: Bearer (\S+)'/.exec(screen)?.[1];
      assert.ok(url && token, screen);
      assert.match(screen, /P2\s+producer running\s+→ events\s.*HTTP 127\.0\.0\.1:\d+/);

      term.press('b');
      // Until b has declared it, the queue is not there (a 404): not yet, rather than a failure.
      const consumers = () => consumerCount(lab.broker().url, 'analytics').catch(() => 0);
      await waitFor(async () => (await consumers()) === 1, {
        what: 'a consumer on the new analytics queue, on the broker',
      });
      await waitFor(() => /[├└]─ [\d.]+\/s ─▶ analytics ─▶ C3/.test(term.screen()), {
        what: 'analytics in the topology',
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));

      const refused = await fetch(url, { method: 'POST', body: 'no token' });
      assert.equal(refused.status, 401);
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: 'invoice 1001 paid',
      });
      assert.equal(response.status, 202);
      const { id } = (await response.json()) as { id: string };
      assert.equal(id, 'P2-1');
      await waitFor(() => /P2 ─▶ events ─▶ analytics ─▶ C3 {2}P2-1 {2}✓ ack/.test(term.screen()), {
        what: "the POSTed message in the flow log, on the new service's queue",
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      await quit(term);
    } finally {
      term.close();
    }
  });

  test('stream: each reader shows where it started, its offsets and its lag; last starts mid-stream', async () => {
    const term = open('stream', '--no-tour');
    try {
      const row = (id: string, from: string) =>
        new RegExp(
          `${id}\\s+consumer\\s+running.*got (\\d+)\\s+from ${from} → offset (\\d+)…(\\d+)\\s+lag (\\d+)`,
        );
      // Some chunks written first, so that the last one does not start at the first message.
      await waitFor(() => Number(row('C1', 'first').exec(term.screen())?.[1] ?? 0) >= 100, {
        what: 'C1 reading from first, with its offsets and lag, 100 messages in',
        timeoutMs: 30_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      // The tour's steps by hand: a late reader from first, then one at last.
      term.press('n');
      term.press('n');
      term.press('n');
      const c4 = await waitFor(() => row('C4', 'last').exec(term.screen()), {
        what: 'C4 reading from last',
        timeoutMs: 30_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      assert.ok(Number(c4[2]) > 0, `last started at offset ${c4[2]}, past the first message`);
      await waitFor(() => row('C3', 'first').exec(term.screen()), { what: 'C3 replaying' });
      // c asks where a new reader starts; a word it does not know is refused with the choices.
      const ask = (answer: string) => {
        term.press('c');
        for (let i = 0; i < 5; i++) term.press('BSpace');
        term.press('-l', answer);
        term.press('Enter');
      };
      ask('yesterday');
      await waitFor(
        () => /'yesterday' is no stream offset: give first, last, next/.test(term.screen()),
        {
          what: 'the refusal',
        },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      ask('7');
      await waitFor(() => /C5\s+consumer\s+running.*from 7 → offset 7…/.test(term.screen()), {
        what: 'C5 reading from offset 7',
        timeoutMs: 20_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      await waitFor(() => /events\s+[1-9]\d*\s+0\s+[1-9]/.test(term.screen()), {
        what: "the stream's size and readers in the queue table",
        timeoutMs: 20_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      await quit(term);
    } finally {
      term.close();
    }
  });
});
