// A build step after tsc: dist/vendor/zod.js and yaml.js, which tsc wrote as re-exports of the
// packages, become esbuild bundles of what they export (source/vendor/zod.ts says why). Node
// then loads one file for each instead of some 170 modules when a scenario file is parsed.
import { build } from 'esbuild';

const common = {
  absWorkingDir: new URL('..', import.meta.url).pathname,
  outdir: 'dist/vendor',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Not minified: the bundles stay readable in a stack trace, and minified ones measured no faster.
  legalComments: 'eof',
  // The module names in the bundles' comments stay node_modules/…, wherever node_modules lives.
  preserveSymlinks: true,
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['source/vendor/zod.ts'] });
// yaml's node build is CommonJS, and it requires node:process and node:buffer.
await build({
  ...common,
  entryPoints: ['source/vendor/yaml.ts'],
  banner: {
    js: "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);",
  },
});
