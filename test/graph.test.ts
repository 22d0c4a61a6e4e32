// Graph models (nn.input, layer.apply, nn.model): the engine against chains, fan-out and shared layers against
// their definitions, merge layers by central differences, frozen layers, several inputs and outputs, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, centralDifferences, rand } from './helpers';

const bitsOf = (ws: nn.Tensor[]) => ws.map((w) => Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length)));

function data(n: number, d: number, seed: number): nn.Tensor {
  return nn.tensor(rand(seed)(n * d, -1, 1), [n, d]);
}
function oneHotRows(n: number, classes: number, seed: number): nn.Tensor {
  const u = rand(seed)(n, 0, 1);
  const out = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) out[i * classes + (Math.floor(u[i] * classes) % classes)] = 1;
  return nn.tensor(out, [n, classes]);
}

/** Checks every sampled weight's analytic gradient against central differences of the loss. */
function gradcheck(model: nn.LayersModel, x: unknown, y: unknown): number {
  const { grads } = model.computeGradients(x, y);
  const lossAt = () => model.computeGradients(x, y).loss;
  return centralDifferences(model, grads, lossAt, 6, 1e-2, (t, i, numeric, analytic) => {
    const tol = 2e-3 + 3e-2 * Math.abs(numeric);
    expect(Math.abs(numeric - analytic), `weight ${t}[${i}]: numeric ${numeric} vs analytic ${analytic}`).toBeLessThanOrEqual(tol);
  });
}

describe.each(BACKENDS)('graph models (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it('a chain built with nn.model trains to the same bits as the same nn.sequential', async () => {
    const chain = () => [nn.layers.dense({ units: 12, activation: 'relu' }), nn.layers.dropout({ rate: 0.2 }),
      nn.layers.batchNormalization(), nn.layers.dense({ units: 3, activation: 'softmax' })];
    const seq = nn.sequential({ seed: 5, layers: [nn.layers.dense({ units: 12, activation: 'relu', inputShape: [6] }), ...chain().slice(1)] });
    const input = nn.input({ shape: [6] });
    let t = input;
    for (const l of [nn.layers.dense({ units: 12, activation: 'relu' }), ...chain().slice(1)]) t = l.apply(t);
    const graph = nn.model({ inputs: input, outputs: t, seed: 5 });
    const x = data(40, 6, 1);
    const y = oneHotRows(40, 3, 2);
    for (const m of [seq, graph]) {
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      await m.fit(x, y, { epochs: 3, batchSize: 8 });
    }
    expect(bitsOf(graph.getWeights())).toEqual(bitsOf(seq.getWeights()));
    expect(Array.from((graph.predict(x) as nn.Tensor).data)).toEqual(Array.from(seq.predict(x).data));
  });

  it('fan-out: a residual block y = x + f(x) gets the gradient of both paths (central differences)', () => {
    const x = nn.input({ shape: [5] });
    const h = nn.layers.dense({ units: 5, activation: 'tanh' }).apply(x);
    const h2 = nn.layers.dense({ units: 5 }).apply(h);
    const sum = nn.layers.add().apply([h, h2]);           // h is read twice
    const out = nn.layers.dense({ units: 2 }).apply(sum);
    const m = nn.model({ inputs: x, outputs: out, seed: 3 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(gradcheck(m, data(4, 5, 3), data(4, 2, 4))).toBeGreaterThan(10);
  });

  it.each(['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum', 'concatenate'] as const)(
    'merge layer %s: central differences through every input', (kind) => {
      const x = nn.input({ shape: [6] });
      const a = nn.layers.dense({ units: 4, activation: 'tanh' }).apply(x);
      const b = nn.layers.dense({ units: 4, activation: 'sigmoid' }).apply(x);
      const c = nn.layers.dense({ units: 4 }).apply(x);
      const inputs = kind === 'subtract' ? [a, b] : [a, b, c];
      const merged = (nn.layers[kind] as (c?: object) => nn.Layer)().apply(inputs);
      const out = nn.layers.dense({ units: 3 }).apply(merged);
      const m = nn.model({ inputs: x, outputs: out, seed: 11 });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      expect(gradcheck(m, data(5, 6, 5), data(5, 3, 6))).toBeGreaterThan(20);
    });

  it('the plan owns the softmax: dense(softmax) trains to the bits of dense + activation(softmax), fused or not', async () => {
    // 'categoricalCrossentropy' on a softmax output: the loss head fuses it; 'meanSquaredError': the plan applies
    // the softmax after the layer and its gradient before the layer's backward; an inner softmax: always the plan
    const x = data(24, 5, 11);
    const y = oneHotRows(24, 4, 12);
    for (const loss of ['categoricalCrossentropy', 'meanSquaredError'] as const) {
      const build = (split: boolean) => {
        const inner = split
          ? [nn.layers.dense({ units: 6, inputShape: [5] }), nn.layers.activation({ activation: 'softmax' })]
          : [nn.layers.dense({ units: 6, activation: 'softmax', inputShape: [5] })];
        const head = split
          ? [nn.layers.dense({ units: 4 }), nn.layers.activation({ activation: 'softmax' })]
          : [nn.layers.dense({ units: 4, activation: 'softmax' })];
        const m = nn.sequential({ seed: 9, layers: [...inner, ...head] });
        m.compile({ optimizer: 'adam', loss });
        return m;
      };
      const [joint, split] = [build(false), build(true)];
      const before = (joint.predict(x) as nn.Tensor).data;
      const rowSum = Array.from({ length: 24 }, (_, r) => before.slice(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0));
      for (const s of rowSum) expect(Math.abs(s - 1)).toBeLessThan(1e-6);
      expect(Array.from(split.predict(x).data)).toEqual(Array.from(before));
      for (const m of [joint, split]) await m.fit(x, y, { epochs: 2, batchSize: 8 });
      expect(bitsOf(split.getWeights()), loss).toEqual(bitsOf(joint.getWeights()));
      expect(Array.from(split.predict(x).data), loss).toEqual(Array.from(joint.predict(x).data));
    }
  });

  it('merge layers compute their definitions', () => {
    const a = nn.input({ shape: [2, 3] });
    const b = nn.input({ shape: [2, 3] });
    const kinds = { add: (p: number, q: number) => p + q, subtract: (p: number, q: number) => p - q,
      multiply: (p: number, q: number) => p * q, average: (p: number, q: number) => (p + q) / 2,
      maximum: Math.max, minimum: Math.min };
    const xa = data(3, 6, 7);
    const xb = data(3, 6, 8);
    for (const [kind, f] of Object.entries(kinds)) {
      const m = nn.model({ inputs: [a, b], outputs: (nn.layers[kind as 'add'])().apply([a, b]) });
      const y = m.predict([nn.tensor(xa.data, [3, 2, 3]), nn.tensor(xb.data, [3, 2, 3])]) as nn.Tensor;
      expect(y.shape).toEqual([3, 2, 3]);
      expect(Array.from(y.data), kind).toEqual(Array.from(xa.data, (v, i) => Math.fround(f(v, xb.data[i]))));
    }
    // concatenate on each axis: TF.js counting (1 and 2 are the sample's axes, -1 the last)
    for (const axis of [1, 2, -1]) {
      const m = nn.model({ inputs: [a, b], outputs: nn.layers.concatenate({ axis }).apply([a, b]) });
      const y = m.predict([nn.tensor(xa.data, [3, 2, 3]), nn.tensor(xb.data, [3, 2, 3])]) as nn.Tensor;
      const ax = axis === 1 ? 0 : 1;
      expect(y.shape).toEqual(ax === 0 ? [3, 4, 3] : [3, 2, 6]);
      for (let s = 0; s < 3; s++) {
        for (let i = 0; i < 2; i++) {
          for (let j = 0; j < 3; j++) {
            const va = xa.data[s * 6 + i * 3 + j];
            const vb = xb.data[s * 6 + i * 3 + j];
            if (ax === 0) {
              expect(y.data[s * 12 + i * 3 + j]).toBe(va);
              expect(y.data[s * 12 + (i + 2) * 3 + j]).toBe(vb);
            } else {
              expect(y.data[s * 12 + i * 6 + j]).toBe(va);
              expect(y.data[s * 12 + i * 6 + 3 + j]).toBe(vb);
            }
          }
        }
      }
    }
  });

  it('a shared layer applied twice: its gradient is the sum of both applications', () => {
    const x = nn.input({ shape: [4] });
    const shared = nn.layers.dense({ units: 4, activation: 'tanh', name: 'shared' });
    const out = nn.layers.dense({ units: 2, name: 'head' }).apply(shared.apply(shared.apply(x)));
    const m = nn.model({ inputs: x, outputs: out, seed: 9 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(m.getWeights().length).toBe(4); // shared kernel and bias once, then the head
    const X = data(6, 4, 9);
    const Y = data(6, 2, 10);
    expect(gradcheck(m, X, Y)).toBeGreaterThan(10);
    // the same as two layers with tied weights, whose gradients are added
    const x2 = nn.input({ shape: [4] });
    const l1 = nn.layers.dense({ units: 4, activation: 'tanh' });
    const l2 = nn.layers.dense({ units: 4, activation: 'tanh' });
    const untied = nn.model({ inputs: x2, outputs: nn.layers.dense({ units: 2 }).apply(l2.apply(l1.apply(x2))) });
    const [k, b, hk, hb] = m.getWeights();
    untied.setWeights([k, b, k, b, hk, hb]);
    untied.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const g1 = m.computeGradients(X, Y);
    const g2 = untied.computeGradients(X, Y);
    expect(g1.loss).toBe(g2.loss);
    for (const [i, j, l] of [[0, 0, 2], [1, 1, 3]]) {
      const want = g2.grads[j].data.map((v, n) => v + g2.grads[l].data[n]);
      for (let n = 0; n < want.length; n++) expect(g1.grads[i].data[n]).toBeCloseTo(want[n], 6);
    }
    expect(Array.from(g1.grads[2].data)).toEqual(Array.from(g2.grads[4].data));
  });

  it('two inputs, two outputs: lists and name maps, per-output losses, weights and logs', async () => {
    const a = nn.input({ shape: [3], name: 'a' });
    const b = nn.input({ shape: [2], name: 'b' });
    const shared = nn.layers.dense({ units: 4, activation: 'relu', name: 'trunk' });
    const joined = nn.layers.concatenate().apply([a, b]);
    const h = shared.apply(joined);
    const cls = nn.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h);
    const reg = nn.layers.dense({ units: 1, name: 'reg' }).apply(nn.layers.add().apply([h, shared.apply(joined)]));
    const m = nn.model({ inputs: [a, b], outputs: [cls, reg], seed: 4 });
    m.compile({ optimizer: 'adam', loss: { cls: 'sparseCategoricalCrossentropy', reg: 'meanSquaredError' },
      lossWeights: { cls: 1, reg: 0.5 }, metrics: ['accuracy'] });
    const n = 24;
    const xa = data(n, 3, 11);
    const xb = data(n, 2, 12);
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const target = data(n, 1, 13);
    const h1 = await m.fit({ a: xa, b: xb }, { cls: labels, reg: target }, { epochs: 2, batchSize: 8, validationSplit: 0.25 });
    expect(Object.keys(h1.history).sort()).toEqual(['cls_accuracy', 'cls_loss', 'loss', 'reg_accuracy', 'reg_loss',
      'val_cls_accuracy', 'val_cls_loss', 'val_loss', 'val_reg_accuracy', 'val_reg_loss']);
    const e = m.evaluate([xa, xb], [labels, target]);
    expect(e.loss).toBeCloseTo(e.cls_loss + 0.5 * e.reg_loss, 5);
    const out = m.predict([xa, xb]) as nn.Tensor[];
    expect(out.map((t) => t.shape)).toEqual([[n, 3], [n, 1]]);
    // a list and a name map give the same training
    const again = m.evaluate({ b: xb, a: xa }, { reg: target, cls: labels });
    expect(again).toEqual(e);
  });

  it('layer.trainable = false freezes a layer at the next compile: bits kept, no optimizer state, summary counts', async () => {
    const x = nn.input({ shape: [5] });
    const base = nn.layers.dense({ units: 6, activation: 'relu', name: 'base' });
    const head = nn.layers.dense({ units: 2, name: 'head' });
    const m = nn.model({ inputs: x, outputs: head.apply(base.apply(x)), seed: 2 });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const X = data(16, 5, 21);
    const Y = data(16, 2, 22);
    await m.fit(X, Y, { epochs: 1, batchSize: 4 });
    base.trainable = false;
    // not before the next compile (as in Keras)
    let before = bitsOf(m.getWeights());
    await m.fit(X, Y, { epochs: 1, batchSize: 4 });
    expect(bitsOf(m.getWeights())[0]).not.toEqual(before[0]);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    expect(m.getOptimizerWeights().map((w) => w.name)).toEqual(['head/kernel/m', 'head/bias/m', 'head/kernel/v', 'head/bias/v']);
    before = bitsOf(m.getWeights());
    await m.fit(X, Y, { epochs: 2, batchSize: 4 });
    const after = bitsOf(m.getWeights());
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after.slice(2)).not.toEqual(before.slice(2));
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    expect(lines).toContain('Trainable params: 14');
    expect(lines).toContain('Non-trainable params: 36');
    expect(lines.some((l) => /^Activation memory for batch 4: \d+ bytes training, \d+ bytes predicting$/.test(l))).toBe(true);
  });

  it('a feature model ends at an inner layer: getLayer, layer.output, model.inputs', () => {
    const x = nn.input({ shape: [3] });
    const hidden = nn.layers.dense({ units: 4, activation: 'relu', name: 'hidden' });
    const m = nn.model({ inputs: x, outputs: nn.layers.dense({ units: 2 }).apply(hidden.apply(x)) });
    expect(m.getLayer('hidden')).toBe(hidden);
    expect(m.getLayer(0).className).toBe('InputLayer');
    expect(m.layers.map((l) => l.className)).toEqual(['InputLayer', 'Dense', 'Dense']);
    expect(m.inputs[0]).toBe(x);
    expect(m.getLayer('hidden').output.shape).toEqual([4]);
    expect(() => m.getLayer('nope')).toThrow(/no layer named "nope"; its layers are: input_\d+, hidden, dense_\d+/);
    expect(() => m.getLayer(7)).toThrow(nn.ValueError);
  });

  it('transfer: a feature model shares the base\'s weights; a new head on a frozen base trains, the base stays to the bit', async () => {
    const base = nn.sequential({ seed: 8, name: 'base', layers: [
      nn.layers.dense({ units: 8, activation: 'relu', inputShape: [6], name: 'hidden1' }),
      nn.layers.dense({ units: 5, activation: 'tanh', name: 'hidden2' }),
      nn.layers.dense({ units: 3, activation: 'softmax', name: 'old_head' })] });
    base.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const X = data(32, 6, 31);
    await base.fit(X, oneHotRows(32, 3, 32), { epochs: 2, batchSize: 8 });
    // the features are exactly the base's activations at hidden2
    const features = nn.model({ inputs: base.inputs, outputs: base.getLayer('hidden2').output, name: 'features' });
    const twin = nn.sequential({ layers: [nn.layers.dense({ units: 8, activation: 'relu', inputShape: [6] }),
      nn.layers.dense({ units: 5, activation: 'tanh' })] });
    twin.setWeights(base.getWeights().slice(0, 4));
    expect(Array.from((features.predict(X) as nn.Tensor).data)).toEqual(Array.from(twin.predict(X).data));
    // a new head on the frozen base
    for (const name of ['hidden1', 'hidden2']) base.getLayer(name).trainable = false;
    const head = nn.layers.dense({ units: 2, activation: 'softmax', name: 'new_head' });
    const tuned = nn.model({ inputs: base.inputs, outputs: head.apply(base.getLayer('hidden2').output), seed: 3, name: 'tuned' });
    tuned.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    const frozen = bitsOf(base.getWeights().slice(0, 4));
    const Y2 = oneHotRows(32, 2, 33);
    const h = await tuned.fit(X, Y2, { epochs: 15, batchSize: 8 });
    expect(h.history.loss[14]).toBeLessThan(h.history.loss[0]);
    expect(bitsOf(tuned.getWeights().slice(0, 4))).toEqual(frozen);
    expect(bitsOf(base.getWeights().slice(0, 4))).toEqual(frozen);
    expect(tuned.getOptimizerWeights().map((w) => w.name)).toEqual(['new_head/kernel/m', 'new_head/bias/m', 'new_head/kernel/v', 'new_head/bias/v']);
    // fine-tuning: unfreeze, compile again, train; the base sees the tuned weights (one set)
    for (const name of ['hidden1', 'hidden2']) base.getLayer(name).trainable = true;
    tuned.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
    await tuned.fit(X, Y2, { epochs: 1, batchSize: 8 });
    const now = bitsOf(tuned.getWeights().slice(0, 4));
    expect(now).not.toEqual(frozen);
    expect(bitsOf(base.getWeights().slice(0, 4))).toEqual(now);
  });

  it('a model applied as a layer of another shares its weights: a siamese pair trains one encoder', async () => {
    const x = nn.input({ shape: [4] });
    const encoder = nn.model({ inputs: x, outputs: nn.layers.dense({ units: 3, activation: 'tanh', name: 'enc' }).apply(x), seed: 6, name: 'encoder' });
    const a = nn.input({ shape: [4], name: 'a' });
    const b = nn.input({ shape: [4], name: 'b' });
    const ea = encoder.apply(a) as nn.SymbolicTensor;
    const eb = encoder.apply(b) as nn.SymbolicTensor;
    const out = nn.layers.dense({ units: 1, name: 'score' }).apply(nn.layers.subtract().apply([ea, eb]));
    const pair = nn.model({ inputs: [a, b], outputs: out, seed: 7 });
    expect(pair.layers.map((l) => l.className)).toEqual(['InputLayer', 'InputLayer', 'Dense', 'Subtract', 'Dense']);
    expect(pair.getLayer('enc')).toBe(encoder.getLayer('enc'));
    expect(pair.getWeights().length).toBe(4);
    const X = data(8, 4, 41);
    const before = Array.from((encoder.predict(X) as nn.Tensor).data);
    pair.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(gradcheck(pair, [X, data(8, 4, 42)], data(8, 1, 43))).toBeGreaterThan(10);
    await pair.fit([X, data(8, 4, 42)], data(8, 1, 43), { epochs: 2, batchSize: 4 });
    const after = Array.from((encoder.predict(X) as nn.Tensor).data);
    expect(after).not.toEqual(before);
    expect(bitsOf(encoder.getWeights())).toEqual(bitsOf(pair.getWeights().slice(0, 2)));
    expect(() => encoder.apply(nn.input({ shape: [5] }))).toThrow(/input 0 \('input_\d+'\) has shape \[4\], but apply was given \[5\]/);
  });

  it('computeGradients leaves batch-normalization statistics as they were; a one-input model takes [x]', () => {
    const m = nn.sequential({ seed: 4, layers: [nn.layers.dense({ units: 3, inputShape: [2] }), nn.layers.batchNormalization()] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = data(8, 2, 51);
    const before = bitsOf(m.getWeights());
    m.computeGradients(x, data(8, 3, 52));
    expect(bitsOf(m.getWeights())).toEqual(before);
    expect(Array.from((m.predict([x] as never) as nn.Tensor).data)).toEqual(Array.from(m.predict(x).data));
  });

  it('graph steps allocate nothing in the arena and never grow memory', async () => {
    const x = nn.input({ shape: [8] });
    const h = nn.layers.dense({ units: 8, activation: 'relu' }).apply(x);
    const r = nn.layers.add().apply([x, h]);
    const out = nn.layers.dense({ units: 2, activation: 'softmax' }).apply(nn.layers.concatenate().apply([r, h]));
    const m = nn.model({ inputs: x, outputs: out, seed: 1 });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const infos: ReturnType<typeof m.arenaInfo>[] = [];
    const mems: ReturnType<typeof nn.memory>[] = [];
    await m.fit(data(64, 8, 1), oneHotRows(64, 2, 2), { epochs: 2, batchSize: 16, callbacks: { onBatchEnd: () => {
      infos.push(m.arenaInfo());
      mems.push(nn.memory());
    } } });
    expect(infos.length).toBe(8);
    for (const info of infos) expect(info).toEqual(infos[0]);
    for (const mem of mems) expect(mem).toEqual(mems[0]);
  });
});

describe('graph construction errors name the problem', () => {
  it('apply, model, merges and shared layers', () => {
    const x = nn.input({ shape: [4], name: 'x_in' });
    const d = nn.layers.dense({ units: 3 });
    expect(() => d.apply([[1, 2, 3, 4]] as never)).toThrow(/apply takes symbolic tensors from nn.input\(\)/);
    d.apply(x);
    expect(() => d.apply(nn.input({ shape: [5] }))).toThrow(/was built for input shape \[4\] and cannot be applied to \[5\]/);
    expect(() => nn.layers.add().apply([x, nn.input({ shape: [3] })])).toThrow(/needs inputs of one shape, got \[4\], \[3\]/);
    expect(() => nn.layers.add().apply([x])).toThrow(/takes a list of at least 2 inputs, got 1/);
    expect(() => nn.layers.subtract().apply([x, x, x])).toThrow(/takes exactly 2 inputs, got 3/);
    expect(() => nn.layers.dense({ units: 2 }).apply([x, x])).toThrow(/takes one input, but was applied to 2/);
    expect(() => nn.layers.concatenate({ axis: 0 })).toThrow(/axis 0 is the batch axis/);
    const other = nn.input({ shape: [4], name: 'other' });
    const y = nn.layers.add().apply([x, other]);
    expect(() => nn.model({ inputs: x, outputs: y })).toThrow(/disconnected: .* depends on input 'other'/);
    expect(() => nn.model({ inputs: [x, other], outputs: [] })).toThrow(/outputs must name at least one/);
    expect(() => nn.model({ inputs: y, outputs: y })).toThrow(/must come from nn.input\(\)/);
    expect(() => nn.input({ shape: [0] })).toThrow(nn.ShapeError);
    expect(() => nn.input({ shape: [2], dtype: 'int32' as never })).toThrow(/dtype must be 'float32'/);
  });

  it('data for several inputs must be a list or a name map', async () => {
    const a = nn.input({ shape: [2], name: 'left' });
    const b = nn.input({ shape: [2], name: 'right' });
    const m = nn.model({ inputs: [a, b], outputs: nn.layers.add().apply([a, b]) });
    expect(() => m.predict([[1, 2]])).toThrow(/has 2 inputs \('left', 'right'\).*got a list of 1/);
    expect(() => m.predict({ left: [[1, 2]] })).toThrow(/'right' is missing/);
    expect(() => m.predict({ left: [[1, 2]], right: [[1, 2]], up: [[1, 2]] })).toThrow(/"up" is not one of them/);
    expect(() => m.predict([[[1, 2]], [[1, 2], [3, 4]]])).toThrow(/x\['left'\] has 1 samples but x\['right'\] has 2/);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const out = m.outputs[0].sourceLayer.name;
    expect(() => m.compile({ optimizer: 'sgd', loss: { [out]: 'meanSquaredError', extra: 'meanSquaredError' } })).toThrow(/names output "extra", but the outputs are: add_\d+/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', lossWeights: [1, 2] })).toThrow(/lossWeights has 2 entries but the model has 1 outputs/);
  });
});
