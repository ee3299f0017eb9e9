import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { answersAmqp, choosePort, isListening, localhostAddresses } from './ports.js';

export interface EmbeddedBrokerOptions {
  /** Called with short human progress lines during boot, e.g. "starting private RabbitMQ node… 3.1 s". Called at least once a second while booting. */
  readonly onProgress?: (message: string) => void;
  /** Use 5672/15672 when they are free (default true); otherwise (or when false) pick free ports. */
  readonly preferStandardPorts?: boolean;
  /** Give up after this long (default 60_000 ms). */
  readonly timeoutMs?: number;
  /**
   * Also listen for amqps:// and https:// (the plain listeners stay), with this server
   * certificate. Client certificates are checked against caFile when offered, never required.
   */
  readonly tls?: EmbeddedTlsOptions;
}

/** PEM files for a private node's TLS listeners; the certificate must name localhost. */
export interface EmbeddedTlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

export interface EmbeddedBroker {
  readonly amqpUrl: string;
  readonly managementUrl: string;
  readonly amqpPort: number;
  readonly managementPort: number;
  readonly distPort: number;
  /** With the `tls` option: the amqps:// URL, its port, and the https:// management URL and port. */
  readonly amqpsUrl?: string;
  readonly amqpsPort?: number;
  readonly managementTlsUrl?: string;
  readonly managementTlsPort?: number;
  readonly nodeName: string;
  readonly baseDir: string;
  readonly version: string;
  readonly pid: number;
  /** Stop (SIGTERM, wait up to 1 s, then SIGKILL the process group), then remove baseDir. Idempotent, never throws. */
  stop(): Promise<void>;
  /** Synchronous last-resort stop for process 'exit' handlers: SIGKILL the process group, remove baseDir. Idempotent, never throws. */
  stopSync(): void;
}

export class BrokerStartError extends Error {
  readonly detail?: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.name = 'BrokerStartError';
    if (detail !== undefined) this.detail = detail;
  }
}

/** What a pid file in the shared state dir records about one private node. */
interface NodeRecord {
  readonly ownerPid: number;
  readonly serverPid: number;
  readonly baseDir: string;
  readonly nodeName: string;
  readonly ports: readonly number[];
  /** epmd was not running before this node started, so it is ours to stop. */
  readonly startedEpmd: boolean;
}

const STANDARD_AMQP_PORT = 5672;
const STANDARD_MANAGEMENT_PORT = 15672;
const STANDARD_DIST_PORT = 25672;
const STANDARD_AMQPS_PORT = 5671;
const STANDARD_MANAGEMENT_TLS_PORT = 15671;
const DEFAULT_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 150;
const PROGRESS_INTERVAL_MS = 500;
// The node is throwaway (its directory is deleted next), so a full graceful shutdown buys
// nothing: SIGTERM closes client connections within milliseconds, then the management plugin
// waits ~5 s before the VM exits. One second is plenty for connections to close cleanly.
const STOP_GRACE_MS = 1_000;
const NODE_MARKER_FLAG = '-rabbit_lab_node';
const GUEST_AUTH = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

// ---------------------------------------------------------------------------
// Finding the installation

const SEARCH_DIRS = ['/usr/lib/rabbitmq/bin', '/usr/sbin', '/opt/homebrew/sbin', '/usr/local/sbin'];

/** Names the one directory to take rabbitmq-server from (e.g. an unpacked generic-unix release's sbin). */
export const RABBITMQ_DIR_ENV = 'RABBIT_LAB_RABBITMQ_DIR';

/** The directory holding a usable rabbitmq-server script; with $RABBIT_LAB_RABBITMQ_DIR set, only that one. */
export function findRabbitmqServer(): string | undefined {
  const only = process.env[RABBITMQ_DIR_ENV];
  if (only) {
    const script = usableServerScript(path.join(only, 'rabbitmq-server'));
    return script === undefined ? undefined : path.dirname(script);
  }
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  // /usr/lib/rabbitmq/bin goes first: Debian's /usr/sbin entry is a wrapper
  // that switches to the rabbitmq user, which cannot use our temp dir.
  for (const dir of ['/usr/lib/rabbitmq/bin', ...pathDirs, ...SEARCH_DIRS]) {
    const script = usableServerScript(path.join(dir, 'rabbitmq-server'));
    if (script !== undefined) return path.dirname(script);
  }
  return undefined;
}

/** The real server script behind `candidate`, skipping the Debian/RPM su wrapper. */
function usableServerScript(candidate: string): string | undefined {
  if (!isExecutable(candidate)) return undefined;
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return undefined;
  }
  if (path.basename(real) === 'rabbitmq-server') return candidate;
  // The wrapper is a symlink to rabbitmq-script-wrapper sitting next to the real script.
  const sibling = path.join(path.dirname(real), 'rabbitmq-server');
  return isExecutable(sibling) && path.basename(realpathSync(sibling)) === 'rabbitmq-server'
    ? sibling
    : undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return lstatSync(file).isFile() || lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function findOnPath(name: string, extraDirs: readonly string[]): string | undefined {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of [...pathDirs, ...extraDirs]) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** The epmd binary, which is not always on PATH (it lives in erts-<v>/bin). */
function findEpmd(): string | undefined {
  const ertsDirs: string[] = [];
  for (const root of ['/usr/lib/erlang', '/usr/local/lib/erlang', '/opt/homebrew/lib/erlang']) {
    try {
      for (const entry of readdirSync(root)) {
        if (entry.startsWith('erts-')) ertsDirs.push(path.join(root, entry, 'bin'));
      }
    } catch {
      // Not installed there.
    }
  }
  return findOnPath('epmd', [
    '/usr/lib/erlang/bin',
    '/opt/homebrew/bin',
    '/usr/local/bin',
    ...ertsDirs,
  ]);
}

/** Why no private node can start: RabbitMQ is missing (where we looked, when told where). */
export function notInstalledMessage(): string {
  const only = process.env[RABBITMQ_DIR_ENV];
  if (only) {
    return `RabbitMQ is not installed in ${only} (${RABBITMQ_DIR_ENV} limits the search to it and it holds no rabbitmq-server script); point ${RABBITMQ_DIR_ENV} at the directory that does, or unset it and ${lowerFirst(installHint())}`;
  }
  return `RabbitMQ is not installed. ${installHint()}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** `npm run setup` exists in a clone of the repository, not where the package was installed. */
function inSourceCheckout(): boolean {
  return existsSync(new URL('../../scripts/setup.sh', import.meta.url));
}

function installWith(command: string): string {
  return inSourceCheckout()
    ? `Install RabbitMQ with \`npm run setup\` (or \`${command}\`).`
    : `Install RabbitMQ with \`${command}\`.`;
}

export function installHint(): string {
  if (process.platform === 'darwin') return installWith('brew install rabbitmq');
  if (process.platform === 'linux') {
    if (findOnPath('apt-get', ['/usr/bin'])) {
      return installWith('sudo apt-get install rabbitmq-server');
    }
    if (findOnPath('dnf', ['/usr/bin'])) {
      return 'Install RabbitMQ with `sudo dnf install rabbitmq-server`.';
    }
  }
  return 'Install RabbitMQ from https://www.rabbitmq.com/download.html and make sure `rabbitmq-server` is on your PATH.';
}

// ---------------------------------------------------------------------------
// Processes

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A killed process whose parent has not reaped it still answers kill(pid, 0). */
function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

function commandLine(pid: number): string[] {
  try {
    if (process.platform === 'linux') {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    }
    const out = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return out.trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** Guards against pid reuse: only touch processes started for `nodeName`. */
function belongsToNode(pid: number, nodeName: string): boolean {
  return isAlive(pid) && commandLine(pid).includes(nodeName);
}

function signal(pid: number, name: NodeJS.Signals): void {
  // 0, -0, 1 and -1 would hit our own group, init or every process we may signal.
  if (!Number.isInteger(pid) || Math.abs(pid) <= 1) return;
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The Erlang VM's own pid, which the server writes to its PID_FILE. */
function readBeamPid(baseDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(baseDir, 'rabbitmq.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGKILL the server's process group and the VM (in case it left the group). */
function killNodeHard(record: Pick<NodeRecord, 'serverPid' | 'baseDir' | 'nodeName'>): void {
  const beamPid = readBeamPid(record.baseDir);
  const ours = [record.serverPid, beamPid].some(
    (pid) => pid !== undefined && belongsToNode(pid, record.nodeName),
  );
  if (!ours) return;
  signal(-record.serverPid, 'SIGKILL');
  if (beamPid !== undefined && belongsToNode(beamPid, record.nodeName)) signal(beamPid, 'SIGKILL');
}

// ---------------------------------------------------------------------------
// epmd

/**
 * Stop epmd if we started it. `epmd -kill` itself refuses while any node is
 * registered, so another Erlang node on this machine keeps its epmd. A node
 * killed a moment ago can stay listed briefly, hence a few retries.
 */
function stopEpmdIfIdle(attempts: number): void {
  const epmd = findEpmd();
  // Without the epmd binary we cannot ask who is registered; leaving a tiny
  // idle daemon running is safer than killing one another node relies on.
  if (epmd === undefined) return;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const kill = spawnSync(epmd, ['-kill'], { encoding: 'utf8', timeout: 2000 });
    if (kill.status === 0 || kill.error !== undefined) return;
    const names = spawnSync(epmd, ['-names'], { encoding: 'utf8', timeout: 2000 });
    if (names.status !== 0) return; // epmd is not running (any more)
    sleepSync(100);
  }
}

// ---------------------------------------------------------------------------
// Shared state: pid files that let a later run reap nodes of a SIGKILLed one

/** Per-user, so a root run and a user run do not fight over permissions. */
export function nodeStateDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `rabbit-lab.${uid}`, 'nodes');
}

export function nodeStateFile(nodeName: string): string {
  return path.join(nodeStateDir(), `${nodeName}.json`);
}

/** Creates the state dir; false when it exists but is not ours (shared /tmp). */
function ensureStateDir(): boolean {
  const dir = nodeStateDir();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const d of [path.dirname(dir), dir]) {
      const stat = lstatSync(d);
      if (!stat.isDirectory()) return false;
      if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function writeNodeRecord(record: NodeRecord): Promise<void> {
  if (!ensureStateDir()) return;
  const file = nodeStateFile(record.nodeName);
  // Write then rename, so a concurrent reaper never reads half a file.
  await writeFile(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

function parseNodeRecord(text: string): NodeRecord | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    if (
      typeof v.ownerPid !== 'number' ||
      typeof v.serverPid !== 'number' ||
      typeof v.baseDir !== 'string' ||
      typeof v.nodeName !== 'string'
    ) {
      return undefined;
    }
    const ports = Array.isArray(v.ports) ? v.ports.filter((p) => typeof p === 'number') : [];
    return {
      ownerPid: v.ownerPid,
      serverPid: v.serverPid,
      baseDir: v.baseDir,
      nodeName: v.nodeName,
      ports,
      startedEpmd: v.startedEpmd === true,
    };
  } catch {
    return undefined;
  }
}

async function readNodeRecords(): Promise<Array<{ file: string; record: NodeRecord }>> {
  let entries: string[];
  try {
    entries = await readdir(nodeStateDir());
  } catch {
    return [];
  }
  const records: Array<{ file: string; record: NodeRecord }> = [];
  for (const entry of entries.filter((e) => e.endsWith('.json'))) {
    const file = path.join(nodeStateDir(), entry);
    const record = parseNodeRecord(await readFile(file, 'utf8').catch(() => ''));
    if (record !== undefined) records.push({ file, record });
  }
  return records;
}

/** Only ever delete our own mkdtemp dirs, whatever a pid file claims. */
function isOurTempDir(dir: string): boolean {
  return (
    path.dirname(dir) === os.tmpdir() &&
    path.basename(dir).startsWith('rabbit-lab-') &&
    dir !== path.dirname(nodeStateDir())
  );
}

function removeDirSync(dir: string): void {
  if (!isOurTempDir(dir)) return;
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Best effort: a leftover temp dir is harmless.
  }
}

function removeFileSync(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

export async function reapStaleNodes(): Promise<number> {
  let reaped = 0;
  for (const { file, record } of await readNodeRecords()) {
    if (record.ownerPid === process.pid || isAlive(record.ownerPid)) continue;
    const beamPid = readBeamPid(record.baseDir);
    killNodeHard(record);
    // epmd forgets the node only once the VM is really gone.
    if (record.startedEpmd) await waitForDeath(beamPid, 2000);
    if (isOurTempDir(record.baseDir)) {
      await rm(record.baseDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
    }
    await unlink(file).catch(() => {});
    if (record.startedEpmd) stopEpmdIfIdle(10);
    reaped++;
  }
  return reaped;
}

/** Ports claimed by other live private nodes that may still be booting. */
async function portsInUseByOtherNodes(): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const { record } of await readNodeRecords()) {
    if (isAlive(record.ownerPid)) for (const port of record.ports) ports.add(port);
  }
  return ports;
}

// ---------------------------------------------------------------------------
// Node layout

interface NodePlan {
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
}

/** The AMQP and HTTP ports the node listens on (not the distribution port). */
function listenerPorts(plan: NodePlan): number[] {
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

async function planNode(
  preferStandardPorts: boolean,
  tls: EmbeddedTlsOptions | undefined,
): Promise<NodePlan> {
  const hosts = await localhostAddresses();
  const taken = await portsInUseByOtherNodes();
  const pick = async (standard: number): Promise<number> => {
    const port = await choosePort(hosts, taken, preferStandardPorts ? standard : undefined);
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
    nodeName: nextNodeName(),
    baseDir,
    hosts,
    amqpPort,
    managementPort,
    distPort,
    ...(tlsPlan === undefined ? {} : { tls: tlsPlan }),
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

function fileLayout(plan: NodePlan) {
  const at = (name: string): string => path.join(plan.baseDir, name);
  return {
    config: at('rabbitmq.conf'),
    advancedConfig: at('advanced.config'),
    confEnv: at('rabbitmq-env.conf'),
    enabledPlugins: at('enabled_plugins'),
    mnesiaBase: at('mnesia'),
    logBase: at('log'),
    pidFile: at('rabbitmq.pid'),
    stdoutLog: at('server.out.log'),
    nodeLog: path.join(at('log'), `${plan.nodeName}.log`),
  };
}

/** Settings as RABBITMQ_* names (for the process) and bare names (for the env file). */
function nodeSettings(plan: NodePlan): Record<string, string> {
  const files = fileLayout(plan);
  return {
    NODENAME: plan.nodeName,
    CONFIG_FILE: files.config,
    // Points at a file that does not exist, so /etc/rabbitmq/advanced.config is not read.
    ADVANCED_CONFIG_FILE: files.advancedConfig,
    ENABLED_PLUGINS_FILE: files.enabledPlugins,
    MNESIA_BASE: files.mnesiaBase,
    LOG_BASE: files.logBase,
    PID_FILE: files.pidFile,
    DIST_PORT: String(plan.distPort),
  };
}

async function writeNodeFiles(plan: NodePlan): Promise<void> {
  const files = fileLayout(plan);
  const settings = nodeSettings(plan);
  // Lets `RABBITMQ_CONF_ENV_FILE=<baseDir>/rabbitmq-env.conf HOME=<baseDir> rabbitmqctl status` reach this node.
  const envFile = Object.entries(settings).map(([key, value]) => `${key}=${shellQuote(value)}`);
  await writeFile(files.config, rabbitmqConf(plan));
  await writeFile(files.enabledPlugins, '[rabbitmq_management].\n');
  await writeFile(files.confEnv, `${envFile.join('\n')}\n`);
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Our environment minus anything that would point the server elsewhere. */
function serverEnvironment(plan: NodePlan): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // NOTIFY_SOCKET would make the script believe it runs under systemd.
    if (key.startsWith('RABBITMQ_') || key === 'NOTIFY_SOCKET') continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(nodeSettings(plan))) env[`RABBITMQ_${key}`] = value;
  env.RABBITMQ_CONF_ENV_FILE = fileLayout(plan).confEnv;
  // Erlang distribution listens on all interfaces by default; keep it on loopback.
  env.RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS = '-kernel inet_dist_use_interface {127,0,0,1}';
  // Only applies when the node has to start epmd itself: keep that one on loopback too.
  env.ERL_EPMD_ADDRESS = '127.0.0.1';
  // The Erlang cookie lives in $HOME; a private HOME keeps ours out of the user's.
  env.HOME = plan.baseDir;
  return env;
}

function spawnServer(binDir: string, plan: NodePlan): ChildProcess {
  const out = openSync(fileLayout(plan).stdoutLog, 'a');
  try {
    // The script passes extra args on to erl; the marker puts the node name in
    // both command lines so the reaper can recognise them after pid reuse.
    const child = spawn(path.join(binDir, 'rabbitmq-server'), [NODE_MARKER_FLAG, plan.nodeName], {
      cwd: plan.baseDir,
      env: serverEnvironment(plan),
      // Own process group: the whole tree can be signalled at once, and a
      // Ctrl-C in our terminal does not reach the node.
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
    return child;
  } finally {
    closeSync(out);
  }
}

// ---------------------------------------------------------------------------
// Readiness

interface Overview {
  readonly version: string;
  /** Ports by protocol, as the node lists them (amqp, amqp/ssl, http, https, clustering…). */
  readonly listeners: readonly { readonly protocol: string; readonly port: number }[];
}

function parseOverview(value: unknown): Overview | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.rabbitmq_version !== 'string') return undefined;
  const listeners = Array.isArray(v.listeners) ? v.listeners : [];
  const ports = listeners.flatMap((l: unknown) => {
    if (typeof l !== 'object' || l === null) return [];
    const { protocol, port } = l as Record<string, unknown>;
    return typeof protocol === 'string' && typeof port === 'number' ? [{ protocol, port }] : [];
  });
  return { version: v.rabbitmq_version, listeners: ports };
}

async function fetchOverview(managementUrl: string): Promise<Overview | undefined> {
  try {
    const response = await fetch(`${managementUrl}/api/overview`, {
      headers: { authorization: GUEST_AUTH },
      signal: AbortSignal.timeout(1000),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return parseOverview(await response.json());
  } catch {
    return undefined;
  }
}

/** The management API answers and lists our AMQP listener, which answers AMQP. */
async function probeReady(plan: NodePlan, managementUrl: string): Promise<string | undefined> {
  const overview = await fetchOverview(managementUrl);
  const listens = (protocol: string, port: number | undefined) =>
    overview?.listeners.some((l) => l.protocol === protocol && l.port === port) === true;
  if (overview === undefined || !listens('amqp', plan.amqpPort)) return undefined;
  if (
    plan.tls &&
    !(listens('amqp/ssl', plan.tls.amqpsPort) && listens('https', plan.tls.managementTlsPort))
  ) {
    return undefined;
  }
  return (await answersAmqp('localhost', plan.amqpPort)) ? overview.version : undefined;
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** The server prints "BOOT FAILED" and the reason to stdout; the reason is what matters. */
function bootFailureSection(stdout: string): string | undefined {
  const at = stdout.indexOf('BOOT FAILED');
  if (at === -1) return undefined;
  return stdout.slice(at).split('\n').slice(0, 40).join('\n');
}

function logDetail(plan: NodePlan): string {
  const files = fileLayout(plan);
  const stdout = readLog(files.stdoutLog);
  const sections = [
    { name: path.basename(files.nodeLog), text: lastLines(readLog(files.nodeLog), 40) },
    {
      name: path.basename(files.stdoutLog),
      text: bootFailureSection(stdout) ?? lastLines(stdout, 40),
    },
  ];
  return (
    sections
      .filter(({ text }) => text.trim() !== '')
      .map(({ name, text }) => `--- ${name} ---\n${text}`)
      .join('\n') || '(the node wrote no log output yet)'
  );
}

/** A one-sentence reason for a failed boot, read from the node's output. */
function failureReason(plan: NodePlan, exitCode: number | null): string {
  const stdout = readLog(fileLayout(plan).stdoutLog);
  const failure = bootFailureSection(stdout) ?? lastLines(stdout, 100);
  const dist = /could not bind to distribution port (\d+)/.exec(failure)?.[1];
  // Listener errors are multi-line Erlang terms; find which of our ports they name.
  const listener = /eaddrinuse/i.test(failure)
    ? listenerPorts(plan).find((port) => new RegExp(`\\b${port}\\b`).test(failure))
    : undefined;
  const port = dist ?? listener;
  if (port !== undefined) {
    return `Port ${port} is already in use; close the program using it and try again.`;
  }
  const code = exitCode === null ? '' : ` (exit code ${exitCode})`;
  return `The private RabbitMQ node stopped during startup${code}; see its log for details.`;
}

/** Output says boot failed even if the VM has not exited yet. */
function bootFailed(plan: NodePlan): boolean {
  return readLog(fileLayout(plan).stdoutLog).includes('BOOT FAILED');
}

interface Exit {
  code: number | null;
}

async function waitUntilReady(
  plan: NodePlan,
  exitState: () => Exit | undefined,
  timeoutMs: number,
  onProgress: (message: string) => void,
): Promise<string> {
  const managementUrl = `http://localhost:${plan.managementPort}`;
  const started = Date.now();
  const report = (): void => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    try {
      onProgress(`starting private RabbitMQ node… ${seconds} s`);
    } catch {
      // A failing progress callback must not crash the timer or the boot.
    }
  };
  report();
  // A timer, not the poll loop, so a slow probe cannot delay progress lines.
  const progress = setInterval(report, PROGRESS_INTERVAL_MS);
  try {
    while (Date.now() - started < timeoutMs) {
      const exited = exitState();
      if (exited !== undefined || bootFailed(plan)) {
        throw new BrokerStartError(failureReason(plan, exited?.code ?? null), logDetail(plan));
      }
      const version = await probeReady(plan, managementUrl);
      if (version !== undefined) return version;
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    clearInterval(progress);
  }
  throw new BrokerStartError(
    `The private RabbitMQ node did not become ready within ${timeoutMs / 1000} s.`,
    logDetail(plan),
  );
}

// ---------------------------------------------------------------------------
// Handle

function createHandle(
  plan: NodePlan,
  child: ChildProcess,
  version: string,
  startedEpmd: boolean,
): EmbeddedBroker {
  const serverPid = child.pid ?? 0;
  const record = { serverPid, baseDir: plan.baseDir, nodeName: plan.nodeName };
  let exited = child.exitCode !== null || child.signalCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  let stopping: Promise<void> | undefined;
  let stoppedSync = false;

  const cleanUp = (): void => {
    removeDirSync(plan.baseDir);
    removeFileSync(nodeStateFile(plan.nodeName));
  };

  const stopGracefully = async (): Promise<void> => {
    // The script traps SIGTERM and asks the VM to shut down cleanly.
    if (!exited) signal(serverPid, 'SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    while (!exited && isAlive(serverPid) && Date.now() < deadline) await sleep(50);
    // Stragglers after a clean exit are harmless to kill; a hung VM is not.
    killNodeHard(record);
    // SIGKILL is asynchronous: wait until the processes are really gone before saying so.
    await waitForDeath(serverPid, 3000);
    // …and reaped: until our 'exit' event fires, the pid still answers kill(pid, 0).
    const reapDeadline = Date.now() + 3000;
    while (!exited && Date.now() < reapDeadline) await sleep(20);
    await waitForDeath(readBeamPid(plan.baseDir), 3000);
    if (startedEpmd) stopEpmdIfIdle(10);
    cleanUp();
  };

  return {
    amqpUrl: `amqp://guest:guest@localhost:${plan.amqpPort}`,
    managementUrl: `http://localhost:${plan.managementPort}`,
    amqpPort: plan.amqpPort,
    managementPort: plan.managementPort,
    distPort: plan.distPort,
    ...(plan.tls === undefined
      ? {}
      : {
          amqpsUrl: `amqps://guest:guest@localhost:${plan.tls.amqpsPort}`,
          amqpsPort: plan.tls.amqpsPort,
          managementTlsUrl: `https://localhost:${plan.tls.managementTlsPort}`,
          managementTlsPort: plan.tls.managementTlsPort,
        }),
    nodeName: plan.nodeName,
    baseDir: plan.baseDir,
    version,
    pid: serverPid,
    stop(): Promise<void> {
      if (stoppedSync) return Promise.resolve();
      stopping ??= stopGracefully().catch(() => {});
      return stopping;
    },
    stopSync(): void {
      if (stoppedSync) return;
      stoppedSync = true;
      try {
        killNodeHard(record);
        if (startedEpmd) {
          waitForDeathSync(readBeamPid(plan.baseDir), 500);
          stopEpmdIfIdle(3);
        }
        cleanUp();
      } catch {
        // Never throw from an exit handler.
      }
    },
  };
}

async function waitForDeath(pid: number | undefined, timeoutMs: number): Promise<void> {
  if (pid === undefined) return;
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
}

function waitForDeathSync(pid: number | undefined, timeoutMs: number): void {
  if (pid === undefined) return;
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) sleepSync(20);
}

// ---------------------------------------------------------------------------
// Entry point

/** Ports, temp dir and config files; any failure becomes a BrokerStartError. */
async function prepareNode(
  preferStandardPorts: boolean,
  tls: EmbeddedTlsOptions | undefined,
): Promise<NodePlan> {
  let plan: NodePlan | undefined;
  try {
    plan = await planNode(preferStandardPorts, tls);
    await writeNodeFiles(plan);
    return plan;
  } catch (error) {
    if (plan !== undefined) removeDirSync(plan.baseDir);
    const reason = error instanceof Error ? error.message : String(error);
    throw new BrokerStartError(`Could not prepare the private RabbitMQ node: ${reason}.`);
  }
}

/** Nodes this process started and has not stopped, booting ones included. */
const liveNodes = new Set<EmbeddedBroker>();
let exitHookInstalled = false;

/**
 * Whatever way this process ends (even Ctrl-C during the boot, before the caller holds a handle),
 * its nodes go with it.
 */
function trackUntilStopped(handle: EmbeddedBroker, child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', stopAllNodesSync);
  }
  liveNodes.add(handle);
  child.once('exit', () => liveNodes.delete(handle));
}

function stopAllNodesSync(): void {
  for (const node of liveNodes) node.stopSync();
  liveNodes.clear();
}

export async function startEmbeddedBroker(
  options: EmbeddedBrokerOptions = {},
): Promise<EmbeddedBroker> {
  await reapStaleNodes().catch(() => 0);
  const binDir = findRabbitmqServer();
  if (binDir === undefined) {
    throw new BrokerStartError(notInstalledMessage());
  }
  const plan = await prepareNode(options.preferStandardPorts ?? true, options.tls);
  const epmdPort = Number(process.env.ERL_EPMD_PORT) || 4369;
  const startedEpmd = !(await isListening('127.0.0.1', epmdPort));

  let child: ChildProcess;
  try {
    child = spawnServer(binDir, plan);
  } catch (error) {
    removeDirSync(plan.baseDir);
    const reason = error instanceof Error ? error.message : String(error);
    throw new BrokerStartError(`Could not run rabbitmq-server: ${reason}.`);
  }
  let exit: Exit | undefined;
  child.once('exit', (code) => {
    exit = { code };
  });
  child.once('error', () => {
    exit ??= { code: null };
  });
  const handle = createHandle(plan, child, '', startedEpmd);
  trackUntilStopped(handle, child);
  await writeNodeRecord({
    ownerPid: process.pid,
    serverPid: child.pid ?? 0,
    baseDir: plan.baseDir,
    nodeName: plan.nodeName,
    ports: [...listenerPorts(plan), plan.distPort],
    startedEpmd,
  });

  try {
    const version = await waitUntilReady(
      plan,
      () => exit,
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      options.onProgress ?? (() => {}),
    );
    return { ...handle, version };
  } catch (error) {
    // A node that failed to boot has nothing worth a graceful shutdown; the
    // error detail was read from its logs already.
    handle.stopSync();
    throw error;
  }
}
