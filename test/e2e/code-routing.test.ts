/**
 * "Show me the code" for headers and alternate exchanges, for real: the generated producers
 * declare the bindings with their header arguments and the exchange with its alternate exchange,
 * and the lab's consumers get exactly what those say; what no binding takes comes back, or not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { producerConfig } from '../../source/actors/config.js';
import type { Session } from '../../source/lab/session.js';
import { resolveScenario } from '../../source/scenario/catalog.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { ProgramProject, startLab } from '../support/programs.js';

describe('rabbit-lab code: headers and alternate exchanges run against the broker', () => {
  let broker: TestBroker;
  let project: ProgramProject;
  before(async () => {
    broker = await testBroker('code-routing');
    project = await ProgramProject.create('code-routing', broker.url);
  });
  after(async () => {
    await broker.dispose();
    await project.dispose();
  });

  const lines = (text: string, word: string) =>
    text.split('\n').filter((l) => l.startsWith(`${word} `) || l.startsWith(`${word}:`));
  const external = (session: Session) =>
    session
      .snapshot()
      .actors.filter((a) => a.config.kind === 'consumer')
      .map((a) => a.external);

  /** The scenario's consumers in a lab session, and its P1 as a program sending `count`. */
  async function run(name: string, language: 'typescript' | 'python', count: number) {
    const { scenario } = await resolveScenario(name);
    const spec = scenario.actors.find((a) => a.kind === 'producer');
    assert.ok(spec?.kind === 'producer');
    const consumers = scenario.actors.filter((a) => a.kind === 'consumer');
    const session = await startLab(broker, { ...scenario, actors: consumers, tour: [] });
    const program = await project.run(producerConfig('P1', spec), scenario, language, [
      String(count),
    ]);
    return { session, done: await program.exited };
  }

  for (const language of ['typescript', 'python'] as const) {
    test(`headers, ${language}: each header set reaches the queues its bindings say; the memo comes back`, async () => {
      const { session, done } = await run('headers', language, 5);
      try {
        assert.equal(done.code, 0, done.stderr);
        assert.equal(lines(done.stdout, 'returned').length, 1, done.stdout);
        // pdf report → pdf-reports and pdf-or-report; docx report and pdf invoice → pdf-or-report
        // (any), pdf and docx invoices → invoices.
        await waitFor(() => external(session).join(' ') === '1 3 2', {
          what: `C1 1, C2 3, C3 2 (now ${external(session).join(' ')})`,
          timeoutMs: 15_000,
        });
      } finally {
        await session.shutdown();
      }
    });

    test(`alternate-exchange, ${language}: the unroutable keys land in unrouted, none comes back`, async () => {
      const { session, done } = await run('alternate-exchange', language, 6);
      try {
        assert.equal(done.code, 0, done.stderr);
        assert.equal(lines(done.stdout, 'returned').length, 0, done.stdout);
        await waitFor(() => external(session).join(' ') === '2 2 2', {
          what: `eu 2, us 2, unrouted 2 (now ${external(session).join(' ')})`,
          timeoutMs: 15_000,
        });
      } finally {
        await session.shutdown();
      }
    });
  }
});
