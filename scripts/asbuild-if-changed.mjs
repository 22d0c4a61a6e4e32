// Runs `npm run asbuild` only when the wasm's sources changed since the last build: a SHA-256 of every file under
// assembly/, asconfig.json, scripts/embed-wasm.mjs and the AssemblyScript compiler's version, which every
// `npm run asbuild` writes to build/sources.sha256 beside its outputs (scripts/embed-wasm.mjs, its last step).
// `npm start`, `npm test` and `npm run bench` call it first; it prints nothing when the build is current.
// `node scripts/asbuild-if-changed.mjs [--force]`.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = 'build/sources.sha256';
const OUTPUTS = ['build/neurite.wasm', 'build/neurite.debug.wasm', 'src/backend/wasm-bytes.ts'];

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []);
}

/** The hash of everything the wasm build reads, in a fixed order; a renamed file changes it too. */
export function sourcesHash(root = ROOT) {
  const h = createHash('sha256');
  const inputs = [...files(join(root, 'assembly')), join(root, 'asconfig.json'), join(root, 'scripts/embed-wasm.mjs')]
    .map((f) => relative(root, f).split('\\').join('/')).sort();
  for (const f of inputs) h.update(`${f}\0`).update(readFileSync(join(root, f))).update('\0');
  h.update(`assemblyscript ${JSON.parse(readFileSync(join(root, 'node_modules/assemblyscript/package.json'), 'utf8')).version}`);
  return h.digest('hex');
}

/** True when every output exists and the stamp matches the sources. */
export function upToDate(root = ROOT) {
  const stamp = join(root, STAMP);
  return OUTPUTS.every((f) => existsSync(join(root, f))) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === sourcesHash(root);
}

/** Records the current sources as built (the end of `npm run asbuild`). */
export function writeStamp(root = ROOT) {
  writeFileSync(join(root, STAMP), `${sourcesHash(root)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--force') || !upToDate()) execSync('npm run asbuild --silent', { cwd: ROOT, stdio: 'inherit' });
}
