import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { withVhost } from '../../source/broker/url.js';
import { brokerUrls, type TestBroker, testBroker } from '../support/broker.js';
import { runCli } from '../support/cli.js';

const secret = 'Sup3rSecret-pw';

/** Scenario files and an empty "RabbitMQ directory"; the CLI runs here, so messages name files short. */
const workDir = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-bad-input-'));
const emptyDir = path.join(workDir, 'no-rabbitmq');
mkdirSync(emptyDir);

const scenarioHead = 'name: mine\ntitle: Mine\npattern: p\nsummary: s\nlesson: l\n';

function scenarioFile(name: string, text: string): string {
  writeFileSync(path.join(workDir, name), text);
  return `./${name}`;
}

const servers: net.Server[] = [];

/**
 * A plain TCP server on loopback that is no TLS server: 'garbage' answers every connection with
 * an HTTP error line, 'close' drops it at once. Returns its port.
 */
function notTlsServer(mode: 'garbage' | 'close'): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    if (mode === 'close') socket.destroy();
    else socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
  });
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 1);
    });
  });
}

/** A user the broker lets in over AMQP but whose management API login fails: it has no tags. */
const untaggedUser = 'lab-no-management-tag';
let untaggedBroker: TestBroker | undefined;
const guestAuth = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

/** A vhost that exists but where guest has no permissions (403 / NOT_ALLOWED on connect). */
const closedVhost = `lab-no-permissions-${process.pid}`;
let closedVhostMade = false;

async function closedVhostUrl(): Promise<string> {
  const { url, managementUrl } = brokerUrls();
  const response = await fetch(`${managementUrl}/api/vhosts/${closedVhost}`, {
    method: 'PUT',
    headers: { authorization: guestAuth, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.ok(response.ok, `PUT vhost: ${response.status}`);
  closedVhostMade = true;
  // The management API gives the user who creates a vhost full permissions on it: take them back.
  const revoke = await fetch(`${managementUrl}/api/permissions/${closedVhost}/guest`, {
    method: 'DELETE',
    headers: { authorization: guestAuth },
  });
  assert.ok(revoke.ok || revoke.status === 404, `DELETE permissions: ${revoke.status}`);
  return withVhost(url, closedVhost);
}

async function untaggedUserUrl(): Promise<string> {
  untaggedBroker ??= await testBroker('bad-input');
  const { managementUrl, vhost } = untaggedBroker;
  const put = async (apiPath: string, body: unknown) => {
    const response = await fetch(`${managementUrl}${apiPath}`, {
      method: 'PUT',
      headers: { authorization: guestAuth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(response.ok, `PUT ${apiPath}: ${response.status}`);
  };
  await put(`/api/users/${untaggedUser}`, { password: secret, tags: '' });
  await put(`/api/permissions/${encodeURIComponent(vhost)}/${untaggedUser}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
  const url = new URL(withVhost(brokerUrls().url, vhost));
  url.username = untaggedUser;
  url.password = secret;
  return url.toString();
}

after(async () => {
  for (const server of servers) server.close();
  rmSync(workDir, { recursive: true, force: true });
  if (closedVhostMade) {
    await fetch(`${brokerUrls().managementUrl}/api/vhosts/${closedVhost}`, {
      method: 'DELETE',
      headers: { authorization: guestAuth },
    });
  }
  if (untaggedBroker) {
    await fetch(`${untaggedBroker.managementUrl}/api/users/${untaggedUser}`, {
      method: 'DELETE',
      headers: { authorization: guestAuth },
    });
    await untaggedBroker.dispose();
  }
});

/** A port on loopback where nothing listens (we bind it, read the number, release it). */
async function closedPort(): Promise<number> {
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
  readonly env?: Record<string, string>;
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
    name: 'absurd --max-actors',
    args: () => ['scenario', 'hello', '--headless', '--max-actors', '0'],
    message: /^rabbit-lab: --max-actors must be a whole number between 1 and 1000\.$/,
  },
  {
    name: 'a short --http-token',
    args: () => ['scenario', 'exchange-to-queues', '--headless', '--http-token', 'abc'],
    message: /^rabbit-lab: --http-token must be 8 to 200 printable characters without spaces\.$/,
  },
  {
    name: 'unknown option',
    args: () => ['scenario', 'hello', '--headles'],
    message: /^rabbit-lab: Unknown argument: headles/,
  },
  {
    name: 'scenario file that is not YAML',
    args: () => [
      'scenario',
      scenarioFile('tabs.yaml', 'name: mine\n\ttitle: Mine\n'),
      '--headless',
    ],
    message: /^rabbit-lab: tabs\.yaml:2: not valid YAML: Tabs are not allowed as indentation$/,
  },
  {
    name: 'scenario file failing the schema names file, line and field',
    args: () => [
      'scenario',
      scenarioFile(
        'schema.yaml',
        `${scenarioHead}topology:\n  exchanges:\n    - name: logs\n      type: fanot\n`,
      ),
      '--headless',
    ],
    message:
      /^rabbit-lab: schema\.yaml:9: topology\.exchanges\[0\]\.type: Invalid option: expected one of "direct"\|"fanout"\|"topic"\|"headers"\|"x-consistent-hash"$/,
  },
  {
    name: 'negative producer rate in a scenario file',
    args: () => [
      'scenario',
      scenarioFile(
        'rate.yaml',
        `${scenarioHead}actors:\n  - kind: producer\n    routingKeys: [q]\n    rate: -5\n`,
      ),
      '--headless',
    ],
    message: /^rabbit-lab: rate\.yaml:9: actors\[0\]\.rate: Too small: expected number to be >0$/,
  },
  {
    name: 'absurd prefetch in a scenario file',
    args: () => [
      'scenario',
      scenarioFile(
        'prefetch.yaml',
        `${scenarioHead}actors:\n  - kind: consumer\n    queue: q\n    prefetch: 100000\n`,
      ),
      '--headless',
    ],
    message:
      /^rabbit-lab: prefetch\.yaml:9: actors\[0\]\.prefetch: Too big: expected number to be <=65535$/,
  },
  {
    name: 'absurd duration',
    args: () => ['scenario', 'hello', '--headless', '--duration', '1e9'],
    message: /^rabbit-lab: --duration must be a number of seconds between 0 and 86400\.$/,
  },
  {
    name: 'non-numeric duration',
    args: () => ['scenario', 'hello', '--headless', '--duration', 'ten'],
    message: /^rabbit-lab: --duration must be a number of seconds between 0 and 86400\.$/,
  },
  {
    name: 'nothing listening at the management URL',
    args: async () => [
      'scenario',
      'hello',
      '--headless',
      '--url',
      brokerUrls().url,
      '--management-url',
      `http://127.0.0.1:${await closedPort()}`,
    ],
    message:
      /^rabbit-lab: Cannot reach the management API at http:\/\/127\.0\.0\.1:\d+; check --management-url \(default: the broker's host, port 15672\) and that the broker runs the management plugin \(rabbitmq-plugins enable rabbitmq_management\)\.$/,
  },
  {
    name: 'management API refuses a user without the management tag',
    args: async () => [
      'scenario',
      'hello',
      '--headless',
      '--url',
      await untaggedUserUrl(),
      '--management-url',
      brokerUrls().managementUrl,
    ],
    message:
      /^rabbit-lab: The management API at http:\/\/\S+ refused user 'lab-no-management-tag' \(it uses the user and password from --url\); check the password, and give the user the management tag \(rabbitmqctl set_user_tags lab-no-management-tag management\)\.$/,
  },
  {
    name: 'a vhost the user has no permissions on (NOT_ALLOWED)',
    args: async () => [
      'scenario',
      'hello',
      '--headless',
      '--url',
      await closedVhostUrl(),
      '--management-url',
      brokerUrls().managementUrl,
    ],
    message:
      /^rabbit-lab: Cannot connect to amqp:\/\/guest:\*\*\*@\S+\/lab-no-permissions-\d+: The broker refused to open the virtual host \(NOT_ALLOWED\): it does not exist, or this user has no permissions on it; check the vhost at the end of --url, or grant them with rabbitmqctl set_permissions\.$/,
  },
  {
    name: 'RabbitMQ not installed (RABBIT_LAB_RABBITMQ_DIR names an empty directory)',
    args: () => ['scenario', 'hello', '--headless', '--broker', 'embedded'],
    env: { RABBIT_LAB_RABBITMQ_DIR: emptyDir },
    message:
      /^rabbit-lab: RabbitMQ is not installed in \S+no-rabbitmq \(RABBIT_LAB_RABBITMQ_DIR limits the search to it and it holds no rabbitmq-server script\); point RABBIT_LAB_RABBITMQ_DIR at the directory that does, or unset it and install RabbitMQ (with `npm run setup`|with `sudo |from https:)/,
  },
  {
    name: 'amqps:// to a port that answers with something else than TLS',
    args: async () => [
      'scenario',
      'hello',
      '--headless',
      '--url',
      `amqps://guest:${secret}@127.0.0.1:${await notTlsServer('garbage')}`,
    ],
    message:
      /^rabbit-lab: Cannot connect to amqps:\/\/guest:\*\*\*@127\.0\.0\.1:\d+: The server does not speak TLS on this port; use its TLS port/,
  },
  {
    name: 'amqps:// to a port that closes the connection during the TLS handshake',
    args: async () => [
      'scenario',
      'hello',
      '--headless',
      '--url',
      `amqps://guest:${secret}@127.0.0.1:${await notTlsServer('close')}`,
    ],
    message:
      /^rabbit-lab: Cannot connect to amqps:\/\/guest:\*\*\*@127\.0\.0\.1:\d+: The (server|broker) closed the connection .*TLS handshake.*; check that this is its TLS port/,
  },
  {
    name: 'a cluster of 2 nodes',
    args: () => [
      'scenario',
      'quorum-failover',
      '--broker',
      'cluster',
      '--nodes',
      '2',
      '--headless',
    ],
    message:
      /^rabbit-lab: --nodes must be 3 to 5: a quorum queue needs a majority of its members, so 3 nodes are the smallest cluster that survives losing one, and more than 5 private nodes only cost memory\.$/,
  },
  {
    name: 'a cluster of 9 nodes',
    args: () => [
      'scenario',
      'quorum-failover',
      '--broker',
      'cluster',
      '--nodes',
      '9',
      '--headless',
    ],
    message: /^rabbit-lab: --nodes must be 3 to 5: /,
  },
  {
    name: 'not enough memory for the cluster: told before anything starts',
    args: () => [
      'scenario',
      'quorum-failover',
      '--broker',
      'cluster',
      '--nodes',
      '4',
      '--headless',
    ],
    env: { RABBIT_LAB_TEST_FREE_MEMORY_MB: '700' },
    message:
      /^rabbit-lab: A private cluster of 4 nodes needs about 1024 MB of free memory \(256 MB a node\) and this machine has 700 MB available; close other programs or use fewer nodes \(--nodes 3\)\.$/,
  },
  {
    name: 'unknown broker mode',
    args: () => ['scenario', 'hello', '--broker', 'cloud'],
    message:
      /^rabbit-lab: Invalid values: Argument: broker, Given: "cloud", Choices: "auto", "embedded", "cluster", "external"\. Run `rabbit-lab --help` for usage\.$/,
  },
];

// Each row is a CLI run of its own, mostly waiting on node's start: four at a time.
describe('bad input: one sentence, exit code 2, no stack trace, no password', {
  concurrency: 4,
}, () => {
  for (const row of rows) {
    test(row.name, async () => {
      const result = await runCli(await row.args(), {
        timeoutMs: 30_000,
        cwd: workDir,
        env: row.env ?? {},
      });
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
