import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { emptyCounts } from '../../source/actors/protocol.js';
import { App } from '../../source/app.js';
import { keymap } from '../../source/ui/keymap.js';
import { waitFor } from '../support/broker.js';
import { FakeLab } from '../support/fake-lab.js';

// A failed test must not leave a mounted app (its timers) keeping the file alive.
afterEach(() => cleanup());

function frameOf(instance: ReturnType<typeof render>): string {
  return instance.lastFrame() ?? '';
}

describe('lab screen', () => {
  test('shows the queue with the broker counters and the sample age', async () => {
    const lab = new FakeLab();
    const ui = render(<App session={lab} />);
    lab.dispatch({
      type: 'poll',
      at: 20,
      result: {
        sampledAt: Date.now(),
        queues: [{ name: 'hello', messagesReady: 12, messagesUnacknowledged: 2, consumers: 1 }],
      },
    });
    const frame = await waitFor(
      () => (/hello\s+12\s+2\s+1/.test(frameOf(ui)) ? frameOf(ui) : undefined),
      {
        what: 'queue row',
      },
    );
    assert.match(frame, /Queues · live · \d\.\d s ago/);
    assert.match(frame, /RabbitMQ 3\.10\.8 · private node · amqp:\/\/guest:\*\*\*@localhost:5672/);
    ui.unmount();
  });

  test('an unreachable management API is shown, not hidden', async () => {
    const lab = new FakeLab();
    const ui = render(<App session={lab} />);
    lab.dispatch({
      type: 'poll',
      at: 20,
      result: { queues: [], error: 'Cannot reach the management API' },
    });
    await waitFor(() => frameOf(ui).includes('unavailable: Cannot reach the management API'), {
      what: 'unavailable notice',
    });
    ui.unmount();
  });

  test('c adds a consumer, p a producer', async () => {
    const lab = new FakeLab();
    const ui = render(<App session={lab} />);
    assert.ok(frameOf(ui).includes('(none: press p or c)'));
    ui.stdin.write('c');
    await waitFor(() => /C1\s+consumer\s+starting/.test(frameOf(ui)), { what: 'C1 row' });
    ui.stdin.write('p');
    await waitFor(() => /P1\s+producer\s+starting/.test(frameOf(ui)), { what: 'P1 row' });
    assert.deepEqual(lab.commands, ['spawn consumer', 'spawn producer']);
    ui.unmount();
  });

  test('the flow log shows each message path, id and outcome', async () => {
    const lab = new FakeLab();
    lab.spawnLike('producer');
    lab.spawnLike('consumer');
    const ui = render(<App session={lab} />);
    lab.dispatch({
      type: 'actor',
      id: 'C1',
      at: 1,
      message: {
        type: 'batch',
        counts: { ...emptyCounts(), received: 1 },
        runs: [['P1', 7, 7]],
        redeliveredRuns: [],
        droppedRuns: [],
        keys: [],
        samples: [
          {
            messageId: 'P1-7',
            producer: 'P1',
            exchange: '',
            routingKey: 'hello',
            queue: 'hello',
            consumer: 'C1',
            redelivered: false,
            outcome: 'auto-ack',
            latencyMs: 3,
            at: 1,
          },
        ],
      },
    });
    await waitFor(() => frameOf(ui).includes('P1 ─▶ hello ─▶ C1  P1-7  ✓ auto-ack 3 ms'), {
      what: 'flow line',
      timeoutMs: 2000,
    }).catch((error: Error) => assert.fail(`${error.message}\n${frameOf(ui)}`));
    assert.match(frameOf(ui), /C1\s+consumer\s+starting\s+← hello .* got 1/);
    ui.unmount();
  });

  test('the hint bar lists the hinted keys of the table; ? shows every key with its help', async () => {
    const lab = new FakeLab();
    const ui = render(<App session={lab} />);
    for (const b of keymap.filter((k) => k.hint)) {
      assert.ok(frameOf(ui).includes(`${b.label} ${b.description}`), b.label);
    }
    assert.ok(!frameOf(ui).includes('Cycle the selected consumer'));
    ui.stdin.write('?');
    await waitFor(() => frameOf(ui).includes('Keys'), { what: 'help overlay' });
    for (const b of keymap) assert.ok(frameOf(ui).includes(b.help.slice(0, 40)), b.label);
    assert.ok(frameOf(ui).includes('Press ? or Esc to close.'));
    ui.stdin.write('?');
    await waitFor(() => !frameOf(ui).includes('Press ? or Esc to close.'), { what: 'help closed' });
    ui.unmount();
  });

  test('a key added to the table appears in the hint bar and dispatches', async () => {
    const lab = new FakeLab();
    let pressed = 0;
    const extra = [
      ...keymap,
      {
        label: 'z',
        description: 'zap',
        help: 'Zap everything.',
        hint: true,
        matches: (input: string) => input === 'z',
        run: () => {
          pressed++;
        },
      },
    ];
    const ui = render(<App session={lab} bindings={extra} />);
    assert.ok(frameOf(ui).includes('z zap'));
    ui.stdin.write('z');
    await waitFor(() => pressed === 1, { what: 'z handler' });
    ui.stdin.write('?');
    await waitFor(() => frameOf(ui).includes('z      Zap everything.'), {
      what: 'z in the help overlay',
    });
    ui.unmount();
  });

  test('q shows what is cleaned up and shuts the session down', async () => {
    const lab = new FakeLab();
    lab.spawnLike('consumer');
    let brokerStopped = false;
    const ui = render(
      <App
        session={lab}
        afterShutdown={{
          label: 'stopping the private RabbitMQ node',
          run: async () => {
            brokerStopped = true;
          },
        }}
      />,
    );
    ui.stdin.write('q');
    // The app exits right after cleanup; look through every frame, not just the last.
    const frame = await waitFor(() => ui.frames.find((f) => f.includes('Cleaning up')), {
      what: 'cleanup screen',
    });
    assert.ok(frame.includes('stopping 1 actor'));
    assert.ok(frame.includes('deleting queue hello'));
    assert.ok(frame.includes('stopping the private RabbitMQ node'));
    await waitFor(() => brokerStopped, { what: 'broker stop' });
    assert.deepEqual(lab.commands, ['spawn consumer', 'shutdown']);
  });
});

describe('actor keys act on the selected actor', () => {
  function lab3() {
    const lab = new FakeLab();
    lab.spawnLike('producer');
    lab.spawnLike('consumer');
    lab.spawnLike('consumer');
    for (const id of ['P1', 'C1', 'C2']) {
      lab.dispatch({ type: 'actor', id, message: { type: 'ready' }, at: 1 });
    }
    return lab;
  }

  test('the first live actor is selected; ↓ and tab move, ↑ moves back', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await waitFor(() => /▶P1/.test(frameOf(ui)), { what: 'P1 selected' });
    ui.stdin.write('\u001B[B');
    await waitFor(() => /▶C1/.test(frameOf(ui)), { what: 'C1 selected' });
    ui.stdin.write('\t');
    await waitFor(() => /▶C2/.test(frameOf(ui)), { what: 'C2 selected' });
    ui.stdin.write('\u001B[A');
    await waitFor(() => /▶C1/.test(frameOf(ui)), { what: 'back to C1' });
    ui.unmount();
  });

  test('x kills the selected actor, X stops it', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    ui.stdin.write('\u001B[B');
    await waitFor(() => /▶C1/.test(frameOf(ui)), { what: 'C1 selected' });
    ui.stdin.write('x');
    await waitFor(() => /C1\s+consumer\s+killed/.test(frameOf(ui)), { what: 'C1 killed' });
    ui.stdin.write('\u001B[B');
    await waitFor(() => /▶C2/.test(frameOf(ui)), { what: 'C2 selected' });
    ui.stdin.write('X');
    await waitFor(() => /C2\s+consumer\s+stopping/.test(frameOf(ui)), { what: 'C2 stopping' });
    assert.deepEqual(lab.commands.slice(-2), ['kill C1', 'stop C2']);
    ui.unmount();
  });

  test('a killed worker’s unacked messages show as requeued, no longer held', async () => {
    const lab = lab3();
    const c1 = lab.state.actors.find((a) => a.id === 'C1')?.config;
    assert.ok(c1?.kind === 'consumer');
    lab.dispatch({ type: 'configured', config: { ...c1, ack: 'manual', prefetch: 5 } });
    lab.dispatch({
      type: 'actor',
      id: 'C1',
      at: 2,
      message: {
        type: 'batch',
        counts: { ...emptyCounts(), received: 5, acked: 2 },
        runs: [],
        redeliveredRuns: [],
        droppedRuns: [],
        keys: [],
        samples: [],
      },
    });
    const ui = render(<App session={lab} />);
    await waitFor(() => /C1\s+consumer\s+running.*got 5 {2}holding 3/.test(frameOf(ui)), {
      what: 'C1 holding 3',
    });
    ui.stdin.write('\u001B[B');
    await waitFor(() => /▶C1/.test(frameOf(ui)), { what: 'C1 selected' });
    ui.stdin.write('x');
    await waitFor(() => /C1\s+consumer\s+killed.*got 5 {2}requeued 3/.test(frameOf(ui)), {
      what: 'C1 killed, its 3 unacked requeued',
    });
    ui.unmount();
  });

  test('space pauses a producer and +/- change its rate', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await waitFor(() => /▶P1\s+producer\s+running.*target 1\/s/.test(frameOf(ui)), {
      what: 'P1 at 1/s',
    });
    ui.stdin.write(' ');
    await waitFor(() => /P1\s+producer\s+paused/.test(frameOf(ui)), { what: 'P1 paused' });
    ui.stdin.write(' ');
    await waitFor(() => /P1\s+producer\s+running/.test(frameOf(ui)), { what: 'P1 resumed' });
    ui.stdin.write('+');
    await waitFor(() => /target 2\/s/.test(frameOf(ui)), { what: 'rate 2' });
    ui.stdin.write('-');
    await waitFor(() => /target 1\/s/.test(frameOf(ui)), { what: 'rate 1' });
    ui.unmount();
  });

  test('K closes the selected actor’s connection: it shows reconnecting, then running again', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    ui.stdin.write('\u001B[B');
    await waitFor(() => /▶C1\s+consumer\s+running/.test(frameOf(ui)), { what: 'C1 selected' });
    ui.stdin.write('K');
    await waitFor(() => /C1\s+consumer\s+reconnecting/.test(frameOf(ui)), {
      what: 'C1 reconnecting',
    });
    assert.match(
      frameOf(ui),
      /attempt 1 in 0\.4 s · Closed via management plugin \(320 CONNECTION_FORCED\)/,
    );
    assert.match(frameOf(ui), /P1\s+producer\s+running/, 'only the selected actor');
    lab.dispatch({ type: 'actor', id: 'C1', message: { type: 'ready' }, at: 2 });
    await waitFor(() => /C1\s+consumer\s+running/.test(frameOf(ui)), { what: 'C1 back' });
    assert.doesNotMatch(frameOf(ui), /attempt 1/, 'the reason goes once it is back');
    assert.deepEqual(lab.commands.slice(-1), ['close connection C1']);
    ui.unmount();
  });

  test('R restarts the broker: every actor shows reconnecting and the screen says why', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await waitFor(() => /▶P1\s+producer\s+running/.test(frameOf(ui)), { what: 'running' });
    ui.stdin.write('R');
    await waitFor(
      () =>
        ['P1', 'C1', 'C2'].every((id) =>
          new RegExp(`${id}\\s+\\w+\\s+reconnecting`).test(frameOf(ui)),
        ),
      { what: 'all reconnecting' },
    );
    assert.match(frameOf(ui), /Restarting the broker \(rabbitmqctl stop_app, start_app\)/);
    assert.deepEqual(lab.commands.slice(-1), ['restart broker']);
    ui.unmount();
  });

  test('[ and ] change prefetch, a cycles the ack mode, n plays the next tour step', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    ui.stdin.write('\u001B[B');
    await waitFor(() => /▶C1.*prefetch ∞\s+auto ack/.test(frameOf(ui)), { what: 'C1 selected' });
    ui.stdin.write(']');
    await waitFor(() => /▶C1.*prefetch 1 /.test(frameOf(ui)), { what: 'prefetch 1' });
    ui.stdin.write('a');
    await waitFor(() => /▶C1.*never ack/.test(frameOf(ui)), { what: 'ack never' });
    ui.stdin.write('n');
    await waitFor(() => frameOf(ui).includes('Step one of the tour.'), { what: 'tour step' });
    ui.unmount();
  });
});

describe('prompts', () => {
  test('in a routing scenario c asks for binding keys, offering the scenario’s', async () => {
    const lab = new FakeLab();
    lab.routing = {
      exchange: 'direct_logs',
      type: 'direct',
      keys: ['info', 'warning', 'error'],
      suggested: ['error'],
    };
    const ui = render(<App session={lab} />);
    ui.stdin.write('c');
    await waitFor(() => frameOf(ui).includes('keys in use: info warning error): error'), {
      what: 'the prompt',
    });
    for (let i = 0; i < 5; i++) ui.stdin.write('\u007F');
    ui.stdin.write('warning');
    await waitFor(() => frameOf(ui).includes('): warning'), { what: 'typed keys' });
    ui.stdin.write('\r');
    await waitFor(() => lab.commands.includes('spawn consumer bound to warning'), {
      what: 'spawned',
    });
    await waitFor(() => /C1\s+consumer/.test(frameOf(ui)), { what: 'C1 row' });
    ui.unmount();
  });

  test('in a stream scenario c asks where the new reader starts; Esc asks nothing', async () => {
    const lab = new FakeLab();
    lab.stream = { queue: 'events', suggested: 'first' };
    const ui = render(<App session={lab} />);
    ui.stdin.write('c');
    await waitFor(() => frameOf(ui).includes('an ISO time or an interval (10m): first'), {
      what: 'the offset prompt',
    });
    for (let i = 0; i < 5; i++) ui.stdin.write('\u007F');
    ui.stdin.write('10m');
    await waitFor(() => frameOf(ui).includes('(10m): 10m'), { what: 'the typed offset' });
    ui.stdin.write('\r');
    await waitFor(() => lab.commands.includes('spawn stream reader at 10m'), { what: 'spawned' });
    ui.stdin.write('c');
    await waitFor(() => frameOf(ui).includes('(10m): first'), { what: 'the prompt again' });
    ui.stdin.write('\u001B');
    await waitFor(() => !frameOf(ui).includes('(10m): first'), { what: 'the prompt closed' });
    assert.equal(lab.commands.filter((c) => c.startsWith('spawn stream reader')).length, 1);
    ui.unmount();
  });

  test('s asks for a routing key, then a body, and sends; Esc cancels', async () => {
    const lab = new FakeLab();
    lab.spawnLike('producer');
    lab.dispatch({ type: 'actor', id: 'P1', message: { type: 'ready' }, at: 1 });
    const ui = render(<App session={lab} />);
    ui.stdin.write('s');
    await waitFor(() => frameOf(ui).includes('Send one message from P1: routing key: hello'), {
      what: 'key prompt',
    });
    ui.stdin.write('\r');
    await waitFor(() => frameOf(ui).includes("with key 'hello': body: Sent by hand"), {
      what: 'body prompt',
    });
    ui.stdin.write('!');
    ui.stdin.write('\r');
    await waitFor(() => lab.commands.includes('send P1 hello Sent by hand from rabbit-lab!'), {
      what: 'sent',
    });
    ui.stdin.write('s');
    await waitFor(() => frameOf(ui).includes('routing key'), { what: 'prompt again' });
    ui.stdin.write('\u001B');
    await waitFor(() => frameOf(ui).includes('? help'), {
      what: 'cancelled: the hint bar is back',
    });
    assert.equal(lab.commands.filter((c) => c.startsWith('send')).length, 1);
    ui.unmount();
  });
});

describe('binding tester', () => {
  test('m tests a routing key against every binding and says why; Esc closes it', async () => {
    const lab = new FakeLab();
    lab.state = {
      ...lab.state,
      scenario: { ...lab.state.scenario, exchanges: [{ name: 'topic_logs', type: 'topic' }] },
    };
    const bound: [string, string[]][] = [
      ['C1', ['*.critical']],
      ['C2', ['kern.*']],
      ['C3', ['#']],
    ];
    for (const [id, keys] of bound) {
      lab.dispatch({
        type: 'spawned',
        config: {
          kind: 'consumer',
          id,
          bind: { exchange: 'topic_logs', keys },
          prefetch: 0,
          ack: 'auto',
          workMs: 0,
          workPerDotMs: 0,
          nackEvery: 0,
          requeue: false,
        },
      });
      lab.dispatch({
        type: 'actor',
        id,
        message: { type: 'ready', queue: `amq.gen-${id}` },
        at: 1,
      });
    }
    const ui = render(<App session={lab} />);
    ui.stdin.write('m');
    await waitFor(() => frameOf(ui).includes('Routing key to test against the bindings'), {
      what: 'the prompt',
    });
    for (const ch of 'cron.critical') ui.stdin.write(ch);
    ui.stdin.write('\r');
    await waitFor(
      () => frameOf(ui).includes("Routing key 'cron.critical': 2 of 3 bindings match"),
      {
        what: 'the verdicts',
      },
    );
    const frame = frameOf(ui);
    assert.match(
      frame,
      /✓ C1 topic_logs\[\*\.critical\] \*\.critical: \* takes 'cron' · critical = critical/,
    );
    assert.match(frame, /✗ C2 topic_logs\[kern\.\*\] kern\.\*: 'kern' ≠ 'cron'/);
    assert.match(frame, /✓ C3 topic_logs\[#\] #: # takes 'cron\.critical'/);
    assert.doesNotMatch(frame, /Message flow/, 'the tester takes the place of the lower panes');
    ui.stdin.write('\u001B');
    await waitFor(() => frameOf(ui).includes('Message flow'), { what: 'closed' });
    ui.unmount();
  });
});

describe('typing fast', () => {
  test('keys that arrive together each count', async () => {
    const lab = new FakeLab();
    lab.spawnLike('producer');
    lab.dispatch({ type: 'actor', id: 'P1', message: { type: 'ready' }, at: 1 });
    const ui = render(<App session={lab} />);
    ui.stdin.write('++');
    await waitFor(() => /target 4\/s/.test(frameOf(ui)), { what: 'two rate steps' });
    assert.deepEqual(lab.commands.slice(-2), ['rate P1 1', 'rate P1 1']);
    ui.unmount();
  });
});

describe('sparklines', () => {
  test('each queue’s ready count over the last minute, beside its counters', async () => {
    const lab = new FakeLab();
    const ui = render(<App session={lab} />);
    const now = Date.now();
    for (let i = 0; i <= 40; i++) {
      lab.dispatch({
        type: 'poll',
        at: now - 40_000 + i * 1000,
        result: {
          sampledAt: now,
          queues: [{ name: 'hello', messagesReady: i, messagesUnacknowledged: 0, consumers: 1 }],
        },
      });
    }
    const frame = await waitFor(
      () => (/hello\s+40\s+0\s+1.*[▁▂▃▄▅▆▇█]{5,}/.test(frameOf(ui)) ? frameOf(ui) : undefined),
      { what: 'a rising sparkline on the queue row' },
    );
    assert.match(frame, /out\/s {2}p50\/95\/99 ms +ready, 1 min/);
    // Rising: no block lower than the one before it, the last the highest.
    const line = /hello .*?([▁▂▃▄▅▆▇█]+)/.exec(frame)?.[1] ?? '';
    const levels = [...line].map((c) => '▁▂▃▄▅▆▇█'.indexOf(c));
    assert.ok(
      line.endsWith('█') && levels.every((v, i) => i === 0 || v >= (levels[i - 1] ?? 0)),
      line,
    );
    ui.unmount();
  });
});
