/**
 * "Show me the code" for the newer actors, for real: a retry consumer's program takes a lab
 * session's poison message through its retries to the parking queue, and an HTTP endpoint's
 * program is a bridge that refuses what the lab's endpoint refuses and publishes the rest to the
 * lab's queues. (test/e2e/code.test.ts runs the tutorials' actors.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import { consumerConfig } from '../../source/actors/config.js';
import type { ActorConfig } from '../../source/actors/protocol.js';
import type { Language } from '../../source/code/generate.js';
import type { Session } from '../../source/lab/session.js';
import { resolveScenario } from '../../source/scenario/catalog.js';
import type { Scenario } from '../../source/scenario/schema.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { labActor, ProgramProject, type Running, startLab } from '../support/programs.js';

describe('rabbit-lab code: retries and HTTP bridges run against the broker', () => {
  let broker: TestBroker;
  let project: ProgramProject;
  before(async () => {
    broker = await testBroker('code-more');
    project = await ProgramProject.create('code-more', broker.url);
  });
  after(async () => {
    await broker.dispose();
    await project.dispose();
  });

  /** Write an actor's program into the project and start it (killed after 60 s at most). */
  const runProgram = (
    actor: ActorConfig,
    scenario: Scenario,
    language: Language,
    args: string[],
    env: Record<string, string>,
  ): Promise<Running> =>
    project.run(actor, scenario, language, args, { RABBIT_LAB_URL: broker.url, ...env });

  const labSession = (scenario: Scenario) => startLab(broker, scenario);

  const external = (session: Session, id: string) =>
    session.snapshot().actors.find((a) => a.id === id)?.external ?? 0;

  for (const language of ['typescript', 'python'] as const) {
    test(`dead-letter-retry, ${language}: the lab's poison task is tried 3 times by the program, then parked`, async () => {
      const { scenario } = await resolveScenario('dead-letter-retry');
      // The lab's producer only: every task goes to the program's worker (the lab's C1, as code).
      const producers = scenario.actors.filter((a) => a.kind === 'producer');
      const session = await labSession({ ...scenario, actors: producers, tour: [] });
      const worker = scenario.actors.find((a) => a.kind === 'consumer');
      assert.ok(worker?.kind === 'consumer');
      const c1 = consumerConfig('C1', worker);
      let program: Running | undefined;
      try {
        program = await runProgram(c1, scenario, language, [], {});
        const running = program;
        // Task 10 is poison (every 10th); its retries wait 2 s each in work.retry.
        await waitFor(() => /^parked Task 10 in work\.parked: /m.test(running.output()), {
          what: 'the program to park Task 10',
          timeoutMs: 45_000,
          intervalMs: 200,
        }).catch(async () => {
          running.child.kill('SIGKILL');
          const run = await running.exited;
          assert.fail(`${run.stdout}\n${run.stderr}`);
        });
        const out = running.output();
        const about = (task: number) =>
          out.split('\n').filter((l) => new RegExp(`^\\w+ Task ${task}\\b`).test(l));
        assert.deepEqual(about(10), [
          'received Task 10 (key work) attempt 1 of 3',
          'failed Task 10 on attempt 1: a poison message: fails on every attempt',
          'received Task 10 (key work) attempt 2 of 3, back from work.retry',
          'failed Task 10 on attempt 2: a poison message: fails on every attempt',
          'received Task 10 (key work) attempt 3 of 3, back from work.retry',
          'parked Task 10 in work.parked: a poison message: fails on every attempt',
        ]);
        // A transient failure: Task 4 fails once and is handled on its retry.
        assert.deepEqual(about(4), [
          'received Task 4 (key work) attempt 1 of 3',
          'failed Task 4 on attempt 1: a transient error: fails on the first attempt',
          'received Task 4 (key work) attempt 2 of 3, back from work.retry',
        ]);
        assert.deepEqual(about(3), ['received Task 3 (key work) attempt 1 of 3']);
        // The lab's message, parked with its id and its history (looked at before the session
        // shuts down: it deletes the queues it created).
        const connection = await amqp.connect(broker.url);
        try {
          const channel = await connection.createChannel();
          const parked = await channel.get('work.parked', { noAck: true });
          assert.ok(parked, 'a message in work.parked');
          assert.match(String(parked.properties.messageId), /^P1-10@\d+$/);
          assert.match(
            String(parked.properties.appId),
            /^rabbit-lab\.\w+/,
            'the run’s app id kept',
          );
          assert.equal(parked.content.toString(), 'Task 10');
          const rejected = parked.properties.headers?.['x-death']?.find(
            (d) => d.queue === 'work' && d.reason === 'rejected',
          );
          assert.equal(rejected?.count, 2);
        } finally {
          await connection.close();
        }
      } finally {
        if (program) {
          program.child.kill('SIGTERM');
          await program.exited;
        }
        await session.shutdown();
      }
    });
  }

  for (const [language, name, id, key, listener] of [
    ['python', 'exchange-to-queues', 'P2', undefined, 'C1'],
    ['typescript', 'order-pipeline', 'P1', 'order.cancelled.us', 'C4'],
  ] as const) {
    test(`${name}, ${language}: the HTTP bridge wants its token, refuses what the lab refuses, publishes to the lab's queues`, async () => {
      const { scenario } = await resolveScenario(name);
      const session = await labSession(scenario);
      try {
        const endpoint = labActor(session, id);
        const token = `t-${process.pid}`;
        // Without a token it does not start.
        const refused = await runProgram(endpoint, scenario, language, [], {});
        const no = await refused.exited;
        assert.notEqual(no.code, 0);
        assert.match(no.stderr, /Set RABBIT_LAB_HTTP_TOKEN to the bearer token/);

        const bridge = await runProgram(endpoint, scenario, language, ['1'], {
          RABBIT_LAB_HTTP_TOKEN: token,
        });
        const listening = await waitFor(
          () => /^listening on (http:\/\/127\.0\.0\.1:\d+)\/publish\//m.exec(bridge.output()),
          { what: 'the bridge to listen', timeoutMs: 20_000 },
        ).catch(async () => {
          bridge.child.kill('SIGKILL');
          return assert.fail(JSON.stringify(await bridge.exited));
        });
        const base = listening[1] ?? '';
        const exchange = endpoint.kind === 'producer' ? endpoint.exchange : '';
        const target = `${base}/publish/${exchange}${key ? `?key=${key}` : ''}`;
        const auth = { authorization: `Bearer ${token}` };
        const post = (url: string, init: RequestInit = {}) =>
          fetch(url, { method: 'POST', body: 'x', ...init });
        assert.equal((await post(target)).status, 401);
        assert.equal(
          (await post(target, { headers: { authorization: 'Bearer nope' } })).status,
          401,
        );
        assert.equal((await post(`${base}/publish/elsewhere`, { headers: auth })).status, 404);
        assert.equal((await post(`${base}/somewhere`, { headers: auth })).status, 404);
        assert.equal((await fetch(target, { headers: auth })).status, 405);
        const large = 'x'.repeat(64 * 1024 + 1);
        assert.equal((await post(target, { headers: auth, body: large })).status, 413);

        const before = external(session, listener);
        const accepted = await post(target, { headers: auth, body: `${language} says hello` });
        assert.equal(accepted.status, 202);
        const answer = (await accepted.json()) as Record<string, unknown>;
        assert.equal(answer.confirmed, true);
        assert.equal(answer.routed, true);
        assert.match(String(answer.id), /^[0-9a-f-]{36}$/);
        // The lab's consumer counts it as external: not from one of its producers.
        await waitFor(() => external(session, listener) > before, {
          what: `the lab's ${listener} to receive the bridge's message`,
          timeoutMs: 15_000,
        });
        // Its count was 1: it stops after that one message.
        const done = await bridge.exited;
        assert.equal(done.code, 0, done.stderr);
        assert.match(done.stdout, new RegExp(`^sent ${language} says hello \\(key `, 'm'));
      } finally {
        await session.shutdown();
      }
    });
  }
});
