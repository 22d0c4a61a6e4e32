// Metrics by name and custom ones: values against hand computations over whole passes, batch logs, val_ keys,
// several outputs, and the errors of a wrong metric.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, rand } from './helpers';

/** A model whose outputs are its inputs: predictions are exactly the data given. */
function identity(units: number, activation: 'linear' | 'softmax' | 'sigmoid' = 'linear'): nn.LayersModel {
  const x = nn.input({ shape: [units] });
  const m = nn.model({ inputs: x, outputs: nn.layers.activation({ activation, name: 'out' }).apply(x) });
  return m;
}

describe.each(BACKENDS)('metrics (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it('accuracies, top-k, precision, recall, mae and mse over a pass equal their definitions', () => {
    const n = 37;
    const c = 4;
    const r = rand(5);
    const pred = r(n * c, 0, 1);
    const labels = Array.from(r(n, 0, c), (v) => Math.min(c - 1, Math.floor(v)));
    const onehot = new Float32Array(n * c);
    labels.forEach((l, i) => { onehot[i * c + l] = 1; });
    const argmax = (i: number) => { let b = 0; for (let j = 1; j < c; j++) if (pred[i * c + j] > pred[i * c + b]) b = j; return b; };
    const rank = (i: number) => { let a = 0; for (let j = 0; j < c; j++) if (pred[i * c + j] > pred[i * c + labels[i]]) a++; return a; };
    const m = identity(c);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['categoricalAccuracy', 'binaryAccuracy',
      nn.metrics.topKCategoricalAccuracy({ k: 2 }), 'precision', 'recall', 'mae', 'mse'] });
    const e = m.evaluate(nn.tensor(pred, [n, c]), nn.tensor(onehot, [n, c]), { batchSize: 8 });
    let cat = 0; let bin = 0; let top = 0; let tp = 0; let fp = 0; let fn = 0; let ae = 0; let se = 0;
    for (let i = 0; i < n; i++) {
      if (argmax(i) === labels[i]) cat++;
      if (rank(i) < 2) top++;
      for (let j = 0; j < c; j++) {
        const p = pred[i * c + j];
        const t = onehot[i * c + j];
        if ((p >= 0.5 ? 1 : 0) === t) bin++;
        if (p > 0.5 && t === 1) tp++; else if (p > 0.5) fp++; else if (t === 1) fn++;
        ae += Math.abs(p - t);
        se += (p - t) ** 2;
      }
    }
    expect(e.categoricalAccuracy).toBe(cat / n);
    expect(e.binaryAccuracy).toBe(bin / (n * c));
    expect(e.topKCategoricalAccuracy).toBe(top / n);
    expect(e.precision).toBe(tp / (tp + fp));
    expect(e.recall).toBe(tp / (tp + fn));
    expect(e.mae).toBeCloseTo(ae / (n * c), 6);
    expect(e.mse).toBeCloseTo(se / (n * c), 6);
    expect(e.mse).toBeCloseTo(e.loss, 6);
    // labels: the sparse accuracies
    const s = identity(c);
    s.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['acc', 'sparseTopKCategoricalAccuracy'] });
    const se2 = s.evaluate(nn.tensor(pred, [n, c]), labels);
    expect(se2.accuracy).toBe(cat / n);
    expect(se2.sparseTopKCategoricalAccuracy).toBe(1); // k = 5 of 4 classes
    s.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: [nn.metrics.topKCategoricalAccuracy({ k: 1, sparse: true })] });
    expect(s.evaluate(nn.tensor(pred, [n, c]), labels).sparseTopKCategoricalAccuracy).toBe(cat / n);
  });

  it('fit reads each batch\'s predictions after backward: with a learning rate of 1e-30 (no change in f32) its metrics equal evaluate\'s', async () => {
    // three layers: the plan reuses dead activations for gradients, so the outputs must outlive backward
    const m = nn.sequential({ seed: 42, layers: [nn.layers.dense({ units: 16, activation: 'relu', inputShape: [6] }),
      nn.layers.dense({ units: 8, activation: 'relu' }), nn.layers.dense({ units: 3, activation: 'softmax' })] });
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e-30 }), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mae'] });
    const r = rand(17);
    const x = nn.tensor(r(96 * 6, -1, 1), [96, 6]);
    const t = new Float32Array(96 * 3);
    for (let i = 0; i < 96; i++) t[i * 3 + (i % 3)] = 1;
    const y = nn.tensor(t, [96, 3]);
    const h = await m.fit(x, y, { epochs: 1, batchSize: 16 });
    const e = m.evaluate(x, y);
    expect(h.history.accuracy[0]).toBe(e.accuracy);
    expect(h.history.mae[0]).toBeCloseTo(e.mae, 6);
    expect(h.history.loss[0]).toBeCloseTo(e.loss, 6);
  });

  it('a custom metric: the batch mean, averaged over the epoch by batch size, in History, batch logs and val_', async () => {
    const maeLike = nn.metrics.custom({ name: 'myMae', compute: (t, p, rows, cols) => {
      let s = 0;
      for (let i = 0; i < rows * cols; i++) s += Math.abs(p[i] - t[i]);
      return s / (rows * cols);
    } });
    const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 2, inputShape: [3] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae', maeLike] });
    const r = rand(9);
    const x = nn.tensor(r(30 * 3), [30, 3]);
    const y = nn.tensor(r(30 * 2), [30, 2]);
    const batches: nn.Logs[] = [];
    const h = await m.fit(x, y, { epochs: 2, batchSize: 7, validationSplit: 0.2, callbacks: { onBatchEnd: (_b, logs) => { batches.push({ ...logs! }); } } });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'myMae', 'val_loss', 'val_mae', 'val_myMae']);
    for (let e = 0; e < 2; e++) {
      expect(h.history.myMae[e]).toBeCloseTo(h.history.mae[e], 6);
      expect(h.history.val_myMae[e]).toBeCloseTo(h.history.val_mae[e], 6);
    }
    for (const b of batches) expect(b.myMae).toBeCloseTo(b.mae, 6);
    // the epoch's value is the mean of the batches' weighted by their sizes (24 samples: 7, 7, 7, 3)
    const first = batches.slice(0, 4);
    const weighted = first.reduce((a, b) => a + b.myMae * b.size, 0) / 24;
    expect(h.history.myMae[0]).toBeCloseTo(weighted, 12);
  });

  it('several outputs: metrics per output by list or map, logged as output_metric', async () => {
    const x = nn.input({ shape: [3] });
    const a = nn.layers.dense({ units: 3, activation: 'softmax', name: 'a' }).apply(x);
    const b = nn.layers.dense({ units: 1, name: 'b' }).apply(x);
    const m = nn.model({ inputs: x, outputs: [a, b], seed: 2 });
    m.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'mse'], metrics: { a: ['accuracy'], b: ['mae'] } });
    const r = rand(3);
    const X = nn.tensor(r(12 * 3), [12, 3]);
    const e = m.evaluate(X, [[0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], nn.tensor(r(12), [12, 1])]);
    expect(Object.keys(e).sort()).toEqual(['a_accuracy', 'a_loss', 'b_loss', 'b_mae', 'loss']);
    expect(() => m.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'mse'], metrics: { a: ['accuracy'], c: ['mae'] } }))
      .toThrow(/metrics names output "c", but the outputs are: a, b/);
  });

  it('a wrong metric is refused at compile, naming it and what to use', () => {
    const m = identity(3);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['accuracyy'] })).toThrow(nn.UnknownNameError);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['categoricalAccuracy'] }))
      .toThrow(/needs targets with one value per unit, but the output is trained with sparseCategoricalCrossentropy; use sparseCategoricalAccuracy/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['sparseCategoricalAccuracy'] })).toThrow(/use categoricalAccuracy/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae', 'mae'] })).toThrow(/metric mae is given twice/);
    expect(() => nn.metrics.custom({ name: '', compute: () => 0 })).toThrow(/name must be a non-empty string/);
    expect(() => nn.metrics.custom({ name: 'x', compute: 3 as never })).toThrow(/compute must be a function/);
    expect(() => nn.metrics.topKCategoricalAccuracy({ k: 0 })).toThrow(/k must be a positive integer/);
    const bad = nn.metrics.custom({ name: 'bad', compute: () => 'x' as never });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: [bad] });
    expect(() => m.evaluate([[1, 2, 3]], [[1, 2, 3]])).toThrow(/custom metric 'bad' returned "x", not a number/);
  });
});
