// Teachable Machine's image export, built here with TF.js 4.22's own layers as @teachablemachine/image builds it: a
// MobileNet-style functional base cut at a ReLU6 (its trainingLayer), inside a Sequential with a GlobalAveragePooling2D
// (v2) or a Flatten (v1), followed by a Sequential head (dense relu, then a softmax dense without bias), all three in
// one outer Sequential; saved by TF.js as model.json + weights.bin, with the metadata.json the library writes
// (labels and versions). nn.io.readTeachableMachine reads the folder (as a path, a file:// URL or over http) and the
// model predicts what TF.js predicts from the same files.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, rand } from './helpers';

tf.env().set('PROD', true);

const SIZE = 32;
const LABELS = ['Class 1', 'Thumbs up', 'Ünïcode ✓'];
type Sym = tf.SymbolicTensor;

/** A small MobileNet v1-style base (conv, then depthwise + pointwise blocks with batch norm and ReLU6), named as Keras names it. */
function base(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const bnRelu = (x: Sym, n: string) => tf.layers.reLU({ maxValue: 6, name: `${n}_relu` })
    .apply(tf.layers.batchNormalization({ epsilon: 1e-3, name: `${n}_bn` }).apply(x)) as Sym;
  let x = bnRelu(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'conv1' }).apply(input) as Sym, 'conv1');
  for (const [i, filters, stride] of [[1, 16, 1], [2, 16, 2], [3, 24, 1]]) {
    x = bnRelu(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, name: `conv_dw_${i}` }).apply(x) as Sym, `conv_dw_${i}`);
    x = bnRelu(tf.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name: `conv_pw_${i}` }).apply(x) as Sym, `conv_pw_${i}`);
  }
  // the classifier Teachable Machine cuts off
  const top = tf.layers.dense({ units: 10, activation: 'softmax', name: 'predictions' })
    .apply(tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x)) as Sym;
  return tf.model({ inputs: input, outputs: top, name: 'mobilenet_small' });
}

/** The model @teachablemachine/image exports: Sequential[Sequential[truncated base, pooling], Sequential[head]]. */
function teachable(version: 1 | 2): tf.Sequential {
  const mobilenet = base();
  const layer = mobilenet.getLayer('conv_pw_3_relu');
  const truncated = tf.model({ inputs: mobilenet.inputs, outputs: layer.output });
  const truncatedModel = tf.sequential();
  truncatedModel.add(truncated);
  truncatedModel.add(version === 1 ? tf.layers.flatten() : tf.layers.globalAveragePooling2d({}));
  const inputSize = (truncatedModel.outputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const trainingModel = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [inputSize], units: 12, activation: 'relu', useBias: true }),
    tf.layers.dense({ units: LABELS.length, activation: 'softmax', useBias: false }),
  ] });
  const joint = tf.sequential();
  joint.add(truncatedModel);
  joint.add(trainingModel);
  // seeded weights and batch statistics, so that every layer matters
  joint.setWeights(joint.getWeights().map((w, i) => {
    const v = rand(700 + i)(w.size, -0.5, 0.5);
    if (joint.weights[i].name.includes('moving_variance')) for (let j = 0; j < v.length; j++) v[j] = 0.5 + Math.abs(v[j]);
    if (joint.weights[i].name.includes('gamma')) for (let j = 0; j < v.length; j++) v[j] += 1;
    return tf.tensor(v, w.shape);
  }));
  return joint;
}

/** Writes what Teachable Machine's export holds: model.json, weights.bin and metadata.json. */
async function writeExport(folder: string, model: tf.LayersModel, metadata: unknown): Promise<void> {
  mkdirSync(folder, { recursive: true });
  let a: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (x) => { a = x; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  writeFileSync(join(folder, 'weights.bin'), new Uint8Array(a!.weightData as ArrayBuffer));
  writeFileSync(join(folder, 'model.json'), JSON.stringify({ modelTopology: a!.modelTopology, format: a!.format, generatedBy: a!.generatedBy,
    convertedBy: null, weightsManifest: [{ paths: ['weights.bin'], weights: a!.weightSpecs }] }));
  writeFileSync(join(folder, 'metadata.json'), typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
}

const METADATA = { tfjsVersion: '1.3.1', tmVersion: '2.4.7', packageVersion: '0.8.4', packageName: '@teachablemachine/image',
  timeStamp: '2026-12-07T12:00:00.000Z', userMetadata: {}, modelName: 'tm-my-image-model', labels: LABELS, imageSize: 224 };

/** TF.js's own HTTP loader reading a folder on disk. */
function tfjsFromFolder(folder: string): Promise<tf.LayersModel> {
  const fetchFunc = async (input: RequestInfo | URL) =>
    new Response(readFileSync(join(folder, decodeURIComponent(new URL(String(input)).pathname).replace(/^\/m\//, ''))));
  return tf.loadLayersModel(tf.io.http('http://localhost/m/model.json', { fetchFunc }));
}

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

const N = 3;
// images as @teachablemachine/image feeds them: pixels / 127 - 1
const X = Float32Array.from(rand(31)(N * SIZE * SIZE * 3, 0, 255), (p) => Math.round(p) / 127 - 1);
const report: Record<string, number> = {};
let dir = '';
let server: Server;
let base_ = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'neurite-tm-'));
  server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/\.\./g, ''))));
    } catch {
      res.writeHead(404, 'Not Found').end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base_ = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
  await nn.setBackend('wasm');
  console.log(`Teachable Machine exports, largest relative difference vs TF.js: ${JSON.stringify(report, null, 1)}`);
});

describe('Teachable Machine image exports', () => {
  it.each([1, 2] as const)('MobileNet v%i style: labels from metadata.json, TF.js\'s predictions from a folder, file:// and http, on both backends', async (version) => {
    const tm = teachable(version);
    const folder = join(dir, `v${version}`);
    await writeExport(folder, tm, METADATA);
    const topology = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')).modelTopology;
    // the layout under test: Sequential[Sequential[Model, pooling], Sequential[Dense, Dense]]
    expect(topology.class_name).toBe('Sequential');
    expect(topology.config.layers.map((l: { class_name: string }) => l.class_name)).toEqual(['Sequential', 'Sequential']);
    expect(topology.config.layers[0].config.layers.map((l: { class_name: string }) => l.class_name))
      .toEqual(['Model', version === 1 ? 'Flatten' : 'GlobalAveragePooling2D']);

    const fromFiles = await tfjsFromFolder(folder);
    const x = tf.tensor(X, [N, SIZE, SIZE, 3]);
    const theirs = (fromFiles.predict(x) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelDiff(theirs, (tm.predict(x) as tf.Tensor).dataSync())).toBe(0);
    x.dispose();
    fromFiles.dispose();
    tm.dispose();

    const outs: number[][] = [];
    for (const backend of BACKENDS) {
      await nn.setBackend(backend);
      for (const source of [folder, `file://${folder}`, `file://${folder}/model.json`, `${base_}/v${version}/`, `${base_}/v${version}/model.json`]) {
        const { model, labels, metadata } = await nn.io.readTeachableMachine(source);
        expect(labels).toEqual(LABELS);
        expect(metadata).toEqual(METADATA);
        const out = Array.from((model.predict(nn.tensor(X, [N, SIZE, SIZE, 3])) as nn.Tensor).data);
        const d = maxRelDiff(out, theirs);
        report[`v${version} ${backend}`] = Math.max(report[`v${version} ${backend}`] ?? 0, d);
        expect(d).toBeLessThanOrEqual(1e-5);
        outs.push(out);
      }
    }
    // every source and both backends: the same bits
    for (const o of outs) expect(o).toEqual(outs[0]);
    // neurite saves the loaded model as the flat graph it built, which TF.js reads back with the same predictions
    const { model } = await nn.io.readTeachableMachine(folder);
    await model.save(`file://${join(dir, `v${version}-resaved`)}`);
    const back = await tfjsFromFolder(join(dir, `v${version}-resaved`));
    const x2 = tf.tensor(X, [N, SIZE, SIZE, 3]);
    const d = maxRelDiff((back.predict(x2) as tf.Tensor).dataSync(), theirs);
    report[`v${version} neurite's file in TF.js`] = d;
    expect(d).toBeLessThanOrEqual(1e-5);
    x2.dispose();
    back.dispose();
  });

  it('a bad or missing metadata.json is a FormatError naming the file and the field', async () => {
    const tm = teachable(2);
    const folder = join(dir, 'bad');
    const read = async (metadata: unknown) => {
      await writeExport(folder, tm, metadata);
      try {
        await nn.io.readTeachableMachine(folder);
      } catch (e) {
        expect(e).toBeInstanceOf(nn.FormatError);
        return (e as Error).message;
      }
      throw new Error('it loaded');
    };
    expect(await read({ ...METADATA, labels: 'cat,dog' })).toMatch(/metadata\.json: labels must be a list of strings \(the class names\), got "cat,dog"/);
    expect(await read({ ...METADATA, labels: ['a', 7, 'c'] })).toMatch(/metadata\.json: labels\[1\] must be a string, got 7/);
    expect(await read({ ...METADATA, labels: ['a', 'b'] })).toMatch(/metadata\.json has 2 labels, but the model gives 3 classes/);
    expect(await read([1, 2])).toMatch(/metadata\.json: must be a JSON object/);
    expect(await read('{"labels": [')).toMatch(/metadata\.json: invalid JSON/);
    // a Sequential of models whose first model gives no input shape
    await writeExport(folder, tm, METADATA);
    const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
    delete json.modelTopology.config.layers[0].config.layers[0].config.layers[0].config.batch_input_shape;
    writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
    await expect(nn.io.readTeachableMachine(folder)).rejects.toThrow(/config\.layers\[0\]: the first layer needs a batch_input_shape/);
    rmSync(join(folder, 'metadata.json'));
    await expect(nn.io.readTeachableMachine(folder)).rejects.toThrow(/no metadata\.json beside .*model\.json \(the file does not exist\)/);
    await expect(nn.io.readTeachableMachine(`${base_}/bad/`)).rejects.toThrow(new RegExp(`fetching ${base_}/bad/metadata.json failed with HTTP status 404`));
    await expect(nn.io.readTeachableMachine('indexeddb://tm')).rejects.toThrow(/readTeachableMachine reads a folder, a file:\/\/ URL or an http\(s\):\/\/ URL/);
    tm.dispose();
  });
});
