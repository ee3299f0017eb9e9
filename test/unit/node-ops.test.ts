import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterEvent, Failover, LabNode } from '../../source/lab/cluster-state.js';
import {
  type ClusterControl,
  NodeOperator,
  type QueuePlacement,
} from '../../source/lab/node-ops.js';
import { waitFor } from '../support/broker.js';

const names = ['n1@localhost', 'n2@localhost', 'n3@localhost'];

/** A cluster that only records what was done to it, and a host that answers from fixed facts. */
function operator(placementsAfter: () => QueuePlacement[]) {
  const done: string[] = [];
  const failovers = new Map<number, Failover>();
  const notices: string[] = [];
  const nodes: LabNode[] = names.map((nodeName, i) => ({
    number: i + 1,
    nodeName,
    amqpPort: 5000 + i,
    status: 'up',
  }));
  const control: ClusterControl = {
    nodes: [],
    status: () => 'down',
    kill: async (name) => void done.push(`kill ${name}`),
    stopNode: async (name) => void done.push(`stop ${name}`),
    freeze: (name) => void done.push(`freeze ${name}`),
    thaw: (name) => void done.push(`thaw ${name}`),
    startNode: async (name) => void done.push(`start ${name}`),
  };
  const before: QueuePlacement = {
    name: 'orders',
    type: 'quorum',
    leader: names[0],
    members: names,
    online: names,
  };
  const ops = new NodeOperator(control, {
    notice: (text) => notices.push(text),
    dispatch: (event: ClusterEvent) => {
      if (event.type === 'failover') failovers.set(event.failover.id, event.failover);
    },
    placements: () => [before],
    readPlacements: async () => placementsAfter(),
    nodes: () => nodes,
  });
  return { ops, done, failovers, notices };
}

describe('node actions and what they measure', () => {
  test('a crash of the leader: the new leader’s election time, the confirm gap, the consumer gap', async () => {
    let elected = false;
    const { ops, done, failovers, notices } = operator(() => [
      {
        name: 'orders',
        type: 'quorum',
        leader: elected ? names[1] : names[0],
        members: names,
        online: names.slice(1),
      },
    ]);
    try {
      const t0 = Date.now();
      ops.noteConfirms(t0 - 40);
      ops.noteDeliveries('C1', t0 - 30);
      ops.noteDeliveries('C2', t0 - 20);
      await ops.onLeaderOf('kill', 'orders');
      assert.deepEqual(done, [`kill ${names[0]}`]);
      assert.match(notices[0] ?? '', /^Crashing node 1 \(it leads 'orders'\) with SIGKILL/);
      const action = failovers.get(1)?.at ?? 0;
      // Confirms stop for 300 ms; C1 hears nothing for 500 ms, C2 for 200 ms.
      ops.noteConfirms(action + 300);
      ops.noteConfirms(action + 320);
      ops.noteDeliveries('C2', action + 200);
      ops.noteDeliveries('C1', action + 500);
      ops.noteDeliveries('C2', action + 250);
      elected = true;
      const failover = await waitFor(
        () => {
          const f = failovers.get(1);
          return f?.queues[0]?.electedMs !== undefined ? f : undefined;
        },
        { what: 'the new leader measured' },
      );
      assert.equal(failover.queues[0]?.after, names[1]);
      assert.equal(failover.lastConfirmBefore, t0 - 40);
      assert.equal(failover.publishGapMs, action + 300 - (t0 - 40));
      assert.equal(failover.consumerGapOf, 'C1');
      assert.equal(failover.consumerGapMs, action + 500 - (t0 - 30));
      assert.ok(notices.some((n) => /^Queue 'orders' has a new leader on node 2/.test(n)));
    } finally {
      ops.stop();
    }
  });

  test('gaps after the window closes do not count', async () => {
    const { ops, failovers } = operator(() => [
      { name: 'orders', type: 'quorum', leader: names[1], members: names, online: names },
    ]);
    try {
      ops.noteDeliveries('C1', Date.now() - 10);
      await ops.onLeaderOf('kill', 'orders');
      const failover = await waitFor(
        () => {
          const f = failovers.get(1);
          return f?.queues[0]?.electedMs !== undefined ? f : undefined;
        },
        { what: 'the new leader measured' },
      );
      // 3 s after the election the window is closed: a later silence is another story.
      ops.noteDeliveries('C1', failover.at + (failover.queues[0]?.electedMs ?? 0) + 10_000);
      assert.equal(failovers.get(1)?.consumerGapMs, undefined);
    } finally {
      ops.stop();
    }
  });
});
