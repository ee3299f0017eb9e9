/**
 * Keys that arrive back to back (written without waiting for a frame, or in one chunk as a
 * terminal delivers fast typing and tmux send-keys) act on the state the keys before them made.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../source/app.js';
import { waitFor } from '../support/broker.js';
import { FakeLab } from '../support/fake-lab.js';

afterEach(() => cleanup());

const down = '\u001B[B';
const esc = '\u001B';
const erase = '\u007F';

type Ui = ReturnType<typeof render>;

function frameOf(ui: Ui): string {
  return ui.lastFrame() ?? '';
}

async function see(ui: Ui, pattern: RegExp, what: string): Promise<string> {
  return waitFor(() => (pattern.test(frameOf(ui)) ? frameOf(ui) : undefined), {
    what,
    timeoutMs: 3000,
  }).catch((error: Error) => assert.fail(`${error.message}\n${frameOf(ui)}`));
}

/** Ink waits for the next turn of the event loop before it takes a lone Esc as the Esc key. */
function escapeFlushed(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** P1, C1 and C2, all running. */
function lab3(): FakeLab {
  const lab = new FakeLab();
  lab.spawnLike('producer');
  lab.spawnLike('consumer');
  lab.spawnLike('consumer');
  for (const id of ['P1', 'C1', 'C2']) {
    lab.dispatch({ type: 'actor', id, message: { type: 'ready' }, at: 1 });
  }
  return lab;
}

describe('keys back to back on the lab screen', () => {
  test('↓ ↓ x written without waiting kill C2, the actor the moves reached', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await see(ui, /▶P1/, 'P1 selected');
    ui.stdin.write(down);
    ui.stdin.write(down);
    ui.stdin.write('x');
    await see(ui, /C2\s+consumer\s+killed/, 'C2 killed');
    assert.match(frameOf(ui), /▶C2/);
    assert.deepEqual(lab.commands.slice(3), ['kill C2']);
  });

  test('↓ ↓ x in one chunk kill C2; ↑ X in the next stop C1', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await see(ui, /▶P1/, 'P1 selected');
    ui.stdin.write(`${down}${down}x`);
    ui.stdin.write('\u001B[AX');
    await see(ui, /C1\s+consumer\s+stopping/, 'C1 stopping');
    assert.deepEqual(lab.commands.slice(3), ['kill C2', 'stop C1']);
  });

  test('? then Esc: the help opens and Esc closes it', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await see(ui, /▶P1/, 'the lab screen');
    ui.stdin.write('?');
    ui.stdin.write(esc);
    // A lone Esc is told from the start of an escape sequence when nothing follows it at once.
    await escapeFlushed();
    // ↓ shows on the lab screen only: the help is closed.
    ui.stdin.write(down);
    await see(ui, /▶C1/, 'the lab screen again, C1 selected');
    ui.stdin.write('?');
    await see(ui, /Press \? or Esc to close\./, 'the help');
    ui.stdin.write(esc);
    await see(ui, /Message flow/, 'the help closed by Esc');
    assert.doesNotMatch(frameOf(ui), /Press \? or Esc/);
  });

  test('m, a key and Enter in one chunk show the verdict; keys typed in the prompt stay in it; Esc closes', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await see(ui, /▶P1/, 'the lab screen');
    // x typed right after m belongs to the prompt: it kills nothing.
    ui.stdin.write('m');
    ui.stdin.write('x');
    ui.stdin.write(esc);
    await escapeFlushed();
    await see(ui, /\? help/, 'the prompt cancelled');
    assert.ok(!lab.commands.some((c) => c.startsWith('kill')), lab.commands.join(', '));
    ui.stdin.write(`m${erase.repeat(5)}other\r`);
    await see(ui, /Routing key 'other': \d+ of \d+ binding/, 'the verdict');
    ui.stdin.write(esc);
    await see(ui, /Message flow/, 'the tester closed');
    assert.ok(!lab.commands.some((c) => c.startsWith('kill')), lab.commands.join(', '));
  });

  test('↓ v t written without waiting show C1 in Python; Esc closes the code', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await see(ui, /▶P1/, 'P1 selected');
    ui.stdin.write(down);
    ui.stdin.write('v');
    ui.stdin.write('t');
    await see(ui, /C1 as code · Python \(pika\)/, 'C1 as Python');
    ui.stdin.write(esc);
    await see(ui, /▶C1/, 'the lab screen again');
    assert.doesNotMatch(frameOf(ui), /as code/);
  });

  test('s, the routing key, Enter, the body and Enter in one chunk send that message', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await see(ui, /▶P1/, 'the lab screen');
    ui.stdin.write(`s${erase.repeat(5)}kern.info\r!\r`);
    await waitFor(() => lab.commands.includes('send P1 kern.info Sent by hand from rabbit-lab!'), {
      what: 'sent',
    }).catch((error: Error) => assert.fail(`${error.message}\n${lab.commands.join('\n')}`));
    await see(ui, /\? help/, 'the hint bar back');
    assert.deepEqual(lab.commands.slice(3), ['send P1 kern.info Sent by hand from rabbit-lab!']);
  });

  test('s Enter ! Enter written without waiting send the default key and body', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await see(ui, /▶P1/, 'the lab screen');
    for (const key of ['s', '\r', '!', '\r']) ui.stdin.write(key);
    await waitFor(() => lab.commands.includes('send P1 hello Sent by hand from rabbit-lab!'), {
      what: 'sent',
    }).catch((error: Error) => assert.fail(`${error.message}\n${lab.commands.join('\n')}`));
    assert.deepEqual(lab.commands.slice(3), ['send P1 hello Sent by hand from rabbit-lab!']);
  });

  test('Esc closes every overlay: help, binding tester, prompt, code', async () => {
    const lab = lab3();
    const ui = render(<App session={lab} />);
    await see(ui, /▶P1/, 'the lab screen');
    const opens: [string, RegExp][] = [
      ['?', /Show or hide this help/],
      ['m\r', /Routing key 'hello'/],
      ['s', /Send one message from P1: routing key/],
      ['v', /P1 as code/],
    ];
    for (const [keys, overlay] of opens) {
      ui.stdin.write(keys);
      await see(ui, overlay, `the overlay of ${JSON.stringify(keys)}`);
      ui.stdin.write(esc);
      await see(ui, /Message flow[\s\S]*\? help/, `closed after ${JSON.stringify(keys)}`);
      assert.doesNotMatch(frameOf(ui), overlay);
    }
    assert.deepEqual(lab.commands.slice(3), []);
  });
});

describe('node keys on a private cluster', () => {
  function clusterLab(): FakeLab {
    const lab = lab3();
    lab.dispatch({
      type: 'cluster',
      nodes: [1, 2, 3].map((n) => ({
        number: n,
        nodeName: `rabbit-lab-1-abc-${n}@localhost`,
        amqpPort: 5671 + n,
        status: 'up' as const,
      })),
    });
    return lab;
  }

  test("9, f, f, u act on the node leading the selected actor's queue; the nodes pane shows it", async () => {
    const lab = clusterLab();
    const ui = render(<App session={lab} />);
    await see(ui, /Nodes[\s\S]*node 1\s+up[\s\S]*node 3\s+up/, 'the nodes pane');
    ui.stdin.write(down); // C1, on queue hello
    ui.stdin.write('9');
    await see(ui, /node 1\s+down/, 'node 1 down');
    ui.stdin.write('u');
    await see(ui, /node 1\s+up/, 'node 1 up again');
    ui.stdin.write('f');
    await see(ui, /node 1\s+frozen/, 'node 1 frozen');
    ui.stdin.write('f');
    await see(ui, /node 1\s+up/, 'node 1 thawed');
    assert.deepEqual(lab.commands.slice(3), [
      'node kill hello',
      'node start hello',
      'node freeze hello',
      'node thaw hello',
    ]);
  });

  test('without a cluster there is no nodes pane', async () => {
    const ui = render(<App session={lab3()} />);
    await see(ui, /▶P1/, 'the lab screen');
    assert.doesNotMatch(frameOf(ui), /Nodes/);
  });
});
