#!/usr/bin/env node
/**
 * The command line: parse and validate once, here, then hand typed options to the lab. Heavy
 * modules (Ink, React, amqplib) load only when a scenario runs, so --help stays fast.
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { defaultMaxActors, defaultMaxRate } from './actors/config.js';
import { defaultAmqpUrl, hasPassword } from './broker/url.js';
import { formatError, isUserError } from './errors.js';
import type { RunOptions } from './run.js';

const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

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

/** `--url a --url b` arrives as an array: the same as `--url a,b`. */
function joinRepeated(value: string | string[]): string {
  return [value].flat().join(',');
}

/** Where the broker is and how to reach it (also `code`'s URL), with their help text. */
function withBrokerOptions<T>(y: Argv<T>) {
  return y
    .option('url', {
      type: 'string',
      defaultDescription: `$RABBIT_LAB_URL or ${defaultAmqpUrl}`,
      describe:
        "AMQP URL of the broker (the path is the vhost); one with a password belongs in $RABBIT_LAB_URL, as every local user can read a command line (ps). A cluster: repeat it or separate the nodes with commas; later URLs without a user take the first one's",
      coerce: joinRepeated,
    })
    .option('management-url', {
      type: 'string',
      describe:
        'Management API base URL (default: the AMQP host, port 15672); for a cluster, one per node, repeated or comma-separated',
      coerce: joinRepeated,
    })
    .option('ca', {
      type: 'string',
      default: process.env.RABBIT_LAB_CA || undefined,
      defaultDescription: '$RABBIT_LAB_CA',
      describe:
        'amqps/https: PEM file with the CA certificate(s) to trust instead of the system ones',
    })
    .option('cert', {
      type: 'string',
      default: process.env.RABBIT_LAB_CERT || undefined,
      defaultDescription: '$RABBIT_LAB_CERT',
      describe: 'amqps/https: PEM file with a client certificate, for brokers that ask for one',
    })
    .option('key', {
      type: 'string',
      default: process.env.RABBIT_LAB_KEY || undefined,
      defaultDescription: '$RABBIT_LAB_KEY',
      describe: "amqps/https: PEM file with the client certificate's private key",
    })
    .option('broker', {
      choices: ['auto', 'embedded', 'cluster', 'external'] as const,
      default: 'auto' as const,
      describe:
        'auto: use --url, or start a private node (a private cluster for cluster scenarios) when nothing answers at the default local URL; embedded: always a private node; cluster: always a private cluster of --nodes nodes; external: never',
    })
    .option('nodes', {
      type: 'number',
      describe: 'With --broker cluster: how many nodes the private cluster has, 3 to 5 (default 3)',
    });
}

/** How a run goes: headless or on the screen, how long, how big, what it records and keeps. */
function withRunOptions<T>(y: Argv<T>) {
  return y
    .option('headless', {
      type: 'boolean',
      default: false,
      describe: 'Run without the screen and print a report',
    })
    .option('duration', {
      type: 'number',
      describe:
        "Stop after this many seconds (headless default: 10, or to the end of a cluster scenario's tour)",
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Headless and report: print the report as JSON',
    })
    .option('tour', {
      type: 'boolean',
      default: true,
      describe:
        "Play the scenario's guided tour (--no-tour: drive it yourself; n still steps through it)",
    })
    .option('max-rate', {
      type: 'number',
      default: defaultMaxRate,
      describe:
        "Ceiling for a producer's messages per second (keyboard and scenario files), so a lab on a shared broker cannot flood it",
    })
    .option('max-actors', {
      type: 'number',
      default: defaultMaxActors,
      describe:
        'Most producers and consumers alive at once, so a lab on a shared broker stays small',
    })
    .option('record', {
      type: 'string',
      describe:
        "Write the run's events to this file (NDJSON; replaced if it exists); `rabbit-lab report <file>` prints its report",
    })
    .option('http-token', {
      type: 'string',
      describe:
        'The bearer token HTTP publish endpoints want (default: a random one per run); $RABBIT_LAB_HTTP_TOKEN keeps it out of ps',
    })
    .option('keep', {
      type: 'boolean',
      default: false,
      describe: 'Leave the queues and exchanges this run created on the broker',
    });
}

/** The subcommands, with their positional arguments. */
function withCommands<T>(y: Argv<T>) {
  return y
    .command('$0', 'Pick a scenario from a list')
    .command('scenario <name>', 'Run a scenario by name, alias or file path', (y) =>
      y.positional('name', {
        type: 'string',
        describe: 'e.g. hello-queue, hello, ./my-scenario.yaml',
      }),
    )
    .command('list', 'List the built-in scenarios')
    .command('new <name>', 'Write a commented starter scenario file, <name>.yaml, to edit', (y) =>
      y.positional('name', { type: 'string', describe: 'e.g. my-work-queue' }),
    )
    .command('validate <file>', 'Check a scenario file without running it', (y) =>
      y.positional('file', { type: 'string', describe: 'e.g. ./my-work-queue.yaml' }),
    )
    .command(
      'match <binding> <keys..>',
      'Test routing keys against a topic binding key, and see why they match or not',
      (y) =>
        y
          .positional('binding', { type: 'string', describe: "a topic pattern, e.g. 'kern.*'" })
          .positional('keys', { type: 'string', array: true, describe: 'e.g. kern.critical' }),
    )
    .command(
      'report <file>',
      'Print the report of a run recorded with --record, as headless mode printed it',
      (y) =>
        y.positional('file', { type: 'string', describe: 'e.g. run.ndjson' }).option('html', {
          type: 'string',
          describe:
            'Also write the report as one self-contained HTML page (topology diagram, queue depths and rates over time, latency, checks, actors) to this file; the report still goes to stdout',
        }),
    )
    .command(
      'code <scenario>',
      'Print each actor of a scenario as a runnable program (TypeScript with amqplib or Python with pika)',
      (y) =>
        y
          .positional('scenario', { type: 'string', describe: 'e.g. work-queue, ./my-lab.yaml' })
          .option('lang', {
            type: 'string',
            default: 'ts',
            describe: 'ts (TypeScript, amqplib) or python (pika)',
          })
          .option('actor', { type: 'string', describe: 'only this actor, e.g. C1' }),
    );
}

function parser() {
  return withCommands(withRunOptions(withBrokerOptions(yargs(hideBin(process.argv)))))

    .scriptName('rabbit-lab')
    .usage(
      '$0 [scenario <name|file>] [options]\n\nA terminal lab for RabbitMQ: real producers and consumers exchanging real messages on a real broker.',
    )
    .example('$0 scenario hello', 'Open the hello-queue scenario')
    .example(
      '$0 scenario hello-queue --headless --duration 5 --json',
      'Run it without a screen and check it',
    )
    .example(
      '$0 scenario hello --url amqps://host/lab --ca ca.pem',
      'Over TLS, trusting the CA in ca.pem',
    )
    .example(
      '$0 scenario work --headless --record run.ndjson && $0 report run.ndjson',
      'Record a run, then print its report again from the record',
    )
    .example(
      '$0 report run.ndjson --html report.html',
      'The recorded run as one page: topology, queues over time, latency, checks',
    )
    .example('$0 list --json', 'The built-in scenarios, for tools')
    .example('$0 code work --actor C1 --lang python', 'A worker as a Python program')
    .example('$0 new my-lab && $0 validate ./my-lab.yaml', 'Start your own scenario')
    .example(
      "$0 match 'kern.*' kern.critical cron.info",
      'Which keys a topic binding takes, and why',
    )
    .strict()
    .help()
    .alias('h', 'help')
    .version(version)
    .alias('v', 'version')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      if (error) throw error;
      // yargs' messages have no full stop of their own.
      const sentence = message.replace(/\s*\n\s*/g, ' ').replace(/([^.!?])$/, '$1.');
      fail(`${sentence} Run \`rabbit-lab --help\` for usage.`);
    });
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

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
  const argv = await parser().parse();
  const command = String(argv._[0] ?? '');
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
