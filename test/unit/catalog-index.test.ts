import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { builtinDir, loadCatalog } from '../../source/scenario/catalog.js';
import { fromIndex, indexText } from '../../source/scenario/catalog-index.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'rabbit-lab-index-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('the built-in catalog index', () => {
  test('a scenario through JSON is the scenario: nothing in one is lost on the way', async () => {
    for (const { scenario } of await loadCatalog()) {
      assert.deepStrictEqual(JSON.parse(JSON.stringify(scenario)), scenario, scenario.name);
    }
  });

  test('used while the files and the parser are those it was made from, and not after', async () => {
    const dir = path.join(root, 'scenarios');
    const parser = path.join(root, 'parser');
    for (const d of [dir, parser]) rmSync(d, { recursive: true, force: true });
    mkdirSync(dir);
    mkdirSync(parser);
    const files = ['fanout.yaml', 'hello-queue.yaml'];
    for (const f of files) copyFileSync(path.join(builtinDir, f), path.join(dir, f));
    for (const f of ['schema.js', 'routing-rules.js', 'loader.js']) {
      writeFileSync(path.join(parser, f), `// ${f}\n`);
    }
    const place = {
      index: pathToFileURL(path.join(root, 'catalog.json')),
      parser: pathToFileURL(`${parser}/`),
    };
    const entries = (await loadCatalog(dir)).sort((a, b) => a.file.localeCompare(b.file));
    writeFileSync(place.index, indexText(entries, place));

    assert.deepStrictEqual(fromIndex(dir, files, place), entries);
    // Another set of files.
    assert.equal(fromIndex(dir, [...files, 'work-queue.yaml'], place), undefined);
    assert.equal(fromIndex(dir, files.slice(1), place), undefined);
    // An edited scenario.
    writeFileSync(path.join(dir, 'fanout.yaml'), '# edited\n', { flag: 'a' });
    assert.equal(fromIndex(dir, files, place), undefined);
    copyFileSync(path.join(builtinDir, 'fanout.yaml'), path.join(dir, 'fanout.yaml'));
    assert.deepStrictEqual(fromIndex(dir, files, place), entries);
    // Another parser.
    writeFileSync(path.join(parser, 'schema.js'), '// changed\n');
    assert.equal(fromIndex(dir, files, place), undefined);
    // No index, or not one.
    assert.equal(
      fromIndex(dir, files, { ...place, index: pathToFileURL(`${root}/none.json`) }),
      undefined,
    );
    writeFileSync(place.index, '{"version":2}');
    assert.equal(fromIndex(dir, files, place), undefined);
  });
});
