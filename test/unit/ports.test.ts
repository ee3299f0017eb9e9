import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { choosePort, listenerCandidate, outgoingPortRange } from '../../source/broker/ports.js';

describe('listener ports are planned outside the outgoing connections’ range', () => {
  test('the range comes from the kernel, or the IANA one', () => {
    assert.deepEqual(
      outgoingPortRange(() => '32768\t60999\n'),
      [32_768, 60_999],
    );
    assert.deepEqual(
      outgoingPortRange(() => {
        throw new Error('no such file');
      }),
      [49_152, 65_535],
    );
    assert.deepEqual(
      outgoingPortRange(() => 'garbage'),
      [49_152, 65_535],
    );
  });

  test('a candidate is below the range (Linux) or, with more room there, above it', () => {
    for (const r of [0, 0.5, 0.999999]) {
      const linux = listenerCandidate([32_768, 60_999], () => r);
      assert.ok(linux >= 10_000 && linux < 32_768, `${linux}`);
      const mac = listenerCandidate([49_152, 65_535], () => r);
      assert.ok(mac >= 10_000 && mac < 49_152, `${mac}`);
      const high = listenerCandidate([1024, 20_000], () => r);
      assert.ok(high > 20_000 && high <= 65_535, `${high}`);
    }
  });

  test('choosePort gives a free port outside the range, not in exclude', async () => {
    const [low, high] = outgoingPortRange();
    const port = await choosePort(['127.0.0.1'], new Set());
    assert.ok(port < low || port > high, `${port} inside ${low}–${high}`);
  });
});
