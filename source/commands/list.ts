import { loadCatalog } from '../scenario/catalog.js';
import { scenarioGroups } from '../scenario/groups.js';

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
      group: s.group,
    }));
    out.write(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  let first = true;
  // Columns as wide as the longest name and pattern, so summaries line up.
  const nameWidth = Math.max(...catalog.map(({ scenario }) => scenario.name.length));
  const patternWidth = Math.max(...catalog.map(({ scenario }) => scenario.pattern.length));
  for (const group of scenarioGroups) {
    const members = catalog.filter(({ scenario }) => scenario.group === group);
    if (members.length === 0) continue;
    out.write(`${first ? '' : '\n'}${group}\n`);
    first = false;
    for (const { scenario: s } of members) {
      const aliases = s.aliases.length > 0 ? `  (also: ${s.aliases.join(', ')})` : '';
      out.write(
        `${s.name.padEnd(nameWidth)}  ${s.pattern.padEnd(patternWidth)}  ${s.summary}${aliases}\n`,
      );
    }
  }
  out.write('\nRun one with: rabbit-lab scenario <name>\n');
  return 0;
}
