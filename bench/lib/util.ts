/** Progress lines, waiting, and time limits: what every section of the bench uses. */

export const benchStarted = performance.now();

/** A progress line on stderr, with the seconds since the bench started. */
export function log(line: string): void {
  const at = ((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`bench ${at} s: ${line}\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with a sentence naming what did not happen in time. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
