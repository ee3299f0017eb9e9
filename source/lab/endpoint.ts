/** A producer's HTTP publish endpoint, from the lab's side: how to use it, and a POST to it. */

/** Two short lines: a notice is one row of the screen, and both must show whole at 80 columns. */
export function endpointNotices(
  id: string,
  endpoint: string,
  exchange: string,
  routingKeys: readonly string[],
  token: string,
): [string, string] {
  const key = routingKeys[0] ? `?key=${encodeURIComponent(routingKeys[0])}` : '';
  return [
    `${id} publishes what you POST to ${endpoint}/publish/${encodeURIComponent(exchange)}${key}`,
    `with the header: -H 'Authorization: Bearer ${token}'`,
  ];
}

/** POST a message as another system would; the status (undefined when it failed) and a sentence. */
export async function postToEndpoint(
  id: string,
  endpoint: string,
  exchange: string,
  token: string,
  body: string,
  key?: string,
): Promise<{ status: number | undefined; text: string }> {
  const query = key === undefined ? '' : `?key=${encodeURIComponent(key)}`;
  const url = `${endpoint}/publish/${encodeURIComponent(exchange)}${query}`;
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body,
    });
    const answer = (await response.json()) as { id?: string; error?: string; routed?: boolean };
    const ms = Math.round(performance.now() - started);
    const outcome = answer.error
      ? ` ${answer.error}`
      : answer.routed === false
        ? ' (confirmed by the broker, but returned unroutable: no queue is bound for its key)'
        : ' (confirmed by the broker)';
    return {
      status: response.status,
      text: `POST ${new URL(url).pathname}${query} → ${response.status} ${answer.id ?? ''}${outcome} in ${ms} ms`,
    };
  } catch (error) {
    return {
      status: undefined,
      text: `POST to ${id} failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
