// Builds the demo into demo/dist: the pages (index.html: MNIST; teach.html: "teach it"), their scripts bundled
// with esbuild against the built package (dist/browser.js, as a user's browser bundle would get it), their sources
// (code/, which the pages link to), the MNIST subset, and the "teach it" page's base network, trained here with
// the built package (dist/index.js) on drawn shapes and saved in teach/base/. `node demo/build.mjs`.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { writeDemoData } from '../scripts/demo-data.mjs';
import { trainTeachBase } from './teach-base.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The page's sources, copied to code/ for its "the code that runs this page" links. */
const CODE = ['main.ts', 'views.ts', 'pad.ts', 'digit.ts', 'chart.ts', 'teach.ts', 'teach-base.mjs', 'shapes.mjs'];

/**
 * outDir: where the site goes; packageDir: the folder whose dist/browser.js is the neurite to bundle
 * (default: this repository); train/test: how many MNIST images the subset keeps.
 */
export async function buildDemo({ outDir = join(here, 'dist'), packageDir = resolve(here, '..'), train, test } = {}) {
  const entry = join(packageDir, 'dist', 'browser.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  mkdirSync(outDir, { recursive: true });
  const useBuiltPackage = {
    name: 'neurite-from-dist',
    setup(b) { b.onResolve({ filter: /^neurite$/ }, () => ({ path: entry })); },
  };
  await esbuild.build({
    entryPoints: { main: join(here, 'main.ts'), teach: join(here, 'teach.ts') }, bundle: true, format: 'esm', target: 'es2022',
    platform: 'browser', outdir: outDir, minify: true, plugins: [useBuiltPackage], logLevel: 'warning',
  });
  for (const f of ['index.html', 'teach.html', 'style.css', 'teach.css']) copyFileSync(join(here, f), join(outDir, f));
  // the "teach it" page's base: trained with the built package, saved as model.json + weights, described in info.json
  const nn = await import(pathToFileURL(join(packageDir, 'dist', 'index.js')).href);
  const baseDir = join(outDir, 'teach', 'base');
  mkdirSync(baseDir, { recursive: true });
  const base = await trainTeachBase(nn, baseDir);
  writeFileSync(join(baseDir, 'info.json'), `${JSON.stringify(base)}\n`);
  // the page links to the code that runs it: its own sources, served as text next to it
  mkdirSync(join(outDir, 'code'), { recursive: true });
  for (const f of CODE) copyFileSync(join(here, f), join(outDir, 'code', f));
  const data = writeDemoData(join(outDir, 'data'), train, test);
  return { outDir, data, base };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { outDir, data, base } = await buildDemo();
  const mb = Object.values(data).reduce((a, b) => a + b, 0) / 1e6;
  console.log(`demo built in ${outDir} (MNIST subset ${mb.toFixed(1)} MB; teach-it base ${base.params} weights, ` +
    `${(100 * base.accuracy).toFixed(0)} % on held-out shapes)`);
}
