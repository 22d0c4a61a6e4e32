// Shared by the browser and worker tests: build the package into a temporary project, serve folders over
// http on 127.0.0.1, and start Debian's Chromium through playwright-core (which never downloads a browser).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { build } from 'tsup';
import { browserOptions, packageOptions } from '../../tsup.config';

export const root = resolve(__dirname, '../..');

/**
 * Builds dist/ as `npm run build` does (index.js, index.cjs, browser.js; without the .d.ts) into `<project>/node_modules/neurite`, so that
 * bundlers and Node resolve `import 'neurite'` there as in a user's project. Returns the project folder.
 * (Not the repository's own dist/: other tests rebuild that one concurrently.)
 */
export async function buildPackage(): Promise<string> {
  const project = mkdtempSync(join(tmpdir(), 'neurite-app-'));
  const pkgDir = join(project, 'node_modules', 'neurite');
  for (const options of [packageOptions, browserOptions]) {
    await build({ ...options, outDir: join(pkgDir, 'dist'), config: false, silent: true, dts: false });
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const { name, version, type, main, module, types, exports, sideEffects } = pkg;
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name, version, type, main, module, types, exports, sideEffects }, null, 2));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  return project;
}

/** Copies files from test/browser/fixtures into a folder. */
export function copyFixtures(to: string, names: string[]): void {
  mkdirSync(to, { recursive: true });
  for (const n of names) copyFileSync(join(root, 'test/browser/fixtures', n), join(to, n));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.cjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
};

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** The two headers that make a page cross-origin isolated (what SharedArrayBuffer, hence threads, needs). */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Serves folders: `{ '/pkg/': '/tmp/x/node_modules/neurite/' }`; '/' maps to index.html in its folder. Paths under
 * a prefix in `isolated` are served with ISOLATION_HEADERS.
 */
export async function serve(mounts: Record<string, string>, isolated: string[] = []): Promise<Served> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const prefix = Object.keys(mounts).filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) { res.writeHead(404).end(); return; }
    const base = resolve(mounts[prefix]);
    let file = normalize(join(base, path.slice(prefix.length)));
    if (file !== base && !file.startsWith(base + sep)) { res.writeHead(403).end(); return; }
    if (path.endsWith('/')) file = join(file, 'index.html');
    try {
      const body = readFileSync(file);
      const extra = isolated.some((p) => path.startsWith(p)) ? ISOLATION_HEADERS : {};
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...extra });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Headless Chromium: CHROMIUM_PATH, else the build the @sparticuz/chromium dev dependency ships (scripts/chromium.mjs). */
export { launchChromium } from '../../scripts/chromium.mjs';
