import { randomBytes } from 'node:crypto';
import { ManagementClient } from '../../source/broker/management-client.js';
import { withVhost } from '../../source/broker/url.js';

export interface TestBroker {
  /** AMQP URL into this test's own vhost. */
  readonly url: string;
  readonly managementUrl: string;
  readonly vhost: string;
  readonly management: ManagementClient;
  /** Delete the vhost and everything in it. */
  dispose(): Promise<void>;
}

/** The broker `npm test` started; fails with how to get one when it is missing. */
export function brokerUrls(): { url: string; managementUrl: string } {
  const url = process.env.RABBIT_LAB_TEST_URL;
  const managementUrl = process.env.RABBIT_LAB_TEST_MANAGEMENT_URL;
  if (!url || !managementUrl) {
    throw new Error(
      'No test broker: run the tests with `npm test`, which starts a private RabbitMQ node (install RabbitMQ with `npm run setup`).',
    );
  }
  return { url, managementUrl };
}

/** A fresh vhost per test file, so tests running in parallel on one broker cannot meet. */
export async function testBroker(label: string): Promise<TestBroker> {
  const { url, managementUrl } = brokerUrls();
  const management = new ManagementClient({
    baseUrl: managementUrl,
    username: 'guest',
    password: 'guest',
  });
  const vhost = `test-${label}-${randomBytes(3).toString('hex')}`;
  await management.createVhost(vhost, 'guest');
  return {
    url: withVhost(url, vhost),
    managementUrl,
    vhost,
    management,
    dispose: () => management.deleteVhost(vhost),
  };
}

/** Wait until `probe` returns a truthy value (polling, not sleeping a fixed time). */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`,
  );
}

/** The broker's live consumer count for a queue (passive declare; the management API's lags). */
export async function consumerCount(url: string, queue: string): Promise<number> {
  const amqp = (await import('amqplib')).default;
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    // A missing queue (404) rejects checkQueue; the channel's error event must not also throw.
    channel.on('error', () => {});
    return (await channel.checkQueue(queue)).consumerCount;
  } finally {
    await connection.close();
  }
}
