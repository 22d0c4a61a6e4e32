// f32_image_transform and its adjoint (the augmentation and crop layers' kernel): a float64 reference of the same
// sampling (fill modes constant, reflect, wrap, nearest; nearest and bilinear interpolation) on flips, crops,
// rotations, translations past the border and zooms, with channel counts across the f32x4 width; the adjoint by the
// dot-product identity <T·x, dy> = <x, Tᵀ·dy>; no writes outside the outputs; wasm and js agree bit for bit.
import { describe, expect, it } from 'vitest';
import { BACKENDS, bitDiff, Mem, rand } from './helpers';

interface Case {
  name: string; n: number; h: number; w: number; c: number; outH: number; outW: number;
  /** Per image: [t0..t5], output (ox, oy) → input (t0·ox + t1·oy + t2, t3·ox + t4·oy + t5). */
  t: number[][]; interp: 0 | 1; fill: 0 | 1 | 2 | 3; fillValue: number;
}

const rotation = (a: number, h: number, w: number) => {
  const cos = Math.cos(a), sin = Math.sin(a);
  return [cos, -sin, ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2, sin, cos, ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2];
};
const CASES: Case[] = [
  { name: 'horizontal and vertical flips, nearest', n: 2, h: 5, w: 7, c: 3, outH: 5, outW: 7,
    t: [[-1, 0, 6, 0, 1, 0], [1, 0, 0, 0, -1, 4]], interp: 0, fill: 0, fillValue: 0 },
  { name: 'integer crops, nearest', n: 2, h: 9, w: 8, c: 5, outH: 4, outW: 6, t: [[1, 0, 2, 0, 1, 3], [1, 0, 0, 0, 1, 5]], interp: 0, fill: 0, fillValue: 0 },
  ...([0, 1, 2, 3] as const).map((fill) => ({ name: `rotations, bilinear, fill mode ${fill}`, n: 3, h: 6, w: 9, c: 4, outH: 6, outW: 9,
    t: [rotation(0.4, 6, 9), rotation(-2.2, 6, 9), rotation(3.0, 6, 9)], interp: 1 as const, fill, fillValue: 0.25 })),
  ...([0, 1, 2, 3] as const).map((fill) => ({ name: `translations past the border, bilinear, fill mode ${fill}`, n: 2, h: 7, w: 5, c: 9, outH: 7, outW: 5,
    t: [[1, 0, -6.3, 0, 1, 2.6], [1, 0, 11.7, 0, 1, -15.2]], interp: 1 as const, fill, fillValue: -0.5 })),
  { name: 'zoom in and out, bilinear, reflect', n: 2, h: 8, w: 8, c: 1, outH: 8, outW: 8,
    t: [[0.6, 0, 1.4, 0, 0.75, 0.875], [1.7, 0, -2.45, 0, 1.3, -1.05]], interp: 1, fill: 1, fillValue: 0 },
  { name: 'a resize of a window (half-pixel centres), bilinear, nearest fill', n: 1, h: 10, w: 12, c: 6, outH: 5, outW: 7,
    t: [[12 / 7, 0, 0.5 * 12 / 7 - 0.5, 0, 2, 0.5]], interp: 1, fill: 3, fillValue: 0 },
];

/** The sampling in float64 (from the f32 transforms), and which input pixels each output reads with which weights. */
function reference(c: Case, x: Float32Array) {
  const { n, h, w, outH, outW } = c;
  const y = new Float64Array(n * outH * outW * c.c);
  const reads: { b: number; o: number; iy: number; ix: number; wt: number }[] = [];
  const map = (v: number, len: number): number => {
    if (c.fill === 0) return v;
    if (len <= 1) return 0;
    if (c.fill === 1) {
      const p = 2 * len;
      let m = ((v % p) + p) % p;          // in [0, 2·len)
      if (m >= len) m = p - 1 - m;         // mirror about the edge pixel
      if (v > len - 1 || v < 0) v = m;
    } else if (c.fill === 2) {
      if (v > len - 1 || v < 0) v = ((v % len) + len) % len;
    }
    return Math.min(Math.max(v, 0), len - 1);
  };
  for (let b = 0; b < n; b++) {
    const t = c.t[b].map(Math.fround);
    for (let oy = 0; oy < outH; oy++) for (let ox = 0; ox < outW; ox++) {
      const cx = map(t[0] * ox + t[1] * oy + t[2], w), cy = map(t[3] * ox + t[4] * oy + t[5], h);
      const o = (b * outH + oy) * outW + ox;
      const taps = c.interp === 0
        ? [[Math.sign(cy) * Math.round(Math.abs(cy)), Math.sign(cx) * Math.round(Math.abs(cx)), 1]]
        : (() => {
          const x0 = Math.floor(cx), y0 = Math.floor(cy);
          return [[y0, x0, (y0 + 1 - cy) * (x0 + 1 - cx)], [y0, x0 + 1, (y0 + 1 - cy) * (cx - x0)],
            [y0 + 1, x0, (cy - y0) * (x0 + 1 - cx)], [y0 + 1, x0 + 1, (cy - y0) * (cx - x0)]];
        })();
      for (const [iy, ix, wt] of taps) {
        const ok = iy >= 0 && ix >= 0 && iy < h && ix < w;
        if (ok) reads.push({ b, o, iy, ix, wt });
        for (let ch = 0; ch < c.c; ch++) y[o * c.c + ch] += wt * (ok ? x[((b * h + iy) * w + ix) * c.c + ch] : c.fillValue);
      }
    }
  }
  return { y, reads };
}

const SENT = 4;
function run(mem: Mem, c: Case, x: Float32Array, dy: Float32Array) {
  const guarded = (n: number) => { const p = mem.f32(n + 2 * SENT); mem.rt.backend.memory.f32().fill(7.5, p >> 2, (p >> 2) + n + 2 * SENT); return p + 4 * SENT; };
  const ySize = c.n * c.outH * c.outW * c.c;
  const px = mem.f32(x), pdy = mem.f32(dy), pt = mem.f32(c.t.flat());
  const py = guarded(ySize), pdx = guarded(x.length);
  mem.k.f32_image_transform(px, py, c.n, c.h, c.w, c.c, c.outH, c.outW, pt, c.interp, c.fill, c.fillValue);
  mem.k.f32_image_transform_dx(pdy, pdx, c.n, c.h, c.w, c.c, c.outH, c.outW, pt, c.interp, c.fill);
  const read = (p: number, n: number) => {
    const all = mem.read(p - 4 * SENT, n + 2 * SENT);
    for (let i = 0; i < SENT; i++) {
      expect(all[i], 'sentinel before').toBe(7.5);
      expect(all[all.length - 1 - i], 'sentinel after').toBe(7.5);
    }
    return all.slice(SENT, -SENT);
  };
  return { y: read(py, ySize), dx: read(pdx, x.length) };
}

const inputs = (c: Case, seed: number) => ({ x: rand(seed)(c.n * c.h * c.w * c.c), dy: rand(seed + 1)(c.n * c.outH * c.outW * c.c) });

describe.each(BACKENDS)('image transform on %s', (backend) => {
  it.each(CASES.map((c) => [c.name, c] as const))('matches float64, and its adjoint: %s', (_n, c) => {
    const mem = new Mem(backend);
    const { x, dy } = inputs(c, c.h * 7 + c.c);
    const got = run(mem, c, x, dy);
    mem.free();
    const ref = reference(c, x);
    for (let i = 0; i < ref.y.length; i++) {
      if (!(Math.abs(got.y[i] - ref.y[i]) <= 2e-6 + 2e-6 * Math.abs(ref.y[i]))) expect.fail(`y[${i}]: ${got.y[i]} vs ${ref.y[i]}`);
    }
    if (c.interp === 0) for (let i = 0; i < ref.y.length; i++) expect(got.y[i]).toBe(Math.fround(ref.y[i]));
    // the adjoint from the same reads, in float64
    const dx = new Float64Array(x.length);
    for (const r of ref.reads) for (let ch = 0; ch < c.c; ch++) dx[((r.b * c.h + r.iy) * c.w + r.ix) * c.c + ch] += r.wt * dy[r.o * c.c + ch];
    for (let i = 0; i < dx.length; i++) {
      if (!(Math.abs(got.dx[i] - dx[i]) <= 1e-5 * (1 + Math.abs(dx[i])))) expect.fail(`dx[${i}]: ${got.dx[i]} vs ${dx[i]}`);
    }
    // <T·x, dy> = <x, Tᵀ·dy> with the fill value 0 (the adjoint of the linear part)
    if (c.fillValue === 0) {
      let lhs = 0, rhs = 0;
      for (let i = 0; i < dy.length; i++) lhs += got.y[i] * dy[i];
      for (let i = 0; i < x.length; i++) rhs += x[i] * got.dx[i];
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
    }
  });

  it('the reflect fill mirrors about the edge pixels: columns -1, -2, 5, 6 of a 5-wide row read 0, 1, 4, 3', () => {
    const mem = new Mem(backend);
    const x = Float32Array.from([10, 11, 12, 13, 14]);
    const c: Case = { name: '', n: 1, h: 1, w: 5, c: 1, outH: 1, outW: 4, t: [[0, 0, 0, 0, 0, 0]], interp: 0, fill: 1, fillValue: 0 };
    const got = [-1, -2, 5, 6, 11].map((col) => run(mem, { ...c, outW: 1, t: [[0, 0, col, 0, 0, 0]] }, x, new Float32Array(1)).y[0]);
    expect(got).toEqual([10, 11, 14, 13, 11]);
    const wrap = [-1, 5, 7].map((col) => run(mem, { ...c, outW: 1, fill: 2, t: [[0, 0, col, 0, 0, 0]] }, x, new Float32Array(1)).y[0]);
    expect(wrap).toEqual([14, 10, 12]);
    mem.free();
  });
});

describe('image transform: wasm and js give the same bits', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const { x, dy } = inputs(c, 99);
    const [a, b] = BACKENDS.map((be) => { const m = new Mem(be); const r = run(m, c, x, dy); m.free(); return r; });
    expect(bitDiff(a.y, b.y)).toBe(0);
    expect(bitDiff(a.dx, b.dx)).toBe(0);
  });
});
