/**
 * The built-in scenarios, parsed and validated at build time (scripts/catalog-index.mjs writes
 * dist/scenario/catalog.json), so that `list`, `code <name>` and the picker need neither the YAML
 * parser nor zod: together about 150 ms of start-up. The index is used only while it matches:
 * the same files with the same contents (SHA-256), parsed by the same compiled parser; anything
 * else, e.g. a scenario edited after the build or the sources run by tsx, parses the files.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Scenario } from './schema.js';

/** Where the index is, and the folder of the compiled parser it was made with. */
export interface IndexPlace {
  readonly index: URL;
  readonly parser: URL;
}

const beside: IndexPlace = {
  index: new URL('./catalog.json', import.meta.url),
  parser: new URL('./', import.meta.url),
};

/** The compiled files whose change could change a parsed scenario. */
const parserFiles = ['schema.js', 'routing-rules.js', 'loader.js'];

interface IndexEntry {
  readonly file: string;
  readonly sha256: string;
  readonly scenario: Scenario;
}

interface CatalogIndex {
  readonly version: 1;
  readonly parser: string;
  readonly entries: readonly IndexEntry[];
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** The parser's own fingerprint; undefined when it is not compiled JavaScript next to this file. */
function parserHash(dir: URL): string | undefined {
  try {
    return sha256(parserFiles.map((f) => readFileSync(new URL(f, dir))).join('\n'));
  } catch {
    return undefined;
  }
}

function isIndex(value: unknown): value is CatalogIndex {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<CatalogIndex>;
  return v.version === 1 && typeof v.parser === 'string' && Array.isArray(v.entries);
}

/** The scenarios of `files` (names in `dir`) from the index, or undefined if it does not match. */
export function fromIndex(
  dir: string,
  files: readonly string[],
  place: IndexPlace = beside,
): { scenario: Scenario; file: string }[] | undefined {
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(place.index, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isIndex(index) || index.entries.length !== files.length) return undefined;
  if (index.parser !== parserHash(place.parser)) return undefined;
  const found: { scenario: Scenario; file: string }[] = [];
  for (const [i, name] of files.entries()) {
    const entry = index.entries[i];
    const file = path.join(dir, name);
    if (entry?.file !== name) return undefined;
    try {
      if (sha256(readFileSync(file)) !== entry.sha256) return undefined;
    } catch {
      return undefined;
    }
    found.push({ scenario: entry.scenario, file });
  }
  return found;
}

/** The index's text for these parsed files (as the build writes it). */
export function indexText(
  entries: readonly { scenario: Scenario; file: string }[],
  place: IndexPlace = beside,
): string {
  const parser = parserHash(place.parser);
  if (parser === undefined) throw new Error('the catalog index is built from the compiled parser');
  const index: CatalogIndex = {
    version: 1,
    parser,
    entries: entries.map(({ scenario, file }) => ({
      file: path.basename(file),
      sha256: sha256(readFileSync(file)),
      scenario,
    })),
  };
  return `${JSON.stringify(index)}\n`;
}
