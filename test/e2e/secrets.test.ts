/**
 * Secrets on the command line: every local user can read a command line (ps), so a password in
 * --url (or a token in --http-token) gets one notice pointing to the environment variables; the
 * same secrets from the environment get none. Neither is ever printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestBroker, testBroker } from '../support/broker.js';
import { runCli } from '../support/cli.js';

/** With an @ and a space: shown whole as *** or not at all, never in part. */
const secret = 'Sh0wn nowhere@all';
const user = `lab-secret-${process.pid}`;
const token = 'cmdline-token-secret';
const guestAuth = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

let broker: TestBroker;
let url: string;
/** host:port/vhost of the test broker. */
let hostAndVhost: string;

async function put(apiPath: string, body: unknown): Promise<void> {
  const response = await fetch(`${broker.managementUrl}${apiPath}`, {
    method: 'PUT',
    headers: { authorization: guestAuth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(response.ok, `PUT ${apiPath}: ${response.status}`);
}

before(async () => {
  broker = await testBroker('secrets');
  await put(`/api/users/${user}`, { password: secret, tags: 'management' });
  await put(`/api/permissions/${encodeURIComponent(broker.vhost)}/${user}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  // As a person types it: the password as it is, the last @ before the host ending it.
  hostAndVhost = new URL(broker.url).href.replace(/^amqp:\/\/[^@]*@/, '');
  url = `amqp://${user}:${secret}@${hostAndVhost}`;
});

after(async () => {
  await fetch(`${broker.managementUrl}/api/users/${user}`, {
    method: 'DELETE',
    headers: { authorization: guestAuth },
  });
  await broker.dispose();
});

const notice =
  'rabbit-lab: the password in --url and the token in --http-token can be read by every user of this machine (ps shows command lines); set RABBIT_LAB_URL and RABBIT_LAB_HTTP_TOKEN instead.';

function assertNoSecret(output: string): void {
  for (const part of [secret, encodeURIComponent(secret), 'Sh0wn', 'nowhere', token]) {
    assert.ok(!output.includes(part), `'${part}' appears in:\n${output}`);
  }
}

describe('secrets given on the command line', () => {
  test('--url with a password and --http-token: one notice naming the variables, no secret shown', async () => {
    const result = await runCli(
      [
        'scenario',
        'hello',
        '--headless',
        '--json',
        '--duration',
        '1',
        '--url',
        url,
        '--management-url',
        broker.managementUrl,
        '--http-token',
        token,
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.split('\n');
    assert.equal(lines.filter((l) => l === notice).length, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { broker?: { url?: string } };
    assert.equal(report.broker?.url, `amqp://${user}:***@${hostAndVhost}`);
    assertNoSecret(result.stdout + result.stderr);
  });

  test('the same secrets from RABBIT_LAB_URL and RABBIT_LAB_HTTP_TOKEN: no notice', async () => {
    const result = await runCli(
      [
        'scenario',
        'hello',
        '--headless',
        '--duration',
        '1',
        '--management-url',
        broker.managementUrl,
      ],
      { timeoutMs: 60_000, env: { RABBIT_LAB_URL: url, RABBIT_LAB_HTTP_TOKEN: token } },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /ps shows command lines|RABBIT_LAB_URL/);
    assertNoSecret(result.stdout + result.stderr);
  });
});
