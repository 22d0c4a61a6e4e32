// classWeight and sampleWeight: every built-in loss (the fused softmax cross-entropies included) trained with
// classWeight by TF.js 4.22's fit and by neurite's from the same weights, over the same batches; a sampleWeight
// gives the bits of the classWeight it equals, the two multiply, a weight of 0 removes a sample exactly,
// evaluate's sampleWeight against per-sample losses computed one by one, a custom loss under weights as its
// built-in twin, multi-output weights, wasm = js bit for bit, and the errors for bad weights.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, bitDiff, rand, rejects } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const N = 10, IN = 4, HID = 6;

interface Case {
  loss: nn.LossName;
  act: 'linear' | 'sigmoid' | 'softmax';
  cols: number;
  /** Targets for N samples: rows of `cols` floats, or N labels for the sparse loss. */
  y: () => Float32Array;
  classWeight: Record<number, number>;
}

const oneHot = (seed: number, cols: number) => {
  const u = rand(seed)(N, 0, cols);
  const t = new Float32Array(N * cols);
  for (let r = 0; r < N; r++) t[r * cols + Math.min(cols - 1, Math.floor(u[r]))] = 1;
  return t;
};
const probs = (seed: number, cols: number) => {
  const t = rand(seed)(N * cols, 0.05, 1);
  for (let r = 0; r < N; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += t[r * cols + j];
    for (let j = 0; j < cols; j++) t[r * cols + j] /= s;
  }
  return t;
};
const three = { 0: 0.5, 1: 2, 2: 0 };

const CASES: Case[] = [
  { loss: 'meanSquaredError', act: 'linear', cols: 3, y: () => rand(3)(N * 3), classWeight: three },
  { loss: 'meanAbsoluteError', act: 'linear', cols: 3, y: () => rand(3)(N * 3), classWeight: three },
  { loss: 'meanAbsolutePercentageError', act: 'linear', cols: 3, y: () => rand(3)(N * 3, 0.5, 1.5), classWeight: three },
  { loss: 'meanSquaredLogarithmicError', act: 'sigmoid', cols: 3, y: () => rand(3)(N * 3, 0, 2), classWeight: three },
  { loss: 'huber', act: 'linear', cols: 3, y: () => rand(3)(N * 3, -3, 3), classWeight: three },
  { loss: 'logcosh', act: 'linear', cols: 3, y: () => rand(3)(N * 3, -2, 2), classWeight: three },
  { loss: 'hinge', act: 'linear', cols: 3, y: () => oneHot(3, 3).map((v) => 2 * v - 1), classWeight: three },
  { loss: 'squaredHinge', act: 'linear', cols: 3, y: () => oneHot(3, 3).map((v) => 2 * v - 1), classWeight: three },
  { loss: 'categoricalHinge', act: 'linear', cols: 3, y: () => oneHot(3, 3), classWeight: three },
  { loss: 'kullbackLeiblerDivergence', act: 'softmax', cols: 3, y: () => probs(3, 3), classWeight: three },
  { loss: 'poisson', act: 'sigmoid', cols: 3, y: () => rand(3)(N * 3, 0, 2), classWeight: three },
  { loss: 'cosineProximity', act: 'linear', cols: 3, y: () => rand(3)(N * 3), classWeight: three },
  { loss: 'binaryCrossentropy', act: 'sigmoid', cols: 1, y: () => Float32Array.from(rand(3)(N), (v) => (v < 0 ? 0 : 1)), classWeight: { 0: 0.3, 1: 2.5 } },
  { loss: 'categoricalCrossentropy', act: 'softmax', cols: 3, y: () => oneHot(3, 3), classWeight: three },
  { loss: 'sparseCategoricalCrossentropy', act: 'softmax', cols: 3, classWeight: three,
    y: () => Float32Array.from(rand(3)(N, 0, 3), (v) => Math.min(2, Math.floor(v))) },
];

const X = rand(1)(N * IN);
const W0 = [rand(11)(IN * HID, -0.7, 0.7), rand(12)(HID, -0.1, 0.1), rand(13)(HID * 3, -0.7, 0.7), rand(14)(3, -0.1, 0.1)];
const weightsFor = (cols: number) => [W0[0], W0[1], W0[2].slice(0, HID * cols), W0[3].slice(0, cols)];
const shapesFor = (cols: number) => [[IN, HID], [HID], [HID, cols], [cols]];
const yShape = (c: Case) => (c.loss === 'sparseCategoricalCrossentropy' ? [N] : [N, c.cols]);

/** TF.js's huber per sample, as neurite's (delta 1, mean over the sample's values). */
const tfHuber = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(tf.losses.huberLoss(yTrue, yPred, undefined, 1, tf.Reduction.NONE), -1);

const metricOf = (k: Case) => (k.cols > 1 && k.loss !== 'sparseCategoricalCrossentropy' ? 'mae' : 'accuracy');

function neuriteModel(c: Case) {
  const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: HID, activation: 'tanh', inputShape: [IN] }),
    nn.layers.dense({ units: c.cols, activation: c.act })] });
  m.setWeights(weightsFor(c.cols).map((w, i) => nn.tensor(w, shapesFor(c.cols)[i])));
  m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: c.loss });
  return m;
}

describe('classWeight against TF.js 4.22 (fit, SGD, batches of 4, 3 epochs, no shuffling)', () => {
  for (const c of CASES) {
    it(c.loss, async () => {
      const y = c.y();
      const tm = tf.sequential({ layers: [tf.layers.dense({ units: HID, activation: 'tanh', inputShape: [IN] }),
        tf.layers.dense({ units: c.cols, activation: c.act })] });
      tm.setWeights(weightsFor(c.cols).map((w, i) => tf.tensor(w, shapesFor(c.cols)[i])));
      tm.compile({ optimizer: tf.train.sgd(0.1), loss: c.loss === 'huber' ? tfHuber : c.loss });
      const th = await tm.fit(tf.tensor(X, [N, IN]), tf.tensor(y, yShape(c)),
        { epochs: 3, batchSize: 4, shuffle: false, verbose: 0, classWeight: c.classWeight });
      const tw = tm.getWeights().map((w) => w.dataSync() as Float32Array);

      const m = neuriteModel(c);
      const h = await m.fit(nn.tensor(X, [N, IN]), nn.tensor(y, yShape(c)), { epochs: 3, batchSize: 4, shuffle: false, classWeight: c.classWeight });
      const nw = m.getWeights().map((w) => w.data);
      let worst = 0, moved = 0;
      nw.forEach((w, i) => {
        const scale = Math.max(...tw[i].map(Math.abs));
        w.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - tw[i][j]) / scale);
          moved = Math.max(moved, Math.abs(tw[i][j] - weightsFor(c.cols)[i][j]));
        });
      });
      expect(moved, 'TF.js moved the weights').toBeGreaterThan(1e-3);
      // the libraries sum in other orders: their last bits differ, and MAPE's 100/|y| scales that up
      expect(worst, 'worst relative difference of a weight').toBeLessThanOrEqual(5e-6);
      (th.history.loss as number[]).forEach((l, e) => expect(Math.abs(h.history.loss[e] - l), `epoch ${e} loss`).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(l))));
      // and the weights matter: unweighted training ends elsewhere
      const u = neuriteModel(c);
      await u.fit(nn.tensor(X, [N, IN]), nn.tensor(y, yShape(c)), { epochs: 3, batchSize: 4, shuffle: false });
      expect(bitDiff(u.getWeights()[2].data, nw[2])).toBeGreaterThan(0);
      tm.dispose();
    });
  }
});

describe.each(BACKENDS)('sample weights on %s', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });
  const c = CASES.find((k) => k.loss === 'categoricalCrossentropy')!;
  const y = c.y();
  const labels = Array.from({ length: N }, (_, i) => y.subarray(i * 3, i * 3 + 3).indexOf(1));
  const x = () => nn.tensor(X, [N, IN]);
  const yt = () => nn.tensor(y, [N, 3]);
  const flat = (m: nn.LayersModel) => m.getWeightsFlat();

  it('a sampleWeight gives the bits of the classWeight it equals; with both, they multiply', async () => {
    const a = neuriteModel(c);
    await a.fit(x(), yt(), { epochs: 2, batchSize: 3, classWeight: three });
    const b = neuriteModel(c);
    await b.fit(x(), yt(), { epochs: 2, batchSize: 3, sampleWeight: labels.map((l) => three[l as 0 | 1 | 2]) });
    expect(bitDiff(flat(a), flat(b))).toBe(0);
    const s = rand(5)(N, 0, 2);
    const both = neuriteModel(c);
    await both.fit(x(), yt(), { epochs: 2, batchSize: 3, classWeight: three, sampleWeight: s });
    const product = neuriteModel(c);
    await product.fit(x(), yt(), { epochs: 2, batchSize: 3, sampleWeight: nn.tensor(s.map((v, i) => v * Math.fround(three[labels[i] as 0 | 1 | 2])), [N]) });
    expect(bitDiff(flat(both), flat(product))).toBe(0);
  });

  it('a weight of 0 removes a sample exactly: changing its data changes no bit', async () => {
    const w = Array.from({ length: N }, (_, i) => (i === 4 ? 0 : 1 + i / 10));
    const a = neuriteModel(c);
    await a.fit(x(), yt(), { epochs: 3, batchSize: 4, sampleWeight: w });
    const x2 = X.slice();
    x2.fill(9, 4 * IN, 5 * IN);
    const y2 = y.slice();
    y2.set([0, 0, 1].includes(y2[4 * 3]) && y2[4 * 3 + 2] === 1 ? [1, 0, 0] : [0, 0, 1], 4 * 3);
    const b = neuriteModel(c);
    await b.fit(nn.tensor(x2, [N, IN]), nn.tensor(y2, [N, 3]), { epochs: 3, batchSize: 4, sampleWeight: w });
    expect(bitDiff(flat(a), flat(b))).toBe(0);
    // while a weight of 1 there would have changed them
    const d = neuriteModel(c);
    await d.fit(nn.tensor(x2, [N, IN]), nn.tensor(y2, [N, 3]), { epochs: 3, batchSize: 4, sampleWeight: w.map(() => 1) });
    expect(bitDiff(flat(a), flat(d))).toBeGreaterThan(0);
  });

  it('weights of 1 train as no weights (to rounding), and the logs report the weighted loss', async () => {
    const a = neuriteModel(c);
    const ha = await a.fit(x(), yt(), { epochs: 2, batchSize: 4, shuffle: false });
    const b = neuriteModel(c);
    const hb = await b.fit(x(), yt(), { epochs: 2, batchSize: 4, shuffle: false, sampleWeight: new Float32Array(N).fill(1) });
    const fa = flat(a), fb = flat(b);
    for (let i = 0; i < fa.length; i++) expect(Math.abs(fa[i] - fb[i])).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(ha.history.loss[1] - hb.history.loss[1])).toBeLessThanOrEqual(1e-6);
    // one batch of all samples: its loss is taken before the update
    const once = await neuriteModel(c).fit(x(), yt(), { epochs: 1, batchSize: N });
    const twice = await neuriteModel(c).fit(x(), yt(), { epochs: 1, batchSize: N, sampleWeight: new Float32Array(N).fill(2) });
    expect(twice.history.loss[0]).toBeCloseTo(2 * once.history.loss[0], 6);
  });

  it("evaluate's sampleWeight: Σ wᵢ·lossᵢ / n, each lossᵢ evaluated alone; metrics unweighted", () => {
    for (const k of CASES) {
      const m = neuriteModel(k);
      m.compile({ optimizer: 'sgd', loss: k.loss, metrics: [metricOf(k)] });
      const yk = k.y();
      const per = k.loss === 'sparseCategoricalCrossentropy' ? 1 : k.cols;
      const shape = (n: number) => (per === 1 && k.loss === 'sparseCategoricalCrossentropy' ? [n] : [n, k.cols]);
      const w = rand(9)(N, 0, 3);
      let want = 0;
      for (let i = 0; i < N; i++) {
        const one = m.evaluate(nn.tensor(X.slice(i * IN, (i + 1) * IN), [1, IN]), nn.tensor(yk.slice(i * per, (i + 1) * per), shape(1)));
        want += w[i] * one.loss;
      }
      want /= N;
      const all = m.evaluate(nn.tensor(X, [N, IN]), nn.tensor(yk, shape(N)), { batchSize: 3, sampleWeight: w });
      const plain = m.evaluate(nn.tensor(X, [N, IN]), nn.tensor(yk, shape(N)), { batchSize: 3 });
      expect(Math.abs(all.loss - want), k.loss).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
      const metric = metricOf(k);
      expect(all[metric], `${k.loss}: metric`).toBe(plain[metric]);
    }
  });

  it('a custom loss under sample weights trains to the bits of its built-in twin', async () => {
    const mae = nn.losses.custom({ name: 'myMaeWeighted', compute: (t, p, g, rows, cols) => {
      const n = rows * cols;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const d = p[i] - t[i];
        s += Math.abs(d);
        g[i] = Math.sign(d) / n;
      }
      return s / n;
    } });
    const k = CASES.find((v) => v.loss === 'meanAbsoluteError')!;
    const w = rand(4)(N, 0, 2);
    const a = neuriteModel(k);
    await a.fit(nn.tensor(X, [N, IN]), nn.tensor(k.y(), [N, 3]), { epochs: 2, batchSize: 4, sampleWeight: w });
    const b = neuriteModel(k);
    b.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: mae });
    await b.fit(nn.tensor(X, [N, IN]), nn.tensor(k.y(), [N, 3]), { epochs: 2, batchSize: 4, sampleWeight: w });
    expect(bitDiff(flat(a), flat(b))).toBe(0);
  });

  it('several outputs: classWeight by output name, sampleWeight for all; an output left out is not weighted', async () => {
    const make = () => {
      const i = nn.input({ shape: [IN] });
      const h = nn.layers.dense({ units: HID, activation: 'tanh', name: 'h' }).apply(i) as nn.SymbolicTensor;
      const a = nn.layers.dense({ units: 3, activation: 'softmax', name: 'a' }).apply(h) as nn.SymbolicTensor;
      const b = nn.layers.dense({ units: 1, activation: 'sigmoid', name: 'b' }).apply(h) as nn.SymbolicTensor;
      const m = nn.model({ inputs: i, outputs: [a, b], seed: 3 });
      m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: ['categoricalCrossentropy', 'binaryCrossentropy'] });
      return m;
    };
    const yb = nn.tensor(labels.map((l) => (l === 1 ? 1 : 0)), [N, 1]);
    const m1 = make();
    await m1.fit(x(), [yt(), yb], { epochs: 2, batchSize: 4, classWeight: { a: three } });
    const m2 = make();
    await m2.fit(x(), { a: yt(), b: yb }, { epochs: 2, batchSize: 4, sampleWeight: { a: labels.map((l) => three[l as 0 | 1 | 2]) } });
    expect(bitDiff(flat(m1), flat(m2))).toBe(0);
    const m3 = make();
    const h = await m3.fit(x(), [yt(), yb], { epochs: 1, batchSize: N, shuffle: false, sampleWeight: new Float32Array(N).fill(3) });
    const m4 = make();
    const h4 = await m4.fit(x(), [yt(), yb], { epochs: 1, batchSize: N, shuffle: false });
    expect(h.history.a_loss[0]).toBeCloseTo(3 * h4.history.a_loss[0], 5);
    expect(h.history.b_loss[0]).toBeCloseTo(3 * h4.history.b_loss[0], 5);
    await rejects(make().fit(x(), [yt(), yb], { classWeight: { c: three } }), nn.ValueError, 'classWeight names output "c"', 'a, b');
    await rejects(make().fit(x(), [yt(), yb], { sampleWeight: [[1], [1]] }), nn.ShapeError, "sampleWeight['a']");
  });

  it('bad weights are errors naming the option, the sample and the class', async () => {
    const m = neuriteModel(c);
    await rejects(m.fit(x(), yt(), { sampleWeight: [1, 2] }), nn.ShapeError, 'x has 10 samples but sampleWeight has 2 weights');
    await rejects(m.fit(x(), yt(), { sampleWeight: nn.tensor(new Float32Array(2 * N), [N, 2]) }), nn.ShapeError, 'one weight per sample', '[10, 2]');
    await rejects(m.fit(x(), yt(), { sampleWeight: labels.map((_, i) => (i === 3 ? -1 : 1)) }), nn.ValueError, 'sampleWeight[3] is -1');
    await rejects(m.fit(x(), yt(), { sampleWeight: labels.map((_, i) => (i === 2 ? NaN : 1)) }), nn.ValueError, 'sampleWeight[2] is NaN');
    await rejects(m.fit(x(), yt(), { sampleWeight: 'all' }), nn.ValueError, 'sampleWeight must be one number per sample');
    const missing: Record<number, number> = labels.includes(2) ? { 0: 1, 1: 1 } : { 0: 1, 2: 1 };
    await rejects(m.fit(x(), yt(), { classWeight: missing }), nn.ValueError, 'classWeight has no weight for class', 'sample ');
    await rejects(m.fit(x(), yt(), { classWeight: { 0: 1, 1: 1, 2: 1, 3: 1 } }), nn.ValueError, 'class 3', '3 units');
    await rejects(m.fit(x(), yt(), { classWeight: { 0: 1, one: 1 } }), nn.ValueError, 'key "one"');
    await rejects(m.fit(x(), yt(), { classWeight: { 0: 1, 1: Infinity, 2: 1 } }), nn.ValueError, 'classWeight[1] is Infinity');
    await rejects(m.fit(x(), yt(), { classWeight: [1, 2] as never }), nn.ValueError, 'classWeight must be an object of class label to weight');
    expect(() => m.evaluate(x(), yt(), { sampleWeight: [1] })).toThrow(nn.ShapeError);
    expect(() => m.evaluate(x(), yt(), { classWeight: three } as never)).toThrow(/unknown option "classWeight"/);
    const one = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 1, inputShape: [IN] })] });
    one.compile({ optimizer: 'sgd', loss: 'mse' });
    await rejects(one.fit(x(), nn.tensor(rand(2)(N), [N, 1]), { classWeight: { 0: 1 } }), nn.ValueError, 'one-column targets must be integers');
    // the model was never changed by a refused call
    expect(bitDiff(flat(m), flat(neuriteModel(c)))).toBe(0);
  });

  it('wasm and js train with weights to the same bits', async () => {
    const run = async (b: nn.BackendName) => {
      await nn.setBackend(b);
      const m = neuriteModel(CASES.find((k) => k.loss === 'sparseCategoricalCrossentropy')!);
      await m.fit(x(), nn.tensor(CASES[14].y(), [N]), { epochs: 2, batchSize: 4, classWeight: three, sampleWeight: rand(8)(N, 0, 2) });
      return flat(m);
    };
    const a = await run('wasm');
    const b = await run('js');
    await nn.setBackend(backend);
    expect(bitDiff(a, b)).toBe(0);
  });
});
