// The image layers MobileNets need: depthwiseConv2d, separableConv2d, zeroPadding2d, cropping2d, globalMaxPooling2d,
// rescaling, reLU and the relu6 activation. For each: central-difference gradient checks on both backends; TF.js 4.22
// (cpu) builds the same layer, neurite loads TF.js's file (the same weights) and predicts the same numbers, and
// neurite's file loads in TF.js and predicts the same; options are checked with errors naming the layer and option.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, centralDifferences, maxRelErr, rand } from './helpers';

tf.env().set('PROD', true);

function gradCheck(model: nn.Sequential, x: nn.Tensor, y: nn.Tensor, eps = 1e-2) {
  const { grads } = model.computeGradients(x, y);
  const lossAt = () => model.computeGradients(x, y).loss;
  return centralDifferences(model, grads, lossAt, 9, eps, (t, i, numeric, analytic) => {
    expect(Math.abs(numeric - analytic), `weight ${t}[${i}]: numeric ${numeric} vs analytic ${analytic}`)
      .toBeLessThanOrEqual(2e-3 + 3e-2 * Math.abs(numeric));
  });
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
function data(seed: number, n: number, inShape: number[], outShape: number[]) {
  const r = rand(seed);
  return { x: nn.tensor(r(n * size(inShape)), [n, ...inShape]), y: nn.tensor(r(n * size(outShape), 0, 1), [n, ...outShape]) };
}

/** Layers under test, each after a conv2d (so the input gradient is checked through its kernel) and before a dense head. */
/**
 * `kinks`: the layer's input is the image itself (through an identity 1x1 convolution), kept 0.05 away from each
 * kink, so that no finite-difference step crosses one (the thresholded ReLU even jumps there).
 */
const GRAD_CASES: { name: string; make: () => nn.Layer; input: number[]; channels?: number; eps?: number; kinks?: number[] }[] = [
  { name: 'depthwiseConv2d 3x3 same', make: () => nn.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'tanh' }), input: [6, 7, 2] },
  { name: 'depthwiseConv2d 3x3 same stride 2', make: () => nn.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }), input: [7, 8, 2] },
  { name: 'depthwiseConv2d 2x3 valid, depthMultiplier 2', make: () => nn.layers.depthwiseConv2d({ kernelSize: [2, 3], depthMultiplier: 2, activation: 'sigmoid' }), input: [5, 6, 2] },
  { name: 'depthwiseConv2d 3x3 dilation 2 same, no bias', make: () => nn.layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }), input: [6, 6, 2] },
  { name: 'depthwiseConv2d 5 channels (a quad and a tail, four-pixel runs), elu', make: () => nn.layers.depthwiseConv2d({ kernelSize: 3, activation: 'elu' }), input: [9, 10, 2], channels: 5 },
  { name: 'separableConv2d 3x3 same', make: () => nn.layers.separableConv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }), input: [5, 6, 2] },
  { name: 'separableConv2d stride 2, depthMultiplier 2', make: () => nn.layers.separableConv2d({ filters: 4, kernelSize: 2, strides: 2, depthMultiplier: 2 }), input: [6, 6, 2] },
  { name: 'zeroPadding2d [[1, 2], [0, 1]]', make: () => nn.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]] }), input: [4, 5, 2] },
  { name: 'cropping2d [[1, 0], [1, 2]]', make: () => nn.layers.cropping2d({ cropping: [[1, 0], [1, 2]] }), input: [6, 7, 2] },
  { name: 'globalMaxPooling2d', make: () => nn.layers.globalMaxPooling2d(), input: [5, 6, 2], eps: 1e-3 },
  { name: 'rescaling', make: () => nn.layers.rescaling({ scale: 1.7, offset: -0.3 }), input: [4, 4, 2] },
  { name: 'reLU maxValue 0.3', make: () => nn.layers.reLU({ maxValue: 0.3 }), input: [4, 5, 2], kinks: [0, 0.3] },
  { name: 'reLU negativeSlope 0.2, threshold 0.1', make: () => nn.layers.reLU({ negativeSlope: 0.2, threshold: 0.1 }), input: [4, 5, 2], kinks: [0.1] },
];

describe.each(BACKENDS)('2-D layers (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it.each(GRAD_CASES)('gradients: $name', ({ make, input, channels = input[2], eps = 1e-2, kinks }) => {
    const model = nn.sequential({ seed: 7, layers: [
      nn.layers.conv2d({ filters: channels, kernelSize: 1, activation: kinks ? 'linear' : 'tanh', inputShape: input }),
      make(),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2 }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = data(3, 2, input, [2]);
    if (kinks) {
      const eye = nn.tensor(Array.from({ length: channels * channels }, (_, i) => (i % (channels + 1) === 0 ? 1 : 0)), [1, 1, channels, channels]);
      model.layers[0].setWeights([eye, nn.tensor(new Float32Array(channels))]);
      for (let i = 0; i < x.data.length; i++) {
        for (const k of kinks) if (Math.abs(x.data[i] - k) < 0.05) x.data[i] = k + (x.data[i] < k ? -0.05 : 0.05);
      }
    }
    expect(gradCheck(model, x, y, kinks ? 1e-3 : eps)).toBeGreaterThan(10);
  });

  it('relu6 in dense and conv2d: min(max(x, 0), 6), gradient 0 at the clip', () => {
    const model = nn.sequential({ seed: 1, layers: [
      nn.layers.dense({ units: 6, activation: 'relu6', inputShape: [3] }),
      nn.layers.dense({ units: 2 }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    model.setWeights([nn.tensor([[10, -1, 0.5, 2, 0, 0], [0, 0, 0, 0, 3, -3], [0, 0, 0, 0, 0, 0]]), nn.tensor([0, 0, 0, 0, 0, 0]),
      nn.tensor(rand(1)(12), [6, 2]), nn.tensor([0, 0])]);
    const feat = nn.model({ inputs: model.inputs, outputs: model.layers[0].output });
    expect(Array.from((feat.predict(nn.tensor([[1, 1, 0]])) as nn.Tensor).data)).toEqual([6, 0, 0.5, 2, 3, 0]);
    const { x, y } = data(2, 3, [3], [2]);
    expect(gradCheck(model, x, y, 1e-3)).toBeGreaterThan(5);
  });
});

/** TF.js builds these; neurite loads the file and predicts; neurite's file goes back to TF.js. */
const TFJS_CASES: { name: string; input: number[]; layers: () => tf.layers.Layer[] }[] = [
  { name: 'depthwiseConv2d same, relu6 activation', input: [9, 10, 5], layers: () => [
    tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', biasInitializer: 'randomNormal', inputShape: [9, 10, 5] })] },
  { name: 'depthwiseConv2d stride 2 same (TF pads bottom/right), depthMultiplier 3', input: [8, 7, 4], layers: () => [
    tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 3, inputShape: [8, 7, 4] })] },
  { name: 'depthwiseConv2d 5x5 valid, no bias', input: [12, 11, 8], layers: () => [
    tf.layers.depthwiseConv2d({ kernelSize: 5, useBias: false, inputShape: [12, 11, 8] })] },
  // (TF.js 4.22's SeparableConv2D leaves depthMultiplier out of the config it saves, so a file it writes with
  // depthMultiplier > 1 does not load back in TF.js either; neurite writes it, and TF.js reads it)
  { name: 'separableConv2d same, relu', input: [7, 9, 3], layers: () => [
    tf.layers.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu',
      biasInitializer: 'randomNormal', inputShape: [7, 9, 3] })] },
  { name: 'zeroPadding2d, then depthwise stride 2 valid (Keras MobileNet stem)', input: [9, 9, 4], layers: () => [
    tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], inputShape: [9, 9, 4] }),
    tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid' })] },
  { name: 'cropping2d, globalMaxPooling2d', input: [6, 8, 3], layers: () => [
    tf.layers.cropping2D({ cropping: [[1, 2], [2, 1]], inputShape: [6, 8, 3] }), tf.layers.globalMaxPooling2d({})] },
  { name: 'rescaling, reLU maxValue 6, reLU', input: [5, 5, 3], layers: () => [
    tf.layers.rescaling({ scale: 1 / 0.3, offset: -1, inputShape: [5, 5, 3] }), tf.layers.reLU({ maxValue: 6 }),
    tf.layers.conv2d({ filters: 4, kernelSize: 1 }), tf.layers.reLU()] },
];

function tfPredict(model: tf.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
}
async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}

describe.each(BACKENDS)('2-D layers against TF.js 4.22, both ways (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it.each(TFJS_CASES)('$name', async ({ input, layers }) => {
    tf.setBackend('cpu');
    const tm = tf.sequential({ layers: layers() });
    const n = 3;
    // positive and negative inputs well past the relu6 clip
    const x = rand(input[0] * 7 + input[2])(n * size(input), -5, 5);
    const want = tfPredict(tm, x, [n, ...input]);
    const model = await nn.loadModel(nn.io.fromMemory(await tfjsArtifacts(tm)));
    expect(model.layers.map((l) => l.className)).toEqual(tm.layers.map((l) => l.getClassName()));
    const got = (model.predict(nn.tensor(x, [n, ...input])) as nn.Tensor).data;
    expect(got.length).toBe(want.length);
    expect(maxRelErr(got, want)).toBeLessThan(1e-5);

    let saved: nn.ModelArtifacts | undefined;
    await model.save(nn.io.withSaveHandler((a) => { saved = a; }));
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(maxRelErr(tfPredict(back, x, [n, ...input]), got)).toBeLessThan(1e-5);
    expect(back.countParams()).toBe(model.countParams());
    tm.dispose();
    back.dispose();
  });
});

describe('2-D layer options', () => {
  it('defaults and configs in TF.js spelling', () => {
    expect(nn.layers.depthwiseConv2d({ kernelSize: 3 }).getConfig()).toEqual({
      kernelSize: [3, 3], strides: [1, 1], padding: 'valid', depthMultiplier: 1, dilationRate: [1, 1], activation: 'linear',
      useBias: true, depthwiseInitializer: 'glorotUniform', biasInitializer: 'zeros' });
    expect(nn.layers.zeroPadding2d().getConfig()).toEqual({ padding: [[1, 1], [1, 1]] });
    expect(nn.layers.zeroPadding2d({ padding: [2, 3] }).getConfig()).toEqual({ padding: [[2, 2], [3, 3]] });
    expect(nn.layers.cropping2d().getConfig()).toEqual({ cropping: [[0, 0], [0, 0]] });
    expect(nn.layers.rescaling({ scale: 0.5 }).getConfig()).toEqual({ scale: 0.5, offset: 0 });
    expect(nn.layers.reLU().getConfig()).toEqual({});
    expect(nn.layers.reLU({ maxValue: 6 }).getConfig()).toEqual({ maxValue: 6 });
    const sep = nn.layers.separableConv2d({ filters: 4, kernelSize: 3, inputShape: [5, 5, 2] });
    nn.sequential({ layers: [sep] }).build();
    expect(sep.params().map((p) => [p.name, p.shape])).toEqual([['depthwise_kernel', [3, 3, 2, 1]], ['pointwise_kernel', [1, 1, 2, 4]], ['bias', [4]]]);
  });

  it('refuses bad options naming the layer, the option and the value', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => nn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0, name: 'dw' }), /layer 'dw': depthMultiplier must be a positive integer, got 0/],
      [() => nn.layers.depthwiseConv2d({ kernelSize: 0, name: 'dw2' }), /layer 'dw2': kernelSize must be/],
      [() => nn.layers.depthwiseConv2d({ kernelSize: 3, padding: 'full' as never, name: 'dw3' }), /layer 'dw3': unknown padding "full"/],
      [() => nn.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, dilationRate: 2, name: 'dw4' }), /layer 'dw4': dilationRate 2x2 cannot be combined with strides 2x2/],
      [() => nn.layers.depthwiseConv2d({ kernelSize: 3, filters: 3 } as never), /unknown option "filters"/],
      [() => nn.layers.separableConv2d({ kernelSize: 3, name: 'sep' } as never), /layer 'sep': filters must be a positive integer, got undefined/],
      [() => nn.layers.separableConv2d({ filters: 2, kernelSize: 3, pointwiseRegularizer: { l2: -1 }, name: 'sep2' }), /layer 'sep2': pointwiseRegularizer must be/],
      [() => nn.layers.zeroPadding2d({ padding: [1, -1] as never, name: 'zp' }), /layer 'zp': padding must be an integer ≥ 0.*got \[1, -1\]/],
      [() => nn.layers.cropping2d({ cropping: 1.5 as never, name: 'cr' }), /layer 'cr': cropping must be/],
      [() => nn.layers.rescaling({ name: 'rs' } as never), /layer 'rs': scale is required/],
      [() => nn.layers.rescaling({ scale: Number.NaN, name: 'rs2' }), /layer 'rs2': scale must be a finite number, got NaN/],
      [() => nn.layers.reLU({ maxValue: -1, name: 'r1' }), /layer 'r1': maxValue must be a finite number ≥ 0.*got -1/],
      [() => nn.layers.reLU({ negativeSlope: -0.1, name: 'r2' }), /layer 'r2': negativeSlope must be a finite number ≥ 0/],
      [() => nn.layers.dense({ units: 2, activation: 'relu7' as never }), /relu6/],
    ];
    for (const [make, message] of cases) expect(make).toThrow(message);
  });

  it('refuses shapes naming the layer', () => {
    expect(() => nn.sequential({ layers: [nn.layers.depthwiseConv2d({ kernelSize: 3, name: 'flat', inputShape: [8] })] }).build())
      .toThrow(/layer 'flat' \(DepthwiseConv2D\) expects images \[height, width, channels\], got input shape \[8\]/);
    expect(() => nn.sequential({ layers: [nn.layers.depthwiseConv2d({ kernelSize: 5, name: 'big', inputShape: [3, 3, 1] })] }).build())
      .toThrow(/layer 'big': kernel 5x5 .* larger than its 3x3 input/);
    expect(() => nn.sequential({ layers: [nn.layers.cropping2d({ cropping: 2, name: 'all', inputShape: [4, 6, 1] })] }).build())
      .toThrow(/layer 'all': cropping .* leaves nothing of its 4x6 input/);
  });
});
