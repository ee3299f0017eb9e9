// The build's last step: the built-in scenarios, parsed, in dist/scenario/catalog.json (see
// source/scenario/catalog-index.ts), so that list and code need neither the YAML parser nor zod.
import { writeCatalogIndex } from '../dist/scenario/catalog.js';

await writeCatalogIndex(new URL('../dist/scenario/catalog.json', import.meta.url));
