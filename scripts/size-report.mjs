// Prints what the package weighs. dist/browser.js is what a page loads (the "browser" export condition): all of
// neurite that can run in a browser, with the wasm module inside it as hex and the training worker, which is the
// same code. dist/index.js (Node, and bundles without that condition) adds the parts that read files through
// Node. `node scripts/size-report.mjs [dist-dir]`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The size budget for the library as a browser loads it, JS plus wasm, gzipped. */
export const BUDGET_BYTES = 120 * 1024;

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** Raw and gzipped sizes of one bundle and of the wasm module inside it. */
function bundle(file) {
  const js = readFileSync(file);
  const hex = /"((?:[0-9a-f]{2}){1000,})"/.exec(js.toString('latin1'))?.[1];
  if (!hex) throw new Error(`size-report: no embedded wasm (a long hex string) found in ${file}`);
  const wasm = Buffer.from(hex, 'hex');
  return { bytes: js.length, gzipBytes: gz(js), wasmBytes: wasm.length, wasmGzipBytes: gz(wasm) };
}

/** Sizes of dist/browser.js (against the budget) and dist/index.js. */
export function measure(distDir = fileURLToPath(new URL('../dist/', import.meta.url))) {
  return { browser: bundle(join(distDir, 'browser.js')), node: bundle(join(distDir, 'index.js')), budgetBytes: BUDGET_BYTES };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { browser: b, node: n, budgetBytes } = measure(process.argv[2]);
  const verdict = b.gzipBytes <= budgetBytes ? 'within' : 'OVER';
  console.log(`size: dist/browser.js ${kb(b.bytes)}, ${kb(b.gzipBytes)} gzipped: the library as a browser loads it, JS + wasm ` +
    `(wasm ${kb(b.wasmBytes)}, ${kb(b.wasmGzipBytes)} gzipped on its own); ${verdict} the ${kb(budgetBytes)} budget`);
  console.log(`size: dist/index.js ${kb(n.bytes)}, ${kb(n.gzipBytes)} gzipped: the same plus the Node-only file readers ` +
    '(file://, loadImage, loadImageFolder, loadMnist)');
}
