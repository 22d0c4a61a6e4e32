// Pooling: the readable twin of assembly/pool/pool.ts. Windows are clipped to the image; sums are f32 sums from 0
// over the window in row-major order (a Float32Array store or Math.fround after every f64 operation gives the f32
// bits), max pooling replaces the running maximum only when strictly greater.
import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type PoolKernels = Pick<Kernels, 'f32_maxpool2d' | 'f32_maxpool2d_grad' | 'f32_avgpool2d' | 'f32_avgpool2d_grad' |
  'f32_global_avgpool' | 'f32_global_avgpool_grad'>;

const fround = Math.fround;

export function poolKernels(mem: JsMemory): PoolKernels {
  return {
    f32_maxpool2d(x, y, argmax, n, h, w, c, ph, pw, strideH, strideW, padTop, padLeft, outH, outW) {
      const F = mem.F32, I = mem.I32;
      const xi = x >> 2;
      let o = 0;
      for (let b = 0; b < n; b++) {
        const xb = xi + b * h * w * c; // argmax holds indices within the image
        for (let oy = 0; oy < outH; oy++) {
          const y0 = Math.max(oy * strideH - padTop, 0), y1 = Math.min(oy * strideH - padTop + ph, h);
          for (let ox = 0; ox < outW; ox++) {
            const x0 = Math.max(ox * strideW - padLeft, 0), x1 = Math.min(ox * strideW - padLeft + pw, w);
            for (let ch = 0; ch < c; ch++) {
              let a = (y0 * w + x0) * c + ch;
              let m = F[xb + a];
              for (let iy = y0; iy < y1; iy++) {
                for (let ix = x0; ix < x1; ix++) {
                  const e = (iy * w + ix) * c + ch;
                  if (F[xb + e] > m) { m = F[xb + e]; a = e; }
                }
              }
              F[(y >> 2) + o] = m;
              I[(argmax >> 2) + o] = a;
              o++;
            }
          }
        }
      }
    },

    f32_maxpool2d_grad(dy, argmax, dx, n, outSize, inSize) {
      const F = mem.F32, I = mem.I32;
      const di = dx >> 2;
      F.fill(0, di, di + n * inSize);
      for (let b = 0; b < n; b++) {
        const o = b * outSize, img = di + b * inSize;
        for (let k = 0; k < outSize; k++) F[img + I[(argmax >> 2) + o + k]] += F[(dy >> 2) + o + k];
      }
    },

    f32_avgpool2d(x, y, n, h, w, c, ph, pw, strideH, strideW, padTop, padLeft, outH, outW) {
      const F = mem.F32;
      const xi = x >> 2;
      let o = y >> 2;
      for (let b = 0; b < n; b++) {
        for (let oy = 0; oy < outH; oy++) {
          const y0 = Math.max(oy * strideH - padTop, 0), y1 = Math.min(oy * strideH - padTop + ph, h);
          for (let ox = 0; ox < outW; ox++) {
            const x0 = Math.max(ox * strideW - padLeft, 0), x1 = Math.min(ox * strideW - padLeft + pw, w);
            const count = (y1 - y0) * (x1 - x0);
            for (let ch = 0; ch < c; ch++) {
              let s = 0;
              for (let iy = y0; iy < y1; iy++) {
                for (let ix = x0; ix < x1; ix++) s = fround(s + F[xi + ((b * h + iy) * w + ix) * c + ch]);
              }
              F[o++] = s / count;
            }
          }
        }
      }
    },

    f32_avgpool2d_grad(dy, dx, n, h, w, c, ph, pw, strideH, strideW, padTop, padLeft, outH, outW) {
      const F = mem.F32;
      const di = dx >> 2;
      F.fill(0, di, di + n * h * w * c);
      let o = dy >> 2;
      for (let b = 0; b < n; b++) {
        for (let oy = 0; oy < outH; oy++) {
          const y0 = Math.max(oy * strideH - padTop, 0), y1 = Math.min(oy * strideH - padTop + ph, h);
          for (let ox = 0; ox < outW; ox++) {
            const x0 = Math.max(ox * strideW - padLeft, 0), x1 = Math.min(ox * strideW - padLeft + pw, w);
            const count = (y1 - y0) * (x1 - x0);
            for (let ch = 0; ch < c; ch++) {
              const g = fround(F[o++] / count);
              for (let iy = y0; iy < y1; iy++) {
                for (let ix = x0; ix < x1; ix++) F[di + ((b * h + iy) * w + ix) * c + ch] += g;
              }
            }
          }
        }
      }
    },

    f32_global_avgpool(x, y, n, hw, c) {
      const F = mem.F32;
      for (let b = 0; b < n; b++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let p = 0; p < hw; p++) s = fround(s + F[(x >> 2) + (b * hw + p) * c + ch]);
          F[(y >> 2) + b * c + ch] = s / hw;
        }
      }
    },

    f32_global_avgpool_grad(dy, dx, n, hw, c) {
      const F = mem.F32;
      for (let b = 0; b < n; b++) {
        for (let ch = 0; ch < c; ch++) {
          const g = fround(F[(dy >> 2) + b * c + ch] / hw);
          for (let p = 0; p < hw; p++) F[(dx >> 2) + (b * hw + p) * c + ch] = g;
        }
      }
    },
  };
}
