// Every optimizer against TF.js's tf.train.* on the same gradients: the update kernels follow TF.js's formulas op by
// op, so on TF.js's cpu backend the weights and the optimizer state agree bit for bit; and a small ReLU network
// with some tiny gradients, trained 10 full-batch steps by both libraries from the same weights, stays within 1e-6
// of each weight tensor's scale.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import type { Optimizer } from '../src/optimizers';
import { BACKENDS, Mem, rand } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Case {
  label: string;
  tfjs: () => tf.Optimizer;
  neurite: () => Optimizer;
}

const CASES: Case[] = [
  { label: 'sgd', tfjs: () => tf.train.sgd(0.1), neurite: () => nn.optimizers.sgd({ learningRate: 0.1 }) },
  { label: 'momentum', tfjs: () => tf.train.momentum(0.05, 0.8), neurite: () => nn.optimizers.momentum({ learningRate: 0.05, momentum: 0.8 }) },
  { label: 'nesterov', tfjs: () => tf.train.momentum(0.05, 0.8, true),
    neurite: () => nn.optimizers.momentum({ learningRate: 0.05, momentum: 0.8, nesterov: true }) },
  { label: 'adam', tfjs: () => tf.train.adam(0.01), neurite: () => nn.optimizers.adam({ learningRate: 0.01 }) },
  { label: 'adam (beta1 0.8, beta2 0.99, epsilon 1e-4)', tfjs: () => tf.train.adam(0.003, 0.8, 0.99, 1e-4),
    neurite: () => nn.optimizers.adam({ learningRate: 0.003, beta1: 0.8, beta2: 0.99, epsilon: 1e-4 }) },
  { label: 'adamax', tfjs: () => tf.train.adamax(0.01), neurite: () => nn.optimizers.adamax({ learningRate: 0.01 }) },
  { label: 'adadelta', tfjs: () => tf.train.adadelta(1, 0.9), neurite: () => nn.optimizers.adadelta({ learningRate: 1, rho: 0.9 }) },
  { label: 'rmsprop', tfjs: () => tf.train.rmsprop(0.01), neurite: () => nn.optimizers.rmsprop({ learningRate: 0.01 }) },
  { label: 'rmsprop (momentum 0.5)', tfjs: () => tf.train.rmsprop(0.01, 0.8, 0.5),
    neurite: () => nn.optimizers.rmsprop({ learningRate: 0.01, rho: 0.8, momentum: 0.5 }) },
  { label: 'adagrad', tfjs: () => tf.train.adagrad(0.05), neurite: () => nn.optimizers.adagrad({ learningRate: 0.05 }) },
];

/** Gradients over many binades (1e-9 to 1e2), with both signs and some exact zeros. */
function gradients(n: number, steps: number, seed: number): Float32Array[] {
  const r = rand(seed);
  return Array.from({ length: steps }, () => {
    const u = r(n, -1, 1), e = r(n, -30, 7);
    return Float32Array.from(u, (x, i) => (i % 11 === 5 ? 0 : x * 2 ** Math.round(e[i])));
  });
}

/** Index of the first element whose bits differ, or -1. */
function firstBitDiff(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : x.length;
}

describe.each(BACKENDS)('optimizers match tf.train.* bit for bit (TF.js cpu) on %s', (backend) => {
  for (const c of CASES) {
    it(c.label, async () => {
      const n = 203, steps = 10;
      const w0 = rand(7)(n, -2, 2);
      const grads = gradients(n, steps, 11);

      const variable = tf.variable(tf.tensor1d(w0), true, `w_${c.label.replace(/\W/g, '_')}_${backend}`);
      const topt = c.tfjs();
      for (const g of grads) topt.applyGradients({ [variable.name]: tf.tensor1d(g) });
      const tw = variable.dataSync() as Float32Array;
      const tstate = (await topt.getWeights().catch(() => [])).slice(1).map((s) => s.tensor.dataSync() as Float32Array);

      const opt = c.neurite();
      const m = new Mem(backend);
      try {
        const w = m.f32(w0), g = m.f32(n);
        const state = Array.from({ length: opt.slots }, () => m.f32(new Float32Array(n).fill(opt.initialState())));
        grads.forEach((gt, t) => {
          m.rt.backend.memory.f32().set(gt, g >> 2);
          opt.apply(m.k, w, g, state, n, opt.rateAt(t), t + 1);
        });
        const nw = m.read(w, n);
        expect(firstBitDiff(nw, tw), `${c.label}: weights`).toBe(-1);
        expect(firstBitDiff(nw, w0), `${c.label}: the weights moved`).not.toBe(-1);
        // TF.js's Adamax keeps no readable state; the others list theirs in the slot order neurite uses
        if (c.label !== 'adamax') {
          expect(tstate.length, `${c.label}: state tensors`).toBe(opt.slots);
          tstate.forEach((s, i) => expect(firstBitDiff(m.read(state[i], n), s), `${c.label}: state ${opt.slotNames[i]}`).toBe(-1));
        }
      } finally {
        m.free();
        variable.dispose();
        topt.dispose();
      }
    });
  }
});

describe('a ReLU network with tiny gradients: 10 steps in neurite and in TF.js from the same weights', () => {
  // The second input feature is scaled by 1e-4, so its weights see gradients around 1e-5 and smaller: where an
  // optimizer puts epsilon decides how far they move.
  const n = 32;
  const r = rand(21);
  const x = Float32Array.from(r(n * 4), (v, i) => (i % 4 === 1 ? v * 1e-4 : v));
  const y = r(n * 2, -1, 1);
  const w0 = [r(4 * 8, -0.6, 0.6), r(8, -0.1, 0.1), r(8 * 2, -0.6, 0.6), r(2, -0.1, 0.1)];
  const shapes = [[4, 8], [8], [8, 2], [2]];

  for (const c of CASES) {
    it(c.label, async () => {
      const tm = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tf.layers.dense({ units: 2 })] });
      tm.setWeights(w0.map((w, i) => tf.tensor(w, shapes[i])));
      tm.compile({ optimizer: c.tfjs(), loss: 'meanSquaredError' });
      await tm.fit(tf.tensor(x, [n, 4]), tf.tensor(y, [n, 2]), { epochs: 10, batchSize: n, shuffle: false, verbose: 0 });
      const tw = tm.getWeights().map((w) => w.dataSync() as Float32Array);

      const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), nn.layers.dense({ units: 2 })] });
      model.setWeights(w0.map((w, i) => nn.tensor(w, shapes[i])));
      model.compile({ optimizer: c.neurite(), loss: 'meanSquaredError' });
      await model.fit(nn.tensor(x, [n, 4]), nn.tensor(y, [n, 2]), { epochs: 10, batchSize: n, shuffle: false });
      const nw = model.getWeights().map((w) => w.data);

      // relative to each weight tensor's largest magnitude: the two libraries' gradients differ in their last bits
      // (other summation orders), and normalising optimizers pass that on to weights near zero
      let worst = 0, moved = 0;
      nw.forEach((w, i) => {
        const scale = Math.max(...tw[i].map(Math.abs));
        w.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - tw[i][j]) / scale);
          moved = Math.max(moved, Math.abs(tw[i][j] - w0[i][j]));
        });
      });
      expect(moved, `${c.label}: TF.js moved the weights`).toBeGreaterThan(1e-4);
      expect(worst, `${c.label}: worst relative difference`).toBeLessThanOrEqual(1e-6);
      tm.dispose();
    });
  }
});
