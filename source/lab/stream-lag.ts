/** A stream reader's lag: how far the producers it reads have published beyond what it got. */
import type { ActorView } from './store.js';

/** How many messages a stream consumer is behind the producers it reads (undefined: none yet). */
export function streamLag(actors: readonly ActorView[], consumer: ActorView): number | undefined {
  const seen = consumer.stream?.seen;
  if (seen === undefined || Object.keys(seen).length === 0) return undefined;
  let lag = 0;
  for (const [producer, seq] of Object.entries(seen)) {
    const p = actors.find((a) => a.id === producer);
    lag += Math.max(0, (p?.published ?? seq) - seq);
  }
  return lag;
}
