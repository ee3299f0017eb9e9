/**
 * amqps:// and an https:// management URL against a private node of this file's own, with TLS
 * listeners and certificates made here (see test/support/certs.ts; needs the openssl command).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../source/broker/embedded/index.js';
import { ManagementClient, ManagementError } from '../../source/broker/management-client.js';
import type { Report } from '../../source/lab/report.js';
import { makeCertificates, type TestCertificates } from '../support/certs.js';
import { runCli } from '../support/cli.js';

describe('TLS: amqps:// and https:// against a private node with a certificate made here', () => {
  let dir: string;
  let certs: TestCertificates;
  let broker: EmbeddedBroker;
  let amqpsUrl: string;
  let managementUrl: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rabbit-lab-tls-test-'));
    certs = makeCertificates(dir);
    broker = await startEmbeddedBroker({
      preferStandardPorts: false,
      tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
    });
    assert.ok(broker.amqpsUrl && broker.managementTlsUrl, 'the node has TLS listeners');
    amqpsUrl = broker.amqpsUrl;
    managementUrl = broker.managementTlsUrl;
  });

  after(async () => {
    await broker?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // The TLS variables of whoever runs the tests must not leak into them.
  const noTlsEnv = { RABBIT_LAB_CA: '', RABBIT_LAB_CERT: '', RABBIT_LAB_KEY: '' };
  const hello = (extra: readonly string[], env: Record<string, string> = {}) =>
    runCli(
      [
        'scenario',
        'hello',
        '--headless',
        '--duration',
        '2',
        '--json',
        '--broker',
        'external',
        '--url',
        amqpsUrl,
        '--management-url',
        managementUrl,
        ...extra,
      ],
      { env: { ...noTlsEnv, ...env } },
    );

  /** One line on stderr (after the progress line), exit 2, no stack trace, no password. */
  function assertOneSentence(result: { code: number | null; stderr: string; stdout: string }) {
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    const last = lines.at(-1) ?? '';
    assert.ok(lines.length <= 2, `at most a progress line and the error:\n${result.stderr}`);
    assert.match(last, /^rabbit-lab: /);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(result.stderr, /guest:guest/, 'no password');
    return last;
  }

  test('--ca: the lab runs over amqps:// with an https:// management API', async () => {
    const result = await hello(['--ca', certs.caFile]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.ok, true);
    assert.equal(report.broker.url, amqpsUrl.replace(':guest@', ':***@'));
    assert.equal(report.broker.managementUrl, managementUrl);
    const [p1, c1] = report.actors;
    assert.ok((p1?.published ?? 0) >= 1, `published ${p1?.published}`);
    assert.equal(c1?.received, p1?.published, 'every message delivered');
    // Queue counters come from the management API, so it answered over https.
    assert.deepEqual(report.queues, [
      { name: 'hello', messagesReady: 0, messagesUnacknowledged: 0 },
    ]);
  });

  test('RABBIT_LAB_CA, RABBIT_LAB_CERT and RABBIT_LAB_KEY: a client certificate the node trusts', async () => {
    const result = await hello([], {
      RABBIT_LAB_CA: certs.caFile,
      RABBIT_LAB_CERT: certs.clientCertFile,
      RABBIT_LAB_KEY: certs.clientKeyFile,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as Report).ok, true);
  });

  test('a client certificate from a CA the node does not know is sent, and refused', async () => {
    const result = await hello([
      '--ca',
      certs.caFile,
      '--cert',
      certs.strangerCertFile,
      '--key',
      certs.strangerKeyFile,
    ]);
    const line = assertOneSentence(result);
    assert.match(line, /does not accept the client certificate given with --cert/);
  });

  test('without --ca: one sentence saying the certificate is not trusted', async () => {
    const result = await hello([]);
    const line = assertOneSentence(result);
    assert.match(line, /TLS certificate is not trusted/);
    assert.match(line, /--ca/);
    assert.match(line, /amqps:\/\/guest:\*\*\*@localhost/);
  });

  test('an unreadable --ca file: one sentence before any connection', async () => {
    const missing = path.join(dir, 'no-such-ca.pem');
    const result = await hello(['--ca', missing]);
    const line = assertOneSentence(result);
    assert.equal(
      line,
      `rabbit-lab: Cannot read the file '${missing}' given to --ca (or RABBIT_LAB_CA): it does not exist.`,
    );
  });

  test('--cert without --key, and a key that is not the certificate’s', async () => {
    const alone = assertOneSentence(await hello(['--cert', certs.clientCertFile]));
    assert.match(alone, /give --cert and --key together/);
    const mismatched = assertOneSentence(
      await hello(['--cert', certs.clientCertFile, '--key', certs.strangerKeyFile]),
    );
    assert.match(mismatched, /does not belong to the certificate/);
  });

  test('the management client trusts the CA it is given, and says so when it has none', async () => {
    const ca = await readFile(certs.caFile, 'utf8');
    const trusted = new ManagementClient({
      baseUrl: managementUrl,
      username: 'guest',
      password: 'guest',
      tls: { ca },
    });
    assert.equal((await trusted.overview()).rabbitmqVersion, broker.version);
    const untrusted = new ManagementClient({
      baseUrl: managementUrl,
      username: 'guest',
      password: 'guest',
    });
    await assert.rejects(untrusted.overview(), (error: unknown) => {
      assert.ok(error instanceof ManagementError);
      assert.match(error.message, /TLS certificate is not trusted .*--ca/);
      return true;
    });
  });
});
