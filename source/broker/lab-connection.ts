/**
 * The session's own AMQP connection: it declares the scenario's topology, counts consumers by
 * passive declare, adds service queues, reconnects after a drop and removes what the run created.
 * The actors have their own connections (actors/connect.ts); this one never carries messages.
 */

import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { backoffMs, withHeartbeat } from '../actors/connect.js';
import { describeAmqpError } from '../actors/errors.js';
import { runProperty } from './foreign-deliveries.js';
import type { ManagementClient } from './management-client.js';
import { tlsSocketOptions } from './tls.js';
import {
  addServiceQueue,
  bindingProbe,
  type DeclaredTopology,
  declareTopology,
  mergeCreated,
  type ServiceQueue,
  type TopologySpec,
  teardownTopology,
} from './topology.js';
import type { BrokerTarget } from './url.js';

export interface LabConnectionOptions {
  readonly target: BrokerTarget;
  /** Shown in the management UI's connection list. */
  readonly name: string;
  readonly runId: string;
  readonly topology: TopologySpec;
  readonly management: ManagementClient;
  /** A sentence for the screen (lost the connection, connected again). */
  readonly notice: (text: string) => void;
  /** The run is shutting down: a drop now is not reconnected. */
  readonly closing: () => boolean;
}

export class LabConnection {
  private connection: ChannelModel | undefined;
  private countChannel: Promise<Channel> | undefined;
  private declaredTopology: DeclaredTopology | undefined;
  private closed = false;
  /** Which of a cluster's nodes to connect to next. */
  private node = 0;

  constructor(private readonly options: LabConnectionOptions) {}

  /** The open connection, if there is one now (reading queues back at the end uses it). */
  get current(): ChannelModel | undefined {
    return this.connection;
  }

  /** What this run created, once the topology is declared. */
  get declared(): DeclaredTopology | undefined {
    return this.declaredTopology;
  }

  /** Connect; returns the broker's version. Throws the client's error as it came. */
  async connect(): Promise<string> {
    const nodes = this.options.target.amqpUrls?.length ?? 1;
    for (let tried = 1; ; tried++) {
      try {
        this.connection = await this.open();
        break;
      } catch (error) {
        if (tried >= nodes) throw error;
        this.node++;
      }
    }
    return String(this.connection.connection.serverProperties.version ?? 'unknown');
  }

  /** Declare the scenario's topology, noting which bindings were there before; its notices. */
  async declare(): Promise<readonly string[]> {
    if (!this.connection) throw new Error('not connected');
    const probe = bindingProbe(this.options.management, this.options.target.vhost);
    this.declaredTopology = await declareTopology(this.connection, this.options.topology, probe);
    return this.declaredTopology.notices;
  }

  /**
   * Live consumer counts by passive declare. `own` holds the queues only the lab can consume from
   * (a subscriber's exclusive queue refuses passive declares from other connections, 405), with
   * the lab's count. A queue that vanished closes the channel: reopen next time.
   */
  async consumerCounts(
    names: readonly string[],
    own: ReadonlyMap<string, number>,
  ): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const connection = this.connection;
    if (!connection) return counts;
    for (const name of names) {
      const ours = own.get(name);
      if (ours !== undefined) {
        counts.set(name, ours);
        continue;
      }
      this.countChannel ??= connection.createChannel().then((ch) => {
        ch.on('error', () => {});
        ch.on('close', () => {
          this.countChannel = undefined;
        });
        return ch;
      });
      try {
        const channel = await this.countChannel;
        // A hung node never answers: the poll must not wait on it (the API's count stands).
        const answer = await Promise.race([
          channel.checkQueue(name),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error('no answer')), 1000).unref(),
          ),
        ]);
        counts.set(name, answer.consumerCount);
      } catch {
        this.countChannel = undefined;
      }
    }
    return counts;
  }

  /** Add a service queue through topology.ts (so teardown knows what is this run's). */
  async addServiceQueue(service: ServiceQueue): Promise<void> {
    if (!this.connection) throw new Error('not connected to the broker');
    const probe = bindingProbe(this.options.management, this.options.target.vhost);
    await addServiceQueue(this.connection, service, this.declaredTopology, probe);
  }

  /** Remove what this run created and close. Safe to call twice; never throws. */
  async close(keep: boolean): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    if (connection && this.declaredTopology && !keep) {
      try {
        await teardownTopology(connection, this.declaredTopology);
      } catch (error) {
        this.options.notice(`Cleanup failed: ${describeAmqpError(error)}`);
      }
    }
    try {
      await connection?.close();
    } catch {
      // Already closed.
    }
  }

  private isClosing(): boolean {
    return this.closed || this.options.closing();
  }

  private async open(): Promise<ChannelModel> {
    const { target, name, runId } = this.options;
    const urls = target.amqpUrls ?? [target.amqpUrl];
    const one = urls[this.node % urls.length] ?? target.amqpUrl;
    const url = urls.length > 1 ? withHeartbeat(one) : one;
    const connection = await amqp.connect(url, {
      ...tlsSocketOptions(target.tlsMaterial),
      clientProperties: { connection_name: name, [runProperty]: runId },
      timeout: 5000,
    });
    connection.on('error', () => {
      // 'close' follows.
    });
    connection.on('close', (error?: Error) => {
      if (this.connection !== connection) return;
      this.connection = undefined;
      this.countChannel = undefined;
      this.node++;
      if (this.isClosing()) return;
      this.options.notice(
        `Lost the connection to the broker (${error ? describeAmqpError(error) : 'closed'}); reconnecting.`,
      );
      void this.reconnect();
    });
    return connection;
  }

  /** Back off and retry (with jitter) until the broker answers again, then re-declare. */
  private async reconnect(): Promise<void> {
    for (let attempt = 1; !this.isClosing(); attempt++) {
      await new Promise((r) => setTimeout(r, backoffMs(attempt)));
      if (this.isClosing()) return;
      let connection: ChannelModel;
      try {
        connection = await this.open();
      } catch {
        // Not yet: the next attempt waits longer, at the next node of a cluster.
        this.node++;
        continue;
      }
      this.connection = connection;
      try {
        // A restarted broker forgot non-durable entities; what this run creates now is its own.
        const again = await declareTopology(connection, this.options.topology);
        if (this.declaredTopology) mergeCreated(this.declaredTopology, again);
        this.options.notice('Connected to the broker again.');
      } catch (error) {
        // In a cluster, a classic queue whose node is down cannot be declared; it comes back
        // with its node. The connection is good for everything else.
        this.options.notice(
          `Connected to the broker again; declaring the topology again failed (${describeAmqpError(error)}): a classic queue whose node is down returns with its node.`,
        );
      }
      return;
    }
  }
}
