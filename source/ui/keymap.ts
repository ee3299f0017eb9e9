/**
 * One table drives key dispatch, the hint bar and (later) the help overlay, so they cannot drift apart.
 */
import type { Key } from 'ink';

export interface KeyContext {
  readonly spawn: (kind: 'producer' | 'consumer') => void;
  readonly quit: () => void;
}

export interface KeyBinding {
  /** What the hint bar shows, e.g. 'p'. */
  readonly label: string;
  readonly description: string;
  readonly matches: (input: string, key: Key) => boolean;
  readonly run: (context: KeyContext) => void;
}

export const keymap: readonly KeyBinding[] = [
  {
    label: 'p',
    description: 'producer',
    matches: (input) => input === 'p',
    run: (c) => c.spawn('producer'),
  },
  {
    label: 'c',
    description: 'consumer',
    matches: (input) => input === 'c',
    run: (c) => c.spawn('consumer'),
  },
  {
    label: 'q',
    description: 'quit',
    matches: (input, key) => input === 'q' || (key.ctrl && input === 'c'),
    run: (c) => c.quit(),
  },
];

export function dispatchKey(
  bindings: readonly KeyBinding[],
  input: string,
  key: Key,
  context: KeyContext,
): boolean {
  const binding = bindings.find((b) => b.matches(input, key));
  binding?.run(context);
  return binding !== undefined;
}
