/**
 * What the lab-screen test files share: their own test vhost (set up and removed around the
 * describe block), a lab opened in tmux on it, waiting for the screen with the screen in the
 * failure, and quitting with q (exit code 0, and the run's queues gone).
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { type TestBroker, testBroker, waitFor } from './broker.js';
import { hasTmux, openLab, type TerminalSession } from './tmux.js';

export interface LabScreens {
  readonly broker: () => TestBroker;
  open(scenario: string, ...args: string[]): TerminalSession;
  /** Wait until `probe` gives a value; fail with what the screen shows otherwise. */
  until<T>(
    term: TerminalSession,
    what: string,
    probe: (screen: string) => T | undefined | null | false,
    timeoutMs?: number,
  ): Promise<NonNullable<T>>;
  /** Wait until the screen matches every pattern; returns that screen. */
  see(term: TerminalSession, what: string, ...patterns: RegExp[]): Promise<string>;
  quit(term: TerminalSession, options?: { readonly queuesGone?: boolean }): Promise<void>;
  /** Open the binding tester (m), replace the suggested query with `query`, submit. */
  tester(term: TerminalSession, query: string): void;
}

/** Call inside a describe block: registers its before and after. */
export function labScreens(
  label: string,
  size: { columns: number; rows: number } = { columns: 160, rows: 48 },
): LabScreens {
  let current: TestBroker | undefined;
  before(async () => {
    assert.ok(
      hasTmux(),
      'the terminal tests need tmux: install it with `npm run setup` (or apt-get install tmux)',
    );
    current = await testBroker(label);
  });
  after(async () => {
    await current?.dispose();
  });
  const broker = () => {
    assert.ok(current, 'the test broker is set up before the tests');
    return current;
  };
  const until: LabScreens['until'] = (term, what, probe, timeoutMs = 20_000) =>
    waitFor(() => probe(term.screen()) || undefined, { what, timeoutMs, intervalMs: 200 }).catch(
      (e: Error) => assert.fail(`${e.message}\n${term.screen()}`),
    );
  return {
    broker,
    open: (scenario, ...args) => openLab(broker(), scenario, args, size),
    until,
    see: (term, what, ...patterns) =>
      until(term, what, (s) => (patterns.every((p) => p.test(s)) ? s : undefined)),
    tester(term, query) {
      term.press('m');
      term.press(...Array.from({ length: 40 }, () => 'BSpace'));
      term.press(query, 'Enter');
    },
    async quit(term, { queuesGone = true } = {}) {
      term.press('q');
      const closed = await waitFor(
        () => (/exit code \d+/.test(term.screen()) ? term.screen() : undefined),
        { what: 'the CLI to exit', timeoutMs: 20_000 },
      );
      assert.match(closed, /exit code 0/);
      if (queuesGone) {
        const b = broker();
        assert.deepEqual(await b.management.queues(b.vhost), [], 'its queues are gone');
      }
    },
  };
}
