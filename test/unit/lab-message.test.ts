import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import {
  labAppId,
  labMessageId,
  labMessageOf,
  labPublishOptions,
  parseMessageId,
  shortMessageId,
} from '../../source/actors/lab-message.js';

/** amqplib's own encoder (not in its exports: reached by path, for this measure only). */
interface Encoders {
  readonly BasicProperties: number;
  encodeProperties(id: number, channel: number, size: number, fields: object): Buffer;
}
const amqplibFile = (name: string) =>
  new URL(`../../node_modules/amqplib/lib/${name}.js`, import.meta.url).pathname;
const require = createRequire(import.meta.url);
const defs = require(amqplibFile('defs')) as Encoders;
const args = require(amqplibFile('api_args')) as {
  publish(exchange: string, key: string, options: object): object;
};

/** The bytes of a message's encoded properties: its header frame less the frame and its fixed fields. */
function propertyBytes(options: object): number {
  const fields = args.publish('', 'q', options);
  // 7 frame header, 12 class, weight and body size, 1 frame end.
  return defs.encodeProperties(defs.BasicProperties, 1, 64, fields).length - 20;
}

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

  test('a lab message’s properties stay within the broker’s 64-byte small binaries, long ids too', () => {
    const longest = labPublishOptions(labAppId('ab12cd34'), 'P99', 99_999_999, Date.now(), true);
    const bytes = propertyBytes(longest);
    assert.ok(bytes <= 64, `${bytes} bytes of properties`);
    // What the lab sent before (a timestamp, a content type and two headers) did not fit.
    const before = { ...longest, timestamp: 1, contentType: 'text/plain' };
    assert.ok(propertyBytes(before) > 64, 'the measure sees the difference');
  });
});
