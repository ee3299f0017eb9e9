import { loadCatalog } from '../scenario/catalog.js';

export async function listScenarios(json: boolean, out: NodeJS.WritableStream): Promise<number> {
  const catalog = await loadCatalog();
  if (json) {
    const list = catalog.map(({ scenario: s }) => ({
      name: s.name,
      title: s.title,
      pattern: s.pattern,
      summary: s.summary,
      aliases: s.aliases,
      tutorial: s.tutorial ?? null,
    }));
    out.write(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  for (const { scenario: s } of catalog) {
    const aliases = s.aliases.length > 0 ? `  (also: ${s.aliases.join(', ')})` : '';
    out.write(`${s.name.padEnd(18)} ${s.pattern.padEnd(20)} ${s.summary}${aliases}\n`);
  }
  out.write('\nRun one with: rabbit-lab scenario <name>\n');
  return 0;
}
