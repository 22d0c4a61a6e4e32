// Image resampling: the readable twin of assembly/image/transform.ts, one value at a time with Math.fround after
// every f32 operation, in the wasm kernel's order, so it gives the same bits.
import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type ImageKernels = Pick<Kernels, 'f32_image_transform' | 'f32_image_transform_dx'>;

const fround = Math.fround;

/** The coordinate mapped into [0, len − 1] by the fill mode (constant leaves it as it is). */
function mapCoord(c: number, len: number, fill: number): number {
  const n = len;
  if (fill === 1) {
    if (len <= 1) return 0;
    const p = n + n;
    if (c < 0) {
      c = fround(c + fround(p * Math.trunc(fround(-c / p))));
      c = c < -n ? fround(c + p) : fround(-c - 1);
    } else if (c > n - 1) {
      c = fround(c - fround(p * Math.trunc(fround(c / p))));
      if (c >= n) c = fround(fround(p - c) - 1);
    }
  } else if (fill === 2) {
    if (len <= 1) return 0;
    if (c < 0) c = fround(c + fround(n * fround(Math.trunc(fround(-c / n)) + 1)));
    if (c > n - 1) c = fround(c - fround(n * Math.trunc(fround(c / n))));
  } else if (fill === 0) {
    return c;
  }
  return Math.min(Math.max(c, 0), n - 1);
}

const roundAway = (v: number) => (v < 0 ? -Math.floor(fround(-v + 0.5)) : Math.floor(fround(v + 0.5)));
const inside = (iy: number, ix: number, h: number, w: number) => iy >= 0 && ix >= 0 && iy < h && ix < w;

/** Visits each output pixel of each image with its mapped input coordinates: visit(b, outIndex, x, y). */
function eachPixel(F: Float32Array, n: number, h: number, w: number, outH: number, outW: number, transforms: number,
  fill: number, visit: (b: number, o: number, cx: number, cy: number) => void): void {
  for (let b = 0; b < n; b++) {
    const t = (transforms >> 2) + 6 * b;
    const [t0, t1, t2, t3, t4, t5] = [F[t], F[t + 1], F[t + 2], F[t + 3], F[t + 4], F[t + 5]];
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const cx = mapCoord(fround(fround(fround(t0 * ox) + fround(t1 * oy)) + t2), w, fill);
        const cy = mapCoord(fround(fround(fround(t3 * ox) + fround(t4 * oy)) + t5), h, fill);
        visit(b, (b * outH + oy) * outW + ox, cx, cy);
      }
    }
  }
}

/** The four bilinear neighbours of (cx, cy) and their weights. */
function corners(cx: number, cy: number) {
  const x0 = Math.floor(cx), y0 = Math.floor(cy);
  const x1 = fround(x0 + 1), y1 = fround(y0 + 1);
  return { x0, y0, x1, y1, wx0: fround(x1 - cx), wx1: fround(cx - x0), wy0: fround(y1 - cy), wy1: fround(cy - y0) };
}

export function imageKernels(mem: JsMemory): ImageKernels {
  return {
    f32_image_transform(x, y, n, h, w, c, outH, outW, transforms, interpolation, fill, fillValue) {
      const F = mem.F32;
      const fv = fround(fillValue);
      const xi = x >> 2, yi = y >> 2;
      eachPixel(F, n, h, w, outH, outW, transforms, fill, (b, o, cx, cy) => {
        const px = (iy: number, ix: number, ch: number) =>
          (inside(iy, ix, h, w) ? F[xi + ((b * h + iy) * w + ix) * c + ch] : fv);
        const out = yi + o * c;
        if (interpolation === 0) {
          const ix = roundAway(cx), iy = roundAway(cy);
          for (let ch = 0; ch < c; ch++) F[out + ch] = px(iy, ix, ch);
          return;
        }
        const { x0, y0, x1, y1, wx0, wx1, wy0, wy1 } = corners(cx, cy);
        for (let ch = 0; ch < c; ch++) {
          const top = fround(fround(wx0 * px(y0, x0, ch)) + fround(wx1 * px(y0, x1, ch)));
          const bottom = fround(fround(wx0 * px(y1, x0, ch)) + fround(wx1 * px(y1, x1, ch)));
          F[out + ch] = fround(fround(wy0 * top) + fround(wy1 * bottom));
        }
      });
    },

    f32_image_transform_dx(dy, dx, n, h, w, c, outH, outW, transforms, interpolation, fill) {
      const F = mem.F32;
      const gi = dy >> 2, di = dx >> 2;
      F.fill(0, di, di + n * h * w * c);
      eachPixel(F, n, h, w, outH, outW, transforms, fill, (b, o, cx, cy) => {
        const add = (iy: number, ix: number, ch: number, v: number) => {
          if (!inside(iy, ix, h, w)) return;
          const p = di + ((b * h + iy) * w + ix) * c + ch;
          F[p] = fround(F[p] + v);
        };
        const g = gi + o * c;
        if (interpolation === 0) {
          const ix = roundAway(cx), iy = roundAway(cy);
          for (let ch = 0; ch < c; ch++) add(iy, ix, ch, F[g + ch]);
          return;
        }
        const { x0, y0, x1, y1, wx0, wx1, wy0, wy1 } = corners(cx, cy);
        for (let ch = 0; ch < c; ch++) {
          const g0 = fround(F[g + ch] * wy0), g1 = fround(F[g + ch] * wy1);
          add(y0, x0, ch, fround(g0 * wx0));
          add(y0, x1, ch, fround(g0 * wx1));
          add(y1, x0, ch, fround(g1 * wx0));
          add(y1, x1, ch, fround(g1 * wx1));
        }
      });
    },
  };
}
