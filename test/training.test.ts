import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, maxRelErr, rand } from './helpers';

const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [[0], [1], [1], [0]];

function xorModel(seed = 42) {
  return nn.sequential({ seed, layers: [
    nn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
    nn.layers.dense({ units: 1, activation: 'sigmoid' }),
  ] });
}

function weightBytes(m: nn.Sequential): string {
  return m.getWeights().map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).toString('hex')).join('|');
}

describe.each(BACKENDS)('training (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it('learns XOR to 100%', async () => {
    const model = xorModel();
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(XOR_X, XOR_Y, { epochs: 300, batchSize: 4 });
    const p = model.predict(XOR_X).data;
    expect(Array.from(p, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    expect(model.evaluate(XOR_X, XOR_Y).accuracy).toBe(1);
    expect(h.history.loss[299]).toBeLessThan(0.1);
  });

  it('regresses y = sin(x) to small error', async () => {
    const r = rand(5);
    const xs = r(512, -Math.PI, Math.PI);
    const x = nn.tensor(xs, [512, 1]);
    const y = nn.tensor(xs.map(Math.sin), [512, 1]);
    const model = nn.sequential({ seed: 1, layers: [
      nn.layers.dense({ units: 32, activation: 'tanh', inputShape: [1] }),
      nn.layers.dense({ units: 32, activation: 'tanh' }),
      nn.layers.dense({ units: 1 }),
    ] });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    await model.fit(x, y, { epochs: 150, batchSize: 64 });
    const grid = Float32Array.from({ length: 100 }, (_, i) => -3 + (6 * i) / 99);
    const p = model.predict(nn.tensor(grid, [100, 1])).data;
    let mse = 0;
    for (let i = 0; i < 100; i++) mse += (p[i] - Math.sin(grid[i])) ** 2 / 100;
    expect(mse).toBeLessThan(2e-3);
  });

  it('reaches ≥ 0.90 on a 5,000-image MNIST subset', async () => {
    const { train, test } = await nn.loadMnist({ trainLimit: 5000 });
    const model = nn.sequential({ seed: 42, layers: [
      nn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
      nn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(nn.tensor(train.images, [5000, 784]), train.labels, { epochs: 5, batchSize: 32 });
    const { accuracy } = model.evaluate(nn.tensor(test.images, [10000, 784]), test.labels);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('is deterministic: same seed and data give bit-identical weights', async () => {
    const run = async () => {
      const m = xorModel(9);
      m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      await m.fit(XOR_X, XOR_Y, { epochs: 20, batchSize: 3, shuffle: true });
      return weightBytes(m);
    };
    const a = await run();
    expect(await run()).toBe(a);
    const other = xorModel(10);
    expect(weightBytes(other)).not.toBe(a);
  });

  it('trains the last partial batch and counts every step', async () => {
    const m = xorModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const seen: number[] = [];
    await m.fit([...XOR_X, [0.5, 0.5]], [...XOR_Y, [0.5]], { epochs: 2, batchSize: 2, shuffle: false,
      callbacks: { onBatchEnd: (_b, logs) => { seen.push(logs.size); } } });
    expect(seen).toEqual([2, 2, 1, 2, 2, 1]);
    expect(m.optimizerIterations).toBe(6);
  });

  it('training steps allocate nothing in the arena and never grow memory', async () => {
    const m = nn.sequential({ seed: 2, layers: [
      nn.layers.dense({ units: 32, activation: 'relu', inputShape: [20] }),
      nn.layers.dense({ units: 5, activation: 'softmax' }),
    ] });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const r = rand(3);
    const x = nn.tensor(r(200 * 20), [200, 20]);
    const y = nn.tensor(Array.from({ length: 200 }, (_, i) => [0, 1, 2, 3, 4].map((c) => (c === i % 5 ? 1 : 0))));
    const infos: ReturnType<typeof m.arenaInfo>[] = [];
    await m.fit(x, y, { epochs: 3, batchSize: 16, callbacks: { onBatchEnd: () => { infos.push(m.arenaInfo()); } } });
    expect(infos.length).toBe(3 * 13);
    for (const info of infos) expect(info).toEqual(infos[0]);
    // predict: after its first call, further calls reuse the same memory
    m.predict(x);
    const after = m.arenaInfo();
    for (let i = 0; i < 5; i++) m.predict(x);
    expect(m.arenaInfo()).toEqual(after);
  });

  it('validationSplit and validationData add val_ metrics to the history', async () => {
    const m = xorModel();
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit([...XOR_X, ...XOR_X], [...XOR_Y, ...XOR_Y], { epochs: 3, validationSplit: 0.25 });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(h.epoch).toEqual([0, 1, 2]);
    const h2 = await m.fit(XOR_X, XOR_Y, { epochs: 2, validationData: [XOR_X, XOR_Y] });
    expect(h2.history.val_loss).toHaveLength(2);
    expect(h2.history.val_loss[1]).toBeCloseTo(m.evaluate(XOR_X, XOR_Y).loss, 5);
  });

  it('onBatchEnd returning "stop" and setting stopTraining end training', async () => {
    const m = xorModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    let calls = 0;
    const h = await m.fit(XOR_X, XOR_Y, { epochs: 10, batchSize: 1, callbacks: { onBatchEnd: () => (++calls === 3 ? 'stop' : undefined) } });
    expect(calls).toBe(3);
    expect(h.epoch).toEqual([0]);
    const h2 = await m.fit(XOR_X, XOR_Y, { epochs: 10, callbacks: { onEpochEnd: (e) => { if (e === 1) m.stopTraining = true; } } });
    expect(h2.epoch).toEqual([0, 1]);
  });

  it('earlyStopping stops and restores the best weights', async () => {
    const m = xorModel();
    // a learning rate this high makes val_loss rise after the first epochs
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 40 }), loss: 'mse' });
    const es = nn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 1, restoreBestWeights: true });
    const weightsAt: string[] = [];
    const h = await m.fit(XOR_X, XOR_Y, { epochs: 30, batchSize: 4, shuffle: false, validationData: [XOR_X, XOR_Y],
      callbacks: [{ onEpochEnd: () => { weightsAt.push(weightBytes(m)); } }, es] });
    expect(h.epoch.length).toBeLessThan(30);
    const vl = h.history.val_loss;
    const best = vl.indexOf(Math.min(...vl));
    expect(weightBytes(m)).toBe(weightsAt[best]);
  });

  it('learning-rate schedules change the step size', async () => {
    const sched = nn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
    expect(sched.at(0)).toBe(0.1);
    expect(sched.at(3)).toBeCloseTo(0.0125, 12);
    const cos = nn.schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 10, alpha: 0.1 });
    expect(cos.at(0)).toBe(1);
    expect(cos.at(5)).toBeCloseTo(0.55, 12);
    expect(cos.at(20)).toBeCloseTo(0.1, 12);
    const step = nn.schedules.stepDecay({ initialLearningRate: 1, dropEvery: 2, factor: 0.1 });
    expect([0, 1, 2, 3, 4].map((s) => step.at(s))).toEqual([1, 1, 0.1, 0.1, 0.1 * 0.1]);
    // With a schedule that is 0 after the first step, weights stop changing after one update.
    const m = xorModel();
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: { kind: 'test', at: (s: number) => (s === 0 ? 0.5 : 1e-30) } }), loss: 'mse' });
    await m.fit(XOR_X, XOR_Y, { epochs: 1, batchSize: 4 });
    const w1 = weightBytes(m);
    await m.fit(XOR_X, XOR_Y, { epochs: 1, batchSize: 4 });
    expect(weightBytes(m)).toBe(w1);
  });

  it.each(nn.OPTIMIZER_NAMES)('optimizer %s lowers the loss', async (name) => {
    const m = xorModel(4);
    const lr = { sgd: 0.5, momentum: 0.5, adagrad: 0.5, adam: 0.05, adamw: 0.05, adamax: 0.05, adadelta: 0.5, rmsprop: 0.05 }[name];
    m.compile({ optimizer: nn.optimizers[name]({ learningRate: lr }), loss: 'mse' });
    const before = m.evaluate(XOR_X, XOR_Y).loss;
    await m.fit(XOR_X, XOR_Y, { epochs: 100, batchSize: 4 });
    expect(m.evaluate(XOR_X, XOR_Y).loss).toBeLessThan(before * 0.5);
  });

  it('clipNorm bounds each update', async () => {
    const m = xorModel();
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1, clipNorm: 1e-3 }), loss: 'mse' });
    const before = m.getWeights().map((w) => new Float32Array(w.data));
    await m.fit(XOR_X, XOR_Y, { epochs: 1, batchSize: 4 });
    let sq = 0;
    m.getWeights().forEach((w, i) => w.data.forEach((v, j) => { sq += (v - before[i][j]) ** 2; }));
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(1e-3 * (1 + 1e-3));
    expect(Math.sqrt(sq)).toBeGreaterThan(0.9e-3);
  });
});

describe('backends agree', () => {
  it('wasm and js train to nearly the same weights', async () => {
    const r = rand(11);
    const x = nn.tensor(r(64 * 17), [64, 17]);
    const y = nn.tensor(r(64 * 3, 0, 1), [64, 3]);
    const train = async (b: nn.BackendName) => {
      await nn.setBackend(b);
      const m = nn.sequential({ seed: 5, layers: [
        nn.layers.dense({ units: 9, activation: 'elu', inputShape: [17] }),
        nn.layers.dense({ units: 3, activation: 'sigmoid' }),
      ] });
      m.compile({ optimizer: 'adam', loss: 'mse' });
      await m.fit(x, y, { epochs: 3, batchSize: 16 });
      return m.getWeights();
    };
    const a = await train('wasm');
    const b = await train('js');
    a.forEach((w, i) => expect(maxRelErr(w.data, b[i].data)).toBeLessThan(1e-4));
  });

  it('a model follows setBackend, keeping its weights and optimizer state', async () => {
    await nn.setBackend('wasm');
    const m = xorModel();
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.fit(XOR_X, XOR_Y, { epochs: 5, batchSize: 4 });
    const before = weightBytes(m);
    await nn.setBackend('js');
    expect(weightBytes(m)).toBe(before);
    expect(m.arenaInfo().backend).toBe('js');
    await m.fit(XOR_X, XOR_Y, { epochs: 5, batchSize: 4 });
    expect(m.optimizerIterations).toBe(10);
    await nn.setBackend('wasm');
  });
});

describe('resuming', () => {
  it('2 epochs equal 1 epoch, a state transfer into a fresh model, and 1 more epoch (bit-identical)', async () => {
    await nn.setBackend('wasm');
    const r = rand(21);
    const x = nn.tensor(r(40 * 6), [40, 6]);
    const y = nn.tensor(r(40 * 2, 0, 1), [40, 2]);
    const make = (seed: number) => {
      const m = nn.sequential({ seed, layers: [
        nn.layers.dense({ units: 5, activation: 'relu', inputShape: [6] }),
        nn.layers.dense({ units: 2, activation: 'sigmoid' }),
      ] });
      m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      return m;
    };
    const straight = make(3);
    await straight.fit(x, y, { epochs: 2, batchSize: 7 });

    const first = make(3);
    await first.fit(x, y, { epochs: 1, batchSize: 7 });
    const resumed = make(99);
    resumed.setWeights(first.getWeights());
    resumed.setOptimizerWeights(first.getOptimizerWeights());
    resumed.setTrainingState(JSON.parse(JSON.stringify(first.getTrainingState())));
    expect(resumed.getTrainingState().epochsTrained).toBe(1);
    await resumed.fit(x, y, { epochs: 1, batchSize: 7 });
    expect(weightBytes(resumed)).toBe(weightBytes(straight));
    expect(resumed.optimizerIterations).toBe(straight.optimizerIterations);
  });
});
