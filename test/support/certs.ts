/**
 * Throwaway certificates for TLS tests, made with the openssl command (Node cannot create X.509
 * certificates): a CA, a server certificate for localhost signed by it, a client certificate
 * signed by it, and a client certificate signed by a second CA the server does not know.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCertificates {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** Signed by a CA the server does not trust. */
  readonly strangerCertFile: string;
  readonly strangerKeyFile: string;
}

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error(
        'The TLS tests make their certificates with the openssl command, which is missing; install it with `npm run setup` (Debian/Ubuntu: apt-get install openssl).',
      );
    }
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

// P-256 keys: fast to make, and both Node and Erlang's ssl take them.
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(
    [
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=rabbit-lab ${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

function makeLeaf(dir: string, name: string, ca: string, extensions: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    ['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/** Make the certificates in `dir` (which the caller creates and removes). */
export function makeCertificates(dir: string): TestCertificates {
  makeCa(dir, 'test-ca');
  makeCa(dir, 'stranger-ca');
  makeLeaf(
    dir,
    'localhost',
    'test-ca',
    [
      'subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1',
      'basicConstraints = CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = serverAuth',
      '',
    ].join('\n'),
  );
  const client = [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = clientAuth',
    '',
  ].join('\n');
  makeLeaf(dir, 'lab-client', 'test-ca', client);
  makeLeaf(dir, 'stranger', 'stranger-ca', client);
  const at = (name: string) => path.join(dir, name);
  return {
    caFile: at('test-ca.pem'),
    serverCertFile: at('localhost.pem'),
    serverKeyFile: at('localhost.key'),
    clientCertFile: at('lab-client.pem'),
    clientKeyFile: at('lab-client.key'),
    strangerCertFile: at('stranger.pem'),
    strangerKeyFile: at('stranger.key'),
  };
}
