/**
 * An HTTP publish endpoint, for systems without an AMQP client: `POST /publish/<exchange>` with
 * `Authorization: Bearer <token>` publishes the request body (routing key from `?key=`) through
 * the producer and answers once the broker confirmed it, saying whether a queue took it (`routed`).
 * Listens on 127.0.0.1 only.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Bodies above this size are refused (413). */
export const maxBodyBytes = 64 * 1024;

export interface EndpointPublisher {
  /** The one exchange this endpoint publishes to. */
  readonly exchange: () => string;
  /** Whether it may publish now (false: paused from the keyboard). */
  readonly accepting: () => boolean;
  /** ok undefined: no answer in time; routed false: the broker returned it (no queue took it). */
  readonly publish: (
    routingKey: string | undefined,
    body: string,
  ) => Promise<
    { id: string; messageId: string; ok: boolean | undefined; routed: boolean } | undefined
  >;
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(status === 401 ? { 'www-authenticate': 'Bearer realm="rabbit-lab"' } : {}),
  });
  res.end(text);
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7).trim() : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > maxBodyBytes ? undefined : Buffer.concat(chunks).toString()),
    );
    req.on('error', reject);
  });
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  publisher: EndpointPublisher,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const match = /^\/publish\/([^/]+)$/.exec(url.pathname);
  if (!match) {
    reply(res, 404, { error: 'not found: POST /publish/<exchange>' });
    return;
  }
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    reply(res, 405, { error: 'use POST' });
    return;
  }
  if (!authorized(req, token)) {
    reply(res, 401, { error: 'missing or wrong bearer token' });
    return;
  }
  let exchange: string;
  try {
    exchange = decodeURIComponent(match[1] ?? '');
  } catch {
    reply(res, 400, { error: 'the exchange name in the path is not valid percent-encoding' });
    return;
  }
  if (exchange !== publisher.exchange()) {
    reply(res, 404, {
      error: `this endpoint publishes to '${publisher.exchange()}' only, not '${exchange}'`,
    });
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    reply(res, 413, { error: `the body is over ${maxBodyBytes} bytes` });
    return;
  }
  if (!publisher.accepting()) {
    reply(res, 503, { error: 'the endpoint is paused' });
    return;
  }
  const started = performance.now();
  const key = url.searchParams.get('key') ?? undefined;
  const result = await publisher.publish(key, body);
  const tookMs = Math.round(performance.now() - started);
  if (!result) {
    reply(res, 503, { error: 'not connected to the broker; try again shortly' });
  } else if (result.ok === undefined) {
    reply(res, 504, { id: result.id, error: 'the broker did not confirm it in time' });
  } else if (!result.ok) {
    reply(res, 502, { id: result.id, error: 'the broker refused it (nack)' });
  } else {
    // Confirmed either way; routed false: the broker returned it, as no queue is bound for it.
    const { id, messageId, routed } = result;
    const routingKey = key ?? null;
    reply(res, 202, { id, messageId, exchange, routingKey, confirmed: true, routed, tookMs });
  }
}

/** Listen on 127.0.0.1:port (0: any free port); resolves with the address, rejects with a sentence. */
export function startEndpoint(
  port: number,
  token: string,
  publisher: EndpointPublisher,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    handle(req, res, token, publisher).catch(() => {
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `HTTP port ${port} is in use; set another http.port in the scenario (0 picks a free one)`
            : `cannot listen for HTTP on 127.0.0.1:${port} (${error.code ?? error.message})`,
        ),
      );
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({ url: `http://127.0.0.1:${actual}`, server });
    });
  });
}
