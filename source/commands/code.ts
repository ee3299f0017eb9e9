/** `rabbit-lab code <scenario> [--lang ts|python] [--actor id]`: the scenario's actors as programs. */

import { consumerConfig, producerConfig } from '../actors/config.js';
import type { ActorConfig } from '../actors/protocol.js';
import { generateProgram, parseLanguage, programFileName } from '../code/generate.js';
import { UsageError } from '../errors.js';
import { resolveScenario } from '../scenario/catalog.js';
import type { Scenario } from '../scenario/schema.js';

export interface CodeOptions {
  /** A scenario name, alias or file. */
  readonly scenario: string;
  readonly lang: string;
  readonly actor?: string;
  /** The broker URL the lab would use: its host, port and vhost become the programs' default. */
  readonly url?: string;
}

/** The scenario's actors with the ids and settings a session gives them when it starts. */
export function scenarioActors(scenario: Scenario): ActorConfig[] {
  const next = { producer: 1, consumer: 1 };
  return scenario.actors.map((spec) =>
    spec.kind === 'producer'
      ? producerConfig(`P${next.producer++}`, spec)
      : consumerConfig(`C${next.consumer++}`, spec),
  );
}

export async function printCode(options: CodeOptions, out: NodeJS.WritableStream): Promise<number> {
  const language = parseLanguage(options.lang);
  if (!language) {
    throw new UsageError(`--lang must be ts or python, not '${options.lang}'.`);
  }
  const { scenario } = await resolveScenario(options.scenario);
  const actors = scenarioActors(scenario);
  if (actors.length === 0) {
    throw new UsageError(`Scenario '${scenario.name}' has no actors to show as code.`);
  }
  const wanted = options.actor?.toUpperCase();
  const chosen = wanted === undefined ? actors : actors.filter((a) => a.id === wanted);
  if (chosen.length === 0) {
    throw new UsageError(
      `Scenario '${scenario.name}' has no actor '${options.actor}'; its actors are ${actors.map((a) => a.id).join(', ')}.`,
    );
  }
  const comment = language === 'typescript' ? '//' : '#';
  const programs = chosen.map((actor) => {
    const text = generateProgram(
      { actor, topology: scenario.topology, scenario: scenario.name, brokerUrl: options.url },
      language,
    );
    // Several programs in one output: a marker line names each file.
    return chosen.length > 1
      ? `${comment} ===== ${programFileName(actor, language)} =====\n${text}`
      : text;
  });
  out.write(programs.join('\n'));
  return 0;
}
