/**
 * "Show me the code" for real: `rabbit-lab code` prints the programs, they compile, and the
 * generated TypeScript (amqplib) and Python (pika) programs exchange messages with a running lab
 * on the test broker, both ways.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ActorConfig } from '../../source/actors/protocol.js';
import { generateProgram, type Language, programFileName } from '../../source/code/generate.js';
import { scenarioActors } from '../../source/commands/code.js';
import type { Session } from '../../source/lab/session.js';
import { loadCatalog, resolveScenario } from '../../source/scenario/catalog.js';
import { type TestBroker, testBroker, waitFor } from '../support/broker.js';
import { runCli } from '../support/cli.js';
import {
  labActor,
  ProgramProject,
  pythonWithPika,
  type Running,
  startLab,
} from '../support/programs.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('rabbit-lab code: the programs run against the broker', () => {
  let broker: TestBroker;
  let project: ProgramProject;
  before(async () => {
    broker = await testBroker('code');
    project = await ProgramProject.create('code', broker.url);
  });
  after(async () => {
    await broker.dispose();
    await project.dispose();
  });

  /** Write an actor's program into the project and start it with a message count. */
  const runProgram = (
    actor: ActorConfig,
    scenario: Scenario,
    language: Language,
    count: number,
    env?: Record<string, string>,
  ): Promise<Running> => project.run(actor, scenario, language, [String(count)], env);

  const lines = (text: string, word: string) =>
    text.split('\n').filter((l) => l.startsWith(`${word} `));

  async function labSession(name: string): Promise<{ session: Session; scenario: Scenario }> {
    const { scenario } = await resolveScenario(name);
    return { session: await startLab(broker, scenario), scenario };
  }
  type Scenario = Awaited<ReturnType<typeof resolveScenario>>['scenario'];

  const externalReceived = (session: Session) =>
    session
      .snapshot()
      .actors.filter((a) => a.config.kind === 'consumer')
      .reduce((n, a) => n + a.external, 0);

  for (const language of ['typescript', 'python'] as const) {
    test(`work-queue, ${language}: the program's tasks reach the lab's workers, the lab's tasks reach the program's worker`, async () => {
      const { session, scenario } = await labSession('work-queue');
      try {
        // Lab producer → generated worker (competing with the lab's two workers: prefetch 1).
        const worker = await runProgram(labActor(session, 'C1'), scenario, language, 3);
        await waitFor(() => worker.output().includes('consuming from task_queue'), {
          what: 'the generated worker to start',
          timeoutMs: 15_000,
        }).catch(async () => assert.fail(JSON.stringify(await worker.exited)));
        const done = await worker.exited;
        assert.equal(done.code, 0, done.stderr);
        const received = lines(done.stdout, 'received');
        assert.equal(received.length, 3, done.stdout);
        for (const line of received)
          assert.match(line, /^received Task \d+ \.{1,3} \(key task_queue\)/);

        // Generated producer → the lab's workers, which count what they did not send as external.
        const before = externalReceived(session);
        // The default URL, from the lab's (host, port, vhost; no password): no RABBIT_LAB_URL.
        const producer = await runProgram(labActor(session, 'P1'), scenario, language, 4, {});
        const sent = await producer.exited;
        assert.equal(sent.code, 0, sent.stderr);
        assert.equal(lines(sent.stdout, 'sent').length, 4, sent.stdout);
        await waitFor(() => externalReceived(session) - before >= 4, {
          what: "the lab's workers to receive the program's 4 tasks",
          timeoutMs: 20_000,
        });
      } finally {
        await session.shutdown();
      }
    });
  }

  for (const language of ['typescript', 'python'] as const) {
    test(`offset-tracking, ${language}: the reader keeps its offset in a file and resumes right after it`, async () => {
      const { session, scenario } = await labSession('offset-tracking');
      const file = path.join(project.dir, 'reader.offset');
      await rm(file, { force: true });
      try {
        const seqs = (stdout: string) =>
          lines(stdout, 'received').map((l) => Number(/^received reading (\d+)/.exec(l)?.[1]));
        const first = await (await runProgram(labActor(session, 'C1'), scenario, language, 5))
          .exited;
        assert.equal(first.code, 0, first.stderr);
        assert.deepEqual(seqs(first.stdout), [1, 2, 3, 4, 5], first.stdout);
        assert.ok(Number(await readFile(file, 'utf8')) >= 4, 'the offset of the 5th is stored');
        const again = await (await runProgram(labActor(session, 'C1'), scenario, language, 3))
          .exited;
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(seqs(again.stdout), [6, 7, 8], again.stdout);
      } finally {
        await session.shutdown();
        await rm(file, { force: true });
      }
    });
  }

  test('topic: routing keys and bind keys as the lab runs them (Python subscriber, TypeScript publisher)', async () => {
    const { session, scenario } = await labSession('topic');
    try {
      // C1 binds '*.critical': the program gets only those of the lab's messages.
      const subscriber = await runProgram(labActor(session, 'C1'), scenario, 'python', 3);
      const done = await subscriber.exited;
      assert.equal(done.code, 0, done.stderr);
      const received = lines(done.stdout, 'received');
      assert.equal(received.length, 3, done.stdout);
      for (const line of received) assert.match(line, /\(key \w+\.critical\)$/);

      // P1 cycles six keys; the lab's '#' subscriber (C3) takes every one.
      const before = session.snapshot().actors.find((a) => a.id === 'C3')?.external ?? 0;
      const publisher = await runProgram(labActor(session, 'P1'), scenario, 'typescript', 6);
      const sent = await publisher.exited;
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(lines(sent.stdout, 'sent').length, 6, sent.stdout);
      await waitFor(
        () => (session.snapshot().actors.find((a) => a.id === 'C3')?.external ?? 0) - before >= 6,
        { what: "the lab's '#' subscriber to get all six", timeoutMs: 15_000 },
      );
    } finally {
      await session.shutdown();
    }
  });

  test("rpc: the program's client gets fib(n) from the lab's server; the program's server answers the lab's client", async () => {
    const { session, scenario } = await labSession('rpc');
    try {
      const client = await runProgram(labActor(session, 'P1'), scenario, 'typescript', 2);
      const asked = await client.exited;
      assert.equal(asked.code, 0, asked.stderr);
      const replies = lines(asked.stdout, 'reply');
      assert.deepEqual(
        replies.map((r) => r.replace(/ in \d+ ms$/, '')),
        ['reply fib(10) = 55', 'reply fib(20) = 6765'],
      );

      // The lab's client spreads its requests over its server and this one.
      const server = await runProgram(labActor(session, 'C1'), scenario, 'python', 2);
      const answered = await server.exited;
      assert.equal(answered.code, 0, answered.stderr);
      assert.equal(lines(answered.stdout, 'received').length, 2, answered.stdout);
      await waitFor(
        () => (session.snapshot().actors.find((a) => a.id === 'P1')?.rpc?.replies ?? 0) > 2,
        {
          what: "the lab's client to get replies",
        },
      );
    } finally {
      await session.shutdown();
    }
  });

  test('every built-in actor compiles: tsc --strict for TypeScript, py_compile for Python', async () => {
    const files: Record<Language, string[]> = { typescript: [], python: [] };
    const sub = await mkdtemp(path.join(project.dir, 'all-'));
    for (const { scenario } of await loadCatalog()) {
      for (const actor of scenarioActors(scenario)) {
        for (const language of ['typescript', 'python'] as const) {
          const file = path.join(sub, `${scenario.name}-${programFileName(actor, language)}`);
          await writeFile(
            file,
            generateProgram(
              { actor, topology: scenario.topology, scenario: scenario.name },
              language,
            ),
          );
          files[language].push(file);
        }
      }
    }
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
        ...files.typescript,
      ],
      { cwd: project.dir, encoding: 'utf8' },
    );
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    const py = spawnSync(pythonWithPika(), ['-m', 'py_compile', ...files.python], {
      encoding: 'utf8',
    });
    assert.equal(py.status, 0, py.stderr);
  });

  test('the command: every actor or one, either language; mistakes get one sentence and exit 2', async () => {
    const all = await runCli(['code', 'work-queue']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      all.stdout.split('\n').filter((l) => l.startsWith('// =====')),
      [
        '// ===== P1-producer.ts =====',
        '// ===== C1-consumer.ts =====',
        '// ===== C2-consumer.ts =====',
      ],
    );
    assert.match(
      all.stdout,
      /^\/\/ rabbit-lab · work-queue · C2 \(consumer\), as it runs in the lab now\.$/m,
    );

    const one = await runCli([
      'code',
      'work',
      '--actor',
      'c1',
      '--lang',
      'python',
      '--url',
      'amqp://alice:s3cret@rabbit.example/lab',
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(
      one.stdout,
      /^# rabbit-lab · work-queue · C1 \(consumer\), as it runs in the lab now\.\n/,
    );
    assert.doesNotMatch(one.stdout, /=====|s3cret/);
    assert.match(
      one.stdout,
      /url = os\.environ\.get\('RABBIT_LAB_URL', 'amqp:\/\/rabbit\.example\/lab'\)/,
    );

    const mistakes: [string[], string][] = [
      [
        ['code', 'nope-nope-nope'],
        "rabbit-lab: Unknown scenario 'nope-nope-nope'. Run `rabbit-lab list` to see them all.",
      ],
      [['code', 'work', '--lang', 'java'], "rabbit-lab: --lang must be ts or python, not 'java'."],
      [
        ['code', 'work', '--actor', 'P9'],
        "rabbit-lab: Scenario 'work-queue' has no actor 'P9'; its actors are P1, C1, C2.",
      ],
      [['code', './no-such.yaml'], 'rabbit-lab: no-such.yaml: no such scenario file.'],
    ];
    for (const [args, message] of mistakes) {
      const result = await runCli(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.trim(), message);
    }
    const help = await runCli(['--help']);
    assert.match(help.stdout, /rabbit-lab code <scenario>/);
  });
});
