import { redact } from './util/redact.js';
import { UserError } from './util/user-error.js';

/** A command-line mistake: printed as one sentence, exit code 2. */
export class UsageError extends UserError {
  override readonly name = 'UsageError';
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** One line for stderr: never a stack trace, never a password. */
export function formatError(error: unknown): string {
  if (isUserError(error)) return `rabbit-lab: ${redact(error.message)}`;
  const message = error instanceof Error ? error.message : String(error);
  return `rabbit-lab: unexpected error: ${redact(message.split('\n')[0] ?? message)}`;
}
