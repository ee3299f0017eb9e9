/** Whether this machine has the memory for N private nodes, asked before anything starts. */
import os from 'node:os';

/** What one idle private node takes with the management plugin (measured: ~140 MB), and headroom. */
export const MEMORY_PER_NODE_MB = 256;

/** Test hook: pretend this many MB are available. */
const FREE_MEMORY_ENV = 'RABBIT_LAB_TEST_FREE_MEMORY_MB';

export function availableMemoryMb(): number {
  const forced = Number(process.env[FREE_MEMORY_ENV]);
  if (Number.isFinite(forced) && forced > 0) return forced;
  // libuv reads MemAvailable on Linux: free memory plus what the page cache can give back.
  return Math.floor(os.freemem() / (1024 * 1024));
}

/** A sentence saying why `nodes` nodes do not fit, or undefined when they do. */
export function memoryShortfall(
  nodes: number,
  availableMb = availableMemoryMb(),
): string | undefined {
  const needed = nodes * MEMORY_PER_NODE_MB;
  if (availableMb >= needed) return undefined;
  const fewer =
    nodes > 3 ? 'use fewer nodes (--nodes 3)' : 'run a single private node (--broker embedded)';
  return `A private cluster of ${nodes} nodes needs about ${needed} MB of free memory (${MEMORY_PER_NODE_MB} MB a node) and this machine has ${availableMb} MB available; close other programs or ${fewer}.`;
}
