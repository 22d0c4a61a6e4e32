import { defineConfig, type Options } from 'tsup';
import { factoryPlugin } from './scripts/bundle-factory';

/**
 * The package is one self-contained module per format (ESM index.js, CommonJS index.cjs) with the wasm
 * inside it, wrapped by factoryPlugin so that fitInWorker can start a worker from the library's own text.
 * Whitespace and syntax are minified for size; identifiers keep their names (readable stacks, error names).
 * Tests build the same JS into a temporary folder from these options.
 */
export const packageOptions: Options = {
  entry: { index: 'src/worker/bundle.ts' },
  format: ['esm', 'cjs'],
  // one file per format: the factory must hold all of the library (dynamic import()s of our own modules
  // are inlined rather than split into chunks)
  splitting: false,
  target: 'es2022',
  platform: 'neutral',
  clean: true,
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [factoryPlugin()],
};

export default defineConfig({ ...packageOptions, dts: { entry: { index: 'src/index.ts' } } });
