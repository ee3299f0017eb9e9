/**
 * The actor controls: spawn, configure, stop and kill producers and consumers (as the keys, the
 * tour and the scenario ask), and what their processes report, folded into the engine.
 */
import {
  ActorIds,
  defaultMaxActors,
  defaultMaxRate,
  nextAck,
  nextPrefetch,
  nextRate,
} from '../actors/config.js';
import type { ActorConfig, ActorEnvironment } from '../actors/protocol.js';
import { Supervisor, type SupervisorEvent } from '../actors/supervisor.js';
import {
  type ActorSpec,
  consumerSchema,
  producerSchema,
  streamOffsetSchema,
} from '../scenario/schema.js';
import { endpointNotices, postToEndpoint } from './endpoint.js';
import { LabEngine, type SessionOptions } from './engine.js';
import { ForeignConsumers } from './foreign-consumers.js';
import { isReport } from './ledger-feed.js';
import type { ExchangeType } from './routing.js';
import { exchangeTypeOf, liveActors } from './store.js';

export class LabActors extends LabEngine {
  protected readonly supervisor: Supervisor;
  protected readonly supervisorEnv: ActorEnvironment;
  protected readonly killed = new Set<string>();
  protected readonly foreignConsumers = new ForeignConsumers();
  private readonly ids = new ActorIds();
  /** Shutdown has begun: a start still in progress spawns nothing more. */
  protected quitting = false;

  constructor(options: SessionOptions) {
    super(options);
    const { scenario, target } = options;
    this.supervisorEnv = {
      url: target.amqpUrl,
      ...(target.amqpUrls ? { urls: target.amqpUrls } : {}),
      scenario: scenario.name,
      runId: this.runId,
      topology: scenario.topology,
      tls: target.tlsMaterial,
      httpToken: this.httpToken,
    };
    this.supervisor = new Supervisor(this.supervisorEnv, (event) => this.onSupervisorEvent(event));
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
    const stored =
      config.kind === 'consumer' && config.track
        ? this.trackedOffsets.get(config.track)
        : undefined;
    if (config.kind === 'consumer' && stored !== undefined) {
      // It resumes right after what the last reader under its name processed.
      config = { ...config, offset: stored + 1 };
      this.dispatch({
        type: 'notice',
        text: `${config.id} resumes '${config.track}' at offset ${stored + 1}, right after the last one processed under that name.`,
      });
    }
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

  /** A scenario that reads a stream: c asks where the new reader starts (its first reader's queue). */
  streamChoice(): { queue: string; suggested: string } | undefined {
    const reader = this.options.scenario.actors.find(
      (a) => a.kind === 'consumer' && a.offset !== undefined,
    );
    if (reader?.kind !== 'consumer' || reader.queue === undefined) return undefined;
    return { queue: reader.queue, suggested: String(reader.offset ?? 'first') };
  }

  /** A new reader like the scenario's first stream consumer, starting at `text` (an offset). */
  spawnAtOffset(text: string): string | undefined {
    const reader = this.options.scenario.actors.find(
      (a) => a.kind === 'consumer' && a.offset !== undefined,
    );
    if (reader?.kind !== 'consumer') return undefined;
    const value = text.trim();
    const parsed = streamOffsetSchema.safeParse(/^\d+$/.test(value) ? Number(value) : value);
    if (!parsed.success) {
      this.dispatch({
        type: 'notice',
        text: `'${value}' is no stream offset: give first, last, next, a number, an ISO time such as 2026-12-01T10:00:00Z, or an interval such as 30s, 10m, 1h, 1D.`,
      });
      return undefined;
    }
    // A reader at a chosen place: it does not take over a tracked reader's offset.
    const { track: _track, ...spec } = reader;
    return this.spawn({ ...spec, offset: parsed.data });
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
    this.configure(id, (c) => {
      if (c.kind !== 'consumer') return undefined;
      const prefetch = nextPrefetch(c.prefetch, direction);
      if (c.offset !== undefined && prefetch === 0)
        return this.streamRule(id, 'a prefetch of 1 or more');
      return { ...c, prefetch };
    });
  }

  cycleAck(id: string): void {
    this.configure(id, (c) => {
      if (c.kind !== 'consumer') return undefined;
      if (c.offset !== undefined) return this.streamRule(id, 'manual acks');
      return { ...c, ack: nextAck(c.ack) };
    });
  }

  /** A stream consumer's setting the broker would refuse: say why, change nothing. */
  private streamRule(id: string, needs: string): undefined {
    this.dispatch({
      type: 'notice',
      text: `${id} reads a stream, and the broker accepts a stream consumer only with ${needs}; the setting stays.`,
    });
    return undefined;
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

  protected onSupervisorEvent(event: SupervisorEvent): void {
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
  protected announceEndpoint(id: string): void {
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

  protected exchangeType(name: string): ExchangeType {
    return exchangeTypeOf(this.state, name);
  }

  /** Wait until no actor is still starting (connected and consuming, or failed). */
  async actorsSettled(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.state.actors.some((a) => a.status === 'starting')) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Last resort for process 'exit': kill actors synchronously. */
  killAllSync(): void {
    this.supervisor.killAllSync();
  }
}
