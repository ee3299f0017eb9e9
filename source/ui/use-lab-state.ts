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

/** The current time, refreshed every intervalMs (for "0.4 s ago" labels). */
export function useNow(intervalMs = 500): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
