// Depthwise convolution kernels (forward, input and kernel gradients) and the clipped ReLU: float64 references on
// geometries across the channel-quad and four-pixel widths, TF 'same' and 'valid' padding, strides, dilations and
// depth multipliers; no writes outside the outputs; wasm and js agree bit for bit.
import { describe, expect, it } from 'vitest';
import { act64, BACKENDS, bitDiff, Mem, maxRelErr, rand } from './helpers';

interface G {
  n: number; h: number; w: number; c: number; mult: number; kh: number; kw: number; sh: number; sw: number;
  dh: number; dw: number; padTop: number; padLeft: number; outH: number; outW: number;
}

/** TF's geometry for 'same' or 'valid' padding. */
function geom(n: number, h: number, w: number, c: number, mult: number, kh: number, kw: number, sh: number, sw: number,
  dh: number, dw: number, same: boolean): G {
  const axis = (size: number, k: number, s: number, d: number) => {
    const span = (k - 1) * d + 1;
    if (!same) return { out: Math.ceil((size - span + 1) / s), pad: 0 };
    const out = Math.ceil(size / s);
    return { out, pad: Math.floor(Math.max((out - 1) * s + span - size, 0) / 2) };
  };
  const y = axis(h, kh, sh, dh), x = axis(w, kw, sw, dw);
  return { n, h, w, c, mult, kh, kw, sh, sw, dh, dw, padTop: y.pad, padLeft: x.pad, outH: y.out, outW: x.out };
}

const GEOMS: G[] = [
  geom(2, 7, 9, 4, 1, 3, 3, 1, 1, 1, 1, true),
  geom(1, 8, 13, 8, 1, 3, 3, 2, 2, 1, 1, true),
  geom(2, 6, 11, 5, 1, 3, 3, 1, 1, 1, 1, false),
  geom(1, 9, 10, 17, 1, 5, 5, 1, 1, 1, 1, true),
  geom(1, 5, 12, 3, 1, 1, 3, 1, 2, 1, 1, true),
  geom(1, 9, 9, 4, 1, 3, 3, 1, 1, 2, 2, true),
  geom(2, 6, 7, 3, 2, 3, 3, 1, 1, 1, 1, true),
  geom(1, 7, 8, 2, 3, 2, 3, 2, 1, 1, 1, false),
  geom(1, 6, 6, 1, 1, 3, 3, 2, 2, 1, 1, true),
  geom(3, 4, 16, 12, 1, 3, 3, 1, 1, 1, 1, true),
  geom(1, 10, 10, 4, 4, 3, 3, 1, 1, 1, 1, true),
];
const label = (g: G) => `n${g.n} ${g.h}x${g.w}x${g.c} mult ${g.mult} k${g.kh}x${g.kw} s${g.sh},${g.sw} d${g.dh},${g.dw} pad ${g.padTop},${g.padLeft} → ${g.outH}x${g.outW}`;
const geoArgs = (g: G) => [g.n, g.h, g.w, g.c, g.mult, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.outH, g.outW] as const;

/** Float64 references: y (without bias or activation), and the gradients for dy. */
function reference(g: G, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const C = g.c * g.mult;
  const y = new Float64Array(g.n * g.outH * g.outW * C), dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  const dxAbs = new Float64Array(x.length), dwAbs = new Float64Array(w.length), yAbs = new Float64Array(y.length);
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    const p = (b * g.outH + oy) * g.outW + ox;
    for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
      const iy = oy * g.sh - g.padTop + i * g.dh, ix = ox * g.sw - g.padLeft + j * g.dw;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      for (let ch = 0; ch < g.c; ch++) for (let m = 0; m < g.mult; m++) {
        const co = ch * g.mult + m, e = ((b * g.h + iy) * g.w + ix) * g.c + ch, k = (i * g.kw + j) * C + co;
        y[p * C + co] += x[e] * w[k];
        yAbs[p * C + co] += Math.abs(x[e] * w[k]);
        dx[e] += dy[p * C + co] * w[k];
        dxAbs[e] += Math.abs(dy[p * C + co] * w[k]);
        dw[k] += x[e] * dy[p * C + co];
        dwAbs[k] += Math.abs(x[e] * dy[p * C + co]);
      }
    }
  }
  return { y, dx, dw, yAbs, dxAbs, dwAbs };
}

/** Every |got − want| within `rel` of the sum of the magnitudes of its terms (f32 sums of a few terms). */
function within(got: Float32Array, want: Float64Array, scale: Float64Array, rel: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= rel * scale[i] + 1e-30)) expect.fail(`${what}[${i}]: ${got[i]} vs ${want[i]} (error ${err}, scale ${scale[i]})`);
  }
}

const SENT = 4;
/** Runs the three kernels with sentinels around every output; returns y (with bias, act), dx, dw. */
function run(mem: Mem, g: G, x: Float32Array, w: Float32Array, bias: Float32Array | undefined, dy: Float32Array, act = 0, alpha = 0) {
  const C = g.c * g.mult, ySize = g.n * g.outH * g.outW * C;
  const guarded = (n: number) => { const p = mem.f32(n + 2 * SENT); mem.rt.backend.memory.f32().fill(7.5, p >> 2, (p >> 2) + n + 2 * SENT); return p; };
  const px = mem.f32(x), pw = mem.f32(w), pb = bias ? mem.f32(bias) : 0, pdy = mem.f32(dy);
  const py = guarded(ySize), pdx = guarded(x.length), pdw = guarded(w.length);
  const k = mem.k;
  k.f32_depthwise_conv2d(px, pw, pb, py + 4 * SENT, ...geoArgs(g), act, alpha);
  k.f32_depthwise_conv2d_dx(pdy, pw, pdx + 4 * SENT, ...geoArgs(g));
  k.f32_depthwise_conv2d_dw(px, pdy, pdw + 4 * SENT, ...geoArgs(g));
  const all = (p: number, n: number) => mem.read(p, n + 2 * SENT);
  const out = { y: all(py, ySize), dx: all(pdx, x.length), dw: all(pdw, w.length) };
  for (const [name, v] of Object.entries(out)) {
    for (let i = 0; i < SENT; i++) {
      expect(v[i], `${name} sentinel before`).toBe(7.5);
      expect(v[v.length - 1 - i], `${name} sentinel after`).toBe(7.5);
    }
  }
  return { y: out.y.slice(SENT, -SENT), dx: out.dx.slice(SENT, -SENT), dw: out.dw.slice(SENT, -SENT) };
}

function data(g: G, seed: number) {
  const r = rand(seed), C = g.c * g.mult;
  return { x: r(g.n * g.h * g.w * g.c), w: r(g.kh * g.kw * C), bias: r(C), dy: r(g.n * g.outH * g.outW * C) };
}

describe.each(BACKENDS)('depthwise convolution on %s', (backend) => {
  it.each(GEOMS.map((g) => [label(g), g] as const))('matches float64: %s', (_l, g) => {
    const mem = new Mem(backend);
    const { x, w, dy } = data(g, g.h * 31 + g.c);
    const got = run(mem, g, x, w, undefined, dy);
    mem.free();
    const ref = reference(g, x, w, dy);
    within(got.y, ref.y, ref.yAbs, 2e-6 * g.kh * g.kw, 'y');
    within(got.dx, ref.dx, ref.dxAbs, 2e-6 * g.kh * g.kw * g.mult, 'dx');
    within(got.dw, ref.dw, ref.dwAbs, 2e-6 * g.n * g.outH * g.outW, 'dw');
  });

  it('bias then activation (relu6, tanh, leakyRelu) as f32_activation applies them to the sums', () => {
    const g = GEOMS[3];
    const mem = new Mem(backend);
    const { x, w, bias, dy } = data(g, 5);
    const plain = run(mem, g, x, w, undefined, dy).y;
    const C = g.c * g.mult;
    for (const [act, alpha] of [[6, 0], [5, 0], [2, 0.3]]) {
      const y = run(mem, g, Float32Array.from(x, (v) => v * 4), w, bias, dy, act, alpha).y;
      const sums = run(mem, g, Float32Array.from(x, (v) => v * 4), w, undefined, dy).y;
      const want = new Float32Array(sums.length);
      const ps = mem.f32(Float32Array.from(sums, (s, i) => Math.fround(s + bias[i % C]))), pw = mem.f32(sums.length);
      mem.k.f32_activation(ps, pw, sums.length, act, alpha);
      want.set(mem.read(pw, sums.length));
      expect(bitDiff(y, want), `act ${act}`).toBe(0);
      expect(maxRelErr(want, Array.from(sums, (s, i) => act64(s + bias[i % C], act, alpha)))).toBeLessThan(1e-5);
    }
    expect(plain.length).toBe(g.n * g.outH * g.outW * C);
    mem.free();
  });
});

describe('depthwise convolution: wasm and js agree bit for bit', () => {
  it.each(GEOMS.map((g) => [label(g), g] as const))('%s', (_l, g) => {
    const { x, w, bias, dy } = data(g, g.w * 17 + g.mult);
    const [a, b] = BACKENDS.map((name) => {
      const mem = new Mem(name);
      const out = run(mem, g, x, w, bias, dy, 6, 0);
      mem.free();
      return out;
    });
    expect(bitDiff(a.y, b.y)).toBe(0);
    expect(bitDiff(a.dx, b.dx)).toBe(0);
    expect(bitDiff(a.dw, b.dw)).toBe(0);
  });
});

/** Keras's ReLU in float64 (x > θ ? min(x, max) : s·(x − θ)) and its derivative. */
const relu64 = (x: number, max: number, s: number, t: number) => (x > t ? Math.min(x, max) : s * (x - t));
const drelu64 = (x: number, max: number, s: number, t: number) => (x > t ? (x <= max ? 1 : 0) : s);

const RELU_CASES = [[Infinity, 0, 0], [6, 0, 0], [1.5, 0.1, 0], [Infinity, 0.25, 0.5], [4, 0.3, 1], [0, 0, 0]] as const;

describe.each(BACKENDS)('f32_relu_clipped on %s', (backend) => {
  it.each(RELU_CASES)('maxValue %s, negativeSlope %s, threshold %s: values and gradient against float64', (max, s, t) => {
    const mem = new Mem(backend);
    for (const n of [1, 3, 4, 5, 17, 64]) {
      const x = rand(n)(n, -8, 8), dy = rand(n + 1)(n, -2, 2);
      const px = mem.f32(x), py = mem.f32(n), pdy = mem.f32(dy), pdx = mem.f32(n);
      mem.k.f32_relu_clipped(px, py, n, max, s, t);
      mem.k.f32_relu_clipped_grad(px, pdy, pdx, n, max, s, t);
      expect(maxRelErr(mem.read(py, n), Array.from(x, (v) => relu64(v, max, s, t)))).toBeLessThan(1e-6);
      expect(maxRelErr(mem.read(pdx, n), Array.from(x, (v, i) => dy[i] * drelu64(v, max, s, t)))).toBeLessThan(1e-6);
      mem.free();
    }
  });

  it('NaN stays NaN; −∞ gives 0 without a slope; in place', () => {
    const mem = new Mem(backend);
    const x = Float32Array.from([Number.NaN, -Infinity, Infinity, 7, 2, -3, 0, -0]);
    const px = mem.f32(x);
    mem.k.f32_relu_clipped(px, px, x.length, 6, 0, 0);
    expect(Array.from(mem.read(px, x.length))).toEqual([Number.NaN, 0, 6, 6, 2, 0, 0, 0]);
    mem.free();
  });
});

describe('f32_relu_clipped: wasm and js agree bit for bit', () => {
  it.each(RELU_CASES)('maxValue %s, negativeSlope %s, threshold %s', (max, s, t) => {
    const n = 37;
    const x = rand(9)(n, -8, 8), dy = rand(10)(n, -2, 2);
    x[3] = t; x[4] = max; x[5] = Number.NaN;
    const [a, b] = BACKENDS.map((name) => {
      const mem = new Mem(name);
      const px = mem.f32(x), py = mem.f32(n), pdx = mem.f32(n);
      mem.k.f32_relu_clipped(px, py, n, max, s, t);
      mem.k.f32_relu_clipped_grad(px, mem.f32(dy), pdx, n, max, s, t);
      const out = [mem.read(py, n), mem.read(pdx, n)];
      mem.free();
      return out;
    });
    expect(bitDiff(a[0], b[0])).toBe(0);
    expect(bitDiff(a[1], b[1])).toBe(0);
  });
});
