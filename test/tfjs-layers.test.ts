// neurite/tfjs's Layers API against TF.js 4.22: programs written as TF.js users write them (tf.sequential / tf.model,
// tf.layers with TF.js's spellings, tf.train optimizers, fit with callbacks and History, evaluate's scalars,
// predict's tensors read by dataSync and argMax) run unchanged on both libraries from the same initial weights,
// and their numbers are compared; then loading, instanceof, and the errors for what neurite/tfjs does not provide.
import * as real from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as nn from '../src/index';
import * as ours from '../src/tfjs/index';

// the same program runs on both libraries
type TF = any;

beforeAll(async () => {
  real.env().set('PROD', true);
  await real.setBackend('cpu');
});

/** Deterministic values in [-0.5, 0.5) for the i-th weight tensor: both libraries start from them. */
function fixed(size: number, seed: number): number[] {
  let s = (seed + 1) * 2654435761;
  return Array.from({ length: size }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 2 ** 32) - 0.5;
  });
}

function startFrom(tf: TF, model: TF): void {
  model.setWeights(model.getWeights().map((w: TF, i: number) => tf.tensor(fixed(w.size, i), w.shape)));
}

const data = (n: number, d: number, seed: number) => fixed(n * d, 100 + seed).map((v) => 4 * v);

/** A regression: Sequential built with add, inputDim and [n]-shaped targets, SGD, evaluate's scalar, predict. */
async function regression(tf: TF) {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 8, inputDim: 2, activation: 'tanh', kernelInitializer: 'GlorotUniform', biasInitializer: 'Zeros' }));
  model.add(tf.layers.dense({ units: 1, kernelRegularizer: null }));
  startFrom(tf, model);
  model.compile({ optimizer: tf.train.sgd(0.05), loss: tf.losses.meanSquaredError });
  const x = data(32, 2, 1);
  const xs = tf.tensor2d(x, [32, 2]);
  const ys = tf.tensor1d(Array.from({ length: 32 }, (_, i) => x[2 * i] * 0.5 - x[2 * i + 1] * 0.25 + 0.1));
  const h = await model.fit(xs, ys, { epochs: 5, batchSize: 8, shuffle: false });
  const loss = (model.evaluate(xs, ys) as TF).dataSync()[0];
  const pred = Array.from(model.predict(tf.tensor2d([[0.5, -0.5], [1, 2]])).dataSync() as ArrayLike<number>);
  return { history: h.history.loss as number[], epochs: h.epoch as number[], loss, pred, shape: model.predict(xs).shape };
}

/** A classifier: batchInputShape, oneHot labels, Adam with positional arguments, accuracy under TF.js's 'acc' keys. */
async function classifier(tf: TF) {
  const model = tf.sequential({ layers: [
    tf.layers.dense({ units: 16, batchInputShape: [null, 4], activation: 'relu' }),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  startFrom(tf, model);
  model.compile({ optimizer: tf.train.adam(0.01, 0.9, 0.999), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = data(48, 4, 2);
  const labels = Array.from({ length: 48 }, (_, i) => (x[4 * i] + x[4 * i + 1] > 0 ? (x[4 * i + 2] > 0 ? 2 : 1) : 0));
  const xs = tf.tensor2d(x, [48, 4]);
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
  const seen: number[][] = [];
  const h = await model.fit(xs, ys, { epochs: 4, batchSize: 16, shuffle: false, validationSplit: 0.25,
    callbacks: { onEpochEnd: (_e: number, logs: Record<string, number>) => { seen.push([logs.loss, logs.acc, logs.val_loss, logs.val_acc]); } } });
  const [loss, acc] = model.evaluate(xs, ys, { batchSize: 12 }) as TF[];
  const predicted = tf.tidy(() => model.predict(xs).argMax(-1));
  return { seen, valAcc: h.history.val_acc as number[], acc: h.history.acc as number[], loss: loss.dataSync()[0], accuracy: acc.dataSync()[0],
    predicted: Array.from(predicted.dataSync() as ArrayLike<number>), dtype: predicted.dtype };
}

/** A small CNN as a functional model: tf.input, apply, conv2d / maxPooling2d / flatten, RMSprop, batch callbacks. */
async function cnn(tf: TF) {
  const input = tf.input({ shape: [6, 6, 1] });
  let t = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(input);
  t = tf.layers.maxPooling2d({ poolSize: 2 }).apply(t);
  t = tf.layers.flatten().apply(t);
  const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(t);
  const model = tf.model({ inputs: input, outputs: out });
  startFrom(tf, model);
  model.compile({ optimizer: tf.train.rmsprop(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
  const xs = tf.tensor4d(data(20, 36, 3), [20, 6, 6, 1]);
  const ys = tf.tensor1d(Array.from({ length: 20 }, (_, i) => i % 2));
  const batches: number[] = [];
  await model.fit(xs, ys, { epochs: 2, batchSize: 5, shuffle: false, callbacks: [{ onBatchEnd: (_b: number, logs: Record<string, number>) => { batches.push(logs.loss); } }] });
  const probs = model.predict(xs.slice([0, 0, 0, 0], [3, 6, 6, 1]));
  return { batches, probs: Array.from(probs.dataSync() as ArrayLike<number>), shape: probs.shape, weights: model.getWeights().map((w: TF) => w.shape) };
}

/** Early stopping on a validation set that disagrees with the training set, so its loss turns upward. */
async function early(tf: TF) {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  startFrom(tf, model);
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const x = data(40, 2, 4);
  // the last 10 samples (validationSplit 0.25) have the opposite target
  const y = Array.from({ length: 40 }, (_, i) => (i < 30 ? 1 : -1) * (x[2 * i] - x[2 * i + 1]));
  const h = await model.fit(tf.tensor2d(x, [40, 2]), tf.tensor2d(y, [40, 1]), { epochs: 40, batchSize: 10, shuffle: false,
    validationSplit: 0.25, callbacks: [tf.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 })] });
  return { epochs: h.epoch as number[], valLoss: h.history.val_loss as number[] };
}

/**
 * A classifier on tf.data: zip of array datasets, a map that makes one-hot tensors, batch, fitDataset with a
 * validation dataset and callbacks, evaluateDataset's scalars, and the batches read back with forEachAsync.
 */
async function datasetClassifier(tf: TF) {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [3], activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  startFrom(tf, model);
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = data(40, 3, 5);
  const rows = Array.from({ length: 40 }, (_, i) => [x[3 * i], x[3 * i + 1], x[3 * i + 2]]);
  const labels = rows.map((r) => (r[0] > 0 ? (r[1] > 0 ? 2 : 1) : 0));
  const ds = (from: number, to: number) => tf.data.zip({ xs: tf.data.array(rows.slice(from, to)), ys: tf.data.array(labels.slice(from, to)) })
    .map(({ xs, ys }: TF) => ({ xs: tf.tensor1d(xs), ys: tf.oneHot(tf.tensor1d([ys], 'int32'), 3).reshape([3]) }));
  const train = ds(0, 30).batch(8);
  const seen: number[][] = [];
  const h = await model.fitDataset(train, { epochs: 4, validationData: ds(30, 40).batch(5),
    callbacks: { onEpochEnd: (_e: number, logs: Record<string, number>) => { seen.push([logs.loss, logs.acc, logs.val_loss, logs.val_acc]); } } });
  const [loss, acc] = await model.evaluateDataset(ds(30, 40).batch(4)) as TF[];
  const shapes: number[][][] = [];
  await train.forEachAsync((b: TF) => { shapes.push([b.xs.shape, b.ys.shape]); });
  const first = (await train.take(1).toArray())[0];
  return { seen, acc: h.history.acc as number[], loss: loss.dataSync()[0], accuracy: acc.dataSync()[0], shapes, epochs: h.epoch as number[],
    firstYs: Array.from(first.ys.dataSync() as ArrayLike<number>), sizes: [tf.data.array(rows).size, train.size] };
}

/** Rows of a CSV file through tf.data.csv with a label column, mapped to arrays, batched, trained on with fitDataset. */
async function csvRegression(tf: TF, file: string) {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  startFrom(tf, model);
  model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
  const csv = tf.data.csv(pathToFileURL(file).href, { columnConfigs: { price: { isLabel: true } } });
  const rows = await csv.toArray();
  const ds = csv.map(({ xs, ys }: TF) => ({ xs: Object.values(xs), ys: Object.values(ys) })).batch(4);
  const h = await model.fitDataset(ds, { epochs: 3 });
  return { first: rows[0], count: rows.length, loss: h.history.loss as number[] };
}

function closeTo(a: unknown, b: unknown, tol: number, path = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    expect(Math.abs(a - b), `${path}: neurite ${a} vs TF.js ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
  } else if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length, `${path} length`).toBe(b.length);
    a.forEach((v, i) => closeTo(v, b[i], tol, `${path}[${i}]`));
  } else if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
    expect(Object.keys(a).sort(), path).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) closeTo((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, `${path}.${k}`);
  } else {
    expect(a, path).toEqual(b);
  }
}

describe.each(['wasm', 'js'] as const)('TF.js programs with only the import changed (%s)', (backend) => {
  beforeAll(async () => { await ours.setBackend(backend === 'js' ? 'cpu' : 'wasm'); });

  it.each([['regression', regression], ['classifier', classifier], ['cnn', cnn], ['early stopping', early]] as const)('%s gives TF.js 4.22\'s numbers', async (_name, program) => {
    const theirs = await program(real);
    const mine = await program(ours);
    closeTo(mine, theirs, 2e-5);
    if (program === early) expect((theirs as { epochs: number[] }).epochs.length).toBeLessThan(40);
  });

  it('a classifier on tf.data (zip, map, batch, fitDataset, evaluateDataset, forEachAsync) gives TF.js 4.22\'s numbers', async () => {
    const theirs = await datasetClassifier(real);
    const mine = await datasetClassifier(ours);
    closeTo(mine, theirs, 2e-5);
    expect(mine.shapes).toEqual([[[8, 3], [8, 3]], [[8, 3], [8, 3]], [[8, 3], [8, 3]], [[6, 3], [6, 3]]]);
    expect(mine.sizes).toEqual([40, 4]);
  });

  it('tf.data.csv with a label column, trained on with fitDataset, gives TF.js 4.22\'s rows and numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'neurite-tfjs-csv-'));
    const file = join(dir, 'houses.csv');
    const v = data(12, 2, 6);
    writeFileSync(file, `rooms,age,price\n${Array.from({ length: 12 }, (_, i) => `${v[2 * i]},${v[2 * i + 1]},${(2 * v[2 * i] - v[2 * i + 1]).toFixed(4)}`).join('\n')}\n`);
    const theirs = await csvRegression(real, file);
    const mine = await csvRegression(ours, file);
    closeTo(mine, theirs, 2e-5);
    expect(mine.count).toBe(12);
    expect(Object.keys(mine.first as object)).toEqual(['xs', 'ys']);
  });
});

describe('neurite/tfjs models', () => {
  it('are instances of tf.LayersModel and tf.Sequential, with TF.js\'s History and logs', async () => {
    const seq = ours.sequential({ layers: [ours.layers.dense({ units: 1, inputShape: [1] })] });
    expect(seq).toBeInstanceOf(ours.LayersModel);
    expect(seq).toBeInstanceOf(ours.Sequential);
    const x = ours.input({ batchShape: [null, 3] });
    const graph = ours.model({ inputs: x, outputs: ours.layers.dense({ units: 2 }).apply(x) as nn.SymbolicTensor });
    expect(graph).toBeInstanceOf(ours.LayersModel);
    expect(graph).not.toBeInstanceOf(ours.Sequential);
    expect(graph.neurite.inputs[0].shape).toEqual([3]);
    seq.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['accuracy'] });
    const h = await seq.fit(ours.tensor2d([[1], [2]]), ours.tensor2d([[1], [0]]), { epochs: 2, yieldEvery: 'never' });
    expect(h.epoch).toEqual([0, 1]);
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'accuracy', 'loss']);
    expect(h.params.epochs).toBe(2);
    const loss = seq.evaluate(ours.tensor2d([[1]]), ours.tensor2d([[1]])) as ours.Tensor[];
    expect(loss.map((t) => t.shape)).toEqual([[], []]);
  });

  it('loads a model TF.js saved, and predicts as TF.js does', async () => {
    const m = real.sequential({ layers: [real.layers.dense({ units: 3, inputShape: [2], activation: 'sigmoid' }), real.layers.dense({ units: 2 })] });
    const dir = mkdtempSync(join(tmpdir(), 'neurite-tfjs-layers-'));
    await m.save(real.io.withSaveHandler(async (a) => {
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await ours.loadLayersModel(pathToFileURL(join(dir, 'model.json')).href);
    expect(loaded).toBeInstanceOf(ours.Sequential);
    const x = [[0.3, -1.2], [2, 0.5]];
    const want = (m.predict(real.tensor2d(x)) as real.Tensor).dataSync();
    closeTo(Array.from((loaded.predict(ours.tensor2d(x)) as ours.Tensor).dataSync()), Array.from(want), 1e-6);
    expect(loaded.getWeights().map((w) => w.shape)).toEqual(m.getWeights().map((w) => w.shape));
  });

  it('earlyStopping watches TF.js\'s val_acc and stops as neurite\'s does', async () => {
    const model = ours.sequential({ seed: 1, layers: [ours.layers.dense({ units: 2, inputShape: [2], activation: 'softmax' })] });
    model.compile({ optimizer: ours.train.sgd(1e-9), loss: 'categoricalCrossentropy', metrics: ['acc'] });
    const h = await model.fit([[0, 1], [1, 0], [1, 1], [0, 0]], [[0, 1], [1, 0], [1, 0], [0, 1]], { epochs: 20, validationSplit: 0.5,
      callbacks: ours.callbacks.earlyStopping({ monitor: 'val_acc', patience: 2 }) });
    // a learning rate of 1e-9: the validation accuracy never improves after the first epoch, so patience 2 stops after the third
    expect(h.epoch).toEqual([0, 1, 2]);
  });

  it('initializers and regularizers in TF.js\'s spellings make neurite\'s', () => {
    const make = (c: Record<string, unknown>) => ours.sequential({ seed: 3, layers: [ours.layers.dense({ units: 300, inputShape: [400], ...c })] });
    const std = (m: ours.Sequential) => { const w = m.neurite.getWeights()[0].data; let s = 0; for (const v of w) s += v * v; return Math.sqrt(s / w.length); };
    const maxAbs = (m: ours.Sequential) => Math.max(...Array.from(m.neurite.getWeights()[0].data, Math.abs));
    // LeCun: variance 1 / fanIn, as a truncated normal and as U(±√(3 / fanIn))
    for (const init of ['leCunNormal', 'LeCunNormal', 'varianceScaling', ours.initializers.leCunNormal(), ours.initializers.varianceScaling()]) {
      expect(Math.abs(std(make({ kernelInitializer: init })) - Math.sqrt(1 / 400)), String(init)).toBeLessThan(0.02 * Math.sqrt(1 / 400));
    }
    const uniform = make({ kernelInitializer: ours.initializers.varianceScaling({ distribution: 'uniform' }) });
    expect(maxAbs(uniform)).toBeLessThanOrEqual(Math.sqrt(3 / 400));
    expect(maxAbs(uniform)).toBeGreaterThan(0.99 * Math.sqrt(3 / 400));
    expect(Math.abs(std(make({ kernelInitializer: ours.initializers.varianceScaling({ scale: 2 }) })) - Math.sqrt(2 / 400))).toBeLessThan(0.02 * Math.sqrt(2 / 400));
    const same = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      expect(Array.from(make(a).neurite.getWeights()[0].data)).toEqual(Array.from(make(b).neurite.getWeights()[0].data));
    same({ kernelInitializer: 'GlorotNormal' }, { kernelInitializer: ours.initializers.varianceScaling({ mode: 'fanAvg' }) });
    same({ kernelInitializer: 'HeUniform' }, { kernelInitializer: ours.initializers.heUniform() });
    expect(Array.from(make({ kernelInitializer: ours.initializers.constant({ value: 1 }) }).neurite.getWeights()[0].data.slice(0, 3))).toEqual([1, 1, 1]);
    const reg = ours.layers.dense({ units: 2, inputShape: [2], kernelRegularizer: ours.regularizers.l1l2({ l1: 0, l2: 0.5 }) });
    expect(reg.toJSON()).toMatchObject({ config: { kernelRegularizer: { l2: 0.5 } } });
    const frozen = ours.layers.dense({ units: 2, trainable: false });
    expect(frozen.trainable).toBe(false);
  });

  it('tf.data: shuffle seeded by a string, csv without a header, and errors that name the option, column or line', async () => {
    const ds = ours.data.array([1, 2, 3, 4, 5, 6]);
    const a = await ds.shuffle(6, 'seed').toArray();
    expect(a).toEqual(await ds.shuffle(6, 'seed').toArray());
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await ds.shuffle(6, 'other seed').toArray()).not.toEqual(a);
    const dir = mkdtempSync(join(tmpdir(), 'neurite-tfjs-csv-'));
    const file = pathToFileURL(join(dir, 'plain.csv')).href;
    writeFileSync(join(dir, 'plain.csv'), '1;"a;b";2.5\n3;"say ""hi""";\n');
    const rows = await ours.data.csv(file, { hasHeader: false, columnNames: ['n', 's', 'x'], delimiter: ';', columnConfigs: { x: { default: -1 } } }).toArray();
    expect(rows).toEqual([{ n: 1, s: 'a;b', x: 2.5 }, { n: 3, s: 'say "hi"', x: -1 }]);
    expect(() => ours.data.csv(file, { header: true } as never)).toThrow(/unknown option 'header'. Valid options are: hasHeader/);
    await expect(ours.data.csv(file, { hasHeader: false, columnNames: ['n', 's'], delimiter: ';' }).toArray()).rejects.toThrow(/line 1 has 3 fields, the header 2/);
    await expect(ours.data.csv(file, { hasHeader: false, columnNames: ['n', 's', 'x'], delimiter: ';', columnConfigs: { price: { isLabel: true } } }).toArray())
      .rejects.toThrow(/columnConfigs names 'price', which is not a column/);
    await expect(ours.data.csv(file, { hasHeader: false, columnNames: ['n', 's', 'x'], delimiter: ';', columnConfigs: { x: { required: true } } }).toArray())
      .rejects.toThrow(/line 2: the required column 'x' is empty/);
    expect(() => ours.data.webcam()).toThrow(ours.NotProvidedError);
    expect(() => ds.concatenate([1] as never)).toThrow(/concatenate takes another tf.data dataset/);
  });

  it('tf.io: a model saved with withSaveHandler and loaded with fromMemory, across the two libraries both ways', async () => {
    const roundTrip = async (tf: TF, other: TF) => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
      startFrom(tf, model);
      let artifacts: TF;
      const result = await model.save(tf.io.withSaveHandler(async (a: TF) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
      const x = [[0.5, -1, 2], [1, 1, -0.5]];
      const want = Array.from(model.predict(tf.tensor2d(x)).dataSync() as ArrayLike<number>);
      const same = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      const there = await other.loadLayersModel(other.io.fromMemory(artifacts));
      return { want, same: Array.from(same.predict(tf.tensor2d(x)).dataSync() as ArrayLike<number>),
        there: Array.from(there.predict(other.tensor2d(x)).dataSync() as ArrayLike<number>), result: typeof result };
    };
    for (const [a, b] of [[real, ours], [ours, real]] as const) {
      const r = await roundTrip(a, b);
      expect(r.same).toEqual(r.want);
      closeTo(r.there, r.want, 1e-6);
      expect(r.result).toBe('object');
    }
    expect(() => ours.io.listModels()).toThrow(/tf.io.listModels is not provided: neurite keeps no model registry/);
    expect(typeof ours.io.http('https://example.com/model.json').load).toBe('function');
    expect(() => ours.io.browserHTTPRequest('ftp://example.com/model.json')).toThrow(/needs an http:\/\/ or https:\/\/ URL/);
  });

  it('refuses what it does not provide, naming it and the alternative', async () => {
    expect(() => ours.layers.dense({ units: 2, kernelInitializer: 'randomNormal' })).toThrow(/kernelInitializer 'randomNormal' is not provided by neurite\/tfjs; the initializers are .*leCunNormal/);
    expect(() => ours.initializers.varianceScaling({ scale: 3 })).toThrow(ours.NotProvidedError);
    expect(() => ours.initializers.glorotUniform({ seed: 1 })).toThrow(/model's seed/);
    expect(() => ours.layers.dense({ units: 2, kernelConstraint: 'maxNorm' })).toThrow(/kernelConstraint is not provided/);
    expect(() => ours.layers.dense({ units: 2, dtype: 'int32' })).toThrow(/dtype 'int32' is not provided/);
    expect(() => ours.layers.dense({ units: 2, weights: [] })).toThrow(/setWeights/);
    expect(() => ours.layers.dense({ units: 2, unitz: 3 })).toThrow(/unknown option "unitz".*units/);
    expect(() => ours.layers.convLstm2d({ filters: 2 })).toThrow(/tf.layers.convLstm2d is not provided by neurite\/tfjs; the layers are: .*dense/);
    expect(() => ours.regularizers.l1()).toThrow(/L2/);
    expect(() => ours.regularizers.l1l2({ l1: 0.1 })).toThrow(/L1 penalty/);
    const model = ours.sequential({ layers: [ours.layers.dense({ units: 1, inputShape: [1] })] });
    expect(() => model.compile({ optimizer: 'sgd', loss: (a: ours.Tensor, b: ours.Tensor) => ours.sub(a, b).square().mean() }))
      .toThrow(/a loss function of TF.js ops is not provided.*nn.losses.custom/);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [(a: ours.Tensor) => a] })).toThrow(/metric function of TF.js ops is not provided/);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [ours.metrics.meanAbsoluteError] });
    expect(model.metricsNames).toEqual(['loss', 'meanAbsoluteError']);
    await expect(model.fit([[1]], [[1]], { stepsPerEpoch: 2 })).rejects.toThrow(/stepsPerEpoch is not provided/);
    await expect(model.fit([[1]], [[1]], { epoch: 2 })).rejects.toThrow(/unknown option 'epoch'/);
    await expect(model.fit([[1]], [[1]], { callbacks: { onYield() {} } })).rejects.toThrow(/onYield is not provided/);
    expect(() => ours.train.adamax(0.01, 0.9, 0.999, undefined, 0.1)).toThrow(/decay is not provided/);
    expect(() => ours.callbacks.earlyStopping({ baseline: 0.5 })).toThrow(/baseline is not provided/);
  });
});
