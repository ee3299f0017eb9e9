/** The priority, length-limit and ttl scenarios headless against the test broker, by message id. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Report } from '../../source/lab/report.js';
import { type TestBroker, testBroker } from '../support/broker.js';
import { actor, check, headless } from '../support/headless.js';

const fate = (report: Report, kind: string, queue: string) => {
  const found = report.messages?.limits?.find((f) => f.fate === kind && f.queue === queue);
  assert.ok(found, `${kind} ${queue} in ${JSON.stringify(report.messages?.limits)}`);
  return found;
};
const seqOf = (id: string | undefined) => Number(id?.split('-')[1]);

describe('queue limits and priorities', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker('limits-e2e');
  });
  after(async () => {
    await broker.dispose();
  });

  test('priority: urgent tasks overtake the backlog in the priority queue only', async () => {
    const { code, report } = await headless(broker, 'priority', 5);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const order = check(report, 'priority-order');
    assert.match(order.detail, /^[1-9]\d* overtaken by later, higher-priority messages/);
    const queue = (name: string) => {
      const q = report.messages?.queues.find((x) => x.queue === name);
      const [urgent, routine] = q?.priorities ?? [];
      assert.ok(urgent && routine, `${name}: ${JSON.stringify(q)}`);
      assert.deepEqual([urgent.priority, routine.priority], [9, 1]);
      return { urgent, routine };
    };
    const priority = queue('jobs.priority');
    const fifo = queue('jobs.fifo');
    // Every 4th task is urgent (1, 1, 1, 9). What was still waiting when the run ended was read
    // back, not delivered: in publish order (jobs.fifo) the delivered ones are a prefix, 3 routine
    // to an urgent one, give or take the last turn; in jobs.priority urgent ones go first, so they
    // are at least their share.
    const lead = fifo.routine.delivered - 3 * fifo.urgent.delivered;
    assert.ok(lead >= 0 && lead <= 3, `jobs.fifo: ${JSON.stringify(fifo)}`);
    assert.ok(
      priority.routine.delivered <= 3 * priority.urgent.delivered + 3,
      `jobs.priority: ${JSON.stringify(priority)}`,
    );
    // Urgent tasks wait at most for the task in hand; in the plain queue as long as the rest.
    assert.ok((priority.urgent.meanWaitMs ?? 0) < 400, JSON.stringify(priority));
    assert.ok((priority.routine.meanWaitMs ?? 0) > 1000, JSON.stringify(priority));
    assert.ok((fifo.urgent.meanWaitMs ?? 0) > 1000, JSON.stringify(fifo));
    assert.ok(priority.routine.overtaken > 0);
    assert.equal(fifo.routine.overtaken + fifo.urgent.overtaken, 0);
    assert.equal(check(report, 'no-loss').ok, true);
  });

  test('length-limit: dropped, refused and dead-lettered, each by id', async () => {
    const { code, report } = await headless(broker, 'length-limit', 6);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const explained = check(report, 'limits-explained');
    assert.match(
      explained.detail,
      /dropped from limit\.drop-head \(x-max-length 5, x-overflow drop-head\): P1-\d/,
    );
    const published = (id: string) => actor(report, id).published ?? 0;
    // drop-head: the oldest go; the newest five, published last, are never dropped.
    const dropped = fate(report, 'dropped', 'limit.drop-head');
    assert.ok(dropped.count > 10, JSON.stringify(dropped));
    assert.ok(seqOf(dropped.last) <= published('P1') - 5, JSON.stringify(dropped));
    // reject-publish: the producer's nacks are the refused messages; the first five were kept.
    const nacks = /P2 (\d+) confirmed, (\d+) nacked/.exec(check(report, 'confirms').detail);
    const refused = fate(report, 'refused', 'limit.reject');
    assert.equal(refused.count, Number(nacks?.[2]), check(report, 'confirms').detail);
    assert.ok(seqOf(refused.first) > 5, JSON.stringify(refused));
    // reject-publish-dlx: nacked, and every one dead-lettered (maxlen) and handled from limit.dead.
    const refusedDlx = fate(report, 'refused', 'limit.reject-dlx');
    const dead = fate(report, 'dead-lettered', 'limit.reject-dlx');
    assert.equal(dead.then, 'handled from limit.dead');
    assert.match(dead.limit, /x-death reason maxlen/);
    assert.equal(dead.count, refusedDlx.count);
    assert.equal(dead.count, actor(report, 'C4').received);
    assert.equal(report.messages?.unexplained?.count, 0);
    assert.equal(check(report, 'no-loss').ok, true, check(report, 'no-loss').detail);
  });

  test('ttl: expired orders dead-lettered and handled, expired quotes named', async () => {
    const { code, report } = await headless(broker, 'ttl', 7);
    assert.equal(code, 0, JSON.stringify(report.checks));
    const expired = fate(report, 'expired', 'quotes');
    assert.equal(expired.limit, 'expiration 1000 ms');
    assert.ok(expired.count > 0);
    const quotes = report.messages?.queues.find((q) => q.queue === 'quotes');
    assert.equal(quotes?.lost, expired.count);
    const late = fate(report, 'dead-lettered', 'orders');
    assert.equal(late.limit, 'x-message-ttl 3000 ms, x-death reason expired');
    assert.equal(late.then, 'handled from orders.expired');
    assert.equal(late.count, actor(report, 'C2').received);
    assert.equal(check(report, 'limits-explained').ok, true);
  });
});
