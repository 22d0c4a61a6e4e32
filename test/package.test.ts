// The package as a user gets it: `npm pack` (of the dist that `prepare` built), installed into a fresh
// project, imported with ESM `import` and CommonJS `require`, with no further steps.
import { execFileSync } from 'node:child_process';
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

describe('packed tarball', () => {
  beforeAll(() => {
    // npm test has just rebuilt the wasm; rebuild dist from it so the tarball holds the current code.
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'pipe' });
    dir = mkdtempSync(join(tmpdir(), 'neurite-pack-'));
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
    const tgz = join(dir, JSON.parse(out)[0].filename);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tgz], { cwd: dir, stdio: 'pipe' });
    writeFileSync(join(dir, 'esm.mjs'), script("import * as nn from 'neurite';"));
    writeFileSync(join(dir, 'cjs.cjs'), script("const nn = require('neurite');"));
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('has no runtime dependencies and ships only dist', () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'node_modules/neurite/package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(existsSync(join(dir, 'node_modules/neurite/dist/index.d.ts'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/neurite/src'))).toBe(false);
  });

  it('keeps the browser build within the size budget, gzipped, wasm included', async () => {
    const { measure } = await import('../scripts/size-report.mjs');
    const m = measure(join(dir, 'node_modules/neurite/dist'));
    expect(m.browser.wasmBytes).toBeGreaterThan(10_000); // the wasm really is inside
    expect(m.browser.gzipBytes).toBeLessThanOrEqual(m.budgetBytes);
    expect(m.node.gzipBytes).toBeGreaterThan(m.browser.gzipBytes);
  });

  it.each(['esm.mjs', 'cjs.cjs'])('%s imports neurite, picks wasm and learns XOR', (file) => {
    const out = JSON.parse(execFileSync('node', [file], { cwd: dir, encoding: 'utf8' }).trim());
    expect(out).toEqual({ backend: 'wasm', accuracy: 1, isError: true });
  });
});
