// neurite in a real browser (Debian's headless Chromium through playwright-core): the package loads by its
// bare name through every packaging path and reports the wasm SIMD backend; weights after a seeded fit are
// bit-identical in Chromium and in Node; without SIMD it falls back to js with one notice; the demo page
// trains in a worker without stalling the page, shows its test digits, confusion matrix and first layer, reads
// a drawn digit as the model trains, and trains what its controls say; the "teach it" page learns three named
// classes from picture files on its frozen base and reads unseen pictures.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawShape, rng } from '../demo/shapes.mjs';
import * as nn from '../src/index';
import { buildPackage, copyFixtures, launchChromium, root, serve, type Served } from './browser/harness';
import { rgbPng } from './image-helpers';

interface ThreadsResult { threads: number; hash: string; isolated: boolean }

type Hashes = Record<'mlp' | 'cnn' | 'graph', { fit: string; worker?: string; loss: number[] }>;
interface PathResult {
  backend: string; simd: boolean; isError: boolean; errorName: string; hashes: Hashes; exports: string[]; nodeOnly: string;
  error?: string;
}

const ARTIFACTS = join(root, 'test/browser/artifacts');
const IMPORT_MAP = '<script type="importmap">{ "imports": { "neurite": "/node_modules/neurite/dist/browser.js" } }</script>';
const page = (body: string, head = '') => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${head}</head><body>${body}</body></html>`;

let project = '';
let app = '';
let server: Served;
let browser: Browser;
/** Hashes from Node, for each backend: the reference every browser result must equal; and Node's export names. */
let node: Record<'wasm' | 'js', Hashes> & { exports: string[]; threads: ThreadsResult[] };
/** Output of each bundler, to check for node: modules. */
const bundles: Record<string, string> = {};

async function bundleWithEsbuild(): Promise<void> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: { entry: join(app, 'entry.js'), worker: join(app, 'worker-entry.js') }, bundle: true, format: 'esm',
    platform: 'browser', target: 'es2022', outdir: join(app, 'esbuild'), metafile: true, logLevel: 'silent',
  });
  const inputs = Object.keys(out.metafile.inputs);
  expect(inputs.filter((f) => f.startsWith('node:'))).toEqual([]);
  bundles.esbuild = readFileSync(join(app, 'esbuild/entry.js'), 'utf8');
  writeFileSync(join(app, 'esbuild.html'), page('<script type="module" src="/app/esbuild/entry.js"></script>'));
  writeFileSync(join(app, 'worker.html'), page(`<script type="module">
    const worker = new Worker('/app/esbuild/worker.js', { type: 'module' });
    worker.onmessage = (e) => { window.__result = e.data; };
    worker.onerror = (e) => { window.__result = { error: e.message }; };
  </script>`));
}

async function bundleWithVite(): Promise<void> {
  const vite = await import('vite');
  writeFileSync(join(app, 'index.html'), page('<script type="module" src="./entry.js"></script>'));
  await vite.build({
    root: app, base: './', configFile: false, logLevel: 'silent',
    build: { outDir: join(app, 'vite'), emptyOutDir: true },
  });
  const dir = join(app, 'vite/assets');
  bundles.vite = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
}

async function bundleWithWebpack(): Promise<void> {
  const { default: webpack } = await import('webpack');
  const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
    webpack({
      mode: 'production', context: app, entry: './entry.js', target: 'web', performance: { hints: false },
      output: { path: join(app, 'webpack'), filename: 'main.js' },
    }, (err, s) => (err || !s ? reject(err) : resolve(s)));
  });
  const info = stats.toJson({ all: false, errors: true, warnings: true, modules: true });
  expect(info.errors ?? []).toEqual([]);
  expect(info.warnings ?? []).toEqual([]);
  expect((info.modules ?? []).map((m) => m.name ?? '').filter((n) => /node:|^external /.test(n))).toEqual([]);
  bundles.webpack = readFileSync(join(app, 'webpack/main.js'), 'utf8');
  writeFileSync(join(app, 'webpack.html'), page('<script src="/app/webpack/main.js"></script>'));
}

/** Opens a page, waits for window.__result; also returns the console messages. */
async function run<T>(path: string, init?: (p: Page) => Promise<void>): Promise<{ result: T & { error?: string }; console: string[]; page: Page }> {
  const p = await browser.newPage();
  const messages: string[] = [];
  p.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  p.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  if (init) await init(p);
  await p.goto(`${server.url}${path}`);
  await p.waitForFunction('window.__result !== undefined', null, { timeout: 45_000 });
  const result = await p.evaluate('window.__result') as T & { error?: string };
  return { result, console: messages, page: p };
}

/** The input the served model predicts, in the page and in Node. */
const SERVED_X = Array.from({ length: 2 * 6 * 6 * 2 }, (_, i) => Math.sin(i * 0.37));
/** The served model's predictions in Node (wasm), from its folder. */
let servedInNode: number[] = [];
let servedShards = 0;

/** A seeded convolutional model saved by neurite, its weights cut into 200-byte shards as the converter lays them. */
async function writeServedModel(folder: string): Promise<void> {
  await nn.setBackend('wasm');
  const m = nn.sequential({ seed: 5, layers: [nn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }),
    nn.layers.flatten(), nn.layers.dense({ units: 3, activation: 'softmax' })] });
  await m.save(`file://${folder}`);
  const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
  const [file] = json.weightsManifest[0].paths;
  const bytes = readFileSync(join(folder, file));
  rmSync(join(folder, file));
  const paths: string[] = [];
  const n = Math.ceil(bytes.length / 200);
  for (let i = 0; i < n; i++) {
    paths.push(`group1-shard${i + 1}of${n}.bin`);
    writeFileSync(join(folder, paths[i]), bytes.subarray(200 * i, 200 * (i + 1)));
  }
  json.weightsManifest[0].paths = paths;
  writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
  servedShards = n;
  const back = await nn.loadModel(`file://${folder}`);
  servedInNode = Array.from((back.predict(nn.tensor(SERVED_X, [2, 6, 6, 2])) as nn.Tensor).data);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  project = await buildPackage();
  app = join(project, 'app');
  copyFixtures(app, ['app.js', 'entry.js', 'identity.js', 'threads.js', 'worker-entry.js']);
  await Promise.all([bundleWithEsbuild(), bundleWithVite(), bundleWithWebpack()]);
  writeFileSync(join(app, 'plain.html'), page('<script type="module" src="/app/entry.js"></script>', IMPORT_MAP));
  writeFileSync(join(app, 'identity.html'), page(`<script type="module">
    import * as nn from 'neurite';
    import { identity } from '/app/identity.js';
    try {
      window.__result = { wasm: await identity(nn, 'wasm', { worker: true }), js: await identity(nn, 'js', { worker: true }) };
    } catch (e) { window.__result = { error: String(e.stack) }; }
  </script>`, IMPORT_MAP));
  // Node: the same module, the same package, in a plain node process (fitInWorker uses a worker_thread)
  for (const name of ['threads-isolated', 'threads-plain']) {
    writeFileSync(join(app, `${name}.html`), page(`<script type="module">
      import * as nn from 'neurite';
      import { threadsRun } from '/app/threads.js';
      try { window.__result = { ...await threadsRun(nn, 2), isolated: crossOriginIsolated }; }
      catch (e) { window.__result = { error: String(e.stack) }; }
    </script>`, IMPORT_MAP));
  }
  // every Worker the page starts is kept, so that the test can end the pool's worker from outside
  writeFileSync(join(app, 'threads-kill.html'), page(`<script>
      window.__workers = [];
      const Base = Worker;
      window.Worker = class extends Base { constructor(...a) { super(...a); window.__workers.push(this); } };
    </script><script type="module">
      import * as nn from 'neurite';
      import { threadsKill } from '/app/threads.js';
      try { window.__result = await threadsKill(nn, window.__workers); }
      catch (e) { window.__result = { error: String(e.stack) }; }
    </script>`, IMPORT_MAP));
  const script = `import * as nn from ${JSON.stringify(pathToFileURL(join(project, 'node_modules/neurite/dist/index.js')).href)};
    import { identity } from ${JSON.stringify(pathToFileURL(join(app, 'identity.js')).href)};
    import { threadsRun } from ${JSON.stringify(pathToFileURL(join(app, 'threads.js')).href)};
    console.log(JSON.stringify({ wasm: await identity(nn, 'wasm', { worker: true }), js: await identity(nn, 'js', { worker: true }),
      exports: Object.keys(nn).sort(), threads: [await threadsRun(nn, 1), await threadsRun(nn, 2)] }));`;
  node = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  await writeServedModel(join(app, 'served-model'));
  writeFileSync(join(app, 'http-load.html'), page(`<script type="module">
    import * as nn from 'neurite';
    try {
      const fractions = [];
      const model = await nn.loadModel(new URL('/app/served-model/model.json', location.href).href, { onProgress: (f) => fractions.push(f) });
      const out = Array.from(model.predict(nn.tensor(${JSON.stringify(SERVED_X)}, [2, 6, 6, 2])).data);
      const missing = await nn.loadModel(new URL('/app/no-model/model.json', location.href).href).then(() => 'loaded', (e) => e.name + ': ' + e.message);
      window.__result = { out, fractions, missing, backend: nn.getBackend() };
    } catch (e) { window.__result = { error: String(e.stack) }; }
  </script>`, IMPORT_MAP));
  server = await serve({ '/': project }, ['/app/threads-isolated.html', '/app/threads-kill.html']);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('packaging paths', () => {
  const paths: [string, string][] = [
    ['a plain <script type="module"> with an import map, no bundler', '/app/plain.html'],
    ['an esbuild bundle', '/app/esbuild.html'],
    ['a Vite build', '/app/vite/index.html'],
    ['a webpack 5 bundle', '/app/webpack.html'],
    ['a module Web Worker (esbuild bundle)', '/app/worker.html'],
  ];
  it.each(paths)('%s: loads neurite with the wasm SIMD backend and trains, in the page and in fitInWorker', async (_, path) => {
    const { result, console: messages, page: p } = await run<PathResult>(path);
    await p.close();
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ backend: 'wasm', simd: true, isError: true, errorName: 'ShapeError' });
    // the browser build (dist/browser.js): the same public names as Node's, with the file readers as stand-ins
    expect(result.exports).toEqual(node.exports);
    expect(result.nodeOnly).toMatch(/^ValueError: loadMnist reads files and needs Node\.js; in a browser /);
    // same bits as Node, on this thread and through the training worker
    expect(result.hashes.mlp.fit).toBe(node.wasm.mlp.fit);
    expect(result.hashes.mlp.worker).toBe(node.wasm.mlp.fit);
    expect(messages.filter((m) => /^(error|pageerror|warning)/.test(m))).toEqual([]);
  });

  it('bundles hold no import of a node: module', () => {
    expect(Object.keys(bundles).sort()).toEqual(['esbuild', 'vite', 'webpack']);
    for (const [name, code] of Object.entries(bundles)) {
      const staticNode = /\bfrom\s*["']node:|\brequire\(\s*["']node:|\bimport\(\s*["']node:|^\s*import\s*["']node:/m;
      expect(staticNode.test(code), `${name} bundle imports a node: module`).toBe(false);
    }
  });
});

describe('same bits everywhere', () => {
  it('weights after a seeded fit hash the same in Chromium and Node (MLP, CNN and a graph model, wasm and js, in the page and in a worker)', async () => {
    const { result, page: p } = await run<Record<'wasm' | 'js', Hashes>>('/app/identity.html');
    await p.close();
    expect(result.error).toBeUndefined();
    for (const backend of ['wasm', 'js'] as const) {
      for (const model of ['mlp', 'cnn', 'graph'] as const) {
        const here = result[backend][model];
        const there = node[backend][model];
        expect(here.fit, `${backend} ${model}`).toMatch(/^[0-9a-f]{64}$/);
        expect(here.fit, `${backend} ${model}: Chromium vs Node`).toBe(there.fit);
        expect(here.worker, `${backend} ${model}: Chromium worker vs Node`).toBe(there.fit);
        expect(there.worker, `${backend} ${model}: Node worker vs Node`).toBe(there.fit);
        if (backend === 'wasm') {
          expect(here.loss, `${backend} ${model}: loss history`).toEqual(there.loss);
        } else {
          // The js backend's losses are f64 sums over Math.log/Math.exp, and V8 versions differ in the last bit
          // of those (Node 20 vs this Chromium: about 1 value in 10); rounded to f32, as the weights are, they
          // agree, hence the equal hashes above. The wasm backend brings its own math: exact everywhere.
          here.loss.forEach((v, i) => expect(Math.abs(v - there.loss[i])).toBeLessThanOrEqual(1e-12 * Math.abs(v)));
        }
        expect(here.loss[2]).toBeLessThan(here.loss[0]);
      }
    }
  });
});

describe('loading over http', () => {
  it('a page loads a sharded model from its server by URL: Node\'s predictions bit for bit, progress up to exactly 1, a 404 named', async () => {
    const { result, page: p } = await run<{ out: number[]; fractions: number[]; missing: string; backend: string }>('/app/http-load.html');
    await p.close();
    expect(result.error).toBeUndefined();
    expect(servedShards).toBeGreaterThan(3);
    expect(result.backend).toBe('wasm');
    expect(result.out).toEqual(servedInNode);
    expect(result.fractions.length).toBeGreaterThanOrEqual(servedShards);
    expect(result.fractions.at(-1)).toBe(1);
    for (let i = 1; i < result.fractions.length; i++) expect(result.fractions[i]).toBeGreaterThan(result.fractions[i - 1]);
    expect(result.missing).toMatch(/^NeuriteError: fetching http:\/\/127\.0\.0\.1:\d+\/app\/no-model\/model\.json failed with HTTP status 404/);
  });
});

describe('threads', () => {
  it('Node: 2 threads give the weights of 1', () => {
    expect(node.threads.map((t) => t.threads)).toEqual([1, 2]);
    expect(node.threads[1].hash).toBe(node.threads[0].hash);
  });

  it('a cross-origin isolated page runs 2 threads and gets the same weights as Node', async () => {
    const { result, console: messages, page: p } = await run<ThreadsResult>('/app/threads-isolated.html');
    await p.close();
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ isolated: true, threads: 2, hash: node.threads[0].hash });
    expect(messages.filter((m) => /^(error|pageerror|warning)/.test(m))).toEqual([]);
  });

  it('a worker ended from outside (no event) is noticed by its heartbeat within a second of calls: one notice naming it, one thread after, no call failed', async () => {
    const { result, console: messages, page: p } = await run<{
      started: number; workers: number; hash: string; threads: number; notices: string[]; noticeMs: number | null;
    }>('/app/threads-kill.html');
    await p.close();
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ started: 1, workers: 1 });
    expect(result.notices).toHaveLength(1);
    expect(result.notices[0]).toMatch(/^neurite worker thread 1 of 1 gave no sign of life for \d+ ms; running on one thread until nn\.ready\(\{ threads \}\) starts new workers\.$/);
    // the design target is a second of calls; the bound leaves room for a loaded machine
    expect(result.noticeMs).not.toBeNull();
    expect(result.noticeMs!).toBeLessThan(2000);
    expect(result.threads).toBe(1);
    // the fit went on: every call the dead worker had no part in gives one thread's bits
    expect(result.hash).toBe(node.threads[0].hash);
    expect(messages.filter((m) => /^(error|pageerror)/.test(m))).toEqual([]);
  });

  it('the demo server sends the two headers that make its pages cross-origin isolated', async () => {
    const { serveDemo } = await import('../demo/serve.mjs');
    const dir = join(project, 'demo-headers');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), page('demo'));
    const s = await serveDemo(dir, 0);
    try {
      const res = await fetch(`http://127.0.0.1:${(s.address() as { port: number }).port}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    } finally {
      await new Promise((r) => s.close(r));
    }
  });

  it('a page without isolation stays on one thread with one notice naming the two headers, same weights', async () => {
    const { result, console: messages, page: p } = await run<ThreadsResult>('/app/threads-plain.html');
    await p.close();
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ isolated: false, threads: 1, hash: node.threads[0].hash });
    const notices = messages.filter((m) => /^(error|pageerror|warning)/.test(m));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/threads need shared memory.*Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp.*one thread/);
  });
});

describe('without WebAssembly SIMD', () => {
  it('falls back to the js backend with exactly one console notice, and still trains (also in a worker)', async () => {
    writeFileSync(join(app, 'nosimd.html'), page(`<script type="module">
      import * as nn from 'neurite';
      try {
        const simd = nn.wasmSimdSupported();
        const xor = [[[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]];
        const make = () => {
          const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
            nn.layers.dense({ units: 1, activation: 'sigmoid' })] });
          m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy' });
          return m;
        };
        const a = make();                   // builds on the default backend synchronously, before ready()
        const before = nn.getBackend();
        const backend = await nn.ready();
        const history = await a.fit(...xor, { epochs: 20 });
        const b = make();
        const inWorker = await nn.fitInWorker(b, ...xor, { epochs: 20 });
        const again = await nn.ready();
        window.__result = { simd, before, backend, again, losses: history.history.loss.length,
          sameInWorker: inWorker.history.loss.at(-1) === history.history.loss.at(-1) };
      } catch (e) { window.__result = { error: String(e.stack) }; }
    </script>`, '<script>WebAssembly.validate = () => false;</script>' + IMPORT_MAP));
    const { result, console: messages, page: p } = await run<Record<string, unknown>>('/app/nosimd.html');
    await p.close();
    expect(result).toEqual({ simd: false, before: 'js', backend: 'js', again: 'js', losses: 20, sameInWorker: true });
    const notices = messages.filter((m) => m.includes('WebAssembly SIMD'));
    expect(notices).toEqual(['warning: neurite: WebAssembly SIMD is not available here; using the js backend.']);
    expect(messages.filter((m) => /^(error|pageerror)/.test(m))).toEqual([]);
  });
});

describe("under a Content-Security-Policy without 'wasm-unsafe-eval'", () => {
  const csp = (extra: string) => `<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'unsafe-inline'${extra}; worker-src 'self' blob:">`;
  const body = `<script type="module">
    import * as nn from 'neurite';
    try {
      const backend = await nn.ready();
      const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
        nn.layers.dense({ units: 1, activation: 'sigmoid' })] });
      m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy' });
      const h = await m.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 20 });
      window.__result = { backend, again: await nn.ready(), losses: h.history.loss.filter(Number.isFinite).length };
    } catch (e) { window.__result = { error: String(e.stack) }; }
  </script>`;

  it("nn.ready() falls back to js with one notice naming 'wasm-unsafe-eval' and trains; with it allowed, wasm", async () => {
    writeFileSync(join(app, 'csp.html'), page(body, csp('') + IMPORT_MAP));
    writeFileSync(join(app, 'csp-wasm.html'), page(body, csp(" 'wasm-unsafe-eval'") + IMPORT_MAP));
    const blocked = await run<Record<string, unknown>>('/app/csp.html');
    await blocked.page.close();
    expect(blocked.result).toEqual({ backend: 'js', again: 'js', losses: 20 });
    const notices = blocked.console.filter((m) => m.includes('neurite'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^warning: neurite: the wasm backend could not be compiled .*CompileError.*script-src 'wasm-unsafe-eval'; using the js backend\.$/);
    const allowed = await run<Record<string, unknown>>('/app/csp-wasm.html');
    await allowed.page.close();
    expect(allowed.result).toEqual({ backend: 'wasm', again: 'wasm', losses: 20 });
    expect(allowed.console.filter((m) => m.includes('neurite'))).toEqual([]);
  });
});

/**
 * Records requestAnimationFrame gaps that start in a frame drawn while the demo was training, as
 * [gap, milliseconds since the first such frame].
 */
const RAF_SAMPLER = `
  window.__gaps = [];
  let last, lastState, start;
  const tick = (t) => {
    const state = document.body && document.body.dataset.state;
    if (last !== undefined && lastState === 'training') {
      start ??= last;
      window.__gaps.push([t - last, Math.round(last - start)]);
    }
    last = t;
    lastState = state;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);`;

/** What the demo shows of the model: confusion counts, test digit cells, first-layer tiles, model summary. */
function readViews() {
  const table = document.getElementById('confusion')!;
  const counts = Array.from({ length: 10 }, (_, label) => Array.from({ length: 10 }, (_, guess) =>
    Number(table.querySelector<HTMLElement>(`td[data-label="${label}"][data-guess="${guess}"]`)!.dataset.count)));
  const cells = Array.from(document.querySelectorAll<HTMLElement>('#grid .cell')).filter((c) => !c.hidden).map((c) => ({
    label: c.dataset.label, guess: c.dataset.guess, wrong: c.classList.contains('wrong'), caption: c.textContent,
  }));
  // the first layer: one canvas of tiles (w x h each, one pixel apart), read back tile by tile
  const w = document.getElementById('weights') as HTMLCanvasElement;
  const [tw, th] = (w.dataset.tile ?? '0x0').split('x').map(Number);
  const cols = Number(w.dataset.cols);
  const px = w.getContext('2d')!.getImageData(0, 0, w.width, w.height).data;
  const tiles = Array.from({ length: Number(w.dataset.tiles) }, (_, j) => {
    let notWhite = 0;
    let opaque = 0;
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const at = ((Math.floor(j / cols) * (th + 1) + y) * w.width + (j % cols) * (tw + 1) + x) * 4;
        if (px[at + 3] === 255) opaque++;
        if (px[at] !== 255 || px[at + 1] !== 255 || px[at + 2] !== 255) notWhite++;
      }
    }
    return { width: tw, height: th, opaque, notWhite };
  });
  return {
    total: Number(table.dataset.total), confusionAt: table.dataset.at, counts, cells,
    weights: { units: w.dataset.units, at: w.dataset.at, mode: w.dataset.mode, tiles },
    summary: document.getElementById('model-summary')!.textContent,
  };
}

describe('demo page', () => {
  let site = '';
  let demoServer: Served;
  beforeAll(async () => {
    site = join(project, 'demo');
    const { buildDemo } = await import('../demo/build.mjs');
    await buildDemo({ outDir: site, packageDir: join(project, 'node_modules/neurite') });
    demoServer = await serve({ '/': site, '/nodata/': join(project, 'demo-nodata') });
    mkdirSync(join(project, 'demo-nodata'));
    for (const f of ['index.html', 'main.js', 'style.css']) writeFileSync(join(project, 'demo-nodata', f), readFileSync(join(site, f)));
  }, 60_000);
  afterAll(async () => { await demoServer?.close(); });

  // A frame gap also counts time the OS gave to other processes on this 2-core machine: up to two fresh
  // attempts, each asserting everything below.
  it('trains in a worker while the page stays responsive, compares backends, and reads a digit drawn on the pad', { retry: 2 }, async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await p.addInitScript(RAF_SAMPLER);
    await p.goto(`${demoServer.url}/?epochs=3`);
    expect(['loading', 'preparing', 'training']).toContain(await p.getAttribute('body', 'data-state'));
    await p.waitForFunction(() => !['loading', 'preparing'].includes(document.body.dataset.state!), null, { timeout: 30_000 });
    expect(await p.getAttribute('body', 'data-state')).toBe('training');
    await p.waitForFunction(() => document.body.dataset.state !== 'training', null, { timeout: 60_000 });
    expect(await p.getAttribute('body', 'data-state')).toBe('done');
    expect(await p.textContent('#status')).toMatch(/^Done — validation accuracy 0\.\d{3} after 3 epochs/);
    const valAccuracy = Number(await p.textContent('[data-stat="val_accuracy"]'));
    expect(valAccuracy).toBeGreaterThan(0.85);

    // the main thread never stalled for more than 100 ms while the worker trained
    const gaps = await p.evaluate('window.__gaps') as [number, number][];
    expect(gaps.length).toBeGreaterThan(20);
    const worst = [...gaps].sort((a, b) => b[0] - a[0]).slice(0, 5);
    expect(worst[0][0], `longest gaps [ms, at ms]: ${JSON.stringify(worst)} of ${gaps.length} frames`).toBeLessThanOrEqual(100);

    // samples/s for both backends, measured the same way
    await p.waitForFunction(() => document.getElementById('speed')!.dataset.state === 'done', null, { timeout: 60_000 });
    const speeds = await p.$$eval('.speed [data-backend]', (els) => els.map((e) => [(e as HTMLElement).dataset.backend, Number((e as HTMLElement).dataset.samplesPerSecond)]));
    expect(speeds.map(([b]) => b)).toEqual(['wasm', 'js']);
    for (const [, v] of speeds) expect(v).toBeGreaterThan(0);

    // a stroke drawn with the mouse: a vertical line, read as a 1
    const pad = (await p.locator('#pad').boundingBox())!;
    await p.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.15);
    await p.mouse.down();
    for (let i = 1; i <= 12; i++) await p.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * (0.15 + 0.058 * i));
    await p.mouse.up();
    await p.waitForFunction(() => document.getElementById('probs')!.dataset.probs !== undefined);
    const probs = JSON.parse((await p.getAttribute('#probs', 'data-probs'))!) as number[];
    expect(probs).toHaveLength(10);
    for (const v of probs) expect(v).toBeGreaterThanOrEqual(0);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(probs.indexOf(Math.max(...probs))).toBe(1);
    expect(await p.textContent('#guess')).toMatch(/^Looks like 1 /);

    // what the model learned, from the weights it ended with: the test digits, the confusion matrix, the first layer
    const views = await p.evaluate(readViews);
    expect(views.total).toBe(1000);
    const sum = views.counts.flat().reduce((a, b) => a + b, 0);
    expect(sum).toBe(1000);
    // the diagonal holds the right guesses: the same share as the worker's last validation accuracy
    const right = views.counts.reduce((a, row, d) => a + row[d], 0);
    expect(right / 1000).toBeCloseTo(valAccuracy, 3);
    expect(views.confusionAt).toBe('after epoch 3');
    expect(views.cells).toHaveLength(60);
    for (const c of views.cells) {
      expect(c.guess).toMatch(/^\d$/);
      expect(c.wrong).toBe(c.guess !== c.label);
    }
    expect(views.cells.some((c) => !c.wrong)).toBe(true);
    // 'mistakes only': every cell shown is marked wrong, as many as the matrix has off its diagonal (up to 60)
    await p.check('#mistakes-only');
    const mistakes = (await p.evaluate(readViews)).cells;
    expect(mistakes).toHaveLength(Math.min(60, 1000 - right));
    expect(mistakes.length).toBeGreaterThan(0);
    for (const c of mistakes) expect(c).toMatchObject({ wrong: true });
    for (const c of mistakes) expect(c.guess).not.toBe(c.label);
    await p.uncheck('#mistakes-only');
    // the first layer: one 28x28 image per hidden unit (the first 64 of 128), showing a change since the start
    expect(views.weights).toMatchObject({ units: '128', at: 'after epoch 3', mode: 'change' });
    expect(views.weights.tiles).toHaveLength(64);
    for (const t of views.weights.tiles) expect(t).toMatchObject({ width: 28, height: 28, opaque: 784 });
    expect(views.weights.tiles.filter((t) => t.notWhite > 0).length).toBeGreaterThan(60);
    expect(views.summary).toBe('Dense 128 relu → Dense 10 softmax · 101,770 weights · adam lr 0.001');

    // the link to the code that runs the page serves that code
    const code = await p.evaluate(async () => {
      const a = document.getElementById('code-link') as HTMLAnchorElement;
      const res = await fetch(a.href);
      return { status: res.status, text: await res.text() };
    });
    expect(code.status).toBe(200);
    expect(code.text).toContain('nn.fitInWorker(model');
    expect(code.text).toContain('onWeights(weights, at)');

    await p.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
    expect(errors).toEqual([]);
    await p.close();
  });

  it('teach it: three named classes from picture files, a head trained in a worker on the frozen base, live predictions', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await p.goto(`${demoServer.url}/teach.html`);
    await p.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30_000 });
    expect(await p.textContent('#status')).toBe('Ready — add pictures to each class');
    expect(await p.textContent('#base-note')).toMatch(/^19 layers, 4,454 weights, trained at build time on circle, square, triangle, cross, ring, bar \(\d+ % on held-out drawings\); cut at 'features' \(64 values a picture\) and frozen\. Backend: wasm\.$/);
    expect(await p.isDisabled('#train')).toBe(true);

    // pictures as a user's files: PNGs of 64x64 drawings, 8 per class, and one unseen picture of each class to try
    const next = rng(99);
    const png = (kind: string, i: number) => ({ name: `${kind}-${i}.png`, mimeType: 'image/png', buffer: Buffer.from(rgbPng(64, 64, drawShape(kind, 64, next))) });
    const kinds = ['circle', 'triangle', 'bar'];
    await p.setInputFiles('#try', [png('triangle', 100)]);
    await p.waitForFunction(() => document.getElementById('guess')!.textContent!.startsWith('Train the head first'));
    expect(await p.textContent('#guess')).toBe('Train the head first: the prediction shows here as soon as it learns.');
    for (const [c, kind] of kinds.entries()) {
      await p.fill(`.class[data-class="${c}"] input[type="text"]`, `${kind}s`);
      await p.setInputFiles(`.class[data-class="${c}"] input[type="file"]`, Array.from({ length: 8 }, (_, i) => png(kind, i)));
      await p.waitForFunction((k) => document.querySelector(`.class[data-class="${k}"] .count`)!.textContent === '8 pictures', c);
      expect(await p.locator(`.class[data-class="${c}"] .thumbs canvas`).count()).toBe(8);
    }
    expect(await p.textContent('#train-note')).toBe('24 pictures: ready to train.');
    await p.fill('#epochs', '30');
    await p.click('#train');
    await p.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state!), null, { timeout: 60_000 });
    expect(await p.textContent('#status')).toMatch(/^Done — training accuracy 1\.000 after 30 epochs on 24 pictures$/);

    // the prediction for the picture under "Try it" was taken again after every epoch, as the worker's weights came
    const trace = JSON.parse((await p.getAttribute('#teach-probs', 'data-trace'))!) as { epoch: number; probs: number[] }[];
    expect(trace.map((t) => t.epoch)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const t of trace) expect(t.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(trace[0].probs[1]).toBeLessThan(trace[29].probs[1]);
    expect(trace[29].probs[1]).toBeGreaterThan(0.9);
    // every class's unseen picture is read as that class, under the names given
    for (const [c, kind] of kinds.entries()) {
      await p.setInputFiles('#try', [png(kind, 200)]);
      await p.waitForFunction((k) => { const v = document.getElementById('teach-probs')!.dataset.probs; return v !== undefined && JSON.parse(v).indexOf(Math.max(...JSON.parse(v))) === k; }, c, { timeout: 10_000 });
      expect(await p.textContent('#guess')).toMatch(new RegExp(`^Looks like ${kind}s \\(\\d+\\.\\d %\\)$`));
      expect(await p.textContent('#teach-probs li.top .name')).toBe(`${kind}s`);
    }
    await p.screenshot({ path: join(ARTIFACTS, 'teach.png'), fullPage: true });
    expect(errors).toEqual([]);
    await p.close();
  });

  it('the pad follows the model while it trains, and the controls change what trains (MLP sizes, learning rate, epochs, CNN)', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await p.goto(`${demoServer.url}/?epochs=1&train=1500`);
    const idle = () => p.waitForFunction(() => document.getElementById('speed')!.dataset.state === 'done' || document.body.dataset.state === 'error', null, { timeout: 90_000 });
    await idle();
    expect(await p.textContent('#status')).toMatch(/^Done — validation accuracy 0\.\d{3} after 1 epoch\. /);

    // a 1 on the pad, then a new run with other settings: the pad's guess is taken again at each weight report
    const pad = (await p.locator('#pad').boundingBox())!;
    await p.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.15);
    await p.mouse.down();
    for (let i = 1; i <= 12; i++) await p.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * (0.15 + 0.058 * i));
    await p.mouse.up();
    await p.waitForFunction(() => document.getElementById('probs')!.dataset.probs !== undefined);
    await p.selectOption('#units', '32');
    await p.selectOption('#lr', '0.003');
    await p.fill('#epochs', '2');
    await p.click('#train');
    await p.waitForFunction(() => document.body.dataset.run === '2' && document.body.dataset.state === 'done', null, { timeout: 60_000 });
    expect(await p.textContent('#status')).toMatch(/after 2 epochs\./);
    let views = await p.evaluate(readViews);
    expect(views.summary).toBe('Dense 32 relu → Dense 10 softmax · 25,450 weights · adam lr 0.003');
    expect(views.weights.units).toBe('32');
    expect(views.weights.tiles).toHaveLength(32);
    // 1500 images in batches of 64: 24 batches per epoch, weights every 20 batches and at each epoch's end
    const trace = JSON.parse((await p.getAttribute('#probs', 'data-trace'))!) as { at: string; probs: number[] }[];
    // (a batch report may give way to a later one that arrives within the same frame; an epoch's never does)
    const ats = trace.map((t) => t.at);
    expect(ats.filter((a) => !a.includes('batch'))).toEqual(['untrained', 'after epoch 1', 'after epoch 2']);
    expect(ats.filter((a) => a.includes('batch')).every((a) => ['epoch 1, batch 20', 'epoch 2, batch 20'].includes(a))).toBe(true);
    expect(ats.indexOf('after epoch 1')).toBeLessThan(ats.indexOf('after epoch 2'));
    for (const t of trace) {
      expect(t.probs).toHaveLength(10);
      expect(t.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    const change = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    for (let i = 1; i < trace.length; i++) expect(change(trace[i].probs, trace[i - 1].probs), trace[i].at).toBeGreaterThan(1e-3);
    expect(JSON.parse((await p.getAttribute('#probs', 'data-probs'))!)).toEqual(trace.at(-1)!.probs);
    expect(await p.getAttribute('#probs', 'data-at')).toBe('after epoch 2');
    expect(await p.locator('#trace li').count()).toBe(3);
    await idle();

    // the CNN: convolutions, and the first layer's 8 filters as 5x5 images
    await p.selectOption('#model', 'cnn');
    expect(await p.inputValue('#units')).toBe('64');
    await p.fill('#epochs', '0');   // below the range: trains 1 epoch, and the field says so
    await p.click('#train');
    await p.waitForFunction(() => document.body.dataset.run === '3' && document.body.dataset.state === 'done', null, { timeout: 90_000 });
    expect(await p.inputValue('#epochs')).toBe('1');
    expect(await p.textContent('#status')).toMatch(/after 1 epoch\./);
    views = await p.evaluate(readViews);
    expect(views.summary).toBe('Conv2D 8×5×5 relu → MaxPool 2×2 → Conv2D 16×5×5 relu → MaxPool 2×2 → Flatten → Dense 64 relu → Dense 10 softmax · 20,522 weights · adam lr 0.003');
    expect(views.weights.tiles).toHaveLength(8);
    for (const t of views.weights.tiles) expect(t).toMatchObject({ width: 5, height: 5, opaque: 25 });
    expect(views.weights.mode).toBe('change');
    expect(views.weights.tiles.some((t) => t.notWhite > 0)).toBe(true);
    // the filters themselves (not what training changed): no weight is exactly 0, so no tile is blank
    await p.selectOption('#weights-mode', 'weights');
    const filters = (await p.evaluate(readViews)).weights;
    expect(filters.mode).toBe('weights');
    for (const t of filters.tiles) expect(t.notWhite).toBeGreaterThan(20);
    expect(views.counts.flat().reduce((a, b) => a + b, 0)).toBe(1000);
    const right = views.counts.reduce((a, row, d) => a + row[d], 0);
    expect(right / 1000).toBeCloseTo(Number(await p.textContent('[data-stat="val_accuracy"]')), 3);
    expect(right).toBeGreaterThan(700);
    await idle();
    expect(await p.textContent('#speed-note')).toMatch(/^Same CNN, one epoch over 500 images/);
    await p.screenshot({ path: join(ARTIFACTS, 'demo-cnn.png'), fullPage: true });
    expect(errors).toEqual([]);
    await p.close();
  });

  it('shows an error state when the data cannot be loaded', async () => {
    const p = await browser.newPage();
    await p.goto(`${demoServer.url}/nodata/`);
    await p.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 30_000 });
    expect(await p.textContent('#status')).toMatch(/could not load data\/[a-z-]+\.idx \(HTTP 404\)/);
    await p.close();
  });
});
