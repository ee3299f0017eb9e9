import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { brokerUrls } from '../support/broker.js';
import { runCli } from '../support/cli.js';

const secret = 'Sup3rSecret-pw';

/** A port on loopback where nothing listens (we bind it, read the number, release it). */
async function closedPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

function wrongPasswordUrl(): string {
  const url = new URL(brokerUrls().url);
  url.password = secret;
  return url.toString();
}

interface Row {
  readonly name: string;
  readonly args: () => Promise<string[]> | string[];
  readonly message: RegExp;
}

const rows: Row[] = [
  {
    name: 'unknown scenario suggests the closest name',
    args: () => ['scenario', 'helo', '--headless'],
    message:
      /^rabbit-lab: Unknown scenario 'helo'\. Did you mean 'hello-queue'\? Run `rabbit-lab list` to see them all\.$/,
  },
  {
    name: 'missing scenario file',
    args: () => ['scenario', './no/such.yaml', '--headless'],
    message: /^rabbit-lab: no\/such\.yaml: no such scenario file\.$/,
  },
  {
    name: 'malformed URL',
    args: () => ['scenario', 'hello', '--headless', '--url', `amqp://guest:${secret}@local host`],
    message:
      /^rabbit-lab: The broker URL .* is not a valid URL; use the form amqp:\/\/user:\*\*\*@host:5672\/vhost\.$/,
  },
  {
    name: 'wrong scheme',
    args: () => ['scenario', 'hello', '--headless', '--url', `http://guest:${secret}@localhost`],
    message: /^rabbit-lab: The broker URL must start with amqp:\/\/ or amqps:\/\//,
  },
  {
    name: 'nothing listening at a non-default URL',
    args: async () => [
      'scenario',
      'hello',
      '--headless',
      '--url',
      `amqp://guest:${secret}@127.0.0.1:${await closedPort()}`,
    ],
    message:
      /^rabbit-lab: Nothing answers at 127\.0\.0\.1:\d+ \(amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+\)\./,
  },
  {
    name: 'wrong password',
    args: () => ['scenario', 'hello', '--headless', '--url', wrongPasswordUrl()],
    message:
      /^rabbit-lab: Cannot connect to amqp:\/\/guest:\*\*\*@.*: The broker refused the user name or password \(ACCESS_REFUSED\)\.$/,
  },
  {
    name: 'no terminal without --headless',
    args: () => ['scenario', 'hello'],
    message: /^rabbit-lab: The lab screen needs a terminal; add --headless/,
  },
  {
    name: 'negative duration',
    args: () => ['scenario', 'hello', '--headless', '--duration', '-3'],
    message: /^rabbit-lab: --duration must be a number of seconds between 0 and 86400\.$/,
  },
  {
    name: 'absurd --max-rate',
    args: () => ['scenario', 'hello', '--headless', '--max-rate', '0'],
    message:
      /^rabbit-lab: --max-rate must be a number of messages per second between 0 and 1000000\.$/,
  },
  {
    name: 'unknown option',
    args: () => ['scenario', 'hello', '--headles'],
    message: /^rabbit-lab: Unknown argument: headles/,
  },
  {
    name: 'unknown broker mode',
    args: () => ['scenario', 'hello', '--broker', 'cloud'],
    message:
      /^rabbit-lab: Invalid values: Argument: broker, Given: "cloud", Choices: "auto", "embedded", "external" Run `rabbit-lab --help` for usage\.$/,
  },
];

describe('bad input: one sentence, exit code 2, no stack trace, no password', () => {
  for (const row of rows) {
    test(row.name, async () => {
      const result = await runCli(await row.args(), { timeoutMs: 30_000 });
      const lines = result.stderr
        .split('\n')
        .filter((l) => l.trim() !== '' && !/^connecting to /.test(l));
      assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
      assert.equal(result.stdout, '');
      assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
      assert.match(lines[0] ?? '', row.message);
      assert.doesNotMatch(result.stderr, /\bat .+:\d+:\d+\)?$/m, 'no stack trace');
      assert.ok(!result.stderr.includes(secret), 'the password never appears');
    });
  }
});
