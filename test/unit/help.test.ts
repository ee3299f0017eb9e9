import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { brokerOptions, commands, examples, runOptions } from '../../source/cli-spec.js';
import { earlyRequest, helpText, validateOnly, wrap } from '../../source/help.js';

const helpFor = (args: string[]) => {
  const r = earlyRequest(args);
  return r?.kind === 'help' ? (r.command?.command ?? 'all') : r?.kind;
};

describe('--help and --version before yargs', () => {
  test('help for the command named first, or for all; help wins over the version', () => {
    assert.equal(helpFor(['--help']), 'all');
    assert.equal(helpFor(['-h', 'code']), 'code <scenario>');
    assert.equal(helpFor(['match', 'kern.*', '-h']), 'match <binding> <keys..>');
    // The word after an option that takes a value is that value, not the command.
    assert.equal(helpFor(['--url', 'list', 'code', '--help']), 'code <scenario>');
    assert.equal(helpFor(['--json', 'list', '--help']), 'list');
    assert.equal(helpFor(['no-such', '--help']), 'all');
    assert.equal(helpFor(['-v', '--help']), 'all');
    assert.equal(helpFor(['--help=true']), 'all');
    assert.equal(helpFor(['--version']), 'version');
    assert.equal(helpFor(['list', '-v']), 'version');
  });

  test('nothing early: no such flag, a false one, or one after --', () => {
    for (const args of [[], ['list'], ['--help=false', 'list'], ['match', 'a', '--', '-h']]) {
      assert.equal(earlyRequest(args), undefined, args.join(' '));
    }
  });

  test('validate <file> alone runs before yargs; anything more is left to yargs', () => {
    assert.equal(validateOnly(['validate', './mine.yaml']), './mine.yaml');
    for (const args of [
      ['validate'],
      ['validate', ''],
      ['validate', 'a.yaml', 'b.yaml'],
      ['validate', '--json', 'a.yaml'],
      ['validate', 'a.yaml', '--json'],
      ['validate', '--', 'a.yaml'],
      ['validate', '-x'],
      ['new', 'a'],
      ['scenario', 'validate', 'a.yaml'],
    ]) {
      assert.equal(validateOnly(args), undefined, args.join(' '));
    }
  });

  test('the help names every command, option and example, within the width', () => {
    for (const width of [60, 80, 100, 110]) {
      const text = helpText(undefined, width);
      for (const line of text.split('\n')) {
        // Only an example's command line may be wider than the terminal.
        if (line.startsWith('  rabbit-lab ')) continue;
        assert.ok(line.length <= width, `${width}: ${line}`);
      }
      for (const c of commands.filter((c) => c.command !== '$0')) {
        assert.match(text, new RegExp(`rabbit-lab ${c.command.replace(/[.*]/g, '\\$&')}`));
      }
      for (const name of [...Object.keys(brokerOptions), ...Object.keys(runOptions)]) {
        assert.match(text, new RegExp(`--${name} `));
      }
      assert.equal(examples.length > 0 && text.includes("'kern.*' kern.critical cron.info"), true);
      // Narrower, the badges wrap too.
      if (width >= 100)
        assert.match(text, /\[default: \$RABBIT_LAB_URL or amqp:\/\/guest:guest@localhost:5672\]/);
    }
  });

  test("a command's help: its positionals, its own options and the global ones", () => {
    const code = commands.find((c) => c.command.startsWith('code '));
    const text = helpText(code, 100);
    assert.match(text, /^rabbit-lab code <scenario>\n/);
    assert.match(
      text,
      /\n {2}scenario {2}e\.g\. work-queue, \.\/my-lab\.yaml +\[string\] \[required\]\n/,
    );
    assert.match(
      text,
      /--lang +ts \(TypeScript, amqplib\) or python \(pika\) +\[string\] \[default: "ts"\]/,
    );
    assert.match(text, /--max-rate/);
    assert.match(text, / {2}-h, --help +Show help +\[boolean\]/);
  });

  test('the help text is plain ASCII, so its width is its length', () => {
    for (const c of [undefined, ...commands]) {
      assert.match(helpText(c, 100), /^[\x20-\x7e\n]*$/);
    }
  });

  test('wrap breaks at spaces and cuts only a word longer than the line', () => {
    assert.deepEqual(wrap('one two three', 7), ['one two', 'three']);
    assert.deepEqual(wrap('abcdefghij k', 4), ['abcd', 'efgh', 'ij k']);
    assert.deepEqual(wrap('', 10), ['']);
  });
});
