/**
 * The lab screen's own state (what is open, which actor is selected) and what each action does
 * to it: pure, so keys that arrive together can be applied one after the other before anything
 * renders. Session commands are not here; lab-keys.ts runs them with the state after each key.
 */
import type { Language } from '../code/generate.js';

/** What the lower panes show: the actors and the flow log, or the binding tester's verdicts. */
export type BaseMode =
  | { readonly kind: 'main' }
  | { readonly kind: 'tester'; readonly routingKey: string };

/** What a prompt's answer is for. */
export type PromptPurpose =
  | { readonly kind: 'bind' }
  | { readonly kind: 'stream-offset' }
  | { readonly kind: 'test' }
  | { readonly kind: 'send-key'; readonly id: string }
  | { readonly kind: 'send-body'; readonly id: string; readonly routingKey: string };

/** An inline question in place of the hint bar. */
export interface Prompt {
  readonly label: string;
  readonly value: string;
  readonly purpose: PromptPurpose;
}

/** An overlay remembers the base it opened over, and Esc goes back to it. */
export type Mode =
  | BaseMode
  | { readonly kind: 'help'; readonly base: BaseMode }
  | { readonly kind: 'prompt'; readonly prompt: Prompt; readonly base: BaseMode }
  | {
      readonly kind: 'code';
      readonly id: string;
      readonly language: Language;
      /** First line shown, within the program (the key handler clamps it). */
      readonly offset: number;
      readonly base: BaseMode;
    }
  | { readonly kind: 'quitting'; readonly lines: readonly string[] };

export interface ScreenState {
  readonly mode: Mode;
  /** The selected actor; undefined selects the first live one. */
  readonly selectedId: string | undefined;
}

export type ScreenAction =
  | { readonly type: 'select'; readonly id: string | undefined }
  | { readonly type: 'toggle-help' }
  /** Esc: close what is on top. */
  | { readonly type: 'close' }
  | { readonly type: 'prompt'; readonly prompt: Prompt }
  | { readonly type: 'type'; readonly text: string }
  | { readonly type: 'erase' }
  | { readonly type: 'submit' }
  | { readonly type: 'show-code'; readonly id: string }
  | { readonly type: 'switch-language' }
  | { readonly type: 'scroll-code'; readonly offset: number }
  | { readonly type: 'quit'; readonly lines: readonly string[] };

export const initialScreenState: ScreenState = { mode: { kind: 'main' }, selectedId: undefined };

const main: BaseMode = { kind: 'main' };

/** The base under the mode: itself for a base, what an overlay opened over otherwise. */
export function baseOf(mode: Mode): BaseMode {
  if (mode.kind === 'main' || mode.kind === 'tester') return mode;
  return mode.kind === 'quitting' ? main : mode.base;
}

/** Where a prompt's answer leads: the next question, the tester, or back to the base. */
function answered(prompt: Prompt, base: BaseMode): Mode {
  const { purpose, value } = prompt;
  if (purpose.kind === 'test') return { kind: 'tester', routingKey: value };
  if (purpose.kind === 'send-key') {
    return {
      kind: 'prompt',
      base,
      prompt: {
        label: `Send one message from ${purpose.id} with key '${value}': body`,
        value: 'Sent by hand from rabbit-lab',
        purpose: { kind: 'send-body', id: purpose.id, routingKey: value },
      },
    };
  }
  return base;
}

function nextMode(mode: Mode, action: ScreenAction): Mode {
  const base = baseOf(mode);
  switch (action.type) {
    case 'toggle-help':
      return mode.kind === 'help' ? base : { kind: 'help', base };
    case 'close':
      return mode.kind === 'tester' ? main : base;
    case 'prompt':
      return { kind: 'prompt', prompt: action.prompt, base };
    case 'show-code':
      return { kind: 'code', id: action.id, language: 'typescript', offset: 0, base };
    case 'quit':
      return { kind: 'quitting', lines: action.lines };
    default:
      return mode;
  }
}

/** Actions that only mean something in one mode. */
function withinMode(mode: Mode, action: ScreenAction): Mode {
  if (mode.kind === 'prompt') {
    const { prompt } = mode;
    if (action.type === 'type')
      return { ...mode, prompt: { ...prompt, value: prompt.value + action.text } };
    if (action.type === 'erase') {
      return { ...mode, prompt: { ...prompt, value: prompt.value.slice(0, -1) } };
    }
    if (action.type === 'submit') return answered(prompt, mode.base);
  }
  if (mode.kind === 'code') {
    if (action.type === 'switch-language') {
      return {
        ...mode,
        language: mode.language === 'typescript' ? 'python' : 'typescript',
        offset: 0,
      };
    }
    if (action.type === 'scroll-code') return { ...mode, offset: action.offset };
  }
  return nextMode(mode, action);
}

export function reduceScreen(state: ScreenState, action: ScreenAction): ScreenState {
  // Once cleanup has started, the screen only says what is being cleaned up.
  if (state.mode.kind === 'quitting') return state;
  if (action.type === 'select') {
    return action.id === state.selectedId ? state : { ...state, selectedId: action.id };
  }
  const mode = withinMode(state.mode, action);
  return mode === state.mode ? state : { ...state, mode };
}
