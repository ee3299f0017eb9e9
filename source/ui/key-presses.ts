/**
 * Ink hands a handler everything between two escape sequences as one input: keys typed faster
 * than they are read ("jj"), or written at once (tmux send-keys, a paste), arrive as one string,
 * control characters included ("kern.info\r"). These split such an input back into presses.
 */
import type { Key } from 'ink';

export interface KeyPress {
  readonly input: string;
  readonly key: Key;
}

const noKey: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** The press one control character makes, as Ink reports it when it arrives alone. */
function controlPress(char: string): KeyPress {
  if (char === '\r' || char === '\n') return { input: '', key: { ...noKey, return: true } };
  if (char === '\t') return { input: '', key: { ...noKey, tab: true } };
  if (char === '\b') return { input: '', key: { ...noKey, backspace: true } };
  if (char === '\u007F') return { input: '', key: { ...noKey, delete: true } };
  // Ctrl-letter: Ink passes the letter with ctrl set.
  const letter = String.fromCharCode(char.charCodeAt(0) + 96);
  return { input: letter, key: { ...noKey, ctrl: true } };
}

const isControl = (char: string) => char < ' ' || char === '\u007F';

/**
 * One input as presses: each control character on its own, the printable text between them as
 * runs (a screen decides whether a run is typed text or one key per character). An input Ink
 * already parsed as one key (an arrow, Esc, Ctrl-C, a single character) comes back unchanged.
 */
export function keyPresses(input: string, key: Key): KeyPress[] {
  if (input.length <= 1 || key.ctrl || key.meta) return [{ input, key }];
  const presses: KeyPress[] = [];
  let run = '';
  for (const char of input) {
    if (!isControl(char)) {
      run += char;
      continue;
    }
    if (run) presses.push(textPress(run));
    run = '';
    presses.push(controlPress(char));
  }
  if (run) presses.push(textPress(run));
  return presses;
}

/** Typed text; a single capital letter has shift set, as Ink sets it. */
export function textPress(text: string): KeyPress {
  return { input: text, key: { ...noKey, shift: text.length === 1 && /[A-Z]/.test(text) } };
}

/** Every character of the input as its own press: where each key counts ("+++", "jx"). */
export function singleKeys(input: string, key: Key): KeyPress[] {
  return keyPresses(input, key).flatMap((press) =>
    press.input.length > 1 && !press.key.ctrl && !press.key.meta
      ? [...press.input].map(textPress)
      : [press],
  );
}
