/** How an exchange of this type matches a routing key against a binding key. */
export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers';

/** AMQP topic matching: words are dot-separated, `*` is exactly one word, `#` zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    const word = p[i];
    if (word === '#') {
      for (let skip = j; skip <= k.length; skip++) if (match(i + 1, skip)) return true;
      return false;
    }
    if (j === k.length) return false;
    return (word === '*' || word === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

/** Would a queue bound with `bindingKeys` get a message with `routingKey`? */
export function routes(
  type: ExchangeType,
  bindingKeys: readonly string[],
  routingKey: string,
): boolean {
  switch (type) {
    case 'fanout':
    case 'headers':
      return true;
    case 'direct':
      return bindingKeys.includes(routingKey);
    case 'topic':
      return bindingKeys.some((b) => topicMatches(b, routingKey));
  }
}

export interface TopicExplanation {
  readonly matches: boolean;
  /** How the words lined up (`kern = kern · * takes 'critical'`), or where it fails and why. */
  readonly why: string;
}

/**
 * Topic matching, explained: the word-by-word alignment that matches, or the reason the closest
 * attempt fails. `*` takes exactly one word, `#` zero or more.
 */
export function explainTopicMatch(pattern: string, key: string): TopicExplanation {
  const p = pattern.split('.');
  const k = key.split('.');
  let best: { at: number; reason: string } = { at: -1, reason: '' };
  const fail = (j: number, reason: string): undefined => {
    if (j > best.at) best = { at: j, reason };
    return undefined;
  };
  const walk = (i: number, j: number): string[] | undefined => {
    if (i === p.length) {
      if (j === k.length) return [];
      return fail(j, `the pattern ends, but the key goes on with '${k.slice(j).join('.')}'`);
    }
    const word = p[i] ?? '';
    if (word === '#') {
      for (let end = j; end <= k.length; end++) {
        const rest = walk(i + 1, end);
        if (rest) {
          const taken = k.slice(j, end).join('.');
          return [taken === '' ? '# takes nothing' : `# takes '${taken}'`, ...rest];
        }
      }
      return undefined;
    }
    if (j === k.length) return fail(j, `the key ends, but the pattern still wants '${word}'`);
    const got = k[j] ?? '';
    if (word === '*') {
      const rest = walk(i + 1, j + 1);
      return rest ? [`* takes '${got}'`, ...rest] : undefined;
    }
    if (word !== got) return fail(j, `'${word}' ≠ '${got}'`);
    const rest = walk(i + 1, j + 1);
    return rest ? [`${word} = ${got}`, ...rest] : undefined;
  };
  const steps = walk(0, 0);
  if (steps) return { matches: true, why: steps.join(' · ') || 'both empty' };
  return { matches: false, why: best.reason };
}
