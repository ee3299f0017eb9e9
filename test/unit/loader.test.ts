import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { listScenarios } from '../../source/commands/list.js';
import { loadCatalog, resolveScenario } from '../../source/scenario/catalog.js';
import { loadScenarioFile, parseScenario, ScenarioError } from '../../source/scenario/loader.js';

const valid = `name: mine
title: Mine
pattern: point-to-point
summary: A test scenario.
lesson: Hello.
topology:
  queues:
    - name: q1
actors:
  - kind: producer
    routingKeys: [q1]
  - kind: consumer
    queue: q1
`;

function errorOf(text: string): string {
  try {
    parseScenario(text, 'mine.yaml');
  } catch (error) {
    assert.ok(error instanceof ScenarioError, `expected ScenarioError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected the scenario to be rejected');
}

describe('scenario loader', () => {
  test('a valid file gets its defaults', () => {
    const s = parseScenario(valid, 'mine.yaml');
    assert.equal(s.name, 'mine');
    assert.equal(s.actors.length, 2);
    const [producer, consumer] = s.actors;
    assert.equal(producer?.kind === 'producer' && producer.rate, 1);
    assert.equal(producer?.kind === 'producer' && producer.exchange, '');
    assert.equal(consumer?.kind === 'consumer' && consumer.ack, 'manual');
    assert.deepEqual(s.checks, [{ name: 'no-loss' }]);
  });

  test('no-loss may be judged on some queues; no other check takes queues', () => {
    const narrowed = `${valid}checks:\n  - { name: no-loss, queues: [q1] }\n`;
    assert.deepEqual(parseScenario(narrowed, 'mine.yaml').checks, [
      { name: 'no-loss', queues: ['q1'] },
    ]);
    const wrong = `${valid}checks:\n  - { name: each-once, queues: [q1] }\n`;
    assert.match(errorOf(wrong), /checks\[0\]\.queues: `queues` narrows only the no-loss check/);
  });

  test('a wrong type names file, line and field', () => {
    const text = valid.replace('    queue: q1', '    queue: q1\n    prefetch: -3');
    assert.equal(
      errorOf(text),
      'mine.yaml:14: actors[1].prefetch: Too small: expected number to be >=0',
    );
  });

  test('an unknown field is named with its line', () => {
    const text = valid.replace('title: Mine', 'title: Mine\ncolour: blue');
    assert.equal(errorOf(text), "mine.yaml:1: (top level): unknown field 'colour'");
  });

  test('an unknown field inside an actor points at that actor', () => {
    const text = valid.replace('    routingKeys: [q1]', '    routingKeys: [q1]\n    speed: 3');
    assert.equal(errorOf(text), "mine.yaml:10: actors[0]: unknown field 'speed'");
  });

  test('a missing required field is reported as required', () => {
    const text = valid.replace('name: mine\n', '');
    assert.match(errorOf(text), /^mine\.yaml:1: name: is required/);
  });

  test('the descriptive fields may wait: title, pattern, summary and lesson get defaults', () => {
    const s = parseScenario('name: my-first-lab\n', 'mine.yaml');
    assert.equal(s.title, 'My first lab');
    assert.equal(s.summary, 'My first lab');
    assert.equal(s.pattern, 'your own');
    assert.match(s.lesson, /^No lesson written yet/);
    const own = parseScenario(valid, 'mine.yaml');
    assert.equal(own.title, 'Mine');
    assert.equal(own.summary, 'A test scenario.');
  });

  test('every problem of a file at once, in file order; the message gives the first and a count', () => {
    const text = valid
      .replace('    routingKeys: [q1]', '    routingKeys: [q1]\n    rate: -1')
      .replace('    queue: q1', '    queue: q1\n    prefetch: -3\n    ack: sometimes');
    try {
      parseScenario(text, 'mine.yaml');
      assert.fail('expected the scenario to be rejected');
    } catch (error) {
      assert.ok(error instanceof ScenarioError);
      assert.equal(error.problems.length, 3, error.problems.join('\n'));
      assert.match(error.problems[0] ?? '', /^mine\.yaml:12: actors\[0\]\.rate: /);
      assert.match(error.problems[1] ?? '', /^mine\.yaml:15: actors\[1\]\.prefetch: /);
      assert.match(error.problems[2] ?? '', /^mine\.yaml:16: actors\[1\]\.ack: /);
      assert.match(
        error.message,
        /^mine\.yaml:12: actors\[0\]\.rate: .* \(and 2 more problems: `rabbit-lab validate` lists them all\)$/,
      );
    }
  });

  test('a consumer with neither queue nor bind is rejected', () => {
    const text = valid.replace('    queue: q1', '    prefetch: 2');
    assert.match(errorOf(text), /^mine\.yaml:12: actors\[1\]: a consumer needs exactly one of/);
  });

  test('broken YAML says so with its line', () => {
    assert.match(errorOf('name: [unclosed\ntitle: x\n'), /^mine\.yaml:2: not valid YAML: /);
    assert.equal(
      errorOf('name: mine\ntitle: Mine\n\tpattern: p\n'),
      'mine.yaml:3: not valid YAML: Tabs are not allowed as indentation',
    );
  });

  test('a YAML list instead of a mapping is rejected', () => {
    assert.match(errorOf('- a\n- b\n'), /must be a YAML mapping/);
  });

  test('a missing file is one sentence', async () => {
    await assert.rejects(loadScenarioFile('nope/missing.yaml'), {
      name: 'ScenarioError',
      message: 'nope/missing.yaml: no such scenario file.',
    });
  });
});

describe('catalog', () => {
  test('rabbit-lab list files every scenario under its group, in the groups’ order', async () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out += chunk.toString();
        done();
      },
    });
    assert.equal(await listScenarios(false, sink), 0);
    const headings = out.split('\n').filter((l) => /^[a-z][a-z ]*$/.test(l));
    assert.deepEqual(headings, [
      'tutorials',
      'reliability',
      'routing',
      'integration',
      'streams',
      'cluster',
    ]);
    const groupOf = (name: string) => {
      const at = out.indexOf(`\n${name} `);
      return headings.filter((h) => out.indexOf(`${h}\n`) < at).at(-1);
    };
    assert.equal(groupOf('work-queue'), 'tutorials');
    assert.equal(groupOf('stream'), 'streams');
    assert.equal(groupOf('quorum-failover'), 'cluster');
    assert.equal(groupOf('dead-letter-retry'), 'reliability');
    assert.equal(groupOf('headers'), 'routing');
    assert.equal(groupOf('alternate-exchange'), 'routing');
    // A file of one's own without a group: from what it is, else 'your own'.
    assert.equal(parseScenario('name: mine\n', 'mine.yaml').group, 'your own');
    assert.equal(
      parseScenario('name: mine\ncluster: { nodes: 3 }\n', 'mine.yaml').group,
      'cluster',
    );
  });

  test('every built-in scenario loads and hello-queue is declared as the tutorial does', async () => {
    const catalog = await loadCatalog();
    const hello = catalog.find((e) => e.scenario.name === 'hello-queue')?.scenario;
    assert.ok(hello);
    assert.deepEqual(hello.topology.queues[0], {
      name: 'hello',
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: { 'x-queue-type': 'quorum' },
    });
  });

  test('aliases resolve', async () => {
    assert.equal((await resolveScenario('hello')).scenario.name, 'hello-queue');
  });

  test('an unknown name suggests the closest and the list command', async () => {
    await assert.rejects(resolveScenario('helo-queue'), {
      name: 'ScenarioError',
      message:
        "Unknown scenario 'helo-queue'. Did you mean 'hello-queue'? Run `rabbit-lab list` to see them all.",
    });
  });
});
