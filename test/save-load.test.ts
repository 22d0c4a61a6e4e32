// Saving and loading within neurite: every form (memory, one binary blob, one JSON blob, file://, localStorage,
// IndexedDB, downloads) round-trips bit for bit, and a model saved with includeOptimizer continues training exactly.
import { IDBFactory } from 'fake-indexeddb';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolveObjectURL } from 'node:buffer';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { rand } from './helpers';

const bits = (t: { data: Float32Array }) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex');
const weightBits = (m: nn.LayersModel) => m.getWeights().map(bits).join('|');
/** Optimizer state by parameter and slot (layer names differ between model instances). */
const stateBits = (m: nn.LayersModel) => m.getOptimizerWeights().map((w) => `${w.name.split('/').slice(1).join('/')}:${bits(w.tensor)}`).join('|');

let dir = '';
beforeAll(async () => {
  await nn.setBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'neurite-save-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small model with every layer kind: conv, batch norm (non-trainable state), pooling, dropout (random stream), dense. */
function cnn(seed: number) {
  return nn.sequential({ seed, name: 'small_cnn', layers: [
    nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'leakyRelu', alpha: 0.1, inputShape: [6, 6, 1] }),
    nn.layers.batchNormalization({ momentum: 0.8 }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.dropout({ rate: 0.25 }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 6, activation: 'elu', alpha: 0.7 }),
    nn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
}
function cnnData(seed: number, n = 24) {
  const r = rand(seed);
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  return { x: nn.tensor(r(n * 36), [n, 6, 6, 1]), y: nn.tensor(labels.flatMap((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0))), [n, 3]) };
}

type Store = (m: nn.LayersModel, includeOptimizer?: boolean) => Promise<nn.LayersModel>;
let fileCount = 0;
const STORES: Record<string, Store> = {
  memory: async (m, includeOptimizer) => {
    let a: nn.ModelArtifacts | undefined;
    await m.save(nn.io.withSaveHandler((x) => { a = x; }), { includeOptimizer });
    return nn.loadModel(nn.io.fromMemory(a));
  },
  'binary blob': async (m, includeOptimizer) => nn.loadModel(await nn.io.saveToBytes(m, { includeOptimizer })),
  'JSON blob': async (m, includeOptimizer) => nn.loadModel(await nn.io.saveToJSON(m, { includeOptimizer })),
  'file://': async (m, includeOptimizer) => {
    const target = `file://${join(dir, `m${fileCount++}`)}`;
    await m.save(target, { includeOptimizer });
    return nn.loadModel(target);
  },
  'localstorage:// (fake Storage)': async (m, includeOptimizer) => {
    const h = nn.io.browserLocalStorage('m', new FakeStorage());
    await m.save(h, { includeOptimizer });
    return nn.loadModel(h);
  },
  'indexeddb:// (fake-indexeddb)': async (m, includeOptimizer) => {
    const h = nn.io.browserIndexedDB('m', new IDBFactory());
    await m.save(h, { includeOptimizer });
    return nn.loadModel(h);
  },
};

describe('round trip', () => {
  it.each(Object.keys(STORES))('%s: same layers, configs and weights, bit for bit', async (store) => {
    const m = cnn(1);
    const { x, y } = cnnData(2);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, y, { epochs: 1, batchSize: 8 });
    const back = await STORES[store](m, false);
    expect(back.name).toBe('small_cnn');
    expect(back.layers.map((l) => l.toJSON())).toEqual(m.layers.map((l) => l.toJSON()));
    expect(weightBits(back)).toBe(weightBits(m));
    expect(bits(back.predict(x) as nn.Tensor)).toBe(bits(m.predict(x) as nn.Tensor));
    expect(back.compileConfig).toBeUndefined(); // saved without includeOptimizer
  });

  it('file:// writes model.json and one weights.<id>.bin it names (TF.js layout), and nothing else', async () => {
    const m = cnn(3);
    const folder = join(dir, 'layout');
    await m.save(`file://${folder}`);
    const first = readdirSync(folder).sort();
    await m.save(`file://${folder}`);
    const files = readdirSync(folder).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('model.json');
    expect(files[1]).toMatch(/^weights\.[0-9a-f]{16}\.bin$/);
    expect(files[1], 'each save writes a fresh weights file and removes the previous one').not.toBe(first[1]);
    const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
    expect(json.weightsManifest).toEqual([{ paths: [files[1]], weights: expect.any(Array) }]);
    expect(readFileSync(join(folder, files[1])).length).toBe(4 * m.countParams());
    // loading by the model.json path works too
    expect(weightBits(await nn.loadModel(`file://${join(folder, 'model.json')}`))).toBe(weightBits(m));
  });

  it('the binary blob is one buffer: NRTM header, model.json, weights', async () => {
    const m = cnn(4);
    const b = await nn.io.saveToBytes(m);
    expect(String.fromCharCode(...b.subarray(0, 4))).toBe('NRTM');
    const dv = new DataView(b.buffer, b.byteOffset);
    const j = dv.getUint32(8, true);
    expect(dv.getUint32(12, true)).toBe(4 * m.countParams());
    expect(JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + j))).format).toBe('layers-model');
    expect(weightBits(await nn.loadModel(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer))).toBe(weightBits(m));
  });
});

describe('resume exactly', () => {
  const OPTIMIZERS: [string, () => nn.Optimizer][] = [
    ['sgd', () => nn.optimizers.sgd({ learningRate: 0.05 })],
    ['momentum (nesterov, clipNorm)', () => nn.optimizers.momentum({ learningRate: 0.05, nesterov: true, clipNorm: 1 })],
    ['adam (exponential decay)', () => nn.optimizers.adam({ learningRate: nn.schedules.exponentialDecay({ initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.5 }) })],
    ['adamw (cosine decay)', () => nn.optimizers.adamw({ learningRate: nn.schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 10 }), weightDecay: 0.01 })],
    ['rmsprop (step decay)', () => nn.optimizers.rmsprop({ learningRate: nn.schedules.stepDecay({ initialLearningRate: 0.01, dropEvery: 2 }) })],
    ['adagrad', () => nn.optimizers.adagrad({ learningRate: 0.05, initialAccumulatorValue: 0.2 })],
  ];
  const stores = Object.keys(STORES);

  it.each([...OPTIMIZERS.map(([name, make], i) => ({ name, make, store: stores[i % stores.length] })),
    // the most state per weight (3 slots), which loading bounds before reading the weights
    { name: 'rmsprop (centered, momentum)', make: () => nn.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true }), store: 'file://' }])(
    '$name via $store: 2 epochs = 1 epoch, save, load, 1 more epoch (bit-identical weights and state)', async ({ make, store }) => {
      const { x, y } = cnnData(5);
      const fitOpts = { epochs: 1, batchSize: 5, shuffle: true, validationSplit: 0.2 } as const;
      const straight = cnn(7);
      straight.compile({ optimizer: make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      await straight.fit(x, y, { ...fitOpts, epochs: 2 });

      const first = cnn(7);
      first.compile({ optimizer: make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      await first.fit(x, y, fitOpts);
      const resumed = await STORES[store](first, true);
      expect(resumed.compileConfig!.optimizer.name).toBe(first.compileConfig!.optimizer.name);
      expect(resumed.getTrainingState()).toEqual(first.getTrainingState());
      const h = await resumed.fit(x, y, fitOpts);
      expect(weightBits(resumed)).toBe(weightBits(straight));
      expect(stateBits(resumed)).toBe(stateBits(straight));
      expect(resumed.optimizerIterations).toBe(straight.optimizerIterations);
      expect(resumed.getTrainingState()).toEqual(straight.getTrainingState());
      expect(h.history.loss[0]).toBeGreaterThan(0);
    });

  it('the comparison is sharp: the same weights with a fresh optimizer state do not continue the same way', async () => {
    const { x, y } = cnnData(5);
    const straight = cnn(7);
    straight.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await straight.fit(x, y, { epochs: 2, batchSize: 5 });
    const first = cnn(7);
    first.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await first.fit(x, y, { epochs: 1, batchSize: 5 });
    const weightsOnly = await nn.loadModel(await nn.io.saveToBytes(first, { includeOptimizer: true }), { compile: false });
    weightsOnly.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await weightsOnly.fit(x, y, { epochs: 1, batchSize: 5 });
    expect(weightBits(weightsOnly)).not.toBe(weightBits(straight));
  });

  it('on the js backend too', async () => {
    await nn.setBackend('js');
    try {
      const { x, y } = cnnData(6, 12);
      const straight = cnn(8);
      straight.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      await straight.fit(x, y, { epochs: 2, batchSize: 4 });
      const first = cnn(8);
      first.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      await first.fit(x, y, { epochs: 1, batchSize: 4 });
      const resumed = await nn.loadModel(await nn.io.saveToBytes(first, { includeOptimizer: true }));
      await resumed.fit(x, y, { epochs: 1, batchSize: 4 });
      expect(weightBits(resumed)).toBe(weightBits(straight));
    } finally {
      await nn.setBackend('wasm');
    }
  });

  it('the training position is stored where TF.js ignores it, and the settings where TF.js reads them', async () => {
    const m = cnn(9);
    m.compile({ optimizer: nn.optimizers.adamw({ learningRate: 0.002, clipNorm: 2 }), loss: 'categoricalCrossentropy', metrics: ['acc'] });
    const { x, y } = cnnData(1, 6);
    await m.fit(x, y, { epochs: 1, batchSize: 3 });
    const a = await nn.io.toArtifacts(m, { includeOptimizer: true });
    const tc = a.trainingConfig as Record<string, any>;
    expect(tc.loss).toBe('categorical_crossentropy');
    expect(tc.metrics).toEqual(['accuracy']);
    expect(tc.optimizer_config).toEqual({ class_name: 'Adam', config: { learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } });
    expect(tc.neurite).toMatchObject({ format: 1, seed: 9, epochsTrained: 1, iterations: 2,
      optimizer: { name: 'adamw', config: { learningRate: 0.002, weightDecay: 0.004, clipNorm: 2 } } });
    expect(tc.neurite.layerRngStates.filter((s: unknown) => s !== null)).toHaveLength(1); // the dropout layer
    const groups = a.weightSpecs.filter((s) => s.group === 'optimizer');
    expect(groups[0]).toEqual({ name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' });
    expect(groups.slice(1).map((s) => s.name)).toEqual(m.getOptimizerWeights().map((w) => w.name));
  });

  it('without includeOptimizer, or for a model never compiled, there is no training configuration', async () => {
    const m = cnn(10);
    expect((await nn.io.toArtifacts(m, { includeOptimizer: true })).trainingConfig).toBeUndefined();
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const a = await nn.io.toArtifacts(m);
    expect(a.trainingConfig).toBeUndefined();
    expect(a.weightSpecs.every((s) => s.group === undefined)).toBe(true);
    // { compile: false } skips a stored training configuration
    const loaded = await nn.loadModel(await nn.io.saveToBytes(m, { includeOptimizer: true }), { compile: false });
    expect(loaded.compileConfig).toBeUndefined();
  });

  it('refuses to save a schedule it could not rebuild, and bad options', async () => {
    const m = nn.sequential({ layers: [nn.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: { kind: 'custom', at: () => 0.1 } }), loss: 'mse' });
    await expect(m.save(nn.io.withSaveHandler(() => {}), { includeOptimizer: true })).rejects.toThrow(/schedule 'custom' has no config/);
    await expect(m.save(nn.io.withSaveHandler(() => {}), { includeOptimizer: 'yes' as never })).rejects.toThrow(nn.ValueError);
    await expect(m.save('ftp://x')).rejects.toThrow(/file:\/\/, indexeddb:\/\/, localstorage:\/\/, downloads:\/\//);
    await expect(m.save({} as never)).rejects.toThrow(nn.ValueError);
    await expect(nn.loadModel(42 as never)).rejects.toThrow(nn.ValueError);
    await expect(nn.loadModel('downloads://m')).rejects.toThrow(/can only save/);
    await expect(nn.loadModel(nn.io.fromMemory({}), { maxParams: 0 })).rejects.toThrow(/maxParams/);
    expect(() => nn.io.withSaveHandler(1 as never)).toThrow(nn.ValueError);
  });
});

describe('modelCheckpoint', () => {
  it('saves every epoch; a checkpoint resumes exactly where it was saved', async () => {
    const { x, y } = cnnData(11);
    const straight = cnn(12);
    straight.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await straight.fit(x, y, { epochs: 3, batchSize: 6 });

    const m = cnn(12);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const path = `file://${join(dir, 'ckpt', 'epoch-{epoch}')}`;
    const cb = nn.callbacks.modelCheckpoint({ path });
    await m.fit(x, y, { epochs: 3, batchSize: 6, callbacks: [cb] });
    expect(readdirSync(join(dir, 'ckpt')).sort()).toEqual(['epoch-1', 'epoch-2', 'epoch-3']);
    const resumed = await nn.loadModel(path.replace('{epoch}', '2'));
    await resumed.fit(x, y, { epochs: 1, batchSize: 6 });
    expect(weightBits(resumed)).toBe(weightBits(straight));
    expect(weightBits(await nn.loadModel(path.replace('{epoch}', '3')))).toBe(weightBits(straight));
    expect(nn.callbacks.earlyStopping).toBeTypeOf('function');
  });

  it('saveBestOnly saves exactly the epochs where the monitored value improved; everyEpochs skips the others', async () => {
    const { x, y } = cnnData(13);
    const m = cnn(14);
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
    const saved: number[] = [];
    const losses: number[] = [];
    const cb = nn.callbacks.modelCheckpoint({ path: (epoch) => nn.io.withSaveHandler(() => { saved.push(epoch); }), saveBestOnly: true, monitor: 'val_loss' });
    await m.fit(x, y, { epochs: 6, batchSize: 4, validationSplit: 0.25, callbacks: [cb, { onEpochEnd: (_e, logs) => { losses.push(logs.val_loss); } }] });
    const expected: number[] = [];
    let best = Infinity;
    losses.forEach((l, e) => { if (l < best) { best = l; expected.push(e); } });
    expect(saved).toEqual(expected);

    const every: number[] = [];
    await m.fit(x, y, { epochs: 5, batchSize: 4, callbacks: nn.callbacks.modelCheckpoint({ path: nn.io.withSaveHandler(() => { every.push(1); }), everyEpochs: 2 }) });
    expect(every).toHaveLength(2);

    await expect(m.fit(x, y, { epochs: 1, callbacks: nn.callbacks.modelCheckpoint({ path: nn.io.withSaveHandler(() => {}), saveBestOnly: true }) }))
      .rejects.toThrow(/monitors 'val_loss'.*validationSplit/);
    expect(() => nn.callbacks.modelCheckpoint({ path: 3 as never })).toThrow(nn.ValueError);
    expect(() => nn.callbacks.modelCheckpoint({ path: 'file://x', everyEpochs: 0 })).toThrow(/everyEpochs/);
  });
});

// ------------------------------------------------------------------------------------------------ browser targets

/** A Web Storage with a quota in characters, like a browser's localStorage. */
class FakeStorage implements Storage {
  private items = new Map<string, string>();
  constructor(private quota = Infinity) {}
  get length() { return this.items.size; }
  clear() { this.items.clear(); }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  getItem(k: string) { return this.items.get(k) ?? null; }
  removeItem(k: string) { this.items.delete(k); }
  setItem(k: string, v: string) {
    const used = [...this.items].reduce((a, [key, val]) => a + (key === k ? 0 : key.length + val.length), 0);
    if (used + k.length + v.length > this.quota) throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    this.items.set(k, String(v));
  }
}

describe('browser targets', () => {
  it('localStorage uses TF.js keys; a save over the quota leaves the previous model', async () => {
    const storage = new FakeStorage(60_000);
    const small = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 3, inputShape: [4] })] });
    const h = nn.io.browserLocalStorage('net', storage);
    await small.save(h);
    expect([...Array(storage.length).keys()].map((i) => storage.key(i)).sort()).toEqual(
      ['info', 'model_metadata', 'model_topology', 'weight_data', 'weight_specs'].map((k) => `tensorflowjs_models/net/${k}`));
    const big = nn.sequential({ seed: 2, layers: [nn.layers.dense({ units: 200, inputShape: [100] })] });
    await expect(big.save(h)).rejects.toThrow(/quota.*unchanged/);
    expect(weightBits(await nn.loadModel(h))).toBe(weightBits(small));
  });

  it('localStorage: parts from different saves (an interrupted save) are detected', async () => {
    const storage = new FakeStorage();
    const h = nn.io.browserLocalStorage('net', storage);
    await nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 3, inputShape: [4] })] }).save(h);
    const oldInfo = storage.getItem('tensorflowjs_models/net/info')!;
    await nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 5, inputShape: [4] })] }).save(h);
    storage.setItem('tensorflowjs_models/net/info', oldInfo);
    await expect(nn.loadModel(h)).rejects.toThrow(/interrupted save/);
    await expect(nn.loadModel(nn.io.browserLocalStorage('other', storage))).rejects.toThrow(/no model named 'other'/);
  });

  it('indexeddb:// and localstorage:// URLs use the global indexedDB and localStorage', async () => {
    const g = globalThis as Record<string, unknown>;
    g.indexedDB = new IDBFactory();
    g.localStorage = new FakeStorage();
    try {
      const m = cnn(15);
      await m.save('indexeddb://cnn');
      await m.save('localstorage://cnn');
      expect(weightBits(await nn.loadModel('indexeddb://cnn'))).toBe(weightBits(m));
      expect(weightBits(await nn.loadModel('localstorage://cnn'))).toBe(weightBits(m));
      await expect(nn.loadModel('indexeddb://missing')).rejects.toThrow(/no model named 'missing'/);
    } finally {
      delete g.indexedDB;
      delete g.localStorage;
    }
    await expect(nn.loadModel('indexeddb://cnn')).rejects.toThrow(/needs IndexedDB/);
  });

  it('downloads:// clicks two links (name.json, name.weights.bin) that browserFiles loads back', async () => {
    const clicked: { download: string; href: string }[] = [];
    const g = globalThis as Record<string, unknown>;
    g.document = { createElement: () => { const a = { download: '', href: '', click: () => clicked.push(a) }; return a; } };
    try {
      const m = cnn(16);
      await m.save('downloads://my-cnn');
      expect(clicked.map((c) => c.download)).toEqual(['my-cnn.json', 'my-cnn.weights.bin']);
      const files = await Promise.all(clicked.map(async (c) => new File([await resolveObjectURL(c.href)!.arrayBuffer()], c.download)));
      expect(JSON.parse(await files[0].text()).weightsManifest[0].paths).toEqual(['./my-cnn.weights.bin']);
      expect(weightBits(await nn.loadModel(nn.io.browserFiles(files)))).toBe(weightBits(m));
      await expect(nn.loadModel(nn.io.browserFiles([files[0]]))).rejects.toThrow(/not among the files/);
      // the weights file is sized before it is read, and read only after the manifest and topology are checked
      let reads = 0;
      const sized = (size: number) => ({ name: 'my-cnn.weights.bin', size, arrayBuffer: async () => { reads++; return new ArrayBuffer(size); } });
      await expect(nn.loadModel(nn.io.browserFiles([files[0], sized(2 ** 32)] as unknown as File[])))
        .rejects.toThrow(new RegExp(`my-cnn\\.json: the weight data has ${2 ** 32} bytes, \\d+ more than the ${4 * m.countParams()}`));
      const json = JSON.parse(await files[0].text());
      json.modelTopology.config.layers[0].config.filters += 1;
      const edited = new File([JSON.stringify(json)], 'my-cnn.json');
      await expect(nn.loadModel(nn.io.browserFiles([edited, sized(4 * m.countParams())] as unknown as File[]))).rejects.toThrow(/needs float32 of shape/);
      expect(reads).toBe(0);
    } finally {
      delete g.document;
    }
    await expect(cnn(1).save('downloads://x')).rejects.toThrow(/browser document/);
  });
});
