// Bias, activations and softmax: the readable twin of assembly/unary/unary.ts. Every f32 operation of the
// wasm kernel is an f64 operation here followed by a Float32Array store or Math.fround, which gives the
// same bits (f32 +, −, ×, ÷ are correctly rounded, and so is the f64 result rounded once to f32). The
// activations and exp are those of ./act.ts, the twin of assembly/act.
import type { Kernels } from '../types';
import { activation, exp32, HARD_SLOPE } from './act';
import type { JsMemory } from './memory';

type UnaryKernels = Pick<Kernels, 'f32_bias_add' | 'f32_col_sum' | 'f32_activation' | 'f32_activation_grad' |
  'f32_exp' | 'f32_softmax' | 'f32_softmax_grad'>;

const fround = Math.fround;

/** dy·act'(x) written from the output y (act codes of `Act`); inputs are f32 values. */
export function activationGrad(y: number, dy: number, act: number, alpha: number): number {
  switch (act) {
    case 1: return y > 0 ? dy : 0;
    case 2: return y > 0 ? dy : fround(dy * alpha);
    case 3: return y > 0 ? dy : fround(dy * fround(y + alpha));
    case 4: return fround(dy * fround(y * fround(1 - y)));
    case 5: return fround(dy * fround(1 - fround(y * y)));
    case 6: return y > 0 && y < 6 ? dy : 0;
    case 7: return y > 0 && y < 1 ? fround(dy * HARD_SLOPE) : 0;
    default: return dy;
  }
}

export function unaryKernels(mem: JsMemory): UnaryKernels {
  return {
    f32_bias_add(x, bias, y, rows, cols) {
      const F = mem.F32;
      const b = bias >> 2;
      for (let r = 0; r < rows; r++) {
        const xi = (x >> 2) + r * cols, yi = (y >> 2) + r * cols;
        for (let c = 0; c < cols; c++) F[yi + c] = F[xi + c] + F[b + c];
      }
    },

    f32_col_sum(x, y, rows, cols, accumulate) {
      const F = mem.F32;
      const xi = x >> 2, yi = y >> 2;
      for (let c = 0; c < cols; c++) {
        let a = 0;
        for (let r = 0; r < rows; r++) a = fround(a + F[xi + r * cols + c]);
        if (accumulate) a = fround(a + F[yi + c]);
        F[yi + c] = a;
      }
    },

    f32_activation(x, y, count, act, alpha) {
      const F = mem.F32;
      const a = fround(alpha);
      const xi = x >> 2, yi = y >> 2;
      for (let i = 0; i < count; i++) F[yi + i] = activation(F[xi + i], act, a);
    },

    f32_activation_grad(y, dy, dx, count, act, alpha) {
      const F = mem.F32;
      const a = fround(alpha);
      const yi = y >> 2, di = dy >> 2, xi = dx >> 2;
      for (let i = 0; i < count; i++) F[xi + i] = activationGrad(F[yi + i], F[di + i], act, a);
    },

    f32_exp(x, y, count) {
      const F = mem.F32;
      const xi = x >> 2, yi = y >> 2;
      for (let i = 0; i < count; i++) F[yi + i] = exp32(F[xi + i]);
    },

    f32_softmax(x, y, rows, cols) {
      const F = mem.F32;
      for (let r = 0; r < rows; r++) {
        const xi = (x >> 2) + r * cols, yi = (y >> 2) + r * cols;
        let m = F[xi];
        for (let c = 1; c < cols; c++) m = Math.max(m, F[xi + c]);
        let s = 0;
        for (let c = 0; c < cols; c++) {
          const e = exp32(fround(F[xi + c] - m));
          F[yi + c] = e;
          s += e;
        }
        const sf = fround(s);
        for (let c = 0; c < cols; c++) F[yi + c] = F[yi + c] / sf;
      }
    },

    f32_softmax_grad(y, dy, dx, rows, cols) {
      const F = mem.F32;
      for (let r = 0; r < rows; r++) {
        const yi = (y >> 2) + r * cols, di = (dy >> 2) + r * cols, xi = (dx >> 2) + r * cols;
        let d = 0;
        for (let c = 0; c < cols; c++) d += F[di + c] * F[yi + c];
        const s = fround(d);
        for (let c = 0; c < cols; c++) F[xi + c] = F[yi + c] * fround(F[di + c] - s);
      }
    },
  };
}
