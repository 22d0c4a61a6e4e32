// im2col / col2im: the readable twin of assembly/conv/conv.ts. Element by element, in the order the ABI fixes:
// cols rows ascending, and inside a row (i, j, ch) ascending, which is the column order (i·kw + j)·c + ch.
import type { Kernels } from '../types';
import { activation } from './act';
import type { JsMemory } from './memory';

type ConvKernels = Pick<Kernels, 'f32_im2col' | 'f32_col2im' | 'f32_conv2d_direct' | 'f32_conv2d_direct_dw'>;

const fround = Math.fround;

export function convKernels(mem: JsMemory): ConvKernels {
  return {
    f32_im2col(x, cols, n, h, w, c, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft, outH, outW) {
      const F = mem.F32;
      const xi = x >> 2;
      let d = cols >> 2;
      for (let b = 0; b < n; b++) {
        for (let oy = 0; oy < outH; oy++) {
          for (let ox = 0; ox < outW; ox++) {
            for (let i = 0; i < kh; i++) {
              const iy = oy * strideH - padTop + i * dilH;
              for (let j = 0; j < kw; j++) {
                const ix = ox * strideW - padLeft + j * dilW;
                const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                const s = xi + ((b * h + iy) * w + ix) * c;
                for (let ch = 0; ch < c; ch++) F[d++] = inside ? F[s + ch] : 0;
              }
            }
          }
        }
      }
    },

    // The twin of assembly/conv/direct.ts: each output the f32 sum over (i, j, ch) ascending, + bias, activation,
    // as f32_im2col + f32_gemm_nn compute it.
    f32_conv2d_direct(x, w, bias, y, n, h, wd, c, kh, kw, filters, act, alpha) {
      const oh = h - kh + 1, ow = wd - kw + 1;
      if (n <= 0 || oh <= 0 || ow < 5 || kh * kw * c > 4096) return;
      const F = mem.F32;
      const xi = x >> 2, wi = w >> 2, bi = bias >> 2;
      const a = fround(alpha);
      let d = y >> 2;
      for (let b = 0; b < n; b++) {
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++, d += filters) {
            for (let f = 0; f < filters; f++) {
              let s = 0;
              let p = wi + f;
              for (let i = 0; i < kh; i++) {
                const r = xi + ((b * h + oy + i) * wd + ox) * c;
                for (let t = 0; t < kw * c; t++, p += filters) s = fround(s + fround(F[r + t] * F[p]));
              }
              if (bias) s = fround(s + F[bi + f]);
              F[d + f] = activation(s, act, a);
            }
          }
        }
      }
    },

    // dw[t, f]: the f32 sum over output pixels ascending, as f32_im2col + f32_gemm_tn computes it.
    f32_conv2d_direct_dw(x, dy, dw, n, h, wd, c, kh, kw, filters) {
      const oh = h - kh + 1, ow = wd - kw + 1, q = kw * c;
      if (n <= 0 || oh <= 0 || ow <= 0 || kh * q > 4096) return;
      const F = mem.F32;
      const xi = x >> 2, di = dy >> 2, wi = dw >> 2;
      for (let i = 0; i < kh; i++) {
        for (let t = 0; t < q; t++) {
          for (let f = 0; f < filters; f++) {
            let s = 0;
            let d = di + f;
            for (let b = 0; b < n; b++) {
              for (let oy = 0; oy < oh; oy++) {
                const r = xi + ((b * h + oy + i) * wd) * c + t;
                for (let ox = 0; ox < ow; ox++, d += filters) s = fround(s + fround(F[r + ox * c] * F[d]));
              }
            }
            F[wi + (i * q + t) * filters + f] = s;
          }
        }
      }
    },

    f32_col2im(cols, dx, n, h, w, c, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft, outH, outW) {
      const F = mem.F32;
      const di = dx >> 2;
      F.fill(0, di, di + n * h * w * c);
      let s = cols >> 2;
      for (let b = 0; b < n; b++) {
        for (let oy = 0; oy < outH; oy++) {
          for (let ox = 0; ox < outW; ox++) {
            for (let i = 0; i < kh; i++) {
              const iy = oy * strideH - padTop + i * dilH;
              for (let j = 0; j < kw; j++) {
                const ix = ox * strideW - padLeft + j * dilW;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                  const t = di + ((b * h + iy) * w + ix) * c;
                  for (let ch = 0; ch < c; ch++) F[t + ch] += F[s + ch];
                }
                s += c;
              }
            }
          }
        }
      }
    },
  };
}
