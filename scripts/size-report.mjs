// Prints what the package weighs: the ESM bundle, which holds all of neurite (JS, the wasm module as
// base64, and the training worker, which is the same code). `node scripts/size-report.mjs [dist-dir]`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The size budget for the whole library, JS plus wasm, gzipped. */
export const BUDGET_BYTES = 60 * 1024;

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** Raw and gzipped sizes of dist/index.js and of the wasm module inside it. */
export function measure(distDir = fileURLToPath(new URL('../dist/', import.meta.url))) {
  const js = readFileSync(join(distDir, 'index.js'));
  const base64 = /WASM_BASE64\s*=\s*"([A-Za-z0-9+/=]+)"/.exec(js.toString('latin1'))?.[1];
  if (!base64) throw new Error('size-report: no embedded wasm (WASM_BASE64) found in index.js');
  const wasm = Buffer.from(base64, 'base64');
  return { bytes: js.length, gzipBytes: gz(js), wasmBytes: wasm.length, wasmGzipBytes: gz(wasm), budgetBytes: BUDGET_BYTES };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const m = measure(process.argv[2]);
  const verdict = m.gzipBytes <= m.budgetBytes ? 'within' : 'OVER';
  console.log(`size: dist/index.js ${kb(m.bytes)}, ${kb(m.gzipBytes)} gzipped: the whole library, JS + wasm ` +
    `(wasm ${kb(m.wasmBytes)}, ${kb(m.wasmGzipBytes)} gzipped on its own); ${verdict} the ${kb(m.budgetBytes)} budget`);
}
