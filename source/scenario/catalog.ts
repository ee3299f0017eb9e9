import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromIndex, indexText } from './catalog-index.js';
import { ScenarioError } from './scenario-error.js';
import type { Scenario } from './schema.js';

/** The `scenarios/` folder shipped next to `dist/` (and next to `source/` in the repo). */
export const builtinDir = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export interface CatalogEntry {
  readonly scenario: Scenario;
  readonly file: string;
}

function scenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
}

/** Every file parsed and validated; the YAML parser and zod load only here. */
async function parseFiles(dir: string, files: readonly string[]): Promise<CatalogEntry[]> {
  const { loadScenarioFile } = await import('./loader.js');
  return Promise.all(
    files.map(async (f) => {
      const file = path.join(dir, f);
      return { scenario: await loadScenarioFile(file), file };
    }),
  );
}

/** The scenarios in `dir`, in the order of the tutorials; the built-ins from the build's index. */
export async function loadCatalog(dir: string = builtinDir): Promise<CatalogEntry[]> {
  const files = scenarioFiles(dir);
  const entries =
    (dir === builtinDir ? fromIndex(dir, files) : undefined) ?? (await parseFiles(dir, files));
  return entries.sort((a, b) => order(a.scenario) - order(b.scenario));
}

/** The build's last step: parse the built-in scenarios and write the index `loadCatalog` reads. */
export async function writeCatalogIndex(to: URL): Promise<number> {
  const entries = await parseFiles(builtinDir, scenarioFiles(builtinDir));
  writeFileSync(to, indexText(entries));
  return entries.length;
}

function order(s: Scenario): number {
  return s.tutorial ?? 100;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function looksLikePath(arg: string): boolean {
  return arg.includes('/') || arg.includes(path.sep) || /\.ya?ml$/.test(arg);
}

/** Resolve a scenario name, alias or file path into a scenario. Throws ScenarioError for the user. */
export async function resolveScenario(
  arg: string,
  catalog?: readonly CatalogEntry[],
): Promise<CatalogEntry> {
  if (looksLikePath(arg)) {
    const file = path.resolve(arg);
    const { loadScenarioFile } = await import('./loader.js');
    return { scenario: await loadScenarioFile(file), file };
  }
  const entries = catalog ?? (await loadCatalog());
  const wanted = arg.toLowerCase();
  const found = entries.find(
    (e) => e.scenario.name === wanted || e.scenario.aliases.includes(wanted),
  );
  if (found) return found;
  const names = entries.flatMap((e) => [e.scenario.name, ...e.scenario.aliases]);
  const closest = names
    .map((n) => ({ n, d: editDistance(wanted, n) }))
    .sort((a, b) => a.d - b.d)[0];
  const hint =
    closest && closest.d <= Math.max(3, Math.floor(wanted.length / 2))
      ? ` Did you mean '${entries.find((e) => e.scenario.name === closest.n || e.scenario.aliases.includes(closest.n))?.scenario.name ?? closest.n}'?`
      : '';
  throw new ScenarioError(
    `Unknown scenario '${arg}'.${hint} Run \`rabbit-lab list\` to see them all.`,
  );
}
