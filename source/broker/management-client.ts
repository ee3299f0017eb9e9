import { redact } from './url.js';

export type ManagementErrorKind = 'unauthorized' | 'unreachable' | 'timeout' | 'http';

/** A failed management API call, with a sentence a person can act on. */
export class ManagementError extends Error {
  override readonly name = 'ManagementError';
  constructor(
    readonly kind: ManagementErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface QueueCounters {
  readonly name: string;
  readonly messagesReady: number;
  readonly messagesUnacknowledged: number;
  readonly consumers: number;
}

export interface Overview {
  readonly rabbitmqVersion: string;
  readonly clusterName: string;
}

interface RawQueue {
  name?: unknown;
  messages_ready?: unknown;
  messages_unacknowledged?: unknown;
  consumers?: unknown;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export interface ManagementClientOptions {
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly timeoutMs?: number;
}

/** A small typed client for the parts of the RabbitMQ management HTTP API that rabbit-lab uses. */
export class ManagementClient {
  readonly baseUrl: string;
  private readonly username: string;
  private readonly auth: string;
  private readonly timeoutMs: number;

  constructor(options: ManagementClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.username = options.username;
    this.auth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: this.auth,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ManagementError(
          'timeout',
          `The management API at ${redact(this.baseUrl)} did not answer within ${this.timeoutMs / 1000} s.`,
        );
      }
      throw new ManagementError(
        'unreachable',
        `Cannot reach the management API at ${redact(this.baseUrl)}; check --management-url (default: the broker's host, port 15672) and that the broker runs the management plugin (rabbitmq-plugins enable rabbitmq_management).`,
      );
    }
    if (response.status === 401) {
      await response.body?.cancel();
      throw new ManagementError(
        'unauthorized',
        `The management API at ${redact(this.baseUrl)} refused user '${this.username}' (it uses the user and password from --url); check the password, and give the user the management tag (rabbitmqctl set_user_tags ${this.username} management).`,
        401,
      );
    }
    return response;
  }

  private async json(path: string): Promise<unknown> {
    const response = await this.request('GET', path);
    if (!response.ok) {
      await response.body?.cancel();
      throw new ManagementError(
        'http',
        `The management API answered ${response.status} for ${path.split('?')[0]}.`,
        response.status,
      );
    }
    return response.json();
  }

  private async send(method: string, path: string, body?: unknown, okIfMissing = false) {
    const response = await this.request(method, path, body);
    await response.body?.cancel();
    if (response.ok || (okIfMissing && response.status === 404)) return;
    throw new ManagementError(
      'http',
      `The management API answered ${response.status} to ${method} ${path}.`,
      response.status,
    );
  }

  async overview(): Promise<Overview> {
    const raw = (await this.json('/api/overview')) as Record<string, unknown>;
    return {
      rabbitmqVersion: typeof raw.rabbitmq_version === 'string' ? raw.rabbitmq_version : 'unknown',
      clusterName: typeof raw.cluster_name === 'string' ? raw.cluster_name : '',
    };
  }

  /**
   * Live counters: with disable_stats the broker reads queue totals directly, so the values are
   * current (the stats-based fields lag by collect_statistics_interval and are absent for new queues).
   */
  async queues(vhost: string): Promise<QueueCounters[]> {
    const columns = 'name,messages_ready,messages_unacknowledged,consumers';
    const raw = await this.json(
      `/api/queues/${encodeURIComponent(vhost)}?disable_stats=true&enable_queue_totals=true&columns=${columns}`,
    );
    if (!Array.isArray(raw)) return [];
    return (raw as RawQueue[]).map((q) => ({
      name: typeof q.name === 'string' ? q.name : '',
      messagesReady: num(q.messages_ready),
      messagesUnacknowledged: num(q.messages_unacknowledged),
      consumers: num(q.consumers),
    }));
  }

  async exchangeNames(vhost: string): Promise<string[]> {
    const raw = await this.json(`/api/exchanges/${encodeURIComponent(vhost)}?columns=name`);
    return Array.isArray(raw) ? raw.map((e: { name?: unknown }) => String(e.name ?? '')) : [];
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
