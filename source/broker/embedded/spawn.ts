/** Spawning the server script in its own process group. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileLayout, type NodePlan, nodeSettings } from './config.js';
import { removeDirSync } from './records.js';
import { BrokerStartError } from './types.js';

const NODE_MARKER_FLAG = '-rabbit_lab_node';

/** Seconds a cluster member waits for a silent peer before it counts it as down. */
export const CLUSTER_NET_TICKTIME_S = 10;

/** How the server process ended (code null: by a signal, or it could not be run). */
export interface Exit {
  code: number | null;
}

/** A spawned server and how it ended, once it has. */
export interface LaunchedServer {
  readonly child: ChildProcess;
  readonly exitState: () => Exit | undefined;
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
  // A cluster member notices a peer that stopped answering (a frozen VM) after net_ticktime,
  // 60 s by default; until then its management API waits on that peer. 10 s keeps a lab lively.
  const ticktime =
    plan.cluster === undefined ? '' : ` -kernel net_ticktime ${CLUSTER_NET_TICKTIME_S}`;
  env.RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS = `-kernel inet_dist_use_interface {127,0,0,1}${ticktime}`;
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

/**
 * Spawn the server; when that fails, remove the node's dir (unless the caller keeps it for a
 * cluster member's data) and throw a BrokerStartError.
 */
export function launchServer(
  binDir: string,
  plan: NodePlan,
  { keepDirOnFailure = false } = {},
): LaunchedServer {
  let child: ChildProcess;
  try {
    child = spawnServer(binDir, plan);
  } catch (error) {
    if (!keepDirOnFailure) removeDirSync(plan.baseDir);
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
  return { child, exitState: () => exit };
}
