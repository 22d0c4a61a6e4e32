// examples/cats-vs-dogs.ts end to end. No weights can be downloaded in tests, so the base is a MobileNet-style
// network built with TF.js 4.22's own layers and saved by TF.js, then pretrained by neurite on a folder of drawn
// images of its own (as a real base is pretrained on ImageNet, not on your photos) and saved again as model.json +
// weights. The example cuts it, freezes it, trains an augmented head on a second folder, fine-tunes, saves and reloads.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import * as nn from '../src/index';
import { writeShapes } from './image-helpers';

const root = fileURLToPath(new URL('..', import.meta.url));
const SIZE = 32;

/**
 * conv (stride 2), batch norm, ReLU6, depthwise, ReLU6, pointwise: the first block of a MobileNet v1. Its initial
 * weights are drawn from seeded initializers, so the test sees the same base on every run.
 */
function tfBase(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'conv1', kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'conv1_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'conv1_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, name: 'conv_dw_1', depthwiseInitializer: init(2) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'conv_dw_1_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 16, kernelSize: 1, name: 'conv_pw_1', activation: 'relu', kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const top = tf.layers.dense({ units: 2, activation: 'softmax', name: 'predictions', kernelInitializer: init(4) }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: top, name: 'tiny_mobilenet' });
}

async function saveWithTfjs(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (a) => {
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

/** Pixels in [0, 1] to the [-1, 1] a MobileNet takes. */
const toUnitRange = (x: nn.Tensor) => nn.tensor(x.data.map((v) => 2 * v - 1), x.shape);
const bits = (ts: nn.Tensor[]) => ts.map((t) => Array.from(new Uint32Array(t.data.slice().buffer)));

it('examples/cats-vs-dogs.ts cuts a pretrained TF.js base, keeps it frozen, trains a head that beats a CNN from scratch, saves and reloads', async () => {
  await nn.ready();
  const dir = mkdtempSync(join(tmpdir(), 'neurite-cvd-'));
  await writeShapes(join(dir, 'imagenet'), 100, SIZE, 11);
  await writeShapes(join(dir, 'photos'), 30, SIZE, 3);

  await saveWithTfjs(tfBase(), dir);
  const base = await nn.loadModel(pathToFileURL(join(dir, 'model.json')).href, { seed: 1 });
  const pre = await nn.loadImageFolder(join(dir, 'imagenet'), { size: [SIZE, SIZE], seed: 5 });
  base.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
  await base.fit(toUnitRange(pre.train.x), pre.train.oneHot, { epochs: 60, batchSize: 16 });
  await base.save(pathToFileURL(join(dir, 'base')).href);

  const out = join(dir, 'trained');
  const args = [join(dir, 'photos'), '--base', join(dir, 'base', 'model.json'), '--epochs', '8', '--fine-tune', '2', '--save', out,
    '--batch-size', '8', '--learning-rate', '0.01'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/cats-vs-dogs.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  // the default cut: the last layer with an image-shaped output
  expect(r.stdout).toContain("cut at 'conv_pw_1' (16x16x16)");
  expect(r.stdout).toContain('data: 48 training and 12 validation images of circles, squares');
  const acc = (label: string) => {
    const m = new RegExp(`${label}: validation accuracy (\\d\\.\\d+)`).exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    return Number(m![1]);
  };
  const frozen = acc('frozen base \\+ new head'), tuned = acc('fine-tuned');
  expect(frozen, r.stdout).toBeGreaterThanOrEqual(0.9);
  expect(acc('reloaded')).toBe(tuned);
  expect(r.stdout).toMatch(/first validation image: (circles|squares) \(\d+\.\d %\), labelled (circles|squares)/);

  // without fine-tuning the base's weights come out of training bit for bit as they went in
  const frozenOut = join(dir, 'frozen');
  const f = spawnSync(process.execPath, ['--import', 'tsx', 'examples/cats-vs-dogs.ts', ...args.slice(0, 5), '--save', frozenOut,
    '--batch-size', '8', '--learning-rate', '0.01'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  expect(f.status, f.stderr).toBe(0);
  const trained = await nn.loadModel(pathToFileURL(frozenOut).href);
  const names = ['conv1', 'conv1_bn', 'conv_dw_1', 'conv_pw_1'];
  const weightsOf = (m: nn.LayersModel) => names.flatMap((n) => m.getLayer(n).getWeights());
  expect(weightsOf(base).length).toBe(8); // kernel; gamma, beta, moving mean and variance; depthwise kernel; kernel, bias
  expect(bits(weightsOf(trained))).toEqual(bits(weightsOf(base)));

  // the same network trained from scratch on the same 48 photos, as long, does worse
  const data = await nn.loadImageFolder(join(dir, 'photos'), { size: [SIZE, SIZE], validationSplit: 0.2, seed: 1 });
  const scratch = await nn.loadModel(pathToFileURL(join(dir, 'model.json')).href, { seed: 2 });
  scratch.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await scratch.fit(toUnitRange(data.train.x), data.train.oneHot, { epochs: 8, batchSize: 8 });
  const fromScratch = (scratch.evaluate(toUnitRange(data.validation!.x), data.validation!.oneHot) as { accuracy: number }).accuracy;
  console.log(`validation accuracy: frozen base + head ${frozen}, fine-tuned ${tuned}, from scratch ${fromScratch}`);
  expect(frozen, `transfer ${frozen} vs from scratch ${fromScratch}`).toBeGreaterThan(fromScratch);

  const noBase = spawnSync(process.execPath, ['--import', 'tsx', 'examples/cats-vs-dogs.ts', join(dir, 'photos')], { cwd: root, encoding: 'utf8' });
  expect(noBase.status).toBe(1);
  expect(noBase.stderr).toContain('--base is required: a pretrained TF.js Layers image model');
}, 600_000);
