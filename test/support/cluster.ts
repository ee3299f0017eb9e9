/** The private three-node cluster `npm test` starts for the tests under test/cluster/. */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  attachCluster,
  type ClusterAttachment,
  type ClusterNodeInfo,
  type EmbeddedCluster,
} from '../../source/broker/embedded/index.js';
import { ManagementClient } from '../../source/broker/management-client.js';
import { withVhost } from '../../source/broker/url.js';

export interface TestCluster {
  readonly version: string;
  readonly nodes: readonly ClusterNodeInfo[];
  /** Crash, stop, freeze, thaw and start the shared nodes (the runner owns and stops them). */
  readonly control: EmbeddedCluster;
  /** This test file is done with the cluster: once every cluster file is, the runner stops it. */
  release(): void;
}

export function testCluster(): TestCluster {
  const raw = process.env.RABBIT_LAB_TEST_CLUSTER;
  if (!raw) {
    throw new Error(
      'No test cluster: run the cluster tests with `npm test` (or `npx tsx test/run.ts test/cluster/<file>`), which starts a private three-node RabbitMQ cluster (install RabbitMQ with `npm run setup`).',
    );
  }
  const parsed = JSON.parse(raw) as {
    version: string;
    nodes: ClusterNodeInfo[];
    attachment: ClusterAttachment;
    releaseDir: string;
  };
  return {
    version: parsed.version,
    nodes: parsed.nodes,
    control: attachCluster(parsed.attachment, parsed.version),
    release: () => {
      writeFileSync(path.join(parsed.releaseDir, `done-${process.pid}`), '');
    },
  };
}

export interface TestClusterVhost {
  /** Every node's AMQP URL into this test's own vhost, node 1 first. */
  readonly urls: readonly string[];
  readonly managementUrls: readonly string[];
  readonly vhost: string;
  readonly management: ManagementClient;
  dispose(): Promise<void>;
}

/** A fresh vhost on the shared cluster, so cluster tests running side by side cannot meet. */
export async function testClusterVhost(label: string): Promise<TestClusterVhost> {
  const { nodes } = testCluster();
  const managementUrls = nodes.map((n) => n.managementUrl);
  const management = new ManagementClient({
    baseUrl: managementUrls[0] ?? '',
    baseUrls: managementUrls,
    username: 'guest',
    password: 'guest',
  });
  const vhost = `test-${label}-${randomBytes(3).toString('hex')}`;
  await management.createVhost(vhost, 'guest');
  return {
    urls: nodes.map((n) => withVhost(n.amqpUrl, vhost)),
    managementUrls,
    vhost,
    management,
    dispose: () => management.deleteVhost(vhost),
  };
}
