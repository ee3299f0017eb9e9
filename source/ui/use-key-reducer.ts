/**
 * Screen state that keys read as it is when each key arrives.
 *
 * Ink emits every key of one stdin chunk synchronously, one after the other, and React renders
 * later: a handler that reads state from its render sees none of the keys before it in the
 * chunk. Ink also subscribes a `useInput` handler in a passive effect, so even after a render
 * the next keys can still reach the handler of the render before. Here the state lives in a ref
 * that a dispatch updates at once (the next key sees it), and React renders from a copy of it;
 * the input handler is subscribed once and always calls the latest one.
 */
import { type Key, useInput } from 'ink';
import { useCallback, useLayoutEffect, useRef, useState } from 'react';

export interface KeyReducer<S, A> {
  /** The state to render (the latest dispatched, once React has rendered it). */
  readonly state: S;
  /** The state as it is now, including actions dispatched since the last render. */
  readonly current: () => S;
  /** Apply an action now; returns the state after it. */
  readonly dispatch: (action: A) => S;
}

/** `useReducer`, but readable and dispatchable synchronously between renders. */
export function useKeyReducer<S, A>(
  reducer: (state: S, action: A) => S,
  initial: () => S,
): KeyReducer<S, A> {
  const [state, setState] = useState(initial);
  const ref = useRef(state);
  // The reducer may close over props; keys use the one of the last committed render.
  const reducerRef = useRef(reducer);
  useLayoutEffect(() => {
    reducerRef.current = reducer;
  });
  const current = useCallback(() => ref.current, []);
  const dispatch = useCallback((action: A) => {
    const next = reducerRef.current(ref.current, action);
    if (next !== ref.current) {
      ref.current = next;
      setState(next);
    }
    return next;
  }, []);
  return { state, current, dispatch };
}

/**
 * `useInput` with a handler subscribed once: each key calls the handler of the last committed
 * render (with its props), never one left over from a render before.
 */
export function useKeys(handler: (input: string, key: Key) => void): void {
  const ref = useRef(handler);
  useLayoutEffect(() => {
    ref.current = handler;
  });
  const stable = useCallback((input: string, key: Key) => ref.current(input, key), []);
  useInput(stable);
}
