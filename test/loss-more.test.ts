// The losses beyond the cross-entropies: float64 references of value and gradient on the edge sizes, edge values
// (clipped probabilities, zero and negative targets, kinks), wasm vs js bits, central differences through a small
// model, and TF.js: the loss function LayersModel.compile resolves for each name (tf.losses.huberLoss for huber),
// value and tf.grad gradient on random data.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import type { Kernels } from '../src/backend/types';
import { BACKENDS, bitDiff, centralDifferences, EDGE_SIZES, Mem, rand } from './helpers';

const EPS = Math.fround(1e-7);
type Ref = (p: ArrayLike<number>, t: ArrayLike<number>, rows: number, cols: number) => number;
type Key = 'f32_mae' | 'f32_huber' | 'f32_logcosh' | 'f32_hinge' | 'f32_squared_hinge' | 'f32_poisson' | 'f32_mape' |
  'f32_msle' | 'f32_categorical_hinge' | 'f32_kld' | 'f32_cosine_proximity';

/** Mean over all elements of f(p, t). */
const meanOf = (f: (p: number, t: number) => number): Ref => (p, t) => {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += f(p[i], t[i]);
  return s / p.length;
};
/** Mean over rows of f(row of p, row of t). */
const rowMeanOf = (f: (p: ArrayLike<number>, t: ArrayLike<number>) => number): Ref => (p, t, rows, cols) => {
  let s = 0;
  for (let r = 0; r < rows; r++) {
    s += f(Array.from(p).slice(r * cols, (r + 1) * cols), Array.from(t).slice(r * cols, (r + 1) * cols));
  }
  return s / rows;
};
const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
const oneHotRows = (seed: number, rows: number, cols: number) => {
  const u = rand(seed)(rows, 0, cols);
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) t[r * cols + Math.min(cols - 1, Math.floor(u[r]))] = 1;
  return t;
};
const signs = (seed: number, n: number) => Float32Array.from(rand(seed)(n, 0, 1), (v) => (v < 0.5 ? -1 : 1));

interface Case {
  name: nn.LossName;
  key: Key;
  ref: Ref;
  /** Random predictions and targets for n = rows·cols elements. */
  data: (seed: number, rows: number, cols: number) => { p: Float32Array; t: Float32Array };
  /** No transcendental function in the loss: wasm and js give the same f64 loss bit for bit. */
  exactLoss: boolean;
  /** The output activation and targets of the small model of the finite-difference check. */
  act: nn.ActivationName;
}

const uniform = (lo: number, hi: number, tlo = lo, thi = hi) => (seed: number, rows: number, cols: number) =>
  ({ p: rand(seed)(rows * cols, lo, hi), t: rand(seed + 1)(rows * cols, tlo, thi) });

const CASES: Case[] = [
  { name: 'meanAbsoluteError', key: 'f32_mae', ref: meanOf((p, t) => Math.abs(p - t)), data: uniform(-3, 3), exactLoss: true, act: 'linear' },
  {
    name: 'huber', key: 'f32_huber', exactLoss: true, act: 'linear', data: uniform(-3, 3),
    ref: meanOf((p, t) => { const a = Math.abs(p - t); return a <= 1 ? 0.5 * a * a : a - 0.5; }),
  },
  { name: 'logcosh', key: 'f32_logcosh', ref: meanOf((p, t) => Math.log(Math.cosh(p - t))), data: uniform(-3, 3), exactLoss: false, act: 'linear' },
  {
    name: 'hinge', key: 'f32_hinge', exactLoss: true, act: 'tanh', ref: meanOf((p, t) => Math.max(0, 1 - t * p)),
    data: (s, r, c) => ({ p: rand(s)(r * c, -2, 2), t: signs(s + 1, r * c) }),
  },
  {
    name: 'squaredHinge', key: 'f32_squared_hinge', exactLoss: true, act: 'tanh', ref: meanOf((p, t) => Math.max(0, 1 - t * p) ** 2),
    data: (s, r, c) => ({ p: rand(s)(r * c, -2, 2), t: signs(s + 1, r * c) }),
  },
  {
    name: 'categoricalHinge', key: 'f32_categorical_hinge', exactLoss: true, act: 'softmax',
    ref: rowMeanOf((p, t) => {
      let pos = 0, neg = -Infinity;
      for (let c = 0; c < p.length; c++) { pos += t[c] * p[c]; neg = Math.max(neg, (1 - t[c]) * p[c]); }
      return Math.max(0, 1 + neg - pos);
    }),
    data: (s, r, c) => ({ p: rand(s)(r * c, 0, 1), t: oneHotRows(s + 1, r, c) }),
  },
  {
    name: 'kullbackLeiblerDivergence', key: 'f32_kld', exactLoss: false, act: 'softmax', data: uniform(0.01, 1),
    ref: rowMeanOf((p, t) => { let s = 0; for (let c = 0; c < p.length; c++) s += t[c] * Math.log(clip(t[c], EPS, 1) / clip(p[c], EPS, 1)); return s; }),
  },
  { name: 'poisson', key: 'f32_poisson', ref: meanOf((p, t) => p - t * Math.log(p + EPS)), data: uniform(0.1, 3, 0, 4), exactLoss: false, act: 'sigmoid' },
  {
    name: 'meanAbsolutePercentageError', key: 'f32_mape', exactLoss: true, act: 'linear',
    ref: meanOf((p, t) => 100 * Math.abs(t - p) / Math.max(Math.abs(t), EPS)),
    data: (s, r, c) => ({ p: rand(s)(r * c, -3, 3), t: Float32Array.from(rand(s + 1)(r * c, 0.5, 3), (v, i) => (i % 3 === 1 ? -v : v)) }),
  },
  {
    name: 'meanSquaredLogarithmicError', key: 'f32_msle', exactLoss: false, act: 'sigmoid', data: uniform(0, 3),
    ref: meanOf((p, t) => (Math.log(1 + Math.max(p, EPS)) - Math.log(1 + Math.max(t, EPS))) ** 2),
  },
  {
    name: 'cosineProximity', key: 'f32_cosine_proximity', exactLoss: true, act: 'linear', data: uniform(-1, 1),
    ref: rowMeanOf((p, t) => {
      let tt = 0, pp = 0, tp = 0;
      for (let c = 0; c < p.length; c++) { tt += t[c] * t[c]; pp += p[c] * p[c]; tp += t[c] * p[c]; }
      return -tp / (Math.sqrt(Math.max(tt, EPS)) * Math.sqrt(Math.max(pp, EPS)));
    }),
  },
];

const call = (k: Kernels, key: Key, p: number, t: number, g: number, rows: number, cols: number) =>
  key === 'f32_huber' ? k.f32_huber(p, t, g, rows, cols, 1) : k[key](p, t, g, rows, cols);

/** Central finite differences of f at x (float64). */
function centralDiff(f: (x: Float64Array) => number, x: ArrayLike<number>, h: number): Float64Array {
  const x64 = Float64Array.from(x);
  const g = new Float64Array(x64.length);
  for (let i = 0; i < x64.length; i++) {
    const v = x64[i];
    x64[i] = v + h; const fp = f(x64);
    x64[i] = v - h; const fm = f(x64);
    x64[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}
/** Max |a − b| relative to max |b| (at least `floor`: a row of one cosine has a zero gradient). */
function relToMax(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-30): number {
  let e = 0, m = 0;
  for (let i = 0; i < b.length; i++) { e = Math.max(e, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return Number.isNaN(e) ? Infinity : e / Math.max(m, floor);
}

const SHAPES: [number, number][] = [];
for (const s of EDGE_SIZES) for (const o of [1, 3, 17]) SHAPES.push([s, o], [o, s]);

describe.each(BACKENDS)('more loss kernels on %s', (backend) => {
  it.each(CASES)('$name: loss matches float64 on every shape, gradient matches central differences; grad may overwrite pred', (c) => {
    const mem = new Mem(backend);
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const { p, t } = c.data(rows * 100 + cols, rows, cols);
      const pp = mem.f32(p), pt = mem.f32(t), pg = mem.f32(n);
      const loss = call(mem.k, c.key, pp, pt, pg, rows, cols);
      const want = c.ref(p, t, rows, cols);
      expect(Math.abs(loss - want), `${c.name} ${rows}x${cols}: ${loss} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
      const g = mem.read(pg, n);
      if (n <= 200) {
        const num = centralDiff((x) => c.ref(x, t, rows, cols), p, 1e-6);
        expect(relToMax(g, num, 1e-6), `${c.name} ${rows}x${cols}`).toBeLessThan(1e-6);
      }
      expect(call(mem.k, c.key, pp, pt, 0, rows, cols)).toBe(loss);
      expect(call(mem.k, c.key, pp, pt, pp, rows, cols)).toBe(loss);
      expect(bitDiff(mem.read(pp, n), g)).toBe(0);
      mem.free();
    }
  });

  it('edge values: zero differences, kinks, clipped probabilities, zero and negative targets', () => {
    const mem = new Mem(backend);
    const run = (key: Key, p: number[], t: number[], rows = 1) => {
      const pg = mem.f32(p.length);
      const loss = call(mem.k, key, mem.f32(p), mem.f32(t), pg, rows, p.length / rows);
      const grad = Array.from(mem.read(pg, p.length));
      mem.free();
      return { loss, grad };
    };
    const f = Math.fround;
    // mae: d = 0 takes the subgradient 0; d = ±2 gives ±1/n.
    expect(run('f32_mae', [1, 3, -1, 0], [1, 1, 1, 0])).toEqual({ loss: 1, grad: [0, 0.25, -0.25, 0] });
    // huber: quadratic up to |d| = 1 inclusive, linear beyond; the gradient is d, then ±1.
    expect(run('f32_huber', [1, 0, 2.5, -3], [0, 0, 0, 0])).toEqual({ loss: (0.5 + 0 + 2 + 2.5) / 4, grad: [0.25, 0, 0.25, -0.25] });
    // logcosh: 0 at d = 0; finite for d = ±100 (|d| − log 2), gradient ±1/n.
    const lc = run('f32_logcosh', [0, 100, -100, 0], [0, 0, 0, 0]);
    expect(lc.loss).toBeCloseTo((200 - 2 * Math.LN2) / 4, 12);
    expect(lc.grad).toEqual([0, 0.25, -0.25, 0]);
    // hinge and squared hinge: t·p = 1 is the kink (loss 0, gradient 0); t = 0 costs 1 and has no gradient.
    expect(run('f32_hinge', [1, -1, 0.5, 3], [1, -1, -1, 0])).toEqual({ loss: (0 + 0 + 1.5 + 1) / 4, grad: [0, 0, 0.25, -0] });
    expect(run('f32_squared_hinge', [1, 0.5, 3], [1, -1, 0])).toEqual({ loss: (0 + 2.25 + 1) / 3, grad: [0, f(2 * 1.5 / 3), -0] });
    // categorical hinge: a tie for the max takes the gradient at both entries; a wide margin gives 0.
    expect(run('f32_categorical_hinge', [0.5, 0.2, 0.2, 0.9, 0.05, 0.05], [1, 0, 0, 1, 0, 0], 2))
      .toEqual({ loss: (1 + f(0.2) - 0.5) / 2 + Math.max(0, 1 + f(0.05) - f(0.9)) / 2, grad: [-0.5, 0.5, 0.5, -0.5, 0.5, 0.5].map(f) });
    // kld: p = 0 is clipped to ε (gradient 0); t = 0 adds nothing; p = 1 keeps its gradient; a negative target is
    // clipped to ε inside the log only (as TF.js).
    const kl = run('f32_kld', [0, 0.5, 1, 0.5], [1, 0, 0.5, -0.5]);
    expect(kl.loss).toBeCloseTo(Math.log(1 / EPS) + 0 + 0.5 * Math.log(0.5) - 0.5 * Math.log(EPS / 0.5), 9);
    expect(kl.grad).toEqual([0, -0, -0.5, 1]);
    // poisson: p = 0 with t = 0 costs 0 and has gradient 1/n; with t = 1, log(ε).
    const po = run('f32_poisson', [0, 0], [0, 1]);
    expect(po.loss).toBeCloseTo(-Math.log(EPS) / 2, 9);
    expect(po.grad).toEqual([0.5, f((1 - 1 / EPS) / 2)]);
    // mape: a zero target divides by ε; p = t gives 0.
    const mp = run('f32_mape', [1e-3, 2], [0, 2]);
    expect(mp.loss).toBeCloseTo(100 * 1e-3 / EPS / 2, 1);
    expect(mp.grad).toEqual([f(100 / EPS / 2), 0]);
    // msle: p below ε is clipped (gradient 0); a negative target is clipped to ε.
    const ms = run('f32_msle', [0, -1, 1], [-2, 0, 1]);
    expect(ms.loss).toBe(0 / 3 + 0 / 3 + 0);
    expect(ms.grad).toEqual([0, 0, 0]);
    // cosine proximity: an all-zero prediction row is finite (its norm is sqrt(ε)); parallel rows give −1.
    const cp = run('f32_cosine_proximity', [0, 0, 2, 4], [3, 4, 1, 2], 2);
    expect(cp.loss).toBeCloseTo((0 - 1) / 2, 6);
    expect(cp.grad.every(Number.isFinite)).toBe(true);
    expect(cp.grad.slice(0, 2)).toEqual([f(-3 / 5 / Math.sqrt(EPS) / 2), f(-4 / 5 / Math.sqrt(EPS) / 2)]);
  });
});

describe('more loss kernels: wasm and js agree', () => {
  it('on every shape: the same gradient bits, the same loss bits where no log or exp is taken', () => {
    const a = new Mem('wasm'), b = new Mem('js');
    for (const c of CASES) {
      for (const [rows, cols] of SHAPES) {
        const n = rows * cols;
        const { p, t } = c.data(rows * 7 + cols, rows, cols);
        const run = (m: Mem) => {
          const pg = m.f32(n);
          const loss = call(m.k, c.key, m.f32(p), m.f32(t), pg, rows, cols);
          const g = m.read(pg, n);
          m.free();
          return { loss, g };
        };
        const wa = run(a), js = run(b);
        expect(bitDiff(wa.g, js.g), `${c.name} ${rows}x${cols}`).toBe(0);
        if (c.exactLoss) expect(wa.loss).toBe(js.loss);
        else expect(Math.abs(wa.loss - js.loss)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(js.loss)));
      }
    }
  });
});

describe('names', () => {
  it('compile takes every canonical name and the Keras and short aliases', () => {
    const aliases: [string, nn.LossName][] = [['mae', 'meanAbsoluteError'], ['mean_absolute_error', 'meanAbsoluteError'],
      ['huber_loss', 'huber'], ['log_cosh', 'logcosh'], ['logCosh', 'logcosh'], ['squared_hinge', 'squaredHinge'],
      ['categorical_hinge', 'categoricalHinge'], ['kld', 'kullbackLeiblerDivergence'], ['kl_divergence', 'kullbackLeiblerDivergence'],
      ['mape', 'meanAbsolutePercentageError'], ['msle', 'meanSquaredLogarithmicError'], ['cosine', 'cosineProximity']];
    const x = [[0.1, 0.2], [0.3, -0.4]], y = [[0.5, 0.25], [0.75, 0.5]];
    const lossOf = (loss: string) => {
      const m = nn.sequential({ seed: 2, layers: [nn.layers.dense({ units: 2, inputShape: [2], activation: 'sigmoid' })] });
      m.compile({ optimizer: 'sgd', loss });
      return m.evaluate(nn.tensor(x), nn.tensor(y)).loss;
    };
    for (const name of nn.LOSS_NAMES.filter((l) => l !== 'sparseCategoricalCrossentropy')) expect(Number.isFinite(lossOf(name))).toBe(true);
    for (const [alias, name] of aliases) expect(lossOf(alias), alias).toBe(lossOf(name));
    expect(() => lossOf('meanAbsoluteErr')).toThrow(nn.UnknownNameError);
  });
});

describe('saved training configs', () => {
  const tiny = () => nn.sequential({ seed: 2, layers: [nn.layers.dense({ units: 2, inputShape: [2], activation: 'sigmoid' })] });
  const artifacts = async (m: nn.LayersModel) => {
    let a: nn.ModelArtifacts | undefined;
    await m.save(nn.io.withSaveHandler((x) => { a = x; }), { includeOptimizer: true });
    return a!;
  };

  it('every loss survives a save and load; Keras and short names in a training config load as the canonical loss', async () => {
    for (const loss of nn.LOSS_NAMES) {
      const m = tiny();
      m.compile({ optimizer: 'sgd', loss });
      const back = await nn.loadModel(nn.io.fromMemory(await artifacts(m)));
      expect(back.compileConfig!.loss, loss).toBe(loss);
    }
    const m = tiny();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const a = await artifacts(m);
    for (const [saved, loss] of [['mae', 'meanAbsoluteError'], ['log_cosh', 'logcosh'], ['kl_divergence', 'kullbackLeiblerDivergence'],
      ['kld', 'kullbackLeiblerDivergence'], ['mean_squared_logarithmic_error', 'meanSquaredLogarithmicError'], ['cosine', 'cosineProximity']]) {
      const b = await nn.loadModel(nn.io.fromMemory({ ...a, trainingConfig: { ...a.trainingConfig!, loss: saved } }));
      expect(b.compileConfig!.loss, saved).toBe(loss);
    }
    await expect(nn.loadModel(nn.io.fromMemory({ ...a, trainingConfig: { ...a.trainingConfig!, loss: 'focal_loss' } })))
      .rejects.toThrow(/loss "focal_loss" is neither a built-in loss/);
  });
});

describe.each(BACKENDS)('finite-difference gradients through a model (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it.each(CASES)('$name', (c) => {
    const r = rand(11);
    const rows = 5, out = 3;
    const model = nn.sequential({ seed: 3, layers: [nn.layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }),
      nn.layers.dense({ units: out, activation: c.act })] });
    model.compile({ optimizer: 'sgd', loss: c.name });
    const x = nn.tensor(r(rows * 4, -1, 1), [rows, 4]);
    const { t } = c.data(5, rows, out);
    // kld and categorical hinge targets: distributions and one-hot rows; the rest as generated
    const y = nn.tensor(c.name === 'kullbackLeiblerDivergence' ? Float32Array.from(t, (v, i) => v / [0, 1, 2].reduce((s, j) => s + t[i - (i % 3) + j], 0)) : t, [rows, out]);
    const { grads } = model.computeGradients(x, y);
    const lossAt = () => model.computeGradients(x, y).loss;
    const checked = centralDifferences(model, grads, lossAt, 7, 1e-2, (w, i, numeric, analytic) => {
      const tol = 2e-3 + 3e-2 * Math.abs(numeric);
      expect(Math.abs(numeric - analytic), `${c.name} weight ${w}[${i}]: numeric ${numeric} vs analytic ${analytic}`).toBeLessThanOrEqual(tol);
    });
    expect(checked).toBeGreaterThan(10);
  });
});

describe('against TF.js 4.22 (cpu): the loss LayersModel.compile resolves, its batch mean and tf.grad', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  /** The loss function TF.js Layers compile resolves for `name` (huber: tf.losses.huberLoss, delta 1). */
  const tfLoss = (name: nn.LossName): ((yt: tf.Tensor, yp: tf.Tensor) => tf.Tensor) => {
    if (name === 'huber') return (yt, yp) => tf.losses.huberLoss(yt, yp);
    const input = tf.input({ shape: [1] });
    const m = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor });
    m.compile({ optimizer: 'sgd', loss: name });
    const f = m.lossFunctions[0];
    m.dispose();
    return (yt, yp) => tf.mean(f(yt, yp));
  };

  it('TF.js Layers has no \'huber\' string loss (neurite takes it, as Keras does)', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    expect(() => m.compile({ optimizer: 'sgd', loss: 'huber' })).toThrow(/Unknown loss/);
    m.dispose();
  });

  it.each(CASES)('$name: value to 1e-6 relative, gradient to 1e-5 of its largest entry', (c) => {
    const mem = new Mem('wasm');
    for (const [rows, cols] of [[7, 5], [16, 3], [3, 17]] as [number, number][]) {
      const n = rows * cols;
      const { p, t } = c.data(rows + 31 * cols, rows, cols);
      const pg = mem.f32(n);
      const loss = call(mem.k, c.key, mem.f32(p), mem.f32(t), pg, rows, cols);
      const grad = mem.read(pg, n);
      mem.free();
      const f = tfLoss(c.name);
      const yt = tf.tensor2d(t, [rows, cols]), yp = tf.tensor2d(p, [rows, cols]);
      const want = (f(yt, yp).dataSync() as Float32Array)[0];
      const wantGrad = tf.grad((q: tf.Tensor) => f(yt, q))(yp).dataSync() as Float32Array;
      tf.dispose([yt, yp]);
      expect(Math.abs(loss - want) / Math.abs(want), `${c.name} ${rows}x${cols}: ${loss} vs ${want}`).toBeLessThan(1e-6);
      expect(relToMax(grad, wantGrad), `${c.name} ${rows}x${cols}`).toBeLessThan(1e-5);
    }
  });
});
