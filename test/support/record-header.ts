/** A record's header for tests that write records by hand: the scenario, a redacted local broker. */
import { type RecordHeader, recordFormat, recordVersion } from '../../source/record/format.js';
import type { Scenario } from '../../source/scenario/schema.js';

/** When the hand-written runs start (ms since epoch). */
export const t0 = 1_700_000_000_000;

export function recordHeaderFor(scenario: Scenario): RecordHeader {
  return {
    type: recordFormat,
    version: recordVersion,
    runId: 'abcd1234',
    startedAt: t0,
    scenario,
    broker: {
      url: 'amqp://guest:***@localhost:5672',
      managementUrl: 'http://localhost:15672',
      embedded: true,
      vhost: '/',
    },
  };
}
