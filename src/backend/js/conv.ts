// im2col / col2im: the readable twin of assembly/conv/conv.ts. Element by element, in the order the ABI fixes:
// cols rows ascending, and inside a row (i, j, ch) ascending, which is the column order (i·kw + j)·c + ch.
import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type ConvKernels = Pick<Kernels, 'f32_im2col' | 'f32_col2im'>;

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
