/**
 * What the command line accepts, as data: the options, the subcommands with their positional
 * arguments, and the examples. cli.tsx gives these to yargs to parse; help.ts prints the help
 * from them. Light on purpose: `--help` loads this and help.ts, nothing else.
 */
import { defaultMaxActors, defaultMaxRate } from './actors/config.js';
import { defaultAmqpUrl } from './broker/url.js';

export interface OptionSpec {
  readonly type?: 'string' | 'number' | 'boolean';
  readonly alias?: string;
  readonly choices?: readonly string[];
  readonly default?: string | number | boolean;
  /** What the help shows as the default instead of the value. */
  readonly defaultDescription?: string;
  readonly describe: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly describe: string;
  /** `<keys..>`: one or more. */
  readonly array?: boolean;
}

export interface CommandSpec {
  /** As yargs writes it: `code <scenario>`; `$0` is the default command. */
  readonly command: string;
  readonly describe: string;
  readonly positionals: readonly PositionalSpec[];
  /** Options of this command only. */
  readonly options?: Readonly<Record<string, OptionSpec>>;
}

/** `--url a --url b` arrives as an array: the same as `--url a,b`. */
function joinRepeated(value: string | string[]): string {
  return [value].flat().join(',');
}

/** Where the broker is and how to reach it (also `code`'s URL). */
export const brokerOptions = {
  url: {
    type: 'string',
    defaultDescription: `$RABBIT_LAB_URL or ${defaultAmqpUrl}`,
    describe:
      "AMQP URL of the broker (the path is the vhost); one with a password belongs in $RABBIT_LAB_URL, as every local user can read a command line (ps). A cluster: repeat it or separate the nodes with commas; later URLs without a user take the first one's",
    coerce: joinRepeated,
  },
  'management-url': {
    type: 'string',
    describe:
      'Management API base URL (default: the AMQP host, port 15672); for a cluster, one per node, repeated or comma-separated',
    coerce: joinRepeated,
  },
  ca: {
    type: 'string',
    default: process.env.RABBIT_LAB_CA || undefined,
    defaultDescription: '$RABBIT_LAB_CA',
    describe:
      'amqps/https: PEM file with the CA certificate(s) to trust instead of the system ones',
  },
  cert: {
    type: 'string',
    default: process.env.RABBIT_LAB_CERT || undefined,
    defaultDescription: '$RABBIT_LAB_CERT',
    describe: 'amqps/https: PEM file with a client certificate, for brokers that ask for one',
  },
  key: {
    type: 'string',
    default: process.env.RABBIT_LAB_KEY || undefined,
    defaultDescription: '$RABBIT_LAB_KEY',
    describe: "amqps/https: PEM file with the client certificate's private key",
  },
  broker: {
    choices: ['auto', 'embedded', 'cluster', 'external'],
    default: 'auto',
    describe:
      'auto: use --url, or start a private node (a private cluster for cluster scenarios) when nothing answers at the default local URL; embedded: always a private node; cluster: always a private cluster of --nodes nodes; external: never',
  },
  nodes: {
    type: 'number',
    describe: 'With --broker cluster: how many nodes the private cluster has, 3 to 5 (default 3)',
  },
} as const;

/** How a run goes: headless or on the screen, how long, how big, what it records and keeps. */
export const runOptions = {
  headless: {
    type: 'boolean',
    default: false,
    describe: 'Run without the screen and print a report',
  },
  duration: {
    type: 'number',
    describe:
      "Stop after this many seconds (headless default: 10, or to the end of a cluster scenario's tour)",
  },
  json: {
    type: 'boolean',
    default: false,
    describe: 'Headless and report: print the report as JSON',
  },
  tour: {
    type: 'boolean',
    default: true,
    describe:
      "Play the scenario's guided tour (--no-tour: drive it yourself; n still steps through it)",
  },
  'max-rate': {
    type: 'number',
    default: defaultMaxRate,
    describe:
      "Ceiling for a producer's messages per second (keyboard and scenario files), so a lab on a shared broker cannot flood it",
  },
  'max-actors': {
    type: 'number',
    default: defaultMaxActors,
    describe: 'Most producers and consumers alive at once, so a lab on a shared broker stays small',
  },
  record: {
    type: 'string',
    describe:
      "Write the run's events to this file (NDJSON; replaced if it exists); `rabbit-lab report <file>` prints its report",
  },
  'http-token': {
    type: 'string',
    describe:
      'The bearer token HTTP publish endpoints want (default: a random one per run); $RABBIT_LAB_HTTP_TOKEN keeps it out of ps',
  },
  keep: {
    type: 'boolean',
    default: false,
    describe: 'Leave the queues and exchanges this run created on the broker',
  },
} as const;

/** --help and --version, last in every list of options. */
export const builtinOptions = {
  help: { type: 'boolean', alias: 'h', describe: 'Show help' },
  version: { type: 'boolean', alias: 'v', describe: 'Show version number' },
} as const;

export const reportOptions = {
  html: {
    type: 'string',
    describe:
      'Also write the report as one self-contained HTML page (topology diagram, queue depths and rates over time, latency, checks, actors) to this file; the report still goes to stdout',
  },
} as const;

export const codeOptions = {
  lang: { type: 'string', default: 'ts', describe: 'ts (TypeScript, amqplib) or python (pika)' },
  actor: { type: 'string', describe: 'only this actor, e.g. C1' },
} as const;

export const commands: readonly CommandSpec[] = [
  { command: '$0', describe: 'Pick a scenario from a list', positionals: [] },
  {
    command: 'scenario <name>',
    describe: 'Run a scenario by name, alias or file path',
    positionals: [{ name: 'name', describe: 'e.g. hello-queue, hello, ./my-scenario.yaml' }],
  },
  { command: 'list', describe: 'List the built-in scenarios', positionals: [] },
  {
    command: 'new <name>',
    describe: 'Write a commented starter scenario file, <name>.yaml, to edit',
    positionals: [{ name: 'name', describe: 'e.g. my-work-queue' }],
  },
  {
    command: 'validate <file>',
    describe: 'Check a scenario file without running it',
    positionals: [{ name: 'file', describe: 'e.g. ./my-work-queue.yaml' }],
  },
  {
    command: 'match <binding> <keys..>',
    describe: 'Test routing keys against a topic binding key, and see why they match or not',
    positionals: [
      { name: 'binding', describe: "a topic pattern, e.g. 'kern.*'" },
      { name: 'keys', describe: 'e.g. kern.critical', array: true },
    ],
  },
  {
    command: 'report <file>',
    describe: 'Print the report of a run recorded with --record, as headless mode printed it',
    positionals: [{ name: 'file', describe: 'e.g. run.ndjson' }],
    options: reportOptions,
  },
  {
    command: 'code <scenario>',
    describe:
      'Print each actor of a scenario as a runnable program (TypeScript with amqplib or Python with pika)',
    positionals: [{ name: 'scenario', describe: 'e.g. work-queue, ./my-lab.yaml' }],
    options: codeOptions,
  },
];

export const usage =
  '$0 [scenario <name|file>] [options]\n\nA terminal lab for RabbitMQ: real producers and consumers exchanging real messages on a real broker.';

/** [command line, what it does]; `$0` is the program's name. */
export const examples: readonly (readonly [string, string])[] = [
  ['$0 scenario hello', 'Open the hello-queue scenario'],
  [
    '$0 scenario hello-queue --headless --duration 5 --json',
    'Run it without a screen and check it',
  ],
  ['$0 scenario hello --url amqps://host/lab --ca ca.pem', 'Over TLS, trusting the CA in ca.pem'],
  [
    '$0 scenario work --headless --record run.ndjson && $0 report run.ndjson',
    'Record a run, then print its report again from the record',
  ],
  [
    '$0 report run.ndjson --html report.html',
    'The recorded run as one page: topology, queues over time, latency, checks',
  ],
  ['$0 list --json', 'The built-in scenarios, for tools'],
  ['$0 code work --actor C1 --lang python', 'A worker as a Python program'],
  ['$0 new my-lab && $0 validate ./my-lab.yaml', 'Start your own scenario'],
  ["$0 match 'kern.*' kern.critical cron.info", 'Which keys a topic binding takes, and why'],
];

/** The subcommand's name: `code` for `code <scenario>`. */
export const commandName = (c: CommandSpec) => c.command.split(' ')[0] ?? c.command;
