/**
 * The scenario picker's state and what each action does to it: pure, so keys that arrive
 * together can be applied one after the other before anything renders.
 */
import type { Scenario } from '../scenario/schema.js';

export interface PickerState {
  /** The selected row in the filtered list. */
  readonly index: number;
  readonly filter: string;
  /** Set once the user chose (a scenario, or undefined to quit); later keys do nothing. */
  readonly outcome?: { readonly scenario: Scenario | undefined };
}

export type PickerAction =
  | { readonly type: 'move'; readonly by: number }
  | { readonly type: 'type'; readonly text: string }
  | { readonly type: 'erase' }
  | { readonly type: 'open' }
  | { readonly type: 'quit' };

export const initialPickerState: PickerState = { index: 0, filter: '' };

/** Scenarios whose name, aliases, title, pattern or summary contain every typed word. */
export function filterScenarios(scenarios: readonly Scenario[], filter: string): Scenario[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return scenarios.filter((s) => {
    const text = [s.name, ...s.aliases, s.title, s.pattern, s.summary].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** The selected row, within the filtered list. */
export function selectedRow(state: PickerState, shown: number): number {
  return Math.max(0, Math.min(state.index, shown - 1));
}

export function reducePicker(
  scenarios: readonly Scenario[],
  state: PickerState,
  action: PickerAction,
): PickerState {
  if (state.outcome) return state;
  const shown = filterScenarios(scenarios, state.filter);
  const index = selectedRow(state, shown.length);
  switch (action.type) {
    case 'move': {
      const next = Math.max(0, Math.min(shown.length - 1, index + action.by));
      return next === state.index ? state : { ...state, index: next };
    }
    case 'type':
      return { ...state, filter: state.filter + action.text, index: 0 };
    case 'erase':
      return state.filter ? { ...state, filter: state.filter.slice(0, -1), index } : state;
    case 'open': {
      const scenario = shown[index];
      return scenario ? { ...state, outcome: { scenario } } : state;
    }
    case 'quit':
      return { ...state, outcome: { scenario: undefined } };
  }
}
