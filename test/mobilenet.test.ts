// MobileNet v1 (alpha 0.25) and v2 (alpha 0.35) built with TF.js 4.22's own layers as Keras's applications build
// them (ZeroPadding2D before each stride-2 depthwise convolution, ReLU(6), batch normalization, inverted residual
// blocks with Add), random weights and batch-norm statistics, 96x96 inputs. TF.js saves each; neurite loads the
// file and predicts what TF.js predicts on both backends, and the file neurite saves predicts the same in TF.js.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, bitDiff, mulberry32 } from './helpers';

tf.env().set('PROD', true);

const SIZE = 96;

/** Keras's _make_divisible: v rounded to a multiple of 8, never below 90 % of v. */
function divisible(v: number, d = 8): number {
  let n = Math.max(d, Math.floor((v + d / 2) / d) * d);
  if (n < 0.9 * v) n += d;
  return n;
}

/** Keras's correct_pad for a 3x3 window on a size×size input: [[top, bottom], [left, right]]. */
const correctPad = (size: number): [[number, number], [number, number]] =>
  size % 2 === 0 ? [[0, 1], [0, 1]] : [[1, 1], [1, 1]];

type Sym = tf.SymbolicTensor;
const bnRelu6 = (x: Sym, relu = true): Sym => {
  const y = tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999 }).apply(x) as Sym;
  return relu ? tf.layers.reLU({ maxValue: 6 }).apply(y) as Sym : y;
};
const spatial = (x: Sym) => x.shape[1] as number;

function mobilenetV1(alpha: number, classes: number): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = tf.layers.conv2d({ filters: Math.floor(32 * alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(input) as Sym;
  x = bnRelu6(x);
  const blocks: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1],
    [512, 1], [512, 1], [1024, 2], [1024, 1]];
  for (const [filters, stride] of blocks) {
    if (stride === 2) x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(x) as Sym;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false }).apply(x) as Sym;
    x = bnRelu6(x);
    x = tf.layers.conv2d({ filters: Math.floor(filters * alpha), kernelSize: 1, padding: 'same', useBias: false }).apply(x) as Sym;
    x = bnRelu6(x);
  }
  const c = x.shape[3] as number;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as Sym;
  x = tf.layers.reshape({ targetShape: [1, 1, c] }).apply(x) as Sym;
  x = tf.layers.dropout({ rate: 1e-3 }).apply(x) as Sym;
  x = tf.layers.conv2d({ filters: classes, kernelSize: 1, padding: 'same' }).apply(x) as Sym;
  x = tf.layers.reshape({ targetShape: [classes] }).apply(x) as Sym;
  x = tf.layers.activation({ activation: 'softmax' }).apply(x) as Sym;
  return tf.model({ inputs: input, outputs: x, name: 'mobilenet_v1' });
}

function mobilenetV2(alpha: number, classes: number): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = tf.layers.conv2d({ filters: divisible(32 * alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(input) as Sym;
  x = bnRelu6(x);
  // (filters, stride, expansion) of Keras's 17 inverted residual blocks
  const blocks: [number, number, number][] = [[16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6],
    [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6], [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6],
    [160, 1, 6], [320, 1, 6]];
  blocks.forEach(([filters, stride, expansion], id) => {
    const inC = x.shape[3] as number;
    const out = divisible(Math.floor(filters * alpha));
    const block = x;
    let y = x;
    if (id > 0) y = bnRelu6(tf.layers.conv2d({ filters: expansion * inC, kernelSize: 1, padding: 'same', useBias: false }).apply(y) as Sym);
    if (stride === 2) y = tf.layers.zeroPadding2d({ padding: correctPad(spatial(y)) }).apply(y) as Sym;
    y = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false }).apply(y) as Sym;
    y = bnRelu6(y);
    y = bnRelu6(tf.layers.conv2d({ filters: out, kernelSize: 1, padding: 'same', useBias: false }).apply(y) as Sym, false);
    x = inC === out && stride === 1 ? tf.layers.add().apply([block, y]) as Sym : y;
  });
  x = bnRelu6(tf.layers.conv2d({ filters: alpha > 1 ? divisible(1280 * alpha) : 1280, kernelSize: 1, useBias: false }).apply(x) as Sym);
  x = tf.layers.globalAveragePooling2d({}).apply(x) as Sym;
  x = tf.layers.dense({ units: classes, activation: 'softmax' }).apply(x) as Sym;
  return tf.model({ inputs: input, outputs: x, name: 'mobilenet_v2' });
}

/**
 * Random weights: uniform kernels scaled by fan-in, batch-norm gamma, beta, moving mean and variance spread around
 * their identity values, so that every layer changes the numbers and the softmax does not saturate.
 */
function randomize(model: tf.LayersModel, seed: number): void {
  const next = mulberry32(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * next();
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    const cls = layer.getClassName();
    layer.setWeights(ws.map((w, i) => {
      const n = w.size;
      const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) / (cls === 'DepthwiseConv2D' ? (w.shape[2] as number) : 1) : 1;
      const gen = (f: () => number) => tf.tensor(Float32Array.from({ length: n }, f), w.shape);
      if (cls === 'BatchNormalization') return gen([() => u(0.6, 1.4), () => u(-0.2, 0.2), () => u(-0.2, 0.2), () => u(0.5, 1.5)][i]);
      if (w.shape.length === 1) return gen(() => u(-0.1, 0.1));
      // the classifier narrower, so that the logits span a few units rather than tens (a probability's relative
      // error is its logit's absolute error)
      const a = Math.sqrt(3 / fanIn) * (w.shape[w.shape.length - 1] === 1000 ? 0.5 : 1.5);
      return gen(() => u(-a, a));
    }));
  }
}

async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}
const tfPredict = (m: tf.LayersModel, x: Float32Array, n: number) =>
  tf.tidy(() => (m.predict(tf.tensor(x, [n, SIZE, SIZE, 3])) as tf.Tensor).dataSync() as Float32Array);

/** Largest |a − b| / |b| over the entries (the softmax outputs are all well above 0). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return e;
}

const report: Record<string, number> = {};
afterAll(() => { console.log('MobileNet relative errors (largest over 2 images x 1000 classes):', report); });

const NETS = [
  { name: 'MobileNet v1 alpha 0.25', build: () => mobilenetV1(0.25, 1000), layers: 92 },
  { name: 'MobileNet v2 alpha 0.35', build: () => mobilenetV2(0.35, 1000), layers: 156 },
];

describe.each(NETS)('$name, 96x96, random weights', ({ name, build, layers }) => {
  it('TF.js → neurite on wasm and js within 1e-4 relative; neurite → TF.js the same', async () => {
    await tf.setBackend('cpu');
    const tm = build();
    randomize(tm, name.length);
    expect(tm.layers.length).toBe(layers);
    const n = 2;
    const next = mulberry32(7);
    const x = Float32Array.from({ length: n * SIZE * SIZE * 3 }, () => next() * 2 - 1);
    const want = tfPredict(tm, x, n);
    // a softmax over 1000 classes that is not flat and not saturated
    const top = Math.max(...want.subarray(0, 1000));
    expect(top).toBeGreaterThan(2 / 1000);
    expect(top).toBeLessThan(0.5);
    const artifacts = await tfjsArtifacts(tm);
    const outputs: Float32Array[] = [];
    for (const backend of BACKENDS) {
      await nn.setBackend(backend);
      const model = await nn.loadModel(nn.io.fromMemory(artifacts));
      expect(model.countParams()).toBe(tm.countParams());
      const got = (model.predict(nn.tensor(x, [n, SIZE, SIZE, 3])) as nn.Tensor).data;
      outputs.push(got);
      const err = relErr(got, want);
      report[`${name} ${backend}`] = err;
      expect(err, backend).toBeLessThan(1e-4);
      if (backend === 'wasm') {
        let saved: nn.ModelArtifacts | undefined;
        await model.save(nn.io.withSaveHandler((a) => { saved = a; }));
        const back = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
        const again = tfPredict(back, x, n);
        report[`${name} neurite → TF.js`] = relErr(again, want);
        expect(relErr(again, got)).toBeLessThan(1e-4);
        back.dispose();
      }
    }
    // the two backends give the same bits
    expect(bitDiff(outputs[0], outputs[1])).toBe(0);
    tm.dispose();
  }, 120_000);
});
