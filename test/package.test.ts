// The package as a user gets it: `npm pack` (of the dist that `prepare` built), installed into a fresh
// project, imported with ESM `import` and CommonJS `require`, with no further steps.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
let dir = '';

const script = (load: string) => `${load}
(async () => {
  const backend = await nn.ready();
  const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
    nn.layers.dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  await m.fit([[0,0],[0,1],[1,0],[1,1]], [[0],[1],[1],[0]], { epochs: 300, batchSize: 4 });
  console.log(JSON.stringify({ backend, accuracy: m.evaluate([[0,0],[0,1],[1,0],[1,1]], [[0],[1],[1],[0]]).accuracy,
    isError: new nn.ShapeError('x') instanceof nn.NeuriteError }));
})();`;

// What a bundle says about itself: class names, error names, a message built from a class name, a stack trace.
const names = `import { inspect } from 'node:util';
import { pathToFileURL } from 'node:url';
const nn = process.argv[2] === 'cjs' ? (await import('node:module')).createRequire(import.meta.url)('neurite')
  : process.argv[2] === 'browser' ? await import(pathToFileURL('node_modules/neurite/dist/browser.js').href) : await import('neurite');
const model = nn.sequential({ layers: [nn.layers.dense({ units: 2, inputShape: [3] })] });
model.compile({ optimizer: 'adam', loss: 'mse' });
// every exported error class, found by what it is rather than listed
const errors = Object.keys(nn).filter((k) => typeof nn[k] === 'function' && (nn[k] === nn.NeuriteError || nn[k].prototype instanceof nn.NeuriteError));
let stack = '', lrMessage = '';
try { await model.fit([[1, 2]], [[1, 2]]); } catch (e) { stack = e.stack; }
try { nn.optimizers.adam({ learningRate: -1 }); } catch (e) { lrMessage = e.message; }
console.log(JSON.stringify({
  inspected: inspect(model).split('\\n')[0],
  layer: model.layers[0].constructor.name,
  optimizer: nn.optimizers.adam().constructor.name,
  errors: errors.map((n) => [n, new nn[n]('m').name, nn[n].name, String(new nn[n]('m'))]),
  lrMessage, stack,
}));`;

// An error thrown inside neurite and never caught: what node prints.
const uncaught = `import * as nn from 'neurite';
const model = nn.sequential({ layers: [nn.layers.dense({ units: 2, inputShape: [3] })] });
model.compile({ optimizer: 'adam', loss: 'mse' });
await model.fit([[1, 2]], [[1, 2]]);`;

describe('packed tarball', () => {
  beforeAll(() => {
    // npm test has just rebuilt the wasm; rebuild dist from it so the tarball holds the current code.
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'pipe' });
    execFileSync('node', ['scripts/dts-namespace-docs.mjs', 'dist/index.d.ts', 'dist/index.d.cts'], { cwd: root, stdio: 'pipe' });
    // tsup's onSuccess wrote neurite/tfjs's declarations (scripts/tfjs-types.mjs)
    dir = mkdtempSync(join(tmpdir(), 'neurite-pack-'));
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
    const tgz = join(dir, JSON.parse(out)[0].filename);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tgz], { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'esm.mjs'), script("import * as nn from 'neurite';"));
    writeFileSync(join(dir, 'cjs.cjs'), script("const nn = require('neurite');"));
    writeFileSync(join(dir, 'names.mjs'), names);
    writeFileSync(join(dir, 'uncaught.mjs'), uncaught);
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('has no runtime dependencies and ships only dist', () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'node_modules/neurite/package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(existsSync(join(dir, 'node_modules/neurite/dist/index.d.ts'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/neurite/src'))).toBe(false);
  });

  it("an editor's hover shows documentation and an example for every value export and namespace member", async () => {
    const ts = (await import('typescript')).default;
    const nn = await import('../src/index');
    // every nn.X, and every nn.ns.Y of the namespaces and factory objects (io, schedules, layers, optimizers, ...)
    const paths = Object.keys(nn).flatMap((k) => {
      const v = (nn as Record<string, unknown>)[k];
      const members = typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v).map((m) => `${k}.${m}`) : [];
      return [k, ...members];
    });
    const file = join(dir, 'hover.ts');
    const lines = paths.map((p) => `nn.${p};`);
    const text = `import * as nn from 'neurite';\n${lines.join('\n')}\n`;
    writeFileSync(file, text);
    const options = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, strict: true };
    const service = ts.createLanguageService({
      getScriptFileNames: () => [file], getScriptVersion: () => '1', getCurrentDirectory: () => dir,
      getScriptSnapshot: (f) => (existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')) : undefined),
      getCompilationSettings: () => options, getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists, getDirectories: ts.sys.getDirectories,
    });
    const bare: string[] = [];
    let offset = text.indexOf('\n') + 1;
    for (const [i, p] of paths.entries()) {
      const at = offset + lines[i].lastIndexOf('.') + 1;   // the last name of nn.a.b
      offset += lines[i].length + 1;
      const info = service.getQuickInfoAtPosition(file, at);
      const doc = ts.displayPartsToString(info?.documentation ?? []);
      if (doc.length < 20 || !info?.tags?.some((t) => t.name === 'example')) bare.push(p);
    }
    expect(paths.length).toBeGreaterThan(90);
    expect(bare).toEqual([]);
    expect(service.getSemanticDiagnostics(file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  it('keeps the browser build within the size budget, gzipped, wasm included', async () => {
    const { measure } = await import('../scripts/size-report.mjs');
    const m = measure(join(dir, 'node_modules/neurite/dist'));
    expect(m.browser.wasmBytes).toBeGreaterThan(10_000); // the wasm really is inside
    expect(m.browser.gzipBytes).toBeLessThanOrEqual(m.budgetBytes);
    expect(m.node.gzipBytes).toBeGreaterThan(m.browser.gzipBytes);
  });

  it('the size report gives each module its share and weighs a whole page and a predict-only one', async () => {
    const { measure, moduleShares, pageSizes } = await import('../scripts/size-report.mjs');
    const shares = await moduleShares();
    expect(shares[0]!.module).toBe('src/backend/wasm-bytes.ts'); // the wasm, as hex, is the largest
    expect(shares.reduce((a, r) => a + r.share, 0)).toBeCloseTo(1, 9);
    for (const name of ['src/model.ts', 'src/io/load.ts', 'src/backend/threads.ts']) expect(shares.map((r) => r.module)).toContain(name);
    // the browser build resolves the Node-only modules to their stand-ins
    expect(shares.map((r) => r.module)).toContain('src/io/mnist.browser.ts');
    expect(shares.map((r) => r.module)).not.toContain('src/io/mnist.ts');
    const dist = join(dir, 'node_modules/neurite/dist');
    const m = measure(dist);
    const pages = await pageSizes(dist);
    // the package is one factory function: a bundler keeps all of it, whatever the page imports
    for (const p of [pages.whole, pages.predict]) {
      expect(p.gzipBytes).toBeGreaterThan(m.browser.gzipBytes * 0.98);
      expect(p.gzipBytes).toBeLessThanOrEqual(m.budgetBytes);
    }
    // from the modules, the predict-only page leaves out the training worker, the dataset readers and more
    const mods = await pageSizes(dist, true);
    expect(mods.predict.gzipBytes).toBeLessThan(mods.whole.gzipBytes * 0.9);
    expect(mods.predict.gzipBytes).toBeGreaterThan(m.browser.wasmGzipBytes);
    // the README's reason for keeping the factory: with plain modules, a one-file page that trains in a worker
    // would carry a second copy of the library for the worker, past the budget
    const { separateWorkerSizes } = await import('../scripts/size-report.mjs');
    const split = await separateWorkerSizes();
    expect(split.workerGzipBytes).toBeGreaterThan(m.browser.gzipBytes * 0.95);
    expect(split.wholeWithWorkerGzipBytes).toBeGreaterThan(mods.whole.gzipBytes + split.workerGzipBytes * 0.9);
    expect(split.wholeWithWorkerGzipBytes).toBeGreaterThan(m.budgetBytes);
  });

  it.each(['esm', 'cjs', 'browser'])('neurite/tfjs loads as %s, shares neurite\'s module and computes', (kind) => {
    const load = kind === 'cjs' ? "const r = (await import('node:module')).createRequire(import.meta.url); const tf = r('neurite/tfjs'); const nn = r('neurite');"
      : kind === 'browser' ? "const tf = await import('./node_modules/neurite/dist/tfjs/browser.js'); const nn = await import('./node_modules/neurite/dist/browser.js');"
      : "const tf = await import('neurite/tfjs'); const nn = await import('neurite');";
    writeFileSync(join(dir, `tfjs-${kind}.mjs`), `${load}
await tf.ready();
const y = tf.tidy(() => tf.tensor2d([[1, 2], [3, 4]]).matMul(tf.ones([2, 1])));
console.log(JSON.stringify({ y: Array.from(y.dataSync()), backend: tf.getBackend(), shared: new tf.NotProvidedError('x') instanceof nn.NeuriteError }));`);
    const out = JSON.parse(execFileSync('node', [`tfjs-${kind}.mjs`], { cwd: dir, encoding: 'utf8' }).trim());
    expect(out).toEqual({ y: [3, 7], backend: 'wasm', shared: true });
  });

  it('neurite/tfjs is typed for ESM and CommonJS importers, its classes being neurite\'s', async () => {
    const ts = (await import('typescript')).default;
    const files = { 'types-esm.mts': "import * as tf from 'neurite/tfjs';\nimport * as nn from 'neurite';\n", 'types-cjs.cts': "import tf = require('neurite/tfjs');\nimport nn = require('neurite');\n" };
    const body = "const t: tf.Tensor = tf.tensor2d([[1, 2]]).add(1);\nconst n: number = t.dataSync()[0];\nconst r: nn.NeuriteError = new tf.NotProvidedError('x');\nvoid n; void r;\n// @ts-expect-error: not a function of tf\ntf.noSuchOp();\n";
    for (const [f, head] of Object.entries(files)) writeFileSync(join(dir, f), head + body);
    const program = ts.createProgram(Object.keys(files).map((f) => join(dir, f)), {
      module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, types: [],
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], skipLibCheck: false,
    });
    const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName.includes('neurite/dist/tfjs') || d.file?.fileName.includes('types-'));
    expect(diags.map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)).toEqual([]);
  });

  it('neurite/tfjs adds at most 25 KB gzipped to a page, and nothing to one that does not import it', async () => {
    const { measure, tfjsPageSizes, pageSizes } = await import('../scripts/size-report.mjs');
    const dist = join(dir, 'node_modules/neurite/dist');
    const t = await tfjsPageSizes(dist);
    expect(t.addedGzipBytes).toBeGreaterThan(5 * 1024); // the layer really is in the page
    expect(t.addedGzipBytes).toBeLessThanOrEqual(25 * 1024);
    expect(t.both.gzipBytes).toBeLessThan(t.tfjs.gzipBytes + 200); // neurite is loaded once
    // dist/browser.js has no neurite/tfjs in it: a page of neurite alone weighs what the package does
    expect(readFileSync(join(dist, 'browser.js'), 'utf8')).not.toContain('NotProvidedError');
    expect((await pageSizes(dist)).whole.gzipBytes).toBeLessThan(measure(dist).browser.gzipBytes + 1024);
  });

  it.each(['esm.mjs', 'cjs.cjs'])('%s imports neurite, picks wasm and learns XOR', (file) => {
    const out = JSON.parse(execFileSync('node', [file], { cwd: dir, encoding: 'utf8' }).trim());
    expect(out).toEqual({ backend: 'wasm', accuracy: 1, isError: true });
  });

  it.each([['esm', 'dist/index.js'], ['cjs', 'dist/index.cjs'], ['browser', 'dist/browser.js']])(
    'the %s build keeps the names of classes and functions (%s)', (build, file) => {
      const out = JSON.parse(execFileSync('node', ['names.mjs', build], { cwd: dir, encoding: 'utf8' }).trim());
      expect(out.inspected).toMatch(/^Sequential \{/);
      expect(out.layer).toBe('Dense');
      expect(out.optimizer).toBe('Adam');
      expect(out.errors.map((e: string[]) => e[0])).toEqual(expect.arrayContaining(
        ['FormatError', 'NeuriteError', 'ShapeError', 'StateError', 'TrainingError', 'UnknownNameError', 'ValueError']));
      for (const [name, ...got] of out.errors) expect(got).toEqual([name, name, `${name}: m`]);
      expect(out.lrMessage).toMatch(/^Adam learningRate must be/);
      const frames = out.stack.split('\n');
      expect(frames[0]).toMatch(/^ShapeError: layer 'dense_1' expects samples of shape \[3\]/);
      // a stack frame shows the identifier a function is defined with: readable in the unminified Node builds;
      // the browser build's identifiers are short, and devtools show the names through its source map
      const fn = build === 'browser' ? '[\\w$]+' : 'Sequential';
      const edge = build === 'browser' ? '[\\w$]+' : 'DataEdge';
      expect(frames[1]).toMatch(new RegExp(`^ +at ${edge}\\.checkInput \\(.*${file.replace('.', '\\.')}:\\d+:\\d+\\)$`));
      expect(frames[2]).toMatch(new RegExp(`^ +at ${edge}\\.checkXs \\(`));
      expect(frames[3]).toMatch(new RegExp(`^ +at ${fn}\\.fit \\(`));
    });

  it('ships a source map beside each bundle, and node --enable-source-maps traces into src/', () => {
    for (const file of ['index.js', 'index.cjs', 'browser.js']) {
      const text = readFileSync(join(dir, 'node_modules/neurite/dist', file), 'utf8');
      expect(text.trimEnd().endsWith(`//# sourceMappingURL=${file}.map`)).toBe(true);
      const map = JSON.parse(readFileSync(join(dir, 'node_modules/neurite/dist', `${file}.map`), 'utf8'));
      expect(map.sources).toContain('../src/model.ts');
    }
    const r = spawnSync('node', ['--enable-source-maps', 'uncaught.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    const frames = r.stderr.split('\n').filter((l) => /^ +at (DataEdge|Sequential)\./.test(l));
    // the frames point at the lines of src/ that hold the calls: the throw in checkInput and the call in checkXs
    // (src/train/edge.ts), the call in fit (src/model.ts)
    const at = (frame: string | undefined) => {
      const m = /\/src\/(model|train\/edge)\.ts:(\d+):\d+\)$/.exec(frame ?? '');
      expect(m, frame).not.toBeNull();
      return readFileSync(join(root, `src/${m![1]}.ts`), 'utf8').split('\n')[Number(m![2]) - 1];
    };
    expect(at(frames[0])).toMatch(/throw new ShapeError\(`layer '\$\{first\.name\}' expects samples/);
    expect(at(frames[1])).toMatch(/this\.checkInput\(list\[i\], i, /);
    expect(at(frames[2])).toMatch(/edge\.checkXs\(x, 'x'\)/);
  });

  it('an uncaught error prints its message and frames, not a screen of bundled code', () => {
    const r = spawnSync('node', ['uncaught.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("ShapeError: layer 'dense_1' expects samples of shape [3]");
    expect(r.stderr).toMatch(/at Sequential\.fit \(.*node_modules\/neurite\/dist\/index\.js:\d+:\d+\)/);
    // node prints the bundle's line that threw: one line of code, not a minified file on a few long lines
    expect(Math.max(...r.stderr.split('\n').map((l) => l.length))).toBeLessThan(300);
    expect(r.stderr.length).toBeLessThan(2000);
  });
});
