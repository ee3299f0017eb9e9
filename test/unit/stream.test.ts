import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consumerConfig, producerConfig } from '../../source/actors/config.js';
import { eachOnce, ordering, runChecks } from '../../source/lab/checks.js';
import { offsetResume, streamComplete } from '../../source/lab/checks-stream.js';
import { Ledger } from '../../source/lab/ledger.js';
import { newActor } from '../../source/lab/store.js';
import { streamLag } from '../../source/lab/stream-lag.js';
import { parseScenario } from '../../source/scenario/loader.js';
import { consumerSchema, producerSchema, queueSchema } from '../../source/scenario/schema.js';
import { consumer, context } from '../support/check-context.js';

const events = queueSchema.parse({
  name: 'events',
  arguments: { 'x-queue-type': 'stream' },
});

/** P1 published and the broker confirmed 1..n into the stream. */
function stream(n: number): Ledger {
  const l = new Ledger();
  l.streams.add('events');
  l.recordPublished('P1', n);
  l.recordConfirmed([['P1', 1, n]], true);
  return l;
}

const readers = (...ids: string[]) => ids.map((id) => consumer(id, { queue: 'events' }));

describe('streams: every reader gets every message from where it started', () => {
  test('two readers of the same messages are not duplicates of each other', () => {
    const l = stream(10);
    l.recordReceived('C1', 'events', [['P1', 1, 10]], false);
    l.recordReceived('C2', 'events', [['P1', 1, 10]], false);
    assert.equal(eachOnce(context(l)).ok, true);
    assert.equal(l.duplicates, 0);
    // The same reader getting a message twice is one.
    l.recordReceived('C2', 'events', [['P1', 10, 10]], false);
    assert.equal(l.duplicates, 1);
    assert.equal(l.duplicatesByQueue.get('events · C2'), 1);
  });

  test('holds from each reader’s first message to the last one promised', () => {
    const l = stream(10);
    l.recordReceived('C1', 'events', [['P1', 1, 10]], false);
    l.recordReceived('C2', 'events', [['P1', 7, 10]], false);
    const r = streamComplete(context(l, { queueSpecs: [events], consumers: readers('C1', 'C2') }));
    assert.deepEqual(r, {
      ok: true,
      detail:
        'every stream consumer got every message from where it started: C1 P1-1…P1-10 (10), C2 P1-7…P1-10 (4)',
    });
  });

  test('fails and names what a reader missed, in the middle or at the end', () => {
    const l = stream(10);
    l.recordReceived('C1', 'events', [['P1', 1, 4]], false);
    l.recordReceived('C1', 'events', [['P1', 6, 8]], false);
    const r = streamComplete(context(l, { queueSpecs: [events], consumers: readers('C1') }));
    assert.equal(r.ok, false);
    assert.equal(r.detail, 'C1 is missing 3 messages of P1-1…P1-10 (e.g. P1-5, P1-9, P1-10)');
  });

  test('a reader that left early is judged up to the last message it got', () => {
    const l = stream(10);
    l.recordReceived('C1', 'events', [['P1', 3, 6]], false);
    const left = [consumer('C1', { queue: 'events', alive: false, status: 'stopped' })];
    assert.equal(streamComplete(context(l, { queueSpecs: [events], consumers: left })).ok, true);
  });

  test('messages not confirmed are not owed; queues that are not streams are not judged', () => {
    const l = new Ledger();
    l.streams.add('events');
    l.recordPublished('P1', 10);
    l.recordConfirmed([['P1', 1, 8]], true);
    l.recordReceived('C1', 'events', [['P1', 1, 8]], false);
    l.recordReceived('C2', 'q', [['P1', 1, 2]], false);
    const c = context(l, {
      queueSpecs: [events],
      consumers: [...readers('C1'), consumer('C2', { queue: 'q' })],
    });
    assert.equal(streamComplete(c).ok, true);
    assert.doesNotMatch(streamComplete(c).detail, /C2/);
    assert.equal(streamComplete(context(new Ledger())).idle, true);
  });

  test('named in a scenario, with ordering: a replay out of order fails ordering, not completeness', () => {
    const l = stream(4);
    l.recordReceived('C1', 'events', [['P1', 3, 4]], false);
    l.recordReceived('C1', 'events', [['P1', 1, 2]], false);
    const c = context(l, { queueSpecs: [events], consumers: readers('C1') });
    const [complete, order] = runChecks([{ name: 'stream-complete' }, { name: 'ordering' }], c);
    assert.equal(complete?.ok, true);
    assert.equal(order?.ok, false);
    assert.equal(ordering(c).ok, false);
  });
});

describe('stream consumers in scenario files', () => {
  const header = `name: s
title: S
pattern: stream
summary: A test.
lesson: A test.
topology:
  queues: [{ name: events, arguments: { x-queue-type: stream } }]
`;
  test('offsets: first, last, next, a number, an ISO time, an interval', () => {
    for (const offset of ['first', 'last', 'next', '42', '2026-12-01T10:00:00Z', '10m', '1D']) {
      const s = parseScenario(
        `${header}actors:\n  - { kind: consumer, queue: events, offset: ${offset}, prefetch: 10 }\n`,
        's.yaml',
      );
      const [c] = s.actors;
      assert.ok(c?.kind === 'consumer' && c.offset !== undefined, offset);
    }
  });

  test('a stream consumer needs manual acks and a prefetch; a bad offset says what is allowed', () => {
    const bad = (actor: string) => {
      try {
        parseScenario(`${header}actors:\n  - ${actor}\n`, 's.yaml');
      } catch (error) {
        return String(error);
      }
      return 'accepted';
    };
    assert.match(
      bad('{ kind: consumer, queue: events, offset: first, prefetch: 0 }'),
      /needs `ack: manual` and a prefetch of 1 or more/,
    );
    assert.match(
      bad('{ kind: consumer, queue: events, offset: first, prefetch: 5, ack: auto }'),
      /needs `ack: manual`/,
    );
    assert.match(
      bad('{ kind: consumer, queue: events, offset: yesterday, prefetch: 5 }'),
      /an offset is first, last, next, a number/,
    );
  });
});

describe('a stream reader’s lag', () => {
  test('how far each producer it reads has published beyond what it got', () => {
    const producer = {
      ...newActor(
        producerConfig('P1', producerSchema.parse({ kind: 'producer', routingKeys: ['events'] })),
      ),
      published: 120,
    };
    const spec = consumerSchema.parse({
      kind: 'consumer',
      queue: 'events',
      offset: 'first',
      prefetch: 5,
    });
    const reader = {
      ...newActor(consumerConfig('C1', spec)),
      stream: { first: 0, last: 99, seen: { P1: 100 } },
    };
    assert.equal(streamLag([producer, reader], reader), 20);
    const idle = newActor(consumerConfig('C2', spec));
    assert.equal(streamLag([producer, idle], idle), undefined);
  });
});

describe('offset-resume: a reader under a tracked name picks up right after the last one', () => {
  const tracked = (...ids: string[]) =>
    ids.map((id) => consumer(id, { queue: 'events', track: 'reader' }));

  function handledBy(l: Ledger, id: string, first: number, last: number): void {
    l.recordReceived(id, 'events', [['P1', first, last]], false);
    l.recordHandled(id, 'events', [['P1', first, last]]);
  }

  test('holds when the next reader starts right after the last processed message', () => {
    const l = stream(30);
    handledBy(l, 'C1', 1, 12);
    // C1 had received 13..15 when it was killed; C2 resumes at 13.
    l.recordReceived('C1', 'events', [['P1', 13, 15]], false);
    handledBy(l, 'C2', 13, 30);
    assert.deepEqual(offsetResume(context(l, { consumers: tracked('C1', 'C2') })), {
      ok: true,
      detail: "C2 resumed 'reader' at P1-13, right after C1's last processed P1-12",
    });
  });

  test('fails on a gap, and on messages processed twice', () => {
    const gap = stream(30);
    handledBy(gap, 'C1', 1, 12);
    handledBy(gap, 'C2', 16, 30);
    const g = offsetResume(context(gap, { consumers: tracked('C1', 'C2') }));
    assert.equal(g.ok, false);
    assert.equal(
      g.detail,
      "C2 resumed 'reader' at P1-16, 3 messages after (a gap) C1's last processed P1-12",
    );
    const again = stream(30);
    handledBy(again, 'C1', 1, 12);
    handledBy(again, 'C2', 1, 30);
    const a = offsetResume(context(again, { consumers: tracked('C1', 'C2') }));
    assert.equal(a.ok, false);
    assert.equal(
      a.detail,
      "C2 resumed 'reader' at P1-1, 12 messages before (processed again) C1's last processed P1-12",
    );
  });

  test('nobody resumed: nothing to judge', () => {
    const l = stream(5);
    handledBy(l, 'C1', 1, 5);
    assert.equal(offsetResume(context(l, { consumers: tracked('C1') })).idle, true);
  });
});
