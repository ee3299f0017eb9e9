import http from 'node:http';
import https from 'node:https';
import { UserError } from '../util/user-error.js';
import {
  type BindingInfo,
  type NodeFacts,
  type NodeListeners,
  num,
  type Overview,
  placement,
  type QueueCounters,
  type RawQueue,
} from './management-shapes.js';
import { describeTlsError, type TlsMaterial, tlsSocketOptions } from './tls.js';
import { redact } from './url.js';

export type ManagementErrorKind = 'unauthorized' | 'unreachable' | 'timeout' | 'http';

/** A failed management API call, with a sentence a person can act on. */
export class ManagementError extends UserError {
  override readonly name = 'ManagementError';
  constructor(
    readonly kind: ManagementErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type {
  BindingInfo,
  Listener,
  NodeFacts,
  NodeListeners,
  Overview,
  QueueCounters,
} from './management-shapes.js';

export interface ManagementClientOptions {
  readonly baseUrl: string;
  /**
   * The management API of every node of a cluster (baseUrl among them or not): a request that
   * cannot reach one node, or times out, goes to the next, and the one that answered is kept.
   */
  readonly baseUrls?: readonly string[];
  readonly username: string;
  readonly password: string;
  readonly timeoutMs?: number;
  /** CA, client certificate and key for an https:// base URL. */
  readonly tls?: TlsMaterial;
}

/** A whole HTTP answer. */
interface Answer {
  readonly status: number;
  readonly body: string;
}

const isOk = (answer: Answer): boolean => answer.status >= 200 && answer.status < 300;

class RequestTimeout extends Error {
  override readonly name = 'TimeoutError';
}

/** A small typed client for the parts of the RabbitMQ management HTTP API that rabbit-lab uses. */
export class ManagementClient {
  private readonly baseUrls: readonly string[];
  private current = 0;
  private readonly username: string;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly tls: TlsMaterial | undefined;

  /**
   * node:http and node:https rather than fetch: Node's fetch cannot be given a CA per request
   * (that takes undici's Agent, which Node bundles but does not export).
   */
  constructor(options: ManagementClientOptions) {
    const urls = [options.baseUrl, ...(options.baseUrls ?? [])].map((u) => u.replace(/\/+$/, ''));
    this.baseUrls = [...new Set(urls)];
    this.username = options.username;
    this.auth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.tls = options.tls;
  }

  /** The node whose management API answers requests now. */
  get baseUrl(): string {
    return this.baseUrls[this.current] ?? '';
  }

  /** One HTTP(S) exchange, the whole answer read (the API's answers are small). */
  private exchange(method: string, path: string, body?: unknown): Promise<Answer> {
    const url = new URL(`${this.baseUrl}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const options: https.RequestOptions = {
      method,
      headers: {
        authorization: this.auth,
        ...(payload === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
      },
      ...(url.protocol === 'https:' ? tlsSocketOptions(this.tls) : {}),
    };
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const request = send(url, options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      const timer = setTimeout(() => request.destroy(new RequestTimeout()), this.timeoutMs);
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(payload);
    });
  }

  /** Each node in turn, from the one that answered last, until one answers at all. */
  private async request(method: string, path: string, body?: unknown): Promise<Answer> {
    let failure: unknown;
    for (let tried = 0; tried < this.baseUrls.length; tried++) {
      try {
        return await this.requestOne(method, path, body);
      } catch (error) {
        const moveOn =
          error instanceof ManagementError &&
          (error.kind === 'unreachable' || error.kind === 'timeout');
        if (!moveOn) throw error;
        failure ??= error;
        this.current = (this.current + 1) % this.baseUrls.length;
      }
    }
    throw failure;
  }

  private async requestOne(method: string, path: string, body?: unknown): Promise<Answer> {
    let answer: Answer;
    try {
      answer = await this.exchange(method, path, body);
    } catch (error) {
      if (error instanceof RequestTimeout) {
        throw new ManagementError(
          'timeout',
          `The management API at ${redact(this.baseUrl)} did not answer within ${this.timeoutMs / 1000} s.`,
        );
      }
      const tls = describeTlsError(error);
      if (tls !== undefined) {
        throw new ManagementError(
          'unreachable',
          `Cannot reach the management API at ${redact(this.baseUrl)} over TLS: ${tls}`,
        );
      }
      throw new ManagementError(
        'unreachable',
        `Cannot reach the management API at ${redact(this.baseUrl)}; check --management-url (default: the broker's host, port 15672) and that the broker runs the management plugin (rabbitmq-plugins enable rabbitmq_management).`,
      );
    }
    if (answer.status === 401) {
      throw new ManagementError(
        'unauthorized',
        `The management API at ${redact(this.baseUrl)} refused user '${this.username}' (it uses the user and password from --url); check the password, and give the user the management tag (rabbitmqctl set_user_tags ${this.username} management).`,
        401,
      );
    }
    return answer;
  }

  private async json(path: string): Promise<unknown> {
    const answer = await this.request('GET', path);
    if (!isOk(answer)) {
      throw new ManagementError(
        'http',
        `The management API answered ${answer.status} for ${path.split('?')[0]}.`,
        answer.status,
      );
    }
    return JSON.parse(answer.body);
  }

  private async send(method: string, path: string, body?: unknown, okIfMissing = false) {
    const answer = await this.request(method, path, body);
    if (isOk(answer) || (okIfMissing && answer.status === 404)) return;
    throw new ManagementError(
      'http',
      `The management API answered ${answer.status} to ${method} ${path}.`,
      answer.status,
    );
  }

  async overview(): Promise<Overview> {
    const raw = (await this.json('/api/overview')) as Record<string, unknown>;
    return {
      rabbitmqVersion: typeof raw.rabbitmq_version === 'string' ? raw.rabbitmq_version : 'unknown',
      clusterName: typeof raw.cluster_name === 'string' ? raw.cluster_name : '',
    };
  }

  /** The version and listeners from /api/overview; undefined when the answer names no version. */
  async listeners(): Promise<NodeListeners | undefined> {
    const raw = await this.json('/api/overview');
    if (typeof raw !== 'object' || raw === null) return undefined;
    const v = raw as Record<string, unknown>;
    if (typeof v.rabbitmq_version !== 'string') return undefined;
    const listeners = Array.isArray(v.listeners) ? v.listeners : [];
    const ports = listeners.flatMap((l: unknown) => {
      if (typeof l !== 'object' || l === null) return [];
      const { protocol, port } = l as Record<string, unknown>;
      return typeof protocol === 'string' && typeof port === 'number' ? [{ protocol, port }] : [];
    });
    return { rabbitmqVersion: v.rabbitmq_version, listeners: ports };
  }

  /**
   * Live counters: with disable_stats the broker reads queue totals directly, so the values are
   * current (the stats-based fields lag by collect_statistics_interval and are absent for new queues).
   */
  async queues(vhost: string): Promise<QueueCounters[]> {
    const columns =
      'name,messages_ready,messages_unacknowledged,consumers,type,leader,members,online,node,state';
    const raw = await this.json(
      `/api/queues/${encodeURIComponent(vhost)}?disable_stats=true&enable_queue_totals=true&columns=${columns}`,
    );
    if (!Array.isArray(raw)) return [];
    const queues = (raw as RawQueue[]).map((q) => ({
      name: typeof q.name === 'string' ? q.name : '',
      messagesReady: num(q.messages_ready),
      messagesUnacknowledged: num(q.messages_unacknowledged),
      consumers: num(q.consumers),
      ...placement(q),
    }));
    return queues.some((q) => q.type === 'stream') ? this.withStreamSizes(vhost, queues) : queues;
  }

  /**
   * A stream has no queue totals (disable_stats gives it none): its size, the messages it keeps,
   * comes from the statistics, a collection interval late.
   */
  private async withStreamSizes(vhost: string, queues: QueueCounters[]): Promise<QueueCounters[]> {
    const raw = await this.json(
      `/api/queues/${encodeURIComponent(vhost)}?columns=name,type,messages,consumers`,
    );
    if (!Array.isArray(raw)) return queues;
    const stats = new Map(
      (raw as RawQueue[]).filter((q) => q.type === 'stream').map((q) => [q.name, q] as const),
    );
    return queues.map((q) => {
      const s = stats.get(q.name);
      return s === undefined
        ? q
        : { ...q, messagesReady: num(s.messages), consumers: num(s.consumers) };
    });
  }

  async exchangeNames(vhost: string): Promise<string[]> {
    const raw = await this.json(`/api/exchanges/${encodeURIComponent(vhost)}?columns=name`);
    return Array.isArray(raw) ? raw.map((e: { name?: unknown }) => String(e.name ?? '')) : [];
  }

  /** The bindings from `exchange` to `queue` (both must exist: a 404 otherwise). */
  async bindings(vhost: string, exchange: string, queue: string): Promise<BindingInfo[]> {
    const e = encodeURIComponent;
    const raw = await this.json(`/api/bindings/${e(vhost)}/e/${e(exchange)}/q/${e(queue)}`);
    if (!Array.isArray(raw)) return [];
    return raw.map((b: { routing_key?: unknown; arguments?: unknown }) => ({
      routingKey: typeof b.routing_key === 'string' ? b.routing_key : '',
      arguments:
        typeof b.arguments === 'object' && b.arguments !== null && !Array.isArray(b.arguments)
          ? (b.arguments as Record<string, unknown>)
          : {},
    }));
  }

  /** The cluster's nodes: running or not, alarms, memory (one entry for a single node). */
  async nodes(): Promise<NodeFacts[]> {
    const raw = await this.json(
      '/api/nodes?columns=name,running,mem_alarm,disk_free_alarm,mem_used',
    );
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((n: unknown) => {
      if (typeof n !== 'object' || n === null) return [];
      const v = n as Record<string, unknown>;
      if (typeof v.name !== 'string') return [];
      return [
        {
          name: v.name,
          running: v.running === true,
          memAlarm: v.mem_alarm === true,
          diskAlarm: v.disk_free_alarm === true,
          ...(typeof v.mem_used === 'number' ? { memUsed: v.mem_used } : {}),
        },
      ];
    });
  }

  /** Client connections per node. */
  async connectionsPerNode(): Promise<Map<string, number>> {
    const raw = await this.json('/api/connections?columns=node');
    const counts = new Map<string, number>();
    if (!Array.isArray(raw)) return counts;
    for (const c of raw) {
      const node = typeof c === 'object' && c !== null ? (c as { node?: unknown }).node : undefined;
      if (typeof node === 'string') counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    return counts;
  }

  async connectionNames(): Promise<{ name: string; clientName: string; vhost: string }[]> {
    const raw = await this.json('/api/connections?columns=name,client_properties,vhost');
    if (!Array.isArray(raw)) return [];
    return raw.map(
      (c: {
        name?: unknown;
        vhost?: unknown;
        client_properties?: { connection_name?: unknown };
      }) => ({
        name: String(c.name ?? ''),
        vhost: String(c.vhost ?? ''),
        clientName: String(c.client_properties?.connection_name ?? ''),
      }),
    );
  }

  /** Each channel of the vhost with its connection and the deliveries it had (stats: they lag). */
  async channelDeliveries(
    vhost: string,
  ): Promise<{ name: string; connection: string; delivered: number }[]> {
    const raw = await this.json(
      `/api/vhosts/${encodeURIComponent(vhost)}/channels?columns=name,connection_details.name,message_stats.deliver_get`,
    );
    if (!Array.isArray(raw)) return [];
    return raw.map(
      (c: {
        name?: unknown;
        connection_details?: { name?: unknown };
        message_stats?: { deliver_get?: unknown };
      }) => ({
        name: String(c.name ?? ''),
        connection: String(c.connection_details?.name ?? ''),
        delivered: num(c.message_stats?.deliver_get),
      }),
    );
  }

  /**
   * Messages quorum queues hold for at-least-once dead-lettering (`messages_dlx`: rejected or
   * expired, not yet taken by their dead-letter target), by queue. From statistics, so late.
   */
  async heldForDeadLettering(vhost: string): Promise<Map<string, number>> {
    const raw = await this.json(
      `/api/queues/${encodeURIComponent(vhost)}?columns=name,messages_dlx`,
    );
    if (!Array.isArray(raw)) return new Map();
    return new Map(
      raw.flatMap((q: { name?: unknown; messages_dlx?: unknown }) =>
        typeof q.name === 'string' && num(q.messages_dlx) > 0
          ? [[q.name, num(q.messages_dlx)] as const]
          : [],
      ),
    );
  }

  /** Which queue each consumer of the vhost reads, by channel. */
  async consumerChannels(vhost: string): Promise<{ channel: string; queue: string }[]> {
    const raw = await this.json(
      `/api/consumers/${encodeURIComponent(vhost)}?columns=channel_details.name,queue.name`,
    );
    if (!Array.isArray(raw)) return [];
    return raw.map((c: { channel_details?: { name?: unknown }; queue?: { name?: unknown } }) => ({
      channel: String(c.channel_details?.name ?? ''),
      queue: String(c.queue?.name ?? ''),
    }));
  }

  /**
   * Each consumer's tag and whether the broker lets it receive: on a single-active-consumer queue
   * one is `single_active` and the others `waiting` (from statistics: a second or more late).
   */
  async consumerActivity(
    vhost: string,
  ): Promise<{ tag: string; queue: string; active: boolean; waiting: boolean }[]> {
    const raw = await this.json(
      `/api/consumers/${encodeURIComponent(vhost)}?columns=consumer_tag,queue.name,active,activity_status`,
    );
    if (!Array.isArray(raw)) return [];
    return raw.map(
      (c: {
        consumer_tag?: unknown;
        queue?: { name?: unknown };
        active?: unknown;
        activity_status?: unknown;
      }) => ({
        tag: String(c.consumer_tag ?? ''),
        queue: String(c.queue?.name ?? ''),
        active: c.active === true,
        waiting: c.activity_status === 'waiting',
      }),
    );
  }

  /** The vhost's connections with a client property of their own (e.g. a run id). */
  async connectionProperty(
    vhost: string,
    property: string,
  ): Promise<{ name: string; value: string | undefined }[]> {
    const raw = await this.json(
      `/api/vhosts/${encodeURIComponent(vhost)}/connections?columns=name,client_properties`,
    );
    if (!Array.isArray(raw)) return [];
    return raw.map((c: { name?: unknown; client_properties?: Record<string, unknown> }) => {
      const value = c.client_properties?.[property];
      return { name: String(c.name ?? ''), value: typeof value === 'string' ? value : undefined };
    });
  }

  /** Close a client connection from the server side, as an operator would in the management UI. */
  async closeConnection(name: string): Promise<void> {
    await this.send('DELETE', `/api/connections/${encodeURIComponent(name)}`, undefined, true);
  }

  async createVhost(vhost: string, user: string): Promise<void> {
    const v = encodeURIComponent(vhost);
    await this.send('PUT', `/api/vhosts/${v}`, {});
    await this.send('PUT', `/api/permissions/${v}/${encodeURIComponent(user)}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
  }

  async deleteVhost(vhost: string): Promise<void> {
    await this.send('DELETE', `/api/vhosts/${encodeURIComponent(vhost)}`, undefined, true);
  }
}
