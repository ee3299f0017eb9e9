/**
 * The session: a run from start to end. It connects and declares the topology, starts the
 * scenario's actors (actors.ts) once their queues are ready, polls the broker, plays the tour,
 * drains and ends the run (reading the queues back), and removes what the run created. Both faces,
 * the Ink UI and headless mode, drive a Session and read its snapshots (engine.ts).
 */
import { connectionName } from '../actors/connect.js';
import { describeAmqpError } from '../actors/errors.js';
import { ForeignTracker } from '../broker/foreign-deliveries.js';
import { LabConnection } from '../broker/lab-connection.js';
import { ManagementClient, type QueueCounters } from '../broker/management-client.js';
import { Poller } from '../broker/poller.js';
import { consumerSchema, isStreamQueue, type TourStep } from '../scenario/schema.js';
import { UserError } from '../util/user-error.js';
import type { QueueEnd } from './accounting.js';
import { LabActors } from './actors.js';
import type { CheckResult } from './checks.js';
import { type NodeAction, nodesUnsettled } from './cluster-state.js';
import { consumersSettled, pendingQueues, retryQueues, settledById, waitUntil } from './drain.js';
import type { SessionOptions } from './engine.js';
import { labChecks, labReport, type RunFacts } from './lab-report.js';
import { labNodes, NodeOperator, type QueuePlacement } from './node-ops.js';
import { closeClientConnection, restartWithNotices } from './operator.js';
import { pollExtras } from './poll-extras.js';
import type { Report } from './report.js';
import { atLeastOnceQueues, planQueues, readHeld, readQueues } from './run-end.js';
import { liveActors } from './store.js';
import { streamLag } from './stream-lag.js';
import { TourPlayer } from './tour.js';

export type { SessionOptions } from './engine.js';

/** A problem starting the session that the user can fix (bad credentials, no permissions…). */
export class SessionError extends UserError {
  override readonly name = 'SessionError';
}

export class Session extends LabActors {
  private readonly management: ManagementClient;
  private readonly poller: Poller;
  private readonly lab: LabConnection;
  /** The broker's deliveries to consumers outside the lab (the ceiling on what they took). */
  private readonly foreign: ForeignTracker;
  private foreignTimer: NodeJS.Timeout | undefined;
  /** The queues as the run left them, once it ended. */
  private ends: QueueEnd[] = [];
  private endPromise: Promise<void> | undefined;
  private readonly tour: TourPlayer;
  private endedAt: number | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private restarting = false;
  private startPromise: Promise<void> | undefined;
  /** The node keys' and tour steps' hands on the private cluster. */
  private readonly nodeOps: NodeOperator | undefined;

  constructor(options: SessionOptions) {
    super(options);
    const { scenario, target } = options;
    this.nodeOps = this.createNodeOps();
    this.tour = new TourPlayer(scenario.tour, {
      say: (index, text) => this.dispatch({ type: 'tour', index, text }),
      notice: (text) => this.dispatch({ type: 'notice', text }),
      spawn: (spec) => this.spawn(spec),
      kill: (id) => void this.kill(id),
      stop: (id) => void this.stopActor(id),
      post: (id, body, key) => void this.post(id, body, key),
      addQueue: (name) => void this.addQueue(name),
      setPaused: (id, paused) =>
        this.configure(id, (c) => (c.kind === 'producer' ? { ...c, paused } : undefined)),
      node: (action, leaderOf) => void this.nodeAction(action, leaderOf),
    });
    this.management = new ManagementClient({
      baseUrl: target.managementUrl,
      ...(target.managementUrls ? { baseUrls: target.managementUrls } : {}),
      // A frozen node makes its peers' API wait on it: give up sooner and ask another node.
      ...(target.managementUrls ? { timeoutMs: 1500 } : {}),
      username: target.username,
      password: target.password,
      tls: target.tlsMaterial,
    });
    this.lab = new LabConnection({
      target,
      name: `rabbit-lab ${scenario.name} session`,
      runId: this.runId,
      topology: scenario.topology,
      management: this.management,
      notice: (text) => this.dispatch({ type: 'notice', text }),
      closing: () => this.shutdownPromise !== undefined,
    });
    this.foreign = new ForeignTracker(this.management, target.vhost, this.runId);
    this.poller = new Poller({
      client: this.management,
      vhost: target.vhost,
      intervalMs: options.pollIntervalMs ?? 500,
      nodes: (target.amqpUrls?.length ?? 1) > 1,
      include: (name) => this.queueNames().has(name),
      consumerCounts: (names) => this.consumerCounts(names),
      ...pollExtras(scenario.topology, this.management, target.vhost, this.runId),
      onResult: (result) => {
        this.noteForeignConsumers(result.queues);
        this.dispatch({ type: 'poll', result, at: Date.now() });
      },
    });
  }

  private createNodeOps(): NodeOperator | undefined {
    const cluster = this.options.cluster;
    if (cluster === undefined) return undefined;
    this.dispatch({ type: 'cluster', nodes: labNodes(cluster) });
    return new NodeOperator(cluster, {
      notice: (text) => this.dispatch({ type: 'notice', text }),
      dispatch: (event) => this.dispatch(event),
      placements: (): readonly QueuePlacement[] => this.state.queues.list,
      readPlacements: async (names) => {
        const wanted = new Set(names);
        const queues = await this.management.queues(this.options.target.vhost);
        return queues.filter((q) => wanted.has(q.name));
      },
      nodes: () => this.state.cluster?.nodes ?? [],
    });
  }

  protected override confirmsArrived(at: number): void {
    this.nodeOps?.noteConfirms(at);
  }

  protected override deliveriesArrived(consumer: string, at: number): void {
    this.nodeOps?.noteDeliveries(consumer, at);
  }

  /**
   * The node keys and tour steps: crash (kill), stop or freeze the node that leads `queue`, thaw
   * the frozen nodes, start the stopped ones. Only a private cluster's nodes are the lab's to touch.
   */
  async nodeAction(action: NodeAction, queue?: string): Promise<void> {
    const ops = this.nodeOps;
    if (ops === undefined) {
      this.dispatch({
        type: 'notice',
        text: 'Node keys work on a private cluster the lab started: run with --broker cluster (--nodes 3 to 5).',
      });
      return;
    }
    if (this.quitting) return;
    if (action === 'thaw') ops.thaw();
    else if (action === 'start') await ops.startStopped();
    else await ops.onLeaderOf(action, queue);
  }

  /** Consumer counts; a subscriber's exclusive queue only the lab can consume from. */
  private consumerCounts(names: readonly string[]): Promise<Map<string, number>> {
    const own = new Map<string, number>();
    for (const a of liveActors(this.state)) {
      if (a.config.kind === 'consumer' && a.config.bind && a.queue) {
        own.set(a.queue, (own.get(a.queue) ?? 0) + (a.status === 'running' ? 1 : 0));
      }
    }
    return this.lab.consumerCounts(names, own);
  }

  /** Connect, declare the topology, start polling and spawn the scenario's actors. */
  /**
   * Start, unless a quit came first: the screen is up while the lab starts, so q can arrive
   * half-way; then nothing more is spawned and shutdown waits for this to finish.
   */
  start(): Promise<void> {
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    const { target, scenario } = this.options;
    let version: string;
    try {
      version = await this.lab.connect();
    } catch (error) {
      throw new SessionError(
        `Cannot connect to ${target.redactedUrl}: ${describeAmqpError(error, target.tls)}`,
      );
    }
    this.dispatch({ type: 'broker', version });
    let notices: readonly string[];
    try {
      notices = await this.lab.declare();
    } catch (error) {
      throw new SessionError(`Cannot declare the scenario's topology: ${describeAmqpError(error)}`);
    }
    for (const text of notices) this.dispatch({ type: 'notice', text });
    if (this.quitting) return;
    this.poller.start();
    // What consumers outside the lab had received before this run: not this run's to count.
    await this.foreign.poll();
    // Producers start once the scenario's consumers are subscribed: a subscriber's queue that is
    // not bound yet would miss the first messages, which is not what the scenario is about.
    const held: string[] = [];
    for (const spec of scenario.actors) {
      if (spec.kind === 'producer' && !spec.paused && !spec.http) {
        const id = this.spawn({ ...spec, paused: true });
        if (id) held.push(id);
      } else {
        this.spawn(spec);
      }
    }
    await this.actorsSettled(10_000);
    for (const id of held) {
      this.configure(id, (c) => (c.kind === 'producer' ? { ...c, paused: false } : undefined));
    }
    this.dispatch({ type: 'phase', phase: 'running' });
  }

  /**
   * Restart the private broker (stop_app, start_app): every connection drops, actors reconnect.
   * An external broker is the operator's to restart; the lab then reconnects the same way.
   */
  async restartBroker(): Promise<void> {
    const restart = this.options.restartBroker;
    if (!restart) {
      this.dispatch({
        type: 'notice',
        text: 'R restarts the private broker only; restart an external broker yourself and watch the lab reconnect.',
      });
      return;
    }
    if (this.restarting) return;
    this.restarting = true;
    try {
      await restartWithNotices(restart, (text) => this.dispatch({ type: 'notice', text }));
    } finally {
      this.restarting = false;
    }
  }

  /** Close an actor's connection from the server side, as an operator would; it reconnects. */
  async closeConnection(id: string): Promise<void> {
    if (!liveActors(this.state).some((a) => a.id === id)) return;
    const clientName = connectionName(this.supervisorEnv, id);
    const stopped = () => this.shutdownPromise !== undefined;
    const text = await closeClientConnection(this.management, id, clientName, stopped);
    this.dispatch({ type: 'notice', text });
  }

  /**
   * Add a service queue (the scenario's `services`): a durable named queue bound to the
   * exchange, with its own consumer; the emitter is not touched. Returns the queue's name.
   */
  async addQueue(name?: string): Promise<string | undefined> {
    const services = this.options.scenario.services;
    if (!services) {
      this.dispatch({ type: 'notice', text: 'This scenario has no service queues to add.' });
      return undefined;
    }
    if (!this.lab.current || this.quitting) return undefined;
    // The next free name: `b` and a tour step may both add queues, in either order.
    const bound = new Set((this.state.scenario.bindings ?? []).map((b) => b.queue));
    if (name !== undefined && bound.has(name)) {
      this.dispatch({ type: 'notice', text: `Queue '${name}' is bound already.` });
      return name;
    }
    let queue = name ?? services.names.find((n) => !bound.has(n));
    for (let n = 1; queue === undefined; n++) {
      const candidate = `${services.exchange}.service-${n}`;
      if (!bound.has(candidate)) queue = candidate;
    }
    try {
      const { exchange, keys, durable } = services;
      await this.lab.addServiceQueue({ queue, exchange, keys, durable });
    } catch (error) {
      this.dispatch({
        type: 'notice',
        text: `Cannot add queue '${queue}': ${describeAmqpError(error)}`,
      });
      return undefined;
    }
    this.dispatch({
      type: 'bound',
      exchange: services.exchange,
      queue,
      keys: services.keys,
      at: Date.now(),
      durable: services.durable,
    });
    this.spawn(consumerSchema.parse({ kind: 'consumer', queue, ...services.consumer }));
    return queue;
  }

  /** The broker counts more consumers on a queue than the lab runs: another program joined. */
  private noteForeignConsumers(queues: readonly QueueCounters[]): void {
    if (nodesUnsettled(this.state.cluster, Date.now())) return;
    for (const { queue, outside } of this.foreignConsumers.note(
      queues,
      this.state.actors,
      Date.now(),
    )) {
      this.watchForeign();
      this.dispatch({
        type: 'notice',
        text: `Queue '${queue}' has ${outside} consumer(s) outside the lab; what they take is shown as consumed elsewhere.`,
      });
    }
  }

  /** Run the guided tour: each step at its time says something and may act. */
  startTour(steps: readonly TourStep[] = this.options.scenario.tour): void {
    this.tour.start(steps);
  }

  /** Play the next tour step now instead of waiting for its time. */
  nextTourStep(): void {
    this.tour.next();
  }

  /** Stop the producers, then wait until the consumers have emptied their queues (or time runs out). */
  async drain(timeoutMs = 8000): Promise<void> {
    this.tour.stop();
    this.dispatch({ type: 'phase', phase: 'draining' });
    const producers = liveActors(this.state).filter((a) => a.config.kind === 'producer');
    await Promise.all(producers.map((p) => this.stopActor(p.id)));
    // Retry queues send their messages back after the TTL: wait for them, a few rounds more.
    const retry = retryQueues(this.options.scenario.topology.queues);
    const deadline = Date.now() + timeoutMs + 3 * Math.max(0, ...retry.values());
    // With retries the ledger knows better than the broker's counters (which can lag a second):
    // every message must have ended acknowledged or parked.
    const retrying = new Set(
      this.state.actors.flatMap((a) =>
        a.config.kind === 'consumer' && a.config.retry ? [a.id] : [],
      ),
    );
    await waitUntil(
      async () => {
        const { queues } = await this.poller.pollNow();
        const consumers = liveActors(this.state).filter((a) => a.config.kind === 'consumer');
        return (
          pendingQueues(queues, consumers, retry).length === 0 &&
          // A stream keeps its messages: its readers are done when they reached its end.
          consumers.every((a) => (streamLag(this.state.actors, a) ?? 0) === 0) &&
          (retrying.size === 0 || this.ledger.settlement(retrying).open === 0)
        );
      },
      deadline,
      100,
    );
    // The queues are empty on the broker; the consumers' reports of what they got may still be on
    // their way (a batch every 50 ms, later on a loaded machine). Wait until every live consumer
    // has settled what it reported receiving and no report came for a few batch intervals.
    // The broker's counters for a quorum queue can say "empty" a moment before the last message is
    // delivered; the ledger knows which confirmed messages no consumer has reported yet.
    const settleBy = Date.now() + 3000;
    await waitUntil(
      () =>
        Date.now() - this.lastConsumerReportAt > 200 &&
        consumersSettled(liveActors(this.state)) &&
        // The ledger walks cost a step per message published: only when the rest holds.
        (Date.now() > settleBy - 1000 || settledById(this.facts())),
      settleBy,
      50,
    );
    await this.end();
  }

  /** Consumers outside the lab joined: read the broker's figures of what they take, now and then. */
  private watchForeign(): void {
    if (this.foreignTimer) return;
    this.foreignTimer = setInterval(() => void this.foreign.poll(), 2000);
    this.foreignTimer.unref();
  }

  /**
   * The run ends: what the checks judge stops here. The actors stop (what a consumer had not
   * acknowledged goes back to its queue), then each queue is read back by id or counted.
   */
  end(): Promise<void> {
    this.endPromise ??= this.doEnd();
    return this.endPromise;
  }

  private async doEnd(): Promise<void> {
    this.tour.stop();
    this.endedAt = Date.now();
    this.dispatch({ type: 'ended', at: this.endedAt });
    const before = this.state.queues.list;
    const exclusive = new Set(
      this.state.actors.flatMap((a) =>
        a.config.kind === 'consumer' && a.config.bind && a.queue ? [a.queue] : [],
      ),
    );
    await Promise.all(liveActors(this.state).map((a) => this.stopActor(a.id)));
    const plans = planQueues(this.queueNames(), this.lab.declared?.createdQueues ?? [], {
      keep: this.options.keep ?? false,
      exclusive,
      streams: new Set(
        this.options.scenario.topology.queues.filter(isStreamQueue).map((q) => q.name),
      ),
    });
    // The counters as the actors left them, the last the run shows (reading back empties queues).
    await this.poller.stop();
    const { queues } = await this.poller.pollNow();
    const held = await readHeld(
      this.management,
      this.options.target.vhost,
      atLeastOnceQueues(this.options.scenario.topology.queues),
      this.options.embedded ? 1000 : 5000,
    );
    const readings = await readQueues(this.lab.current, plans, this.runId, queues, before, held);
    for (const { end, runs } of readings) {
      this.ledger.recordLeft(end.queue, runs);
      this.ends.push(end);
      this.recorder.line({ type: 'queue-end', at: Date.now(), end, runs });
    }
    await this.settleForeign();
  }

  /**
   * The broker's statistics lag (collect_statistics_interval: 1 s on the private node, 5 s by
   * default): while messages are unaccounted for and consumers outside the lab were seen, read
   * them until they stop changing or the interval has surely passed.
   */
  private async settleForeign(): Promise<void> {
    if (this.foreignTimer) clearInterval(this.foreignTimer);
    this.foreignTimer = undefined;
    if (this.foreignConsumers.queues.size > 0) {
      await this.foreign.settle(
        () => this.ledger.unaccounted(),
        this.options.embedded ? 1000 : 5000,
      );
    }
    this.recorder.line({
      type: 'foreign-deliveries',
      at: Date.now(),
      queues: this.foreign.deliveries(),
    });
  }

  private facts(): RunFacts {
    return {
      scenario: this.options.scenario,
      state: this.state,
      ledger: this.ledger,
      ends: this.ends,
      foreign: this.foreign.deliveries(),
    };
  }

  checks(): CheckResult[] {
    return labChecks(this.facts(), this.endedAt ?? Date.now());
  }

  /**
   * The run's report now (headless mode prints it), marked in the record at this point so a
   * replay takes it from the same state.
   */
  report(durationMs: number): Report {
    const endedAt = this.endedAt ?? Date.now();
    this.recorder.markReport(durationMs, endedAt);
    return labReport(this.facts(), durationMs, endedAt);
  }

  /** Fresh counters now (for the final report). */
  async pollNow(): Promise<void> {
    await this.poller.pollNow();
  }

  /** Stop everything and remove what this run created (unless keep). Safe to call twice. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this.quitting = true;
    this.nodeOps?.stop();
    // A start in progress finishes its step (so what it declared is known and removed).
    await this.startPromise?.catch(() => {});
    this.tour.stop();
    if (this.foreignTimer) clearInterval(this.foreignTimer);
    // A recorded run that ends without a report (the screen's q, a signal) still reads its
    // queues back, so `rabbit-lab report` judges it whole.
    if (this.recorder.active && this.lab.declared && !this.endPromise) {
      this.dispatch({ type: 'phase', phase: 'stopping' });
      await this.end().catch(() => {});
    }
    // A run that ends without a report (the screen's q, a signal) is recorded as it stood here.
    const now = Date.now();
    this.recorder.markReport(now - this.state.startedAt, this.endedAt ?? now);
    this.dispatch({ type: 'phase', phase: 'stopping' });
    await this.supervisor.stopAll(2000);
    await this.poller.stop();
    await this.lab.close(this.options.keep ?? false);
    this.dispatch({ type: 'phase', phase: 'stopped' });
    this.throttle.now();
  }

  /** What this run created on the broker (for messages while cleaning up). */
  created(): { queues: readonly string[]; exchanges: readonly string[] } {
    return {
      queues: this.lab.declared?.createdQueues ?? [],
      exchanges: this.lab.declared?.createdExchanges ?? [],
    };
  }
}
