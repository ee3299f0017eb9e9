import { UserError } from '../util/user-error.js';

/**
 * A scenario file that cannot be used; the message is one line: `file:line: field: problem`
 * (the first, with how many more there are); `problems` has every one, for `validate`.
 */
export class ScenarioError extends UserError {
  override readonly name = 'ScenarioError';
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const all = typeof problems === 'string' ? [problems] : problems;
    const more = all.length - 1;
    super(
      more > 0
        ? `${all[0]} (and ${more} more problem${more === 1 ? '' : 's'}: \`rabbit-lab validate\` lists them all)`
        : (all[0] ?? 'invalid scenario'),
    );
    this.problems = all;
  }
}
