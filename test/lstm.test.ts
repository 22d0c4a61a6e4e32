// LSTM: the fused step kernels against float64 references (units across the f32x4 width, strided rows, zero and
// given previous states, several activation pairs) and wasm = js bit for bit; the layer against TF.js 4.22 from the
// same weights (forward with returnSequences and goBackwards, gradients, three Adam steps); central differences
// through it (weights and input); files both ways; 1 and 2 threads give the same bits; the refused options.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as nn from '../src/index';
import { ThreadPool, tuning } from '../src/backend/threads';
import { act64, BACKENDS, bitDiff, centralDifferences, Mem, rand } from './helpers';

tf.env().set('PROD', true);
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Derivative of act64 (helpers.ts) from its output y, in float64. */
function dact64(y: number, act: number): number {
  switch (act) {
    case 1: return y > 0 ? 1 : 0;
    case 3: return y > 0 ? 1 : y + 1;
    case 4: return y * (1 - y);
    case 5: return 1 - y * y;
    case 6: return y > 0 && y < 6 ? 1 : 0;
    case 7: return y > 0 && y < 1 ? 0.2 : 0;
    default: return 1;
  }
}

/** max |a − b| over max |b|: the error relative to the tensor's scale. */
function scaledErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return Number.isNaN(d) ? Infinity : d / Math.max(s, 1e-30);
}

interface StepCase { rows: number; units: number; act: number; rec: number; prev: boolean }
const STEP_CASES: StepCase[] = [];
for (const units of [1, 3, 4, 5, 8, 9, 17]) STEP_CASES.push({ rows: 3, units, act: 5, rec: 7, prev: units % 2 === 1 });
STEP_CASES.push({ rows: 2, units: 6, act: 5, rec: 4, prev: true }, { rows: 2, units: 7, act: 1, rec: 4, prev: true },
  { rows: 1, units: 5, act: 3, rec: 7, prev: false }, { rows: 2, units: 4, act: 0, rec: 6, prev: true });

describe('f32_lstm_step and f32_lstm_step_grad', () => {
  for (const c of STEP_CASES) {
    it(`rows ${c.rows}, units ${c.units}, act ${c.act}, recurrent act ${c.rec}, ${c.prev ? 'given' : 'zero'} previous state: float64, wasm = js bits`, () => {
      const { rows, units: u } = c;
      const zStride = 4 * u + 3, cStride = u + 2, hStride = u + 1;
      const r = rand(u * 7 + c.act);
      // pre-activations over ±3 (past the hardSigmoid clip), some exactly at 0
      const z0 = r(rows * zStride, -3, 3), cp = r(rows * cStride, -1.5, 1.5), dh = r(rows * u, -1, 1), dc0 = r(rows * u, -1, 1);
      const outs: Float32Array[][] = [];
      for (const backend of BACKENDS) {
        const m = new Mem(backend);
        try {
          const pz = m.f32(z0), pp = c.prev ? m.f32(cp) : 0, pc = m.f32(rows * cStride), ph = m.f32(rows * hStride);
          m.k.f32_lstm_step(pz, pp, pc, ph, rows, u, zStride, cStride, hStride, c.act, c.rec);
          const gates = m.read(pz, rows * zStride), cs = m.read(pc, rows * cStride), hs = m.read(ph, rows * hStride);
          const pdh = m.f32(dh), pdc = m.f32(dc0);
          m.k.f32_lstm_step_grad(pz, pp, pc, pdh, pdc, rows, u, zStride, cStride, c.act, c.rec);
          outs.push([gates, cs, hs, m.read(pz, rows * zStride), m.read(pdc, rows * u)]);
        } finally {
          m.free();
        }
      }
      expect(outs[0].map((a, i) => bitDiff(a, outs[1][i]))).toEqual([0, 0, 0, 0, 0]);
      const [gates, cs, hs, dz, dc] = outs[0];
      let worst = 0;
      const near = (got: number, want: number) => { worst = Math.max(worst, Math.abs(got - want) / Math.max(1, Math.abs(want))); };
      for (let b = 0; b < rows; b++) {
        for (let j = 0; j < u; j++) {
          const zi = z0[b * zStride + j], zf = z0[b * zStride + u + j], zg = z0[b * zStride + 2 * u + j], zo = z0[b * zStride + 3 * u + j];
          const i = act64(zi, c.rec, 1), f = act64(zf, c.rec, 1), g = act64(zg, c.act, 1), o = act64(zo, c.rec, 1);
          const p = c.prev ? cp[b * cStride + j] : 0;
          const cn = f * p + i * g, a = act64(cn, c.act, 1), h = o * a;
          near(gates[b * zStride + j], i); near(gates[b * zStride + u + j], f);
          near(gates[b * zStride + 2 * u + j], g); near(gates[b * zStride + 3 * u + j], o);
          near(cs[b * cStride + j], cn);
          near(hs[b * hStride + j], h);
          const d = dh[b * u + j];
          const dcs = dc0[b * u + j] + dact64(a, c.act) * d * o;
          near(dz[b * zStride + j], dact64(i, c.rec) * dcs * g);
          near(dz[b * zStride + u + j], dact64(f, c.rec) * dcs * p);
          near(dz[b * zStride + 2 * u + j], dact64(g, c.act) * dcs * i);
          near(dz[b * zStride + 3 * u + j], dact64(o, c.rec) * d * a);
          near(dc[b * u + j], dcs * f);
        }
        // the padding between rows is untouched
        for (let j = 4 * u; j < zStride; j++) expect(dz[b * zStride + j]).toBe(z0[b * zStride + j]);
        for (let j = u; j < hStride; j++) expect(hs[b * hStride + j]).toBe(0);
      }
      expect(worst).toBeLessThan(2e-6);
    });
  }
});

// ---- the layer against TF.js ----

const T = 6, D = 3, U = 5, N = 4;
interface LayerCase { name: string; opts: Record<string, unknown> }
const CASES: LayerCase[] = [
  { name: 'last state (defaults: tanh, hardSigmoid)', opts: {} },
  { name: 'returnSequences', opts: { returnSequences: true } },
  { name: 'goBackwards, returnSequences', opts: { goBackwards: true, returnSequences: true } },
  { name: 'goBackwards, sigmoid gates, no bias', opts: { goBackwards: true, recurrentActivation: 'sigmoid', useBias: false } },
];

/** Random weights for an LSTM layer and the dense after it, shared by both libraries. */
function weightsFor(useBias: boolean, seq: boolean): { data: Float32Array; shape: number[] }[] {
  const r = rand(17);
  const w = [{ data: r(D * 4 * U, -0.6, 0.6), shape: [D, 4 * U] }, { data: r(U * 4 * U, -0.6, 0.6), shape: [U, 4 * U] }];
  if (useBias) w.push({ data: r(4 * U, -0.5, 0.5), shape: [4 * U] });
  const f = seq ? T * U : U;
  w.push({ data: r(f * 2, -0.5, 0.5), shape: [f, 2] }, { data: r(2, -0.1, 0.1), shape: [2] });
  return w;
}
const X = rand(3)(N * T * D, -1.5, 1.5);
const Y = rand(4)(N * 2, -1, 1);

function tfModel(opts: Record<string, unknown>): tf.Sequential {
  const seq = opts.returnSequences === true;
  const m = tf.sequential({ layers: [
    tf.layers.lstm({ units: U, inputShape: [T, D], ...opts }),
    ...(seq ? [tf.layers.flatten()] : []),
    tf.layers.dense({ units: 2 }),
  ] });
  m.setWeights(weightsFor(opts.useBias !== false, seq).map((w) => tf.tensor(w.data, w.shape)));
  return m;
}
function nnModel(opts: Record<string, unknown>): nn.Sequential {
  const seq = opts.returnSequences === true;
  const m = nn.sequential({ seed: 2, layers: [
    nn.layers.lstm({ units: U, inputShape: [T, D], ...opts } as nn.LSTMConfig),
    ...(seq ? [nn.layers.flatten()] : []),
    nn.layers.dense({ units: 2 }),
  ] });
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
  m.setWeights(weightsFor(opts.useBias !== false, seq).map((w) => nn.tensor(w.data, w.shape)));
  return m;
}

const bits: Record<string, Float32Array[][]> = {};

describe.each(BACKENDS)('lstm layer against TF.js 4.22 (%s)', (backend) => {
  for (const c of CASES) {
    it(`${c.name}: predictions, gradients and three Adam steps`, async () => {
      await nn.setBackend(backend);
      const tm = tfModel(c.opts), m = nnModel(c.opts);
      // the layer's output itself, before the dense layer
      const lstmOut = (model: tf.LayersModel) => tf.model({ inputs: model.inputs, outputs: model.layers[0].output as tf.SymbolicTensor });
      const tout = (lstmOut(tm).predict(tf.tensor(X, [N, T, D])) as tf.Tensor).dataSync() as Float32Array;
      const sub = nn.model({ inputs: m.inputs, outputs: m.layers[0].output });
      const out = (sub.predict(nn.tensor(X, [N, T, D])) as nn.Tensor).data;
      expect(out.length).toBe(tout.length);
      expect(scaledErr(out, tout), 'LSTM output').toBeLessThan(1e-5);
      const pred = m.predict(nn.tensor(X, [N, T, D])).data;
      expect(scaledErr(pred, (tm.predict(tf.tensor(X, [N, T, D])) as tf.Tensor).dataSync())).toBeLessThan(1e-5);

      const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(tf.tensor(Y, [N, 2]),
        tm.apply(tf.tensor(X, [N, T, D])) as tf.Tensor) as tf.Scalar);
      const tgrads = tm.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name].dataSync() as Float32Array);
      const g = m.computeGradients(nn.tensor(X, [N, T, D]), nn.tensor(Y, [N, 2]));
      expect(Math.abs(g.loss - value.dataSync()[0]) / value.dataSync()[0]).toBeLessThan(1e-5);
      expect(g.grads.length).toBe(tgrads.length);
      g.grads.forEach((gr, i) => expect(scaledErr(gr.data, tgrads[i]), `gradient of weight ${i}`).toBeLessThan(1e-5));

      tm.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      await tm.fit(tf.tensor(X, [N, T, D]), tf.tensor(Y, [N, 2]), { epochs: 3, batchSize: N, shuffle: false, verbose: 0 });
      await m.fit(nn.tensor(X, [N, T, D]), nn.tensor(Y, [N, 2]), { epochs: 3, batchSize: N, shuffle: false, verbose: 0 });
      const tw = tm.getWeights().map((w) => w.dataSync() as Float32Array);
      const start = weightsFor(c.opts.useBias !== false, c.opts.returnSequences === true);
      m.getWeights().forEach((w, i) => {
        // within 1e-5 of how far the weights moved in three steps, and moved at all
        const moved = scaledErr(tw[i], start[i].data) * Math.max(...Array.from(start[i].data, Math.abs));
        expect(moved).toBeGreaterThan(1e-3);
        let d = 0;
        for (let j = 0; j < w.data.length; j++) d = Math.max(d, Math.abs(w.data[j] - tw[i][j]));
        expect(d / moved, `weight ${i} after 3 Adam steps`).toBeLessThan(1e-4);
      });
      (bits[c.name] ??= []).push([out, ...g.grads.map((x) => x.data), ...m.getWeights().map((w) => w.data)]);
      tm.dispose();
    });
  }

  it('central differences through the layer: every weight and the input (via a dense layer below)', async () => {
    await nn.setBackend(backend);
    for (const opts of [{ returnSequences: true, goBackwards: true }, { recurrentActivation: 'sigmoid' }]) {
      const m = nn.sequential({ seed: 9, layers: [
        nn.layers.dense({ units: T * D, activation: 'tanh', inputShape: [4] }),
        nn.layers.reshape({ targetShape: [T, D] }),
        nn.layers.lstm({ units: U, biasInitializer: 'ones', ...opts } as nn.LSTMConfig),
        nn.layers.flatten(),
        nn.layers.dense({ units: 2 }),
      ] });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const r = rand(12);
      const x = nn.tensor(r(3 * 4, -1, 1), [3, 4]), y = nn.tensor(r(3 * 2, -1, 1), [3, 2]);
      const { grads } = m.computeGradients(x, y);
      // errors relative to the entry, floored at 1% of the largest gradient (float32 losses: the difference of two
      // losses near 0.5 carries about 3e-6 of rounding at this step)
      const scale = Math.max(...grads.map((t) => Math.max(...Array.from(t.data, Math.abs))));
      let worst = 0, kinks = 0;
      const checked = centralDifferences(m, grads, () => m.computeGradients(x, y).loss, 12, 1e-2, (_t, _i, numeric, analytic) => {
        const e = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric), Math.abs(analytic), 1e-2 * scale);
        // hardSigmoid's corners: a step can cross one (counted, at most a few)
        if (e > 2e-2) { kinks++; return false; }
        worst = Math.max(worst, e);
      });
      expect(checked).toBeGreaterThan(50);
      expect(kinks).toBeLessThanOrEqual(2);
      expect(worst, JSON.stringify(opts)).toBeLessThan(2e-2);
    }
  });
});

describe('lstm: wasm and js', () => {
  it('give the same bits: outputs, gradients and weights after three Adam steps', () => {
    for (const c of CASES) {
      const [a, b] = bits[c.name];
      expect(a.length).toBe(b.length);
      a.forEach((v, i) => expect(bitDiff(v, b[i]), `${c.name}: array ${i}`).toBe(0));
    }
  });
});

describe('lstm files', () => {
  it('TF.js → neurite and neurite → TF.js predict the same', async () => {
    const opts = { returnSequences: true, goBackwards: true, unitForgetBias: true, implementation: 2 };
    const tm = tfModel(opts);
    let saved: tf.io.ModelArtifacts | undefined;
    await tm.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await nn.loadModel(nn.io.fromMemory(saved as never));
    const want = (tm.predict(tf.tensor(X, [N, T, D])) as tf.Tensor).dataSync();
    expect(scaledErr((loaded.predict(nn.tensor(X, [N, T, D])) as nn.Tensor).data, want)).toBeLessThan(1e-5);
    const l = loaded.layers[0] as nn.LSTM;
    expect([l.returnSequences, l.goBackwards, l.unitForgetBias, l.recurrentAct.name, l.kernelInitializer, l.recurrentInitializer])
      .toEqual([true, true, true, 'hardSigmoid', 'glorotNormal', 'orthogonal']);

    const m = nnModel({ recurrentActivation: 'sigmoid', activation: 'relu' });
    await m.fit(nn.tensor(X, [N, T, D]), nn.tensor(Y, [N, 2]), { epochs: 2, verbose: 0 });
    let mine: nn.ModelArtifacts | undefined;
    await m.save(nn.io.withSaveHandler((a) => { mine = a; }));
    expect(JSON.stringify(mine!.modelTopology)).toContain('"recurrent_activation":"sigmoid"');
    const back = await tf.loadLayersModel(tf.io.fromMemory(mine as never));
    const ours = m.predict(nn.tensor(X, [N, T, D])).data;
    expect(scaledErr((back.predict(tf.tensor(X, [N, T, D])) as tf.Tensor).dataSync(), ours)).toBeLessThan(1e-5);
    expect(back.weights.map((w) => w.name.split('/').pop())).toEqual(['kernel', 'recurrent_kernel', 'bias', 'kernel', 'bias']);
    const again = await nn.loadModel(nn.io.fromMemory(mine!));
    expect(bitDiff((again.predict(nn.tensor(X, [N, T, D])) as nn.Tensor).data, ours)).toBe(0);
    tm.dispose();
    back.dispose();
  });

  it('initializes as TF.js: orthogonal recurrent kernel, glorotNormal kernel, forget bias ones with unitForgetBias', () => {
    const m = nn.sequential({ seed: 4, layers: [nn.layers.lstm({ units: 6, unitForgetBias: true, biasInitializer: 'zeros', inputShape: [3, 2] })] });
    const [, R, bias] = m.getWeights();
    expect(Array.from(bias.data)).toEqual([...Array(6).fill(0), ...Array(6).fill(1), ...Array(12).fill(0)]);
    // R [6, 24] has orthonormal rows
    let worst = 0;
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 6; b++) {
        let d = 0;
        for (let j = 0; j < 24; j++) d += R.data[a * 24 + j] * R.data[b * 24 + j];
        worst = Math.max(worst, Math.abs(d - (a === b ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
    expect((m.layers[0] as nn.LSTM).getConfig()).toMatchObject({ units: 6, activation: 'tanh', recurrentActivation: 'hardSigmoid',
      kernelInitializer: 'glorotNormal', recurrentInitializer: 'orthogonal', unitForgetBias: true, returnSequences: false, returnState: false });
  });
});

describe('lstm with threads', () => {
  afterAll(async () => {
    nn.shutdown();
    tuning.adaptive = true;
    await nn.setBackend('wasm');
  });
  it('trains to the same bits with 2 threads as with 1 (the gemms split across workers)', async () => {
    tuning.adaptive = false;
    const r = rand(30);
    const n = 64, steps = 8, d = 48, u = 48;
    const x = nn.tensor(r(n * steps * d, -1, 1), [n, steps, d]), y = nn.tensor(r(n * 3, -1, 1), [n, 3]);
    await nn.setBackend('wasm');
    const run = async (threads: number) => {
      await nn.ready({ threads });
      const post = vi.spyOn(ThreadPool.prototype, 'post');
      const m = nn.sequential({ seed: 5, layers: [nn.layers.lstm({ units: u, returnSequences: true, inputShape: [steps, d] }),
        nn.layers.lstm({ units: u, goBackwards: true }), nn.layers.dense({ units: 3 })] });
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const h = await m.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
      const posts = post.mock.calls.length;
      post.mockRestore();
      return { w: m.getWeights().map((t) => t.data), loss: h.history.loss, posts };
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.posts).toBe(0);
    expect(two.posts).toBeGreaterThan(0);
    expect(two.loss).toEqual(one.loss);
    one.w.forEach((w, i) => expect(bitDiff(w, two.w[i]), `weight ${i}`).toBe(0));
  });
});

describe('lstm options', () => {
  it('refuses what it does not support, naming the option', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => nn.layers.lstm({ units: 4, returnState: true }), /returnState is not supported yet/],
      [() => nn.layers.lstm({ units: 4, dropout: 0.2 }), /dropout 0.2 is not supported yet/],
      [() => nn.layers.lstm({ units: 4, recurrentDropout: 0.1 }), /recurrentDropout 0.1 is not supported yet/],
      [() => nn.layers.lstm({ units: 4, stateful: true }), /stateful is not supported/],
      [() => nn.layers.lstm({ units: 4, activation: 'softmax' as never }), /activation 'softmax' is not supported in a recurrent layer/],
      [() => nn.layers.lstm({ units: 4, recurrentActivation: 'swish' as never }), /unknown activation "swish"/],
      [() => nn.layers.lstm({ units: 0 }), /units must be a positive integer, got 0/],
      [() => nn.layers.lstm({ units: 4, kernelConstraint: 'maxNorm' as never }), /kernelConstraint is not supported/],
      [() => nn.layers.lstm({ units: 4, implementation: 3 }), /implementation must be 1 or 2/],
      [() => nn.layers.lstm({ units: 4, returnSequence: true } as never), /unknown option "returnSequence"; did you mean "returnSequences"/],
      [() => nn.sequential({ layers: [nn.layers.lstm({ units: 4, inputShape: [5] })] }).outputShape,
        /expects sequences \[steps, features\], got input shape \[5\]/],
    ];
    for (const [f, msg] of cases) expect(f).toThrow(msg);
  });

  it('hardSigmoid is an activation of its own: TF.js\'s values in dense layers and f32_activation', () => {
    const m = nn.sequential({ layers: [nn.layers.activation({ activation: 'hardSigmoid', inputShape: [7] })] });
    const x = [-3, -2.5, -1, 0, 0.4, 2.5, 9];
    const want = tf.tidy(() => tf.clipByValue(tf.add(0.5, tf.mul(0.2, tf.tensor(x))), 0, 1).dataSync());
    expect(bitDiff(m.predict(nn.tensor([x])).data, Float32Array.from(want))).toBe(0);
  });
});
