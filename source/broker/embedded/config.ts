/** Port planning for one or more nodes, each node's files and its settings. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { choosePort, localhostAddresses } from '../ports.js';
import { portsInUseByOtherNodes, removeDirSync } from './records.js';
import { BrokerStartError, type EmbeddedTlsOptions } from './types.js';

const STANDARD_AMQP_PORT = 5672;
const STANDARD_MANAGEMENT_PORT = 15672;
const STANDARD_DIST_PORT = 25672;
const STANDARD_AMQPS_PORT = 5671;
const STANDARD_MANAGEMENT_TLS_PORT = 15671;

export interface NodePlan {
  /** The node's place among the nodes planned together (0 for the first or only one). */
  readonly index: number;
  readonly nodeName: string;
  readonly baseDir: string;
  readonly hosts: readonly string[];
  readonly amqpPort: number;
  readonly managementPort: number;
  readonly distPort: number;
  readonly tls?: EmbeddedTlsOptions & {
    readonly amqpsPort: number;
    readonly managementTlsPort: number;
  };
  /** A cluster member: every member's node name (this one's included) and the shared cookie. */
  readonly cluster?: ClusterPlan;
}

export interface ClusterPlan {
  readonly members: readonly string[];
  readonly cookie: string;
}

/** How the nodes planned together get their ports. */
export interface PlanOptions {
  /** The first node takes the standard ports when they are free; the others always free ones. */
  readonly preferStandardPorts: boolean;
  readonly tls: EmbeddedTlsOptions | undefined;
  /** Plan the nodes as one cluster: names unique to this run, one cookie, each lists the others. */
  readonly cluster?: boolean;
}

/** The AMQP and HTTP ports the node listens on (not the distribution port). */
export function listenerPorts(plan: NodePlan): number[] {
  const tlsPorts = plan.tls ? [plan.tls.amqpsPort, plan.tls.managementTlsPort] : [];
  return [plan.amqpPort, plan.managementPort, ...tlsPorts];
}

let nodesStartedByThisProcess = 0;

/** rabbit-lab-<pid>@localhost; a second node in the same process gets a suffix. */
function nextNodeName(): string {
  nodesStartedByThisProcess++;
  const suffix = nodesStartedByThisProcess === 1 ? '' : `-${nodesStartedByThisProcess}`;
  return `rabbit-lab-${process.pid}${suffix}@localhost`;
}

/**
 * rabbit-lab-<pid>-<random>-<n>@localhost: epmd remembers a name until its node dies, and a
 * stale registration makes the next boot under that name fail (duplicate_node_name), so each
 * run's cluster gets names of its own.
 */
function clusterPlan(count: number): ClusterPlan {
  const tag = randomBytes(3).toString('hex');
  const members = Array.from(
    { length: count },
    (_, i) => `rabbit-lab-${process.pid}-${tag}-${i + 1}@localhost`,
  );
  // Erlang cookies are atoms: letters only keeps them valid and unquoted.
  const cookie = randomBytes(24)
    .toString('base64')
    .replace(/[^A-Za-z]/g, '')
    .toUpperCase();
  return { members, cookie: cookie.padEnd(20, 'X') };
}

/**
 * Ports, a temp dir and a name for each of `count` nodes, none of them sharing a port with
 * another or with other live private nodes. A failure removes the temp dirs made so far.
 */
export async function planNodes(count: number, options: PlanOptions): Promise<NodePlan[]> {
  const hosts = await localhostAddresses();
  const taken = await portsInUseByOtherNodes();
  const plans: NodePlan[] = [];
  const cluster = options.cluster === true ? clusterPlan(count) : undefined;
  try {
    for (let index = 0; index < count; index++) {
      plans.push(await planNode(index, hosts, taken, options, cluster));
    }
    return plans;
  } catch (error) {
    for (const plan of plans) removeDirSync(plan.baseDir);
    throw error;
  }
}

/** One node's plan; the ports it picks are added to `taken`. */
async function planNode(
  index: number,
  hosts: readonly string[],
  taken: Set<number>,
  { preferStandardPorts, tls }: PlanOptions,
  cluster: ClusterPlan | undefined,
): Promise<NodePlan> {
  const preferStandard = preferStandardPorts && index === 0;
  const pick = async (standard: number): Promise<number> => {
    const port = await choosePort(hosts, taken, preferStandard ? standard : undefined);
    taken.add(port);
    return port;
  };
  const amqpPort = await pick(STANDARD_AMQP_PORT);
  const managementPort = await pick(STANDARD_MANAGEMENT_PORT);
  const distPort = await pick(STANDARD_DIST_PORT);
  const tlsPlan =
    tls === undefined
      ? undefined
      : {
          ...tls,
          amqpsPort: await pick(STANDARD_AMQPS_PORT),
          managementTlsPort: await pick(STANDARD_MANAGEMENT_TLS_PORT),
        };
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'rabbit-lab-'));
  return {
    index,
    nodeName: cluster?.members[index] ?? nextNodeName(),
    baseDir,
    hosts,
    amqpPort,
    managementPort,
    distPort,
    ...(tlsPlan === undefined ? {} : { tls: tlsPlan }),
    ...(cluster === undefined ? {} : { cluster }),
  };
}

function formatListenAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function rabbitmqConf(plan: NodePlan): string {
  const listeners = plan.hosts.map(
    (host, i) => `listeners.tcp.${i + 1} = ${formatListenAddress(host, plan.amqpPort)}`,
  );
  return [
    '# Private throwaway node started by rabbit-lab; removed when it stops.',
    ...listeners,
    `management.tcp.port = ${plan.managementPort}`,
    // The management plugin has a single listener: bind the address that
    // `localhost` resolves to first, which is what Node and browsers try first.
    `management.tcp.ip = ${plan.hosts[0] ?? '127.0.0.1'}`,
    'collect_statistics_interval = 1000',
    ...tlsConf(plan),
    ...clusterConf(plan),
    '',
  ].join('\n');
}

/**
 * TLS listeners next to the plain ones (rabbit.schema: listeners.ssl.*, ssl_options.*;
 * rabbitmq_management.schema: management.ssl.*). verify_peer without fail_if_no_peer_cert:
 * a client certificate is checked when one is offered, and none is required.
 */
function tlsConf(plan: NodePlan): string[] {
  const tls = plan.tls;
  if (tls === undefined) return [];
  const files = (prefix: string) => [
    `${prefix}.cacertfile = ${tls.caFile}`,
    `${prefix}.certfile = ${tls.certFile}`,
    `${prefix}.keyfile = ${tls.keyFile}`,
    `${prefix}.verify = verify_peer`,
    `${prefix}.fail_if_no_peer_cert = false`,
  ];
  return [
    ...plan.hosts.map(
      (host, i) => `listeners.ssl.${i + 1} = ${formatListenAddress(host, tls.amqpsPort)}`,
    ),
    ...files('ssl_options'),
    `management.ssl.port = ${tls.managementTlsPort}`,
    `management.ssl.ip = ${plan.hosts[0] ?? '127.0.0.1'}`,
    ...files('management.ssl'),
  ];
}

/**
 * Peer discovery from a fixed list (classic_config): the nodes find each other at first boot and
 * form the cluster without a join_cluster step.
 */
function clusterConf(plan: NodePlan): string[] {
  if (plan.cluster === undefined) return [];
  return [
    'cluster_formation.peer_discovery_backend = classic_config',
    // A node cut off from the majority (a frozen node after its thaw) pauses and drops its
    // clients, which reconnect to the majority: RabbitMQ's advice for clusters of three or more.
    'cluster_partition_handling = pause_minority',
    ...plan.cluster.members.map(
      (name, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${name}`,
    ),
  ];
}

export function fileLayout(plan: NodePlan) {
  const at = (name: string): string => path.join(plan.baseDir, name);
  return {
    config: at('rabbitmq.conf'),
    advancedConfig: at('advanced.config'),
    confEnv: at('rabbitmq-env.conf'),
    enabledPlugins: at('enabled_plugins'),
    mnesiaBase: at('mnesia'),
    logBase: at('log'),
    pidFile: at('rabbitmq.pid'),
    cookie: at('.erlang.cookie'),
    stdoutLog: at('server.out.log'),
    nodeLog: path.join(at('log'), `${plan.nodeName}.log`),
  };
}

/** Settings as RABBITMQ_* names (for the process) and bare names (for the env file). */
export function nodeSettings(plan: NodePlan): Record<string, string> {
  const files = fileLayout(plan);
  return {
    NODENAME: plan.nodeName,
    CONFIG_FILE: files.config,
    // The node's own, so /etc/rabbitmq/advanced.config is not read.
    ADVANCED_CONFIG_FILE: files.advancedConfig,
    ENABLED_PLUGINS_FILE: files.enabledPlugins,
    MNESIA_BASE: files.mnesiaBase,
    LOG_BASE: files.logBase,
    PID_FILE: files.pidFile,
    DIST_PORT: String(plan.distPort),
  };
}

export async function writeNodeFiles(plan: NodePlan): Promise<void> {
  const files = fileLayout(plan);
  const settings = nodeSettings(plan);
  // Lets `RABBITMQ_CONF_ENV_FILE=<baseDir>/rabbitmq-env.conf HOME=<baseDir> rabbitmqctl status` reach this node.
  const envFile = Object.entries(settings).map(([key, value]) => `${key}=${shellQuote(value)}`);
  await writeFile(files.config, rabbitmqConf(plan));
  // The consistent-hash exchange ships with the server; the consistent-hash scenario needs it.
  await writeFile(
    files.enabledPlugins,
    '[rabbitmq_management,rabbitmq_consistent_hash_exchange].\n',
  );
  await writeFile(files.advancedConfig, advancedConfig());
  await writeFile(files.confEnv, `${envFile.join('\n')}\n`);
  // Members of one cluster share a cookie; each node's HOME is its base dir (spawn.ts).
  if (plan.cluster) await writeFile(files.cookie, plan.cluster.cookie, { mode: 0o400 });
}

/**
 * Settings rabbitmq.conf has no key for. A quorum queue with at-least-once dead-lettering whose
 * target refused a message tries again after this long: 180 s by default, 5 s here so the
 * at-least-once scenario shows the retry while you watch.
 */
function advancedConfig(): string {
  return '[{rabbit, [{dead_letter_worker_publisher_confirm_timeout, 5000}]}].\n';
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Plans and config files for `count` nodes; any failure becomes a BrokerStartError. */
export async function prepareNodes(count: number, options: PlanOptions): Promise<NodePlan[]> {
  let plans: NodePlan[] = [];
  try {
    plans = await planNodes(count, options);
    for (const plan of plans) await writeNodeFiles(plan);
    return plans;
  } catch (error) {
    for (const plan of plans) removeDirSync(plan.baseDir);
    const reason = error instanceof Error ? error.message : String(error);
    throw new BrokerStartError(`Could not prepare the private RabbitMQ node: ${reason}.`);
  }
}
