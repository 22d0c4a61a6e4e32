// Dropout, elementwise multiply and batch normalization: the readable twin of assembly/norm/norm.ts. Integer
// hashing with Math.imul and >>> gives the wasm dropout masks bit for bit; f64 sums run per channel over the rows
// in ascending order as in the wasm kernels, and every f32 operation is an f64 operation rounded with fround
// (or a Float32Array store), which yields the same bits.
import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type NormKernels = Pick<Kernels, 'f32_dropout' | 'f32_mul' | 'f32_batchnorm_train' | 'f32_batchnorm_infer' |
  'f32_batchnorm_grad' | 'f32_layernorm' | 'f32_layernorm_grad'>;

const f = Math.fround;

/** murmur3's 32-bit finalizer (fmix32); returns a u32. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The dropout hash of element i: fmix32(i·0x9E3779B9 + fmix32(seed)) mod 2³², a u32. */
export function dropoutHash(seed: number, i: number): number {
  return fmix32((Math.imul(i, 0x9e3779b9) + fmix32(seed >>> 0)) | 0);
}

/** ⌈rate·2³²⌉: element i is kept ⇔ dropoutHash(seed, i) ≥ this, i.e. hash/2³² ≥ rate (rate an f32 value). */
export function dropoutThreshold(rate: number): number {
  if (!(rate > 0)) return 0;
  if (rate >= 1) return 0xffffffff;
  return Math.ceil(rate * 4294967296);
}

export function normKernels(mem: JsMemory): NormKernels {
  return {
    f32_dropout(x, y, mask, count, rate, seed) {
      const F = mem.F32;
      const r = f(rate);
      const t = dropoutThreshold(r);
      const scale = f(1 / (1 - r));
      const k = fmix32(seed >>> 0);
      const xi = x >> 2, yi = y >> 2, mi = mask >> 2;
      for (let i = 0; i < count; i++) {
        const m = fmix32((Math.imul(i, 0x9e3779b9) + k) | 0) >= t ? scale : 0;
        const v = F[xi + i];
        F[mi + i] = m;
        F[yi + i] = v * m;
      }
    },

    f32_mul(a, b, y, count) {
      const F = mem.F32;
      const ai = a >> 2, bi = b >> 2, yi = y >> 2;
      for (let i = 0; i < count; i++) F[yi + i] = F[ai + i] * F[bi + i];
    },

    f32_batchnorm_train(x, y, gamma, beta, mean, invstd, movingMean, movingVar, rows, c, momentum, epsilon) {
      const F = mem.F32;
      const xi = x >> 2, yi = y >> 2;
      const mom = f(momentum), rest = 1 - mom, eps = f(epsilon);
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += F[xi + r * c + ch];
        const u = s / rows;
        s = 0;
        for (let r = 0; r < rows; r++) {
          const d = F[xi + r * c + ch] - u;
          s += d * d;
        }
        const w = s / rows;
        const m = f(u), is = f(1 / Math.sqrt(w + eps));
        F[(mean >> 2) + ch] = m;
        F[(invstd >> 2) + ch] = is;
        F[(movingMean >> 2) + ch] = mom * F[(movingMean >> 2) + ch] + rest * u;
        F[(movingVar >> 2) + ch] = mom * F[(movingVar >> 2) + ch] + rest * w;
        const a = f(F[(gamma >> 2) + ch] * is), b = F[(beta >> 2) + ch];
        for (let r = 0; r < rows; r++) {
          const o = r * c + ch;
          F[yi + o] = f(f(F[xi + o] - m) * a) + b;
        }
      }
    },

    f32_batchnorm_infer(x, y, gamma, beta, movingMean, movingVar, rows, c, epsilon) {
      const F = mem.F32;
      const xi = x >> 2, yi = y >> 2;
      const eps = f(epsilon);
      for (let ch = 0; ch < c; ch++) {
        const is = f(1 / Math.sqrt(F[(movingVar >> 2) + ch] + eps));
        const m = F[(movingMean >> 2) + ch], a = f(F[(gamma >> 2) + ch] * is), b = F[(beta >> 2) + ch];
        for (let r = 0; r < rows; r++) {
          const o = r * c + ch;
          F[yi + o] = f(f(F[xi + o] - m) * a) + b;
        }
      }
    },

    f32_batchnorm_grad(x, dy, dx, gamma, mean, invstd, dgamma, dbeta, rows, c) {
      const F = mem.F32;
      const xi = x >> 2, di = dy >> 2, qi = dx >> 2;
      const nr = f(rows);
      for (let ch = 0; ch < c; ch++) {
        const m = F[(mean >> 2) + ch], s = F[(invstd >> 2) + ch];
        let sb = 0, sg = 0;
        for (let r = 0; r < rows; r++) {
          const o = r * c + ch;
          const d = F[di + o];
          sb += d;
          sg += d * f(f(F[xi + o] - m) * s);
        }
        F[(dbeta >> 2) + ch] = sb;
        F[(dgamma >> 2) + ch] = sg;
        const a = f(F[(dbeta >> 2) + ch] / nr), b = f(F[(dgamma >> 2) + ch] / nr), k = f(F[(gamma >> 2) + ch] * s);
        for (let r = 0; r < rows; r++) {
          const o = r * c + ch;
          const xh = f(f(F[xi + o] - m) * s);
          F[qi + o] = k * f(f(F[di + o] - a) - f(xh * b));
        }
      }
    },

    f32_layernorm(x, y, gamma, beta, mean, invstd, rows, cols, epsilon) {
      const F = mem.F32;
      const eps = f(epsilon);
      for (let r = 0; r < rows; r++) {
        const xi = (x >> 2) + r * cols, yi = (y >> 2) + r * cols;
        let s = 0;
        for (let j = 0; j < cols; j++) s += F[xi + j];
        const u = s / cols;
        s = 0;
        for (let j = 0; j < cols; j++) {
          const d = F[xi + j] - u;
          s += d * d;
        }
        const m = f(u), is = f(1 / Math.sqrt(s / cols + eps));
        F[(mean >> 2) + r] = m;
        F[(invstd >> 2) + r] = is;
        for (let j = 0; j < cols; j++) {
          let v = f(f(F[xi + j] - m) * is);
          if (gamma) v = f(v * F[(gamma >> 2) + j]);
          if (beta) v = f(v + F[(beta >> 2) + j]);
          F[yi + j] = v;
        }
      }
    },

    f32_layernorm_grad(x, dy, dx, gamma, mean, invstd, dgamma, dbeta, rows, cols) {
      const F = mem.F32;
      const gi = gamma >> 2, dgi = dgamma >> 2, dbi = dbeta >> 2;
      if (dgamma) F.fill(0, dgi, dgi + cols);
      if (dbeta) F.fill(0, dbi, dbi + cols);
      for (let r = 0; r < rows; r++) {
        const xi = (x >> 2) + r * cols, di = (dy >> 2) + r * cols, qi = (dx >> 2) + r * cols;
        const m = F[(mean >> 2) + r], is = F[(invstd >> 2) + r];
        let sa = 0, sb = 0;
        for (let j = 0; j < cols; j++) {
          const xh = f(f(F[xi + j] - m) * is);
          const d = F[di + j];
          const g = gamma ? f(d * F[gi + j]) : d;
          sa += g;
          sb += g * xh;
          if (dgamma) F[dgi + j] += f(d * xh);
          if (dbeta) F[dbi + j] += d;
        }
        if (!dx) continue;
        const a = f(sa / cols), b = f(sb / cols);
        for (let j = 0; j < cols; j++) {
          const xh = f(f(F[xi + j] - m) * is);
          const d = F[di + j];
          const g = gamma ? f(d * F[gi + j]) : d;
          F[qi + j] = is * f(f(g - a) - f(xh * b));
        }
      }
    },
  };
}
