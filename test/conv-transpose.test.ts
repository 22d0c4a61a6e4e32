// conv2dTranspose: TF.js 4.22's Conv2DTranspose with the same weights (output shapes by deconvLength, strides 1, 2, 3,
// 'valid' and 'same', odd and even kernels, kernels smaller than the stride) predicts the same, and tf.grad of
// <y, g> gives the same input, kernel and bias gradients; a float64 definition (scatter of every input pixel through
// the kernel) for dilations, which TF.js does not apply; central differences in a model; wasm = js bits; files both
// ways; errors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, bitDiff, centralDifferences, Mem, rand } from './helpers';

tf.env().set('PROD', true);
tf.setBackend('cpu');

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
/** max |a − b| over the largest |b| (at least 1). */
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0, s = 1;
  for (let i = 0; i < b.length; i++) s = Math.max(s, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / s;
};

interface Case {
  input: number[]; filters: number; kernelSize: [number, number]; strides: [number, number]; padding: 'valid' | 'same';
  activation?: 'linear' | 'tanh' | 'relu'; useBias?: boolean; out: number[];
}
const CASES: Case[] = [
  { input: [5, 6, 3], filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', out: [7, 8, 4] },
  { input: [5, 6, 3], filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', out: [5, 6, 4] },
  { input: [4, 5, 2], filters: 3, kernelSize: [3, 3], strides: [2, 2], padding: 'valid', out: [9, 11, 3] },
  { input: [4, 5, 2], filters: 3, kernelSize: [3, 3], strides: [2, 2], padding: 'same', activation: 'tanh', out: [8, 10, 3] },
  { input: [3, 4, 5], filters: 2, kernelSize: [4, 2], strides: [2, 2], padding: 'same', useBias: false, out: [6, 8, 2] },
  { input: [3, 3, 2], filters: 2, kernelSize: [1, 1], strides: [2, 2], padding: 'valid', out: [6, 6, 2] },
  { input: [3, 4, 3], filters: 5, kernelSize: [2, 3], strides: [3, 2], padding: 'valid', out: [9, 9, 5] },
  { input: [5, 5, 6], filters: 5, kernelSize: [5, 5], strides: [1, 2], padding: 'same', activation: 'relu', out: [5, 10, 5] },
  { input: [4, 3, 4], filters: 9, kernelSize: [3, 2], strides: [3, 3], padding: 'same', out: [12, 9, 9] },
];
const label = (c: Case) => `[${c.input.join(', ')}] → ${c.filters} filters, kernel ${c.kernelSize.join('x')}, strides ${c.strides.join('x')}, ${c.padding}` +
  `${c.activation ? `, ${c.activation}` : ''}${c.useBias === false ? ', no bias' : ''}`;
const make = (c: Case) => nn.layers.conv2dTranspose({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding,
  activation: c.activation, useBias: c.useBias });

/** The layer on `rows` samples with the given weights: y, and for dy the gradients of x, kernel and bias. */
function run(backend: nn.BackendName, layer: nn.Layer, x: Float32Array, rows: number, shape: number[], weights: Float32Array[], dy?: Float32Array) {
  const mem = new Mem(backend);
  const out = layer.build(shape);
  const ws = mem.f32(Math.max(4, layer.workspaceBytes(rows) / 4));
  const px = mem.f32(x), py = mem.f32(rows * size(out));
  const params = weights.map((w) => mem.f32(w)), grads = weights.map((w) => mem.f32(w.length));
  const pdy = dy ? mem.f32(dy) : 0, pdx = dy ? mem.f32(x.length) : 0;
  const b = { x: px, xs: [px], dx: pdx, dxs: [pdx], y: py, dy: pdy, params, grads, ws, trains: true };
  layer.forward(mem.k, b, rows, true);
  const y = mem.read(py, rows * size(out));
  let dx: Float32Array | undefined, dw: Float32Array[] = [];
  if (dy) {
    layer.backward(mem.k, b, rows);
    dx = mem.read(pdx, x.length);
    dw = weights.map((w, i) => mem.read(grads[i], w.length));
  }
  mem.free();
  return { y, dx, dw, out };
}

/** Float64 definition: every input pixel adds x·W into the output window at (iy·s − pad + i·d, ix·s − pad + j·d). */
function reference(x: Float32Array, n: number, shape: number[], kernel: Float32Array, bias: Float32Array | undefined, filters: number,
  k: [number, number], s: [number, number], d: [number, number], pad: [number, number], out: [number, number]) {
  const [h, w, c] = shape, [oh, ow] = out;
  const y = new Float64Array(n * oh * ow * filters);
  for (let b = 0; b < n; b++) for (let iy = 0; iy < h; iy++) for (let ix = 0; ix < w; ix++) for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) {
    const oy = iy * s[0] - pad[0] + i * d[0], ox = ix * s[1] - pad[1] + j * d[1];
    if (oy < 0 || ox < 0 || oy >= oh || ox >= ow) continue;
    for (let f = 0; f < filters; f++) for (let ch = 0; ch < c; ch++) {
      y[((b * oh + oy) * ow + ox) * filters + f] += x[((b * h + iy) * w + ix) * c + ch] * kernel[((i * k[1] + j) * filters + f) * c + ch];
    }
  }
  if (bias) for (let i = 0; i < y.length; i++) y[i] += bias[i % filters];
  return y;
}

function tfLayer(c: Case) {
  const tm = tf.sequential({ layers: [tf.layers.conv2dTranspose({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides,
    padding: c.padding, activation: c.activation, useBias: c.useBias, biasInitializer: 'randomNormal', inputShape: c.input })] });
  return tm;
}
async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}

describe.each(BACKENDS)('conv2dTranspose against TF.js 4.22 (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it.each(CASES.map((c) => [label(c), c] as const))('%s: output shape, forward and the three gradients', (_l, c) => {
    const tm = tfLayer(c);
    expect(tm.outputs[0].shape).toEqual([null, ...c.out]);
    const weights = tm.getWeights().map((t) => t.dataSync() as Float32Array);
    expect(tm.getWeights()[0].shape).toEqual([...c.kernelSize, c.filters, c.input[2]]);
    const n = 2, x = rand(size(c.input) + c.filters)(n * size(c.input), -1, 1);
    const g = rand(size(c.out))(n * size(c.out), -1, 1);
    const xT = tf.tensor(x, [n, ...c.input]), gT = tf.tensor(g, [n, ...c.out]);
    const want = (tm.predict(xT) as tf.Tensor).dataSync();
    const loss = () => tf.sum(tf.mul(tm.apply(xT) as tf.Tensor, gT)) as tf.Scalar;
    const { grads } = tf.variableGrads(loss);
    const wantDw = tm.trainableWeights.map((v) => grads[v.originalName ?? v.name].dataSync());
    const wantDx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tm.apply(v) as tf.Tensor, gT)))(xT).dataSync();

    const { y, dx, dw, out } = run(backend, make(c), x, n, c.input, weights, g);
    expect(out).toEqual(c.out);
    expect(relErr(y, want)).toBeLessThan(1e-5);
    expect(relErr(dx!, wantDx)).toBeLessThan(1e-5);
    expect(dw.length).toBe(wantDw.length);
    dw.forEach((d, i) => expect(relErr(d, wantDw[i]), `weight ${i}`).toBeLessThan(1e-5));
    tm.dispose();
  });

  it.each(CASES.map((c) => [label(c), c] as const))('%s: TF.js\'s file loads and predicts the same; neurite\'s loads in TF.js', async (_l, c) => {
    const tm = tfLayer(c);
    const n = 3, x = rand(size(c.input))(n * size(c.input), -2, 2);
    const want = tf.tidy(() => (tm.predict(tf.tensor(x, [n, ...c.input])) as tf.Tensor).dataSync() as Float32Array);
    const model = await nn.loadModel(nn.io.fromMemory(await tfjsArtifacts(tm)));
    expect(model.layers[0].className).toBe('Conv2DTranspose');
    const got = (model.predict(nn.tensor(x, [n, ...c.input])) as nn.Tensor).data;
    expect(relErr(got, want)).toBeLessThan(1e-5);
    let saved: nn.ModelArtifacts | undefined;
    await model.save(nn.io.withSaveHandler((a) => { saved = a; }));
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const cfg = back.layers[0].getConfig();
    expect([cfg.filters, cfg.kernelSize, cfg.strides, cfg.padding, cfg.useBias]).toEqual([c.filters, c.kernelSize, c.strides, c.padding, c.useBias ?? true]);
    expect(relErr(tf.tidy(() => (back.predict(tf.tensor(x, [n, ...c.input])) as tf.Tensor).dataSync()), got)).toBeLessThan(1e-5);
    tm.dispose();
    back.dispose();
  });

  it('dilations (which TF.js does not apply) and strides against the float64 definition', () => {
    const geoms: { input: number[]; filters: number; k: [number, number]; s: [number, number]; d: [number, number]; padding: 'valid' | 'same' }[] = [
      { input: [4, 5, 3], filters: 2, k: [3, 3], s: [1, 1], d: [2, 2], padding: 'valid' },
      { input: [4, 5, 3], filters: 5, k: [3, 2], s: [1, 1], d: [2, 3], padding: 'same' },
      { input: [3, 4, 2], filters: 4, k: [3, 3], s: [2, 2], d: [1, 1], padding: 'same' },
      { input: [7, 2, 1], filters: 1, k: [2, 2], s: [3, 1], d: [1, 1], padding: 'valid' },
    ];
    for (const gm of geoms) {
      const layer = nn.layers.conv2dTranspose({ filters: gm.filters, kernelSize: gm.k, strides: gm.s, dilationRate: gm.d, padding: gm.padding });
      const out = layer.build(gm.input);
      const [h, w] = gm.input, span = (k: number, d: number) => (k - 1) * d + 1;
      expect(out).toEqual(gm.padding === 'same' ? [h * gm.s[0], w * gm.s[1], gm.filters]
        : [h * gm.s[0] + Math.max(span(gm.k[0], gm.d[0]) - gm.s[0], 0), w * gm.s[1] + Math.max(span(gm.k[1], gm.d[1]) - gm.s[1], 0), gm.filters]);
      const pad = (k: number, d: number, s: number) => (gm.padding === 'same' ? Math.floor(Math.max(span(k, d) - s, 0) / 2) : 0);
      const n = 2, x = rand(3)(n * size(gm.input)), kernel = rand(4)(size([...gm.k, gm.filters, gm.input[2]])), bias = rand(5)(gm.filters);
      const { y } = run(backend, layer, x, n, gm.input, [kernel, bias]);
      const ref = reference(x, n, gm.input, kernel, bias, gm.filters, gm.k, gm.s, gm.d, [pad(gm.k[0], gm.d[0], gm.s[0]), pad(gm.k[1], gm.d[1], gm.s[1])], [out[0], out[1]]);
      expect(relErr(y, ref), JSON.stringify(gm)).toBeLessThan(1e-6);
    }
  });

  it('central differences in a model: conv2d → conv2dTranspose (stride 2, same, tanh; dilated) → dense, every weight', () => {
    for (const t of [{ strides: 2, padding: 'same' as const }, { strides: 1, padding: 'valid' as const, dilationRate: 2 }]) {
      const model = nn.sequential({ seed: 5, layers: [
        nn.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'tanh', inputShape: [3, 4, 2] }),
        nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, activation: 'tanh', ...t }),
        nn.layers.flatten(), nn.layers.dense({ units: 2 })] });
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      const x = nn.tensor(rand(6)(2 * 24), [2, 3, 4, 2]), y = nn.tensor(rand(7)(4), [2, 2]);
      const { grads } = model.computeGradients(x, y);
      const checked = centralDifferences(model, grads, () => model.computeGradients(x, y).loss, 9, 1e-2, (i, j, numeric, analytic) => {
        expect(Math.abs(numeric - analytic), `weight ${i}[${j}]: numeric ${numeric} vs analytic ${analytic}`).toBeLessThanOrEqual(2e-3 + 3e-2 * Math.abs(numeric));
      });
      expect(checked).toBeGreaterThan(20);
    }
  });

  it('trains: a decoder learns the images another decoder of its shape makes (loss falls by 10x)', async () => {
    const decoder = (seed: number) => nn.sequential({ seed, layers: [
      nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', inputShape: [3, 3, 2] }),
      nn.layers.conv2dTranspose({ filters: 1, kernelSize: 2, strides: 1, padding: 'same' })] });
    const model = decoder(9);
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.02 }), loss: 'mse' });
    const x = nn.tensor(rand(10)(32 * 18), [32, 3, 3, 2]), y = decoder(10).predict(x);
    const h = await model.fit(x, y, { epochs: 150, batchSize: 8 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] / 10);
  });
});

describe('conv2dTranspose: wasm and js give the same bits', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s', (_l, c) => {
    const layer = make(c);
    const n = 3, x = rand(1)(n * size(c.input)), dy = rand(2)(n * size(c.out));
    const weights = [rand(3)(size([...c.kernelSize, c.filters, c.input[2]])), ...(c.useBias === false ? [] : [rand(4)(c.filters)])];
    const [a, b] = BACKENDS.map((be) => run(be, layer, x, n, c.input, weights, dy));
    expect(bitDiff(a.y, b.y)).toBe(0);
    expect(bitDiff(a.dx!, b.dx!)).toBe(0);
    a.dw.forEach((d, i) => expect(bitDiff(d, b.dw[i])).toBe(0));
  });
});

describe('conv2dTranspose options', () => {
  it('defaults, weight shapes and config in TF.js spelling', () => {
    const layer = nn.layers.conv2dTranspose({ filters: 4, kernelSize: 3, inputShape: [5, 5, 2] });
    expect(layer.getConfig()).toEqual({ filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', dilationRate: [1, 1],
      activation: 'linear', useBias: true, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros', batchInputShape: [null, 5, 5, 2] });
    nn.sequential({ layers: [layer] }).build();
    expect(layer.params().map((p) => [p.name, p.shape])).toEqual([['kernel', [3, 3, 4, 2]], ['bias', [4]]]);
    expect(layer.name).toMatch(/^conv2d_transpose_\d+$/);
    expect(nn.layers.conv2dTranspose({ filters: 1, kernelSize: 1, dataFormat: 'channelsLast' }).getConfig().padding).toBe('valid');
  });

  it('refuses bad options naming the layer, the option and the value', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => nn.layers.conv2dTranspose({ kernelSize: 3, name: 't1' } as never), /layer 't1': filters must be a positive integer, got undefined/],
      [() => nn.layers.conv2dTranspose({ filters: 2, kernelSize: 0, name: 't2' }), /layer 't2': kernelSize must be a positive integer or a pair of them, got 0/],
      [() => nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: [2, 0] as never, name: 't3' }), /layer 't3': strides must be .*got \[2, 0\]/],
      [() => nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, padding: 'causal' as never }), /unknown padding "causal"/],
      [() => nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2, name: 't5' }), /layer 't5': dilationRate 2x2 cannot be combined with strides 2x2/],
      [() => nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as never, name: 't6' }), /layer 't6': dataFormat must be 'channelsLast'.*got "channelsFirst"/],
      [() => nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, outputPadding: 1 } as never), /unknown option "outputPadding"/],
      [() => nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, activation: 'gelu' as never }), /gelu/],
      [() => nn.layers.conv2dTranspose({ filters: 2, kernelSize: 3, name: 't9' }).apply(nn.input({ shape: [8, 3] })), /layer 't9' \(Conv2DTranspose\) expects images \[height, width, channels\], got input shape \[8, 3\]/],
    ];
    for (const [f, message] of cases) expect(f).toThrow(message);
  });
});
