import { defineConfig, type Options } from 'tsup';
import { browserVariants } from './scripts/browser-variants.mjs';
import { factoryPlugin } from './scripts/bundle-factory';

/**
 * The package is one self-contained module per format (ESM index.js, CommonJS index.cjs) with the wasm
 * inside it, wrapped by factoryPlugin so that fitInWorker can start a worker from the library's own text.
 * The Node builds are not minified: a stack trace or an uncaught error then shows readable lines of neurite's
 * own code (`at Sequential.fit (…/dist/index.js:…)`), and with `node --enable-source-maps` the files in src/.
 * Names are kept (esbuild keepNames), so `console.log(model)` says `Sequential` in every build. Source maps
 * ship next to each bundle. Tests build the same JS into a temporary folder from these options.
 */
export const packageOptions: Options = {
  entry: { index: 'src/worker/bundle.ts' },
  format: ['esm', 'cjs'],
  // one file per format: the factory must hold all of the library (dynamic import()s of our own modules
  // are inlined rather than split into chunks)
  splitting: false,
  target: 'es2022',
  platform: 'neutral',
  // `npm run build` empties dist/ first; the two builds below write side by side
  clean: false,
  sourcemap: true,
  minify: false,
  keepNames: true,
  plugins: [factoryPlugin()],
};

/**
 * dist/browser.js, what the package's "browser" export condition resolves to: the same library with the
 * parts that read files through Node replaced by stand-ins that say so (scripts/browser-variants.mjs).
 */
export const browserOptions: Options = {
  ...packageOptions,
  entry: { browser: 'src/worker/bundle.ts' },
  format: ['esm'],
  esbuildPlugins: [browserVariants()],
  // drops the branches that start Node workers or read Node's core count (see src/worker/platform.ts)
  define: { __NEURITE_BROWSER__: 'true' },
  // what a page downloads: fully minified (whitespace, syntax, local names), names of classes and functions kept
  minify: true,
};

export default defineConfig([{ ...packageOptions, dts: { entry: { index: 'src/index.ts' } } }, browserOptions]);
