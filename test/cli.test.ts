// The command line of `npm start` (examples/mnist.ts) and the check that lets it skip the wasm build.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sourcesHash, upToDate, writeStamp } from '../scripts/asbuild-if-changed.mjs';

const root = resolve(__dirname, '..');
const start = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'examples/mnist.ts', ...args], { cwd: root, encoding: 'utf8' });
const OPTIONS = ['--model mlp|cnn', '--backend wasm|js', '--epochs N', '--batch-size N', '--seed N', '-h, --help'];

describe('npm start -- options', () => {
  it.each(['--help', '-h'])('%s lists every option and exits 0 without training', (flag) => {
    const r = start(flag);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Trains a network on the 60,000 MNIST training images/);
    for (const o of OPTIONS) expect(r.stdout).toContain(`\n  ${o} `);
    expect(r.stdout).not.toContain('epoch 1/');
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--epochs'], '--epochs needs a value'],
    [['--epochs=2.5'], '--epochs needs a positive integer, got 2.5'],
    [['--model', 'rnn'], '--model must be mlp or cnn, got rnn'],
    [['--backend=gpu'], '--backend must be wasm or js, got gpu'],
    [['--epochs', '2', 'extra'], 'unknown option extra'],
  ])('%j is refused with the list of options', (args, message) => {
    const r = start(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(`error: ${message}\n\n`)).toBe(true);
    for (const o of OPTIONS) expect(r.stderr).toContain(`\n  ${o} `);
  });
});

describe('scripts/asbuild-if-changed.mjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-stamp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // a copy of what the wasm build reads, and stand-ins for its outputs
  cpSync(join(root, 'assembly'), join(dir, 'assembly'), { recursive: true });
  cpSync(join(root, 'asconfig.json'), join(dir, 'asconfig.json'));
  mkdirSync(join(dir, 'scripts'));
  cpSync(join(root, 'scripts/embed-wasm.mjs'), join(dir, 'scripts/embed-wasm.mjs'));
  mkdirSync(join(dir, 'node_modules/assemblyscript'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/assemblyscript/package.json'), '{"version":"0.28.20"}');
  mkdirSync(join(dir, 'build'));
  mkdirSync(join(dir, 'src/backend'), { recursive: true });
  for (const f of ['build/neurite.wasm', 'build/neurite.debug.wasm', 'src/backend/wasm-bytes.ts']) writeFileSync(join(dir, f), '');

  it('is stale with no stamp, current after one, and stale again when a source, its name or the compiler changes', () => {
    expect(upToDate(dir)).toBe(false);
    writeStamp(dir);
    expect(upToDate(dir)).toBe(true);
    const h0 = sourcesHash(dir);
    // a touched file with the same content keeps the build
    utimesSync(join(dir, 'assembly/index.ts'), new Date(), new Date(Date.now() + 60_000));
    expect(sourcesHash(dir)).toBe(h0);
    // an edit
    writeFileSync(join(dir, 'assembly/index.ts'), '// edited\n', { flag: 'a' });
    expect(upToDate(dir)).toBe(false);
    writeStamp(dir);
    const h1 = sourcesHash(dir);
    // a new file, a renamed file, the config, the compiler's version
    writeFileSync(join(dir, 'assembly/extra.ts'), '');
    const h2 = sourcesHash(dir);
    renameSync(join(dir, 'assembly/extra.ts'), join(dir, 'assembly/other.ts'));
    const h3 = sourcesHash(dir);
    writeFileSync(join(dir, 'asconfig.json'), '{}');
    const h4 = sourcesHash(dir);
    writeFileSync(join(dir, 'node_modules/assemblyscript/package.json'), '{"version":"0.28.21"}');
    const h5 = sourcesHash(dir);
    expect(new Set([h0, h1, h2, h3, h4, h5]).size).toBe(6);
    expect(upToDate(dir)).toBe(false);
  });

  it('is stale when an output is missing', () => {
    writeStamp(dir);
    expect(upToDate(dir)).toBe(true);
    rmSync(join(dir, 'build/neurite.wasm'));
    expect(upToDate(dir)).toBe(false);
  });
});
