/**
 * TLS material for amqps:// and https:// (a CA to trust, a client certificate and key), read once
 * by the command line and handed as PEM text to the session, the actor processes and the
 * management client, and the sentences for the TLS errors people meet.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { UsageError } from '../errors.js';

/** PEM text; any field may be missing (the system CAs are used when `ca` is). */
export interface TlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface TlsFiles {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

const options = {
  ca: '--ca (or RABBIT_LAB_CA)',
  cert: '--cert (or RABBIT_LAB_CERT)',
  key: '--key (or RABBIT_LAB_KEY)',
} as const;

function readPem(file: string, field: keyof TlsFiles): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (code ?? 'unreadable');
    throw new UsageError(`Cannot read the file '${file}' given to ${options[field]}: ${why}.`);
  }
  if (!text.includes('-----BEGIN ')) {
    throw new UsageError(
      `The file '${file}' given to ${options[field]} is not in PEM format (no -----BEGIN line).`,
    );
  }
  return text;
}

/**
 * Read the files (undefined when none was given). Throws a UsageError for a file that cannot be
 * read or used, so a mistake shows up before any connection is tried.
 */
export function readTlsMaterial(files: TlsFiles): TlsMaterial | undefined {
  const given = (Object.keys(options) as (keyof TlsFiles)[]).filter(
    (field) => files[field] !== undefined && files[field] !== '',
  );
  if (given.length === 0) return undefined;
  if (given.includes('cert') !== given.includes('key')) {
    throw new UsageError(
      'A client certificate needs its private key: give --cert and --key together (the same file for both when it holds both).',
    );
  }
  const material: { ca?: string; cert?: string; key?: string } = {};
  for (const field of given) {
    const file = files[field];
    if (file !== undefined) material[field] = readPem(file, field);
  }
  try {
    // Parses the PEM and checks that the key belongs to the certificate, as a connection would.
    tls.createSecureContext(material);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/key values mismatch/i.test(reason)) {
      throw new UsageError(
        'The key given with --key does not belong to the certificate given with --cert.',
      );
    }
    const which = given.map((field) => `--${field}`).join(', ');
    throw new UsageError(
      `The TLS files given with ${which} cannot be used: ${reason.replace(/\.$/, '')}.`,
    );
  }
  return material;
}

/** Socket options for tls.connect (and amqplib, which passes them on), without empty fields. */
export function tlsSocketOptions(material: TlsMaterial | undefined): tls.ConnectionOptions {
  if (material === undefined) return {};
  const { ca, cert, key } = material;
  return {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

const untrusted = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * A sentence for a TLS failure (Node's certificate checks, or an alert from the server), or
 * undefined when `error` is not one.
 */
export function describeTlsError(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === undefined) return e.cause === undefined ? undefined : describeTlsError(e.cause);
  const message = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : '';
  const detail = message === '' ? '' : ` (${message})`;
  if (untrusted.has(code)) {
    return `The server's TLS certificate is not trusted${detail}; pass the CA certificate that signed it with --ca (or RABBIT_LAB_CA).`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `The server's TLS certificate is for another host name${detail}; use a host name the certificate names in the URL.`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `The server's TLS certificate is not valid now${detail}.`;
  }
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') {
    return 'The server asks for a client certificate; pass one with --cert and --key (or RABBIT_LAB_CERT and RABBIT_LAB_KEY).';
  }
  if (code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA') {
    return 'The server does not accept the client certificate given with --cert (it does not trust the CA that signed it).';
  }
  if (
    code === 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' ||
    code.endsWith('_ALERT_CERTIFICATE_EXPIRED')
  ) {
    return `The server does not accept the client certificate given with --cert${detail}.`;
  }
  // A plain listener answers the TLS hello with bytes that are no TLS record (https:// requests
  // fail with EPROTO and the same OpenSSL reason in the message).
  if (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    (code === 'EPROTO' && /wrong version number|packet length too long/i.test(message))
  ) {
    return 'The server does not speak TLS on this port; use its TLS port (amqps usually 5671, management https usually 15671) or a plain amqp:// or http:// URL.';
  }
  if (code === 'ECONNRESET' && /before secure TLS connection was established/i.test(message)) {
    return 'The server closed the connection during the TLS handshake; check that this is its TLS port (amqps usually 5671, management https usually 15671) and whether it wants a client certificate (--cert and --key).';
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return `The TLS handshake failed${detail}.`;
  }
  return undefined;
}
