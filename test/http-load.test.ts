// Loading over http(s): a node:http server on 127.0.0.1 (a random port) serves a model saved by TF.js 4.22 with its
// weights sharded as tensorflowjs_converter writes them; neurite loads it from the URL with the bits of the file://
// load, reports progress, uses fetchFunc and requestInit, resolves weights relative to model.json (or
// weightPathPrefix) with its query string, and names the URL and status of what fails.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import * as ntf from '../src/tfjs/index';
import { BACKENDS, rand } from './helpers';

tf.env().set('PROD', true);

const INPUT = [8, 8, 3];
const N = 2;
const X = rand(23)(N * INPUT.reduce((a, b) => a * b, 1), 0, 1);

function buildTfjs(): tf.LayersModel {
  const x = tf.input({ shape: INPUT });
  let h = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'stem' }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', name: 'dw' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: 4, activation: 'softmax', name: 'head' }).apply(h) as tf.SymbolicTensor;
  const m = tf.model({ inputs: x, outputs: y, name: 'served_net' });
  m.setWeights(m.getWeights().map((w, i) => {
    const v = rand(500 + i)(w.size, -0.5, 0.5);
    if (m.weights[i].name.includes('moving_variance')) for (let j = 0; j < v.length; j++) v[j] = 0.5 + Math.abs(v[j]);
    return tf.tensor(v, w.shape);
  }));
  return m;
}

/** Writes TF.js's artifacts as the converter lays them out: one group cut into files of `shard` bytes. */
function writeSharded(folder: string, a: tf.io.ModelArtifacts, shard: number): string[] {
  mkdirSync(folder, { recursive: true });
  const bytes = new Uint8Array(a.weightData as ArrayBuffer);
  const n = Math.ceil(bytes.length / shard);
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `group1-shard${i + 1}of${n}.bin`;
    writeFileSync(join(folder, name), bytes.subarray(i * shard, (i + 1) * shard));
    paths.push(name);
  }
  writeFileSync(join(folder, 'model.json'), JSON.stringify({ format: 'layers-model', generatedBy: a.generatedBy,
    convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology: a.modelTopology, weightsManifest: [{ paths, weights: a.weightSpecs }] }));
  return paths;
}

let dir = '';
let server: Server;
let base = '';
/** Every request the server saw: path with query, and the x-model-token header. */
const seen: { url: string; token?: string }[] = [];
let paths: string[] = [];
let tm: tf.LayersModel;

/**
 * Serves `dir`: /open/... to anyone, /private/... only with the header x-model-token: s3cret (403 otherwise),
 * /weights-elsewhere/... as /open/..., /hostile/... from a folder of broken files; 404 for what is not there.
 */
function handle(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const url = new URL(req.url!, 'http://x');
  const token = req.headers['x-model-token'] as string | undefined;
  seen.push({ url: req.url!, token });
  let p = decodeURIComponent(url.pathname);
  if (p.startsWith('/private/')) {
    if (token !== 's3cret') { res.writeHead(403, 'Forbidden').end('no'); return; }
    p = `/open/${p.slice('/private/'.length)}`;
  }
  if (p.startsWith('/weights-elsewhere/')) p = `/open/${p.slice('/weights-elsewhere/'.length)}`;
  if (p === '/huge/model.json') { res.writeHead(200, { 'content-length': String(64 * 2 ** 20) }); res.end(); return; }
  let body: Buffer;
  try {
    if (p.includes('..')) throw new Error('outside');
    body = readFileSync(join(dir, p));
  } catch {
    res.writeHead(404, 'Not Found').end('missing');
    return;
  }
  res.writeHead(200, { 'content-type': p.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
  res.end(body);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'neurite-http-'));
  tm = buildTfjs();
  let a: tf.io.ModelArtifacts | undefined;
  await tm.save(tf.io.withSaveHandler(async (x) => { a = x; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  paths = writeSharded(join(dir, 'open'), a!, 256);
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  tm.dispose();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
  await nn.setBackend('wasm');
});

const predict = (m: nn.LayersModel) => Array.from((m.predict(nn.tensor(X, [N, ...INPUT])) as nn.Tensor).data);
const requested = (since: number) => seen.slice(since).map((s) => new URL(s.url, 'http://x').pathname);

describe('loading over http', () => {
  it('a sharded TF.js model from a URL predicts the bits of the file:// load, on both backends; progress rises to exactly 1', async () => {
    expect(paths.length).toBeGreaterThan(3);
    for (const backend of BACKENDS) {
      await nn.setBackend(backend);
      const since = seen.length;
      const fractions: number[] = [];
      const model = await nn.loadModel(`${base}/open/model.json`, { onProgress: (f) => fractions.push(f) });
      expect(requested(since)[0]).toBe('/open/model.json');
      expect(requested(since).slice(1).sort()).toEqual(paths.map((p) => `/open/${p}`).sort());
      const fromFile = await nn.loadModel(`file://${join(dir, 'open')}`);
      expect(predict(model)).toEqual(predict(fromFile));
      // progress: at least one report per file (each chunk read reports), increasing fractions of the weight bytes,
      // the last exactly 1
      expect(fractions.length).toBeGreaterThanOrEqual(paths.length);
      const total = paths.reduce((n, p) => n + readFileSync(join(dir, 'open', p)).length, 0);
      for (const f of fractions) expect(Math.abs(f * total - Math.round(f * total))).toBeLessThan(1e-6);
      for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThan(fractions[i - 1]);
      expect(fractions[0]).toBeGreaterThan(0);
      expect(fractions.at(-1)).toBe(1);
    }
    // and TF.js's predictions from its own model, within float32 rounding
    const theirs = tf.tidy(() => (tm.predict(tf.tensor(X, [N, ...INPUT])) as tf.Tensor).dataSync());
    const mine = predict(await nn.loadModel(`${base}/open/model.json`));
    for (let i = 0; i < mine.length; i++) expect(Math.abs(mine[i] - theirs[i])).toBeLessThan(1e-6);
  });

  it('nn.io.http and loadModel use fetchFunc and requestInit for every request; the server checks a header', async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const fetchFunc = (url: string, init?: RequestInit) => { calls.push({ url, init }); return fetch(url, init); };
    const requestInit = { headers: { 'x-model-token': 's3cret' } };
    const since = seen.length;
    const model = await nn.loadModel(`${base}/private/model.json`, { fetchFunc, requestInit });
    expect(calls.length).toBe(1 + paths.length);
    expect(calls.every((c) => (c.init!.headers as Record<string, string>)['x-model-token'] === 's3cret')).toBe(true);
    expect(seen.slice(since).every((s) => s.token === 's3cret')).toBe(true);
    expect(predict(model)).toEqual(predict(await nn.loadModel(`file://${join(dir, 'open')}`)));
    // without the header the server says 403, and the error names the URL and the status
    await expect(nn.loadModel(`${base}/private/model.json`)).rejects.toThrow(
      new RegExp(`fetching ${base}/private/model.json failed with HTTP status 403 \\(Forbidden\\)`));
    // a fetchFunc whose responses have no web stream (node-fetch's bodies are Node streams): read through arrayBuffer()
    const plain = async (url: string, init?: RequestInit) => {
      const r = await fetch(url, init);
      const b = await r.arrayBuffer();
      return { ok: r.ok, status: r.status, statusText: r.statusText, headers: r.headers, body: { pipe() {} }, arrayBuffer: async () => b } as unknown as Response;
    };
    const fractions: number[] = [];
    const viaPlain = await nn.loadModel(`${base}/private/model.json`, { fetchFunc: plain, requestInit, onProgress: (f) => fractions.push(f) });
    expect(predict(viaPlain)).toEqual(predict(model));
    expect(fractions.length).toBe(paths.length);
    expect(fractions.at(-1)).toBe(1);
    // the handler form
    const viaHandler = await nn.loadModel(nn.io.http(`${base}/private/model.json`, { requestInit }));
    expect(predict(viaHandler)).toEqual(predict(model));
  });

  it('weights resolve against model.json\'s folder with its query string, or against weightPathPrefix', async () => {
    let since = seen.length;
    await nn.loadModel(`${base}/open/model.json?v=3&sig=abc`);
    expect(seen.slice(since).map((s) => s.url).sort()).toEqual([`/open/model.json?v=3&sig=abc`, ...paths.map((p) => `/open/${p}?v=3&sig=abc`)].sort());
    // model.json from a folder without weights, the weights from another
    mkdirSync(join(dir, 'json-only'), { recursive: true });
    writeFileSync(join(dir, 'json-only/model.json'), readFileSync(join(dir, 'open/model.json')));
    await expect(nn.loadModel(`${base}/json-only/model.json`)).rejects.toThrow(new RegExp(`the weights file "${paths[0]}" \\(${base}/json-only/${paths[0]}\\) failed with HTTP status 404`));
    since = seen.length;
    const m = await nn.loadModel(`${base}/json-only/model.json`, { weightPathPrefix: `${base}/weights-elsewhere/` });
    expect(requested(since).slice(1).sort()).toEqual(paths.map((p) => `/weights-elsewhere/${p}`).sort());
    // a relative prefix is taken relative to model.json's URL
    since = seen.length;
    await nn.loadModel(`${base}/json-only/model.json`, { weightPathPrefix: '../open/' });
    expect(requested(since).slice(1).sort()).toEqual(paths.map((p) => `/open/${p}`).sort());
    expect(predict(m)).toEqual(predict(await nn.loadModel(`file://${join(dir, 'open')}`)));
  });

  it('neurite/tfjs\'s tf.loadLayersModel loads the URL with TF.js\'s options', async () => {
    const fractions: number[] = [];
    const since = seen.length;
    const m = await ntf.loadLayersModel(`${base}/private/model.json`, { requestInit: { headers: { 'x-model-token': 's3cret' } },
      onProgress: (f) => fractions.push(f), strict: true });
    expect(seen.slice(since).every((s) => s.token === 's3cret')).toBe(true);
    expect(fractions.at(-1)).toBe(1);
    const out = Array.from((m.predict(ntf.tensor(X, [N, ...INPUT])) as ntf.Tensor).dataSync());
    expect(out).toEqual(predict(await nn.loadModel(`file://${join(dir, 'open')}`)));
    await expect(ntf.loadLayersModel(`${base}/open/model.json`, { strict: false })).rejects.toThrow(/strict: false is not provided/);
  });

  it('404, a closed port, refused options and hostile servers are errors naming the URL', async () => {
    await expect(nn.loadModel(`${base}/nothing/model.json`)).rejects.toThrow(
      new RegExp(`fetching ${base}/nothing/model.json failed with HTTP status 404 \\(Not Found\\)`));
    // a weights file missing on the server
    mkdirSync(join(dir, 'hostile/missing'), { recursive: true });
    writeFileSync(join(dir, 'hostile/missing/model.json'), readFileSync(join(dir, 'open/model.json')));
    for (const p of paths.slice(1)) writeFileSync(join(dir, 'hostile/missing', p), readFileSync(join(dir, 'open', p)));
    await expect(nn.loadModel(`${base}/hostile/missing/model.json`)).rejects.toThrow(
      new RegExp(`fetching the weights file "${paths[0]}" \\(${base}/hostile/missing/${paths[0]}\\) failed with HTTP status 404`));
    // a weights file longer than the manifest describes: refused while it is read
    writeFileSync(join(dir, 'hostile/missing', paths[0]), new Uint8Array(4096));
    await expect(nn.loadModel(`${base}/hostile/missing/model.json`)).rejects.toThrow(/holds more than the \d+ bytes/);
    // one byte short
    writeFileSync(join(dir, 'hostile/missing', paths[0]), readFileSync(join(dir, 'open', paths[0])).subarray(1));
    await expect(nn.loadModel(`${base}/hostile/missing/model.json`)).rejects.toThrow(/the weight data has \d+ bytes but the manifest describes \d+: weight "[^"]+" needs bytes/);
    // a manifest path whose percent-encoded dots climb out of the folder
    const json = JSON.parse(readFileSync(join(dir, 'open/model.json'), 'utf8'));
    json.weightsManifest[0].paths[0] = `%2e%2e/${paths[0]}`;
    mkdirSync(join(dir, 'hostile/climb'), { recursive: true });
    writeFileSync(join(dir, 'hostile/climb/model.json'), JSON.stringify(json));
    let since = seen.length;
    await expect(nn.loadModel(`${base}/hostile/climb/model.json`)).rejects.toThrow(/the weights file "%2e%2e\/group1-shard1of\d+\.bin" leads outside the weights' folder/);
    expect(seen.length - since).toBe(1); // model.json only
    // a model.json whose Content-Length is over the limit is refused before its body is read
    await expect(nn.loadModel(`${base}/huge/model.json`)).rejects.toThrow(/holds more than the 33554432 bytes expected \(its Content-Length is 67108864\)/);
    // a closed port: the network failure names the URL
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(nn.loadModel(`http://127.0.0.1:${port}/m/model.json`)).rejects.toThrow(
      new RegExp(`fetching http://127.0.0.1:${port}/m/model.json failed: fetch failed \\(ECONNREFUSED\\)`));
    // errors are NeuriteErrors
    await nn.loadModel(`${base}/nothing/model.json`).catch((e) => expect(e).toBeInstanceOf(nn.NeuriteError));
    // options
    since = seen.length;
    await expect(nn.loadModel(`file://${join(dir, 'open')}`, { requestInit: {} })).rejects.toThrow(/loadModel: requestInit apply to http:\/\/ and https:\/\/ URLs/);
    await expect(nn.loadModel(`${base}/open/model.json`, { fetchFunc: 'fetch' as never })).rejects.toThrow(/loadModel: fetchFunc must be a function, got "fetch"/);
    await expect(nn.loadModel(`${base}/open/model.json`, { weightPathPrefix: '' })).rejects.toThrow(/weightPathPrefix must be a non-empty string/);
    await expect(nn.loadModel(`${base}/open/model.json`, { onprogress: () => 0 } as never)).rejects.toThrow(/unknown option "onprogress"; did you mean "onProgress"/);
    expect(() => nn.io.http('file:///x')).toThrow(/nn.io.http needs an http:\/\/ or https:\/\/ URL, got "file:\/\/\/x"/);
    expect(seen.length - since).toBe(0);
    // http(s) URLs do not save
    const m = await nn.loadModel(`${base}/open/model.json`);
    await expect(m.save(`${base}/open`)).rejects.toThrow(/cannot save to "http:.*http\(s\):\/\/ URLs load models/);
  });

  it('onProgress from another source is called once, with 1, when the model is built', async () => {
    const fractions: number[] = [];
    await nn.loadModel(`file://${join(dir, 'open')}`, { onProgress: (f) => fractions.push(f) });
    expect(fractions).toEqual([1]);
  });
});
