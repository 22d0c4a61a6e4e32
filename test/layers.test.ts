// Convolution, pooling, shape, dropout and batch-norm layers: finite-difference gradient checks through a
// model (weights and, via a layer below, inputs), behaviour in training vs inference, and shape errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, centralDifferences, maxRelErr, rand } from './helpers';

/** Checks analytic gradients of every weight against central differences of the loss (f32 forward passes). */
function gradCheck(model: nn.Sequential, x: nn.Tensor, y: nn.Tensor, reset: () => void = () => {}, eps = 1e-2) {
  reset();
  const { grads } = model.computeGradients(x, y);
  const lossAt = () => { reset(); return model.computeGradients(x, y).loss; };
  return centralDifferences(model, grads, lossAt, 9, eps, (t, i, numeric, analytic) => {
    expect(Math.abs(numeric - analytic), `weight ${t}[${i}]: numeric ${numeric} vs analytic ${analytic}`)
      .toBeLessThanOrEqual(2e-3 + 3e-2 * Math.abs(numeric));
  });
}

function data(seed: number, n: number, inShape: number[], outShape: number[]) {
  const r = rand(seed);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return { x: nn.tensor(r(n * size(inShape)), [n, ...inShape]), y: nn.tensor(r(n * size(outShape), 0, 1), [n, ...outShape]) };
}

const CONV_CASES: { name: string; cfg: Partial<nn.Conv2DConfig>; input: number[] }[] = [
  { name: '3x3 valid', cfg: { kernelSize: 3 }, input: [6, 5, 2] },
  { name: '3x3 same stride 2', cfg: { kernelSize: 3, padding: 'same', strides: 2 }, input: [7, 6, 3] },
  { name: '2x3 same', cfg: { kernelSize: [2, 3], padding: 'same' }, input: [5, 5, 2] },
  { name: '3x3 dilation 2', cfg: { kernelSize: 3, dilationRate: 2 }, input: [7, 7, 1] },
  { name: '3x3 dilation 2 same', cfg: { kernelSize: 3, dilationRate: 2, padding: 'same' }, input: [5, 6, 2] },
  { name: '1x1 stride 2x1', cfg: { kernelSize: 1, strides: [2, 1] }, input: [5, 4, 3] },
];

describe.each(BACKENDS)('layers (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it.each(CONV_CASES)('conv2d gradients: $name', ({ cfg, input }) => {
    const model = nn.sequential({ seed: 1, layers: [
      nn.layers.conv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh', inputShape: input }),
      nn.layers.conv2d({ filters: 4, activation: 'sigmoid', ...cfg } as nn.Conv2DConfig),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2 }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = data(2, 2, input, [2]);
    expect(gradCheck(model, x, y)).toBeGreaterThan(20);
  });

  it('conv2d gradients: one input channel, valid, stride 1 (forward reads the image in place: f32_conv2d_direct)', () => {
    // 6x9x1 → 4x6x9 (9 filters: one panel of 8 and one of 1; 6 wide: a 5-pixel tile and an overlapping one)
    const model = nn.sequential({ seed: 3, layers: [
      nn.layers.conv2d({ filters: 9, kernelSize: [3, 4], activation: 'tanh', inputShape: [6, 9, 1] }),
      nn.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'sigmoid' }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2 }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = data(2, 2, [6, 9, 1], [2]);
    expect(gradCheck(model, x, y)).toBeGreaterThan(20);
  });

  it.each([
    ['maxPooling2d valid', () => nn.layers.maxPooling2d({ poolSize: 2 })],
    ['maxPooling2d same stride 1', () => nn.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' })],
    ['averagePooling2d valid 3/2', () => nn.layers.averagePooling2d({ poolSize: 3, strides: 2 })],
    ['averagePooling2d same', () => nn.layers.averagePooling2d({ poolSize: 2, padding: 'same' })],
    ['globalAveragePooling2d', () => nn.layers.globalAveragePooling2d()],
  ])('%s gradients', (name, make) => {
    const model = nn.sequential({ seed: 3, layers: [
      nn.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [7, 6, 2] }),
      make(),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2 }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = data(4, 3, [7, 6, 2], [2]);
    // overlapping max windows hold near-ties that a wide step would swap: use a narrower step there
    expect(gradCheck(model, x, y, undefined, name.startsWith('max') ? 1e-3 : 1e-2)).toBeGreaterThan(10);
  });

  it('reshape and flatten gradients', () => {
    const model = nn.sequential({ seed: 5, layers: [
      nn.layers.dense({ units: 12, activation: 'tanh', inputShape: [5] }),
      nn.layers.reshape({ targetShape: [2, -1, 3] }),
      nn.layers.conv2d({ filters: 2, kernelSize: [1, 2] }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 1 }),
    ] });
    model.build();
    expect(model.layers[1].outShape).toEqual([2, 2, 3]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = data(6, 3, [5], [1]);
    expect(gradCheck(model, x, y)).toBeGreaterThan(10);
  });

  it('batchNormalization gradients (training mode) and inference with moving statistics', async () => {
    const model = nn.sequential({ seed: 7, layers: [
      nn.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [4, 4, 2] }),
      nn.layers.batchNormalization(),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2, activation: 'tanh' }),
      nn.layers.batchNormalization({ momentum: 0.5 }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = data(8, 4, [4, 4, 2], [2]);
    expect(gradCheck(model, x, y)).toBeGreaterThan(15);
    // weights in TF.js order; the moving statistics are not trained
    const names = model.getWeights().map((w) => w.shape.join('x'));
    expect(names.slice(2, 6)).toEqual(['3', '3', '3', '3']);
    const before = model.getWeights();
    model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    await model.fit(x, y, { epochs: 3, batchSize: 4 });
    const after = model.getWeights();
    // gamma changed by training; moving mean moved toward the batch mean by the update rule, not by the optimizer
    expect(maxRelErr(after[2].data, before[2].data)).toBeGreaterThan(0);
    expect(maxRelErr(after[4].data, before[4].data)).toBeGreaterThan(0);
    // inference uses the moving statistics: y = γ(x − μ)/√(σ² + ε) + β at the last layer
    const bn = model.layers[4] as nn.BatchNormalization;
    const w = model.getWeights();
    const [gamma, beta, mm, mv] = w.slice(8, 12).map((t) => t.data);
    const sub = nn.sequential({ seed: 7, layers: model.layers.slice(0, 4).map((l) => nn.layerFromJSON(l.toJSON())) });
    sub.setWeights(w.slice(0, 8));
    const hidden = sub.predict(x).data;
    const out = model.predict(x).data;
    for (let i = 0; i < out.length; i++) {
      const c = i % 2;
      const expected = (gamma[c] * (hidden[i] - mm[c])) / Math.sqrt(mv[c] + bn.epsilon) + beta[c];
      expect(out[i]).toBeCloseTo(expected, 5);
    }
  });

  it('dropout: gradients with a fixed mask, scaling in training, identity in predict', () => {
    const model = nn.sequential({ seed: 9, layers: [
      nn.layers.dense({ units: 20, activation: 'tanh', inputShape: [4] }),
      nn.layers.dropout({ rate: 0.4 }),
      nn.layers.dense({ units: 2 }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = data(10, 3, [4], [2]);
    const state = model.getTrainingState();
    // same mask for every evaluation: restore the dropout stream each time
    expect(gradCheck(model, x, y, () => model.setTrainingState(state))).toBeGreaterThan(10);
    // predict is deterministic and ignores dropout
    expect(Array.from(model.predict(x).data)).toEqual(Array.from(model.predict(x).data));
    // in training, about 40% of the activations are zeroed and the rest scaled by 1/0.6
    const probe = nn.sequential({ seed: 1, layers: [nn.layers.dropout({ rate: 0.4, inputShape: [1000] })] });
    probe.compile({ optimizer: 'sgd', loss: 'mse' });
    const ones = nn.tensor(new Float32Array(1000).fill(1), [1, 1000]);
    const { grads } = probe.computeGradients(ones, ones);
    expect(grads).toHaveLength(0);
    expect(Array.from(probe.predict(ones).data).every((v) => v === 1)).toBe(true);
  });

  it('dropout masks follow the seed: same seed, same training; another seed differs', async () => {
    const run = async (seed: number) => {
      const m = nn.sequential({ seed, layers: [
        nn.layers.dense({ units: 16, activation: 'relu', inputShape: [3] }),
        nn.layers.dropout({ rate: 0.5 }),
        nn.layers.dense({ units: 1 }),
      ] });
      m.compile({ optimizer: 'adam', loss: 'mse' });
      const { x, y } = data(11, 16, [3], [1]);
      await m.fit(x, y, { epochs: 3, batchSize: 4 });
      return Array.from(m.getWeights()[2].data);
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });
});

describe('layer shape errors name the layer and shapes', () => {
  it('a kernel larger than its input', () => {
    const m = nn.sequential({ layers: [nn.layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [3, 3, 1], name: 'c1' })] });
    expect(() => m.build()).toThrow(/layer 'c1': kernel 5x5 .* larger than its 3x3 input with padding 'valid'/);
    const p = nn.sequential({ layers: [nn.layers.maxPooling2d({ poolSize: 4, inputShape: [3, 8, 1], name: 'p1' })] });
    expect(() => p.build()).toThrow(/layer 'p1': pool 4x4 is larger than its 3x8 input/);
  });
  it('non-image input to conv and pooling, 2-D input to dense', () => {
    expect(() => nn.sequential({ layers: [nn.layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [9], name: 'c' })] }).build())
      .toThrow(/layer 'c' \(Conv2D\) expects images \[height, width, channels\], got input shape \[9\]/);
    expect(() => nn.sequential({ layers: [nn.layers.dense({ units: 2, inputShape: [3, 3], name: 'd' })] }).build())
      .toThrow(/layer 'd' \(Dense\) expects 1-D samples, got input shape \[3, 3\]/);
  });
  it('bad options', () => {
    expect(() => nn.layers.conv2d({ filters: 2, kernelSize: 0 })).toThrow(/kernelSize must be a positive integer/);
    expect(() => nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/unknown padding "full".*valid, same/);
    expect(() => nn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/dilationRate 2x2 cannot be combined with strides 2x2/);
    expect(() => nn.layers.dropout({ rate: 1 })).toThrow(/rate must be a number in \[0, 1\), got 1/);
    expect(() => nn.layers.reshape({ targetShape: [-1, -1] })).toThrow(/at most one -1/);
    expect(() => nn.sequential({ layers: [nn.layers.reshape({ targetShape: [4, 4], inputShape: [15], name: 'r' })] }).build())
      .toThrow(/layer 'r': cannot reshape \[15\] \(15 values\) to \[4, 4\]/);
    expect(() => nn.layers.batchNormalization({ momentum: 1 })).toThrow(/momentum must be a number in \[0, 1\), got 1/);
  });
  it('x with the wrong image shape', () => {
    const m = nn.sequential({ layers: [nn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1], name: 'c' })] });
    expect(() => m.predict(nn.tensor(new Float32Array(64), [1, 8, 8]))).toThrow(/layer 'c' expects samples of shape \[8, 8, 1\].*\[1, 8, 8\]/);
  });
});
