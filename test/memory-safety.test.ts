// Memory safety of models (issue cases 1-6): checked sizes and MemoryError, residency and eviction, one call at a
// time per model, one model per layer. The engine's limits are simulated with nn.ready({ maxMemoryBytes }).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { JsMemory } from '../src/backend/js/memory';
import { alignBytes, Heap } from '../src/memory/heap';
import { ModelMemory, Residency } from '../src/memory/residency';
import { BACKENDS, rand } from './helpers';

const MiB = 2 ** 20;
const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [[0], [1], [1], [0]];

function small(seed: number, name?: string) {
  return nn.sequential({ seed, ...(name ? { name } : {}), layers: [
    nn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
    nn.layers.dense({ units: 1, activation: 'sigmoid' }),
  ] });
}

const bits = (m: nn.Sequential) => m.getWeights().map((w) => Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, w.size)));
const predictBits = (m: nn.Sequential, x: number[][]) => Array.from(new Uint32Array(m.predict(x).data.buffer));

async function caught(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('checked sizes', () => {
  it('aligns sizes of 2 GiB and more without wrapping, and refuses unsafe ones', () => {
    expect(alignBytes(2 ** 31 + 1)).toBe(2 ** 31 + 16);
    expect(alignBytes(2 ** 32 - 1)).toBe(2 ** 32);
    expect(alignBytes(5 * 2 ** 32 + 3)).toBe(5 * 2 ** 32 + 16);
    expect(() => alignBytes(2 ** 53)).toThrow(nn.MemoryError);
    expect(() => alignBytes(-1)).toThrow(nn.MemoryError);
    expect(() => alignBytes(Number.NaN)).toThrow(nn.MemoryError);
  });

  it('a heap refuses what its memory cannot hold, with the bytes, and stays usable', () => {
    const heap = new Heap(new JsMemory());
    const a = heap.alloc(100);
    for (const n of [2 ** 31, 2 ** 31 + 2 ** 30, 2 ** 33]) {
      const e = (() => { try { heap.alloc(n); } catch (err) { return err; } })() as nn.MemoryError;
      expect(e).toBeInstanceOf(nn.MemoryError);
      expect(e.needed).toBe(alignBytes(n));
      expect(e.available).toBe(2 ** 31 - 16 - 112);
    }
    heap.limit = 4 * MiB;
    expect(() => heap.alloc(4 * MiB)).toThrow(nn.MemoryError);
    const b = heap.alloc(MiB);
    expect(b).toBeGreaterThanOrEqual(a + 112);
    expect(heap.used).toBe(112 + MiB);
  });
});

describe('ModelMemory', () => {
  const runtimeOver = (limit: number) => {
    const memory = new JsMemory();
    const heap = new Heap(memory);
    heap.limit = limit;
    const residency = new Residency(heap);
    return { heap, residency, backend: { memory, kernels: { f32_fill() {} } } };
  };

  it('a failed restore changes nothing; eviction copies the state home and restore brings back the same bits', () => {
    const rt = runtimeOver(MiB);
    const m = new ModelMemory(4096, 4096);
    m.resetSlots(2, 0);
    m.params.fill(1.5);
    m.pins++;
    m.restore(rt);
    const f = rt.backend.memory.f32();
    f[m.paramPtr / 4 + 3] = 7;
    f[m.statePtr(1) / 4 + 5] = -2;
    m.pins--;
    const big = new ModelMemory(MiB, MiB);
    expect(() => big.restore(rt)).toThrow(nn.MemoryError); // more than the whole memory: refused before any eviction
    expect(rt.residency.evictions).toBe(0);
    expect(big.core).toBe(0);
    const other = new ModelMemory(508 * 1024, 508 * 1024); // 1016 KB with its gradients: fits only when m is evicted
    other.restore(rt);
    expect(rt.residency.evictions).toBe(1);
    expect(m.core).toBe(0);
    expect(m.params[3]).toBe(7);
    expect(m.state[1][5]).toBe(-2);
    other.release();
    m.restore(rt);
    expect(rt.backend.memory.f32()[m.paramPtr / 4 + 3]).toBe(7);
    expect(rt.backend.memory.f32()[m.statePtr(1) / 4 + 5]).toBe(-2);
  });

  it('a nested replan that fails keeps the plan in use; a plain one drops it', () => {
    const rt = runtimeOver(MiB);
    const m = new ModelMemory(64, 64);
    m.pins++;
    m.restore(rt);
    const plan = m.replan(1000);
    const gen = m.generation;
    expect(() => m.replan(2 * MiB, true)).toThrow(nn.MemoryError);
    expect(m.plan).toBe(plan);
    expect(m.generation).toBe(gen);
    expect(() => m.replan(2 * MiB, false)).toThrow(nn.MemoryError);
    expect(m.plan).toBe(0);
    expect(m.generation).not.toBe(gen);
  });
});

describe.each(BACKENDS)('MemoryError and failed calls (%s)', (backend) => {
  beforeAll(async () => {
    await nn.ready({ backend, maxMemoryBytes: 24 * MiB });
  });
  afterAll(async () => {
    await nn.ready({ maxMemoryBytes: Infinity });
  });

  it('case 2: a batch the memory cannot hold is a MemoryError naming model, batch and bytes; nothing changes', async () => {
    const other = small(1, 'bystander');
    other.compile({ optimizer: 'sgd', loss: 'mse' });
    await other.fit(XOR_X, XOR_Y, { epochs: 2, batchSize: 4 });
    const otherBefore = predictBits(other, XOR_X);
    const otherWeights = bits(other);

    const cnn = nn.sequential({ seed: 3, name: 'cnn64', layers: [
      nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [64, 64, 3] }),
      nn.layers.flatten(),
      nn.layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    cnn.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const r = rand(4);
    const n = 240;
    const x = nn.tensor(r(n * 64 * 64 * 3), [n, 64, 64, 3]);
    const y = new Int32Array(n).map((_, i) => i % 2);
    const before = bits(cnn);
    const e = await caught(() => cnn.fit(x, y, { epochs: 1, batchSize: 240 })) as nn.MemoryError;
    expect(e).toBeInstanceOf(nn.MemoryError);
    expect(e.message).toContain("model 'cnn64'");
    expect(e.message).toContain('batchSize 240');
    expect(e.message).toMatch(/try a smaller batchSize \(\d+ fits\)/);
    expect(e.message).toContain(`${e.needed} bytes`);
    expect(e.message).toContain(`${e.available} are available`);
    expect(e.needed).toBeGreaterThan(24 * MiB);
    expect(e.available).toBeLessThanOrEqual(24 * MiB);
    // nothing changed: the failed model keeps its weights, fails the same way again, works with a smaller batch
    expect(bits(cnn)).toEqual(before);
    await expect(cnn.fit(x, y, { epochs: 1, batchSize: 240 })).rejects.toThrow(nn.MemoryError);
    expect(cnn.optimizerIterations).toBe(0);
    const h = await cnn.fit(x.data.length ? nn.tensor(x.data.subarray(0, 8 * 64 * 64 * 3), [8, 64, 64, 3]) : x, y.subarray(0, 8),
      { epochs: 1, batchSize: 4 });
    expect(h.history.loss[0]).toBeGreaterThan(0);
    expect(cnn.optimizerIterations).toBe(2);
    // and no other model was touched
    expect(predictBits(other, XOR_X)).toEqual(otherBefore);
    expect(bits(other)).toEqual(otherWeights);
  });

  it('case 2: fit, predict and evaluate plan for min(batchSize, samples) rows', async () => {
    const a = small(5);
    const b = small(5);
    for (const m of [a, b]) m.compile({ optimizer: 'adam', loss: 'mse' });
    const ha = await a.fit(XOR_X, XOR_Y, { epochs: 5, batchSize: 2 ** 30, shuffle: false });
    const hb = await b.fit(XOR_X, XOR_Y, { epochs: 5, batchSize: 4, shuffle: false });
    expect(ha.history.loss).toEqual(hb.history.loss);
    expect(ha.history.loss.every((l) => l > 0)).toBe(true);
    expect(a.arenaInfo().capacity).toBe(4);
    expect(a.predict(XOR_X, { batchSize: 2 ** 30 }).data).toEqual(b.predict(XOR_X).data);
    expect(a.evaluate(XOR_X, XOR_Y, { batchSize: 2 ** 30 })).toEqual(b.evaluate(XOR_X, XOR_Y));
    expect(a.arenaInfo().capacity).toBe(4);
  });

  it('case 2: predicting a dataset larger than the memory streams it in batches', () => {
    const m = nn.sequential({ seed: 6, layers: [nn.layers.dense({ units: 3, inputShape: [64] })] });
    const n = 128 * 1024; // 32 MiB of inputs, more than the 24 MiB cap
    const x = nn.tensor(rand(7)(n * 64), [n, 64]);
    const out = m.predict(x, { batchSize: 4096 });
    expect(out.shape).toEqual([n, 3]);
    const first = m.predict(nn.tensor(x.data.subarray(0, 64 * 5), [5, 64])).data;
    const last = m.predict(nn.tensor(x.data.subarray((n - 5) * 64), [5, 64])).data;
    expect(Array.from(out.data.subarray(0, 15))).toEqual(Array.from(first));
    expect(Array.from(out.data.subarray((n - 5) * 3))).toEqual(Array.from(last));
    expect(nn.memory().memoryBytes).toBeLessThanOrEqual(24 * MiB);
  });

  it('case 1: a loaded model whose arena per sample is too big: FormatError or MemoryError, never another model touched', async () => {
    const other = small(8, 'neighbour');
    const before = predictBits(other, XOR_X);
    const hostile = async (side: number) => {
      const layers: nn.Layer[] = [nn.layers.conv2d({ filters: 4096, kernelSize: 1, inputShape: [side, side, 1] })];
      for (let i = 0; i < 21; i++) layers.push(nn.layers.dropout({ rate: 0.5 }));
      let artifacts: unknown;
      await nn.sequential({ seed: 1, name: 'wide', layers }).save(nn.io.withSaveHandler(async (a) => { artifacts = a; }));
      return nn.loadModel(nn.io.fromMemory(artifacts as nn.ModelArtifacts));
    };
    // 64x64: 4.4 GB per sample, refused when loading, before anything is allocated
    const e = await caught(() => hostile(64)) as Error;
    expect(e).toBeInstanceOf(nn.FormatError);
    expect(e.message).toMatch(/bytes of memory per sample/);
    // 8x8: 48 MB per sample to train, within the load limit, more than the 24 MiB cap: a MemoryError on fit.
    // Predicting keeps only the buffers that are live (two of 1 MiB at a time), so it runs.
    const m = await hostile(8);
    const x = nn.tensor(new Float32Array(64), [1, 8, 8, 1]);
    expect((m.predict(x) as nn.Tensor).shape).toEqual([1, 8, 8, 4096]);
    expect(m.planBytes(1, false)).toBeLessThan(4 * 2 ** 20);
    expect(m.planBytes(1, true)).toBeGreaterThan(24 * 2 ** 20);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const pe = await caught(() => m.fit(x, nn.tensor(new Float32Array(8 * 8 * 4096), [1, 8, 8, 4096]))) as nn.MemoryError;
    expect(pe).toBeInstanceOf(nn.MemoryError);
    expect(pe.message).toContain("model 'wide'");
    expect(predictBits(other, XOR_X)).toEqual(before);
    // the neighbour still trains and predicts like a twin that never shared the memory
    const twin = small(8);
    for (const t of [other, twin]) t.compile({ optimizer: 'sgd', loss: 'mse' });
    await other.fit(XOR_X, XOR_Y, { epochs: 3, batchSize: 4 });
    await twin.fit(XOR_X, XOR_Y, { epochs: 3, batchSize: 4 });
    expect(bits(other)).toEqual(bits(twin));
  });

  it('case 3: a model too big for the memory fails every call with MemoryError and never runs at address 0', async () => {
    const other = small(9);
    other.compile({ optimizer: 'sgd', loss: 'mse' });
    const otherBefore = bits(other);
    const big = nn.sequential({ seed: 2, name: 'huge', layers: [nn.layers.dense({ units: 2048, inputShape: [2048] })] });
    big.compile({ optimizer: 'adam', loss: 'mse' }); // 4M weights: 16 MB, 64 MB with grads and Adam's two slots
    const init = big.getWeights()[0].data.slice(0, 64);
    const x = nn.tensor(new Float32Array(2 * 2048), [2, 2048]);
    for (let i = 0; i < 2; i++) {
      await expect(big.fit(x, x, { epochs: 1 })).rejects.toThrow(nn.MemoryError);
      expect(() => big.predict(x)).toThrow(nn.MemoryError);
    }
    expect(big.getWeights()[0].data.slice(0, 64)).toEqual(init);
    expect(big.optimizerIterations).toBe(0);
    expect(bits(other)).toEqual(otherBefore);
    expect(() => nn.sequential({ layers: [nn.layers.dense({ units: 40000, inputShape: [40000] })] }).build()).toThrow(nn.MemoryError);
  });
});

describe.each(BACKENDS)('a nested call that cannot be planned (%s)', (backend) => {
  beforeAll(async () => {
    await nn.ready({ backend, maxMemoryBytes: 24 * MiB });
  });
  afterAll(async () => {
    await nn.ready({ maxMemoryBytes: Infinity });
  });

  it('a predict from a fit hook that needs more memory than there is fails alone; the fit trains as without it', async () => {
    const x = nn.tensor(rand(12)(16384 * 64), [16384, 64]); // a plan for 16384 rows needs about 26 MB
    const run = async (nested: boolean) => {
      const m = nn.sequential({ seed: 71, layers: [
        nn.layers.dense({ units: 64, activation: 'relu', inputShape: [64] }),
        nn.layers.dropout({ rate: 0.25 }),
        nn.layers.dense({ units: 4, activation: 'softmax' }),
      ] });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      const errors: unknown[] = [];
      const h = await m.fit(x.data.length ? nn.tensor(x.data.subarray(0, 32 * 64), [32, 64]) : x, new Int32Array(32).map((_, i) => i % 4),
        { epochs: 3, batchSize: 8, callbacks: { onBatchEnd: (b) => {
          if (!nested || b !== 1) return;
          try { m.predict(x, { batchSize: 16384 }); } catch (e) { errors.push(e); }
          expect(m.predict(x, { batchSize: 64 }).shape).toEqual([16384, 4]);
        } } });
      return { loss: h.history.loss, w: bits(m), errors };
    };
    const plain = await run(false);
    const nested = await run(true);
    expect(nested.errors.length).toBe(3);
    for (const e of nested.errors) expect(e).toBeInstanceOf(nn.MemoryError);
    expect(nested.loss).toEqual(plain.loss);
    expect(nested.w).toEqual(plain.w);
  });
});

describe('nn.ready({ maxMemoryBytes })', () => {
  it('takes an integer ≥ 1 MiB or Infinity', async () => {
    for (const bad of [0, -1, 1000, 1.5 * MiB + 0.5, Number.NaN, '32MB', null]) {
      await expect(nn.ready({ maxMemoryBytes: bad as number })).rejects.toThrow(nn.ValueError);
    }
    await nn.ready({ maxMemoryBytes: 8 * MiB });
    expect(nn.memory().limitBytes).toBe(8 * MiB);
    await nn.ready({ maxMemoryBytes: Infinity });
    expect(nn.memory('wasm').limitBytes).toBe(2 ** 32);
    expect(nn.memory('js').limitBytes).toBe(2 ** 31);
  });
});

function mid(seed: number, name?: string) {
  return nn.sequential({ seed, ...(name ? { name } : {}), layers: [
    nn.layers.dense({ units: 64, activation: 'relu', inputShape: [64] }),
    nn.layers.dropout({ rate: 0.25 }),
    nn.layers.dense({ units: 4, activation: 'softmax' }),
  ] });
}
const MID_X = nn.tensor(rand(11)(32 * 64), [32, 64]);
const MID_Y = new Int32Array(32).map((_, i) => i % 4);

describe.each(BACKENDS)('residency (%s)', (backend) => {
  beforeAll(async () => {
    await nn.ready({ backend, maxMemoryBytes: 4 * MiB });
  });
  afterAll(async () => {
    await nn.ready({ maxMemoryBytes: Infinity });
  });

  it('evicted and restored models give bit-identical training, optimizer state and predictions', async () => {
    const a = mid(21, 'evicted');
    const twin = mid(21, 'twin');
    for (const m of [a, twin]) m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await a.fit(MID_X, MID_Y, { epochs: 2, batchSize: 8 });
    await twin.fit(MID_X, MID_Y, { epochs: 2, batchSize: 8 });
    await twin.fit(MID_X, MID_Y, { epochs: 2, batchSize: 8 });
    const twinOut = twin.predict(MID_X).data;
    expect(a.arenaInfo().modelBytes).toBeGreaterThan(0);
    // fill the memory with other models until `a` is evicted
    const evictions = nn.memory().evictions;
    const grown = Math.max(nn.memory().memoryBytes, 4 * MiB);
    const others: nn.Sequential[] = [];
    while (a.arenaInfo().modelBytes > 0) {
      const o = mid(others.length + 100);
      o.predict(MID_X);
      others.push(o);
      expect(others.length).toBeLessThan(200);
    }
    expect(nn.memory().evictions).toBeGreaterThan(evictions);
    expect(nn.memory().memoryBytes).toBe(grown);
    // weights and optimizer state read from the home while evicted
    expect(a.getWeights().map((w) => w.shape)).toEqual(twin.getWeights().map((w) => w.shape));
    await a.fit(MID_X, MID_Y, { epochs: 2, batchSize: 8 });
    expect(bits(a)).toEqual(bits(twin));
    const opt = (m: nn.Sequential) => m.getOptimizerWeights().map((o) => Array.from(new Uint32Array(o.tensor.data.buffer, o.tensor.data.byteOffset, o.tensor.size)));
    expect(opt(a)).toEqual(opt(twin));
    expect(Array.from(new Uint32Array(a.predict(MID_X).data.buffer))).toEqual(Array.from(new Uint32Array(twinOut.buffer)));
    expect(a.getTrainingState()).toEqual(twin.getTrainingState());
  });

  it('churn: thousands of models created, fitted, predicted and dropped, without dispose or GC, in bounded memory', async () => {
    const start = nn.memory();
    let loss = 0;
    const x = nn.tensor(MID_X.data.subarray(0, 16 * 64), [16, 64]);
    const y = MID_Y.subarray(0, 16);
    const one = nn.tensor(MID_X.data.subarray(0, 64), [1, 64]);
    for (let i = 0; i < 2000; i++) {
      const m = nn.sequential({ seed: i, layers: [
        nn.layers.dense({ units: 32, activation: 'relu', inputShape: [64] }),
        nn.layers.dense({ units: 4, activation: 'softmax' }),
      ] });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      const h = await m.fit(x, y, { epochs: 1, batchSize: 8 });
      loss += h.history.loss[0];
      expect(m.predict(one).shape).toEqual([1, 4]);
    }
    const end = nn.memory();
    expect(Number.isFinite(loss)).toBe(true);
    // 2000 models of about 40 KB each (weights, gradients, Adam's slots, activations, data): 20x the 4 MiB cap; the
    // memory (grown by earlier tests of this file, never shrunk) does not grow, and no block passes the cap
    expect(end.memoryBytes).toBe(Math.max(start.memoryBytes, 4 * MiB));
    // most of the freeing is eviction; the collector's finalizers free the rest when they happen to run (seen: 1,493
    // to over 1,900 evictions, depending on the machine's load)
    expect(end.evictions - start.evictions).toBeGreaterThan(1000);
    expect(end.usedBytes).toBeLessThanOrEqual(Math.max(start.usedBytes, 4 * MiB));
  });

  it('dispose frees the memory now, is idempotent, and any later use is a StateError', async () => {
    const m = mid(31, 'gone');
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(MID_X, MID_Y, { epochs: 1 });
    const before = nn.memory();
    const held = m.arenaInfo().modelBytes;
    expect(held).toBeGreaterThan(0);
    m.dispose();
    m.dispose();
    const after = nn.memory();
    expect(after.residentModels).toBe(before.residentModels - 1);
    expect(after.residentBytes).toBe(before.residentBytes - held);
    expect(after.usedBytes).toBe(before.usedBytes - held);
    const uses: [string, () => unknown][] = [
      ['predict', () => m.predict(MID_X)], ['fit', () => m.fit(MID_X, MID_Y)], ['evaluate', () => m.evaluate(MID_X, MID_Y)],
      ['getWeights', () => m.getWeights()], ['setWeights', () => m.setWeights([])], ['compile', () => m.compile({ optimizer: 'sgd', loss: 'mse' })],
      ['summary', () => m.summary(() => {})], ['save', () => m.save(nn.io.withSaveHandler(() => {}))], ['add', () => m.add(nn.layers.flatten())],
    ];
    for (const [what, use] of uses) {
      const e = await caught(use);
      expect(e, what).toBeInstanceOf(nn.StateError);
      expect((e as Error).message, what).toContain("model 'gone' was disposed");
    }
  });

  it('nn.memory() counts resident models and their bytes', () => {
    const ms = [mid(41), mid(42)];
    for (const m of ms) m.predict(MID_X);
    const info = nn.memory();
    expect(info.backend).toBe(backend);
    expect(info.residentModels).toBeGreaterThanOrEqual(2);
    expect(info.residentBytes).toBeGreaterThanOrEqual(ms[0].arenaInfo().modelBytes + ms[1].arenaInfo().modelBytes);
    expect(info.usedBytes).toBeGreaterThanOrEqual(info.residentBytes);
    expect(info.memoryBytes).toBeGreaterThanOrEqual(info.usedBytes);
    for (const m of ms) m.dispose();
    expect(nn.memory().residentModels).toBe(info.residentModels - 2);
  });
});

describe.each(BACKENDS)('one call at a time, one model per layer (%s)', (backend) => {
  beforeAll(async () => {
    await nn.setBackend(backend);
  });

  it('case 4: a second fit while one runs is a StateError; the first trains as if alone; no other model changes', async () => {
    const other = mid(51);
    other.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await other.fit(MID_X, MID_Y, { epochs: 1 });
    const otherBits = bits(other);
    const a = mid(52, 'busy');
    const twin = mid(52);
    for (const m of [a, twin]) m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const first = a.fit(MID_X, MID_Y, { epochs: 3, batchSize: 8 });
    const second = await caught(() => a.fit(MID_X, MID_Y, { epochs: 3, batchSize: 8 }));
    expect(second).toBeInstanceOf(nn.StateError);
    expect((second as Error).message).toContain("model 'busy' is already in a fit");
    expect(() => a.compile({ optimizer: 'sgd', loss: 'mse' })).toThrow(nn.StateError);
    expect(() => a.setTrainingState(a.getTrainingState())).toThrow(nn.StateError);
    expect(() => a.dispose()).toThrow(nn.StateError);
    const h = await first;
    const ht = await twin.fit(MID_X, MID_Y, { epochs: 3, batchSize: 8 });
    expect(h.history.loss).toEqual(ht.history.loss);
    expect(bits(a)).toEqual(bits(twin));
    expect(bits(other)).toEqual(otherBits);
    // after the fit, fit and compile work again
    await a.fit(MID_X, MID_Y, { epochs: 1 });
    a.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  });

  it('case 5: switching the backend or predicting from a fit hook never changes the training', async () => {
    const other = backend === 'wasm' ? 'js' : 'wasm';
    const run = async (hook?: (m: nn.Sequential, epoch: number) => Promise<void> | void) => {
      const m = mid(61);
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      const h = await m.fit(MID_X, MID_Y, { epochs: 3, batchSize: 8, validationSplit: 0.25,
        callbacks: hook ? { onEpochEnd: (e) => hook(m, e), onBatchEnd: (b) => { if (b === 1) m.predict(MID_X, { batchSize: 32 }); } } : [] });
      await nn.setBackend(backend);
      return { h, w: bits(m) };
    };
    const plain = await run();
    const predicted = await run((m) => { m.predict(MID_X); m.evaluate(MID_X, MID_Y, { batchSize: 5 }); });
    const switched = await run(async (_m, e) => { if (e === 0) await nn.setBackend(other); });
    const both = await run(async (m, e) => {
      if (e === 0) await nn.setBackend(other);
      m.predict(MID_X);
      const s = mid(62);
      s.predict(MID_X);
    });
    for (const r of [predicted, switched, both]) {
      expect(r.h.history).toEqual(plain.h.history);
      expect(r.w).toEqual(plain.w);
    }
    expect(plain.h.history.loss[2]).toBeLessThan(plain.h.history.loss[0]);
  });

  it('a model in a fit finishes it on its backend, then follows setBackend', async () => {
    const other = backend === 'wasm' ? 'js' : 'wasm';
    const m = mid(63);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const seen: string[] = [];
    await m.fit(MID_X, MID_Y, { epochs: 2, callbacks: { onEpochEnd: async () => {
      await nn.setBackend(other);
      seen.push(m.arenaInfo().backend);
    } } });
    expect(seen).toEqual([backend, backend]);
    expect(m.arenaInfo().backend).toBe(other);
    m.predict(MID_X);
    expect(m.arenaInfo().modelBytes).toBeGreaterThan(0);
    await nn.setBackend(backend);
  });

  it('case 6: one layer in two models has one set of weights: nothing changes until one trains, then both see it', async () => {
    const shared = nn.layers.dense({ units: 2, inputShape: [3], name: 'shared_dense' });
    const first = nn.sequential({ seed: 1, name: 'first', layers: [shared] });
    const x = [[1, 2, 3]];
    const before = Array.from(first.predict(x).data);
    const second = nn.sequential({ seed: 2, name: 'second', layers: [shared, nn.layers.dense({ units: 1 })] });
    // the shared kernel is not drawn again from the second model's seed
    expect(Array.from(second.getWeights()[0].data)).toEqual(Array.from(first.getWeights()[0].data));
    expect(Array.from(first.predict(x).data)).toEqual(before);
    second.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    // while the second trains, the first reads the weights as they are, and cannot change them
    let seen: number[] = [];
    let refused: unknown;
    await second.fit(x, [[1]], { epochs: 3, callbacks: { onEpochEnd: () => {
      seen = Array.from(first.predict(x).data);
      try { first.setWeights(first.getWeights()); } catch (e) { refused = e; }
    } } });
    expect(refused).toBeInstanceOf(nn.StateError);
    expect((refused as Error).message).toContain("layer 'shared_dense' is shared with model 'second', whose fit is running");
    const trained = second.getWeights().slice(0, 2).map((t) => Array.from(t.data));
    expect(first.getWeights().map((t) => Array.from(t.data))).toEqual(trained);
    expect(shared.getWeights().map((t) => Array.from(t.data))).toEqual(trained);
    expect(Array.from(first.predict(x).data)).toEqual(seen);
    expect(seen).not.toEqual(before);
    // a disposed model leaves the layer its weights for the others
    second.dispose();
    expect(shared.getWeights().map((t) => Array.from(t.data))).toEqual(trained);
    const third = nn.sequential({ seed: 3, name: 'third', layers: [shared] });
    expect(Array.from(third.predict(x).data)).toEqual(seen);
    // layer.setWeights reaches every model that uses the layer
    shared.setWeights([nn.tensor([[1, 0], [0, 1], [0, 0]]), nn.tensor([0.5, -0.5])]);
    expect(Array.from(first.predict(x).data)).toEqual([1.5, 1.5]);
    expect(Array.from(third.predict(x).data)).toEqual([1.5, 1.5]);
  });
});
