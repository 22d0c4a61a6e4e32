// f32_im2col / f32_col2im on every backend: im2col checked entry by entry against its definition and, times a
// TF.js-layout kernel, against a direct float64 NHWC convolution over many geometries (kernels 1x1, 3x3, 5x5, 2x3;
// strides 1, 2, 2x1, 1x3; dilations 1, 2, 2x1, 1x2; 'valid' and TF 'same' padding; 1 to 127 channels; batch 1 and 3); col2im as
// the adjoint of im2col, against a float64 reference and on hand-computed cases; a whole conv layer step through
// the gemm kernels; wasm and js bit for bit.
import { describe, it, expect } from 'vitest';
import { absDot64, BACKENDS, bitDiff, dot64, EDGE_SIZES, Mem, rand, maxRelErr } from './helpers';
import type { BackendName } from '../src/backend/index';

interface Geom {
  n: number; h: number; w: number; c: number; kh: number; kw: number; sH: number; sW: number; dH: number; dW: number;
  padTop: number; padLeft: number; outH: number; outW: number;
}

/** 'valid' or TF 'same' geometry; null when a 'valid' output would be empty. */
function geometry(n: number, h: number, w: number, c: number, kh: number, kw: number, sH: number, sW: number,
  dH: number, dW: number, same: boolean): Geom | null {
  const ekh = (kh - 1) * dH + 1, ekw = (kw - 1) * dW + 1;
  let outH: number, outW: number, padTop = 0, padLeft = 0;
  if (same) {
    outH = Math.ceil(h / sH);
    outW = Math.ceil(w / sW);
    padTop = Math.floor(Math.max((outH - 1) * sH + ekh - h, 0) / 2);
    padLeft = Math.floor(Math.max((outW - 1) * sW + ekw - w, 0) / 2);
  } else {
    outH = Math.floor((h - ekh) / sH) + 1;
    outW = Math.floor((w - ekw) / sW) + 1;
    if (outH < 1 || outW < 1) return null;
  }
  return { n, h, w, c, kh, kw, sH, sW, dH, dW, padTop, padLeft, outH, outW };
}

const args = (g: Geom) => [g.n, g.h, g.w, g.c, g.kh, g.kw, g.sH, g.sW, g.dH, g.dW, g.padTop, g.padLeft,
  g.outH, g.outW] as const;
const rowsOf = (g: Geom) => g.n * g.outH * g.outW;
const kOf = (g: Geom) => g.kh * g.kw * g.c;
const imgSize = (g: Geom) => g.n * g.h * g.w * g.c;
const label = (g: Geom) => `n${g.n} ${g.h}x${g.w}x${g.c} k${g.kh}x${g.kw} s${g.sH}x${g.sW} d${g.dH}x${g.dW} ` +
  `pad${g.padTop},${g.padLeft} out${g.outH}x${g.outW}`;

const KERNELS = [[1, 1], [3, 3], [5, 5], [2, 3]];
const STRIDES = [[1, 1], [2, 2], [2, 1], [1, 3]];
const DILATIONS = [[1, 1], [2, 2], [2, 1], [1, 2]];
const CHANNELS = [1, 3, 4, 5, 8, 16];
const SIZES = [[7, 9], [5, 5], [11, 6], [9, 13], [3, 4], [13, 7]];

/** Every kernel × stride × dilation × padding, twice, with channels, batch and image size rotating. */
const GEOMS: Geom[] = [];
{
  let t = 0;
  for (const [kh, kw] of KERNELS) for (const [sH, sW] of STRIDES) for (const [dH, dW] of DILATIONS) {
    for (const same of [false, true]) {
      for (const pass of [0, 1]) {
        const c = CHANNELS[(t + 3 * pass) % CHANNELS.length];
        const n = (t + pass) % 3 === 0 ? 3 : 1;
        const [h, w] = SIZES[(t + 2 * pass) % SIZES.length];
        const g = geometry(n, h, w, c, kh, kw, sH, sW, dH, dW, same);
        if (g) GEOMS.push(g);
        t++;
      }
    }
  }
}

/** Arbitrary geometries: any padding (up to beyond the kernel) and any output size, not only 'valid' / 'same'. */
const RANDOM_GEOMS: Geom[] = [];
{
  const r = rand(4242);
  const int = (lo: number, hi: number) => Math.floor(r(1, lo, hi + 1)[0]);
  for (let t = 0; t < 150; t++) {
    RANDOM_GEOMS.push({ n: int(1, 2), h: int(1, 8), w: int(1, 8), c: [1, 2, 3, 4, 5, 8, 9, 16][int(0, 7)],
      kh: int(1, 5), kw: int(1, 5), sH: int(1, 3), sW: int(1, 3), dH: int(1, 3), dW: int(1, 3),
      padTop: int(0, 6), padLeft: int(0, 6), outH: int(1, 7), outW: int(1, 7) });
  }
}

// ---- float64 references, straight from the definitions ----

/** x[b, iy, ix, ch] or 0 outside the image. */
function pixel(g: Geom, x: ArrayLike<number>, b: number, iy: number, ix: number, ch: number): number {
  return iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? x[((b * g.h + iy) * g.w + ix) * g.c + ch] : 0;
}

function im2col64(g: Geom, x: ArrayLike<number>): Float64Array {
  const K = kOf(g), out = new Float64Array(rowsOf(g) * K);
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    const r = (b * g.outH + oy) * g.outW + ox;
    for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) for (let ch = 0; ch < g.c; ch++) {
      const iy = oy * g.sH - g.padTop + i * g.dH, ix = ox * g.sW - g.padLeft + j * g.dW;
      out[r * K + (i * g.kw + j) * g.c + ch] = pixel(g, x, b, iy, ix, ch);
    }
  }
  return out;
}

function col2im64(g: Geom, cols: ArrayLike<number>): Float64Array {
  const K = kOf(g), dx = new Float64Array(imgSize(g));
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    const r = (b * g.outH + oy) * g.outW + ox;
    for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
      const iy = oy * g.sH - g.padTop + i * g.dH, ix = ox * g.sW - g.padLeft + j * g.dW;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      for (let ch = 0; ch < g.c; ch++) dx[((b * g.h + iy) * g.w + ix) * g.c + ch] += cols[r * K + (i * g.kw + j) * g.c + ch];
    }
  }
  return dx;
}

/** Direct NHWC convolution, kernel in TF.js layout [kh, kw, inC, outC]. */
function conv64(g: Geom, x: ArrayLike<number>, kern: ArrayLike<number>, outC: number): Float64Array {
  const y = new Float64Array(rowsOf(g) * outC);
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    for (let oc = 0; oc < outC; oc++) {
      let s = 0;
      for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) for (let ch = 0; ch < g.c; ch++) {
        const iy = oy * g.sH - g.padTop + i * g.dH, ix = ox * g.sW - g.padLeft + j * g.dW;
        s += pixel(g, x, b, iy, ix, ch) * kern[((i * g.kw + j) * g.c + ch) * outC + oc];
      }
      y[((b * g.outH + oy) * g.outW + ox) * outC + oc] = s;
    }
  }
  return y;
}

function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const av = a[i * k + p];
    if (av !== 0) for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j];
  }
  return c;
}

// ---- running the kernels (output buffers pre-filled with NaN: every entry must be written) ----

function im2col(mem: Mem, g: Geom, x: Float32Array): Float32Array {
  const px = mem.f32(x), pc = mem.f32(new Float32Array(rowsOf(g) * kOf(g)).fill(NaN));
  mem.k.f32_im2col(px, pc, ...args(g));
  const out = mem.read(pc, rowsOf(g) * kOf(g));
  mem.free();
  return out;
}

function col2im(mem: Mem, g: Geom, cols: Float32Array): Float32Array {
  const pc = mem.f32(cols), pd = mem.f32(new Float32Array(imgSize(g)).fill(NaN));
  mem.k.f32_col2im(pc, pd, ...args(g));
  const out = mem.read(pd, imgSize(g));
  mem.free();
  return out;
}

function exactly(a: Float32Array, ref: Float64Array): number {
  let bad = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i] + 0, ref[i] + 0)) bad++;
  return bad;
}

describe.each(BACKENDS)('%s backend', (name: BackendName) => {
  const mem = new Mem(name);

  it(`im2col is the definition, and im2col · kernel is the direct convolution (${GEOMS.length} geometries)`, () => {
    let seed = 1;
    for (const g of GEOMS) {
      const r = rand(seed++);
      const x = r(imgSize(g));
      const cols = im2col(mem, g, x);
      expect(exactly(cols, im2col64(g, x)), label(g)).toBe(0);
      const outC = 3;
      const kern = r(kOf(g) * outC);
      const y = matmul64(cols, kern, rowsOf(g), kOf(g), outC);
      expect(maxRelErr(y, conv64(g, x, kern, outC)), label(g)).toBeLessThan(1e-12);
    }
  });

  it('im2col: hand-computed 2x2 kernel, TF same padding on a 3x3 image (bottom/right padding)', () => {
    const g = geometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, true)!;
    expect([g.outH, g.outW, g.padTop, g.padLeft]).toEqual([3, 3, 0, 0]);
    const cols = im2col(mem, g, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(Array.from(cols)).toEqual([
      1, 2, 4, 5, 2, 3, 5, 6, 3, 0, 6, 0,
      4, 5, 7, 8, 5, 6, 8, 9, 6, 0, 9, 0,
      7, 8, 0, 0, 8, 9, 0, 0, 9, 0, 0, 0,
    ]);
  });

  it('im2col: hand-computed 3x3 kernel, dilation 2, stride 2, two channels, padding 2 on a 3x3 image', () => {
    // x[iy, ix, ch] = 10·(iy·3 + ix + 1) + ch. Output 2x2; window taps at rows/cols oy·2 − 2 + {0, 2, 4}.
    const x = Float32Array.from({ length: 18 }, (_, e) => 10 * ((e >> 1) + 1) + (e & 1));
    const g: Geom = { n: 1, h: 3, w: 3, c: 2, kh: 3, kw: 3, sH: 2, sW: 2, dH: 2, dW: 2, padTop: 2, padLeft: 2,
      outH: 2, outW: 2 };
    const cols = im2col(mem, g, x);
    const px = (iy: number, ix: number) => [10 * (iy * 3 + ix + 1), 10 * (iy * 3 + ix + 1) + 1];
    const z = [0, 0];
    expect(Array.from(cols)).toEqual([
      // (0,0): rows -2, 0, 2 × cols -2, 0, 2
      ...z, ...z, ...z, ...z, ...px(0, 0), ...px(0, 2), ...z, ...px(2, 0), ...px(2, 2),
      // (0,1): rows -2, 0, 2 × cols 0, 2, 4
      ...z, ...z, ...z, ...px(0, 0), ...px(0, 2), ...z, ...px(2, 0), ...px(2, 2), ...z,
      // (1,0): rows 0, 2, 4 × cols -2, 0, 2
      ...z, ...px(0, 0), ...px(0, 2), ...z, ...px(2, 0), ...px(2, 2), ...z, ...z, ...z,
      // (1,1): rows 0, 2, 4 × cols 0, 2, 4
      ...px(0, 0), ...px(0, 2), ...z, ...px(2, 0), ...px(2, 2), ...z, ...z, ...z, ...z,
    ]);
  });

  it('col2im: hand-computed 2x2 kernel on a 3x3 image', () => {
    // cols row r (output (r>>1, r&1)), column k = i·2 + j holds 10·(r + 1) + k; each dx pixel sums the taps that
    // read it: dx(1,1) = 13 + 22 + 31 + 40 = 106, dx(0,1) = 11 + 20 = 31, ...
    const g = geometry(1, 3, 3, 1, 2, 2, 1, 1, 1, 1, false)!;
    const cols = Float32Array.from({ length: 16 }, (_, e) => 10 * ((e >> 2) + 1) + (e & 3));
    expect(Array.from(col2im(mem, g, cols))).toEqual([10, 31, 21, 42, 106, 64, 32, 75, 43]);
  });

  it('col2im of ones counts the windows covering each pixel (3x3 same, 2 channels)', () => {
    const g = geometry(1, 3, 3, 2, 3, 3, 1, 1, 1, 1, true)!;
    const dx = col2im(mem, g, new Float32Array(rowsOf(g) * kOf(g)).fill(1));
    const counts = [4, 6, 4, 6, 9, 6, 4, 6, 4];
    expect(Array.from(dx)).toEqual(counts.flatMap((v) => [v, v]));
  });

  it(`col2im is the adjoint of im2col and matches the float64 reference (${GEOMS.length} geometries)`, () => {
    let seed = 500;
    for (const g of GEOMS) {
      const r = rand(seed++);
      const x = r(imgSize(g)), yc = r(rowsOf(g) * kOf(g));
      const cols = im2col(mem, g, x), dx = col2im(mem, g, yc);
      const lhs = dot64(cols, yc), rhs = dot64(x, dx);
      expect(Math.abs(lhs - rhs), label(g)).toBeLessThanOrEqual(1e-6 * g.kh * g.kw * absDot64(x, dx) + 1e-12);
      expect(maxRelErr(dx, col2im64(g, yc)), label(g)).toBeLessThan(2e-7 * g.kh * g.kw);
    }
  });

  it('channel counts across the SIMD widths (1 … 127), edge windows and interior windows', () => {
    let seed = 900;
    for (const c of EDGE_SIZES) {
      for (const [h, w, kh, kw, s, d, same] of [[4, 5, 3, 3, 1, 1, true], [5, 6, 2, 3, 2, 2, false],
        [3, 7, 1, 4, 1, 1, true], [2, 2, 5, 5, 3, 1, true]] as [number, number, number, number, number, number, boolean][]) {
        const g = geometry(c > 64 ? 1 : 2, h, w, c, kh, kw, s, s, d, d, same)!;
        const r = rand(seed++);
        const x = r(imgSize(g)), yc = r(rowsOf(g) * kOf(g));
        expect(exactly(im2col(mem, g, x), im2col64(g, x)), label(g)).toBe(0);
        expect(maxRelErr(col2im(mem, g, yc), col2im64(g, yc)), label(g)).toBeLessThan(2e-7 * kh * kw);
      }
    }
  });

  it(`random geometries with arbitrary padding and output sizes (${RANDOM_GEOMS.length}; windows partly or wholly in the padding)`, () => {
    let seed = 4000;
    for (const g of RANDOM_GEOMS) {
      const r = rand(seed++);
      const x = r(imgSize(g)), yc = r(rowsOf(g) * kOf(g));
      expect(exactly(im2col(mem, g, x), im2col64(g, x)), label(g)).toBe(0);
      expect(maxRelErr(col2im(mem, g, yc), col2im64(g, yc)), label(g)).toBeLessThan(2e-7 * g.kh * g.kw);
    }
  });

  it('buffers at any 4-byte alignment', () => {
    const g = geometry(2, 7, 6, 5, 3, 3, 1, 1, 1, 1, true)!;
    const r = rand(77);
    const x = r(imgSize(g)), yc = r(rowsOf(g) * kOf(g));
    for (const off of [1, 2, 3]) {
      const px = mem.f32(imgSize(g) + off) + 4 * off, pc = mem.f32(rowsOf(g) * kOf(g) + 3) + 4 * (3 - off);
      const pd = mem.f32(imgSize(g) + 2) + 4 * (off % 3);
      mem.rt.backend.memory.f32().set(x, px >> 2);
      mem.k.f32_im2col(px, pc, ...args(g));
      expect(exactly(mem.read(pc, rowsOf(g) * kOf(g)), im2col64(g, x)), `offset ${off}`).toBe(0);
      mem.rt.backend.memory.f32().set(yc, pc >> 2);
      mem.k.f32_col2im(pc, pd, ...args(g));
      expect(maxRelErr(mem.read(pd, imgSize(g)), col2im64(g, yc)), `offset ${off}`).toBeLessThan(2e-6);
      mem.free();
    }
  });

  it('a conv layer step through gemm: forward, kernel gradient and input gradient', () => {
    const cases = [geometry(3, 9, 7, 5, 3, 3, 1, 1, 1, 1, true)!, geometry(2, 11, 10, 8, 5, 5, 2, 2, 1, 1, true)!,
      geometry(1, 8, 9, 3, 2, 3, 2, 1, 2, 1, false)!, geometry(2, 6, 6, 16, 1, 1, 1, 1, 1, 1, false)!];
    let seed = 1300;
    for (const g of cases) {
      const outC = 6, rows = rowsOf(g), K = kOf(g);
      const r = rand(seed++);
      const x = r(imgSize(g)), kern = r(K * outC), bias = r(outC), dy = r(rows * outC);
      const k = mem.k;
      const px = mem.f32(x), pk = mem.f32(kern), pb = mem.f32(bias), pdy = mem.f32(dy);
      const pcols = mem.f32(rows * K), py = mem.f32(rows * outC), pdk = mem.f32(K * outC);
      const pdcols = mem.f32(rows * K), pdx = mem.f32(imgSize(g));
      k.f32_im2col(px, pcols, ...args(g));
      k.f32_gemm_nn(pcols, pk, pb, py, rows, outC, K, 0, 0, 0);
      k.f32_gemm_tn(pcols, pdy, 0, pdk, K, outC, rows, 0, 0, 0);
      k.f32_gemm_nt(pdy, pk, 0, pdcols, rows, K, outC, 0, 0, 0);
      k.f32_col2im(pdcols, pdx, ...args(g));
      const y = mem.read(py, rows * outC), dk = mem.read(pdk, K * outC), dx = mem.read(pdx, imgSize(g));
      mem.free();

      const y64 = conv64(g, x, kern, outC);
      for (let i = 0; i < y64.length; i++) y64[i] += bias[i % outC];
      const dk64 = new Float64Array(K * outC), dx64 = new Float64Array(imgSize(g));
      for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
        const row = (b * g.outH + oy) * g.outW + ox;
        for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
          const iy = oy * g.sH - g.padTop + i * g.dH, ix = ox * g.sW - g.padLeft + j * g.dW;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          for (let ch = 0; ch < g.c; ch++) {
            const e = ((b * g.h + iy) * g.w + ix) * g.c + ch, kk = (i * g.kw + j) * g.c + ch;
            for (let oc = 0; oc < outC; oc++) {
              dk64[kk * outC + oc] += x[e] * dy[row * outC + oc];
              dx64[e] += kern[kk * outC + oc] * dy[row * outC + oc];
            }
          }
        }
      }
      expect(maxRelErr(y, y64), label(g)).toBeLessThan(1e-6 * K);
      expect(maxRelErr(dk, dk64), label(g)).toBeLessThan(1e-6 * rows);
      expect(maxRelErr(dx, dx64), label(g)).toBeLessThan(1e-6 * K);
    }
  });
});

describe('wasm and js agree bit for bit', () => {
  const wasm = new Mem('wasm'), js = new Mem('js');

  it(`im2col and col2im on every geometry (${GEOMS.length} + ${RANDOM_GEOMS.length} random) and wide channel counts`, () => {
    const all = [...GEOMS, ...RANDOM_GEOMS];
    for (const c of [7, 17, 63, 65, 127]) all.push(geometry(2, 6, 5, c, 3, 2, 1, 1, 1, 1, true)!);
    let seed = 2000;
    for (const g of all) {
      const r = rand(seed++);
      const x = r(imgSize(g)), yc = r(rowsOf(g) * kOf(g), -100, 100);
      expect(bitDiff(im2col(wasm, g, x), im2col(js, g, x)), label(g)).toBe(0);
      expect(bitDiff(col2im(wasm, g, yc), col2im(js, g, yc)), label(g)).toBe(0);
    }
  });
});
