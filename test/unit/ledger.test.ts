import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeqRunBuilder } from '../../source/actors/seq-runs.js';
import { Ledger } from '../../source/lab/ledger.js';
import { SeqSet } from '../../source/lab/seq-set.js';
import { RingBuffer } from '../../source/util/ring-buffer.js';

describe('SeqSet', () => {
  test('adds ranges and counts what was there already', () => {
    const s = new SeqSet();
    assert.equal(s.add(1, 3), 0);
    assert.equal(s.add(7, 9), 0);
    assert.equal(s.add(4, 6), 0);
    assert.equal(s.size, 9);
    assert.equal(s.add(2, 12), 8);
    assert.equal(s.size, 12);
    assert.deepEqual(s.missing(15), [13, 14, 15]);
    assert.equal(s.max, 12);
  });

  test('missing lists gaps in order; countUpTo counts a prefix', () => {
    const s = new SeqSet();
    s.add(2, 2);
    s.add(5, 6);
    assert.deepEqual(s.missing(8), [1, 3, 4, 7, 8]);
    assert.equal(s.countUpTo(5), 2);
    assert.equal(s.has(0), false);
    assert.equal(s.has(6), true);
    assert.equal(s.has(7), false);
  });

  test('ranges across word and chunk boundaries', () => {
    const s = new SeqSet();
    const chunk = 1 << 15;
    assert.equal(s.add(30, chunk + 40), 0);
    assert.equal(s.size, chunk + 11);
    assert.equal(s.add(chunk - 1, chunk + 1), 3);
    assert.equal(s.countUpTo(31), 2);
    assert.equal(s.countUpTo(chunk), chunk - 29);
    assert.equal(s.has(29), false);
    assert.equal(s.has(chunk + 40), true);
    assert.equal(s.has(chunk + 41), false);
    // A far number allocates only its own chunk.
    s.add(40 * chunk, 40 * chunk);
    assert.equal(s.bytes, 3 * 4096);
  });

  test('every other message costs what all of them do (competing consumers)', () => {
    const odd = new SeqSet();
    const all = new SeqSet();
    for (let n = 1; n <= 1_000_000; n += 2) odd.add(n, n);
    all.add(1, 1_000_000);
    assert.equal(odd.size, 500_000);
    assert.equal(odd.bytes, all.bytes);
    assert.ok(odd.bytes <= 128 * 1024, `${odd.bytes} bytes`);
  });
});

describe('Ledger', () => {
  test('a delivery again from the same queue without redelivered is a duplicate; per consumer sets', () => {
    const l = new Ledger();
    l.recordReceived('C1', 'q', [['P1', 1, 4]], false);
    l.recordReceived('C2', 'q', [['P1', 3, 4]], true);
    l.recordReceived('C2', 'q', [['P1', 4, 5]], false);
    assert.equal(l.duplicates, 1);
    assert.equal(l.redeliveries, 2);
    assert.equal(l.receivedBy('C2', 'P1')?.size, 3);
    assert.deepEqual([...(l.queuesOf.get('C2') ?? [])], ['q']);
  });

  test('what a consumer settled, by the way it settled it', () => {
    const l = new Ledger();
    l.recordPublished('P1', 6);
    l.recordReceived('C1', 'q', [['P1', 1, 6]], false);
    l.recordHandled('C1', 'q', [['P1', 1, 2]]);
    l.recordRejected('C1', 'q', [['P1', 3, 3]], false);
    l.recordRejected('C1', 'q', [['P1', 4, 4]], true);
    l.recordRequeued('C1', [['P1', 5, 5]]);
    assert.equal(l.total('handled'), 2);
    assert.equal(l.total('dropped'), 1);
    assert.equal(l.total('deadLettered'), 1);
    assert.equal(l.settledByConsumer.get('C1')?.get('P1')?.size, 5);
    assert.equal(l.deadLetteredFrom.get('q')?.get('P1')?.has(4), true);
  });
});

describe('SeqRunBuilder', () => {
  test('encodes consecutive numbers per producer as runs', () => {
    const b = new SeqRunBuilder();
    for (const [p, n] of [
      ['P1', 1],
      ['P1', 2],
      ['P1', 3],
      ['P2', 1],
      ['P1', 5],
    ] as const)
      b.add(p, n);
    assert.deepEqual(b.take(), [
      ['P1', 1, 3],
      ['P2', 1, 1],
      ['P1', 5, 5],
    ]);
    assert.deepEqual(b.take(), []);
  });
});

describe('RingBuffer', () => {
  test('keeps the newest items, oldest first', () => {
    const r = new RingBuffer<number>(3);
    for (const n of [1, 2, 3, 4, 5]) r.push(n);
    assert.deepEqual(r.toArray(), [3, 4, 5]);
    r.clear();
    assert.deepEqual(r.toArray(), []);
  });
});
