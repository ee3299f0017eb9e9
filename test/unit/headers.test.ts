/**
 * Headers exchanges and alternate exchanges as pure logic: matching as RabbitMQ 3.10 does it, the
 * binding tester's explanations, the routing checks failing when a queue got what its headers do
 * not take or missed what they do, and the scenario file's rules.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testRoutingKey } from '../../source/lab/binding-test.js';
import { routingComplete, routingCorrect } from '../../source/lab/checks-routing.js';
import {
  explainHeadersMatch,
  headersMatch,
  parseHeaderQuery,
} from '../../source/lab/headers-match.js';
import { scenarioView } from '../../source/lab/lab-report.js';
import { Ledger } from '../../source/lab/ledger.js';
import { routePath, routes } from '../../source/lab/routing.js';
import { initialState } from '../../source/lab/store.js';
import { parseScenario, ScenarioError } from '../../source/scenario/loader.js';
import { consumer, context } from '../support/check-context.js';

const report = { format: 'pdf', type: 'report' };

describe('headers matching', () => {
  test('all needs every binding header with an equal value; any needs one', () => {
    assert.equal(headersMatch('all', report, { format: 'pdf', type: 'report', lang: 'en' }), true);
    assert.equal(headersMatch('all', report, { format: 'pdf', type: 'invoice' }), false);
    assert.equal(headersMatch('all', report, { format: 'pdf' }), false);
    assert.equal(headersMatch('any', report, { format: 'pdf' }), true);
    assert.equal(headersMatch('any', report, { format: 'docx', type: 'memo' }), false);
    // Values of another kind do not match: 3 is not '3'.
    assert.equal(headersMatch('all', { pages: 3 }, { pages: '3' }), false);
    assert.equal(headersMatch('all', { pages: 3 }, { pages: 3 }), true);
  });

  test('x- names take no part, and the routing key is ignored', () => {
    assert.equal(headersMatch('all', { 'x-match': 'all', format: 'pdf' }, { format: 'pdf' }), true);
    const binding = { keys: [''], match: 'any' as const, headers: report };
    assert.equal(routes('headers', binding, 'anything', { type: 'report' }), true);
    assert.equal(routes('headers', binding, '', { 'x-rabbit-lab-run': 'r1' }), false);
  });

  test('explained header by header', () => {
    const why = explainHeadersMatch('all', report, { format: 'pdf', type: 'invoice' });
    assert.deepEqual(why, {
      matches: false,
      why: 'all of: format = pdf · type ≠ report (got invoice)',
    });
    assert.equal(
      explainHeadersMatch('any', report, { type: 'report' }).why,
      'any of: format missing · type = report',
    );
  });

  test('typed headers are name=value words; digits make numbers', () => {
    assert.deepEqual(parseHeaderQuery('format=pdf pages=3 draft=true'), {
      headers: { format: 'pdf', pages: 3, draft: true },
    });
    assert.deepEqual(parseHeaderQuery('pdf'), {
      error: "'pdf' is not name=value (e.g. format=pdf type=report)",
    });
  });
});

const headersTopology = `
name: docs
topology:
  exchanges: [{ name: documents, type: headers }]
  queues: [{ name: pdf-reports }, { name: pdf-or-report }]
  bindings:
    - { exchange: documents, queue: pdf-reports, match: all, headers: { format: pdf, type: report } }
    - { exchange: documents, queue: pdf-or-report, match: any, headers: { format: pdf, type: report } }
`;

describe('the binding tester with headers and an alternate exchange', () => {
  const broker = {
    redactedUrl: 'amqp://guest:***@localhost:5672',
    managementUrl: 'http://localhost:15672',
    embedded: true,
    version: '3.10.8',
    vhost: '/',
  };
  const state = (yaml: string) =>
    initialState(scenarioView(parseScenario(yaml, 'x.yaml')), broker, 0);

  test('headers typed as name=value: each binding judged header by header', () => {
    const verdicts = testRoutingKey(state(headersTopology), 'format=pdf type=invoice');
    assert.deepEqual(
      verdicts.map((v) => [v.label, v.matches, v.why]),
      [
        [
          'documents[all format=pdf type=report]',
          false,
          'all of: format = pdf · type ≠ report (got invoice)',
        ],
        [
          'documents[any format=pdf type=report]',
          true,
          'any of: format = pdf · type ≠ report (got invoice)',
        ],
      ],
    );
  });

  test("an alternate exchange's binding takes a key only when its exchange routes it nowhere", () => {
    const lab = state(`
name: ae
topology:
  exchanges:
    - { name: orders, type: direct, arguments: { alternate-exchange: unrouted-x } }
    - { name: unrouted-x, type: fanout }
  queues: [{ name: eu }, { name: unrouted }]
  bindings:
    - { exchange: orders, queue: eu, keys: [eu] }
    - { exchange: unrouted-x, queue: unrouted }
`);
    const asia = testRoutingKey(lab, 'asia');
    assert.deepEqual(
      asia.map((v) => [v.queue, v.matches]),
      [
        ['eu', false],
        ['unrouted', true],
      ],
    );
    assert.match(
      asia[1]?.why ?? '',
      /no binding of orders takes 'asia', so its alternate exchange/,
    );
    assert.deepEqual(
      testRoutingKey(lab, 'eu').map((v) => v.matches),
      [true, false],
    );
  });
});

describe('routing checks with headers and alternate exchanges', () => {
  /** P1 published 1..4 with the header sets below, in turn. */
  function ledger(): Ledger {
    const l = new Ledger();
    l.recordPublished('P1', 4, [1, 4, 100, 400]);
    return l;
  }
  const producers = [
    {
      id: 'P1',
      exchange: 'documents',
      routingKeys: [''],
      headers: [
        { format: 'pdf', type: 'report' },
        { format: 'docx', type: 'report' },
        { format: 'pdf', type: 'invoice' },
        { format: 'csv', type: 'memo' },
      ],
    },
  ];
  const bindings = [
    {
      exchange: 'documents',
      queue: 'pdf-reports',
      keys: [''],
      match: 'all' as const,
      headers: report,
    },
    {
      exchange: 'documents',
      queue: 'pdf-or-report',
      keys: [''],
      match: 'any' as const,
      headers: report,
    },
  ];
  const ctx = (l: Ledger) =>
    context(l, {
      producers,
      bindings,
      queueBindings: bindings.map((b) => ({ ...b, boundAt: 0 })),
      exchangeType: (x) => (x === 'documents' ? 'headers' : 'direct'),
      consumers: [
        consumer('C1', { queue: 'pdf-reports' }),
        consumer('C2', { queue: 'pdf-or-report' }),
      ],
    });

  test('hold when each queue got exactly what its headers take', () => {
    const l = ledger();
    l.recordReceived('C1', 'pdf-reports', [['P1', 1, 1]], false);
    l.recordReceived('C2', 'pdf-or-report', [['P1', 1, 3]], false);
    assert.equal(routingCorrect(ctx(l)).ok, true, routingCorrect(ctx(l)).detail);
    const complete = routingComplete(ctx(l));
    assert.equal(complete.ok, true, complete.detail);
    assert.match(complete.detail, /pdf-reports 1\/1, pdf-or-report 3\/3/);
  });

  test('routing-correct fails for a message the all binding does not take', () => {
    const l = ledger();
    // A docx report in pdf-reports: all wants format=pdf too.
    l.recordReceived('C1', 'pdf-reports', [['P1', 1, 2]], false);
    l.recordReceived('C2', 'pdf-or-report', [['P1', 1, 3]], false);
    const r = routingCorrect(ctx(l));
    assert.equal(r.ok, false);
    assert.equal(
      r.detail,
      "C1 got 1 message that pdf-reports's bindings do not take (e.g. P1-2 [format=docx type=report])",
    );
  });

  test('routing-complete fails for a message the any binding takes but the queue missed', () => {
    const l = ledger();
    l.recordReceived('C1', 'pdf-reports', [['P1', 1, 1]], false);
    l.recordReceived('C2', 'pdf-or-report', [['P1', 1, 2]], false);
    const r = routingComplete(ctx(l));
    assert.equal(r.ok, false);
    assert.match(r.detail, /^pdf-or-report missed 1 \(e\.g\. P1-3\)/);
  });

  test('with an alternate exchange, what no binding takes is owed to its queue, not misrouted', () => {
    const aeBindings = [
      { exchange: 'orders', queue: 'eu', keys: ['eu'] },
      { exchange: 'orders-unrouted', queue: 'unrouted', keys: [''] },
    ];
    const aeCtx = (l: Ledger) =>
      context(l, {
        producers: [{ id: 'P1', exchange: 'orders', routingKeys: ['eu', 'asia'] }],
        bindings: aeBindings,
        queueBindings: aeBindings.map((b) => ({ ...b, boundAt: 0 })),
        exchangeType: (x) => (x === 'orders-unrouted' ? 'fanout' : 'direct'),
        alternateOf: (x) => (x === 'orders' ? 'orders-unrouted' : undefined),
        consumers: [consumer('C1', { queue: 'eu' }), consumer('C3', { queue: 'unrouted' })],
      });
    assert.deepEqual(routePath(aeCtx(ledger()), 'orders', 'asia'), {
      exchanges: ['orders', 'orders-unrouted'],
      queues: ['unrouted'],
    });
    const l = ledger();
    l.recordReceived('C1', 'eu', [['P1', 1, 1]], false);
    l.recordReceived('C1', 'eu', [['P1', 3, 3]], false);
    l.recordReceived('C3', 'unrouted', [['P1', 2, 2]], false);
    assert.equal(routingCorrect(aeCtx(l)).ok, true, routingCorrect(aeCtx(l)).detail);
    // Seq 4 (asia) never reached unrouted.
    const missed = routingComplete(aeCtx(l));
    assert.equal(missed.ok, false);
    assert.match(missed.detail, /^unrouted missed 1 \(e\.g\. P1-4\)/);
    // An eu order in unrouted: the exchange's own binding takes eu, so it is misrouted.
    l.recordReceived('C3', 'unrouted', [['P1', 3, 3]], false);
    assert.match(routingCorrect(aeCtx(l)).detail, /C3 got 1 message that unrouted's bindings/);
  });
});

describe('scenario files: headers and alternate exchanges', () => {
  function errorOf(text: string): string {
    try {
      parseScenario(text, 'mine.yaml');
    } catch (error) {
      assert.ok(error instanceof ScenarioError, String(error));
      return error.message;
    }
    assert.fail('expected the scenario to be rejected');
  }

  test('a headers binding names headers; other bindings do not', () => {
    assert.match(
      errorOf(`
name: docs
topology:
  exchanges: [{ name: documents, type: headers }]
  queues: [{ name: q }]
  bindings: [{ exchange: documents, queue: q }]
`),
      /needs `headers` to match/,
    );
    assert.match(
      errorOf(`
name: docs
topology:
  exchanges: [{ name: logs, type: direct }]
  queues: [{ name: q }]
  bindings: [{ exchange: logs, queue: q, keys: [a], headers: { format: pdf } }]
`),
      /`headers` is for a headers exchange, and 'logs' is a direct exchange/,
    );
    assert.match(
      errorOf(`
name: docs
topology:
  exchanges: [{ name: documents, type: headers }]
  queues: [{ name: q }]
  bindings: [{ exchange: documents, queue: q, match: all, headers: { x-format: pdf } }]
`),
      /ignores binding headers whose names start with x-/,
    );
  });

  test('an exchange cannot be its own alternate', () => {
    assert.match(
      errorOf(`
name: ae
topology:
  exchanges: [{ name: orders, type: direct, arguments: { alternate-exchange: orders } }]
`),
      /cannot be its own alternate exchange/,
    );
  });
});
