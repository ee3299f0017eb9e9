import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { loadCatalog } from '../../source/scenario/catalog.js';
import type { Scenario } from '../../source/scenario/schema.js';
import { Picker } from '../../source/ui/picker.js';
import { filterScenarios } from '../../source/ui/picker-state.js';
import { waitFor } from '../support/broker.js';

// A failed test must not leave a mounted app (its timers) keeping the file alive.
afterEach(() => cleanup());

const down = '\u001B[B';

function frameOf(ui: ReturnType<typeof render>): string {
  return ui.lastFrame() ?? '';
}

async function scenarios(): Promise<Scenario[]> {
  return (await loadCatalog()).map((e) => e.scenario);
}

describe('scenario picker', () => {
  test('lists every built-in scenario with title, pattern and summary', async () => {
    const all = await scenarios();
    const ui = render(<Picker scenarios={all} onDone={() => {}} rows={60} />);
    const frame = ui.lastFrame() ?? '';
    for (const s of all) {
      assert.ok(frame.includes(s.title), s.title);
      assert.ok(frame.includes(s.pattern), s.pattern);
      assert.ok(frame.includes(s.summary.slice(0, 40)), s.summary);
    }
    assert.match(frame, /▶ Hello queue/);
    ui.unmount();
  });

  test('at 24 rows the list scrolls with the selection and stays a row short of the terminal', async () => {
    const all = await scenarios();
    const ui = render(<Picker scenarios={all} onDone={() => {}} rows={24} />);
    const height = () => (ui.lastFrame() ?? '').split('\n').length;
    assert.ok(height() <= 23, `${height()} rows`);
    assert.match(ui.lastFrame() ?? '', /0 above, \d+ below/);
    // Back to back, without waiting for frames: each j counts.
    for (let i = 1; i < all.length; i++) ui.stdin.write('j');
    // The last one (in group order): its title in the selected row, the first scrolled away.
    const lastTitle = filterScenarios(all, '').at(-1)?.title ?? '';
    await waitFor(() => (ui.lastFrame() ?? '').includes(`▶ ${lastTitle}`), {
      what: 'the last scenario selected',
    });
    const frame = ui.lastFrame() ?? '';
    assert.ok(!frame.includes('Hello queue'), 'the first scrolled out of view');
    assert.match(frame, /\d+ above, 0 below/);
    assert.ok(height() <= 23, `${height()} rows`);
  });

  test('scenarios come under their group, as rabbit-lab list shows them; typing a group filters', async () => {
    const all = await scenarios();
    const ui = render(<Picker scenarios={all} onDone={() => {}} rows={80} />);
    const lines = (ui.lastFrame() ?? '').split('\n').map((l) => l.trim());
    const headings = lines.filter((l) =>
      /^(tutorials|reliability|routing|integration|streams|cluster)$/.test(l),
    );
    assert.deepEqual(headings, [...new Set(filterScenarios(all, '').map((s) => s.group))]);
    assert.equal(headings[0], 'tutorials');
    const streams = lines.indexOf('streams');
    assert.match(lines[streams + 1] ?? '', /Stream/);
    ui.stdin.write('streams');
    await waitFor(() => /filter: streams/.test(ui.lastFrame() ?? ''), { what: 'the filter' });
    const frame = ui.lastFrame() ?? '';
    assert.match(frame, /▶ Stream offset tracking[\s\S]*Stream replay/);
    assert.doesNotMatch(frame, /Hello queue|tutorials/);
    ui.unmount();
  });

  test('j/k and arrows move; Enter opens the selected one', async () => {
    let chosen: Scenario | undefined;
    const ui = render(<Picker scenarios={await scenarios()} onDone={(s) => (chosen = s)} />);
    ui.stdin.write('j');
    await waitFor(() => /▶ Work queue/.test(ui.lastFrame() ?? ''), { what: 'work queue selected' });
    ui.stdin.write('\u001B[B');
    await waitFor(() => /▶ Fanout/.test(ui.lastFrame() ?? ''), { what: 'fanout selected' });
    ui.stdin.write('k');
    await waitFor(() => /▶ Work queue/.test(ui.lastFrame() ?? ''), { what: 'back to work queue' });
    ui.stdin.write('\r');
    await waitFor(() => chosen !== undefined, { what: 'a choice' });
    assert.equal(chosen?.name, 'work-queue');
  });

  test('typing filters (names, aliases, patterns); Enter opens the first match', async () => {
    let chosen: Scenario | undefined;
    const ui = render(<Picker scenarios={await scenarios()} onDone={(s) => (chosen = s)} />);
    ui.stdin.write('rout');
    await waitFor(() => (ui.lastFrame() ?? '').includes('filter: rout'), { what: 'filter shown' });
    const frame = ui.lastFrame() ?? '';
    assert.ok(frame.includes('Direct routing'));
    assert.ok(!frame.includes('Hello queue'));
    ui.stdin.write('\r');
    await waitFor(() => chosen !== undefined, { what: 'a choice' });
    assert.equal(chosen?.name, 'direct-routing');
  });

  test('keys written back to back, before any frame, each count: j ↓ Enter opens the third', async () => {
    const all = await scenarios();
    assert.equal(all[2]?.name, 'fanout');
    let chosen: Scenario | undefined;
    const ui = render(<Picker scenarios={all} onDone={(s) => (chosen = s)} />);
    ui.stdin.write('j');
    ui.stdin.write(down);
    ui.stdin.write('\r');
    await waitFor(() => chosen !== undefined, { what: 'a choice' });
    assert.equal(chosen?.name, 'fanout');
  });

  test('one chunk of keys (as tmux send-keys Down Down Enter writes it) opens the third', async () => {
    let chosen: Scenario | undefined;
    const ui = render(<Picker scenarios={await scenarios()} onDone={(s) => (chosen = s)} />);
    ui.stdin.write(`${down}${down}\r`);
    await waitFor(() => chosen !== undefined, { what: 'a choice' });
    assert.equal(chosen?.name, 'fanout');
  });

  test('j and k that arrive together move (empty filter); with Enter in the chunk too', async () => {
    let chosen: Scenario | undefined;
    const ui = render(<Picker scenarios={await scenarios()} onDone={(s) => (chosen = s)} />);
    ui.stdin.write('jj');
    await waitFor(() => /▶ Fanout/.test(frameOf(ui)), { what: 'fanout selected' });
    assert.doesNotMatch(frameOf(ui), /filter:/, 'jj moved, it is not a filter');
    ui.stdin.write('kjjk');
    ui.stdin.write('jk\r');
    await waitFor(() => chosen !== undefined, { what: 'a choice' });
    assert.equal(chosen?.name, 'fanout');
  });

  test('text typed in one chunk filters, j after it is text, and Enter in the chunk opens', async () => {
    let chosen: Scenario | undefined;
    const ui = render(<Picker scenarios={await scenarios()} onDone={(s) => (chosen = s)} />);
    ui.stdin.write('rout');
    ui.stdin.write('j');
    await waitFor(() => frameOf(ui).includes('filter: routj'), { what: 'j typed into the filter' });
    ui.stdin.write('\u007F\r');
    await waitFor(() => chosen !== undefined, { what: 'a choice' });
    assert.equal(chosen?.name, 'direct-routing');
  });

  test('Esc quits without a choice', async () => {
    let done = false;
    let chosen: Scenario | undefined;
    const ui = render(
      <Picker
        scenarios={await scenarios()}
        onDone={(s) => {
          done = true;
          chosen = s;
        }}
      />,
    );
    ui.stdin.write('\u001B');
    await waitFor(() => done, { what: 'quit' });
    assert.equal(chosen, undefined);
  });
});
