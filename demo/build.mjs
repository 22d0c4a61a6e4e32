// Builds the demo into demo/dist: the page, its script bundled with esbuild against the built package
// (dist/browser.js, as a user's browser bundle would get it), its sources (code/, which the page links to) and
// the MNIST subset. `node demo/build.mjs`.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { writeDemoData } from '../scripts/demo-data.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The page's sources, copied to code/ for its "the code that runs this page" links. */
const CODE = ['main.ts', 'views.ts', 'pad.ts', 'digit.ts', 'chart.ts'];

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
    entryPoints: [join(here, 'main.ts')], bundle: true, format: 'esm', target: 'es2022', platform: 'browser',
    outfile: join(outDir, 'main.js'), minify: true, plugins: [useBuiltPackage], logLevel: 'warning',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(here, f), join(outDir, f));
  // the page links to the code that runs it: its own sources, served as text next to it
  mkdirSync(join(outDir, 'code'), { recursive: true });
  for (const f of CODE) copyFileSync(join(here, f), join(outDir, 'code', f));
  const data = writeDemoData(join(outDir, 'data'), train, test);
  return { outDir, data };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { outDir, data } = await buildDemo();
  const mb = Object.values(data).reduce((a, b) => a + b, 0) / 1e6;
  console.log(`demo built in ${outDir} (MNIST subset ${mb.toFixed(1)} MB)`);
}
