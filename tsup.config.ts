import { defineConfig } from 'tsup';
import { factoryPlugin } from './scripts/bundle-factory';

// The package is one self-contained module per format (ESM index.js, CommonJS index.cjs) with the wasm
// inside it, wrapped by factoryPlugin so that fitInWorker can start a worker from the library's own text.
// Whitespace and syntax are minified for size; identifiers keep their names (readable stacks, error names).
export default defineConfig({
  entry: { index: 'src/worker/bundle.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  target: 'es2022',
  platform: 'neutral',
  clean: true,
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [factoryPlugin()],
});
