// Input validation at the edge: every bad value a user can pass ends in a NeuriteError that names the problem
// (issue 13, list 11), and nothing is left half-done.
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { runtime } from '../src/backend/index';
import { BACKENDS, bitDiff, rejects as rejectsWith } from './helpers';

async function rejects(p: Promise<unknown> | (() => unknown), cls: new (...a: never[]) => Error, ...parts: (string | RegExp)[]) {
  const e = await rejectsWith(p, cls, ...parts);
  expect(e).toBeInstanceOf(nn.NeuriteError);
  return e;
}

function mlp(seed = 1) {
  const m = nn.sequential({ seed, layers: [
    nn.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }),
    nn.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}
const X = [[1, 2, 3], [4, 5, 6]];
const Y = [[1, 0], [0, 1]];

afterAll(() => nn.setBackend('wasm'));

describe('typed arrays that are not numbers', () => {
  it('BigInt64Array, BigUint64Array and DataView are refused by name; numeric typed arrays still work', async () => {
    for (const bad of [new BigInt64Array(6), new BigUint64Array(6)]) {
      await rejects(() => nn.tensor(bad as never, [2, 3]), nn.ValueError, /tensor: a Big(Int|Uint)64Array holds BigInt values/);
      await rejects(() => mlp().predict(bad as never), nn.ValueError, /^x: a Big(Int|Uint)64Array holds BigInt values/);
      await rejects(mlp().fit(X, bad as never), nn.ValueError, /^y: a Big(Int|Uint)64Array/);
    }
    const view = new DataView(new ArrayBuffer(24));
    await rejects(() => nn.tensor(view as never), nn.ValueError, 'a DataView is not a typed array of numbers', 'new Float32Array(view.buffer');
    await rejects(() => mlp().predict(view as never), nn.ValueError, /^x: a DataView/);
    await rejects(() => mlp().evaluate(X, view as never), nn.ValueError, /^y: a DataView/);
    // numbers in other typed arrays convert as before
    const t = nn.tensor(new Float64Array([1.5, -2, 3]) as never, [1, 3]);
    expect(Array.from(t.data)).toEqual([1.5, -2, 3]);
    expect(Array.from(nn.tensor(new Uint8Array([1, 2, 255]) as never).data)).toEqual([1, 2, 255]);
  });

  it('a Tensor needs a Float32Array and a shape of non-negative integers', async () => {
    await rejects(() => new nn.Tensor([1, 2] as never, [2]), nn.ValueError, 'tensor data must be a Float32Array, got [1, 2]');
    await rejects(() => nn.tensor(new Float32Array(4), [-2, -2]), nn.ShapeError, 'non-negative integers, got [-2, -2]');
    await rejects(() => nn.tensor(new Float32Array(4), [0.5, 8]), nn.ShapeError, 'got [0.5, 8]');
    await rejects(() => nn.tensor(new Float32Array(4), 'ab' as never), nn.ShapeError, 'got "ab"');
    await rejects(() => nn.tensor([1, 2, 3, 4], [2, NaN]), nn.ShapeError, 'got [2, NaN]');
  });
});

describe('option objects that are not objects', () => {
  it('null, numbers, strings, arrays and functions as configs are ValueErrors naming the call', async () => {
    const m = mlp();
    for (const bad of [null, 5, 'abc', [1], () => 1, true]) {
      await rejects(() => m.predict(X, bad as never), nn.ValueError, /^predict: expected an options object \(\{ batchSize \}\), got /);
      await rejects(() => m.evaluate(X, Y, bad as never), nn.ValueError, /^evaluate: expected an options object/);
      await rejects(m.fit(X, Y, bad as never), nn.ValueError, /^fit: expected an options object/);
      await rejects(() => m.compile(bad as never), nn.ValueError, /^compile: expected an options object/);
      await rejects(() => nn.sequential(bad as never), nn.ValueError, /^sequential: expected an options object/);
      await rejects(() => nn.layers.dense(bad as never), nn.ValueError, /^dense: expected an options object/);
      await rejects(() => nn.layers.flatten(bad as never), nn.ValueError, /^flatten: expected an options object/);
      await rejects(() => nn.layers.maxPooling2d(bad as never), nn.ValueError, /^maxPooling2d: expected an options object/);
      await rejects(() => nn.optimizers.adam(bad as never), nn.ValueError, /^adam: expected an options object/);
      await rejects(() => nn.schedules.cosineDecay(bad as never), nn.ValueError, /^cosineDecay: expected an options object/);
      await rejects(() => nn.callbacks.earlyStopping(bad as never), nn.ValueError, /^earlyStopping: expected an options object/);
      await rejects(() => nn.regularizers.l2(bad as never), nn.ValueError, /^l2: expected an options object/);
    }
    await rejects(() => m.predict(X, { batchSize: '8' } as never), nn.ValueError, 'batchSize must be a positive integer, got "8"');
    await rejects(() => m.summary(5 as never), nn.ValueError, 'summary takes a function');
    // the model is unharmed
    expect(m.predict(X).shape).toEqual([2, 2]);
  });
});

describe('callbacks', () => {
  it('null, numbers, arrays, non-function hooks and misspelt hooks are refused before training', async () => {
    const m = mlp();
    const before = m.getWeights().map((w) => Array.from(w.data));
    await rejects(m.fit(X, Y, { callbacks: [null] as never }), nn.ValueError, 'callbacks[0] must be an object of hooks', 'got null');
    await rejects(m.fit(X, Y, { callbacks: [{}, 5] as never }), nn.ValueError, 'callbacks[1] must be an object of hooks', 'got 5');
    await rejects(m.fit(X, Y, { callbacks: 'onEpochEnd' as never }), nn.ValueError, /^callbacks must be an object of hooks/);
    await rejects(m.fit(X, Y, { callbacks: () => 1 } as never), nn.ValueError, 'got a function');
    await rejects(m.fit(X, Y, { callbacks: [[{}]] as never }), nn.ValueError, 'callbacks[0]');
    await rejects(m.fit(X, Y, { callbacks: { onEpochEnd: 5 } as never }), nn.ValueError, 'callbacks.onEpochEnd must be a function, got 5');
    await rejects(m.fit(X, Y, { callbacks: [{ onEpochEnds() {} }] as never }), nn.ValueError,
      'callbacks[0]: onEpochEnds is not a hook fit calls; did you mean onEpochEnd?');
    expect(m.optimizerIterations).toBe(0);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    // objects with hooks and other fields of their own still work, as do nn.callbacks
    const seen: number[] = [];
    await m.fit(X, Y, { epochs: 3, callbacks: [{ count: 0, onEpochEnd(e: number) { seen.push(e); } } as never,
      nn.callbacks.earlyStopping({ monitor: 'loss', patience: 5 })] });
    expect(seen).toEqual([0, 1, 2]);
  });
});

describe('nested arrays', () => {
  function deep(levels: number): unknown {
    let a: unknown = 1;
    for (let i = 0; i < levels; i++) a = [a];
    return a;
  }
  for (const backend of BACKENDS) {
    it(`20,000 levels deep, or containing itself, is a ShapeError, not a stack overflow (${backend})`, async () => {
      await nn.setBackend(backend);
      const d = deep(20_000);
      await rejects(() => nn.tensor(d as never), nn.ShapeError, 'tensor: nested arrays deeper than 32 levels');
      await rejects(() => mlp().predict(d as never), nn.ShapeError, /^x: nested arrays deeper than 32 levels/);
      await rejects(mlp().fit(X, d as never), nn.ShapeError, /^y: nested arrays deeper/);
      const cyclic: unknown[] = [];
      cyclic.push(cyclic);
      await rejects(() => nn.tensor(cyclic as never), nn.ShapeError, 'deeper than 32 levels');
      const inner: unknown[] = [1, 2, 3];
      const half = [[1, 2, 3], inner];
      inner[1] = half;
      await rejects(() => mlp().predict(half as never), nn.ValueError, 'expected a number at [1][1] but got an array');
      // 32 levels is the most a tensor has; 4 levels (an image batch) still loads as before
      expect(nn.tensor(deep(32) as never).shape).toEqual(new Array(32).fill(1));
      expect(nn.tensor([[[[1], [2]], [[3], [4]]]]).shape).toEqual([1, 2, 2, 1]);
    });
  }
});

describe('sizes the engine cannot hold', () => {
  for (const backend of BACKENDS) {
    it(`units: 1e9 and models past 2^28 weights are refused at creation or build, naming the layer and the count (${backend})`, async () => {
      await nn.setBackend(backend);
      const sentinel = mlp(7);
      const expected = Array.from(sentinel.predict(X).data);
      const memory = runtime().backend.memory.byteLength;
      const e = await rejects(() => nn.layers.dense({ units: 1e9, inputShape: [3], name: 'huge' }), nn.MemoryError,
        "layer 'huge': units 1000000000 is more than the 268435456 (2^28) values");
      expect([(e as nn.MemoryError).needed, (e as nn.MemoryError).available]).toEqual([4e9, 2 ** 30]);
      await rejects(() => nn.layers.conv2d({ filters: 2 ** 29, kernelSize: 1 }), nn.MemoryError, 'filters 536870912 is more than');
      const wide = nn.sequential({ layers: [nn.layers.dense({ units: 100_000, inputShape: [100_000], name: 'wide' })] });
      await rejects(() => wide.predict([[1]]), nn.MemoryError,
        "layer 'wide' (Dense) would have 10000100000 weights (kernel [100000, 100000], bias [100000]), more than the 268435456");
      // each layer is within the limit, the model is not
      const tall = nn.sequential({ name: 'tall', layers: [
        nn.layers.dense({ units: 10_000, inputShape: [10_000], useBias: false }),
        nn.layers.dense({ units: 10_000, useBias: false }),
        nn.layers.dense({ units: 10_000, useBias: false }),
      ] });
      await rejects(() => tall.predict([[1]]), nn.MemoryError, "model 'tall' would have 300000000 weights, more than the 268435456");
      await rejects(() => tall.countParams(), nn.MemoryError, "model 'tall' would have 300000000 weights");
      // an image too large per sample, and a conv whose output is
      await rejects(() => nn.layers.conv2d({ filters: 1, kernelSize: 1, inputShape: [100_000, 100_000, 3] }), nn.MemoryError,
        'inputShape [100000, 100000, 3] holds 30000000000 values per sample, more than the 268435456');
      const conv = nn.sequential({ layers: [nn.layers.conv2d({ filters: 2 ** 16 + 1, kernelSize: 1, inputShape: [64, 64, 1], name: 'big' })] });
      await rejects(() => conv.predict([[[[1]]]]), nn.MemoryError, "layer 'big' (Conv2D) would output [64, 64, 65537], 268439552 values per sample");
      // nothing was allocated, and the model made before is untouched
      expect(runtime().backend.memory.byteLength).toBe(memory);
      expect(Array.from(sentinel.predict(X).data)).toEqual(expected);
    });
  }
});

describe('a batchSize larger than the data', () => {
  for (const backend of BACKENDS) {
    it(`plans for the samples there are, and trains the same bits as one batch of them (${backend})`, async () => {
      await nn.setBackend(backend);
      const a = mlp(5);
      const b = mlp(5);
      const valX = [[1, 0, 1], [0, 1, 0], [2, 2, 2]];
      const valY = [[1, 0], [0, 1], [1, 0]];
      const h = await a.fit(X, Y, { batchSize: 2 ** 31, epochs: 2, shuffle: false, validationData: [valX, valY] });
      await b.fit(X, Y, { batchSize: 2, epochs: 2, shuffle: false });
      expect(a.arenaInfo().capacity).toBe(2);
      a.getWeights().forEach((w, i) => expect(bitDiff(w.data, b.getWeights()[i].data)).toBe(0));
      // validation runs over more rows than the plan holds, in pieces that fit it
      expect(h.history.val_loss[1]).toBeCloseTo(a.evaluate(valX, valY).loss, 6);
      expect(h.history.loss.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    });
  }
});

describe('negative, fractional, non-finite and out-of-range options', () => {
  it('shapes and sizes', async () => {
    const d = (c: object) => () => nn.layers.dense({ units: 2, ...c } as never);
    for (const bad of [[-1], [2.5], [0], [1e300], [], [2, NaN], 'abc', [Infinity]]) {
      await rejects(d({ inputShape: bad }), nn.ShapeError, 'inputShape must be a non-empty array of at most 32 positive integers');
    }
    for (const units of [-3, 0, 2.5, NaN, Infinity, 1e300, '3', null]) {
      await rejects(() => nn.layers.dense({ units } as never), nn.ValueError, 'units must be a positive integer, got');
    }
    const conv = (c: object) => () => nn.layers.conv2d({ filters: 2, kernelSize: 3, ...c } as never);
    await rejects(conv({ filters: 0 }), nn.ValueError, 'filters must be a positive integer, got 0');
    for (const [key, v] of [['kernelSize', 0], ['kernelSize', 1.5], ['kernelSize', [2, -1]], ['kernelSize', [3]], ['strides', -2],
      ['strides', [1, 0.5]], ['dilationRate', NaN], ['kernelSize', 1e300]] as const) {
      await rejects(conv({ [key]: v }), nn.ValueError, `${key} must be a positive integer or a pair of them`);
    }
    for (const poolSize of [0, -2, 2.5, [2, 0], Infinity]) {
      await rejects(() => nn.layers.maxPooling2d({ poolSize } as never), nn.ValueError, 'poolSize must be a positive integer or a pair');
      await rejects(() => nn.layers.averagePooling2d({ strides: poolSize } as never), nn.ValueError, 'strides must be');
    }
    for (const targetShape of [[2.5, 2], [-2, 2], [-1, -1], [0], [], [1e300]]) {
      await rejects(() => nn.layers.reshape({ targetShape }), nn.ShapeError, 'targetShape must be up to 32 positive integers');
    }
    await rejects(() => nn.layers.dense({ units: 2, inputShape: new Array(33).fill(1) }), nn.ShapeError, 'at most 32');
  });

  it('rates, momenta, epsilons and the other numbers', async () => {
    for (const rate of [-0.1, 1, 1.5, NaN, Infinity, '0.5', null, undefined]) {
      await rejects(() => nn.layers.dropout({ rate } as never), nn.ValueError, 'rate must be a number in [0, 1), got');
    }
    for (const momentum of [-0.1, 1, NaN, '0.9']) {
      await rejects(() => nn.layers.batchNormalization({ momentum } as never), nn.ValueError, 'momentum must be a number in [0, 1)');
    }
    for (const epsilon of [0, -1, NaN, Infinity, 1e-50, 1e39]) {
      await rejects(() => nn.layers.batchNormalization({ epsilon }), nn.ValueError, 'epsilon must be a finite number > 0');
    }
    await rejects(() => nn.optimizers.adam({ epsilon: 1e-50 }), nn.ValueError, 'epsilon must be a number in (0, Infinity) that float32 can hold');
    await rejects(() => nn.optimizers.sgd({ learningRate: 1e39 }), nn.ValueError, 'learningRate must be a number in (0, Infinity) that float32 can hold');
    await rejects(() => nn.optimizers.sgd({ learningRate: Infinity }), nn.ValueError, 'learningRate');
    await rejects(() => nn.optimizers.sgd({ clipNorm: NaN }), nn.ValueError, 'clipNorm must be a number in (0, Infinity), got NaN');
    await rejects(() => nn.optimizers.momentum({ momentum: 1 }), nn.ValueError, 'momentum must be a number in [0, 1), got 1');
    await rejects(() => nn.optimizers.momentum({ nesterov: 'yes' } as never), nn.ValueError, 'nesterov must be true or false, got "yes"');
    await rejects(() => nn.regularizers.l2({ l2: Infinity }), nn.ValueError, 'l2 factor must be a finite number ≥ 0');
    await rejects(() => nn.regularizers.l2({ l2: 1e39 }), nn.ValueError, 'that float32 can hold');
    await rejects(() => nn.layers.dense({ units: 2, kernelRegularizer: { l2: NaN } }), nn.ValueError, 'kernelRegularizer', 'l2: NaN');
    await rejects(() => nn.schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: '0.5' as never }), nn.ValueError,
      'cosineDecay alpha must be a number in [0, 1], got "0.5"');
    await rejects(() => nn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: 1 as never }),
      nn.ValueError, 'staircase must be true or false');
    await rejects(() => nn.callbacks.earlyStopping({ minDelta: NaN }), nn.ValueError, 'minDelta must be a finite number, got NaN');
    await rejects(() => nn.callbacks.earlyStopping({ patience: 1.5 }), nn.ValueError, 'patience must be an integer ≥ 0, got 1.5');
    await rejects(() => nn.callbacks.earlyStopping({ restoreBestWeights: 'false' } as never), nn.ValueError, 'restoreBestWeights must be true or false');
    const handler = nn.io.withSaveHandler(async () => {});
    await rejects(() => nn.callbacks.modelCheckpoint(null as never), nn.ValueError, 'modelCheckpoint: expected an options object');
    await rejects(() => nn.callbacks.modelCheckpoint({ path: handler, saveBestOnly: 'false' } as never), nn.ValueError,
      'modelCheckpoint saveBestOnly must be true or false, got "false"');
    await rejects(() => nn.callbacks.modelCheckpoint({ path: handler, includeOptimizer: 0 } as never), nn.ValueError, 'includeOptimizer must be true or false');
    await rejects(() => nn.callbacks.modelCheckpoint({ path: handler, everyEpochs: 1e300 }), nn.ValueError, 'everyEpochs must be a positive integer, got 1e+300');
    await rejects(() => nn.callbacks.modelCheckpoint({ path: handler, monitor: 5 } as never), nn.ValueError, 'monitor must be a log key');
    await rejects(() => nn.callbacks.modelCheckpoint({ path: handler, everyEpoch: 2 } as never), nn.ValueError,
      'modelCheckpoint: unknown option "everyEpoch"; did you mean "everyEpochs"?');
    await rejects(() => nn.layers.dense({ units: 2, useBias: 0 } as never), nn.ValueError, 'useBias must be true or false, got 0');
    await rejects(() => nn.sequential({ seed: 1.5 }), nn.ValueError, 'seed must be an integer', 'got 1.5');
    await rejects(() => nn.sequential({ seed: NaN }), nn.ValueError, 'seed must be an integer');
    const m = mlp();
    for (const [key, v, msg] of [['epochs', Infinity, 'epochs must be a positive integer, got Infinity'],
      ['epochs', 1e300, 'epochs must be a positive integer, got 1e+300'], ['batchSize', -0, 'batchSize must be a positive integer, got -0'],
      ['initialEpoch', -1, 'initialEpoch must be an integer ≥ 0, got -1'], ['validationSplit', NaN, 'validationSplit must be a number in [0, 1), got NaN'],
      ['shuffle', 'no', 'shuffle must be true or false, got "no"'], ['verbose', 2, 'verbose must be 0 (silent) or 1'],
      ['validationData', 0, 'validationData must be [x, y]']] as const) {
      await rejects(m.fit(X, Y, { [key]: v } as never), nn.ValueError, msg);
    }
    expect(m.optimizerIterations).toBe(0);
  });

  for (const backend of BACKENDS) {
    it(`alpha: NaN and other non-finite alphas are refused instead of giving NaN predictions (${backend})`, async () => {
      await nn.setBackend(backend);
      for (const alpha of [NaN, Infinity, -Infinity, 1e39, '0.1', null]) {
        await rejects(() => nn.layers.dense({ units: 2, activation: 'leakyRelu', alpha } as never), nn.ValueError, /layer 'dense_\d+': alpha must be a finite number/);
        await rejects(() => nn.layers.activation({ activation: 'elu', alpha } as never), nn.ValueError, 'alpha must be a finite number');
        await rejects(() => nn.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'leakyRelu', alpha } as never), nn.ValueError, 'alpha');
      }
      await rejects(() => nn.layers.dense({ units: 2, activation: 'relu', alpha: 0.5 }), nn.ValueError,
        'alpha applies to the leakyRelu and elu activations only, not to relu');
      await rejects(() => nn.layers.dense({ units: 2, alpha: 0.5 }), nn.ValueError, 'not to linear');
      // a finite alpha gives the slope it says: leakyRelu(−2) with alpha 0.125 is −0.25, exactly
      const m = nn.sequential({ layers: [nn.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'ones', useBias: false,
        activation: 'leakyRelu', alpha: 0.125 })] });
      expect(Array.from(m.predict([[-2], [3]]).data)).toEqual([-0.25, 3]);
    });
  }
});

describe('layer and model names', () => {
  it('empty, non-string and over-long names are refused at creation', async () => {
    for (const name of ['', 5, null, 'x'.repeat(257), ['a']]) {
      await rejects(() => nn.layers.dense({ units: 2, name } as never), nn.ValueError, 'dense: name must be a non-empty string of at most 256 characters');
      await rejects(() => nn.sequential({ name } as never), nn.ValueError, 'sequential: name must be a non-empty string');
    }
    expect(nn.layers.dense({ units: 2, name: 'x'.repeat(256) }).name).toHaveLength(256);
  });

  it('a duplicate name is refused when the layer is added, naming both layers', async () => {
    await rejects(() => nn.sequential({ name: 'twins', layers: [nn.layers.dense({ units: 2, inputShape: [3], name: 'a' }),
      nn.layers.dense({ units: 2, name: 'a' })] }), nn.ValueError, "model 'twins' already has a layer named 'a' (layer 1, Dense)");
    const m = nn.sequential({ layers: [nn.layers.dense({ units: 2, inputShape: [3], name: 'b' })] });
    await rejects(() => m.add(nn.layers.dropout({ rate: 0.1, name: 'b' })), nn.ValueError, "already has a layer named 'b'");
    expect(m.layers).toHaveLength(1);
  });

  it('generated names skip names given explicitly, so a model of both saves and loads', async () => {
    const first = nn.layers.dense({ units: 2 });
    const n = Number(first.name.split('_')[1]);
    const taken = nn.layers.dense({ units: 2, inputShape: [3], name: `dense_${n + 1}` });
    const next = nn.layers.dense({ units: 1 });
    expect(next.name).toBe(`dense_${n + 2}`);
    const m = nn.sequential({ seed: 3, layers: [taken, next] });
    const back = await nn.loadModel(await nn.io.saveToBytes(m));
    expect(back.layers.map((l) => l.name)).toEqual([`dense_${n + 1}`, `dense_${n + 2}`]);
    expect(Array.from((back.predict(X) as nn.Tensor).data)).toEqual(Array.from(m.predict(X).data));
  });
});

describe('unknown options', () => {
  it('are refused with the valid list and the closest one', async () => {
    const m = mlp();
    await rejects(m.fit(X, Y, { epoch: 5 } as never), nn.ValueError, 'fit: unknown option "epoch"; did you mean "epochs"?',
      'Valid options are: epochs, batchSize, shuffle, validationSplit, validationData, verbose, callbacks, initialEpoch');
    await rejects(m.fit(X, Y, { batch_size: 5 } as never), nn.ValueError, 'did you mean "batchSize"?');
    await rejects(() => m.predict(X, { batch_size: 2 } as never), nn.ValueError, 'predict: unknown option "batch_size"; did you mean "batchSize"?');
    await rejects(() => m.evaluate(X, Y, { verbose: 0 } as never), nn.ValueError, 'evaluate: unknown option "verbose"', 'Valid options are: batchSize');
    await rejects(() => m.compile({ optimiser: 'adam', loss: 'mse' } as never), nn.ValueError, 'compile: unknown option "optimiser"; did you mean "optimizer"?');
    await rejects(() => nn.sequential({ layer: [] } as never), nn.ValueError, 'did you mean "layers"?');
    await rejects(() => nn.layers.dense({ unit: 3 } as never), nn.ValueError, 'dense: unknown option "unit"; did you mean "units"?');
    await rejects(() => nn.layers.conv2d({ filters: 2, kernel_size: 3 } as never), nn.ValueError, 'did you mean "kernelSize"?');
    await rejects(() => nn.layers.dropout({ rate: 0.5, seed: 1 } as never), nn.ValueError, 'dropout: unknown option "seed"', 'Valid options are: rate, inputShape, name');
    await rejects(() => nn.layers.dense({ units: 3, trainable: false } as never), nn.ValueError, 'unknown option "trainable"');
    await rejects(() => nn.optimizers.adam({ learning_rate: 0.1 } as never), nn.ValueError, 'adam: unknown option "learning_rate"; did you mean "learningRate"?');
    await rejects(() => nn.optimizers.sgd({ momentum: 0.9 } as never), nn.ValueError, 'sgd: unknown option "momentum"', 'learningRate, clipNorm');
    await rejects(() => nn.schedules.stepDecay({ initialLearningRate: 1, dropEvery: 1, drop: 0.5 } as never), nn.ValueError, 'stepDecay: unknown option "drop"');
    await rejects(() => nn.callbacks.earlyStopping({ patients: 2 } as never), nn.ValueError, 'did you mean "patience"?');
    await rejects(() => nn.regularizers.l2({ l1: 0.1 } as never), nn.ValueError, 'l2: unknown option "l1"; did you mean "l2"?');
    // a key far from every option gets the list without a guess
    await rejects(m.fit(X, Y, { zzzzzz: 1 } as never), nn.ValueError, /unknown option "zzzzzz" Valid options are/);
    expect(m.optimizerIterations).toBe(0);
  });
});
