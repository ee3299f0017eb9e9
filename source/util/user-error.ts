/**
 * An error the user can cause and fix (a bad option, an unreachable broker, a broken scenario):
 * printed as one sentence, never a stack trace. Every such error extends this class.
 */
export class UserError extends Error {}
