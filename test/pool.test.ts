// Pooling kernels on every backend: max and average pooling against float64 references over windows 1x1 … 3x3,
// strides equal to, below and above the window, 'valid' and TF 'same' padding (windows overlapping the padding),
// 1 to 127 channels and batch 1 and 3; ties (first maximum wins), the NaN rule, hand-computed cases; the gradients
// against references, by the adjoint identity and (average pooling) by central finite differences; global
// average pooling; wasm and js bit for bit.
import { describe, it, expect } from 'vitest';
import { absDot64, BACKENDS, bitDiff, dot64, EDGE_SIZES, Mem, rand, maxRelErr } from './helpers';
import type { BackendName } from '../src/backend/index';

interface Geom {
  n: number; h: number; w: number; c: number; ph: number; pw: number; sH: number; sW: number;
  padTop: number; padLeft: number; outH: number; outW: number;
}

/** 'valid' or TF 'same' pooling geometry; null when a 'valid' output would be empty. */
function geometry(n: number, h: number, w: number, c: number, ph: number, pw: number, sH: number, sW: number,
  same: boolean): Geom | null {
  let outH: number, outW: number, padTop = 0, padLeft = 0;
  if (same) {
    outH = Math.ceil(h / sH);
    outW = Math.ceil(w / sW);
    padTop = Math.floor(Math.max((outH - 1) * sH + ph - h, 0) / 2);
    padLeft = Math.floor(Math.max((outW - 1) * sW + pw - w, 0) / 2);
  } else {
    outH = Math.floor((h - ph) / sH) + 1;
    outW = Math.floor((w - pw) / sW) + 1;
    if (outH < 1 || outW < 1) return null;
  }
  return { n, h, w, c, ph, pw, sH, sW, padTop, padLeft, outH, outW };
}

const args = (g: Geom) => [g.n, g.h, g.w, g.c, g.ph, g.pw, g.sH, g.sW, g.padTop, g.padLeft, g.outH, g.outW] as const;
const inSize = (g: Geom) => g.n * g.h * g.w * g.c;
const outSize = (g: Geom) => g.n * g.outH * g.outW * g.c;
const label = (g: Geom) => `n${g.n} ${g.h}x${g.w}x${g.c} p${g.ph}x${g.pw} s${g.sH}x${g.sW} pad${g.padTop},${g.padLeft} ` +
  `out${g.outH}x${g.outW}`;

const WINDOWS = [[1, 1], [2, 2], [3, 3], [2, 3], [3, 2]];
const STRIDES = [[1, 1], [2, 2], [3, 3], [1, 2], [2, 1]];
const CHANNELS = [1, 3, 4, 5, 7, 8, 9, 17];
const SIZES = [[7, 9], [6, 6], [5, 8], [9, 5], [2, 3], [1, 4]];

const GEOMS: Geom[] = [];
{
  let t = 0;
  for (const [ph, pw] of WINDOWS) for (const [sH, sW] of STRIDES) for (const same of [false, true]) {
    const [h, w] = SIZES[t % SIZES.length];
    const g = geometry(t % 4 === 1 ? 3 : 1, h, w, CHANNELS[t % CHANNELS.length], ph, pw, sH, sW, same);
    if (g) GEOMS.push(g);
    t++;
  }
  for (const c of [63, 64, 65, 127]) GEOMS.push(geometry(2, 5, 4, c, 3, 3, 2, 2, true)!, geometry(1, 4, 5, c, 2, 2, 1, 1, false)!);
}

/** Calls f(b, oy, ox, list of in-bounds input pixel indices (b·h + iy)·w + ix in row-major window order). */
function windows(g: Geom, f: (o: number, pixels: number[]) => void): void {
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    const pixels: number[] = [];
    for (let i = 0; i < g.ph; i++) for (let j = 0; j < g.pw; j++) {
      const iy = oy * g.sH - g.padTop + i, ix = ox * g.sW - g.padLeft + j;
      if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) pixels.push((b * g.h + iy) * g.w + ix);
    }
    f((b * g.outH + oy) * g.outW + ox, pixels);
  }
}

/** Max and the first position holding it (written differently from the kernels: Math.max, then a search). */
function maxpool64(g: Geom, x: ArrayLike<number>): { y: Float64Array; arg: Int32Array } {
  const y = new Float64Array(outSize(g)), arg = new Int32Array(outSize(g));
  windows(g, (o, pixels) => {
    for (let ch = 0; ch < g.c; ch++) {
      const vals = pixels.map((p) => x[p * g.c + ch]);
      const m = Math.max(...vals);
      y[o * g.c + ch] = m;
      // the winner's index within its image: pixel minus the image's first pixel
      const b = Math.floor(o / (g.outH * g.outW));
      arg[o * g.c + ch] = (pixels[vals.indexOf(m)] - b * g.h * g.w) * g.c + ch;
    }
  });
  return { y, arg };
}

function avgpool64(g: Geom, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(outSize(g));
  windows(g, (o, pixels) => {
    for (let ch = 0; ch < g.c; ch++) {
      let s = 0;
      for (const p of pixels) s += x[p * g.c + ch];
      y[o * g.c + ch] = s / pixels.length;
    }
  });
  return y;
}

function avgpoolGrad64(g: Geom, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(inSize(g));
  windows(g, (o, pixels) => {
    for (let ch = 0; ch < g.c; ch++) for (const p of pixels) dx[p * g.c + ch] += dy[o * g.c + ch] / pixels.length;
  });
  return dx;
}

// ---- running the kernels; outputs pre-filled with NaN / −1 so that every entry must be written ----

function maxpool(mem: Mem, g: Geom, x: Float32Array): { y: Float32Array; arg: Int32Array } {
  const px = mem.f32(x), py = mem.f32(new Float32Array(outSize(g)).fill(NaN));
  const pa = mem.i32(new Int32Array(outSize(g)).fill(-1));
  mem.k.f32_maxpool2d(px, py, pa, ...args(g));
  const out = { y: mem.read(py, outSize(g)), arg: mem.readI32(pa, outSize(g)) };
  mem.free();
  return out;
}

/** dy and arg hold n images of dy.length / n values; dx gets n images of inSize values. */
function maxpoolGrad(mem: Mem, dy: Float32Array, arg: Int32Array, n: number, inSize: number): Float32Array {
  const pdy = mem.f32(dy), pa = mem.i32(arg), pdx = mem.f32(new Float32Array(n * inSize).fill(NaN));
  mem.k.f32_maxpool2d_grad(pdy, pa, pdx, n, dy.length / n, inSize);
  const out = mem.read(pdx, n * inSize);
  mem.free();
  return out;
}

function avgpool(mem: Mem, g: Geom, x: Float32Array): Float32Array {
  const px = mem.f32(x), py = mem.f32(new Float32Array(outSize(g)).fill(NaN));
  mem.k.f32_avgpool2d(px, py, ...args(g));
  const out = mem.read(py, outSize(g));
  mem.free();
  return out;
}

function avgpoolGrad(mem: Mem, g: Geom, dy: Float32Array): Float32Array {
  const pdy = mem.f32(dy), pdx = mem.f32(new Float32Array(inSize(g)).fill(NaN));
  mem.k.f32_avgpool2d_grad(pdy, pdx, ...args(g));
  const out = mem.read(pdx, inSize(g));
  mem.free();
  return out;
}

function globalAvg(mem: Mem, x: Float32Array, n: number, hw: number, c: number): Float32Array {
  const px = mem.f32(x), py = mem.f32(new Float32Array(n * c).fill(NaN));
  mem.k.f32_global_avgpool(px, py, n, hw, c);
  const out = mem.read(py, n * c);
  mem.free();
  return out;
}

function globalAvgGrad(mem: Mem, dy: Float32Array, n: number, hw: number, c: number): Float32Array {
  const pdy = mem.f32(dy), pdx = mem.f32(new Float32Array(n * hw * c).fill(NaN));
  mem.k.f32_global_avgpool_grad(pdy, pdx, n, hw, c);
  const out = mem.read(pdx, n * hw * c);
  mem.free();
  return out;
}

/** Integers in {0, 1, 2}: most windows hold ties. */
const tied = (r: ReturnType<typeof rand>, len: number) => r(len, 0, 3).map(Math.floor);

const GLOBAL_SHAPES: [number, number, number][] = [];
EDGE_SIZES.forEach((s, i) => {
  GLOBAL_SHAPES.push([1 + (i % 3), s, EDGE_SIZES[(i + 5) % EDGE_SIZES.length]]);
  GLOBAL_SHAPES.push([1 + ((i + 1) % 3), EDGE_SIZES[(i + 7) % EDGE_SIZES.length], s]);
});

describe.each(BACKENDS)('%s backend', (name: BackendName) => {
  const mem = new Mem(name);

  it(`max pooling: values and first-maximum indices (${GEOMS.length} geometries, random and tied data)`, () => {
    let seed = 1;
    for (const g of GEOMS) {
      const r = rand(seed++);
      for (const x of [r(inSize(g)), tied(r, inSize(g))]) {
        const { y, arg } = maxpool(mem, g, x);
        const ref = maxpool64(g, x);
        expect(maxRelErr(y, ref.y), label(g)).toBe(0);
        expect(bitDiff(arg, ref.arg), label(g)).toBe(0);
      }
    }
  });

  it('max pooling: hand-computed 2x2 stride 2 same on 3x3 (window clipped by bottom/right padding, ties)', () => {
    const g = geometry(1, 3, 3, 1, 2, 2, 2, 2, true)!;
    expect([g.outH, g.outW, g.padTop, g.padLeft]).toEqual([2, 2, 0, 0]);
    const { y, arg } = maxpool(mem, g, Float32Array.from([3, 1, 3, 2, 3, 0, 1, 1, -1]));
    expect(Array.from(y)).toEqual([3, 3, 1, -1]);
    expect(Array.from(arg)).toEqual([0, 2, 6, 8]);
  });

  it('max pooling: padding never wins over negative values, argmax is relative to each image', () => {
    const g = geometry(2, 2, 2, 3, 3, 3, 1, 1, true)!;
    expect([g.outH, g.outW, g.padTop, g.padLeft]).toEqual([2, 2, 1, 1]);
    const x = Float32Array.from({ length: inSize(g) }, (_, e) => -100 + (e % 5));
    const { y, arg } = maxpool(mem, g, x);
    const ref = maxpool64(g, x);
    expect(Array.from(y)).toEqual(Array.from(ref.y));
    expect(Array.from(arg)).toEqual(Array.from(ref.arg));
    for (let i = 0; i < y.length; i++) expect(y[i]).toBeLessThan(-95);
    // the second image's winners index into the second image, from 0
    expect(Math.max(...arg)).toBeLessThan(12);
    expect(Array.from(arg.slice(12))).toEqual(Array.from(ref.arg.slice(12)));
  });

  it('max pooling: strictly greater replaces (NaN only when first, −0/+0 keep the first, −Infinity is a value)', () => {
    // Pairs (first, second) of one 1x2 window; expected winner 0 (first) or 1 (second). c = 13 runs every path:
    // channels 0-7 in the 8-wide loop, 8-11 in the 4-wide loop, 12 scalar; batch b shifts the pairs by b.
    const pairs: [number, number, number][] = [[NaN, 5, 0], [1, NaN, 0], [-Infinity, -Infinity, 0], [7, 9, 1],
      [-0, 0, 0], [0, -0, 0], [NaN, NaN, 0], [-Infinity, -3, 1], [2, 2, 0]];
    const g = geometry(2, 1, 2, 13, 1, 2, 1, 1, false)!;
    const x = new Float32Array(inSize(g));
    const want: number[] = [], wantArg: number[] = [];
    for (let b = 0; b < 2; b++) {
      for (let ch = 0; ch < 13; ch++) {
        const [u, v, k] = pairs[(ch + b) % pairs.length];
        x[b * 26 + ch] = u;
        x[b * 26 + 13 + ch] = v;
        want.push(k ? v : u);
        wantArg.push(13 * k + ch); // within image b
      }
    }
    const { y, arg } = maxpool(mem, g, x);
    expect(Array.from(arg)).toEqual(wantArg);
    for (let i = 0; i < want.length; i++) expect(Object.is(y[i], want[i]), `output ${i}: ${y[i]} vs ${want[i]}`).toBe(true);
  });

  it('max pooling gradient: scatter to the winners, adjoint of the selection, overlapping windows', () => {
    let seed = 100;
    for (const g of GEOMS) {
      const r = rand(seed++);
      const x = tied(r, inSize(g)), dy = r(outSize(g)), z = r(inSize(g));
      const { arg } = maxpool(mem, g, x);
      const dx = maxpoolGrad(mem, dy, arg, g.n, inSize(g) / g.n);
      const ref = new Float64Array(inSize(g));
      // arg is within each image: element i of image b lands at b·(h·w·c) + arg[i]
      const at = (i: number) => Math.floor(i / (g.outH * g.outW * g.c)) * g.h * g.w * g.c + arg[i];
      for (let i = 0; i < dy.length; i++) ref[at(i)] += dy[i];
      expect(maxRelErr(dx, ref), label(g)).toBeLessThan(1e-6 * g.ph * g.pw);
      let lhs = 0;
      for (let i = 0; i < dy.length; i++) lhs += dy[i] * z[at(i)];
      expect(Math.abs(lhs - dot64(z, dx)), label(g)).toBeLessThanOrEqual(1e-6 * absDot64(z, dx) + 1e-12);
    }
  });

  it('max pooling gradient on arbitrary index lists: f32 adds in ascending order, many collisions, per image', () => {
    const r = rand(7);
    for (const n of [1, 3]) {
      for (const count of EDGE_SIZES) {
        for (const dxCount of [1, 3, 10, 200]) {
          const dy = r(n * count, -10, 10);
          const arg = Int32Array.from(r(n * count, 0, dxCount), Math.floor);
          const ref = new Float32Array(n * dxCount);
          for (let i = 0; i < n * count; i++) {
            const at = Math.floor(i / count) * dxCount + arg[i];
            ref[at] = Math.fround(ref[at] + dy[i]);
          }
          expect(bitDiff(maxpoolGrad(mem, dy, arg, n, dxCount), ref), `n ${n} count ${count} dxCount ${dxCount}`).toBe(0);
        }
      }
    }
  });

  it(`average pooling: float64 reference, padding excluded from the count (${GEOMS.length} geometries)`, () => {
    let seed = 200;
    for (const g of GEOMS) {
      const x = rand(seed++)(inSize(g));
      expect(maxRelErr(avgpool(mem, g, x), avgpool64(g, x)), label(g)).toBeLessThan(2e-7 * g.ph * g.pw);
    }
  });

  it('average pooling: hand-computed 2x2 stride 2 same on 3x3', () => {
    const g = geometry(1, 3, 3, 1, 2, 2, 2, 2, true)!;
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(avgpool(mem, g, x))).toEqual([3, 4.5, 7.5, 9]);
    // Gradient: each dy spread over its in-bounds pixels: 4 → 1 each, 2 → 1 each, 6 → 3 each, 5 → 5.
    expect(Array.from(avgpoolGrad(mem, g, Float32Array.from([4, 2, 6, 5])))).toEqual([1, 1, 1, 1, 1, 1, 3, 3, 5]);
  });

  it('average pooling gradient: float64 reference and the adjoint identity', () => {
    let seed = 300;
    for (const g of GEOMS) {
      const r = rand(seed++);
      const x = r(inSize(g)), dy = r(outSize(g));
      const dx = avgpoolGrad(mem, g, dy);
      expect(maxRelErr(dx, avgpoolGrad64(g, dy)), label(g)).toBeLessThan(2e-7 * g.ph * g.pw);
      const y = avgpool(mem, g, x);
      expect(Math.abs(dot64(y, dy) - dot64(x, dx)), label(g))
        .toBeLessThanOrEqual(1e-6 * g.ph * g.pw * (absDot64(y, dy) + absDot64(x, dx)) + 1e-12);
    }
  });

  it('average pooling gradient: central finite differences of L = Σ u·avgpool(x)', () => {
    const cases = [geometry(2, 7, 6, 5, 3, 3, 2, 2, true)!, geometry(1, 5, 5, 8, 2, 3, 1, 2, true)!,
      geometry(1, 6, 7, 3, 3, 2, 3, 1, false)!];
    let seed = 400;
    for (const g of cases) {
      const r = rand(seed++);
      const x = r(inSize(g)), u = r(outSize(g));
      const dx = avgpoolGrad(mem, g, u);
      const loss = (xv: Float32Array) => dot64(avgpool(mem, g, xv), u);
      const eps = 0.25;
      for (let t = 0; t < 40; t++) {
        const e = Math.floor(r(1, 0, inSize(g))[0]);
        const xp = x.slice(), xm = x.slice();
        xp[e] += eps;
        xm[e] -= eps;
        const fd = (loss(xp) - loss(xm)) / (2 * eps);
        expect(Math.abs(fd - dx[e]), `${label(g)} at ${e}`).toBeLessThan(1e-5);
      }
    }
  });

  it('global average pooling and its gradient: float64 references and the adjoint identity', () => {
    let seed = 500;
    for (const [n, hw, c] of GLOBAL_SHAPES) {
      const r = rand(seed++);
      const x = r(n * hw * c), dy = r(n * c);
      const y = globalAvg(mem, x, n, hw, c), dx = globalAvgGrad(mem, dy, n, hw, c);
      const y64 = new Float64Array(n * c), dx64 = new Float64Array(n * hw * c);
      for (let b = 0; b < n; b++) for (let p = 0; p < hw; p++) for (let ch = 0; ch < c; ch++) {
        y64[b * c + ch] += x[(b * hw + p) * c + ch] / hw;
        dx64[(b * hw + p) * c + ch] = dy[b * c + ch] / hw;
      }
      const tag = `n${n} hw${hw} c${c}`;
      expect(maxRelErr(y, y64), tag).toBeLessThan(2e-7 * hw);
      expect(maxRelErr(dx, dx64), tag).toBeLessThan(1e-7);
      expect(Math.abs(dot64(y, dy) - dot64(x, dx)), tag)
        .toBeLessThanOrEqual(1e-6 * hw * (absDot64(y, dy) + absDot64(x, dx)) + 1e-12);
    }
  });

  it('buffers at any 4-byte alignment', () => {
    const g = geometry(2, 7, 6, 13, 3, 3, 2, 2, true)!;
    const r = rand(78);
    const x = r(inSize(g)), dy = r(outSize(g));
    const ref = maxpool64(g, x), avg = avgpool64(g, x), avgGrad = avgpoolGrad64(g, dy);
    for (const off of [1, 2, 3]) {
      const px = mem.f32(inSize(g) + 3) + 4 * off, py = mem.f32(outSize(g) + 3) + 4 * (3 - off);
      const pa = mem.i32(new Int32Array(outSize(g) + 3)) + 4 * (off % 3), pd = mem.f32(inSize(g) + 3) + 4 * off;
      const pg = mem.f32(outSize(g) + 3) + 4 * (3 - off);
      const F = mem.rt.backend.memory.f32();
      F.set(x, px >> 2);
      F.set(dy, pg >> 2);
      mem.k.f32_maxpool2d(px, py, pa, ...args(g));
      expect(maxRelErr(mem.read(py, outSize(g)), ref.y), `offset ${off}`).toBe(0);
      expect(Array.from(mem.readI32(pa, outSize(g))), `offset ${off}`).toEqual(Array.from(ref.arg));
      mem.k.f32_avgpool2d(px, py, ...args(g));
      expect(maxRelErr(mem.read(py, outSize(g)), avg), `offset ${off}`).toBeLessThan(2e-6);
      mem.k.f32_avgpool2d_grad(pg, pd, ...args(g));
      expect(maxRelErr(mem.read(pd, inSize(g)), avgGrad), `offset ${off}`).toBeLessThan(2e-6);
      mem.k.f32_global_avgpool(px, py, 2, 42, 13);
      const gy = mem.read(py, 26);
      for (let ch = 0; ch < 26; ch++) {
        let sum = 0;
        for (let p = 0; p < 42; p++) sum += x[(Math.floor(ch / 13) * 42 + p) * 13 + (ch % 13)];
        expect(Math.abs(gy[ch] - sum / 42), `offset ${off} ch ${ch}`).toBeLessThan(1e-5);
      }
      mem.free();
    }
  });

  it('global average pooling matches average pooling with an h×w window', () => {
    const g = geometry(3, 5, 7, 9, 5, 7, 1, 1, false)!;
    const x = rand(600)(inSize(g));
    expect(bitDiff(globalAvg(mem, x, 3, 35, 9), avgpool(mem, g, x))).toBe(0);
  });
});

describe('wasm and js agree bit for bit', () => {
  const wasm = new Mem('wasm'), js = new Mem('js');

  it(`every pooling kernel on every geometry (${GEOMS.length}) and global shape (${GLOBAL_SHAPES.length})`, () => {
    let seed = 1000;
    for (const g of GEOMS) {
      const r = rand(seed++);
      const x = r(inSize(g), -50, 50), xt = tied(r, inSize(g)), dy = r(outSize(g), -50, 50);
      for (const xv of [x, xt]) {
        const a = maxpool(wasm, g, xv), b = maxpool(js, g, xv);
        expect(bitDiff(a.y, b.y), label(g)).toBe(0);
        expect(bitDiff(a.arg, b.arg), label(g)).toBe(0);
        expect(bitDiff(maxpoolGrad(wasm, dy, a.arg, g.n, inSize(g) / g.n), maxpoolGrad(js, dy, a.arg, g.n, inSize(g) / g.n)), label(g)).toBe(0);
      }
      expect(bitDiff(avgpool(wasm, g, x), avgpool(js, g, x)), label(g)).toBe(0);
      expect(bitDiff(avgpoolGrad(wasm, g, dy), avgpoolGrad(js, g, dy)), label(g)).toBe(0);
    }
    for (const [n, hw, c] of GLOBAL_SHAPES) {
      const r = rand(seed++);
      const x = r(n * hw * c, -50, 50), dy = r(n * c, -50, 50);
      expect(bitDiff(globalAvg(wasm, x, n, hw, c), globalAvg(js, x, n, hw, c))).toBe(0);
      expect(bitDiff(globalAvgGrad(wasm, dy, n, hw, c), globalAvgGrad(js, dy, n, hw, c))).toBe(0);
    }
  });
});
