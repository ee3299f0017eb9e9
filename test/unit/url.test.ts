import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasPassword, redact, resolveTarget, UrlError } from '../../source/broker/url.js';

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

describe('passwords in broker URLs', () => {
  test('a password with @ is hidden whole: the last @ before the host ends it', () => {
    const t = resolveTarget('amqp://user:p@ss@host');
    assert.equal(t.redactedUrl, 'amqp://user:***@host');
    assert.equal(t.username, 'user');
    assert.equal(t.password, 'p@ss');
    assert.equal(t.host, 'host');
    assert.equal(redact('amqp://user:p@ss@host'), 'amqp://user:***@host');
    assert.equal(
      redact('cannot reach amqp://user:p@ss@w@rd@host:5672/lab now'),
      'cannot reach amqp://user:***@host:5672/lab now',
    );
  });

  test('a password with whitespace is hidden whole', () => {
    const t = resolveTarget('amqp://user:my pass@host/lab');
    assert.equal(t.redactedUrl, 'amqp://user:***@host/lab');
    assert.equal(t.password, 'my pass');
    assert.equal(redact('amqp://user:my pass@host'), 'amqp://user:***@host');
    assert.equal(
      redact('Cannot connect to amqp://user:my pass@host:5672: refused'),
      'Cannot connect to amqp://user:***@host:5672: refused',
    );
  });

  test('redact stops at the first host: later text and the next line stay', () => {
    assert.equal(
      redact('amqp://u:a b@h failed, ask ops@example.com\namqp://v:c@d'),
      'amqp://u:***@h failed, ask ops@example.com\namqp://v:***@d',
    );
    assert.equal(redact('amqp://u:a#b@h'), 'amqp://u:***@h');
  });

  test('a password without a user name is refused with one sentence', () => {
    assert.throws(
      () => resolveTarget('amqp://:secret@host'),
      (e: Error) =>
        e instanceof UrlError &&
        e.message ===
          'The broker URL has a password but no user name; write the user name before the colon.',
    );
    // Neither given: guest/guest, for the AMQP connection (amqplib's rule) and the management API.
    const t = resolveTarget('amqp://@host');
    assert.equal(t.username, 'guest');
    assert.equal(t.password, 'guest');
  });

  test('a % that is no percent-encoding is a UrlError, not a crash', () => {
    assert.throws(() => resolveTarget('amqp://u:100%@host'), UrlError);
  });

  test('hasPassword tells a URL with a password from one without', () => {
    assert.equal(hasPassword('amqp://u:p@h'), true);
    assert.equal(hasPassword('amqp://u:my pass@h'), true);
    assert.equal(hasPassword('amqp://u@h'), false);
    assert.equal(hasPassword('amqp://localhost:5672/lab'), false);
    assert.equal(hasPassword('amqp://u:a#b@h'), true, 'an invalid URL too');
  });
});
