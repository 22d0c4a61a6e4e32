// SimpleRNN: its gradient kernel against float64 and wasm = js bit for bit; the layer against TF.js 4.22 from the
// same weights (forward with returnSequences and goBackwards, gradients, three Adam steps); central differences
// through it (weights and input); files both ways; the refused options.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { act64, BACKENDS, bitDiff, centralDifferences, Mem, rand } from './helpers';

tf.env().set('PROD', true);
beforeAll(async () => {
  await tf.setBackend('cpu');
});

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

describe('f32_rnn_step_grad', () => {
  for (const [units, act] of [[1, 5], [3, 5], [4, 1], [5, 4], [8, 7], [9, 3], [17, 5]]) {
    it(`units ${units}, act ${act}: dh·act'(h) from the output, float64, wasm = js bits`, () => {
      const rows = 3, hStride = units + 2;
      const r = rand(units + act);
      const h0 = Float32Array.from(r(rows * hStride, -2, 2), (x) => Math.fround(act64(x, act, 1)));
      const dh = r(rows * units, -1, 1);
      const outs: Float32Array[] = [];
      for (const backend of BACKENDS) {
        const m = new Mem(backend);
        try {
          const ph = m.f32(h0), pd = m.f32(dh);
          m.k.f32_rnn_step_grad(ph, pd, rows, units, hStride, act);
          outs.push(m.read(ph, rows * hStride));
        } finally {
          m.free();
        }
      }
      expect(bitDiff(outs[0], outs[1])).toBe(0);
      for (let b = 0; b < rows; b++) {
        for (let j = 0; j < units; j++) {
          const y = h0[b * hStride + j], d = dh[b * units + j];
          const dy = act === 5 ? 1 - y * y : act === 4 ? y * (1 - y) : act === 1 ? (y > 0 ? 1 : 0) : act === 7 ? (y > 0 && y < 1 ? 0.2 : 0) : y > 0 ? 1 : y + 1;
          expect(Math.abs(outs[0][b * hStride + j] - d * dy)).toBeLessThan(1e-6);
        }
        for (let j = units; j < hStride; j++) expect(outs[0][b * hStride + j]).toBe(h0[b * hStride + j]);
      }
    });
  }
});

const T = 7, D = 3, U = 6, N = 4;
const CASES: { name: string; opts: Record<string, unknown> }[] = [
  { name: 'last state (tanh)', opts: {} },
  { name: 'returnSequences, relu', opts: { returnSequences: true, activation: 'relu' } },
  { name: 'goBackwards, returnSequences', opts: { goBackwards: true, returnSequences: true } },
  { name: 'goBackwards, sigmoid, no bias', opts: { goBackwards: true, activation: 'sigmoid', useBias: false } },
];
function weightsFor(useBias: boolean, seq: boolean) {
  const r = rand(19);
  const w = [{ data: r(D * U, -0.7, 0.7), shape: [D, U] }, { data: r(U * U, -0.5, 0.5), shape: [U, U] }];
  if (useBias) w.push({ data: r(U, -0.4, 0.4), shape: [U] });
  const f = seq ? T * U : U;
  w.push({ data: r(f * 2, -0.5, 0.5), shape: [f, 2] }, { data: r(2, -0.1, 0.1), shape: [2] });
  return w;
}
const X = rand(5)(N * T * D, -1.5, 1.5);
const Y = rand(6)(N * 2, -1, 1);
function tfModel(opts: Record<string, unknown>): tf.Sequential {
  const seq = opts.returnSequences === true;
  const m = tf.sequential({ layers: [tf.layers.simpleRNN({ units: U, inputShape: [T, D], ...opts }), ...(seq ? [tf.layers.flatten()] : []),
    tf.layers.dense({ units: 2 })] });
  m.setWeights(weightsFor(opts.useBias !== false, seq).map((w) => tf.tensor(w.data, w.shape)));
  return m;
}
function nnModel(opts: Record<string, unknown>): nn.Sequential {
  const seq = opts.returnSequences === true;
  const m = nn.sequential({ seed: 2, layers: [nn.layers.simpleRNN({ units: U, inputShape: [T, D], ...opts } as nn.SimpleRNNConfig),
    ...(seq ? [nn.layers.flatten()] : []), nn.layers.dense({ units: 2 })] });
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
  m.setWeights(weightsFor(opts.useBias !== false, seq).map((w) => nn.tensor(w.data, w.shape)));
  return m;
}
const bits: Record<string, Float32Array[][]> = {};

describe.each(BACKENDS)('simpleRNN layer against TF.js 4.22 (%s)', (backend) => {
  for (const c of CASES) {
    it(`${c.name}: predictions, gradients and three Adam steps`, async () => {
      await nn.setBackend(backend);
      const tm = tfModel(c.opts), m = nnModel(c.opts);
      const tsub = tf.model({ inputs: tm.inputs, outputs: tm.layers[0].output as tf.SymbolicTensor });
      const tout = (tsub.predict(tf.tensor(X, [N, T, D])) as tf.Tensor).dataSync();
      const out = (nn.model({ inputs: m.inputs, outputs: m.layers[0].output }).predict(nn.tensor(X, [N, T, D])) as nn.Tensor).data;
      expect(scaledErr(out, tout), 'simpleRNN output').toBeLessThan(1e-5);
      const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(tf.tensor(Y, [N, 2]),
        tm.apply(tf.tensor(X, [N, T, D])) as tf.Tensor) as tf.Scalar);
      const tgrads = tm.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name].dataSync());
      const g = m.computeGradients(nn.tensor(X, [N, T, D]), nn.tensor(Y, [N, 2]));
      expect(Math.abs(g.loss - value.dataSync()[0]) / value.dataSync()[0]).toBeLessThan(1e-5);
      g.grads.forEach((gr, i) => expect(scaledErr(gr.data, tgrads[i]), `gradient of weight ${i}`).toBeLessThan(1e-5));
      tm.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      await tm.fit(tf.tensor(X, [N, T, D]), tf.tensor(Y, [N, 2]), { epochs: 3, batchSize: N, shuffle: false, verbose: 0 });
      await m.fit(nn.tensor(X, [N, T, D]), nn.tensor(Y, [N, 2]), { epochs: 3, batchSize: N, shuffle: false, verbose: 0 });
      const tw = tm.getWeights().map((w) => w.dataSync());
      const start = weightsFor(c.opts.useBias !== false, c.opts.returnSequences === true);
      m.getWeights().forEach((w, i) => {
        let moved = 0, d = 0;
        for (let j = 0; j < w.data.length; j++) {
          moved = Math.max(moved, Math.abs(tw[i][j] - start[i].data[j]));
          d = Math.max(d, Math.abs(w.data[j] - tw[i][j]));
        }
        expect(moved).toBeGreaterThan(1e-3);
        expect(d / moved, `weight ${i} after 3 Adam steps`).toBeLessThan(1e-4);
      });
      (bits[c.name] ??= []).push([out, ...g.grads.map((x) => x.data), ...m.getWeights().map((w) => w.data)]);
      tm.dispose();
    });
  }

  it('central differences through the layer: every weight and the input (via a dense layer below)', async () => {
    await nn.setBackend(backend);
    for (const opts of [{ returnSequences: true, goBackwards: true }, { activation: 'sigmoid' }]) {
      const m = nn.sequential({ seed: 9, layers: [
        nn.layers.dense({ units: T * D, activation: 'tanh', inputShape: [4] }),
        nn.layers.reshape({ targetShape: [T, D] }),
        nn.layers.simpleRNN({ units: U, biasInitializer: 'ones', ...opts } as nn.SimpleRNNConfig),
        nn.layers.flatten(),
        nn.layers.dense({ units: 2 }),
      ] });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const r = rand(13);
      const x = nn.tensor(r(3 * 4, -1, 1), [3, 4]), y = nn.tensor(r(3 * 2, -1, 1), [3, 2]);
      const { grads } = m.computeGradients(x, y);
      const scale = Math.max(...grads.map((t) => Math.max(...Array.from(t.data, Math.abs))));
      let worst = 0;
      const checked = centralDifferences(m, grads, () => m.computeGradients(x, y).loss, 12, 1e-2, (_t, _i, numeric, analytic) => {
        worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(Math.abs(numeric), Math.abs(analytic), 1e-2 * scale));
      });
      expect(checked).toBeGreaterThan(50);
      expect(worst, JSON.stringify(opts)).toBeLessThan(2e-2);
    }
  });
});

describe('simpleRNN: wasm and js, files, options', () => {
  it('wasm and js give the same bits: outputs, gradients and weights after three Adam steps', () => {
    for (const c of CASES) {
      const [a, b] = bits[c.name];
      a.forEach((v, i) => expect(bitDiff(v, b[i]), `${c.name}: array ${i}`).toBe(0));
    }
  });

  it('TF.js → neurite and neurite → TF.js predict the same', async () => {
    const tm = tfModel({ returnSequences: true, goBackwards: true, activation: 'relu' });
    let saved: tf.io.ModelArtifacts | undefined;
    await tm.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await nn.loadModel(nn.io.fromMemory(saved as never));
    expect(scaledErr((loaded.predict(nn.tensor(X, [N, T, D])) as nn.Tensor).data, (tm.predict(tf.tensor(X, [N, T, D])) as tf.Tensor).dataSync()))
      .toBeLessThan(1e-5);
    expect(loaded.layers[0]).toBeInstanceOf(nn.SimpleRNN);
    const m = nnModel({ activation: 'sigmoid' });
    await m.fit(nn.tensor(X, [N, T, D]), nn.tensor(Y, [N, 2]), { epochs: 2, verbose: 0 });
    let mine: nn.ModelArtifacts | undefined;
    await m.save(nn.io.withSaveHandler((a) => { mine = a; }));
    expect(JSON.stringify(mine!.modelTopology)).toContain('"class_name":"SimpleRNN"');
    const back = await tf.loadLayersModel(tf.io.fromMemory(mine as never));
    const ours = m.predict(nn.tensor(X, [N, T, D])).data;
    expect(scaledErr((back.predict(tf.tensor(X, [N, T, D])) as tf.Tensor).dataSync(), ours)).toBeLessThan(1e-5);
    tm.dispose();
    back.dispose();
  });

  it('refuses what it does not support, naming the option', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => nn.layers.simpleRNN({ units: 4, returnState: true }), /returnState is not supported yet/],
      [() => nn.layers.simpleRNN({ units: 4, dropout: 0.5 }), /dropout 0.5 is not supported yet/],
      [() => nn.layers.simpleRNN({ units: 4, recurrentActivation: 'sigmoid' } as never), /unknown option "recurrentActivation"/],
      [() => nn.layers.simpleRNN({ units: -1 }), /units must be a positive integer/],
      [() => nn.sequential({ layers: [nn.layers.simpleRNN({ units: 4, inputShape: [5, 2, 1] })] }).outputShape, /expects sequences/],
    ];
    for (const [f, msg] of cases) expect(f).toThrow(msg);
    expect(nn.layers.simpleRNN({ units: 3 }).getConfig()).toMatchObject({ units: 3, activation: 'tanh', kernelInitializer: 'glorotNormal',
      recurrentInitializer: 'orthogonal', biasInitializer: 'zeros', returnSequences: false });
  });
});
