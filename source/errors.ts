import { redact } from './broker/url.js';

/** An error the user can fix: printed as one sentence, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const userErrorNames = new Set([
  'UsageError',
  'UrlError',
  'ScenarioError',
  'BrokerUnavailableError',
  'BrokerStartError',
  'SessionError',
  'ManagementError',
]);

export function isUserError(error: unknown): error is Error {
  return error instanceof Error && userErrorNames.has(error.name);
}

/** One line for stderr: never a stack trace, never a password. */
export function formatError(error: unknown): string {
  if (isUserError(error)) return `rabbit-lab: ${redact(error.message)}`;
  const message = error instanceof Error ? error.message : String(error);
  return `rabbit-lab: unexpected error: ${redact(message.split('\n')[0] ?? message)}`;
}
