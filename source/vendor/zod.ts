/**
 * The part of zod this program uses, in one module: `import * as z from '../vendor/zod.js'`.
 * The build bundles this file (scripts/bundle-vendor.mjs), so dist/vendor/zod.js holds only what
 * these exports need and zod's English messages, not the ~95 modules of zod's entry (50 of them
 * locales, which zod's every public entry re-exports). Type-checking and tsx use the package.
 */

export type { core, infer, output, RefinementCtx, ZodError } from 'zod';
export {
  array,
  boolean,
  discriminatedUnion,
  enum,
  literal,
  looseObject,
  number,
  object,
  record,
  strictObject,
  string,
  tuple,
  union,
  unknown,
} from 'zod';
