import { redact } from '../util/redact.js';
import { UserError } from '../util/user-error.js';
import type { TlsMaterial } from './tls.js';

export { redact };

/** Thrown for a URL the user gave that cannot work; the message is meant for people. */
export class UrlError extends UserError {
  override readonly name = 'UrlError';
}

export const defaultAmqpUrl = 'amqp://guest:guest@localhost:5672';

export interface BrokerTarget {
  /** The URL to hand to amqplib (with credentials). */
  readonly amqpUrl: string;
  /** Safe to print: the password replaced by `***`. */
  readonly redactedUrl: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly vhost: string;
  readonly username: string;
  readonly password: string;
  /** Base URL of the management API, without credentials or trailing slash. */
  readonly managementUrl: string;
  /** CA, client certificate and key for amqps:// and an https:// management URL. */
  readonly tlsMaterial?: TlsMaterial;
  /**
   * A cluster: every node's AMQP URL (amqpUrl first) and management API. Clients start at one and
   * move to the next when theirs goes away.
   */
  readonly amqpUrls?: readonly string[];
  readonly managementUrls?: readonly string[];
}

/** `--url a,b` or the option repeated: the URLs in order, blanks dropped. */
export function splitUrls(raw: string | readonly string[]): string[] {
  return [raw]
    .flat()
    .flatMap((u) => u.split(','))
    .map((u) => u.trim())
    .filter((u) => u !== '');
}

/**
 * The nodes of one cluster as one target: the first URL's, plus every node's URLs. A later URL
 * without a user takes the first one's user and password; all must share protocol and vhost.
 */
export function resolveClusterTarget(
  amqpUrls: readonly string[],
  managementUrls: readonly string[] = [],
  tlsMaterial?: TlsMaterial,
): BrokerTarget {
  const [firstUrl, ...rest] = amqpUrls;
  if (firstUrl === undefined) throw new UrlError('No broker URL was given.');
  const first = resolveTarget(firstUrl, managementUrls[0], tlsMaterial);
  if (rest.length === 0) return first;
  const urls = [firstUrl];
  const management = [first.managementUrl];
  rest.forEach((raw, i) => {
    const url = parseUrl(raw, 'broker URL');
    if (url.username === '' && url.password === '') {
      url.username = encodeURIComponent(first.username);
      url.password = encodeURIComponent(first.password);
    }
    const node = resolveTarget(url.href.replace(/\/$/, ''), managementUrls[i + 1], tlsMaterial);
    if (node.tls !== first.tls || node.vhost !== first.vhost) {
      throw new UrlError(
        `The broker URLs name one cluster, so they need the same scheme and vhost: '${node.redactedUrl}' differs from '${first.redactedUrl}'.`,
      );
    }
    urls.push(node.amqpUrl);
    management.push(node.managementUrl);
  });
  return {
    ...first,
    redactedUrl: `${first.redactedUrl} (+${rest.length} more node${rest.length === 1 ? '' : 's'})`,
    amqpUrls: urls,
    managementUrls: management,
  };
}

/** Does this broker URL (as given, valid or not) carry a password? */
export function hasPassword(raw: string): boolean {
  let parsed = false;
  try {
    parsed = new URL(raw).password !== '';
  } catch {
    // Not a URL: the text may still hold one.
  }
  return parsed || redact(raw) !== raw;
}

/** The URL as shown: as given without a password, else parsed, with the password `***`. */
function shownUrl(raw: string, url: URL): string {
  if (url.password === '') return raw;
  const shown = new URL(url.href);
  shown.password = '***';
  return shown.href;
}

function decodeCredential(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UrlError(
      `The ${what} in the broker URL has a % that does not start a percent-encoded character; write % as %25.`,
    );
  }
}

function parseUrl(raw: string, what: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new UrlError(
      `The ${what} '${redact(raw)}' is not a valid URL; use the form amqp://user:password@host:5672/vhost.`,
    );
  }
}

/**
 * Parse and check an AMQP URL and derive the management URL (same host, port 15672,
 * or 15671 over TLS) unless one is given. The vhost is the URL's path, as in amqplib.
 */
export function resolveTarget(
  amqpUrl: string,
  managementUrl?: string,
  tlsMaterial?: TlsMaterial,
): BrokerTarget {
  const url = parseUrl(amqpUrl, 'broker URL');
  if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:') {
    throw new UrlError(
      `The broker URL must start with amqp:// or amqps://, not ${url.protocol}//; for example amqp://guest:guest@localhost:5672.`,
    );
  }
  if (url.hostname === '') {
    throw new UrlError(`The broker URL '${redact(amqpUrl)}' has no host name.`);
  }
  const tls = url.protocol === 'amqps:';
  const port = url.port === '' ? (tls ? 5671 : 5672) : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  const vhost = path === '' ? '/' : decodeURIComponent(path);
  // amqplib would log in as '' with the password, the management API as guest: neither is meant.
  if (url.username === '' && url.password !== '') {
    throw new UrlError(
      'The broker URL has a password but no user name; write the user name before the colon.',
    );
  }
  const username = url.username === '' ? 'guest' : decodeCredential(url.username, 'user name');
  const password = url.username === '' ? 'guest' : decodeCredential(url.password, 'password');
  const host = url.hostname;

  let management: string;
  if (managementUrl === undefined) {
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    management = `${tls ? 'https' : 'http'}://${hostPart}:${tls ? 15671 : 15672}`;
  } else {
    const m = parseUrl(managementUrl, 'management URL');
    if (m.protocol !== 'http:' && m.protocol !== 'https:') {
      throw new UrlError(
        `The management URL must start with http:// or https://, not ${m.protocol}//.`,
      );
    }
    m.username = '';
    m.password = '';
    management = m.toString().replace(/\/+$/, '');
  }
  const redactedUrl = shownUrl(amqpUrl, url);
  return {
    amqpUrl,
    redactedUrl,
    host,
    port,
    tls,
    vhost,
    username,
    password,
    managementUrl: management,
    ...(tlsMaterial === undefined ? {} : { tlsMaterial }),
  };
}

/** Same broker, other vhost (used by tests to isolate themselves). */
export function withVhost(amqpUrl: string, vhost: string): string {
  const url = new URL(amqpUrl);
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return url.toString();
}

export function isDefaultLocal(target: BrokerTarget): boolean {
  return (
    (target.host === 'localhost' || target.host === '127.0.0.1' || target.host === '[::1]') &&
    target.port === 5672 &&
    !target.tls
  );
}
