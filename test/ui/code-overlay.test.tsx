/**
 * `v`: the selected actor as a program for its current settings, on the lab screen. The program
 * text itself is tested in test/unit/code.test.ts and run against the broker in test/e2e/code.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../source/app.js';
import { keymap } from '../../source/ui/keymap.js';
import { waitFor } from '../support/broker.js';
import { FakeLab } from '../support/fake-lab.js';

afterEach(() => cleanup());

const down = '\u001B[B';
const pageDown = '\u001B[6~';
const esc = '\u001B';

type Ui = ReturnType<typeof render>;

function frameOf(ui: Ui): string {
  return ui.lastFrame() ?? '';
}

/** Wait for a frame that matches. */
async function see(ui: Ui, pattern: RegExp, what: string): Promise<string> {
  return waitFor(() => (pattern.test(frameOf(ui)) ? frameOf(ui) : undefined), {
    what,
    timeoutMs: 3000,
  }).catch((error: Error) => assert.fail(`${error.message}\n${frameOf(ui)}`));
}

/** Page down through the program until a line matches (the overlay scrolls, it does not wrap). */
async function scrollTo(ui: Ui, pattern: RegExp, what: string): Promise<string> {
  // Until the line shows or the last page is on screen (no "↓ n more").
  while (!pattern.test(frameOf(ui)) && /↓ \d+ more/.test(frameOf(ui))) {
    const before = frameOf(ui);
    ui.stdin.write(pageDown);
    await waitFor(() => frameOf(ui) !== before, { what: 'the next page', timeoutMs: 2000 });
  }
  return see(ui, pattern, what);
}

/** Back to the top: the overlay opens there again. */
async function reopen(ui: Ui): Promise<void> {
  ui.stdin.write('v');
  await see(ui, /▶C1|▶P1/, 'the lab screen');
  ui.stdin.write('v');
  await see(ui, /as code/, 'the code overlay');
}

describe('show me the code', () => {
  test('v shows the selected actor as TypeScript; t switches to Python and back; Esc closes', async () => {
    const lab = new FakeLab();
    lab.spawnLike('producer');
    lab.spawnLike('consumer');
    const ui = render(<App session={lab} />);
    await see(ui, /▶P1/, 'P1 selected');
    ui.stdin.write(down);
    await see(ui, /▶C1/, 'C1 selected');
    ui.stdin.write('v');
    const first = await see(ui, /C1 as code · TypeScript \(amqplib\) · lines 1–26 of \d+/, 'code');
    assert.match(first, /rabbit-lab · hello-queue · C1 \(consumer\), as it runs in the lab now\./);
    assert.match(first, /import amqp from 'amqplib';/);
    // A long program is cut at the screen's height and says what is below.
    assert.match(
      first,
      /↓ \d+ more · ↑↓ PgUp PgDn · t Python · \+ - \[ \] a change it · Esc closes/,
    );
    assert.ok(first.split('\n').length <= 29, 'fits in rows - 1');
    assert.ok(!first.includes('Queues'), 'the overlay takes the screen');
    // ↓ scrolls by a line.
    ui.stdin.write(down);
    await see(ui, /lines 2–27 of/, 'scrolled one line');
    const declared = await scrollTo(
      ui,
      /await channel\.assertQueue\('hello', \{/,
      'the declaration',
    );
    assert.match(declared, /'x-queue-type': 'quorum'/);
    await scrollTo(ui, /\{ noAck: true \},/, 'automatic ack');

    ui.stdin.write('t');
    const python = await see(ui, /C1 as code · Python \(pika\) · lines 1–/, 'python');
    assert.match(python, /import pika/);
    assert.match(python, /t TypeScript/);
    await scrollTo(ui, /auto_ack=True/, 'automatic ack in Python');
    ui.stdin.write('t');
    await see(ui, /C1 as code · TypeScript/, 'back to TypeScript');

    ui.stdin.write(esc);
    await see(ui, /▶C1/, 'the lab screen again');
    assert.ok(!frameOf(ui).includes('as code'));
    ui.unmount();
  });

  test('the program follows the settings: ] and a on a consumer, + on a producer, with it open', async () => {
    const lab = new FakeLab();
    lab.spawnLike('consumer');
    lab.spawnLike('producer');
    const ui = render(<App session={lab} />);
    await see(ui, /▶C1/, 'C1 selected');
    ui.stdin.write('v');
    await see(ui, /C1 as code/, 'code');
    await scrollTo(ui, /No prefetch limit \(prefetch 0\)/, 'no prefetch');
    // ] raises the prefetch while the code is open; the program now sets it.
    ui.stdin.write(']');
    await reopen(ui);
    await scrollTo(ui, /await channel\.prefetch\(1\);/, 'prefetch 1');
    assert.ok(lab.commands.includes('prefetch C1 1'));
    ui.stdin.write('a');
    await reopen(ui);
    const never = await scrollTo(ui, /\{ noAck: false \},/, 'manual consumer');
    assert.doesNotMatch(never, /channel\.ack\(msg\)/);
    await scrollTo(ui, /ack: never, the forgotten ack/, 'never ack');
    ui.stdin.write('a');
    await reopen(ui);
    await scrollTo(ui, /channel\.ack\(msg\);/, 'manual ack');

    ui.stdin.write('v');
    await see(ui, /▶C1/, 'closed');
    ui.stdin.write(down);
    await see(ui, /▶P1/, 'P1 selected');
    ui.stdin.write('v');
    await see(ui, /P1 as code/, 'P1 as code');
    await scrollTo(ui, /await sleep\(1000\); \/\/ 1 message a second/, 'rate 1');
    ui.stdin.write('+');
    await see(ui, /await sleep\(500\); \/\/ 2 messages a second/, 'rate 2 on the open overlay');
    // Keys that would change the screen do nothing while the code is open.
    ui.stdin.write('x');
    ui.stdin.write('?');
    await see(ui, /P1 as code/, 'still open');
    assert.ok(!lab.commands.some((c) => c.startsWith('kill')));
    ui.unmount();
  });

  test('at 80×24 the overlay fits: 23 lines, none wider than the terminal', async () => {
    const lab = new FakeLab();
    lab.spawnLike('producer');
    const ui = render(<App session={lab} />);
    Object.defineProperty(ui.stdout, 'columns', { value: 80 });
    Object.defineProperty(ui.stdout, 'rows', { value: 24 });
    ui.stdout.emit('resize');
    await see(ui, /▶P1/, 'P1 selected');
    ui.stdin.write('v');
    const frame = await see(ui, /P1 as code · TypeScript \(amqplib\) · lines 1–20 of/, 'code');
    const rows = frame.split('\n');
    assert.equal(rows.length, 23);
    for (const row of rows) assert.ok(row.length <= 80, row);
    ui.unmount();
  });

  test('v is in the key table, so the help overlay lists it', async () => {
    const v = keymap.find((b) => b.label === 'v');
    assert.ok(v, 'v is bound');
    const ui = render(<App session={new FakeLab()} />);
    ui.stdin.write('?');
    await see(ui, /v {6}Show the selected actor as a program/, 'v in the help');
    ui.unmount();
  });
});
