import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redact, resolveTarget, UrlError } from '../../source/broker/url.js';

describe('broker URLs', () => {
  test('the default URL targets vhost / and derives the management URL', () => {
    const t = resolveTarget('amqp://guest:guest@localhost:5672');
    assert.equal(t.vhost, '/');
    assert.equal(t.port, 5672);
    assert.equal(t.managementUrl, 'http://localhost:15672');
    assert.equal(t.redactedUrl, 'amqp://guest:***@localhost:5672');
  });

  test('the path is the vhost, percent-decoded', () => {
    assert.equal(resolveTarget('amqp://u:p@h/my%2Fvhost').vhost, 'my/vhost');
    assert.equal(resolveTarget('amqp://u:p@h/%2F').vhost, '/');
    assert.equal(resolveTarget('amqp://u:p@h/lab').vhost, 'lab');
  });

  test('amqps derives an https management URL on 15671', () => {
    const t = resolveTarget('amqps://u:p@broker.example:5671');
    assert.equal(t.tls, true);
    assert.equal(t.managementUrl, 'https://broker.example:15671');
  });

  test('credentials in a management URL are dropped from it', () => {
    const t = resolveTarget('amqp://u:p@h', 'http://admin:secret@h:8080/');
    assert.equal(t.managementUrl, 'http://h:8080');
  });

  test('a bad URL or scheme is a UrlError without the password', () => {
    assert.throws(() => resolveTarget('not a url :s3cret@'), UrlError);
    assert.throws(
      () => resolveTarget('http://u:s3cret@h'),
      (e: Error) =>
        e instanceof UrlError && !e.message.includes('s3cret') && /amqp:\/\//.test(e.message),
    );
  });

  test('redact hides passwords anywhere in a text', () => {
    assert.equal(
      redact('failed: amqp://bob:hunter2@h:5672/v and https://a:b@c'),
      'failed: amqp://bob:***@h:5672/v and https://a:***@c',
    );
    assert.equal(redact('amqp://localhost'), 'amqp://localhost');
  });
});
