// trainOnBatch and predictOnBatch against TF.js 4.22 from the same weights: the values they return (a number, or
// [loss, output losses..., metrics...] in metricsNames order) and the weights after each step; testOnBatch (Keras's;
// TF.js has none) against TF.js's evaluate of the whole batch; and against neurite's own fit, evaluate and predict
// (same bits), on both backends.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, bitDiff, rand, rejects } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const N = 12, IN = 5, HID = 7, OUT = 3;
const X = rand(1)(N * IN);
const LABELS = Float32Array.from(rand(2)(N, 0, OUT), (v) => Math.min(OUT - 1, Math.floor(v)));
const W0 = [rand(3)(IN * HID, -0.6, 0.6), rand(4)(HID, -0.1, 0.1), rand(5)(HID * OUT, -0.6, 0.6), rand(6)(OUT, -0.1, 0.1)];
const SHAPES = [[IN, HID], [HID], [HID, OUT], [OUT]];
const BIN = Float32Array.from(LABELS, (l) => (l === 1 ? 1 : 0));

const close = (a: number, b: number, what: string) => expect(Math.abs(a - b), what).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(b)));

function neurite(metrics: string[]) {
  const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: HID, activation: 'relu', inputShape: [IN] }),
    nn.layers.dense({ units: OUT, activation: 'softmax' })] });
  m.setWeights(W0.map((w, i) => nn.tensor(w, SHAPES[i])));
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics });
  return m;
}

/** A graph of two outputs: 'cls' (softmax, sparse cross-entropy) and 'odd' (sigmoid, binary cross-entropy). */
function tfGraph() {
  const i = tf.input({ shape: [IN] });
  const h = tf.layers.dense({ units: HID, activation: 'relu', name: 'h' }).apply(i) as tf.SymbolicTensor;
  const a = tf.layers.dense({ units: OUT, activation: 'softmax', name: 'cls' }).apply(h) as tf.SymbolicTensor;
  const b = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'odd' }).apply(h) as tf.SymbolicTensor;
  const m = tf.model({ inputs: i, outputs: [a, b] });
  m.setWeights([...W0, rand(7)(HID, -0.5, 0.5), rand(8)(1, -0.1, 0.1)].map((w, k) => tf.tensor(w, [...SHAPES, [HID, 1], [1]][k])));
  m.compile({ optimizer: tf.train.adam(0.01), loss: ['sparseCategoricalCrossentropy', 'binaryCrossentropy'], metrics: ['accuracy'] });
  return m;
}
function nnGraph() {
  const i = nn.input({ shape: [IN] });
  const h = nn.layers.dense({ units: HID, activation: 'relu', name: 'h' }).apply(i) as nn.SymbolicTensor;
  const a = nn.layers.dense({ units: OUT, activation: 'softmax', name: 'cls' }).apply(h) as nn.SymbolicTensor;
  const b = nn.layers.dense({ units: 1, activation: 'sigmoid', name: 'odd' }).apply(h) as nn.SymbolicTensor;
  const m = nn.model({ inputs: i, outputs: [a, b], seed: 2 });
  m.setWeights([...W0, rand(7)(HID, -0.5, 0.5), rand(8)(1, -0.1, 0.1)].map((w, k) => nn.tensor(w, [...SHAPES, [HID, 1], [1]][k])));
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: ['sparseCategoricalCrossentropy', 'binaryCrossentropy'], metrics: ['accuracy'] });
  return m;
}

describe.each(BACKENDS)('on-batch methods on %s', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });
  const batch = (b: number) => [nn.tensor(X.slice(b * 4 * IN, (b + 1) * 4 * IN), [4, IN]), nn.tensor(LABELS.slice(b * 4, (b + 1) * 4), [4])] as const;
  const tfBatch = (b: number) => [tf.tensor(X.slice(b * 4 * IN, (b + 1) * 4 * IN), [4, IN]), tf.tensor(LABELS.slice(b * 4, (b + 1) * 4), [4])] as const;

  it('trainOnBatch returns what TF.js returns and trains as TF.js does (Adam, 3 batches)', async () => {
    const tm = tf.sequential({ layers: [tf.layers.dense({ units: HID, activation: 'relu', inputShape: [IN] }), tf.layers.dense({ units: OUT, activation: 'softmax' })] });
    tm.setWeights(W0.map((w, i) => tf.tensor(w, SHAPES[i])));
    tm.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const m = neurite(['accuracy']);
    expect(m.metricsNames).toEqual(['loss', 'accuracy']);
    for (let b = 0; b < 3; b++) {
      const want = await tm.trainOnBatch(...tfBatch(b)) as number[];
      const got = await m.trainOnBatch(...batch(b)) as number[];
      expect(got).toHaveLength(2);
      close(got[0], want[0], `batch ${b} loss`);
      expect(Math.fround(got[1]), `batch ${b} accuracy`).toBe(want[1]);
    }
    const tw = tm.getWeights().map((w) => w.dataSync() as Float32Array);
    m.getWeights().forEach((w, i) => {
      const scale = Math.max(...tw[i].map(Math.abs));
      w.data.forEach((v, j) => expect(Math.abs(v - tw[i][j]) / scale).toBeLessThanOrEqual(1e-6));
    });
    expect(m.optimizerIterations).toBe(3);
    expect(m.getTrainingState().epochsTrained).toBe(0);
    // without metrics, one number
    const plain = neurite([]);
    const l = await plain.trainOnBatch(...batch(0));
    expect(typeof l).toBe('number');
    tm.dispose();
  });

  it('several outputs: [loss, cls_loss, odd_loss, cls_accuracy, odd_accuracy], as TF.js orders them', async () => {
    const tm = tfGraph();
    const m = nnGraph();
    expect(m.metricsNames).toEqual(['loss', 'cls_loss', 'odd_loss', 'cls_accuracy', 'odd_accuracy']);
    for (let b = 0; b < 2; b++) {
      const xs = X.slice(b * 6 * IN, (b + 1) * 6 * IN), ls = LABELS.slice(b * 6, (b + 1) * 6), bs = BIN.slice(b * 6, (b + 1) * 6);
      const want = await tm.trainOnBatch(tf.tensor(xs, [6, IN]), [tf.tensor(ls, [6]), tf.tensor(bs, [6, 1])]) as number[];
      const got = await m.trainOnBatch(nn.tensor(xs, [6, IN]), [nn.tensor(ls, [6]), nn.tensor(bs, [6, 1])]) as number[];
      expect(got).toHaveLength(want.length);
      for (let i = 0; i < 3; i++) close(got[i], want[i], `batch ${b}: ${m.metricsNames[i]}`);
      for (let i = 3; i < 5; i++) expect(Math.fround(got[i]), `batch ${b}: ${m.metricsNames[i]}`).toBe(want[i]);
    }
    // TF.js has no testOnBatch: its evaluate of the whole batch at once, as Keras's test_on_batch
    const t = tm.evaluate(tf.tensor(X, [N, IN]), [tf.tensor(LABELS, [N]), tf.tensor(BIN, [N, 1])], { batchSize: N }) as tf.Scalar[];
    const g = m.testOnBatch(nn.tensor(X, [N, IN]), [nn.tensor(LABELS, [N]), nn.tensor(BIN, [N, 1])]) as number[];
    expect(g).toHaveLength(5);
    // (TF.js's evaluate puts the first output's loss once more in front of its list for a model of several outputs)
    expect(t).toHaveLength(6);
    g.forEach((v, i) => close(v, t[i + 1].dataSync()[0], `testOnBatch ${m.metricsNames[i]}`));
    const p = m.predictOnBatch(nn.tensor(X, [N, IN])) as nn.Tensor[];
    const tp = tm.predictOnBatch(tf.tensor(X, [N, IN])) as tf.Tensor[];
    p.forEach((v, i) => v.data.forEach((x, j) => expect(Math.abs(x - tp[i].dataSync()[j])).toBeLessThanOrEqual(1e-6)));
    tm.dispose();
  });

  it('trainOnBatch trains to the bits of fit on one batch; testOnBatch and predictOnBatch give evaluate and predict', async () => {
    const a = neurite(['accuracy']);
    const b = neurite(['accuracy']);
    const [x, y] = batch(1);
    const r = await a.trainOnBatch(x, y) as number[];
    const h = await b.fit(x, y, { batchSize: 4, shuffle: false });
    expect(bitDiff(a.getWeightsFlat(), b.getWeightsFlat())).toBe(0);
    expect(r[0]).toBe(h.history.loss[0]);
    expect(r[1]).toBe(h.history.accuracy[0]);
    const t = a.testOnBatch(nn.tensor(X, [N, IN]), nn.tensor(LABELS, [N])) as number[];
    const e = a.evaluate(nn.tensor(X, [N, IN]), nn.tensor(LABELS, [N]), { batchSize: N });
    expect(t).toEqual([e.loss, e.accuracy]);
    const p = a.predictOnBatch(nn.tensor(X, [N, IN])) as nn.Tensor;
    expect(bitDiff(p.data, a.predict(nn.tensor(X, [N, IN])).data)).toBe(0);
  });

  it('errors: before compile, bad shapes, during a fit', async () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ units: 2, inputShape: [IN] })] });
    await rejects(m.trainOnBatch(...batch(0)), nn.StateError, 'trainOnBatch called before compile');
    expect(() => m.testOnBatch(...batch(0))).toThrow(nn.StateError);
    const c = neurite([]);
    await rejects(c.trainOnBatch(nn.tensor(X.slice(0, 8), [2, 4]), nn.tensor([0, 1], [2])), nn.ShapeError, 'shape [n, 5]');
    await rejects(c.trainOnBatch(batch(0)[0], nn.tensor([0, 1, 2, 7], [4])), nn.ValueError, 'labels must be integers in [0, 2]');
    const before = c.getWeightsFlat();
    let inside: unknown;
    await c.fit(nn.tensor(X, [N, IN]), nn.tensor(LABELS, [N]), { batchSize: 4, callbacks: { onBatchEnd: async () => {
      inside ??= await c.trainOnBatch(...batch(0)).catch((e) => e);
    } } });
    expect(inside).toBeInstanceOf(nn.StateError);
    expect(bitDiff(before, c.getWeightsFlat())).toBeGreaterThan(0);
  });
});
