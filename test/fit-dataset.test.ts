// model.fitDataset and model.evaluateDataset: the same data through fit (shuffle off, same batch size) and through
// fitDataset give the same weight bits, the same History and the same callback calls and logs, for a sequential
// classifier, a two-input two-output graph fed by name maps, classWeight, and validation as arrays or a dataset;
// batchesPerEpoch continues one iteration across epochs (= trainOnBatch batch by batch); batches of varying size
// replan; a TF.js dataset trains as nn.data's; a generator streaming 10x the memory cap trains with the backend's
// heap and the JS heap flat; an error in the user's generator is a DataError with that error as its cause and the
// batch in its message; strict options; evaluateDataset equals evaluate.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, rand } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const N = 50, IN = 6, OUT = 3, B = 8;
const X = rand(1)(N * IN);
const LABELS = Array.from(rand(2)(N, 0, OUT), (v) => Math.min(OUT - 1, Math.floor(v)));
const ONE_HOT = LABELS.flatMap((l) => Array.from({ length: OUT }, (_, j) => (j === l ? 1 : 0)));
const VX = rand(3)(20 * IN);
const VL = Array.from(rand(4)(20, 0, OUT), (v) => Math.min(OUT - 1, Math.floor(v)));
const V_ONE_HOT = VL.flatMap((l) => Array.from({ length: OUT }, (_, j) => (j === l ? 1 : 0)));

const rows = (data: Float32Array | number[], width: number) => Array.from({ length: data.length / width }, (_, i) => Array.from(data.slice(i * width, (i + 1) * width)));
const bits = (m: nn.LayersModel) => m.getWeights().map((w) => Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length)));

function classifier(seed = 5) {
  const m = nn.sequential({ seed, layers: [
    nn.layers.dense({ units: 10, activation: 'relu', inputShape: [IN] }),
    nn.layers.dropout({ rate: 0.2 }),
    nn.layers.dense({ units: OUT, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.02 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** Records every hook call with its arguments. */
function recorder() {
  const calls: unknown[] = [];
  const hooks = {
    onTrainBegin: (logs: unknown) => { calls.push(['trainBegin', logs]); },
    onEpochBegin: (e: number, logs: unknown) => { calls.push(['epochBegin', e, logs]); },
    onBatchBegin: (b: number, logs: unknown) => { calls.push(['batchBegin', b, logs]); },
    onBatchEnd: (b: number, logs: unknown) => { calls.push(['batchEnd', b, logs]); },
    onEpochEnd: (e: number, logs: unknown) => { calls.push(['epochEnd', e, { ...(logs as object) }]); },
    onTrainEnd: (logs: unknown) => { calls.push(['trainEnd', logs]); },
  };
  return { calls, hooks };
}

/** The training set as a dataset of { xs, ys } batches of B, in order. */
const trainDs = () => nn.data.zip({ xs: nn.data.array(rows(X, IN)), ys: nn.data.array(rows(ONE_HOT, OUT)) }).batch(B);

describe.each(BACKENDS)('fitDataset on %s', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it('trains to fit\'s bits and History, with the same callback calls and logs (validation as arrays and as a dataset)', async () => {
    for (const validation of ['arrays', 'dataset', 'none'] as const) {
      const a = classifier();
      const b = classifier();
      const ra = recorder();
      const rb = recorder();
      const ha = await a.fit(nn.tensor(X, [N, IN]), nn.tensor(ONE_HOT, [N, OUT]), {
        epochs: 3, batchSize: B, shuffle: false, callbacks: ra.hooks,
        validationData: validation === 'none' ? undefined : [nn.tensor(VX, [20, IN]), nn.tensor(V_ONE_HOT, [20, OUT])],
      });
      const valDs = nn.data.zip({ xs: nn.data.array(rows(VX, IN)), ys: nn.data.array(rows(V_ONE_HOT, OUT)) }).batch(B);
      const hb = await b.fitDataset(trainDs(), {
        epochs: 3, callbacks: rb.hooks,
        ...(validation === 'arrays' ? { validationData: [nn.tensor(VX, [20, IN]), nn.tensor(V_ONE_HOT, [20, OUT])], validationBatchSize: B }
          : validation === 'dataset' ? { validationData: valDs } : {}),
      });
      expect(bits(b), validation).toEqual(bits(a));
      expect(hb.epoch).toEqual([0, 1, 2]);
      expect(hb.history, validation).toEqual(ha.history);
      expect(Object.keys(hb.history)).toEqual(validation === 'none' ? ['loss', 'accuracy'] : ['loss', 'accuracy', 'val_loss', 'val_accuracy']);
      expect(rb.calls, validation).toEqual(ra.calls);
      expect(rb.calls.filter((c) => (c as unknown[])[0] === 'batchEnd')).toHaveLength(3 * Math.ceil(N / B));
      expect(b.optimizerIterations).toBe(a.optimizerIterations);
      expect(a.optimizerIterations).toBe(3 * 7);
      expect(b.evaluate(nn.tensor(X, [N, IN]), nn.tensor(ONE_HOT, [N, OUT]))).toEqual(a.evaluate(nn.tensor(X, [N, IN]), nn.tensor(ONE_HOT, [N, OUT])));
    }
  });

  it('a graph of two inputs and two outputs fed by name maps, with sparse labels and classWeight, trains to fit\'s bits', async () => {
    const build = () => {
      const p = nn.input({ shape: [4], name: 'p' });
      const q = nn.input({ shape: [2], name: 'q' });
      const h = nn.layers.dense({ units: 8, activation: 'tanh', name: 'h' }).apply(nn.layers.concatenate().apply([p, q]) as nn.SymbolicTensor) as nn.SymbolicTensor;
      const cls = nn.layers.dense({ units: OUT, activation: 'softmax', name: 'cls' }).apply(h) as nn.SymbolicTensor;
      const reg = nn.layers.dense({ units: 1, name: 'reg' }).apply(h) as nn.SymbolicTensor;
      const m = nn.model({ inputs: [p, q], outputs: [cls, reg], seed: 9 });
      m.compile({ optimizer: 'rmsprop', loss: { cls: 'sparseCategoricalCrossentropy', reg: 'mse' }, metrics: { cls: ['accuracy'], reg: ['mae'] } });
      return m;
    };
    const P = X.filter((_, i) => i % IN < 4);
    const Q = X.filter((_, i) => i % IN >= 4);
    const R = Float32Array.from(LABELS, (l, i) => l * 0.5 - X[i * IN]);
    const classWeight = { cls: { 0: 1, 1: 3, 2: 0.5 } };
    const a = build();
    const b = build();
    const ha = await a.fit({ p: nn.tensor(P, [N, 4]), q: nn.tensor(Q, [N, 2]) }, { cls: nn.tensor(LABELS, [N]), reg: nn.tensor(R, [N, 1]) },
      { epochs: 2, batchSize: B, shuffle: false, classWeight });
    const ds = nn.data.zip({
      xs: { p: nn.data.array(rows(P, 4)), q: nn.data.array(rows(Q, 2)) },
      ys: { cls: nn.data.array(LABELS), reg: nn.data.array(rows(R, 1)) },
    }).batch(B);
    const hb = await b.fitDataset(ds, { epochs: 2, classWeight });
    expect(bits(b)).toEqual(bits(a));
    expect(hb.history).toEqual(ha.history);
    expect(Object.keys(hb.history)).toEqual(['loss', 'cls_loss', 'reg_loss', 'cls_accuracy', 'reg_mae']);
    // lists in input / output order work as the maps do
    const c = build();
    // (as in TF.js, a list of number arrays is one nested array: the inputs of a list are tensors)
    const tensors = (d: Float32Array, w: number) => nn.data.array(rows(d, w)).map((r) => nn.tensor(r));
    const listDs = nn.data.zip({ xs: [tensors(P, 4), tensors(Q, 2)], ys: [nn.data.array(LABELS), tensors(R, 1)] }).batch(B);
    await c.fitDataset(listDs, { epochs: 2, classWeight });
    expect(bits(c)).toEqual(bits(a));
    // evaluateDataset equals evaluate at the same batch size
    const evalDs = nn.data.zip({ xs: { p: nn.data.array(rows(P, 4)), q: nn.data.array(rows(Q, 2)) }, ys: { cls: nn.data.array(LABELS), reg: nn.data.array(rows(R, 1)) } }).batch(16);
    const fresh = build();
    fresh.setWeights(a.getWeights());
    expect(await fresh.evaluateDataset(evalDs)).toEqual(a.evaluate({ p: nn.tensor(P, [N, 4]), q: nn.tensor(Q, [N, 2]) },
      { cls: nn.tensor(LABELS, [N]), reg: nn.tensor(R, [N, 1]) }, { batchSize: 16 }));
    const two = await fresh.evaluateDataset(evalDs, { batches: 2 });
    expect(two).toEqual(a.evaluate({ p: nn.tensor(P.slice(0, 32 * 4), [32, 4]), q: nn.tensor(Q.slice(0, 32 * 2), [32, 2]) },
      { cls: nn.tensor(LABELS.slice(0, 32), [32]), reg: nn.tensor(R.slice(0, 32), [32, 1]) }, { batchSize: 16 }));
  });

  it('batchesPerEpoch reads one iteration across epochs; batches of varying size; a TF.js dataset; lists and generators of batches', async () => {
    // 12 distinct batches of sizes 4, 16, 8, ... through batchesPerEpoch 4 x 3 epochs = trainOnBatch on each in turn
    const sizes = [4, 16, 8, 4, 12, 2, 16, 8, 4, 8, 16, 3];
    const r = rand(11);
    const batches = sizes.map((s) => ({ xs: nn.tensor(r(s * IN), [s, IN]), ys: nn.tensor(Float32Array.from({ length: s * OUT }, (_, i) => (i % OUT === i % 2 ? 1 : 0)), [s, OUT]) }));
    let opened = 0;
    const ds = nn.data.generator(function* () {
      opened++;
      yield* batches;
    });
    const a = classifier(7);
    const b = classifier(7);
    const h = await a.fitDataset(ds, { epochs: 3, batchesPerEpoch: 4 });
    expect(opened).toBe(1);
    expect(h.epoch).toEqual([0, 1, 2]);
    for (const batch of batches) await b.trainOnBatch(batch.xs, batch.ys);
    expect(a.optimizerIterations).toBe(12);
    expect(bits(a)).toEqual(bits(b));
    expect(a.arenaInfo().capacity).toBe(16);
    // running out with batchesPerEpoch ends training after that epoch, with TF.js's warning
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const c = classifier(7);
    const hc = await c.fitDataset(nn.data.array(batches.slice(0, 6)), { epochs: 3, batchesPerEpoch: 4 });
    expect(hc.epoch).toEqual([0, 1]);
    expect(c.optimizerIterations).toBe(6);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/ran out of data after 2 batches of epoch 2/);
    warn.mockRestore();
    // a plain list of batches restarts each epoch; a generator object cannot, and says so in its second epoch
    const d = classifier(7);
    const e = classifier(7);
    await d.fitDataset(batches.slice(0, 3), { epochs: 2 });
    await e.fitDataset(nn.data.array(batches.slice(0, 3)), { epochs: 2 });
    expect(bits(d)).toEqual(bits(e));
    const once = (function* () { yield* batches.slice(0, 3); })();
    await expect(classifier(7).fitDataset(once, { epochs: 2 })).rejects.toThrow(/the dataset gave no batches in epoch 2; an iterable that cannot start again/);
    // a TF.js dataset of TF.js tensors trains as nn.data's
    const tfDs = tf.data.zip({ xs: tf.data.array(rows(X, IN)), ys: tf.data.array(rows(ONE_HOT, OUT)) }).batch(B);
    const f = classifier(3);
    const g = classifier(3);
    const hf = await f.fitDataset(tfDs, { epochs: 2 });
    const hg = await g.fitDataset(trainDs(), { epochs: 2 });
    expect(bits(f)).toEqual(bits(g));
    expect(hf.history).toEqual(hg.history);
    expect(await f.evaluateDataset(tfDs)).toEqual(await g.evaluateDataset(trainDs()));
  });

  it('an error inside the user\'s generator is a DataError naming the batch, with the user\'s error as its cause', async () => {
    const mine = new RangeError('sensor 7 offline');
    const failing = (epoch: number, at: number) => {
      let pass = 0;
      return nn.data.generator(function* () {
        const me = pass++;
        for (let i = 0; ; i++) {
          if (me === epoch && i === at) throw mine;
          if (i === 5) return;
          yield { xs: rows(X.slice(i * 4 * IN, (i + 1) * 4 * IN), IN), ys: rows(ONE_HOT.slice(i * 4 * OUT, (i + 1) * 4 * OUT), OUT) };
        }
      });
    };
    const m = classifier();
    const e = await m.fitDataset(failing(0, 3), { epochs: 2 }).catch((x) => x);
    expect(e).toBeInstanceOf(nn.DataError);
    expect(e.cause).toBe(mine);
    expect(e.message).toBe('the dataset threw while fitDataset read batch 4 of epoch 1 (batch index 3): sensor 7 offline');
    expect(m.optimizerIterations).toBe(3); // the three batches before it trained
    expect(m.training).toBe(false);
    const e2 = await classifier().fitDataset(failing(1, 0), { epochs: 2 }).catch((x) => x);
    expect(e2.cause).toBe(mine);
    expect(e2.message).toContain('batch 1 of epoch 2 (batch index 0)');
    // in the first batch, before training begins
    const e3 = await classifier().fitDataset(failing(0, 0), { epochs: 1 }).catch((x) => x);
    expect(e3.cause).toBe(mine);
    expect(e3.message).toContain('batch 1 of epoch 1 (batch index 0)');
    // from a map() stage, a validation dataset and evaluateDataset
    const mapped = trainDs().map((v) => { if ((v as { xs: nn.Tensor }).xs.shape[0] < B) throw mine; return v; });
    const e4 = await classifier().fitDataset(mapped).catch((x) => x);
    expect(e4.cause).toBe(mine);
    expect(e4.message).toContain('batch 7 of epoch 1 (batch index 6)');
    const e5 = await classifier().fitDataset(trainDs(), { validationData: failing(0, 2) }).catch((x) => x);
    expect(e5.cause).toBe(mine);
    expect(e5.message).toBe('the dataset threw while fitDataset (validationData) read batch 3 (batch index 2): sensor 7 offline');
    const e6 = await m.evaluateDataset(failing(0, 1)).catch((x) => x);
    expect(e6).toBeInstanceOf(nn.DataError);
    expect(e6.cause).toBe(mine);
    expect(e6.message).toContain('while evaluateDataset read batch 2 (batch index 1)');
    // the model is usable afterwards
    const h = await m.fitDataset(trainDs());
    expect(h.history.loss[0]).toBeGreaterThan(0);
  });

  it('bad batches and options are errors naming the batch or the option', async () => {
    const m = classifier();
    await expect(m.fitDataset(trainDs(), { epoch: 3 } as nn.FitDatasetConfig)).rejects.toThrow(/fitDataset: unknown option "epoch"; did you mean "epochs"\?/);
    await expect(m.fitDataset(trainDs(), { batchSize: 3 } as nn.FitDatasetConfig)).rejects.toThrow(/unknown option "batchSize"/);
    await expect(m.fitDataset(trainDs(), { validationSplit: 0.2 } as nn.FitDatasetConfig)).rejects.toThrow(/validationSplit is not supported/);
    await expect(m.fitDataset(trainDs(), { epochs: 0 })).rejects.toThrow(/fitDataset: epochs must be a positive integer, got 0/);
    await expect(m.fitDataset(trainDs(), { batchesPerEpoch: 1.5 })).rejects.toThrow(/batchesPerEpoch must be a positive integer/);
    await expect(m.fitDataset(trainDs(), { validationData: 5 })).rejects.toThrow(/validationData must be a dataset of \{ xs, ys \} batches or \[x, y\]/);
    await expect(m.fitDataset(trainDs(), { validationData: [nn.tensor(VX, [20, IN]), nn.tensor(V_ONE_HOT, [20, OUT])], validationBatches: 2 }))
      .rejects.toThrow(/fitDataset: validationBatches is for a validation dataset/);
    await expect(m.fitDataset(42)).rejects.toThrow(/fitDataset: dataset must be a dataset \(an iterable of { xs, ys } batches\), got 42/);
    await expect(m.evaluateDataset(trainDs(), { batchSize: 4 } as nn.EvaluateDatasetConfig)).rejects.toThrow(/evaluateDataset: unknown option "batchSize"/);
    await expect(m.fitDataset(nn.data.array([]))).rejects.toThrow(/fitDataset: the dataset gave no batches/);
    await expect(m.fitDataset(nn.data.array([[1, 2]]))).rejects.toThrow(/fitDataset: batch 0 of the dataset is \[1, 2\], not an object { xs, ys }/);
    const bad = (i: number, v: unknown) => nn.data.generator(function* () {
      yield { xs: rows(X.slice(0, 4 * IN), IN), ys: rows(ONE_HOT.slice(0, 4 * OUT), OUT) };
      yield i === 0 ? v : { xs: rows(X.slice(0, 4 * IN), IN), ys: v };
    });
    await expect(m.fitDataset(bad(0, { xs: [[1, 2, 3]], ys: [[0, 1, 0]] }))).rejects.toThrow(nn.ShapeError);
    await expect(m.fitDataset(bad(0, { xs: [[1, 2, 3]], ys: [[0, 1, 0]] }))).rejects.toThrow(/so xs of batch 1 should have shape \[n, 6\], but it has shape \[1, 3\]/);
    await expect(m.fitDataset(bad(0, { xs: [[0, 0, Number.NaN, 0, 0, 0]], ys: [[0, 1, 0]] }))).rejects.toThrow(/xs of batch 1 contains NaN at sample 0, feature 2/);
    await expect(m.fitDataset(bad(1, [[0, 1, 0]]))).rejects.toThrow(/x has 4 samples but ys of batch 1 has 1/);
    const before = m.optimizerIterations;
    expect(before).toBe(1 * 4); // each of the four failing fits above trained its first batch
  });

  it('one fit at a time: a second fitDataset or fit while one reads its first batch is a StateError', async () => {
    const m = classifier();
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const slow = nn.data.generator(async function* () {
      await gate;
      yield* await trainDs().toArray();
    });
    const running = m.fitDataset(slow);
    await expect(m.fitDataset(trainDs())).rejects.toThrow(nn.StateError);
    await expect(m.fit(nn.tensor(X, [N, IN]), nn.tensor(ONE_HOT, [N, OUT]))).rejects.toThrow(/already in a fit/);
    release();
    const h = await running;
    expect(h.epoch).toEqual([0]);
  });
});

describe.each(BACKENDS)('fitDataset beyond the memory cap (%s)', (backend) => {
  const MiB = 2 ** 20;
  const CAP = 16 * MiB;
  beforeAll(async () => {
    await nn.ready({ backend, maxMemoryBytes: CAP });
  });
  afterAll(async () => {
    await nn.ready({ maxMemoryBytes: Infinity });
  });

  it('a generator of 10x the memory cap trains with the backend heap and the JS heap flat across the epoch', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const width = 1024, rowsPer = 256, batchesN = 160; // 1 MiB of inputs a batch, 160 MiB in all
    const streamed = width * rowsPer * batchesN * 4;
    expect(streamed).toBeGreaterThanOrEqual(10 * CAP);
    const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 4, inputShape: [width] })] });
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e-4 }), loss: 'mse' });
    const ds = nn.data.generator(function* () {
      for (let b = 0; b < batchesN; b++) {
        const xs = new Float32Array(rowsPer * width);
        for (let i = 0; i < xs.length; i++) xs[i] = ((i * 7 + b * 13) % 101) / 101 - 0.5;
        const ys = new Float32Array(rowsPer * 4);
        for (let i = 0; i < ys.length; i++) ys[i] = xs[i * 3] + xs[i * 5 + 1];
        yield { xs: nn.tensor(xs, [rowsPer, width]), ys: nn.tensor(ys, [rowsPer, 4]) };
      }
    });
    const used: number[] = [];
    const wasmBytes: number[] = [];
    const jsHeap: number[] = [];
    const h = await m.fitDataset(ds, {
      epochs: 1,
      callbacks: {
        async onBatchEnd(b) {
          const info = nn.memory();
          used.push(info.usedBytes);
          wasmBytes.push(info.memoryBytes);
          if (b === 10 || b === batchesN - 1) {
            // array buffers are released by a concurrent sweeper: collect, let it run, collect again
            gc();
            await new Promise((r) => setTimeout(r, 50));
            gc();
            const u = process.memoryUsage();
            jsHeap.push(u.heapUsed + u.arrayBuffers);
          }
        },
      },
    });
    expect(used).toHaveLength(batchesN);
    // the backend's heap never grows from batch to batch (it may shrink when the collector frees other tests' models)
    for (let i = 1; i < used.length; i++) expect(used[i]).toBeLessThanOrEqual(used[i - 1]);
    expect(m.arenaInfo().capacity).toBe(rowsPer);
    expect(Math.max(...wasmBytes)).toBeLessThanOrEqual(CAP);
    // the JS heap (with array buffers) after batch 159 is within 4 MiB of what it was after batch 10: 150 MiB streamed through
    expect(jsHeap[1] - jsHeap[0], `JS heap ${jsHeap.join(" -> ")}`).toBeLessThan(4 * MiB);
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    expect(m.optimizerIterations).toBe(batchesN);
  });
});
