/** `rabbit-lab new <name>` and `rabbit-lab validate <file>`. */
import { writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { ScenarioError } from '../scenario/scenario-error.js';
import { starterScenario } from '../scenario/starter.js';

export async function newScenario(name: string, out: NodeJS.WritableStream): Promise<number> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || name.length > 60) {
    throw new UsageError(
      `'${name}' is not a scenario name; use lowercase letters, digits and dashes (e.g. my-work-queue).`,
    );
  }
  const file = `${name}.yaml`;
  try {
    await writeFile(file, starterScenario(name), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`${file} already exists; choose another name or remove it first.`);
    }
    throw new UsageError(`Cannot write ${file}: ${(error as Error).message}.`);
  }
  out.write(
    `Wrote ${file}, a commented starter (a work queue with two workers).\nEdit it, then: rabbit-lab validate ./${file} && rabbit-lab scenario ./${file}\n`,
  );
  return 0;
}

export async function validateScenario(
  file: string,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  // A missing file is one line; a file with problems gets every one (file:line: field: what).
  // The YAML parser and zod load here, not for `new`.
  const { loadScenarioFile } = await import('../scenario/loader.js');
  let s: Awaited<ReturnType<typeof loadScenarioFile>>;
  try {
    s = await loadScenarioFile(file);
  } catch (error) {
    if (!(error instanceof ScenarioError) || error.problems.length < 2) throw error;
    err.write(`rabbit-lab: ${error.problems.length} problems in ${file}:\n`);
    for (const problem of error.problems) err.write(`  ${problem}\n`);
    return 2;
  }
  const kinds = (kind: string) => s.actors.filter((a) => a.kind === kind).length;
  out.write(
    `✓ ${file}: ${s.name} (${s.title}), ${kinds('producer')} producer(s), ${kinds('consumer')} consumer(s), ${s.tour.length} tour step(s), checks: ${s.checks.map((c) => c.name).join(', ') || 'none'}\n`,
  );
  return 0;
}
