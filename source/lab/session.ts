/**
 * The session engine: ties the supervisor (actor processes), the poller (broker counters), the
 * ledger (what was sent and received) and the store (display state) together. Both faces, the
 * Ink UI and headless mode, drive a Session and read its snapshots.
 */

import { randomBytes } from 'node:crypto';
import {
  ActorIds,
  defaultMaxActors,
  defaultMaxRate,
  nextAck,
  nextPrefetch,
  nextRate,
} from '../actors/config.js';
import { connectionName } from '../actors/connect.js';
import { describeAmqpError } from '../actors/errors.js';
import type { ActorConfig, ActorEnvironment } from '../actors/protocol.js';
import { Supervisor, type SupervisorEvent } from '../actors/supervisor.js';
import { ForeignTracker } from '../broker/foreign-deliveries.js';
import { LabConnection } from '../broker/lab-connection.js';
import { ManagementClient, type QueueCounters } from '../broker/management-client.js';
import { Poller } from '../broker/poller.js';
import { type BrokerTarget, redact } from '../broker/url.js';
import { type RecordLine, recordFormat, recordVersion } from '../record/format.js';
import { Recorder } from '../record/recorder.js';
import {
  type ActorSpec,
  consumerSchema,
  producerSchema,
  type Scenario,
  type TourStep,
} from '../scenario/schema.js';
import { UserError } from '../util/user-error.js';
import type { QueueEnd } from './accounting.js';
import type { CheckResult } from './checks.js';
import { consumersSettled, pendingQueues, retryQueues, waitUntil } from './drain.js';
import { endpointNotices, postToEndpoint } from './endpoint.js';
import { ForeignConsumers } from './foreign-consumers.js';
import { labChecks, labQueueNames, labReport, type RunFacts, scenarioView } from './lab-report.js';
import { Ledger } from './ledger.js';
import { feedLedger, isReport, type ReportMessage } from './ledger-feed.js';
import { closeClientConnection, restartWithNotices } from './operator.js';
import type { Report } from './report.js';
import type { ExchangeType } from './routing.js';
import { planQueues, readQueues } from './run-end.js';
import {
  exchangeTypeOf,
  initialState,
  type LabEvent,
  type LabState,
  liveActors,
  reduce,
} from './store.js';
import { Throttle } from './throttle.js';
import { TourPlayer } from './tour.js';

/** A problem starting the session that the user can fix (bad credentials, no permissions…). */
export class SessionError extends UserError {
  override readonly name = 'SessionError';
}

export interface SessionOptions {
  readonly scenario: Scenario;
  readonly target: BrokerTarget;
  readonly embedded: boolean;
  /** Leave the queues and exchanges this run created. */
  readonly keep?: boolean;
  /** Most actors alive at once, so a lab cannot flood a shared broker by accident. */
  readonly maxActors?: number;
  /** Snapshots to listeners at most this often. */
  readonly maxFps?: number;
  readonly pollIntervalMs?: number;
  /** Highest rate a producer may be given from the keyboard (msg/s). */
  readonly maxRate?: number;
  /** Restarts the broker in place (the private node only). */
  readonly restartBroker?: () => Promise<void>;
  /** The bearer token HTTP publish endpoints require (default: a random one per run). */
  readonly httpToken?: string;
  /** Takes each line of the run's record (`--record`): the header, every event, the report mark. */
  readonly record?: (line: RecordLine) => void;
}

export class Session {
  readonly runId = randomBytes(4).toString('hex');
  /** What HTTP publish endpoints require as `Authorization: Bearer <token>`. */
  readonly httpToken: string;
  readonly ledger = new Ledger();
  private state: LabState;
  private readonly supervisor: Supervisor;
  private readonly management: ManagementClient;
  private readonly poller: Poller;
  private readonly lab: LabConnection;
  // 10 a second, below Ink's own cap of 15: two throttles at the same rate beat against each
  // other and let only every other frame through (measured: ~8 renders/s, keys up to 240 ms).
  private readonly throttle: Throttle<LabState>;
  private readonly killed = new Set<string>();
  private readonly foreignConsumers = new ForeignConsumers();
  /** The broker's deliveries to consumers outside the lab (the ceiling on what they took). */
  private readonly foreign: ForeignTracker;
  private foreignTimer: NodeJS.Timeout | undefined;
  /** The queues as the run left them, once it ended. */
  private ends: QueueEnd[] = [];
  private readonly recorder: Recorder;
  private endPromise: Promise<void> | undefined;
  private readonly tour: TourPlayer;
  private endedAt: number | undefined;
  private readonly ids = new ActorIds();
  private shutdownPromise: Promise<void> | undefined;
  private restarting = false;
  private startPromise: Promise<void> | undefined;
  /** Shutdown has begun: a start still in progress spawns nothing more. */
  private quitting = false;
  /** When a consumer last reported a delivery or an ack (the drain waits for quiet). */
  private lastConsumerReportAt = 0;
  private readonly supervisorEnv: ActorEnvironment;

  constructor(private readonly options: SessionOptions) {
    const { scenario, target } = options;
    this.httpToken = options.httpToken ?? randomBytes(12).toString('base64url');
    this.state = initialState(
      scenarioView(scenario),
      {
        redactedUrl: target.redactedUrl,
        managementUrl: target.managementUrl,
        embedded: options.embedded,
        version: '',
        vhost: target.vhost,
      },
      Date.now(),
    );
    this.recorder = new Recorder(options.record);
    this.recorder.line({
      type: recordFormat,
      version: recordVersion,
      runId: this.runId,
      startedAt: this.state.startedAt,
      scenario,
      broker: {
        url: target.redactedUrl,
        managementUrl: redact(target.managementUrl),
        embedded: options.embedded,
        vhost: target.vhost,
      },
    });
    this.supervisorEnv = {
      url: target.amqpUrl,
      scenario: scenario.name,
      runId: this.runId,
      topology: scenario.topology,
      tls: target.tlsMaterial,
      httpToken: this.httpToken,
    };
    this.throttle = new Throttle(() => this.state, options.maxFps ?? 10);
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
    });
    this.supervisor = new Supervisor(this.supervisorEnv, (event) => this.onSupervisorEvent(event));
    this.management = new ManagementClient({
      baseUrl: target.managementUrl,
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
      include: (name) => this.queueNames().has(name),
      consumerCounts: (names) => this.consumerCounts(names),
      onResult: (result) => {
        this.noteForeignConsumers(result.queues);
        this.dispatch({ type: 'poll', result, at: Date.now() });
      },
    });
  }

  get scenario(): Scenario {
    return this.options.scenario;
  }

  /** The queues this run shows: the topology's, and those the consumers consume from. */
  queueNames(): Set<string> {
    return labQueueNames(this.options.scenario, this.state);
  }

  snapshot(): LabState {
    return this.state;
  }

  /** Called with a new state at most maxFps times a second (and at once for a key's effect). */
  subscribe(listener: (state: LabState) => void): () => void {
    return this.throttle.subscribe(listener);
  }

  /**
   * Fold an event into the state and tell the listeners: at most maxFps times a second for the
   * stream of batches and polls, at once for the rare events a person caused or waits for (a key's
   * effect, a tour step, an actor coming or going), so a key press shows on the next frame.
   */
  private dispatch(event: LabEvent): void {
    const before = this.state;
    this.state = reduce(this.state, event);
    this.recordEvent(event);
    // Ledger facts only (receipts): nothing on screen changed.
    if (this.state === before && event.type === 'actor') return;
    if (event.type === 'actor' && event.message.type === 'batch') this.throttle.soon();
    else if (event.type === 'poll') this.throttle.soon();
    else this.throttle.now();
  }

  private recordEvent(event: LabEvent): void {
    if (!this.recorder.active) return;
    const producerBatch =
      event.type === 'actor' &&
      event.message.type === 'batch' &&
      this.state.actors.find((a) => a.id === event.id)?.config.kind === 'producer';
    this.recorder.event(event, Date.now(), producerBatch);
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

  /** Spawn an actor from a spec; returns its id, or undefined when the actor limit is reached. */
  spawn(spec: ActorSpec): string | undefined {
    if (this.quitting) return undefined;
    const maxActors = this.options.maxActors ?? defaultMaxActors;
    if (liveActors(this.state).length >= maxActors) {
      this.dispatch({ type: 'notice', text: `At most ${maxActors} actors run at once.` });
      return undefined;
    }
    const max = this.options.maxRate ?? defaultMaxRate;
    let config = this.ids.config(spec);
    if (config.kind === 'producer' && config.rate > max) {
      this.dispatch({
        type: 'notice',
        text: `${config.id} asks for ${config.rate} msg/s; capped at ${max} (--max-rate lifts it).`,
      });
      config = { ...config, rate: max };
    }
    this.dispatch({ type: 'spawned', config });
    this.supervisor.spawn(config);
    return config.id;
  }

  /** Spawn another actor like the scenario's first of that kind. */
  spawnLike(kind: 'producer' | 'consumer'): string | undefined {
    // Another HTTP endpoint would want the same port: copy a timed producer.
    const actors = this.options.scenario.actors;
    const template =
      actors.find((a) => a.kind === kind && !(a.kind === 'producer' && a.http)) ??
      actors.find((a) => a.kind === kind);
    if (template) return this.spawn(template);
    const q = this.options.scenario.topology.queues[0]?.name;
    if (!q) {
      this.dispatch({ type: 'notice', text: `This scenario has no ${kind} to copy.` });
      return undefined;
    }
    // The scenario format's defaults, as if the file had said only this much.
    return this.spawn(
      kind === 'producer'
        ? producerSchema.parse({ kind, routingKeys: [q] })
        : consumerSchema.parse({ kind, queue: q }),
    );
  }

  /** Change a running actor's settings; it applies them live. */
  configure(id: string, change: (config: ActorConfig) => ActorConfig | undefined): void {
    const actor = liveActors(this.state).find((a) => a.id === id);
    if (!actor) return;
    const config = change(actor.config);
    if (!config || config === actor.config) return;
    this.dispatch({ type: 'configured', config });
    this.supervisor.update(config);
  }

  togglePause(id: string): void {
    this.configure(id, (c) => (c.kind === 'producer' ? { ...c, paused: !c.paused } : undefined));
  }

  changeRate(id: string, direction: 1 | -1): void {
    const max = this.options.maxRate ?? defaultMaxRate;
    this.configure(id, (c) => {
      if (c.kind !== 'producer') return undefined;
      const next = nextRate(c.rate, direction, max);
      if (next === c.rate) {
        if (direction > 0)
          this.dispatch({
            type: 'notice',
            text: `${id} is at the rate ceiling of ${max} msg/s (--max-rate lifts it).`,
          });
        return undefined;
      }
      return { ...c, rate: next };
    });
  }

  changePrefetch(id: string, direction: 1 | -1): void {
    this.configure(id, (c) =>
      c.kind === 'consumer' ? { ...c, prefetch: nextPrefetch(c.prefetch, direction) } : undefined,
    );
  }

  cycleAck(id: string): void {
    this.configure(id, (c) => (c.kind === 'consumer' ? { ...c, ack: nextAck(c.ack) } : undefined));
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

  /** One message now from a producer, with any routing key and body. */
  sendOne(id: string, routingKey: string, body: string): void {
    const actor = liveActors(this.state).find((a) => a.id === id && a.config.kind === 'producer');
    // An HTTP endpoint takes it the way other systems would: over HTTP.
    if (actor?.endpoint) void this.post(id, body, routingKey);
    else if (actor) this.supervisor.sendOne(id, routingKey, body);
  }

  /**
   * For routing scenarios (the scenario's consumer binds a direct or topic exchange): the
   * exchange and the keys its producers use, to offer when adding a consumer.
   */
  bindingChoice():
    | { exchange: string; type: string; keys: string[]; suggested: string[] }
    | undefined {
    const template = this.options.scenario.actors.find((a) => a.kind === 'consumer' && a.bind);
    if (template?.kind !== 'consumer' || !template.bind) return undefined;
    const type = this.exchangeType(template.bind.exchange);
    if (type !== 'direct' && type !== 'topic') return undefined;
    const keys = new Set<string>();
    for (const a of this.options.scenario.actors) {
      if (a.kind === 'producer' && a.exchange === template.bind.exchange)
        for (const k of a.routingKeys) keys.add(k);
    }
    return {
      exchange: template.bind.exchange,
      type,
      keys: [...keys],
      suggested: template.bind.keys,
    };
  }

  /** A consumer like the scenario's first, bound with other keys (routing scenarios). */
  spawnBound(keys: readonly string[]): string | undefined {
    const template = this.options.scenario.actors.find((a) => a.kind === 'consumer' && a.bind);
    if (template?.kind !== 'consumer' || !template.bind) return this.spawnLike('consumer');
    return this.spawn({ ...template, bind: { exchange: template.bind.exchange, keys: [...keys] } });
  }

  /** SIGKILL: the crash case. */
  async kill(id: string): Promise<void> {
    this.killed.add(id);
    await this.supervisor.kill(id);
  }

  /** Graceful stop: the actor closes its connection. */
  async stopActor(id: string): Promise<void> {
    this.dispatch({ type: 'stopping', id });
    await this.supervisor.stop(id);
  }

  private onSupervisorEvent(event: SupervisorEvent): void {
    if (event.type === 'exit') {
      this.foreignConsumers.exited(event.id, Date.now());
      this.dispatch({
        type: 'exit',
        id: event.id,
        killed: this.killed.has(event.id) || event.signal === 'SIGKILL',
        code: event.code,
      });
      return;
    }
    const { message } = event;
    if (isReport(message)) this.feed(event.id, message);
    this.dispatch({ type: 'actor', id: event.id, message, at: Date.now() });
    if (message.type === 'ready' && message.endpoint) this.announceEndpoint(event.id);
  }

  /** How to publish through an HTTP endpoint, with a command to copy. */
  private announceEndpoint(id: string): void {
    const actor = this.state.actors.find((a) => a.id === id);
    if (!actor?.endpoint || actor.config.kind !== 'producer') return;
    const { exchange, routingKeys } = actor.config;
    for (const text of endpointNotices(id, actor.endpoint, exchange, routingKeys, this.httpToken))
      this.dispatch({ type: 'notice', text });
  }

  /** POST a message to a producer's HTTP endpoint, as another system would; says how it went. */
  async post(id: string, body: string, key?: string): Promise<number | undefined> {
    const actor = this.state.actors.find((a) => a.id === id);
    if (!actor?.endpoint || actor.config.kind !== 'producer') {
      this.dispatch({ type: 'notice', text: `${id} has no HTTP endpoint.` });
      return undefined;
    }
    const { exchange } = actor.config;
    const sent = await postToEndpoint(id, actor.endpoint, exchange, this.httpToken, body, key);
    this.dispatch({ type: 'notice', text: sent.text });
    return sent.status;
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

  private feed(id: string, report: ReportMessage): void {
    if (report.runs.length + report.redeliveredRuns.length > 0 || report.handledRuns)
      this.lastConsumerReportAt = Date.now();
    feedLedger(this.ledger, this.state, id, report);
  }

  /** The broker counts more consumers on a queue than the lab runs: another program joined. */
  private noteForeignConsumers(queues: readonly QueueCounters[]): void {
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

  /** Wait until no actor is still starting (connected and consuming, or failed). */
  async actorsSettled(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.state.actors.some((a) => a.status === 'starting')) {
      await new Promise((r) => setTimeout(r, 20));
    }
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
        // The ledger walk costs one step per message published: only when the rest holds.
        (Date.now() > settleBy - 1000 || this.ledger.unaccounted() === 0),
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
    });
    // The counters as the actors left them, the last the run shows (reading back empties queues).
    await this.poller.stop();
    const { queues } = await this.poller.pollNow();
    const readings = await readQueues(this.lab.current, plans, this.runId, queues, before);
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

  private exchangeType(name: string): ExchangeType {
    return exchangeTypeOf(this.state, name);
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

  /** Last resort for process 'exit': kill actors synchronously. */
  killAllSync(): void {
    this.supervisor.killAllSync();
  }

  /** What this run created on the broker (for messages while cleaning up). */
  created(): { queues: readonly string[]; exchanges: readonly string[] } {
    return {
      queues: this.lab.declared?.createdQueues ?? [],
      exchanges: this.lab.declared?.createdExchanges ?? [],
    };
  }
}
