import { useEffect, useState } from 'react';
import type { LabState } from '../lab/store.js';

export interface LabSource {
  snapshot(): LabState;
  subscribe(listener: (state: LabState) => void): () => void;
}

/** The session's latest snapshot; the session already caps how often it publishes one. */
export function useLabState(source: LabSource): LabState {
  const [state, setState] = useState(() => source.snapshot());
  useEffect(() => {
    setState(source.snapshot());
    return source.subscribe(setState);
  }, [source]);
  return state;
}

/**
 * The time of this render, for "0.4 s ago" labels and the sparklines' time axis; when nothing
 * else draws the screen for intervalMs, a render of its own. While snapshots arrive (ten a
 * second) the timer never fires: a frame of its own would redraw the whole screen for a label
 * the next snapshot's frame moves on anyway.
 */
export function useNow(intervalMs = 500): number {
  const [, setTick] = useState(0);
  const now = Date.now();
  useEffect(() => {
    const timer = setTimeout(() => setTick((n) => n + 1), intervalMs);
    return () => clearTimeout(timer);
  });
  return now;
}
