// Matrix multiplies: the readable twin of assembly/gemm/gemm.ts.
//
// Accumulation is f32, in the same order as the wasm kernels, and the activation is ./act.ts (the twin of
// assembly/act), so both backends give the same bits for every activation: for all three layouts s = ((0 + a0·b0) + a1·b1) + ... in ascending p, then + old C (accumulate≠0),
// + bias[j] (bias≠0), then the activation. nn and tn build rows axpy-style (p outer, j inner), which keeps that
// order per element while reading B row by row; nt is a dot product per element. Every f32 operation is
// an f64 operation rounded by Math.fround or a Float32Array store, which gives the f32 result exactly.
import type { Kernels } from '../types';
import { activation } from './act';
import type { JsMemory } from './memory';

type GemmKernels = Pick<Kernels, 'f32_gemm_nn' | 'f32_gemm_nt' | 'f32_gemm_tn' | 'f32_gemm_strided'>;

const fround = Math.fround;

export function gemmKernels(mem: JsMemory): GemmKernels {
  // One row of f32 partial sums, reused across calls (grown when a wider C comes along).
  let row = new Float32Array(64);

  /** C[i,j] = epilogue(s): + old C, + bias, activation. */
  function finish(F: Float32Array, ci: number, s: number, bias: number, j: number, accumulate: number,
    act: number, alpha: number): void {
    if (accumulate) s = fround(s + F[ci]);
    if (bias) s = fround(s + F[(bias >> 2) + j]);
    F[ci] = activation(s, act, alpha);
  }

  /** A·B where A(i,p) = F[a + i·rsA + p·csA], B(p,j) = F[b + p·rsB + j·csB], C(i,j) = F[c + i·ldc + j] (element strides). */
  function ab(a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, bias: number, c: number,
    ldc: number, m: number, n: number, k: number, accumulate: number, act: number, alpha: number): void {
    const F = mem.F32;
    if (row.length < n) row = new Float32Array(n);
    const s = row;
    alpha = fround(alpha);
    // As the wasm row path (m < 4, contiguous rows of A and B) does, aligned blocks of four zero terms are
    // skipped: the same bits whatever B holds (a ±0 product added to a sum changes nothing unless B is
    // infinite or NaN, where it would make NaN).
    const k4 = m < 4 && csA === 1 && csB === 1 ? k & ~3 : 0;
    for (let i = 0; i < m; i++) {
      s.fill(0, 0, n);
      const ai = (a >> 2) + i * rsA;
      for (let p = 0; p < k; p++) {
        if (p < k4 && (p & 3) === 0 && F[ai + p] === 0 && F[ai + p + 1] === 0 && F[ai + p + 2] === 0 && F[ai + p + 3] === 0) {
          p += 3;
          continue;
        }
        const x = F[ai + p * csA];
        const bp = (b >> 2) + p * rsB;
        for (let j = 0; j < n; j++) s[j] += fround(x * F[bp + j * csB]);
      }
      const ci = (c >> 2) + i * ldc;
      for (let j = 0; j < n; j++) finish(F, ci + j, s[j], bias, j, accumulate, act, alpha);
    }
  }

  return {
    f32_gemm_nn(a, b, bias, c, m, n, k, accumulate, act, alpha) {
      ab(a, k, 1, b, n, 1, bias, c, n, m, n, k, accumulate, act, alpha);
    },

    f32_gemm_tn(a, b, bias, c, m, n, k, accumulate, act, alpha) {
      ab(a, 1, m, b, n, 1, bias, c, n, m, n, k, accumulate, act, alpha);
    },

    f32_gemm_strided(a, rsA, csA, b, rsB, csB, bias, c, ldc, m, n, k, accumulate, act, alpha) {
      ab(a, rsA, csA, b, rsB, csB, bias, c, ldc, m, n, k, accumulate, act, alpha);
    },

    f32_gemm_nt(a, b, bias, c, m, n, k, accumulate, act, alpha) {
      const F = mem.F32;
      alpha = fround(alpha);
      for (let i = 0; i < m; i++) {
        const ai = (a >> 2) + i * k;
        for (let j = 0; j < n; j++) {
          const bj = (b >> 2) + j * k;
          let s = 0;
          for (let p = 0; p < k; p++) s = fround(s + fround(F[ai + p] * F[bj + p]));
          finish(F, (c >> 2) + i * n + j, s, bias, j, accumulate, act, alpha);
        }
      }
    },
  };
}
