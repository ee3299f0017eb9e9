/**
 * The run's checks and report from its state, its ledger and a few facts only the session saw.
 * The session (headless mode) and a replayed record (`rabbit-lab report`) both build their report
 * here, so the two print the same.
 */
import type { Scenario } from '../scenario/schema.js';
import type { ForeignDeliveries, Outage, QueueEnd } from './accounting.js';
import { accountingOf, type CheckContext, type CheckResult, runChecks } from './checks.js';
import { owedTo } from './checks-routing.js';
import type { Ledger } from './ledger.js';
import { messageFigures } from './message-figures.js';
import { buildReport, formatReport, type Report } from './report.js';
import { alternateOf, consumerQueue, exchangeTypeOf, type LabState } from './store.js';

export interface RunFacts {
  readonly scenario: Scenario;
  readonly state: LabState;
  readonly ledger: Ledger;
  /** The queues as the run left them (read back by id where the run created them). */
  readonly ends: readonly QueueEnd[];
  /** What the broker delivered to consumers outside the lab, per queue. */
  readonly foreign: readonly ForeignDeliveries[];
}

/** What the store keeps of the scenario. */
export function scenarioView(scenario: Scenario): LabState['scenario'] {
  return {
    name: scenario.name,
    title: scenario.title,
    lesson: scenario.lesson,
    exchanges: scenario.topology.exchanges.map((x) => {
      const alternate = x.arguments['alternate-exchange'];
      return {
        name: x.name,
        type: x.type,
        ...(typeof alternate === 'string' ? { alternate } : {}),
      };
    }),
    bindings: scenario.topology.bindings,
    topology: scenario.topology,
  };
}

/** The queues a run shows: the topology's, and those the consumers consume from. */
export function labQueueNames(scenario: Scenario, state: LabState): Set<string> {
  const names = new Set(scenario.topology.queues.map((q) => q.name));
  for (const a of state.actors) if (a.queue) names.add(a.queue);
  return names;
}

/** The classic queues a private cluster's node actions took down, and when they were back. */
export function outagesOf(state: LabState): Outage[] {
  return (state.cluster?.failovers ?? []).flatMap((f) =>
    f.action === 'freeze'
      ? []
      : f.queues
          .filter((q) => q.type === 'classic')
          .map((q) => ({
            queue: q.queue,
            node: `node ${f.number}`,
            from: f.at,
            ...(q.electedMs === undefined ? {} : { to: f.at + q.electedMs }),
          })),
  );
}

function checkContext(facts: RunFacts, endedAt: number): CheckContext {
  const { state } = facts;
  return {
    ledger: facts.ledger,
    producers: state.actors.flatMap((a) =>
      a.config.kind === 'producer'
        ? [
            {
              id: a.id,
              exchange: a.config.exchange,
              routingKeys: a.config.routingKeys,
              ...(a.config.headers ? { headers: a.config.headers } : {}),
            },
          ]
        : [],
    ),
    consumers: state.actors.flatMap((a) =>
      a.config.kind === 'consumer'
        ? [
            {
              id: a.id,
              queue: consumerQueue(a),
              bind: a.config.bind,
              boundAt: a.boundAt,
              alive: state.ended ? state.ended.running.includes(a.id) : a.status === 'running',
              status: a.status,
              ack: a.config.ack,
              ...(a.config.retry ? { parkingQueue: a.config.retry.parkingQueue } : {}),
              ...(a.config.track ? { track: a.config.track } : {}),
            },
          ]
        : [],
    ),
    actors: state.actors.map((a) => ({
      id: a.id,
      status: a.status,
      ...(a.lastError ? { lastError: a.lastError } : {}),
      failureExpected: a.config.kind === 'consumer' && a.config.bug !== undefined,
    })),
    exchangeType: (name) => exchangeTypeOf(state, name),
    alternateOf: (name) => alternateOf(state, name),
    bindings: state.scenario.bindings ?? [],
    queueSpecs: state.scenario.topology?.queues ?? facts.scenario.topology.queues,
    ends: facts.ends,
    foreign: facts.foreign,
    queues: state.queues.list,
    rpcClients: state.actors.flatMap((a) => (a.rpc ? [{ id: a.id, counts: a.rpc }] : [])),
    queueBindings: (state.scenario.bindings ?? []).map((b) => ({ ...b, boundAt: b.at ?? 0 })),
    outages: outagesOf(state),
    endedAt,
  };
}

export function labChecks(facts: RunFacts, endedAt: number): CheckResult[] {
  return runChecks(facts.scenario.checks, checkContext(facts, endedAt));
}

/** What the live consumers' queues are still owed by id (a draining run waits for it). */
export function owedToQueues(facts: RunFacts, queues: ReadonlySet<string>): number {
  return owedTo(checkContext(facts, Date.now()), queues);
}

export function labReport(facts: RunFacts, durationMs: number, endedAt: number): Report {
  const context = checkContext(facts, endedAt);
  const report = buildReport(
    facts.state,
    runChecks(facts.scenario.checks, context),
    durationMs,
    labQueueNames(facts.scenario, facts.state),
  );
  const latency = facts.ledger.latency.report();
  return {
    ...report,
    messages: messageFigures(facts.ledger, accountingOf(context)),
    ...(latency ? { latency } : {}),
    timeline: facts.ledger.timeline.report(
      facts.state.startedAt,
      endedAt,
      [...facts.ledger.producers.values()].map((p) => p.segments),
    ),
    events: facts.ledger.events.report(),
  };
}

/** The report as headless mode prints it: one JSON document, or the readable table. */
export function renderReport(report: Report, json: boolean): string {
  return json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`;
}
