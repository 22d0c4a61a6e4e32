// Sequence layers (conv1d, the 1-D poolings, repeatVector, permute) and layer normalization: forward against float64
// references, the layer-norm kernels (forward and backward) against float64 and wasm = js bit for bit, central
// finite differences through every layer (input gradients included), causal padding, and the errors for bad
// options and shapes. Files to and from TF.js, with predictions within 1e-5, are in save-load-tfjs.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, bitDiff, centralDifferences, EDGE_SIZES, Mem, rand } from './helpers';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// ---- float64 references ----

/** y[t, o] = b[o] + Σ_i Σ_ch x[t·s − pad + i·d, ch]·K[i, ch, o], positions outside the sequence read as 0. */
function conv1d64(x: ArrayLike<number>, steps: number, c: number, K: ArrayLike<number>, b: ArrayLike<number> | null,
  k: number, f: number, s: number, d: number, pad: number, out: number): Float64Array {
  const y = new Float64Array(out * f);
  for (let t = 0; t < out; t++) {
    for (let o = 0; o < f; o++) {
      let acc = b ? b[o] : 0;
      for (let i = 0; i < k; i++) {
        const p = t * s - pad + i * d;
        if (p < 0 || p >= steps) continue;
        for (let ch = 0; ch < c; ch++) acc += x[p * c + ch] * K[(i * c + ch) * f + o];
      }
      y[t * f + o] = acc;
    }
  }
  return y;
}

/** Max or mean over the in-bounds part of each window (padding excluded, as TF.js). */
function pool1d64(x: ArrayLike<number>, steps: number, c: number, p: number, s: number, pad: number, out: number,
  mode: 'max' | 'avg'): Float64Array {
  const y = new Float64Array(out * c);
  for (let t = 0; t < out; t++) {
    for (let ch = 0; ch < c; ch++) {
      let m = -Infinity, sum = 0, n = 0;
      for (let i = 0; i < p; i++) {
        const q = t * s - pad + i;
        if (q < 0 || q >= steps) continue;
        m = Math.max(m, x[q * c + ch]);
        sum += x[q * c + ch];
        n++;
      }
      y[t * c + ch] = mode === 'max' ? m : sum / n;
    }
  }
  return y;
}

/** Each row of `cols` normalized: (x − mean)/√(var + ε)·γ + β, the variance biased. */
function layernorm64(x: ArrayLike<number>, rows: number, cols: number, gamma: ArrayLike<number> | null,
  beta: ArrayLike<number> | null, eps: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let u = 0, v = 0;
    for (let j = 0; j < cols; j++) u += x[r * cols + j];
    u /= cols;
    for (let j = 0; j < cols; j++) v += (x[r * cols + j] - u) ** 2;
    v /= cols;
    for (let j = 0; j < cols; j++) {
      y[r * cols + j] = ((x[r * cols + j] - u) / Math.sqrt(v + eps)) * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
    }
  }
  return y;
}

/** dx, dgamma, dbeta of L = Σ dy·y through layernorm64 (derived: dx = (g − mean g − x̂·mean(g·x̂))/σ, g = dy·γ). */
function layernormGrad64(x: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number,
  gamma: ArrayLike<number> | null, eps: number) {
  const dx = new Float64Array(rows * cols), dgamma = new Float64Array(cols), dbeta = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let u = 0, v = 0;
    for (let j = 0; j < cols; j++) u += x[r * cols + j];
    u /= cols;
    for (let j = 0; j < cols; j++) v += (x[r * cols + j] - u) ** 2;
    const sd = Math.sqrt(v / cols + eps);
    const xh = Array.from({ length: cols }, (_, j) => (x[r * cols + j] - u) / sd);
    const g = xh.map((_, j) => dy[r * cols + j] * (gamma ? gamma[j] : 1));
    const a = g.reduce((p, q) => p + q, 0) / cols;
    const b = g.reduce((p, q, j) => p + q * xh[j], 0) / cols;
    for (let j = 0; j < cols; j++) {
      dx[r * cols + j] = (g[j] - a - xh[j] * b) / sd;
      dgamma[j] += dy[r * cols + j] * xh[j];
      dbeta[j] += dy[r * cols + j];
    }
  }
  return { dx, dgamma, dbeta };
}

/** out[..] = x permuted: output axis i is input axis dims[i] − 1. */
function permute64(x: ArrayLike<number>, shape: number[], dims: number[]): Float64Array {
  const out = dims.map((d) => shape[d - 1]);
  const inStride = shape.map((_, i) => size(shape.slice(i + 1)));
  const y = new Float64Array(size(shape));
  for (let o = 0; o < y.length; o++) {
    let rest = o, src = 0;
    for (let i = 0; i < out.length; i++) {
      const stride = size(out.slice(i + 1));
      const v = Math.floor(rest / stride);
      rest -= v * stride;
      src += v * inStride[dims[i] - 1];
    }
    y[o] = x[src];
  }
  return y;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0, at = -1;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(e <= worst)) { worst = Number.isNaN(e) ? Infinity : e; at = i; }
  }
  expect(worst, `${what}: worst relative error at ${at}: ${got[at]} vs ${want[at]}`).toBeLessThanOrEqual(tol);
}

// ---- layer cases: a one-layer model, its weights, and the float64 output of its input ----

interface Case {
  name: string;
  input: number[];
  layer: () => nn.Layer;
  /** The float64 output of one sample x, given the layer's weights. */
  ref: (x: Float32Array, w: Float32Array[]) => Float64Array;
  /** For the gradient check: max pooling may switch winners within ±eps at most once. */
  kinks?: boolean;
}

const conv = (input: number[], o: { k: number; f: number; s?: number; d?: number; padding?: nn.Padding1D; bias?: boolean }): Case => {
  const [steps, c] = input;
  const s = o.s ?? 1, d = o.d ?? 1, span = (o.k - 1) * d + 1, padding = o.padding ?? 'valid';
  const out = padding === 'valid' ? Math.ceil((steps - span + 1) / s) : Math.ceil(steps / s);
  const pad = padding === 'causal' ? span - 1 : padding === 'same' ? Math.floor(Math.max((out - 1) * s + span - steps, 0) / 2) : 0;
  return {
    name: `conv1d k${o.k} f${o.f} s${s} d${d} ${padding}${o.bias === false ? ' no bias' : ''} on [${input}]`,
    input,
    layer: () => nn.layers.conv1d({ filters: o.f, kernelSize: o.k, strides: s, dilationRate: d, padding, useBias: o.bias,
      inputShape: input }),
    ref: (x, w) => conv1d64(x, steps, c, w[0], o.bias === false ? null : w[1], o.k, o.f, s, d, pad, out),
  };
};

const pool = (input: number[], mode: 'max' | 'avg', p: number, s: number, padding: nn.Padding): Case => {
  const [steps, c] = input;
  const out = padding === 'valid' ? Math.ceil((steps - p + 1) / s) : Math.ceil(steps / s);
  const pad = padding === 'same' ? Math.floor(Math.max((out - 1) * s + p - steps, 0) / 2) : 0;
  const make = mode === 'max' ? nn.layers.maxPooling1d : nn.layers.averagePooling1d;
  return {
    name: `${mode}Pooling1d p${p} s${s} ${padding} on [${input}]`,
    input,
    layer: () => make({ poolSize: p, strides: s, padding, inputShape: input }),
    ref: (x) => pool1d64(x, steps, c, p, s, pad, out, mode),
    kinks: mode === 'max',
  };
};

const CASES: Case[] = [
  conv([9, 3], { k: 3, f: 4 }),
  conv([9, 3], { k: 3, f: 5, padding: 'same' }),
  conv([10, 2], { k: 4, f: 3, padding: 'same', s: 3 }),
  conv([11, 2], { k: 2, f: 3, d: 3 }),
  conv([8, 3], { k: 3, f: 2, padding: 'causal', d: 2 }),
  conv([9, 2], { k: 3, f: 4, padding: 'causal', s: 2, bias: false }),
  conv([12, 1], { k: 3, f: 8 }), // one channel, stride 1, valid: the direct kernels
  conv([7, 5], { k: 7, f: 3 }), // the window covers the whole sequence
  pool([9, 3], 'max', 2, 2, 'valid'),
  pool([9, 3], 'max', 3, 1, 'same'),
  pool([10, 2], 'max', 4, 3, 'same'),
  pool([9, 3], 'avg', 2, 2, 'valid'),
  pool([10, 2], 'avg', 3, 2, 'same'),
  pool([7, 4], 'avg', 4, 1, 'same'),
  {
    name: 'globalAveragePooling1d on [7, 3]', input: [7, 3], layer: () => nn.layers.globalAveragePooling1d({ inputShape: [7, 3] }),
    ref: (x) => pool1d64(x, 7, 3, 7, 7, 0, 1, 'avg'),
  },
  {
    name: 'globalMaxPooling1d on [7, 3]', input: [7, 3], layer: () => nn.layers.globalMaxPooling1d({ inputShape: [7, 3] }),
    ref: (x) => pool1d64(x, 7, 3, 7, 7, 0, 1, 'max'), kinks: true,
  },
  {
    name: 'repeatVector n 4 on [5]', input: [5], layer: () => nn.layers.repeatVector({ n: 4, inputShape: [5] }),
    ref: (x) => Float64Array.from({ length: 20 }, (_, i) => x[i % 5]),
  },
  ...([[[4, 3], [2, 1]], [[2, 3, 4], [3, 1, 2]], [[2, 3, 4], [2, 1, 3]], [[2, 3, 4], [1, 3, 2]], [[3, 4], [1, 2]],
    [[2, 2, 3, 2], [4, 2, 1, 3]], [[2, 3, 2, 2], [1, 2, 4, 3]]] as [number[], number[]][]).map(([shape, dims]): Case => ({
    name: `permute [${dims}] on [${shape}]`, input: shape, layer: () => nn.layers.permute({ dims, inputShape: shape }),
    ref: (x) => permute64(x, shape, dims),
  })),
  {
    name: 'layerNormalization on [4, 6]', input: [4, 6], layer: () => nn.layers.layerNormalization({ inputShape: [4, 6] }),
    ref: (x, w) => layernorm64(x, 4, 6, w[0], w[1], Math.fround(1e-3)),
  },
  {
    name: 'layerNormalization on [9] (epsilon 1e-5, no center)', input: [9],
    layer: () => nn.layers.layerNormalization({ epsilon: 1e-5, center: false, inputShape: [9] }),
    ref: (x, w) => layernorm64(x, 1, 9, w[0], null, Math.fround(1e-5)),
  },
  {
    name: 'layerNormalization on [2, 3, 5] (no scale)', input: [2, 3, 5],
    layer: () => nn.layers.layerNormalization({ scale: false, inputShape: [2, 3, 5] }),
    ref: (x, w) => layernorm64(x, 6, 5, null, w[0], Math.fround(1e-3)),
  },
];

/** A model of the case's layer with random weights (not the initializers' values, so gamma and beta matter). */
function oneLayer(c: Case, seed: number): nn.Sequential {
  const model = nn.sequential({ seed, layers: [c.layer()] });
  const r = rand(seed);
  model.setWeights(model.getWeights().map((w) => nn.tensor(r(w.data.length, -1, 1), w.shape)));
  return model;
}

describe('sequence layers and layer normalization: forward against float64, wasm = js bit for bit', () => {
  const outputs = new Map<string, Float32Array[]>();
  afterAll(async () => { await nn.setBackend('wasm'); });

  for (const backend of BACKENDS) {
    it(`${backend}: every case (${CASES.length}) predicts its float64 reference`, async () => {
      await nn.setBackend(backend);
      for (const [ci, c] of CASES.entries()) {
        const model = oneLayer(c, 11 + ci);
        const n = 3;
        const x = rand(100 + ci)(n * size(c.input), -2, 2);
        const y = (model.predict(nn.tensor(x, [n, ...c.input])) as nn.Tensor).data;
        const w = model.getWeights().map((t) => t.data);
        const per = y.length / n;
        const want = new Float64Array(y.length);
        for (let i = 0; i < n; i++) want.set(c.ref(x.subarray(i * size(c.input), (i + 1) * size(c.input)), w), i * per);
        expectClose(y, want, 2e-6, `${backend} ${c.name}`);
        outputs.set(c.name, [...(outputs.get(c.name) ?? []), y]);
        model.dispose();
      }
    });
  }

  it('wasm and js outputs are the same bits', () => {
    for (const c of CASES) {
      const [a, b] = outputs.get(c.name)!;
      expect(bitDiff(a, b), c.name).toBe(0);
    }
  });
});

describe.each(BACKENDS)('finite-difference gradients through the sequence layers (%s)', (backend) => {
  it.each(CASES)('$name', async (c) => {
    await nn.setBackend(backend);
    const r = rand(31);
    const n = 3;
    const d = size(c.input);
    // a dense layer before the case's layer puts the layer's input gradient into the dense weights' gradient
    const model = nn.sequential({ seed: 5, layers: [
      nn.layers.dense({ units: d, activation: 'tanh', inputShape: [d] }),
      nn.layers.reshape({ targetShape: c.input }),
      c.layer(),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2 }),
    ] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    if (c.name.startsWith('layerNormalization')) {
      // gamma and beta away from their initial ones and zeros
      model.setWeights(model.getWeights().map((w, i) => (i === 2 || i === 3 ? nn.tensor(r(w.data.length, 0.5, 1.5), w.shape) : w)));
    }
    const x = nn.tensor(r(n * d, -1, 1), [n, d]);
    const y = nn.tensor(r(n * 2, -1, 1), [n, 2]);
    const { grads } = model.computeGradients(x, y);
    const lossAt = () => model.computeGradients(x, y).loss;
    let kinks = 0;
    const checked = centralDifferences(model, grads, lossAt, 6, 1e-2, (t, i, numeric, analytic) => {
      const tol = 2e-3 + 3e-2 * Math.abs(numeric);
      if (c.kinks && Math.abs(numeric - analytic) > tol && kinks === 0) { kinks++; return false; }
      expect(Math.abs(numeric - analytic), `${c.name} weight ${t}[${i}]: numeric ${numeric} vs analytic ${analytic}`).toBeLessThanOrEqual(tol);
    });
    expect(checked).toBeGreaterThan(12);
    model.dispose();
  });
});

describe('layer-norm kernels', () => {
  const EPS = Math.fround(1e-3);
  const mems = { wasm: new Mem('wasm'), js: new Mem('js') };
  const SHAPES: [number, number][] = [];
  for (const rows of [1, 2, 5]) for (const cols of EDGE_SIZES) SHAPES.push([rows, cols]);

  function run(m: Mem, x: Float32Array, dy: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
    rows: number, cols: number, inPlace: boolean) {
    const n = rows * cols;
    const px = m.f32(x), pg = gamma ? m.f32(gamma) : 0, pb = beta ? m.f32(beta) : 0;
    const pmean = m.f32(rows), pinv = m.f32(rows);
    const py = inPlace ? m.f32(x) : m.f32(n);
    m.k.f32_layernorm(inPlace ? py : px, py, pg, pb, pmean, pinv, rows, cols, EPS);
    const y = m.read(py, n);
    const pdy = m.f32(dy), pdx = inPlace ? pdy : m.f32(n), pdg = m.f32(cols), pdb = m.f32(cols);
    m.k.f32_layernorm_grad(px, pdy, pdx, pg, pmean, pinv, gamma ? pdg : 0, pdb, rows, cols);
    const out = { y, mean: m.read(pmean, rows), invstd: m.read(pinv, rows), dx: m.read(pdx, n), dgamma: m.read(pdg, cols), dbeta: m.read(pdb, cols) };
    m.free();
    return out;
  }

  it('forward and backward against float64 on every shape, with and without gamma and beta, in place too; wasm = js bit for bit', () => {
    let seed = 900;
    for (const [rows, cols] of SHAPES) {
      for (const [useGamma, useBeta, inPlace] of [[true, true, false], [false, true, true], [true, false, true], [false, false, false]]) {
        const r = rand(seed++);
        const x = r(rows * cols, -3, 5), dy = r(rows * cols, -1, 1);
        const gamma = useGamma ? r(cols, 0.5, 2) : null, beta = useBeta ? r(cols, -1, 1) : null;
        const out = BACKENDS.map((b) => run(mems[b], x, dy, gamma, beta, rows, cols, inPlace));
        const what = `rows ${rows} cols ${cols} gamma ${useGamma} beta ${useBeta} in place ${inPlace}`;
        expectClose(out[0].y, layernorm64(x, rows, cols, gamma, beta, EPS), 2e-6, `y, ${what}`);
        const g = layernormGrad64(x, dy, rows, cols, gamma, EPS);
        expectClose(out[0].dx, g.dx, 2e-5, `dx, ${what}`);
        expectClose(out[0].dbeta, g.dbeta, 2e-6, `dbeta, ${what}`);
        if (useGamma) expectClose(out[0].dgamma, g.dgamma, 2e-6, `dgamma, ${what}`);
        for (const k of ['y', 'mean', 'invstd', 'dx', 'dgamma', 'dbeta'] as const) expect(bitDiff(out[0][k], out[1][k]), `${k}, ${what}`).toBe(0);
      }
    }
  });

  it('a constant row normalizes to beta (variance 0: x̂ = 0), its gradient to 0 through x̂', () => {
    for (const b of BACKENDS) {
      const beta = new Float32Array([0.5, -1, 2]);
      const out = run(mems[b], new Float32Array([3, 3, 3]), new Float32Array([1, 2, 3]), new Float32Array([2, 2, 2]), beta, 1, 3, false);
      expect(Array.from(out.y)).toEqual(Array.from(beta));
      expect(Array.from(out.dgamma)).toEqual([0, 0, 0]);
      // g = dy·γ = [2, 4, 6], a = 4, b = 0: dx = invstd·(g − 4)
      const inv = Math.fround(1 / Math.sqrt(EPS));
      expect(Array.from(out.dx)).toEqual([-2, 0, 2].map((v) => Math.fround(inv * v)));
    }
  });
});

describe('sequence layers: behaviour and errors', () => {
  it('causal conv1d: output step t does not depend on input steps after t', async () => {
    await nn.setBackend('wasm');
    const model = nn.sequential({ seed: 3, layers: [nn.layers.conv1d({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'causal', inputShape: [10, 2] })] });
    expect(model.outputShape).toEqual([10, 2]);
    const x = rand(4)(20, -1, 1);
    const base = (model.predict(nn.tensor(x, [1, 10, 2])) as nn.Tensor).data;
    for (const t of [0, 4, 9]) {
      const x2 = x.slice();
      for (let i = (t + 1) * 2; i < 20; i++) x2[i] += 5;
      const y = (model.predict(nn.tensor(x2, [1, 10, 2])) as nn.Tensor).data;
      expect(bitDiff(y.subarray(0, (t + 1) * 2), base.subarray(0, (t + 1) * 2))).toBe(0);
      if (t < 9) expect(bitDiff(y.subarray((t + 1) * 2), base.subarray((t + 1) * 2))).toBeGreaterThan(0);
    }
  });

  it('shapes, TF.js configs and weight shapes', () => {
    const m = nn.sequential({ layers: [
      nn.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', inputShape: [9, 3] }),
      nn.layers.maxPooling1d(),
      nn.layers.layerNormalization(),
      nn.layers.permute({ dims: [2, 1] }),
      nn.layers.globalMaxPooling1d(),
      nn.layers.repeatVector({ n: 3 }),
      nn.layers.averagePooling1d({ poolSize: 2, strides: 1 }),
      nn.layers.globalAveragePooling1d(),
    ] });
    expect(m.outputShape).toEqual([2]);
    m.summary(() => {});
    expect(m.layers.map((l) => l.outShape)).toEqual([[5, 4], [2, 4], [2, 4], [4, 2], [2], [3, 2], [2, 2], [2]]);
    expect(m.layers[0].getWeights().map((w) => w.shape)).toEqual([[3, 3, 4], [4]]);
    expect(m.layers[2].getWeights().map((w) => w.shape)).toEqual([[4], [4]]);
    expect(m.layers[0].getConfig()).toMatchObject({ filters: 4, kernelSize: [3], strides: [2], padding: 'same', dilationRate: [1] });
    expect(m.layers[1].getConfig()).toEqual({ poolSize: [2], strides: [2], padding: 'valid' });
    expect(m.layers[2].getConfig()).toEqual({ axis: -1, epsilon: 1e-3, center: true, scale: true, betaInitializer: 'zeros', gammaInitializer: 'ones' });
    for (const l of m.layers) expect(nn.layerFromJSON(l.toJSON()).toJSON()).toEqual(l.toJSON());
    m.dispose();
  });

  it('bad options and shapes are errors naming the layer and the option', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => nn.layers.conv1d({ filters: 2, kernelSize: [2, 2] as never }), /kernelSize must be a positive integer or an array of one/],
      [() => nn.layers.conv1d({ filters: 2, kernelSize: 2, padding: 'full' as never }), /padding.*valid, same, causal/],
      [() => nn.layers.conv1d({ filters: 2, kernelSize: 2, strides: 2, dilationRate: 2 }), /dilationRate 2 cannot be combined with strides 2/],
      [() => nn.sequential({ layers: [nn.layers.conv1d({ filters: 2, kernelSize: 4, inputShape: [3, 1] })] }).outputShape, /kernel 4 .* longer than its 3 steps/],
      [() => nn.sequential({ layers: [nn.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 1] })] }).outputShape, /expects sequences \[steps, channels\]/],
      [() => nn.layers.maxPooling1d({ poolSize: 0 }), /poolSize must be a positive integer/],
      [() => nn.sequential({ layers: [nn.layers.averagePooling1d({ poolSize: 5, inputShape: [3, 1] })] }).outputShape, /pool 5 is longer than its 3 steps/],
      [() => nn.sequential({ layers: [nn.layers.globalMaxPooling1d({ inputShape: [6] })] }).outputShape, /expects sequences/],
      [() => nn.layers.repeatVector({ n: 0 }), /n must be a positive integer/],
      [() => nn.sequential({ layers: [nn.layers.repeatVector({ n: 2, inputShape: [2, 3] })] }).outputShape, /expects 1-D samples/],
      [() => nn.layers.permute({ dims: [1, 1] }), /dims must be a permutation of 1 … rank/],
      [() => nn.layers.permute({ dims: [0, 1] }), /dims must be a permutation/],
      [() => nn.sequential({ layers: [nn.layers.permute({ dims: [2, 1], inputShape: [2, 3, 4] })] }).outputShape, /permute 2 axes, but the input shape \[2, 3, 4\] has 3/],
      [() => nn.sequential({ layers: [nn.layers.layerNormalization({ axis: 1, inputShape: [3, 4] })] }).outputShape, /axis 1 is not the last axis.*last axis only/],
      [() => nn.layers.layerNormalization({ epsilon: 0 }), /epsilon/],
      [() => nn.layers.layerNormalization({ center: 1 as never }), /center must be true or false/],
      [() => nn.layers.layerNormalization({ momentum: 0.5 } as never), /momentum/],
    ];
    for (const [f, msg] of bad) expect(f).toThrow(msg);
    expect(() => nn.sequential({ layers: [nn.layers.layerNormalization({ axis: 2, inputShape: [3, 4] })] }).outputShape).not.toThrow();
    expect(() => nn.sequential({ layers: [nn.layers.layerNormalization({ axis: [1], inputShape: [4] })] }).outputShape).not.toThrow();
  });
});
