// Prints what the package weighs. dist/browser.js is what a page loads (the "browser" export condition): all of
// neurite that can run in a browser, with the wasm module inside it as hex and the training worker, which is the
// same code. dist/index.js (Node, and bundles without that condition) adds the parts that read files through
// Node. Then each module's share of the browser build (from esbuild's metafile of the same build), and what two
// pages weigh once bundled with the package: one that uses everything, one that only loads a model and predicts.
// `node scripts/size-report.mjs [dist-dir]`.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { browserVariants } from './browser-variants.mjs';

/** The size budget for the library as a browser loads it, JS plus wasm, gzipped. */
export const BUDGET_BYTES = 132 * 1024;

const root = fileURLToPath(new URL('..', import.meta.url));
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
export function measure(distDir = join(root, 'dist')) {
  return { browser: bundle(join(distDir, 'browser.js')), node: bundle(join(distDir, 'index.js')), budgetBytes: BUDGET_BYTES };
}

/** The options of dist/browser.js (tsup.config.ts's browserOptions) as one esbuild call, for its metafile. */
const BROWSER_BUILD = {
  entryPoints: [join(root, 'src/worker/bundle.ts')], bundle: true, format: 'esm', platform: 'neutral', target: 'es2022',
  minify: true, keepNames: true, define: { __NEURITE_BROWSER__: 'true' }, plugins: [browserVariants()], write: false,
  metafile: true, logLevel: 'silent',
};

/**
 * Each source module's bytes in the minified browser build, largest first: `{ module, bytes, share }`, share of
 * the sum over modules. (Before gzip: gzip works across module boundaries, so it has no per-module size.)
 */
export async function moduleShares() {
  const { metafile } = await build(BROWSER_BUILD);
  const [output] = Object.values(metafile.outputs);
  const rows = Object.entries(output.inputs).map(([file, { bytesInOutput }]) => ({ module: relative(root, file), bytes: bytesInOutput }));
  const total = rows.reduce((a, r) => a + r.bytes, 0);
  return rows.map((r) => ({ ...r, share: r.bytes / total })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * What neurite/tfjs adds to a page, gzipped: a page importing neurite/tfjs against one importing neurite, both
 * bundled with the package's browser builds (dist/browser.js and dist/tfjs/browser.js, which imports it).
 */
export async function tfjsPageSizes(distDir = join(root, 'dist')) {
  const page = async (contents) => {
    const r = await build({
      stdin: { contents, resolveDir: root, loader: 'js' }, bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
      minify: true, write: false, logLevel: 'silent',
      alias: { 'neurite/tfjs': join(distDir, 'tfjs/browser.js'), neurite: join(distDir, 'browser.js') },
    });
    const bytes = r.outputFiles[0].contents;
    return { bytes: bytes.length, gzipBytes: gz(bytes) };
  };
  const plain = await page(PAGES.whole);
  const tfjs = await page("import * as tf from 'neurite/tfjs';\nglobalThis.tf = tf;\n");
  const both = await page("import * as tf from 'neurite/tfjs';\nimport * as nn from 'neurite';\nglobalThis.tf = tf;\nglobalThis.nn = nn;\n");
  return { plain, tfjs, both, addedGzipBytes: tfjs.gzipBytes - plain.gzipBytes };
}

/** Two pages a user might write, bundled by esbuild for the browser with the package's browser build. */
export const PAGES = {
  whole: "import * as nn from 'neurite';\nglobalThis.nn = nn;\n",
  predict: "import { loadModel, tensor } from 'neurite';\n" +
    "const model = await loadModel('indexeddb://digits');\n" +
    "document.body.textContent = String(model.predict(tensor(new Float32Array(784), [1, 784])).dataSync());\n",
};

/**
 * Minified and gzipped sizes of each page bundled against `distDir` (the package's browser build), or, with
 * `fromModules`, against the modules in src/ as the browser build resolves them: what a bundler could drop if the
 * package were plain modules. (The package is one factory function that fitInWorker starts its worker from, so
 * a bundler sees one call and keeps all of it.)
 */
export async function pageSizes(distDir = join(root, 'dist'), fromModules = false) {
  const out = {};
  for (const [name, contents] of Object.entries(PAGES)) {
    const r = await build({
      stdin: { contents, resolveDir: root, loader: 'js' }, bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
      minify: true, write: false, logLevel: 'silent',
      ...(fromModules
        // with the browser build's own options, so that only the splitting differs
        ? { alias: { neurite: join(root, 'src/index.ts') }, define: BROWSER_BUILD.define, plugins: [browserVariants()], keepNames: true }
        : { alias: { neurite: join(distDir, 'browser.js') } }),
    });
    const bytes = r.outputFiles[0].contents;
    out[name] = { bytes: bytes.length, gzipBytes: gz(bytes) };
  }
  return out;
}

/**
 * The cost of the alternative to the factory function: were the package plain modules (so that bundlers could drop
 * what a page does not use), fitInWorker could no longer start its worker from its own text, and without a file
 * for the user to locate (esbuild leaves `new URL('./worker.js', import.meta.url)` alone) the worker would have to
 * be a second, self-contained copy of the library that fitInWorker loads with import(). A page that calls
 * fitInWorker and is bundled into one file (esbuild's default, without splitting) would then carry the library
 * twice. Returns the copy's gzipped size and an estimate of that page's (the whole page from src/ plus the copy).
 */
export async function separateWorkerSizes() {
  const [copy] = (await build({ ...BROWSER_BUILD, metafile: false })).outputFiles;
  const r = await build({
    stdin: { contents: PAGES.whole, resolveDir: root, loader: 'js' }, bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    minify: true, write: false, logLevel: 'silent', alias: { neurite: join(root, 'src/index.ts') }, define: BROWSER_BUILD.define,
    plugins: [browserVariants()], keepNames: true,
  });
  const page = r.outputFiles[0].contents;
  return { workerGzipBytes: gz(copy.contents), wholeWithWorkerGzipBytes: gz(Buffer.concat([page, copy.contents])) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dist = process.argv[2];
  const { browser: b, node: n, budgetBytes } = measure(dist);
  const verdict = b.gzipBytes <= budgetBytes ? 'within' : 'OVER';
  console.log(`size: dist/browser.js ${kb(b.bytes)}, ${kb(b.gzipBytes)} gzipped: the library as a browser loads it, JS + wasm ` +
    `(wasm ${kb(b.wasmBytes)}, ${kb(b.wasmGzipBytes)} gzipped on its own); ${verdict} the ${kb(budgetBytes)} budget`);
  console.log(`size: dist/index.js ${kb(n.bytes)}, ${kb(n.gzipBytes)} gzipped: the same plus the Node-only file readers ` +
    '(file://, loadImage, loadImageFolder, loadMnist), not minified');
  const pages = await pageSizes(dist);
  const mods = await pageSizes(dist, true);
  console.log(`size: pages bundled by esbuild with the package: one that imports all of neurite ${kb(pages.whole.gzipBytes)} gzipped, ` +
    `one that only calls loadModel and predict ${kb(pages.predict.gzipBytes)} gzipped (the package is one factory function, ` +
    `which no bundler splits); from the modules in src/, they would be ${kb(mods.whole.gzipBytes)} and ${kb(mods.predict.gzipBytes)}`);
  const t = await tfjsPageSizes(dist);
  console.log(`size: neurite/tfjs adds ${kb(t.addedGzipBytes)} gzipped to a page (${kb(t.tfjs.gzipBytes)} with it, ` +
    `${kb(t.plain.gzipBytes)} with neurite alone; ${kb(t.both.gzipBytes)} importing both), within its 25 KB budget: ${t.addedGzipBytes <= 25 * 1024}`);
  const split = await separateWorkerSizes();
  console.log(`size: were the package plain modules, fitInWorker's worker would be a second copy of the library ` +
    `(${kb(split.workerGzipBytes)} gzipped) loaded with import(), and a one-file page that calls fitInWorker would weigh about ` +
    `${kb(split.wholeWithWorkerGzipBytes)} gzipped (${split.wholeWithWorkerGzipBytes <= BUDGET_BYTES ? 'within' : 'over'} the budget)`);
  const shares = await moduleShares();
  console.log('size: modules of the browser build, minified, before gzip:');
  const shown = shares.filter((r) => r.share >= 0.01);
  for (const r of shown) console.log(`  ${(r.share * 100).toFixed(1).padStart(5)} %  ${kb(r.bytes).padStart(9)}  ${r.module}`);
  const rest = shares.slice(shown.length);
  const restBytes = rest.reduce((a, r) => a + r.bytes, 0);
  console.log(`  ${((restBytes / shares.reduce((a, r) => a + r.bytes, 0)) * 100).toFixed(1).padStart(5)} %  ${kb(restBytes).padStart(9)}  ${rest.length} smaller modules`);
}
