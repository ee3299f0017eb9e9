import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { keyPresses, singleKeys, textPress } from '../../source/ui/key-presses.js';
import { pickerActions } from '../../source/ui/picker.js';
import { initialPickerState } from '../../source/ui/picker-state.js';
import {
  initialScreenState,
  reduceScreen,
  type ScreenAction,
  type ScreenState,
} from '../../source/ui/screen-state.js';

/** What a press is, in short: its text, or the key flag set. */
function describePress(press: ReturnType<typeof keyPresses>[number]): string {
  const flags = Object.entries(press.key)
    .filter(([name, on]) => on === true && name !== 'shift')
    .map(([name]) => name);
  return flags.length > 0
    ? `${flags.join('+')}${press.input ? `:${press.input}` : ''}`
    : press.input;
}

const plain = textPress('').key;

describe('key presses from one input', () => {
  test('control characters are presses of their own, the text between them runs', () => {
    const presses = keyPresses('kern.info\r!\u007F\tx\u0003', plain);
    assert.deepEqual(presses.map(describePress), [
      'kern.info',
      'return',
      '!',
      'delete',
      'tab',
      'x',
      'ctrl:c',
    ]);
  });

  test('an input Ink parsed as one key comes back as it is', () => {
    const arrow = { ...plain, downArrow: true };
    assert.deepEqual(keyPresses('', arrow), [{ input: '', key: arrow }]);
    assert.deepEqual(keyPresses('j', plain), [{ input: 'j', key: plain }]);
    const meta = { ...plain, meta: true };
    assert.deepEqual(keyPresses('ab', meta), [{ input: 'ab', key: meta }]);
  });

  test('singleKeys splits the runs too; a lone capital has shift set', () => {
    const presses = singleKeys('+X\r', plain);
    assert.deepEqual(presses.map(describePress), ['+', 'X', 'return']);
    assert.equal(presses[1]?.key.shift, true);
  });
});

describe('picker presses', () => {
  test('with an empty filter a run of j and k is moves, q quits; other text filters', () => {
    assert.deepEqual(pickerActions(initialPickerState, 'jjk', plain), [
      { type: 'move', by: 1 },
      { type: 'move', by: 1 },
      { type: 'move', by: -1 },
    ]);
    assert.deepEqual(pickerActions(initialPickerState, 'q', plain), [{ type: 'quit' }]);
    assert.deepEqual(pickerActions(initialPickerState, 'jq', plain), [
      { type: 'type', text: 'jq' },
    ]);
    const typed = { ...initialPickerState, filter: 'fan' };
    assert.deepEqual(pickerActions(typed, 'j', plain), [{ type: 'type', text: 'j' }]);
    assert.deepEqual(pickerActions(typed, 'q', plain), [{ type: 'type', text: 'q' }]);
  });
});

describe('lab screen state', () => {
  const run = (...actions: ScreenAction[]): ScreenState =>
    actions.reduce(reduceScreen, initialScreenState);
  const prompt = (purpose: { kind: 'test' } | { kind: 'send-key'; id: string }) => ({
    type: 'prompt' as const,
    prompt: { label: 'question', value: 'ab', purpose },
  });

  test('a prompt opened over the binding tester goes back to it on Esc; Esc then closes it', () => {
    const tester = run(prompt({ kind: 'test' }), { type: 'type', text: 'c' }, { type: 'submit' });
    assert.deepEqual(tester.mode, { kind: 'tester', routingKey: 'abc' });
    const asked = reduceScreen(tester, prompt({ kind: 'test' }));
    assert.equal(asked.mode.kind, 'prompt');
    const back = reduceScreen(asked, { type: 'close' });
    assert.deepEqual(back.mode, tester.mode);
    assert.deepEqual(reduceScreen(back, { type: 'close' }).mode, { kind: 'main' });
  });

  test('the routing key answered leads to the body question; help and code close with Esc', () => {
    const body = run(prompt({ kind: 'send-key', id: 'P1' }), { type: 'erase' }, { type: 'submit' });
    assert.equal(
      body.mode.kind === 'prompt' && body.mode.prompt.label,
      "Send one message from P1 with key 'a': body",
    );
    for (const open of [{ type: 'toggle-help' }, { type: 'show-code', id: 'C1' }] as const) {
      assert.deepEqual(run(open, { type: 'close' }).mode, { kind: 'main' });
    }
  });

  test('once quitting, nothing changes the screen', () => {
    const quitting = run({ type: 'quit', lines: ['stopping 0 actors'] });
    assert.equal(reduceScreen(quitting, { type: 'toggle-help' }), quitting);
    assert.equal(reduceScreen(quitting, { type: 'select', id: 'C1' }), quitting);
  });
});
