/**
 * The scenario picker's state and what each action does to it: pure, so keys that arrive
 * together can be applied one after the other before anything renders.
 */
import { scenarioGroups } from '../scenario/groups.js';
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

/**
 * Scenarios whose name, aliases, title, pattern, summary or group contain every typed word, in
 * `rabbit-lab list`'s group order (the catalog's order within a group).
 */
export function filterScenarios(scenarios: readonly Scenario[], filter: string): Scenario[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const rank = (s: Scenario) => scenarioGroups.indexOf(s.group);
  return scenarios
    .filter((s) => {
      const text = [s.name, ...s.aliases, s.title, s.pattern, s.summary, s.group]
        .join(' ')
        .toLowerCase();
      return words.every((w) => text.includes(w));
    })
    .sort((a, b) => rank(a) - rank(b));
}

/** Rows scenarios first..last take: two each, and one for each group's heading. */
function rowsOf(shown: readonly Scenario[], first: number, last: number): number {
  let rows = 0;
  for (let i = first; i <= last; i++) {
    rows += 2;
    if (i === first || shown[i]?.group !== shown[i - 1]?.group) rows++;
  }
  return rows;
}

/**
 * Which scenarios fit in `budget` rows with the selected one among them: from the top, scrolled
 * just far enough that the selection is in view.
 */
export function pickerWindow(
  shown: readonly Scenario[],
  current: number,
  budget: number,
): { first: number; count: number } {
  if (shown.length === 0) return { first: 0, count: 0 };
  let first = 0;
  while (first < current && rowsOf(shown, first, current) > budget) first++;
  let last = current;
  while (last + 1 < shown.length && rowsOf(shown, first, last + 1) <= budget) last++;
  return { first, count: last - first + 1 };
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
