// Depthwise convolution and the clipped ReLU: the readable twins of assembly/conv/depthwise.ts and
// assembly/unary/relu.ts, one value at a time in the order the ABI fixes (taps (i, j) ascending from 0, then the
// bias, then the activation; gradients in output-pixel order), so they give the wasm kernels' bits.
import type { Kernels } from '../types';
import { activation } from './act';
import type { JsMemory } from './memory';

type DepthwiseKernels = Pick<Kernels, 'f32_depthwise_conv2d' | 'f32_depthwise_conv2d_dx' | 'f32_depthwise_conv2d_dw' |
  'f32_relu_clipped' | 'f32_relu_clipped_grad'>;

const fround = Math.fround;

/** The taps [first, end) of a window starting at o (step d, k taps) that fall inside [0, size). */
function taps(o: number, d: number, k: number, size: number): [number, number] {
  let first = 0;
  while (first < k && o + first * d < 0) first++;
  let end = k;
  while (end > first && o + (end - 1) * d >= size) end--;
  return [first, end];
}

/**
 * Calls visit(b, pixel, tap, inputPixel) for each output pixel (b, oy, ox) ascending and each of its taps (i, j)
 * inside the image ascending: pixel = (b·outH + oy)·outW + ox, tap = i·kw + j, inputPixel = (b·h + iy)·w + ix.
 */
function eachTap(n: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number,
  padTop: number, padLeft: number, outH: number, outW: number, visit: (p: number, tap: number, ip: number) => void): void {
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * sh - padTop;
      const [i0, i1] = taps(iy0, dh, kh, h);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * sw - padLeft;
        const [j0, j1] = taps(ix0, dw, kw, w);
        const p = (b * outH + oy) * outW + ox;
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) visit(p, i * kw + j, (b * h + iy0 + i * dh) * w + ix0 + j * dw);
        }
      }
    }
  }
}

export function depthwiseKernels(mem: JsMemory): DepthwiseKernels {
  return {
    f32_depthwise_conv2d(x, w, bias, y, n, h, wd, c, mult, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW, act, alpha) {
      const F = mem.F32;
      const C = c * mult;
      const xi = x >> 2, wi = w >> 2, bi = bias >> 2, yi = y >> 2;
      const a = fround(alpha);
      for (let b = 0; b < n; b++) {
        for (let oy = 0; oy < outH; oy++) {
          const iy0 = oy * sh - padTop;
          const [i0, i1] = taps(iy0, dh, kh, h);
          for (let ox = 0; ox < outW; ox++) {
            const ix0 = ox * sw - padLeft;
            const [j0, j1] = taps(ix0, dw, kw, wd);
            const out = yi + ((b * outH + oy) * outW + ox) * C;
            for (let co = 0; co < C; co++) {
              const ch = Math.floor(co / mult);
              let s = 0;
              for (let i = i0; i < i1; i++) {
                for (let j = j0; j < j1; j++) {
                  const ip = (b * h + iy0 + i * dh) * wd + ix0 + j * dw;
                  s = fround(s + fround(F[xi + ip * c + ch] * F[wi + (i * kw + j) * C + co]));
                }
              }
              if (bias) s = fround(s + F[bi + co]);
              F[out + co] = activation(s, act, a);
            }
          }
        }
      }
    },

    f32_depthwise_conv2d_dx(dy, w, dx, n, h, wd, c, mult, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW) {
      const F = mem.F32;
      const C = c * mult;
      const di = dy >> 2, wi = w >> 2, xi = dx >> 2;
      F.fill(0, xi, xi + n * h * wd * c);
      eachTap(n, h, wd, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW, (p, tap, ip) => {
        for (let co = 0; co < C; co++) {
          const e = xi + ip * c + Math.floor(co / mult);
          F[e] = fround(F[e] + fround(F[di + p * C + co] * F[wi + tap * C + co]));
        }
      });
    },

    f32_depthwise_conv2d_dw(x, dy, dwt, n, h, wd, c, mult, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW) {
      const F = mem.F32;
      const C = c * mult;
      const xi = x >> 2, di = dy >> 2, gi = dwt >> 2;
      F.fill(0, gi, gi + kh * kw * C);
      eachTap(n, h, wd, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW, (p, tap, ip) => {
        for (let co = 0; co < C; co++) {
          const e = gi + tap * C + co;
          F[e] = fround(F[e] + fround(F[xi + ip * c + Math.floor(co / mult)] * F[di + p * C + co]));
        }
      });
    },

    f32_relu_clipped(x, y, count, maxValue, slope, threshold) {
      const F = mem.F32;
      const m = fround(maxValue), s = fround(slope), t = fround(threshold);
      const xi = x >> 2, yi = y >> 2;
      for (let i = 0; i < count; i++) {
        const v = F[xi + i];
        F[yi + i] = v > t ? Math.min(v, m) : s !== 0 ? fround(0 - fround(s * fround(t - v))) : Number.isNaN(v) ? v : 0;
      }
    },

    f32_relu_clipped_grad(x, dy, dx, count, maxValue, slope, threshold) {
      const F = mem.F32;
      const m = fround(maxValue), s = fround(slope), t = fround(threshold);
      const xi = x >> 2, di = dy >> 2, oi = dx >> 2;
      for (let i = 0; i < count; i++) {
        const v = F[xi + i], d = F[di + i];
        F[oi + i] = v > t ? (v <= m ? d : 0) : s !== 0 ? fround(s * d) : 0;
      }
    },
  };
}
