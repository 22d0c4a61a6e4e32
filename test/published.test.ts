// Models as they are published: model.json with weights sharded over several files in several manifest groups (the
// layout tensorflowjs_converter writes), read from files by neurite and by TF.js 4.22, with the same predictions.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, rand } from './helpers';

tf.env().set('PROD', true);

/** Largest relative difference seen per case, printed at the end. */
const report: Record<string, number> = {};

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 0, m = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / (scale || 1);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

const INPUT = [10, 10, 3];

/** A small MobileNet-like graph built with TF.js's layers: convolution, batch norm, depthwise, residual add, dense. */
function buildTfjs(): tf.LayersModel {
  const x = tf.input({ shape: INPUT });
  let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'stem' }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6, name: 'stem_relu' }).apply(h) as tf.SymbolicTensor;
  const d = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.add({ name: 'res' }).apply([h, d]) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 12, kernelSize: 1, activation: 'relu', name: 'pw' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: 5, activation: 'softmax', name: 'head' }).apply(h) as tf.SymbolicTensor;
  const m = tf.model({ inputs: x, outputs: y, name: 'small_net' });
  // seeded weights and batch statistics, so that every layer matters
  m.setWeights(m.getWeights().map((w, i) => {
    const v = rand(100 + i)(w.size, -0.5, 0.5);
    if (m.weights[i].name.includes('moving_variance')) for (let j = 0; j < v.length; j++) v[j] = 0.5 + Math.abs(v[j]);
    return tf.tensor(v, w.shape);
  }));
  return m;
}

async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}

/**
 * Writes artifacts the way tensorflowjs_converter lays out weights: the weights split into groups (`groups` lists
 * how many consecutive weights each takes), each group's bytes concatenated and cut into files of `shardBytes`
 * (a value may straddle two files), named group<g>-shard<i>of<n>.bin. Returns the paths per group.
 */
function writeConverterLayout(folder: string, a: tf.io.ModelArtifacts, groups: number[], shardBytes: number): string[][] {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const bytes = new Uint8Array(a.weightData as ArrayBuffer);
  const specs = a.weightSpecs!;
  expect(groups.reduce((s, n) => s + n, 0)).toBe(specs.length);
  const manifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] = [];
  let w = 0, at = 0;
  groups.forEach((count, g) => {
    const weights = specs.slice(w, w + count);
    w += count;
    const length = weights.reduce((s, e) => s + 4 * e.shape.reduce((p, d) => p * d, 1), 0);
    const data = bytes.subarray(at, at + length);
    at += length;
    const n = Math.max(1, Math.ceil(length / shardBytes));
    const paths: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `group${g + 1}-shard${i + 1}of${n}.bin`;
      writeFileSync(join(folder, name), data.subarray(i * shardBytes, (i + 1) * shardBytes));
      paths.push(name);
    }
    manifest.push({ paths, weights });
  });
  expect(at).toBe(bytes.length);
  writeFileSync(join(folder, 'model.json'), JSON.stringify({ format: 'layers-model', generatedBy: a.generatedBy,
    convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology: a.modelTopology, weightsManifest: manifest }));
  return manifest.map((m) => m.paths);
}

/** TF.js's own HTTP loader reading a folder on disk (fetchFunc maps the URL's path into the folder). */
function tfjsFromFolder(folder: string, requested: string[] = []): Promise<tf.LayersModel> {
  const fetchFunc = async (input: RequestInfo | URL) => {
    const name = decodeURIComponent(new URL(String(input)).pathname).replace(/^\/m\//, '');
    requested.push(name);
    return new Response(readFileSync(join(folder, name)));
  };
  return tf.loadLayersModel(tf.io.http('http://localhost/m/model.json', { fetchFunc }));
}

const tfPredict = (m: tf.LayersModel, x: Float32Array, n: number) =>
  tf.tidy(() => (m.predict(tf.tensor(x, [n, ...INPUT])) as tf.Tensor).dataSync() as Float32Array);
const nnPredict = (m: nn.LayersModel, x: Float32Array, n: number) => (m.predict(nn.tensor(x, [n, ...INPUT])) as nn.Tensor).data;

let dir = '';
let tm: tf.LayersModel;
let artifacts: tf.io.ModelArtifacts;
const N = 3;
const X = rand(7)(N * INPUT.reduce((a, b) => a * b, 1), 0, 1);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'neurite-published-'));
  tm = buildTfjs();
  artifacts = await tfjsArtifacts(tm);
});
afterAll(async () => {
  tm.dispose();
  rmSync(dir, { recursive: true, force: true });
  await nn.setBackend('wasm');
  console.log(`published models, largest relative difference vs TF.js: ${JSON.stringify(report, null, 1)}`);
});

describe('sharded weights', () => {
  // [weights per group, shard size]: one group per layer with one file each (older converter output), one group cut
  // into shards whose size is no multiple of 4 (a float straddles two files), several groups of several files
  const LAYOUTS: [string, (n: number) => number[], number][] = [
    ['one group per layer, one file each', () => [2, 4, 2, 2, 2], 1 << 20],
    ['one group in 7 files of 301 bytes', (n) => [n], 301],
    ['three groups of several 256-byte files', (n) => [3, 5, n - 8], 256],
  ];

  it.each(LAYOUTS)('%s: neurite and TF.js read the same folder and predict the same, on both backends', async (label, groups, shard) => {
    const folder = join(dir, label.replace(/[^a-z0-9]+/g, '-'));
    const paths = writeConverterLayout(folder, artifacts, groups(artifacts.weightSpecs!.length), shard);
    expect(paths.flat().length).toBeGreaterThan(groups(artifacts.weightSpecs!.length).length === 1 ? 6 : 4);
    const requested: string[] = [];
    const fromFiles = await tfjsFromFolder(folder, requested);
    expect(requested.slice(1).sort()).toEqual(paths.flat().sort());
    const theirs = tfPredict(fromFiles, X, N);
    expect(maxRelDiff(theirs, tfPredict(tm, X, N))).toBe(0);
    fromFiles.dispose();
    const inMemory = await nn.loadModel(nn.io.fromMemory(artifacts));
    for (const backend of BACKENDS) {
      await nn.setBackend(backend);
      const model = await nn.loadModel(`file://${folder}`);
      const mine = nnPredict(model, X, N);
      // the same weights as the single-buffer artifacts: the same bits
      expect(Array.from(mine)).toEqual(Array.from(nnPredict(inMemory, X, N)));
      const d = maxRelDiff(mine, theirs);
      report[`${label} (${backend})`] = d;
      expect(d).toBeLessThanOrEqual(1e-5);
    }
  });

  it('neurite saves what it loaded from shards, and TF.js reads neurite\'s folder with the same predictions', async () => {
    const folder = join(dir, 'converter-shards');
    writeConverterLayout(folder, artifacts, [artifacts.weightSpecs!.length], 301);
    const model = await nn.loadModel(`file://${join(folder, 'model.json')}`);
    const out = join(dir, 'neurite-out');
    await model.save(`file://${out}`);
    const back = await tfjsFromFolder(out);
    const d = maxRelDiff(tfPredict(back, X, N), nnPredict(model, X, N));
    report['neurite → TF.js after a sharded load'] = d;
    expect(d).toBeLessThanOrEqual(1e-5);
    expect(maxRelDiff(tfPredict(back, X, N), tfPredict(tm, X, N))).toBe(0);
    back.dispose();
  });

  it('a shard that is missing, short or long is a FormatError naming the file or the byte counts', async () => {
    const folder = join(dir, 'broken');
    const paths = writeConverterLayout(folder, artifacts, [artifacts.weightSpecs!.length], 301).flat();
    expect(paths.length).toBe(7);
    const third = join(folder, paths[2]);
    const bytes = readFileSync(third);
    rmSync(third);
    await expect(nn.loadModel(`file://${folder}`)).rejects.toThrow(new RegExp(`the weights file "${paths[2]}" does not exist`));
    writeFileSync(third, bytes.subarray(0, bytes.length - 1));
    await expect(nn.loadModel(`file://${folder}`)).rejects.toThrow(/the weight data has \d+ bytes but the manifest describes \d+: weight "[^"]+" needs bytes/);
    writeFileSync(third, new Uint8Array([...bytes, 0, 0, 0, 0]));
    await expect(nn.loadModel(`file://${folder}`)).rejects.toThrow(/the weight data has \d+ bytes, 4 more than the \d+ the manifest describes/);
  });
});
