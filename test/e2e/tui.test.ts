import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { consumerCount, type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { cliPath } from '../support/cli.js';
import { hasTmux, openLab, TerminalSession } from '../support/tmux.js';

describe('the lab screen in a real terminal', () => {
  let broker: TestBroker;
  /** The built CLI on this test's vhost, in a 120×40 terminal. */
  const open = (scenario: string, ...args: string[]) => openLab(broker, scenario, args);
  const openWith = (env: Record<string, string>, scenario: string) =>
    openLab(broker, scenario, [], { env });
  before(async () => {
    assert.ok(
      hasTmux(),
      'the terminal tests need tmux: install it with `npm run setup` (or apt-get install tmux)',
    );
    broker = await testBroker('tui');
  });
  after(async () => {
    await broker.dispose();
  });

  test('hello-queue: counters, c adds a consumer the broker sees, q cleans up', async () => {
    const term = open('hello');
    try {
      const opened = await waitFor(
        () => {
          const s = term.screen();
          return /hello\s+\d+\s+\d+\s+1\b/.test(s) &&
            /C1\s+consumer\s+running/.test(s) &&
            /P1\s+producer\s+running/.test(s)
            ? s
            : undefined;
        },
        { what: 'the lab screen with the hello queue and C1', timeoutMs: 20_000 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      assert.match(opened, /rabbit-lab · hello-queue/);
      assert.match(opened, /RabbitMQ \d+\.\d+\.\d+ · external · amqp:\/\/guest:\*\*\*@/);
      assert.match(opened, /P1\s+producer\s+running/);
      assert.match(
        opened,
        /p producer {2}c consumer {2}↑↓ select {2}x kill {2}n next step {2}\? help {2}q quit/,
      );

      term.press('c');
      await waitFor(() => /C2\s+consumer\s+running/.test(term.screen()), { what: 'C2 running' });
      // The broker itself now counts two consumers on the queue, and the screen shows its number.
      await waitFor(async () => (await consumerCount(broker.url, 'hello')) === 2, {
        what: 'two consumers on the broker',
      });
      await waitFor(() => /hello\s+\d+\s+\d+\s+2\b/.test(term.screen()), {
        what: 'consumers 2 on screen',
      });
      await waitFor(() => /P1 ─▶ hello ─▶ C\d {2}P1-\d+ {2}✓ auto-ack/.test(term.screen()), {
        what: 'a message path in the flow log',
      });

      term.press('q');
      const closed = await waitFor(
        () => (/exit code \d+/.test(term.screen()) ? term.screen() : undefined),
        {
          what: 'the CLI to exit',
          timeoutMs: 15_000,
        },
      );
      assert.match(closed, /exit code 0/);
      assert.deepEqual(
        await broker.management.queues(broker.vhost),
        [],
        'the hello queue it created is gone',
      );
      // The management API lists connections from statistics, which can lag a moment.
      await waitFor(
        async () =>
          (await broker.management.connectionNames()).filter((c) => c.vhost === broker.vhost)
            .length === 0,
        { what: 'no connection of the run left' },
      );
    } finally {
      term.close();
    }
  });

  test('a terminal below 80×24 gets one clear line', async () => {
    const term = new TerminalSession(
      [
        process.execPath,
        cliPath,
        'scenario',
        'hello',
        '--url',
        broker.url,
        '--management-url',
        broker.managementUrl,
      ],
      {
        columns: 60,
        rows: 20,
      },
    );
    try {
      await waitFor(() => term.screen().includes('rabbit-lab needs at least 80×24'), {
        what: 'the size message',
        timeoutMs: 20_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      term.press('q');
      await waitFor(() => /exit code 0/.test(term.screen()), { what: 'exit', timeoutMs: 15_000 });
    } finally {
      term.close();
    }
  });

  test('work-queue: c adds a worker the broker counts, x on a busy worker shows redeliveries, q leaves nothing', async () => {
    const term = open('work', '--no-tour');
    try {
      await waitFor(() => /C2\s+consumer\s+running/.test(term.screen()), {
        what: 'two workers running',
        timeoutMs: 20_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      // --no-tour: exactly the scenario's two workers, then the one c adds.
      await waitFor(() => /C1\s+consumer\s+running/.test(term.screen()), { what: 'C1 running' });
      await waitFor(async () => (await consumerCount(broker.url, 'task_queue')) === 2, {
        what: 'two consumers on the broker',
      });
      term.press('c');
      await waitFor(async () => (await consumerCount(broker.url, 'task_queue')) === 3, {
        what: 'three consumers on the broker',
      });
      await waitFor(() => /task_queue\s+\d+\s+\d+\s+3\b/.test(term.screen()), {
        what: "the broker's count (3) on screen",
      });
      // P1 is selected first: raise its rate so a backlog builds and every worker is busy.
      await waitFor(() => /▶P1/.test(term.screen()), { what: 'P1 selected' });
      for (const target of [5, 10, 20]) {
        term.press('+');
        await waitFor(() => new RegExp(`target ${target}/s`).test(term.screen()), {
          what: `P1 at ${target}/s`,
        });
      }
      await waitFor(() => /task_queue\s+[1-9]\d*\s+/.test(term.screen()), {
        what: 'a backlog of ready tasks',
      });
      // Select C1 (the row below P1) and kill it while it works on a task.
      term.press('Down');
      await waitFor(() => /▶C1/.test(term.screen()), { what: 'C1 selected' });
      term.press('x');
      await waitFor(() => /C1\s+consumer\s+killed/.test(term.screen()), { what: 'C1 killed' });
      await waitFor(() => /─▶ C\d {2}P1-\d+ {2}✓ ack ⟳ redelivered/.test(term.screen()), {
        what: 'a redelivered task in the flow log',
        timeoutMs: 15_000,
      }).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      term.press('q');
      await waitFor(() => /exit code 0/.test(term.screen()), { what: 'exit', timeoutMs: 15_000 });
      assert.deepEqual(
        await broker.management.queues(broker.vhost),
        [],
        'task_queue it created is gone',
      );
      // The management API lists connections from statistics, which can lag a moment.
      await waitFor(
        async () =>
          (await broker.management.connectionNames()).filter((c) => c.vhost === broker.vhost)
            .length === 0,
        { what: 'no connection of the run left' },
      );
    } finally {
      term.close();
    }
  });

  test('closing the terminal (SIGHUP) cleans up and exits', async () => {
    const term = open('hello');
    let pid: number | undefined;
    try {
      await waitFor(() => /C1\s+consumer\s+running/.test(term.screen()), {
        what: 'the lab running',
        timeoutMs: 20_000,
      });
      pid = term.programPid();
      assert.ok(pid, 'the CLI pid');
    } finally {
      term.close();
    }
    const alive = (p: number) => {
      try {
        process.kill(p, 0);
        return !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z');
      } catch {
        return false;
      }
    };
    await waitFor(() => !alive(pid), { what: 'the CLI to exit after SIGHUP', timeoutMs: 30_000 });
    // The CLI deletes the queue before it exits; poll anyway so a slow broker reply is not a failure.
    await waitFor(async () => (await broker.management.queues(broker.vhost)).length === 0, {
      what: 'the hello queue it created to be gone',
    });
    await waitFor(
      async () =>
        (await broker.management.connectionNames()).filter((c) => c.vhost === broker.vhost)
          .length === 0,
      { what: 'no actor connection left' },
    );
  });

  test('colours per actor, and none at all with NO_COLOR', async () => {
    // Foreground colour codes: 30–37, 90–97 and 256/true-colour forms.
    const esc = String.fromCharCode(27);
    const colour = new RegExp(`${esc}\\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])(?:;[0-9;]*)?m`);
    const c1Row = new RegExp(`C1\\s*(?:${esc}\\[[0-9;]*m)*\\s*consumer`);
    for (const [env, expectColour] of [
      [{}, true],
      [{ NO_COLOR: '1' }, false],
    ] as const) {
      const term = openWith(env, 'hello');
      try {
        const screen = await waitFor(
          () => {
            const s = term.screen({ escapes: true });
            return c1Row.test(s) && s.includes('P1-1') ? s : undefined;
          },
          { what: 'the lab running', timeoutMs: 20_000 },
        );
        assert.equal(colour.test(screen), expectColour, `colour codes with ${JSON.stringify(env)}`);
        term.press('q');
        await waitFor(() => /exit code 0/.test(term.screen()), { what: 'exit', timeoutMs: 15_000 });
      } finally {
        term.close();
      }
    }
  });

  test('the picker opens the chosen scenario on a clean screen', async () => {
    // The URL (with its password) from the environment: no notice about ps above the lab.
    const term = new TerminalSession(
      [process.execPath, cliPath, '--management-url', broker.managementUrl],
      { env: { RABBIT_LAB_URL: broker.url } },
    );
    try {
      await waitFor(() => term.screen().includes('pick a scenario'), {
        what: 'the picker',
        timeoutMs: 20_000,
      });
      term.press('Down');
      await waitFor(() => /▶ Work queue/.test(term.screen()), { what: 'work queue selected' });
      term.press('Enter');
      const lab = await waitFor(
        () => (/C2\s+consumer\s+running/.test(term.screen()) ? term.screen() : undefined),
        { what: 'the work-queue lab', timeoutMs: 20_000 },
      );
      assert.match(
        lab.split('\n')[0] ?? '',
        /rabbit-lab · work-queue/,
        'the lab starts on the first row',
      );
      assert.ok(!lab.includes('pick a scenario'), 'nothing of the picker is left');
      term.press('q');
      await waitFor(() => /exit code 0/.test(term.screen()), { what: 'exit', timeoutMs: 15_000 });
    } finally {
      term.close();
    }
  });

  test('the picker: Down Down Enter in one send-keys opens the third scenario, fanout', async () => {
    const term = new TerminalSession([
      process.execPath,
      cliPath,
      '--url',
      broker.url,
      '--management-url',
      broker.managementUrl,
    ]);
    try {
      await waitFor(() => /▶ Hello queue/.test(term.screen()), {
        what: 'the picker',
        timeoutMs: 20_000,
      });
      // One send-keys: the keys reach the picker together, before it draws again.
      term.press('Down', 'Down', 'Enter');
      const lab = await waitFor(
        () => (/C1\s+consumer\s+running/.test(term.screen()) ? term.screen() : undefined),
        { what: 'the fanout lab', timeoutMs: 20_000 },
      ).catch((e: Error) => assert.fail(`${e.message}\n${term.screen()}`));
      // The header is the first row: nothing is written above the screen.
      assert.match(lab.split('\n')[0] ?? '', /rabbit-lab · fanout/);
      term.press('q');
      await waitFor(() => /exit code 0/.test(term.screen()), { what: 'exit', timeoutMs: 15_000 });
      // The password came in --url: said once the screen is gone.
      assert.match(
        term.screen(),
        /the password in --url can be read by every user of this machine/,
      );
    } finally {
      term.close();
    }
  });
});
