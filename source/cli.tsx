#!/usr/bin/env node
/**
 * The command line: parse and validate once, here, then hand typed options to the lab. What it
 * accepts is in cli-spec.ts. `--help`, `--version` and a bare `validate <file>` are answered
 * before yargs loads (help.ts); heavy modules (Ink, React, amqplib) load only when a scenario runs.
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { defaultAmqpUrl, hasPassword } from './broker/url.js';
import {
  brokerOptions,
  builtinOptions,
  commandName,
  commands,
  type OptionSpec,
  runOptions,
} from './cli-spec.js';
import { formatError, isUserError } from './errors.js';
import { earlyRequest, helpText, helpWidth, validateOnly } from './help.js';
import type { RunOptions } from './run.js';

function version(): string {
  const { version } = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return version;
}

/**
 * Every local user can read another's command line (ps, /proc/<pid>/cmdline), but not its
 * environment: a secret given as an option gets a pointer to the variable that keeps it private.
 */
function secretsNotice(urlPassword: boolean, token: boolean): string | undefined {
  if (!urlPassword && !token) return undefined;
  const what = [
    ...(urlPassword ? ['the password in --url'] : []),
    ...(token ? ['the token in --http-token'] : []),
  ];
  const where = [
    ...(urlPassword ? ['RABBIT_LAB_URL'] : []),
    ...(token ? ['RABBIT_LAB_HTTP_TOKEN'] : []),
  ];
  return `${what.join(' and ')} can be read by every user of this machine (ps shows command lines); set ${where.join(' and ')} instead.`;
}

function fail(message: string): never {
  process.stderr.write(`rabbit-lab: ${message}\n`);
  process.exit(2);
}

/** The options as yargs gets them: hidden from the help it renders for itself (help.ts prints ours). */
function hidden<T extends Readonly<Record<string, OptionSpec>>>(
  options: T,
): { [K in keyof T]: T[K] & { hidden: true } } {
  return Object.fromEntries(
    Object.entries(options).map(([key, spec]) => [key, { ...spec, hidden: true }]),
  ) as { [K in keyof T]: T[K] & { hidden: true } };
}

function withCommands<T>(y: Argv<T>): Argv<T> {
  for (const spec of commands) {
    y = y.command(spec.command, false, (c) => {
      for (const p of spec.positionals) {
        c.positional(p.name, { type: 'string', ...(p.array ? { array: true } : {}) });
      }
      return spec.options ? c.options(hidden(spec.options)) : c;
    });
  }
  return y;
}

/**
 * yargs parses and checks; it never prints help (earlyRequest and the help option below do), and
 * with wrap(null) the help it renders for itself before a subcommand runs costs little.
 */
async function parser() {
  const { default: yargs } = await import('yargs');
  const { hideBin } = await import('yargs/helpers');
  const y = yargs(hideBin(process.argv))
    .help(false)
    .version(false)
    .options(hidden(brokerOptions))
    .options(hidden(runOptions))
    .options(hidden(builtinOptions));
  return withCommands(y)
    .scriptName('rabbit-lab')
    .strict()
    .wrap(null)
    .fail((message, error) => {
      if (error) throw error;
      // yargs' messages have no full stop of their own.
      const sentence = message.replace(/\s*\n\s*/g, ' ').replace(/([^.!?])$/, '$1.');
      fail(`${sentence} Run \`rabbit-lab --help\` for usage.`);
    });
}

/** Prints the help or the version when that is what the arguments ask for; true if it did. */
function answeredEarly(request: ReturnType<typeof earlyRequest>): boolean {
  if (request === undefined) return false;
  process.stdout.write(
    request.kind === 'help'
      ? helpText(request.command, helpWidth(process.stdout.columns))
      : `${version()}\n`,
  );
  return true;
}

type Args = Awaited<ReturnType<Awaited<ReturnType<typeof parser>>['parse']>>;

/** Every subcommand but a run; true when it ran (its exit code is set). */
async function subcommand(command: string, argv: Args, url: string): Promise<boolean> {
  if (command === 'list') {
    const { listScenarios } = await import('./commands/list.js');
    process.exit(await listScenarios(argv.json, process.stdout));
  }

  if (command === 'new' || command === 'validate') {
    const tools = await import('./commands/scenario-tools.js');
    process.exit(
      command === 'new'
        ? await tools.newScenario(String(argv.name), process.stdout)
        : await tools.validateScenario(String(argv.file), process.stdout),
    );
  }

  if (command === 'match') {
    const { matchKeys } = await import('./commands/match.js');
    const keys = (argv.keys as unknown[] | undefined)?.map(String) ?? [];
    process.exit(matchKeys(String(argv.binding), keys, process.stdout));
  }

  if (command === 'report') {
    const html = argv.html as string | undefined;
    if (html !== undefined && html.trim() === '') {
      fail('--html needs a file name, e.g. --html report.html.');
    }
    const { reportCommand } = await import('./commands/report.js');
    process.exit(
      await reportCommand(String(argv.file), argv.json, process.stdout, process.stderr, {
        ...(html === undefined ? {} : { html }),
      }),
    );
  }

  if (argv.record !== undefined && argv.record.trim() === '') {
    fail('--record needs a file name, e.g. --record run.ndjson.');
  }

  if (command === 'code') {
    const { printCode } = await import('./commands/code.js');
    // exitCode, not exit(): a long program on a pipe is written out in full first.
    process.exitCode = await printCode(
      {
        scenario: String(argv.scenario),
        lang: String(argv.lang),
        actor: argv.actor === undefined ? undefined : String(argv.actor),
        url,
      },
      process.stdout,
    );
    return true;
  }
  return false;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (answeredEarly(earlyRequest(args))) return;
  const file = validateOnly(args);
  if (file !== undefined) {
    const { validateScenario } = await import('./commands/scenario-tools.js');
    process.exit(await validateScenario(file, process.stdout));
  }
  const argv = await (await parser()).parse();
  const command = String(argv._[0] ?? '');
  // What earlyRequest does not see, e.g. -hv or --help=true.
  if (argv.help || argv.version) {
    const named = commands.find((c) => c.command !== '$0' && commandName(c) === command);
    answeredEarly(argv.help ? { kind: 'help', command: named } : { kind: 'version' });
    return;
  }
  // Not a yargs default: whether the URL came from the command line matters (secretsNotice).
  const url = argv.url ?? (process.env.RABBIT_LAB_URL || defaultAmqpUrl);

  if (await subcommand(command, argv, url)) return;

  if (argv.duration !== undefined && !(argv.duration > 0 && argv.duration <= 86_400)) {
    fail('--duration must be a number of seconds between 0 and 86400.');
  }

  const maxRate = argv['max-rate'];
  if (!(maxRate > 0 && maxRate <= 1_000_000)) {
    fail('--max-rate must be a number of messages per second between 0 and 1000000.');
  }

  const maxActors = argv['max-actors'];
  if (!(Number.isInteger(maxActors) && maxActors >= 1 && maxActors <= 1000)) {
    fail('--max-actors must be a whole number between 1 and 1000.');
  }

  const httpToken = argv['http-token'] ?? (process.env.RABBIT_LAB_HTTP_TOKEN || undefined);
  if (httpToken !== undefined && !/^[\x21-\x7e]{8,200}$/.test(httpToken)) {
    fail('--http-token must be 8 to 200 printable characters without spaces.');
  }

  const nodes = argv.nodes;
  if (nodes !== undefined) {
    if (argv.broker === 'embedded' || argv.broker === 'external') {
      fail(
        `--nodes sizes a private cluster; use it with --broker cluster, not --broker ${argv.broker}.`,
      );
    }
    const { clusterSizeProblem } = await import('./broker/embedded/cluster.js');
    const problem = clusterSizeProblem(nodes);
    if (problem !== undefined) fail(problem);
  }

  const { readTlsMaterial } = await import('./broker/tls.js');
  const tls = readTlsMaterial({ ca: argv.ca, cert: argv.cert, key: argv.key });

  const options: RunOptions = {
    scenario: command === 'scenario' ? String(argv.name) : undefined,
    url,
    managementUrl: argv['management-url'],
    tls,
    broker: argv.broker,
    ...(nodes === undefined ? {} : { nodes }),
    headless: argv.headless,
    durationMs: argv.duration === undefined ? undefined : argv.duration * 1000,
    json: argv.json,
    keep: argv.keep,
    tour: argv.tour,
    maxRate,
    maxActors,
    record: argv.record,
    httpToken,
    secretsNotice: secretsNotice(
      argv.url !== undefined && hasPassword(argv.url),
      argv['http-token'] !== undefined,
    ),
  };
  // React's development build costs several times the CPU per frame; users run the product.
  process.env.NODE_ENV ??= 'production';
  // https://no-color.org: chalk (and so Ink) reads FORCE_COLOR but not NO_COLOR. Bold and dim
  // stay: they are not colours.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
  const { run } = await import('./run.js');
  process.exitCode = await run(options);
}

main().catch((error: unknown) => {
  process.stderr.write(`${formatError(error)}\n`);
  process.exit(isUserError(error) ? 2 : 1);
});
