import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeqRunBuilder } from '../../source/actors/seq-runs.js';
import { IntervalSet } from '../../source/lab/interval-set.js';
import { RingBuffer } from '../../source/util/ring-buffer.js';

describe('IntervalSet', () => {
  test('merges adjacent and overlapping ranges and counts overlap', () => {
    const s = new IntervalSet();
    assert.equal(s.add(1, 3), 0);
    assert.equal(s.add(7, 9), 0);
    assert.equal(s.add(4, 6), 0);
    assert.equal(s.size, 9);
    assert.equal(s.add(2, 12), 8);
    assert.equal(s.size, 12);
    assert.deepEqual(s.missing(15), [13, 14, 15]);
  });

  test('missing lists gaps in order', () => {
    const s = new IntervalSet();
    s.add(2, 2);
    s.add(5, 6);
    assert.deepEqual(s.missing(8), [1, 3, 4, 7, 8]);
    assert.equal(s.countUpTo(5), 2);
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
