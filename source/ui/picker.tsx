import { Box, type Key, Text, useApp, useStdout } from 'ink';
import type { Scenario } from '../scenario/schema.js';
import { fit } from './format.js';
import { keyPresses } from './key-presses.js';
import {
  filterScenarios,
  initialPickerState,
  type PickerAction,
  type PickerState,
  pickerWindow,
  reducePicker,
  selectedRow,
} from './picker-state.js';
import { useKeyReducer, useKeys } from './use-key-reducer.js';

export interface PickerProps {
  readonly scenarios: readonly Scenario[];
  /** Called with the chosen scenario, or undefined when the user quits. */
  readonly onDone: (scenario: Scenario | undefined) => void;
  /** The terminal's height (default: stdout's). */
  readonly rows?: number;
}

/**
 * What one press does, given the filter as it is when the press arrives. Text that arrives
 * together is one press: with an empty filter, a run of j and k is that many moves and a lone q
 * quits; any other text is typed into the filter.
 */
export function pickerActions(state: PickerState, input: string, key: Key): PickerAction[] {
  const empty = state.filter === '';
  if (key.escape || (key.ctrl && input === 'c') || (input === 'q' && empty)) {
    return [{ type: 'quit' }];
  }
  if (key.return) return [{ type: 'open' }];
  if (key.upArrow) return [{ type: 'move', by: -1 }];
  if (key.downArrow) return [{ type: 'move', by: 1 }];
  if (key.backspace || key.delete) return [{ type: 'erase' }];
  if (!input || key.ctrl || key.meta || input < ' ') return [];
  if (empty && /^[jk]+$/.test(input)) {
    return [...input].map((c) => ({ type: 'move', by: c === 'j' ? 1 : -1 }));
  }
  return [{ type: 'type', text: input }];
}

/**
 * The built-in scenarios: ↑/↓ (or j/k before typing) move, typing filters, Enter opens,
 * Esc (or q with an empty filter) quits.
 */
export function Picker({ scenarios, onDone, rows }: PickerProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const picker = useKeyReducer(
    (state: PickerState, action: PickerAction) => reducePicker(scenarios, state, action),
    () => initialPickerState,
  );
  // Each press acts on the state the presses before it left, even within one chunk; the
  // choice is reported as soon as a press makes it.
  useKeys((input, key) => {
    for (const press of keyPresses(input, key)) {
      for (const action of pickerActions(picker.current(), press.input, press.key)) {
        const before = picker.current();
        const after = picker.dispatch(action);
        if (after.outcome && !before.outcome) {
          onDone(after.outcome.scenario);
          exit();
        }
      }
    }
  });
  const { filter } = picker.state;
  const shown = filterScenarios(scenarios, filter);
  const current = selectedRow(picker.state, shown.length);
  // Two rows per scenario and one per group heading, five for the rest, and one row short of the
  // terminal: output as tall as the terminal makes Ink clear and redraw the screen on every frame.
  const budget = Math.max(3, (rows ?? (stdout.rows || 24)) - 6);
  const { first, count } = pickerWindow(shown, current, budget);
  const visible = shown.slice(first, first + count);
  // Columns as wide as the longest title and pattern, within reason.
  const titleWidth = Math.min(30, Math.max(0, ...scenarios.map((s) => s.title.length)));
  const patternWidth = Math.min(30, Math.max(0, ...scenarios.map((s) => s.pattern.length)));
  const hidden = shown.length - visible.length;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text>
        <Text bold color="yellow">
          rabbit-lab
        </Text>{' '}
        · pick a scenario
        {filter ? <Text> · filter: {filter}</Text> : <Text dimColor> · type to filter</Text>}
      </Text>
      <Text> </Text>
      {shown.length === 0 ? <Text dimColor>No scenario matches '{filter}'.</Text> : null}
      {visible.map((s, n) => (
        <Box key={s.name} flexDirection="column">
          {n === 0 || visible[n - 1]?.group !== s.group ? (
            <Text color="cyan">{s.group}</Text>
          ) : null}
          <Text inverse={first + n === current} wrap="truncate-end">
            {first + n === current ? '▶ ' : '  '}
            <Text bold>{fit(s.title, titleWidth)}</Text> {fit(s.pattern, patternWidth)}{' '}
            <Text dimColor>{s.name}</Text>
          </Text>
          <Text dimColor wrap="truncate-end">
            {'    '}
            {s.summary}
          </Text>
        </Box>
      ))}
      <Text> </Text>
      <Text dimColor>
        ↑/↓ move · type to filter · Enter open · Esc quit
        {hidden > 0 ? ` · ${first} above, ${hidden - first} below` : ''}
      </Text>
    </Box>
  );
}
