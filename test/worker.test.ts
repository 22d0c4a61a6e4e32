// nn.fitInWorker in Node (worker_threads), run from the built package as users get it: the worker returns
// exactly what model.fit on this thread would have produced, reports progress, stops and cancels.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as source from '../src/index';
import { buildPackage } from './browser/harness';

type NN = typeof source;
let project = '';
let nn: NN;
let cjs: NN;

beforeAll(async () => {
  project = await buildPackage();
  const dist = join(project, 'node_modules/neurite/dist');
  nn = await import(/* @vite-ignore */ pathToFileURL(join(dist, 'index.js')).href);
  cjs = createRequire(import.meta.url)(join(dist, 'index.cjs'));
}, 60_000);
afterAll(() => { if (project) rmSync(project, { recursive: true, force: true }); });

/** 120 samples of 6 features and a label in 0..2 from a seeded stream. */
function data(lib: NN) {
  const rng = new lib.Rng(99);
  const x = new Float32Array(120 * 6);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const y = new Int32Array(120);
  for (let i = 0; i < 120; i++) y[i] = Math.min(2, Math.floor(x[i * 6] * 2 + x[i * 6 + 1]));
  return { x: lib.tensor(x, [120, 6]), y };
}

function model(lib: NN, optimizer: unknown = lib.optimizers.adam({ learningRate: 0.02 })) {
  const m = lib.sequential({ seed: 5, layers: [
    lib.layers.dense({ units: 16, activation: 'relu', inputShape: [6] }),
    lib.layers.dropout({ rate: 0.2 }),
    lib.layers.dense({ units: 3, activation: 'softmax' })] });
  m.compile({ optimizer: optimizer as never, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** Everything fit changes: weights, optimizer state, training state (layer names differ: they are counted). */
function snapshot(m: ReturnType<typeof model>) {
  return {
    weights: m.getWeights().map((w) => Array.from(w.data)),
    optimizer: m.getOptimizerWeights().map((w) => [w.name.replace(/^[a-z]+_\d+\//, ''), Array.from(w.tensor.data)]),
    state: m.getTrainingState(),
  };
}

const FIT = { epochs: 3, batchSize: 16, validationSplit: 0.2 };

describe('fitInWorker (Node, built package)', () => {
  it.each(['esm', 'cjs'] as const)('%s: leaves the model exactly as model.fit would, and the next fit continues the same', async (format) => {
    const lib = format === 'esm' ? nn : cjs;
    const { x, y } = data(lib);
    const here = model(lib);
    const there = model(lib);
    const h1 = await here.fit(x, y, FIT);
    const h2 = await lib.fitInWorker(there, x, y, FIT);
    expect(h2).toBeInstanceOf(lib.History);
    expect(h2.history).toEqual(h1.history);
    expect(h2.epoch).toEqual([0, 1, 2]);
    expect(snapshot(there)).toEqual(snapshot(here));
    // optimizer moments, step count, shuffle and dropout streams all came back: a second fit agrees too
    await here.fit(x, y, { ...FIT, epochs: 1 });
    await there.fit(x, y, { ...FIT, epochs: 1 });
    expect(snapshot(there)).toEqual(snapshot(here));
  });

  it('runs a graph model (two inputs, two outputs, a shared layer, dropout): the bits of model.fit, lists and name maps alike', async () => {
    const make = () => {
      const a = nn.input({ shape: [6], name: 'a' });
      const b = nn.input({ shape: [6], name: 'b' });
      const shared = nn.layers.dense({ units: 8, activation: 'relu', name: 'shared' });
      const sa = nn.layers.dropout({ rate: 0.25, name: 'drop' }).apply(shared.apply(a));
      const sb = shared.apply(b);
      const cls = nn.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(nn.layers.concatenate().apply([sa, sb]));
      const reg = nn.layers.dense({ units: 1, name: 'reg' }).apply(nn.layers.add().apply([sa, sb]));
      const m = nn.model({ inputs: [a, b], outputs: [cls, reg], seed: 21 });
      m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'],
        lossWeights: [1, 0.5], metrics: ['accuracy'] });
      return m;
    };
    const { x, y } = data(nn);
    const x2 = nn.tensor(x.data.map((v) => 1 - v), [120, 6]);
    const target = nn.tensor(Float32Array.from({ length: 120 }, (_, i) => x.data[i * 6] - x.data[i * 6 + 2]), [120, 1]);
    const here = make();
    const there = make();
    const h1 = await here.fit([x, x2], [y, target], FIT);
    const h2 = await nn.fitInWorker(there, [x, x2], { cls: y, reg: target }, FIT);
    expect(Object.keys(h2.history)).toEqual(expect.arrayContaining(['loss', 'cls_loss', 'reg_loss', 'val_cls_accuracy']));
    expect(h2.history).toEqual(h1.history);
    const bits = (m: source.LayersModel) => ({ w: m.getWeights().map((t) => Array.from(t.data)), o: m.getOptimizerWeights().map((t) => Array.from(t.tensor.data)),
      s: m.getTrainingState() });
    expect(bits(there)).toEqual(bits(here));
    // and with validation data given as name maps, a second run continues the same
    const val: [unknown, unknown] = [{ a: x, b: x2 }, [y, target]];
    await here.fit({ a: x, b: x2 }, [y, target], { epochs: 1, batchSize: 16, validationData: val });
    await nn.fitInWorker(there, { a: x, b: x2 }, [y, target], { epochs: 1, batchSize: 16, validationData: val });
    expect(bits(there)).toEqual(bits(here));
    await expect(nn.fitInWorker(there, [x], [y, target], FIT)).rejects.toThrow(/2 inputs \('a', 'b'\).*got a list of 1/);
  });

  it('copies data larger than one message in slices and trains on exactly the same values', async () => {
    const n = 700;
    const rng = new nn.Rng(3);
    const x = new Float32Array(n * 784);
    for (let i = 0; i < x.length; i++) x[i] = rng.next();
    const y = nn.tensor(Float32Array.from({ length: n * 10 }, (_, i) => (i % 10 === (Math.floor(i / 10) * 7) % 10 ? 1 : 0)), [n, 10]);
    const make = () => {
      const m = nn.sequential({ seed: 8, layers: [nn.layers.dense({ units: 10, activation: 'softmax', inputShape: [784] })] });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      return m;
    };
    const X = nn.tensor(x, [n, 784]);   // 548,800 values: three 1 MB slices
    const here = make();
    const there = make();
    await here.fit(X, y, { epochs: 1, batchSize: 100, validationData: [X, y] });
    await nn.fitInWorker(there, X, y, { epochs: 1, batchSize: 100, validationData: [X, y] });
    expect(snapshot(there)).toEqual(snapshot(here));
    expect(X.data.length).toBe(n * 784);   // copied, not transferred: the caller's array is still whole
  });

  it('reports progress through the same hooks, in order, with the same logs, on this thread', async () => {
    const { x, y } = data(nn);
    const record = (calls: unknown[][]) => ({
      onTrainBegin: () => { calls.push(['trainBegin']); },
      onEpochBegin: (e: number) => { calls.push(['epochBegin', e]); },
      onBatchEnd: (b: number, logs: object) => { calls.push(['batchEnd', b, logs]); },
      onEpochEnd: (e: number, logs: object) => { calls.push(['epochEnd', e, logs]); },
      onTrainEnd: () => { calls.push(['trainEnd']); },
    });
    const inThread: unknown[][] = [];
    const inWorker: unknown[][] = [];
    await model(nn).fit(x, y, { ...FIT, callbacks: record(inThread) });
    await nn.fitInWorker(model(nn), x, y, { ...FIT, callbacks: [record(inWorker)] });
    expect(inThread.length).toBe(2 + 3 * 2 + 3 * 6);
    expect(inWorker).toEqual(inThread);
  });

  it('onWeights receives the worker\'s weights after each epoch and every n batches: the bits model.fit has there', async () => {
    const { x, y } = data(nn);
    const bits = (ws: { data: Float32Array }[]) => ws.map((w) => Array.from(w.data));
    // the reference: the same fit on this thread, reading the weights at the same points
    const here = model(nn);
    const want: unknown[][] = [];
    await here.fit(x, y, { ...FIT, callbacks: {
      onEpochBegin: (e: number) => { want.push(['epochBegin', e]); },
      onBatchEnd: (b: number) => { if ((b + 1) % 4 === 0) want.push(['weights', { epoch: want.filter((c) => c[0] === 'epochBegin').length - 1, batch: b }, bits(here.getWeights())]); },
      onEpochEnd: (e: number) => { want.push(['epochEnd', e]); want.push(['weights', { epoch: e }, bits(here.getWeights())]); },
    } });
    const there = model(nn);
    const got: unknown[][] = [];
    const shapes: number[][][] = [];
    await nn.fitInWorker(there, x, y, { ...FIT, weightsEvery: 4,
      callbacks: { onEpochBegin: (e: number) => { got.push(['epochBegin', e]); }, onEpochEnd: (e: number) => { got.push(['epochEnd', e]); } },
      onWeights: (w, at) => { shapes.push(w.map((t) => [...t.shape])); got.push(['weights', at, bits(w)]); } });
    // 96 training rows in batches of 16: 6 batches, so one batch report (after batch 3) and one epoch report each epoch
    expect(got.filter((c) => c[0] === 'weights').map((c) => c[1])).toEqual([
      { epoch: 0, batch: 3 }, { epoch: 0 }, { epoch: 1, batch: 3 }, { epoch: 1 }, { epoch: 2, batch: 3 }, { epoch: 2 }]);
    expect(got).toEqual(want);
    expect(shapes[0]).toEqual(there.getWeights().map((t) => [...t.shape]));
    expect(got.at(-1)![2]).toEqual(bits(there.getWeights()));
    expect(bits(there.getWeights())).toEqual(bits(here.getWeights()));

    // 'epoch' (the default): one report per epoch; a slow onWeights holds back the next report, not the order
    const epochs: unknown[] = [];
    await nn.fitInWorker(model(nn), x, y, { ...FIT, onWeights: async (_, at) => { await new Promise((r) => setTimeout(r, 5)); epochs.push(at); } });
    expect(epochs).toEqual([{ epoch: 0 }, { epoch: 1 }, { epoch: 2 }]);

    // stopping from onWeights ends training like any hook
    const m = model(nn);
    const h = await nn.fitInWorker(m, x, y, { epochs: 2000, batchSize: 8, onWeights: () => { m.stopTraining = true; } });
    expect(h.epoch.length).toBeLessThan(2000);
  });

  it('refuses a bad onWeights or weightsEvery with a ValueError naming the option', async () => {
    const { x, y } = data(nn);
    await expect(nn.fitInWorker(model(nn), x, y, { onWeights: 5 as never })).rejects.toThrow(/fitInWorker onWeights must be a function/);
    for (const every of [0, 1.5, -2, 'batch']) {
      await expect(nn.fitInWorker(model(nn), x, y, { onWeights: () => {}, weightsEvery: every as never }))
        .rejects.toThrow(/fitInWorker weightsEvery must be 'epoch' or a positive integer/);
    }
    await expect(nn.fitInWorker(model(nn), x, y, { weightsEvery: 2 })).rejects.toThrow(nn.ValueError);
    await expect(nn.fitInWorker(model(nn), x, y, { weightsEvery: 2 })).rejects.toThrow(/weightsEvery was given without onWeights/);
  });

  it('runs earlyStopping in the worker, a learning-rate schedule and clipNorm, with the same result as model.fit', async () => {
    const { x, y } = data(nn);
    const opt = () => nn.optimizers.sgd({ learningRate: nn.schedules.exponentialDecay({ initialLearningRate: 0.5, decaySteps: 5, decayRate: 0.5 }), clipNorm: 1 });
    const es = () => nn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 1, restoreBestWeights: true });
    const here = model(nn, opt());
    const there = model(nn, opt());
    const h1 = await here.fit(x, y, { ...FIT, epochs: 30, callbacks: es() });
    const h2 = await nn.fitInWorker(there, x, y, { ...FIT, epochs: 30, callbacks: es() });
    expect(h1.epoch.length).toBeLessThan(30);
    expect(h2.history).toEqual(h1.history);
    expect(snapshot(there)).toEqual(snapshot(here));
  });

  it("stops early, keeping what was learned, when a hook returns 'stop' or sets model.stopTraining", async () => {
    const { x, y } = data(nn);
    const m = model(nn);
    const before = snapshot(m).weights;
    let batches = 0;
    // the worker hears of the stop when fit next yields (every 50 ms or so): far sooner than 2000 epochs
    const history = await nn.fitInWorker(m, x, y, { epochs: 2000, batchSize: 8, callbacks: { onBatchEnd: () => (++batches === 3 ? 'stop' : undefined) } });
    expect(history.epoch.length).toBeLessThan(2000);
    expect(snapshot(m).weights).not.toEqual(before);
    expect(m.getTrainingState().iterations).toBeGreaterThanOrEqual(3);

    const m2 = model(nn);
    const h2 = await nn.fitInWorker(m2, x, y, { epochs: 2000, batchSize: 8, callbacks: { onEpochEnd: () => { m2.stopTraining = true; } } });
    expect(h2.epoch.length).toBeLessThan(2000);
    expect(m2.getTrainingState().iterations).toBeGreaterThanOrEqual(15);
  });

  it('cancels through an AbortSignal: rejects with its reason and leaves the model untouched', async () => {
    const { x, y } = data(nn);
    const m = model(nn);
    const before = snapshot(m);
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const run = nn.fitInWorker(m, x, y, { epochs: 500, batchSize: 8, signal: controller.signal,
      callbacks: { onEpochEnd: (e: number) => { if (e === 1) controller.abort(reason); } } });
    await expect(run).rejects.toBe(reason);
    expect(snapshot(m)).toEqual(before);
    await expect(nn.fitInWorker(m, x, y, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('brings errors back as the same NeuriteError classes', async () => {
    const { x, y } = data(nn);
    const wide = nn.tensor(new Float32Array(120 * 7), [120, 7]);
    await expect(nn.fitInWorker(model(nn), wide, y)).rejects.toThrow(nn.ShapeError);
    await expect(nn.fitInWorker(model(nn), wide, y)).rejects.toThrow(/expects samples of shape \[6\].*\[120, 7\]/);
    await expect(nn.fitInWorker(model(nn), x, y, { batchSize: 0 })).rejects.toThrow(nn.ValueError);
    const bad = new Int32Array(120).fill(7);
    await expect(nn.fitInWorker(model(nn), x, bad)).rejects.toThrow(/labels must be integers in \[0, 2\]/);

    const uncompiled = nn.sequential({ layers: [nn.layers.dense({ units: 1, inputShape: [6] })] });
    await expect(nn.fitInWorker(uncompiled, x, y)).rejects.toThrow(nn.StateError);
    const custom = model(nn, nn.optimizers.sgd({ learningRate: { kind: 'mine', at: () => 0.1 } }));
    await expect(nn.fitInWorker(custom, x, y)).rejects.toThrow(/schedule 'mine'.*no config/);
    class Logger extends nn.Callback {}
    await expect(nn.fitInWorker(model(nn), x, y, { callbacks: new Logger() })).rejects.toThrow(/cannot run the callback Logger/);
    await expect(nn.fitInWorker(model(nn), x, y, { backend: 'gpu' as never })).rejects.toThrow(nn.UnknownNameError);
    await expect(nn.fitInWorker(model(nn), x, y, { threads: 0 })).rejects.toThrow(/fitInWorker: threads must be 'auto' or an integer/);
    await expect(nn.fitInWorker(model(nn), x, y, { validationData: [x] as never })).rejects.toThrow(/validationData must be \[x, y\]/);
  });

  it('trains on the js backend in the worker when asked', async () => {
    const { x, y } = data(nn);
    await nn.setBackend('js');
    const here = model(nn);
    await here.fit(x, y, FIT);
    await nn.setBackend('wasm');
    const there = model(nn);
    await nn.fitInWorker(there, x, y, { ...FIT, backend: 'js' });
    await nn.setBackend('js');
    expect(snapshot(there).weights).toEqual(snapshot(here).weights);
    await nn.setBackend('wasm');
  });
});

describe('fitInWorker with threads', () => {
  it('the worker starts its own threads and returns the weights of a one-thread fit', async () => {
    const n = 512;
    const rng = new nn.Rng(3);
    const x = nn.tensor(Float32Array.from({ length: n * 784 }, () => rng.next()), [n, 784]);
    const y = Int32Array.from({ length: n }, () => Math.floor(rng.next() * 10));
    const make = () => {
      const m = nn.sequential({ seed: 2, layers: [nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
        nn.layers.dense({ units: 10, activation: 'softmax' })] });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const here = make();
    await here.fit(x, y, { epochs: 2, batchSize: 256 });
    const there = make();
    await nn.fitInWorker(there, x, y, { epochs: 2, batchSize: 256, threads: 2 });
    expect(snapshot(there).weights).toEqual(snapshot(here).weights);
  });
});

describe('the built package', () => {
  it('exports exactly the public API of src/index.ts (the worker entry stays internal)', () => {
    const want = Object.keys(source).sort();
    expect(Object.keys(nn).sort()).toEqual(want);
    expect(Object.keys(cjs).sort()).toEqual(want);
    expect(want).toContain('fitInWorker');
  });

  it('fitInWorker from the TypeScript sources explains that it needs the built package', async () => {
    const m = source.sequential({ layers: [source.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(source.fitInWorker(m, [[0, 1]], [[1]])).rejects.toThrow(/needs the built package \(dist\/\)/);
  });
});
