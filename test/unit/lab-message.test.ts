import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  labAppId,
  labMessageId,
  labMessageOf,
  parseMessageId,
  shortMessageId,
} from '../../source/actors/lab-message.js';

describe('a lab message told by its properties', () => {
  test('the id names producer, sequence and send time; the short form leaves the time out', () => {
    const id = labMessageId('P1', 42, 1_764_873_600_123);
    assert.equal(id, 'P1-42@1764873600123');
    assert.deepEqual(parseMessageId(id), { producer: 'P1', seq: 42, sentAt: 1_764_873_600_123 });
    assert.deepEqual(parseMessageId('P-2-7'), { producer: 'P-2', seq: 7 }, 'no time: none');
    assert.equal(shortMessageId({ producer: 'P1', seq: 42 }), 'P1-42');
  });

  test('ids that are not the lab’s shape parse to nothing', () => {
    for (const id of ['P1', '-3', 'P1-0', 'P1-1.5', 'P1-1e3', 'P1-3@', 'P1-3@x', 'P1-@5', 42]) {
      assert.equal(parseMessageId(id), undefined, String(id));
    }
  });

  test('only this run’s app id makes it a lab message: another run’s or none is foreign', () => {
    const messageId = labMessageId('P1', 1, 1000);
    assert.deepEqual(labMessageOf({ messageId, appId: labAppId('ab12') }, 'ab12'), {
      producer: 'P1',
      seq: 1,
      sentAt: 1000,
    });
    assert.equal(labMessageOf({ messageId, appId: labAppId('cd34') }, 'ab12'), undefined);
    assert.equal(labMessageOf({ messageId }, 'ab12'), undefined);
    assert.equal(labMessageOf({ messageId, appId: 'rabbit-lab.ab12 ' }, 'ab12'), undefined);
    assert.equal(labMessageOf({ messageId: 'hello', appId: labAppId('ab12') }, 'ab12'), undefined);
  });
});
