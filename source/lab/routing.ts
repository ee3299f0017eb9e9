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
