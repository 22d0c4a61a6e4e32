// A tiny static server for the built demo, on 127.0.0.1 only. `node demo/serve.mjs [--port N]` (or PORT=N);
// the default port is 8080, or any free port when that one is taken. Prints the address.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png',
  '.idx': 'application/octet-stream', '.json': 'application/json', '.ts': 'text/plain; charset=utf-8',
};

/**
 * Every response is cross-origin isolated, so that the page may share memory with workers (what neurite's
 * threads need: `nn.ready({ threads })`). A page that loads resources from other origins needs them to allow it
 * (CORP or CORS) under require-corp.
 */
export const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** Serves `root` on 127.0.0.1:port (0 = any free port); resolves to the http.Server once listening. */
export function serveDemo(root, port) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) return res.writeHead(403).end();
    if (path.endsWith('/')) file = join(file, 'index.html');
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...ISOLATION });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => { server.off('error', fail); ok(server); });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const root = fileURLToPath(new URL('./dist/', import.meta.url));
  const flag = process.argv.indexOf('--port');
  const asked = flag > 0 ? Number(process.argv[flag + 1]) : process.env.PORT ? Number(process.env.PORT) : 8080;
  let server;
  try {
    server = await serveDemo(root, asked);
  } catch (e) {
    if (e.code !== 'EADDRINUSE') throw e;
    console.log(`port ${asked} is in use; taking a free one`);
    server = await serveDemo(root, 0);
  }
  console.log(`neurite demo: http://127.0.0.1:${server.address().port}/  (Ctrl+C to stop)`);
}
