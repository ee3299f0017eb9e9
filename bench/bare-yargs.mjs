#!/usr/bin/env node
/**
 * The yardstick for the CLI's start-up (bench/startup.ts): a minimal yargs program with a few
 * options and a command, printing its --help. The CLI's short commands aim at ≤ 1.3 × its wall time.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

await yargs(hideBin(process.argv))
  .scriptName('bare')
  .usage('$0 [options]')
  .command('run <name>', 'Run something by name')
  .option('url', { type: 'string', describe: 'Where to connect' })
  .option('duration', { type: 'number', describe: 'How many seconds' })
  .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
  .strict()
  .help()
  .version('1.0.0')
  .parse();
