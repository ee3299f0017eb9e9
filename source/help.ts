/**
 * `--help` and `--version`, answered before yargs loads. yargs' own help layout measures every
 * word with string-width (a grapheme segmenter and an emoji regular expression per character),
 * which took longer than the rest of the start-up; our help text is plain ASCII, so its width is
 * its length. The layout follows yargs': sections, a column of names, wrapped descriptions, and
 * `[type] [default: …]` at the right.
 */
import {
  brokerOptions,
  builtinOptions,
  type CommandSpec,
  commandName,
  commands,
  examples,
  type OptionSpec,
  runOptions,
  usage,
} from './cli-spec.js';

type Options = Readonly<Record<string, OptionSpec>>;

const program = 'rabbit-lab';
const globalOptions: Options = { ...brokerOptions, ...runOptions };

/** What the arguments ask for before any parsing: help (for one command or all), or the version. */
export type EarlyRequest =
  | { readonly kind: 'help'; readonly command: CommandSpec | undefined }
  | { readonly kind: 'version' }
  | undefined;

/** Options that take a value, so that the word after them is not taken for the command. */
function takesValue(name: string): boolean {
  const all: Options = { ...globalOptions, ...commandOptions() };
  const spec = all[name];
  return spec !== undefined && spec.type !== 'boolean';
}

function commandOptions(): Options {
  return Object.assign({}, ...commands.map((c) => c.options ?? {}));
}

/** `--name`, or `--name=<value>` with a value that is not false. */
function isOn(arg: string, name: string): boolean {
  if (arg === `--${name}`) return true;
  const value = arg.startsWith(`--${name}=`) ? arg.slice(name.length + 3) : undefined;
  return value !== undefined && value !== 'false' && value !== '0' && value !== '';
}

/** `--help`, `-h`, `--version` or `-v` before any `--`; help wins, as in yargs. */
export function earlyRequest(args: readonly string[]): EarlyRequest {
  let help = false;
  let version = false;
  let command: CommandSpec | undefined;
  let firstWord = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') break;
    if (arg === '-h' || isOn(arg, 'help')) help = true;
    else if (arg === '-v' || isOn(arg, 'version')) version = true;
    else if (arg.startsWith('--')) {
      if (!arg.includes('=') && takesValue(arg.slice(2))) i++;
    } else if (!arg.startsWith('-') && firstWord) {
      firstWord = false;
      command = commands.find((c) => c.command !== '$0' && commandName(c) === arg);
    }
  }
  if (help) return { kind: 'help', command };
  return version ? { kind: 'version' } : undefined;
}

/**
 * The file of `rabbit-lab validate <file>` when that is the whole command line: it needs no
 * option parsing, so it runs before yargs loads (with the YAML parser and zod to load, yargs'
 * share would put it over its start-up budget). Anything more goes through yargs.
 */
export function validateOnly(args: readonly string[]): string | undefined {
  const [command, file, ...rest] = args;
  const plain = file !== undefined && file !== '' && !file.startsWith('-');
  return command === 'validate' && plain && rest.length === 0 ? file : undefined;
}

/** Words into lines of at most `width` characters; a longer word is cut. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    let rest = word;
    while (rest.length > width) {
      if (line !== '') lines.push(line);
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
      line = '';
    }
    if (line === '') line = rest;
    else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/** [name, description, badges] rows: the names in a column (at most half the width). */
function table(rows: readonly (readonly [string, string, string])[], width: number): string[] {
  const column = Math.min(
    Math.max(...rows.map(([name]) => name.length)) + 2,
    Math.floor(width / 2),
  );
  const textWidth = Math.max(20, width - column);
  const out: string[] = [];
  for (const [name, text, badges] of rows) {
    const lines = text === '' ? [''] : wrap(text, textWidth);
    const last = lines.length - 1;
    const lastLine = lines[last] ?? '';
    if (badges !== '') {
      if (lastLine === '' || lastLine.length + 1 + badges.length <= textWidth) {
        lines[last] = lastLine + badges.padStart(textWidth - lastLine.length);
      } else {
        lines.push(...wrap(badges, textWidth).map((b) => b.padStart(textWidth)));
      }
    }
    const indent = ' '.repeat(column);
    const [first = '', ...more] = lines;
    // A name wider than its column gets a line of its own.
    if (name.length + 2 > column) out.push(name, indent + first);
    else out.push(name.padEnd(column) + first);
    out.push(...more.map((l) => indent + l));
  }
  return out.map((l) => l.trimEnd());
}

function optionBadges(o: OptionSpec): string {
  const parts: string[] = [];
  if (o.choices) parts.push(`[choices: ${o.choices.map((c) => JSON.stringify(c)).join(', ')}]`);
  else if (o.type) parts.push(`[${o.type}]`);
  const shown =
    o.defaultDescription ?? (o.default === undefined ? undefined : JSON.stringify(o.default));
  if (shown !== undefined) parts.push(`[default: ${shown}]`);
  return parts.join(' ');
}

function optionRows(options: Options): [string, string, string][] {
  return Object.entries(options).map(([name, o]) => [
    o.alias === undefined ? `      --${name}` : `  -${o.alias}, --${name}`,
    o.describe,
    optionBadges(o),
  ]);
}

const named = (text: string) => text.replaceAll('$0', program);

function topLevel(width: number): string[] {
  return [
    ...named(usage)
      .split('\n')
      .flatMap((line) => wrap(line, width)),
    '',
    'Commands:',
    ...table(
      commands.map((c) => [
        named(`  $0 ${c.command === '$0' ? '' : c.command}`).trimEnd(),
        c.describe,
        c.command === '$0' ? '[default]' : '',
      ]),
      width,
    ),
    '',
    'Options:',
    ...table(optionRows({ ...globalOptions, ...builtinOptions }), width),
    '',
    'Examples:',
    ...table(
      examples.map(([line, what]) => [`  ${named(line)}`, what, '']),
      width,
    ),
  ];
}

function ofCommand(c: CommandSpec, width: number): string[] {
  const positionals = c.positionals.map((p): [string, string, string] => [
    `  ${p.name}`,
    p.describe,
    p.array ? '[array] [required]' : '[string] [required]',
  ]);
  return [
    `${program} ${c.command}`,
    '',
    ...wrap(c.describe, width),
    '',
    ...(positionals.length > 0 ? ['Positionals:', ...table(positionals, width), ''] : []),
    'Options:',
    ...table(optionRows({ ...globalOptions, ...c.options, ...builtinOptions }), width),
  ];
}

/** The help for one command, or for all of them; ends with a newline. */
export function helpText(command: CommandSpec | undefined, width: number): string {
  return `${(command === undefined ? topLevel(width) : ofCommand(command, width)).join('\n')}\n`;
}

/** As wide as the terminal, at most 110 columns; 100 when stdout is not a terminal. */
export function helpWidth(columns: number | undefined): number {
  return Math.min(110, columns || 100);
}
