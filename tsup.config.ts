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

/**
 * neurite/tfjs (src/tfjs): dist/tfjs/index.js, index.cjs and browser.js, each importing the package's own build
 * of the same format (../index.js, ../index.cjs, ../browser.js) rather than holding a copy, so a page that
 * imports both loads neurite once and a page that does not import neurite/tfjs downloads none of it. Types: one
 * declaration file per module in dist/tfjs, whose nn.d.ts re-exports ../index (neurite's own).
 */
function tfjsOptions(format: 'esm' | 'cjs', browser: boolean): Options {
  const main = browser ? '../browser.js' : format === 'esm' ? '../index.js' : '../index.cjs';
  return {
    entry: { [browser ? 'tfjs/browser' : 'tfjs/index']: 'src/tfjs/index.ts' },
    format: [format],
    splitting: false,
    target: 'es2022',
    platform: 'neutral',
    clean: false,
    sourcemap: true,
    minify: browser,
    keepNames: true,
    esbuildPlugins: [{
      name: 'neurite-tfjs-main',
      setup(build) {
        build.onResolve({ filter: /^\.\.\/index$/ }, (args) => (/[\\/]src[\\/]tfjs$/.test(args.resolveDir) ? { path: main, external: true } : undefined));
      },
    }],
    // the declarations, one per module (scripts/tfjs-types.mjs), once per build
    ...(browser || format === 'cjs' ? {} : { onSuccess: async () => { (await import('./scripts/tfjs-types.mjs')).emitTfjsTypes(); } }),
  };
}

export default defineConfig([
  { ...packageOptions, dts: { entry: { index: 'src/index.ts' } } }, browserOptions,
  tfjsOptions('esm', false), tfjsOptions('cjs', false), tfjsOptions('esm', true),
]);
