/** Colours, so an actor looks the same in every pane. Ink and chalk both honour NO_COLOR. */
const actorPalette = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'] as const;

export type Colour = (typeof actorPalette)[number] | 'gray' | 'white';

export function actorColour(id: string): Colour {
  const n = Number(id.slice(1));
  const offset = id.startsWith('C') ? 3 : 0;
  return actorPalette[((Number.isFinite(n) ? n - 1 : 0) + offset) % actorPalette.length] ?? 'white';
}

export const arrow = '─▶';
