/**
 * Headers and alternate exchanges on the lab screen in a real terminal (tmux): the bindings with
 * their header arguments in the topology, the binding tester judging typed headers header by
 * header, and an alternate exchange taking the keys nobody binds while nothing comes back.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { labScreens } from '../support/lab-screens.js';

describe('routing by headers and alternate exchanges, on the screen', () => {
  const lab = labScreens('tui-routing');
  const open = (scenario: string) => lab.open(scenario, '--no-tour');
  const { see, quit } = lab;
  const test_ = lab.tester;

  test('headers: the bindings show x-match and headers; m judges typed headers one by one', async () => {
    const term = open('headers');
    try {
      await see(
        term,
        'the headers bindings in the topology',
        /documents \(headers\)/,
        /\[all format=pdf type=report\].*pdf-reports/,
        /\[any format=pdf type=report\].*pdf-or-report/,
        /P1\s+producer\s+running.*unroutable [1-9]/,
      );
      test_(term, 'format=pdf type=memo');
      await see(
        term,
        'the tester judging format=pdf type=memo',
        /Headers 'format=pdf type=memo': 1 of 3 bindings match/,
        /✗ C1 documents\[all format=pdf type=report\] all of: format = pdf · type ≠ report \(got memo\)/,
        /✓ C2 documents\[any format=pdf type=report\] any of: format = pdf · type ≠ report \(got memo\)/,
        /✗ C3 documents\[all type=invoice\] all of: type ≠ invoice \(got memo\)/,
        /Press m to test other headers \(name=value words/,
      );
      await quit(term);
    } finally {
      term.close();
    }
  });

  test('alternate-exchange: the unroutable keys reach unrouted, nothing is returned; m explains why', async () => {
    const term = open('alternate-exchange');
    try {
      const screen = await see(
        term,
        'the alternate exchange in the topology and C3 receiving',
        /orders unrouted ─▶ orders-unrouted \(fanout\)/,
        /C3\s+consumer\s+running\s+← unrouted.*got [1-9]/,
        /P1\s+producer\s+running.*sent [1-9]/,
      );
      assert.doesNotMatch(screen, /P1\s+producer.*unroutable/, 'P1 had nothing returned');
      test_(term, 'asia');
      await see(
        term,
        'the tester on asia',
        /Routing key 'asia': 1 of 4 bindings match/,
        /✓ C3 orders-unrouted no binding of orders takes 'asia', so its alternate exchange orders-unrouted gets it/,
        /✗ C1 orders\[eu\] 'eu' ≠ 'asia'/,
      );
      await quit(term);
    } finally {
      term.close();
    }
  });
});
