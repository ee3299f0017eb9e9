/** Where the compiled CLI is, and the environment it runs in under the bench. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = path.join(root, 'dist', 'cli.js');

/** The CLI's environment: a real colour terminal, never CI (Ink would draw only the last frame). */
export function cliEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  for (const key of Object.keys(env)) {
    if (
      key === 'CI' ||
      key === 'CONTINUOUS_INTEGRATION' ||
      key.startsWith('CI_') ||
      key === 'NO_COLOR' ||
      key === 'FORCE_COLOR' ||
      key === 'NODE_ENV' ||
      key === 'RABBIT_LAB_URL'
    ) {
      delete env[key];
    }
  }
  return env;
}
