/**
 * The part of the YAML parser this program uses, in one module (see zod.ts beside it): the build
 * bundles this file, so dist/vendor/yaml.js is one file instead of the package's ~70 modules.
 */
export { isNode, LineCounter, parseDocument } from 'yaml';
