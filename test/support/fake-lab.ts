import type { ActorConfig } from '../../source/actors/protocol.js';
import type { LabControls } from '../../source/app.js';
import { initialState, type LabEvent, type LabState, reduce } from '../../source/lab/store.js';

/**
 * A lab whose state goes through the real reducer but whose commands only record themselves:
 * for testing the screen without processes. Broker behaviour is tested with real sessions.
 */
export class FakeLab implements LabControls {
  state: LabState;
  readonly commands: string[] = [];
  private readonly listeners = new Set<(s: LabState) => void>();
  private counters = { producer: 1, consumer: 1 };

  constructor() {
    this.state = initialState(
      {
        name: 'hello-queue',
        title: 'Hello queue',
        lesson: 'The simplest thing that does something.',
        topology: {
          exchanges: [],
          queues: [
            {
              name: 'hello',
              durable: true,
              exclusive: false,
              autoDelete: false,
              arguments: { 'x-queue-type': 'quorum' },
            },
          ],
          bindings: [],
        },
      },
      {
        redactedUrl: 'amqp://guest:***@localhost:5672',
        managementUrl: 'http://localhost:15672',
        embedded: true,
        version: '3.10.8',
        vhost: '/',
      },
      0,
    );
  }

  dispatch(event: LabEvent): void {
    this.state = reduce(this.state, event);
    for (const l of this.listeners) l(this.state);
  }

  snapshot(): LabState {
    return this.state;
  }

  subscribe(listener: (s: LabState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  spawnLike(kind: 'producer' | 'consumer'): string {
    this.commands.push(`spawn ${kind}`);
    const id =
      kind === 'producer' ? `P${this.counters.producer++}` : `C${this.counters.consumer++}`;
    const config: ActorConfig =
      kind === 'producer'
        ? {
            kind,
            id,
            exchange: '',
            routingKeys: ['hello'],
            rate: 1,
            body: 'x',
            persistent: false,
            paused: false,
          }
        : {
            kind,
            id,
            queue: 'hello',
            prefetch: 0,
            ack: 'auto',
            workMs: 0,
            workPerDotMs: 0,
            nackEvery: 0,
            requeue: false,
          };
    this.dispatch({ type: 'spawned', config });
    return id;
  }

  private configure(id: string, change: (c: ActorConfig) => ActorConfig | undefined): void {
    const actor = this.state.actors.find((a) => a.id === id);
    const config = actor && change(actor.config);
    if (config) this.dispatch({ type: 'configured', config });
  }

  async kill(id: string): Promise<void> {
    this.commands.push(`kill ${id}`);
    this.dispatch({ type: 'exit', id, killed: true, code: null });
  }

  async stopActor(id: string): Promise<void> {
    this.commands.push(`stop ${id}`);
    this.dispatch({ type: 'stopping', id });
  }

  togglePause(id: string): void {
    this.commands.push(`pause ${id}`);
    this.configure(id, (c) => (c.kind === 'producer' ? { ...c, paused: !c.paused } : undefined));
  }

  changeRate(id: string, direction: 1 | -1): void {
    this.commands.push(`rate ${id} ${direction}`);
    this.configure(id, (c) =>
      c.kind === 'producer' ? { ...c, rate: direction > 0 ? c.rate * 2 : c.rate / 2 } : undefined,
    );
  }

  changePrefetch(id: string, direction: 1 | -1): void {
    this.commands.push(`prefetch ${id} ${direction}`);
    this.configure(id, (c) =>
      c.kind === 'consumer' ? { ...c, prefetch: c.prefetch + direction } : undefined,
    );
  }

  cycleAck(id: string): void {
    this.commands.push(`ack ${id}`);
    const order = { manual: 'auto', auto: 'never', never: 'manual' } as const;
    this.configure(id, (c) => (c.kind === 'consumer' ? { ...c, ack: order[c.ack] } : undefined));
  }

  /** Every live actor loses its connection, as in a broker restart. */
  async restartBroker(): Promise<void> {
    this.commands.push('restart broker');
    this.dispatch({
      type: 'notice',
      text: 'Restarting the broker (rabbitmqctl stop_app, start_app)…',
    });
    for (const a of this.state.actors) this.connectionDropped(a.id);
  }

  /** Records the node key; freeze and thaw change node 1 as the real operator would. */
  async nodeAction(
    action: 'kill' | 'stop' | 'freeze' | 'thaw' | 'start',
    queue?: string,
  ): Promise<void> {
    this.commands.push(`node ${action} ${queue ?? '-'}`);
    const node = this.state.cluster?.nodes[0];
    if (!node) return;
    const status = {
      kill: 'down',
      stop: 'down',
      freeze: 'frozen',
      thaw: 'up',
      start: 'up',
    } as const;
    this.dispatch({ type: 'node', nodeName: node.nodeName, status: status[action] });
  }

  async addQueue(name?: string): Promise<string | undefined> {
    const queue = name ?? 'events.service-1';
    this.commands.push(`add queue ${queue}`);
    this.dispatch({ type: 'bound', exchange: 'events', queue, keys: [''], at: Date.now() });
    return queue;
  }

  async closeConnection(id: string): Promise<void> {
    this.commands.push(`close connection ${id}`);
    this.connectionDropped(id);
  }

  private connectionDropped(id: string): void {
    this.dispatch({
      type: 'actor',
      id,
      at: Date.now(),
      message: {
        type: 'reconnecting',
        attempt: 1,
        reason: 'Closed via management plugin (320 CONNECTION_FORCED)',
        inMs: 400,
      },
    });
  }

  nextTourStep(): void {
    this.commands.push('next');
    this.dispatch({ type: 'tour', index: 0, text: 'Step one of the tour.' });
  }

  /** Set to make `c` ask for binding keys, as in a routing scenario. */
  routing: { exchange: string; type: string; keys: string[]; suggested: string[] } | undefined;

  bindingChoice() {
    return this.routing;
  }

  /** Set to make c ask where a new stream reader starts. */
  stream: { queue: string; suggested: string } | undefined;

  streamChoice() {
    return this.stream;
  }

  spawnAtOffset(offset: string): string {
    this.commands.push(`spawn stream reader at ${offset}`);
    return this.spawnLike('consumer');
  }

  spawnBound(keys: readonly string[]): string {
    this.commands.push(`spawn consumer bound to ${keys.join(' ')}`);
    return this.spawnLike('consumer');
  }

  sendOne(id: string, routingKey: string, body: string): void {
    this.commands.push(`send ${id} ${routingKey} ${body}`);
  }

  async shutdown(): Promise<void> {
    this.commands.push('shutdown');
  }

  created() {
    return { queues: ['hello'], exchanges: [] };
  }
}
