/**
 * A series as a line of block characters, one per slot of equal time, scaled to the largest value
 * shown: the backlog growing for twenty seconds, a rate halving, at a glance.
 */
import type { Series } from '../lab/history.js';

const blocks = '▁▂▃▄▅▆▇█';

/**
 * `width` characters covering the `spanMs` before `now`: each the highest sample in its slot,
 * blank where there was none (before the series began), ▁ for zero.
 */
export function sparkline(
  series: Series | undefined,
  width: number,
  spanMs: number,
  now: number,
): string {
  if (width <= 0) return '';
  const slots = new Array<number | undefined>(width).fill(undefined);
  const from = now - spanMs;
  series?.at.forEach((t, i) => {
    if (t < from || t > now) return;
    const slot = Math.min(width - 1, Math.floor(((t - from) / spanMs) * width));
    const v = series.values[i] ?? 0;
    slots[slot] = Math.max(slots[slot] ?? 0, v);
  });
  const top = Math.max(0, ...slots.map((v) => v ?? 0));
  return slots
    .map((v) => {
      if (v === undefined) return ' ';
      if (top === 0 || v <= 0) return blocks[0];
      return blocks[
        Math.min(blocks.length - 1, Math.max(1, Math.ceil((v / top) * (blocks.length - 1))))
      ];
    })
    .join('');
}

/** The slots of a `width`-character sparkline over `spanMs` before `now` where a mark falls. */
export function markSlots(
  marks: readonly { readonly at: number }[] | undefined,
  width: number,
  spanMs: number,
  now: number,
): Set<number> {
  const slots = new Set<number>();
  const from = now - spanMs;
  for (const m of marks ?? []) {
    if (m.at < from || m.at > now || width <= 0) continue;
    slots.add(Math.min(width - 1, Math.floor(((m.at - from) / spanMs) * width)));
  }
  return slots;
}
