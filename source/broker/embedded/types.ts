/** Options, the handle and the error of a private node. */
import { UserError } from '../../util/user-error.js';

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

export class BrokerStartError extends UserError {
  readonly detail?: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.name = 'BrokerStartError';
    if (detail !== undefined) this.detail = detail;
  }
}
