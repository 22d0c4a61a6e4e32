// The LSTM step and its gradient, and the simple RNN step's gradient: the readable twin of assembly/rnn/lstm.ts, the same f32 operations in the same
// order (each one rounded by a Float32Array store or Math.fround), so the same bits.
import type { Kernels } from '../types';
import { activation } from './act';
import { activationGrad } from './unary';
import type { JsMemory } from './memory';

type RnnKernels = Pick<Kernels, 'f32_lstm_step' | 'f32_lstm_step_grad' | 'f32_rnn_step_grad'>;

const fround = Math.fround;
/** The scale of elu (TF.js's 'elu' string). */
const ALPHA = 1;

export function rnnKernels(mem: JsMemory): RnnKernels {
  return {
    f32_lstm_step(z, cPrev, c, h, rows, units, zStride, cStride, hStride, act, recAct) {
      const F = mem.F32;
      for (let r = 0; r < rows; r++) {
        const pz = (z >> 2) + r * zStride, pc = (c >> 2) + r * cStride, ph = (h >> 2) + r * hStride;
        const pp = cPrev === 0 ? -1 : (cPrev >> 2) + r * cStride;
        for (let j = 0; j < units; j++) {
          const ig = activation(F[pz + j], recAct, ALPHA);
          const fg = activation(F[pz + units + j], recAct, ALPHA);
          const gg = activation(F[pz + 2 * units + j], act, ALPHA);
          const og = activation(F[pz + 3 * units + j], recAct, ALPHA);
          const cp = pp < 0 ? 0 : F[pp + j];
          const cs = fround(fround(fg * cp) + fround(ig * gg));
          F[pz + j] = ig;
          F[pz + units + j] = fg;
          F[pz + 2 * units + j] = gg;
          F[pz + 3 * units + j] = og;
          F[pc + j] = cs;
          F[ph + j] = og * activation(cs, act, ALPHA);
        }
      }
    },

    f32_lstm_step_grad(z, cPrev, c, dh, dc, rows, units, zStride, cStride, act, recAct) {
      const F = mem.F32;
      for (let r = 0; r < rows; r++) {
        const pz = (z >> 2) + r * zStride, pc = (c >> 2) + r * cStride;
        const pp = cPrev === 0 ? -1 : (cPrev >> 2) + r * cStride;
        const pdh = (dh >> 2) + r * units, pdc = (dc >> 2) + r * units;
        for (let j = 0; j < units; j++) {
          const ig = F[pz + j], fg = F[pz + units + j], gg = F[pz + 2 * units + j], og = F[pz + 3 * units + j];
          const cp = pp < 0 ? 0 : F[pp + j];
          const a = activation(F[pc + j], act, ALPHA);
          const d = F[pdh + j];
          const dcs = fround(F[pdc + j] + activationGrad(a, fround(d * og), act, ALPHA));
          F[pz + j] = activationGrad(ig, fround(dcs * gg), recAct, ALPHA);
          F[pz + units + j] = activationGrad(fg, fround(dcs * cp), recAct, ALPHA);
          F[pz + 2 * units + j] = activationGrad(gg, fround(dcs * ig), act, ALPHA);
          F[pz + 3 * units + j] = activationGrad(og, fround(d * a), recAct, ALPHA);
          F[pdc + j] = dcs * fg;
        }
      }
    },

    f32_rnn_step_grad(h, dh, rows, units, hStride, act) {
      const F = mem.F32;
      for (let r = 0; r < rows; r++) {
        const ph = (h >> 2) + r * hStride, pd = (dh >> 2) + r * units;
        for (let j = 0; j < units; j++) F[ph + j] = activationGrad(F[ph + j], F[pd + j], act, ALPHA);
      }
    },
  };
}
