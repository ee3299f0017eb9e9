/** The private three-node cluster `npm test` starts for the tests under test/cluster/. */
import {
  attachCluster,
  type ClusterAttachment,
  type ClusterNodeInfo,
  type EmbeddedCluster,
} from '../../source/broker/embedded/index.js';

export interface TestCluster {
  readonly version: string;
  readonly nodes: readonly ClusterNodeInfo[];
  /** Crash, stop, freeze, thaw and start the shared nodes (the runner owns and stops them). */
  readonly control: EmbeddedCluster;
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
  };
  return {
    version: parsed.version,
    nodes: parsed.nodes,
    control: attachCluster(parsed.attachment, parsed.version),
  };
}
