import net from 'node:net';
import { UserError } from '../util/user-error.js';
import {
  type EmbeddedBroker,
  type EmbeddedCluster,
  findRabbitmqServer,
  notInstalledMessage,
  startEmbeddedBroker,
  startEmbeddedCluster,
} from './embedded/index.js';
import type { TlsMaterial } from './tls.js';
import {
  type BrokerTarget,
  isDefaultLocal,
  resolveClusterTarget,
  resolveTarget,
  splitUrls,
} from './url.js';

export type BrokerMode = 'auto' | 'embedded' | 'cluster' | 'external';

/** A broker problem the user can fix; the message says how. */
export class BrokerUnavailableError extends UserError {
  override readonly name = 'BrokerUnavailableError';
}

export interface ResolvedBroker {
  readonly target: BrokerTarget;
  /** Set when rabbit-lab started its own private node for this run. */
  readonly embedded?: EmbeddedBroker;
  /** Set when rabbit-lab started its own private cluster for this run. */
  readonly cluster?: EmbeddedCluster;
}

export interface ResolveOptions {
  readonly url: string;
  readonly managementUrl?: string;
  /** For amqps:// and https:// URLs; a private node speaks plain AMQP and HTTP. */
  readonly tls?: TlsMaterial;
  readonly mode: BrokerMode;
  /**
   * Nodes of a private cluster: with mode `cluster`, or `auto` for a scenario made for a cluster
   * (a private cluster instead of a single node when nothing answers at the default URL).
   */
  readonly nodes?: number;
  readonly onProgress?: (message: string) => void;
}

/** Does anything accept TCP connections at host:port? */
export function probe(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function startPrivate(options: ResolveOptions, preferStandardPorts: boolean) {
  if (findRabbitmqServer() === undefined) {
    // --broker embedded never looked for a running broker, so it must not say none answers.
    throw new BrokerUnavailableError(
      options.mode === 'embedded'
        ? notInstalledMessage()
        : `No RabbitMQ broker answers at localhost:5672 and ${notInstalledMessage()}`,
    );
  }
  const embedded = await startEmbeddedBroker({
    onProgress: options.onProgress,
    preferStandardPorts,
  });
  return {
    target: resolveTarget(embedded.amqpUrl, embedded.managementUrl),
    embedded,
  };
}

async function startCluster(options: ResolveOptions, nodes: number): Promise<ResolvedBroker> {
  if (findRabbitmqServer() === undefined) throw new BrokerUnavailableError(notInstalledMessage());
  const cluster = await startEmbeddedCluster({ nodes, onProgress: options.onProgress });
  const target = resolveClusterTarget(
    cluster.nodes.map((n) => n.amqpUrl),
    cluster.nodes.map((n) => n.managementUrl),
  );
  return { target, cluster };
}

/**
 * Decide which broker this run uses. `auto`: the given URL when something answers there; a private
 * node when the URL is the default local one and nothing answers. `embedded`: always a private node.
 * `external`: never start one.
 */
export async function resolveBroker(options: ResolveOptions): Promise<ResolvedBroker> {
  const target = resolveClusterTarget(
    splitUrls(options.url),
    splitUrls(options.managementUrl ?? ''),
    options.tls,
  );
  if (options.mode === 'embedded') return startPrivate(options, true);
  if (options.mode === 'cluster') return startCluster(options, options.nodes ?? 3);
  options.onProgress?.(`connecting to ${target.host}:${target.port}…`);
  if (await probe(target.host, target.port)) return { target };
  // A cluster: any node that answers will do, clients move on from the others.
  for (const url of (target.amqpUrls ?? []).slice(1)) {
    const node = resolveTarget(url);
    if (await probe(node.host, node.port)) return { target };
  }
  if (options.mode === 'auto' && isDefaultLocal(target)) {
    return options.nodes === undefined
      ? startPrivate(options, true)
      : startCluster(options, options.nodes);
  }
  const how =
    options.mode === 'external'
      ? 'Start it, or use --broker embedded to let rabbit-lab start a private one.'
      : 'Check --url (or RABBIT_LAB_URL); rabbit-lab starts a private broker only for the default local URL.';
  throw new BrokerUnavailableError(
    `Nothing answers at ${target.host}:${target.port} (${target.redactedUrl}). ${how}`,
  );
}
