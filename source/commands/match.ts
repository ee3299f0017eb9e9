import { explainTopicMatch } from '../lab/routing.js';

/**
 * `rabbit-lab match <binding-key> <routing-key>...`: would a topic exchange deliver these routing
 * keys to a queue bound with this pattern, and why. Exit code 0 when every key matches, 1 when
 * one does not (as grep does), so scripts can use it too.
 */
export function matchKeys(
  pattern: string,
  keys: readonly string[],
  out: NodeJS.WritableStream,
): number {
  let all = true;
  const width = Math.max(...keys.map((k) => k.length));
  for (const key of keys) {
    const { matches, why } = explainTopicMatch(pattern, key);
    all &&= matches;
    out.write(
      `${matches ? '✓' : '✗'} ${key.padEnd(width)}  ${matches ? 'matches' : 'does not match'} ${pattern}: ${why}\n`,
    );
  }
  out.write("\n'*' takes exactly one word, '#' zero or more; words are separated by dots.\n");
  return all ? 0 : 1;
}
