/**
 * The record of a run (`--record file.ndjson`): one JSON document per line. A header (the
 * scenario, the broker without its password), then every event the session folded into its
 * state, a few facts only the session saw, a mark where the report was taken, and an end line.
 * Replaying it (initial state, the same reducer, the same ledger feed, the same checks) gives the
 * report headless mode printed. docs/record.md describes the format for other readers.
 */

import type { SeqRun } from '../actors/protocol.js';
import type { ForeignDeliveries, QueueEnd } from '../lab/accounting.js';
import { EarlyExits } from '../lab/early-exits.js';
import { labReport, scenarioView } from '../lab/lab-report.js';
import type { LatencyDistribution } from '../lab/latency-book.js';
import { Ledger } from '../lab/ledger.js';
import { feedLedger, isReport } from '../lab/ledger-feed.js';
import { type DepthSeries, QueueDepths } from '../lab/queue-depths.js';
import type { Report } from '../lab/report.js';
import { initialState, type LabEvent, type LabState, reduce } from '../lab/store.js';
import { type Scenario, scenarioSchema } from '../scenario/schema.js';
import { UserError } from '../util/user-error.js';
import * as z from '../vendor/zod.js';

export const recordFormat = 'rabbit-lab-record';
export const recordVersion = 2;

export interface RecordHeader {
  readonly type: typeof recordFormat;
  readonly version: number;
  readonly runId: string;
  /** When the session began (ms since epoch); the state's clock starts here. */
  readonly startedAt: number;
  /** The scenario as parsed (defaults filled in), so the record stands without its file. */
  readonly scenario: Scenario;
  readonly broker: {
    /** The AMQP URL with its password replaced by `***`. */
    readonly url: string;
    readonly managementUrl: string;
    readonly embedded: boolean;
    readonly vhost: string;
  };
}

export type RecordLine =
  | RecordHeader
  /** An event as the session dispatched it to its store. */
  | { readonly type: 'event'; readonly at: number; readonly event: LabEvent }
  /** A queue at the end of the run: read back by id (`runs`: this run's messages in it), or counted. */
  | {
      readonly type: 'queue-end';
      readonly at: number;
      readonly end: QueueEnd;
      readonly runs: readonly SeqRun[];
    }
  /** What the broker delivered to consumers outside the lab, per queue (the last line counts). */
  | {
      readonly type: 'foreign-deliveries';
      readonly at: number;
      readonly queues: readonly ForeignDeliveries[];
    }
  /** The report was taken here: the state and ledger at this line, and these times. */
  | {
      readonly type: 'report';
      readonly at: number;
      readonly durationMs: number;
      readonly endedAt: number;
    }
  /** The record was closed in good order; `lines` counts every line, this one included. */
  | { readonly type: 'end'; readonly at: number; readonly lines: number };

/** A line that does not fit the format; `line` is 1-based. */
export class RecordFormatError extends UserError {
  override readonly name = 'RecordFormatError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const eventTypes = [
  'spawned',
  'actor',
  'stopping',
  'configured',
  'exit',
  'poll',
  'notice',
  'bound',
  'broker',
  'phase',
  'tour',
  'ended',
  'cluster',
  'node',
  'failover',
] as const satisfies readonly LabEvent['type'][];
/** Fails to compile when the store gains an event type this list lacks. */
const everyEventType: Exclude<LabEvent['type'], (typeof eventTypes)[number]> extends never
  ? true
  : false = true;
void everyEventType;

const at = z.number();
const lineSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('event'),
    at,
    event: z.looseObject({ type: z.enum(eventTypes) }),
  }),
  z.object({
    type: z.literal('queue-end'),
    at,
    end: z.object({
      queue: z.string(),
      readBack: z.boolean(),
      why: z.string().optional(),
      ready: z.number(),
      unacked: z.number(),
      others: z.number().optional(),
      unread: z.number().optional(),
      held: z.number().optional(),
    }),
    runs: z.array(z.tuple([z.string(), z.number(), z.number()])),
  }),
  z.object({
    type: z.literal('foreign-deliveries'),
    at,
    queues: z.array(z.object({ queue: z.string(), delivered: z.number(), channels: z.number() })),
  }),
  z.object({ type: z.literal('report'), at, durationMs: z.number(), endedAt: z.number() }),
  z.object({ type: z.literal('end'), at, lines: z.number() }),
]);

const headerSchema = z.object({
  type: z.literal(recordFormat),
  version: z.number(),
  runId: z.string(),
  startedAt: z.number(),
  scenario: z.unknown(),
  broker: z.object({
    url: z.string(),
    managementUrl: z.string(),
    embedded: z.boolean(),
    vhost: z.string(),
  }),
});

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not fit the format';
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`;
}

/** The header (line 1), checked: a record, of a version this program reads, with a scenario. */
export function parseHeader(value: unknown, line = 1): RecordHeader {
  const looks =
    typeof value === 'object' && value !== null && 'type' in value && value.type === recordFormat;
  if (!looks) {
    throw new RecordFormatError(
      line,
      `not a rabbit-lab record (its first line should be {"type":"${recordFormat}",…}; write one with --record)`,
    );
  }
  const version = 'version' in value ? value.version : undefined;
  if (version !== recordVersion) {
    throw new RecordFormatError(
      line,
      `record format version ${JSON.stringify(version)} is not one this rabbit-lab reads (it reads version ${recordVersion}; record the run again with this version)`,
    );
  }
  const header = headerSchema.safeParse(value);
  if (!header.success) {
    throw new RecordFormatError(line, `the header is damaged (${firstIssue(header.error)})`);
  }
  const scenario = scenarioSchema.safeParse(header.data.scenario);
  if (!scenario.success) {
    throw new RecordFormatError(
      line,
      `the header's scenario is damaged (scenario.${firstIssue(scenario.error)})`,
    );
  }
  return { ...header.data, type: recordFormat, scenario: scenario.data };
}

export interface ReplayResult {
  readonly report: Report;
  /** The line where the report was taken, or undefined when the record stops before it. */
  readonly reportLine?: number;
  /** The record's end line, or undefined when it was cut short. */
  readonly endLine?: number;
  /** The last line read. */
  readonly lastLine: number;
  /** The state as the report saw it (the report page draws the topology and actors from it). */
  readonly state: LabState;
  /** Each queue's ready and unacked counters over the run, from the polls (bounded). */
  readonly depths: readonly DepthSeries[];
  /** Each queue's latency histogram, publish → first delivery. */
  readonly latency: readonly LatencyDistribution[];
  /** The actors that exited while the run went on (killed, failed, stopped by a step or a key). */
  readonly endedEarly: readonly string[];
}

/**
 * Folds a record back into the run's state and ledger, line by line, as the session did, up to
 * the report mark (what follows it is the shutdown, which the report did not see).
 */
export class Replay {
  private state: LabState;
  private readonly ledger = new Ledger();
  private readonly ends: QueueEnd[] = [];
  private readonly depths = new QueueDepths();
  private readonly exits = new EarlyExits();
  private foreign: readonly ForeignDeliveries[] = [];
  private taken: { line: number; durationMs: number; endedAt: number } | undefined;
  private endLine: number | undefined;
  private lastLine = 1;
  private lastAt: number;

  constructor(readonly header: RecordHeader) {
    const { broker } = header;
    this.state = initialState(
      scenarioView(header.scenario),
      {
        redactedUrl: broker.url,
        managementUrl: broker.managementUrl,
        embedded: broker.embedded,
        version: '',
        vhost: broker.vhost,
      },
      header.startedAt,
    );
    this.lastAt = header.startedAt;
  }

  /** Line `n` (2 and on), parsed from JSON. */
  add(value: unknown, n: number): void {
    this.lastLine = n;
    if (this.endLine !== undefined) {
      throw new RecordFormatError(n, `a line after the end line (line ${this.endLine})`);
    }
    const parsed = lineSchema.safeParse(value);
    if (!parsed.success) {
      const type =
        typeof value === 'object' && value !== null && 'type' in value ? value.type : undefined;
      const known = ['event', 'queue-end', 'foreign-deliveries', 'report', 'end'];
      throw new RecordFormatError(
        n,
        typeof type === 'string' && !known.includes(type)
          ? `unknown line type '${type}'`
          : `the line does not fit the record format (${firstIssue(parsed.error)})`,
      );
    }
    const line = parsed.data;
    this.lastAt = Math.max(this.lastAt, line.at);
    if (line.type === 'end') {
      this.endLine = n;
      return;
    }
    // After the mark: the shutdown, which the report did not see.
    if (this.taken) return;
    switch (line.type) {
      case 'event':
        this.apply(line.event as unknown as LabEvent, n, line.at);
        return;
      case 'queue-end':
        this.ends.push(line.end);
        this.ledger.recordLeft(line.end.queue, line.runs);
        return;
      case 'foreign-deliveries':
        this.foreign = line.queues;
        return;
      case 'report':
        this.taken = { line: n, durationMs: line.durationMs, endedAt: line.endedAt };
        return;
    }
  }

  private apply(event: LabEvent, n: number, at: number): void {
    try {
      this.ledger.events.note(event, this.state, at);
      if (event.type === 'actor' && isReport(event.message)) {
        feedLedger(this.ledger, this.state, event.id, event.message);
      }
      if (event.type === 'poll') this.depths.note(event.result, event.at);
      this.exits.note(event, at);
      this.state = reduce(this.state, event);
    } catch (error) {
      throw new RecordFormatError(
        n,
        `the '${event.type}' event does not fit the record format (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  /**
   * The report, as taken at the mark; a record cut short before the mark gives the report of
   * everything recorded, as if the run had ended at its last line.
   */
  result(): ReplayResult {
    const facts = {
      scenario: this.header.scenario,
      state: this.state,
      ledger: this.ledger,
      ends: this.ends,
      foreign: this.foreign,
    };
    const durationMs = this.taken?.durationMs ?? this.lastAt - this.header.startedAt;
    const endedAt = this.taken?.endedAt ?? this.lastAt;
    return {
      report: labReport(facts, durationMs, endedAt),
      reportLine: this.taken?.line,
      endLine: this.endLine,
      lastLine: this.lastLine,
      state: this.state,
      depths: this.depths.series(),
      latency: this.ledger.latency.distributions(),
      endedEarly: this.exits.ids(),
    };
  }
}
