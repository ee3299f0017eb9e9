import { readdirSync, readFileSync } from 'node:fs';

function stat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Alive: it exists and is not a zombie (dead already, waiting for its parent to reap it). */
export function isAlive(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && !/^\d+ \(.*\) Z/.test(s);
}

/** Live direct children of a process. */
export function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    // Fields after the command name (which may hold spaces): state, ppid, …
    const fields = s?.slice(s.lastIndexOf(')') + 2).split(' ');
    if (fields?.[1] === String(parent) && fields[0] !== 'Z') out.push(Number(entry));
  }
  return out;
}
