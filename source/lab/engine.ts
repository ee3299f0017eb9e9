/**
 * The lab's engine: the display state and how events reach it (reduce, record, hand to the
 * screen at most maxFps times a second), and the ledger the consumers' reports feed. The actor
 * controls (actors.ts) and the session (session.ts) build on it.
 */
import { randomBytes } from 'node:crypto';
import type { BrokerTarget } from '../broker/url.js';
import { type RecordLine, recordFormat, recordVersion } from '../record/format.js';
import { Recorder } from '../record/recorder.js';
import type { Scenario } from '../scenario/schema.js';
import { redact } from '../util/redact.js';
import { labQueueNames, scenarioView } from './lab-report.js';
import { LatencyWindow } from './latency-window.js';
import { Ledger } from './ledger.js';
import { feedLedger, type ReportMessage } from './ledger-feed.js';
import type { ClusterControl } from './node-ops.js';
import { consumerQueue, initialState, type LabEvent, type LabState, reduce } from './store.js';
import { Throttle } from './throttle.js';

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
  /** The private cluster's nodes, for the node keys and tour steps. */
  readonly cluster?: ClusterControl;
  /** Takes each line of the run's record (`--record`): the header, every event, the report mark. */
  readonly record?: (line: RecordLine) => void;
}

export class LabEngine {
  readonly runId = randomBytes(4).toString('hex');
  /** What HTTP publish endpoints require as `Authorization: Bearer <token>`. */
  readonly httpToken: string;
  readonly ledger = new Ledger();
  /** Publish → delivery over the last 10 s per queue, for the screen's latency line. */
  protected readonly recentLatency = new LatencyWindow();
  protected state: LabState;
  // 10 a second, below Ink's own cap of 15: two throttles at the same rate beat against each
  // other and let only every other frame through (measured: ~8 renders/s, keys up to 240 ms).
  protected readonly throttle: Throttle<LabState>;
  protected readonly recorder: Recorder;
  /** When a consumer last reported a delivery or an ack (the drain waits for quiet). */
  protected lastConsumerReportAt = 0;

  constructor(protected readonly options: SessionOptions) {
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
        ...(options.cluster ? { clusterNodes: options.cluster.nodes.length } : {}),
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
    this.throttle = new Throttle(() => this.state, options.maxFps ?? 10);
  }

  protected notice(text: string): void {
    this.dispatch({ type: 'notice', text });
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
  protected dispatch(event: LabEvent): void {
    // A poll carries the last 10 s of latency, as the consumers' receipts gave it.
    if (event.type === 'poll' && !event.result.error) {
      const latency = this.recentLatency.figures(event.at);
      event = { ...event, result: { ...event.result, latency } };
    }
    const before = this.state;
    // One time for the event's report entry and its record line, so a replay lists it alike.
    const at = Date.now();
    this.ledger.events.note(event, before, at);
    this.state = reduce(this.state, event);
    this.recordEvent(event, at);
    // Ledger facts only (receipts): nothing on screen changed.
    if (this.state === before && event.type === 'actor') return;
    if (event.type === 'actor' && event.message.type === 'batch') this.throttle.soon();
    else if (event.type === 'poll') this.throttle.soon();
    else this.throttle.now();
  }

  protected recordEvent(event: LabEvent, at = Date.now()): void {
    if (!this.recorder.active) return;
    const producerBatch =
      event.type === 'actor' &&
      event.message.type === 'batch' &&
      this.state.actors.find((a) => a.id === event.id)?.config.kind === 'producer';
    this.recorder.event(event, at, producerBatch);
  }

  /** A producer's batch carried publisher confirms (the failover measures watch for them). */
  protected confirmsArrived(_at: number): void {}

  /** A consumer's batch carried lab deliveries (the failover measures' consumer gap). */
  protected deliveriesArrived(_consumer: string, _at: number): void {}

  /**
   * Stream consumers that track their offsets: the last offset processed under each name, as the
   * client-side store a reader that resumes would keep (a file, a database).
   */
  protected readonly trackedOffsets = new Map<string, number>();

  protected feed(id: string, report: ReportMessage): void {
    if (report.stream?.processed !== undefined) {
      const actor = this.state.actors.find((a) => a.id === id);
      const track = actor?.config.kind === 'consumer' ? actor.config.track : undefined;
      if (track !== undefined) this.trackedOffsets.set(track, report.stream.processed);
    }
    if (report.type === 'batch' && (report.confirmedRuns?.length ?? 0) > 0) {
      this.confirmsArrived(Date.now());
    }
    if (report.runs.length + report.redeliveredRuns.length > 0) {
      this.deliveriesArrived(id, Date.now());
    }
    if (report.runs.length + report.redeliveredRuns.length > 0 || report.handledRuns)
      this.lastConsumerReportAt = Date.now();
    if (report.latency) {
      const actor = this.state.actors.find((a) => a.id === id);
      const queue = actor && consumerQueue(actor);
      if (queue) this.recentLatency.note(queue, report.latency, Date.now());
    }
    feedLedger(this.ledger, this.state, id, report);
  }
}
