// Elementwise kernels of two operands and the strided row copy: the readable twin of assembly/binary/binary.ts.
// A sum or difference of two f32 values computed in f64 and stored in a Float32Array (rounded twice: to f64, then
// to f32) is the f32 operation's result, since f64 carries more than 2·24 + 2 bits (Figueroa, "When is double
// rounding innocuous?", 1995); alpha·x is rounded with fround before the add, as the wasm kernel multiplies then
// adds. The selects of max, min and pick_grad move values without arithmetic, so they keep the operands' bits.
import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type BinaryKernels = Pick<Kernels, 'f32_add' | 'f32_sub' | 'f32_axpy' | 'f32_max' | 'f32_min' | 'f32_pick_grad' |
  'f32_copy_strided'>;

const f = Math.fround;

export function binaryKernels(mem: JsMemory): BinaryKernels {
  return {
    f32_add(a, b, y, count) {
      const F = mem.F32;
      const ai = a >> 2, bi = b >> 2, yi = y >> 2;
      for (let i = 0; i < count; i++) F[yi + i] = F[ai + i] + F[bi + i];
    },

    f32_sub(a, b, y, count) {
      const F = mem.F32;
      const ai = a >> 2, bi = b >> 2, yi = y >> 2;
      for (let i = 0; i < count; i++) F[yi + i] = F[ai + i] - F[bi + i];
    },

    f32_axpy(x, y, count, alpha) {
      const F = mem.F32;
      const s = f(alpha);
      const xi = x >> 2, yi = y >> 2;
      for (let i = 0; i < count; i++) F[yi + i] = F[yi + i] + f(s * F[xi + i]);
    },

    f32_max(a, b, y, count) {
      const F = mem.F32;
      const ai = a >> 2, bi = b >> 2, yi = y >> 2;
      for (let i = 0; i < count; i++) {
        const u = F[ai + i], v = F[bi + i];
        F[yi + i] = u >= v ? u : v;
      }
    },

    f32_min(a, b, y, count) {
      const F = mem.F32;
      const ai = a >> 2, bi = b >> 2, yi = y >> 2;
      for (let i = 0; i < count; i++) {
        const u = F[ai + i], v = F[bi + i];
        F[yi + i] = u <= v ? u : v;
      }
    },

    f32_pick_grad(x, y, r, dx, count) {
      const F = mem.F32;
      const xi = x >> 2, yi = y >> 2, ri = r >> 2, di = dx >> 2;
      for (let i = 0; i < count; i++) {
        const hit = F[xi + i] === F[yi + i];
        if (dx !== 0) F[di + i] = hit ? F[ri + i] : 0;
        if (hit) F[ri + i] = 0;
      }
    },

    f32_copy_strided(src, srcStride, dst, dstStride, rows, cols) {
      const F = mem.F32;
      if (cols <= 0) return;
      for (let r = 0; r < rows; r++) {
        const s = (src >> 2) + r * srcStride;
        F.copyWithin((dst >> 2) + r * dstStride, s, s + cols);
      }
    },
  };
}
