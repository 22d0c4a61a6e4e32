// f32_conv2d_direct (stride 1, no dilation, no padding) on every backend: against a float64 NHWC convolution with
// bias and activation, bit for bit against f32_im2col + f32_gemm_nn on the same backend, wasm against js, and no
// write outside y. Geometries cover output widths at and around the 5-pixel tile (5-12, 24), filter counts around
// the 8-filter panel (1, 7, 8, 9, 16, 17), 1 to 8 channels, kernels 1x1 to 5x5 and batch 1 and 3.
import { afterAll, describe, expect, it } from 'vitest';
import { act64, BACKENDS, bitDiff, Mem, rand } from './helpers';

interface G { n: number; h: number; w: number; c: number; kh: number; kw: number; f: number }
const oh = (g: G) => g.h - g.kh + 1;
const ow = (g: G) => g.w - g.kw + 1;
const K = (g: G) => g.kh * g.kw * g.c;
const outSize = (g: G) => g.n * oh(g) * ow(g) * g.f;
const label = (g: G) => `n${g.n} ${g.h}x${g.w}x${g.c} k${g.kh}x${g.kw} filters ${g.f}`;

const GEOMS: G[] = [];
{
  const kernels = [[1, 1], [3, 3], [5, 5], [2, 3]], widths = [5, 6, 7, 9, 10, 11, 12, 24], filters = [1, 7, 8, 9, 16, 17];
  const channels = [1, 2, 3, 4, 5, 8];
  let t = 0;
  for (const [kh, kw] of kernels) {
    for (const owd of widths) {
      const c = channels[t % channels.length], f = filters[(t * 5) % filters.length];
      GEOMS.push({ n: t % 3 === 0 ? 3 : 1, h: kh + (t % 4), w: owd + kw - 1, c, kh, kw, f });
      t++;
    }
  }
  GEOMS.push({ n: 2, h: 28, w: 28, c: 1, kh: 5, kw: 5, f: 8 }, { n: 1, h: 32, w: 32, c: 3, kh: 3, kw: 3, f: 32 });
}
// linear, relu, elu 0.7, sigmoid: with and without bias
const ACTS: [number, number][] = [[0, 0], [1, 0], [3, 0.7], [4, 0]];

function conv64(g: G, x: Float32Array, w: Float32Array, bias: Float32Array | null, act: number, alpha: number): Float64Array {
  const y = new Float64Array(outSize(g));
  let d = 0;
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < oh(g); oy++) for (let ox = 0; ox < ow(g); ox++) {
    for (let f = 0; f < g.f; f++, d++) {
      let s = 0;
      for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) for (let ch = 0; ch < g.c; ch++) {
        s += x[((b * g.h + oy + i) * g.w + ox + j) * g.c + ch] * w[((i * g.kw + j) * g.c + ch) * g.f + f];
      }
      y[d] = act64(s + (bias ? bias[f] : 0), act, alpha);
    }
  }
  return y;
}

/** The kernel's output, with 16 sentinel floats on each side of y to catch stray writes. */
function direct(mem: Mem, g: G, x: Float32Array, w: Float32Array, bias: Float32Array | null, act: number, alpha: number): Float32Array {
  const SENT = 16, size = outSize(g);
  const guard = new Float32Array(size + 2 * SENT).fill(-12345.5);
  const px = mem.f32(x), pw = mem.f32(w), pb = bias ? mem.f32(bias) : 0, py = mem.f32(guard);
  mem.k.f32_conv2d_direct(px, pw, pb, py + 4 * SENT, g.n, g.h, g.w, g.c, g.kh, g.kw, g.f, act, alpha);
  const all = mem.read(py, size + 2 * SENT);
  mem.free();
  for (let i = 0; i < SENT; i++) {
    expect(all[i], `${label(g)}: write before y`).toBe(-12345.5);
    expect(all[SENT + size + i], `${label(g)}: write after y`).toBe(-12345.5);
  }
  return all.slice(SENT, SENT + size);
}

function viaGemm(mem: Mem, g: G, x: Float32Array, w: Float32Array, bias: Float32Array | null, act: number, alpha: number): Float32Array {
  const rows = g.n * oh(g) * ow(g);
  const px = mem.f32(x), pw = mem.f32(w), pb = bias ? mem.f32(bias) : 0, pc = mem.f32(rows * K(g)), py = mem.f32(rows * g.f);
  mem.k.f32_im2col(px, pc, g.n, g.h, g.w, g.c, g.kh, g.kw, 1, 1, 1, 1, 0, 0, oh(g), ow(g));
  mem.k.f32_gemm_nn(pc, pw, pb, py, rows, g.f, K(g), 0, act, alpha);
  const y = mem.read(py, rows * g.f);
  mem.free();
  return y;
}

function maxErr(y: Float32Array, want: Float64Array, scale: Float64Array): number {
  let e = 0;
  for (let i = 0; i < y.length; i++) e = Math.max(e, Math.abs(y[i] - want[i]) / Math.max(1, scale[i]));
  return e;
}

describe.each(BACKENDS)('f32_conv2d_direct on %s', (backend) => {
  const mem = new Mem(backend);
  afterAll(() => mem.free());

  it(`matches the float64 convolution, and gives the bits of im2col + gemm_nn (${GEOMS.length} geometries × 4 activations × bias)`, () => {
    let seed = 500;
    for (const g of GEOMS) {
      const r = rand(seed++);
      const x = r(g.n * g.h * g.w * g.c), w = r(K(g) * g.f), bias = r(g.f);
      // the sum of |terms| for each output: the scale of its f32 rounding error
      const absX = x.map(Math.abs), absW = w.map(Math.abs);
      const scale = conv64(g, absX, absW, null, 0, 0);
      for (const [act, alpha] of ACTS) {
        for (const b of [bias, null]) {
          const y = direct(mem, g, x, w, b, act, alpha);
          expect(maxErr(y, conv64(g, x, w, b, act, alpha), scale), `${label(g)} act ${act}`).toBeLessThan(2e-7 * (K(g) + 2));
          expect(bitDiff(y, viaGemm(mem, g, x, w, b, act, alpha)), `${label(g)} act ${act} bias ${!!b}`).toBe(0);
        }
      }
    }
  });

  it('hand-computed: 1 channel, 2x2 kernel of ones on a 2x6 image, one filter, bias 0.5, relu', () => {
    const g: G = { n: 1, h: 2, w: 6, c: 1, kh: 2, kw: 2, f: 1 };
    const x = Float32Array.from([1, 2, 3, 4, 5, -30, 6, 7, 8, 9, 10, 11]);
    // windows: 1+2+6+7, 2+3+7+8, 3+4+8+9, 4+5+9+10, 5-30+10+11 (= -4, relu after + 0.5 → 0)
    const y = direct(mem, g, x, new Float32Array(4).fill(1), Float32Array.of(0.5), 1, 0);
    expect(Array.from(y)).toEqual([16.5, 20.5, 24.5, 28.5, 0]);
  });

  it('writes nothing when the output is narrower than 5 pixels (the caller uses im2col there)', () => {
    const g: G = { n: 1, h: 5, w: 7, c: 2, kh: 3, kw: 4, f: 3 };
    const r = rand(77);
    const y = direct(mem, { ...g }, r(g.n * g.h * g.w * g.c), r(K(g) * g.f), null, 0, 0);
    expect(y.every((v) => v === -12345.5)).toBe(true);
  });
});

describe('f32_conv2d_direct: wasm and js agree bit for bit', () => {
  const wasm = new Mem('wasm'), js = new Mem('js');
  afterAll(() => { wasm.free(); js.free(); });
  // (NaN inputs are left out: both give NaN there, but which NaN bits an engine's f32x4 ops produce is its own.)
  it('on every geometry, activation, with and without bias, including inputs with −0 and an ∞', () => {
    let seed = 900;
    for (const g of GEOMS) {
      const r = rand(seed++);
      const x = r(g.n * g.h * g.w * g.c, -100, 100), w = r(K(g) * g.f), bias = r(g.f);
      if (seed % 3 === 0) { x[0] = seed % 2 ? Infinity : -Infinity; x[x.length - 1] = -0; }
      for (const [act, alpha] of [...ACTS, [5, 0] as [number, number], [2, 0.2] as [number, number]]) {
        for (const b of [bias, null]) {
          expect(bitDiff(direct(wasm, g, x, w, b, act, alpha), direct(js, g, x, w, b, act, alpha)), `${label(g)} act ${act}`).toBe(0);
        }
      }
    }
  });
});

/** f32_conv2d_direct_dw's output, with sentinels around dw. */
function directDw(mem: Mem, g: G, x: Float32Array, dy: Float32Array): Float32Array {
  const SENT = 16, size = K(g) * g.f;
  const px = mem.f32(x), pdy = mem.f32(dy), pw = mem.f32(new Float32Array(size + 2 * SENT).fill(-12345.5));
  mem.k.f32_conv2d_direct_dw(px, pdy, pw + 4 * SENT, g.n, g.h, g.w, g.c, g.kh, g.kw, g.f);
  const all = mem.read(pw, size + 2 * SENT);
  mem.free();
  for (let i = 0; i < SENT; i++) {
    expect(all[i], `${label(g)}: write before dw`).toBe(-12345.5);
    expect(all[SENT + size + i], `${label(g)}: write after dw`).toBe(-12345.5);
  }
  return all.slice(SENT, SENT + size);
}

function dwViaGemm(mem: Mem, g: G, x: Float32Array, dy: Float32Array): Float32Array {
  const rows = g.n * oh(g) * ow(g);
  const px = mem.f32(x), pdy = mem.f32(dy), pc = mem.f32(rows * K(g)), pw = mem.f32(K(g) * g.f);
  mem.k.f32_im2col(px, pc, g.n, g.h, g.w, g.c, g.kh, g.kw, 1, 1, 1, 1, 0, 0, oh(g), ow(g));
  mem.k.f32_gemm_tn(pc, pdy, 0, pw, K(g), g.f, rows, 0, 0, 0);
  const w = mem.read(pw, K(g) * g.f);
  mem.free();
  return w;
}

function dw64(g: G, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const w = new Float64Array(K(g) * g.f);
  let p = 0;
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < oh(g); oy++) for (let ox = 0; ox < ow(g); ox++, p++) {
    for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) for (let ch = 0; ch < g.c; ch++) {
      const xv = x[((b * g.h + oy + i) * g.w + ox + j) * g.c + ch], t = (i * g.kw + j) * g.c + ch;
      for (let f = 0; f < g.f; f++) w[t * g.f + f] += xv * dy[p * g.f + f];
    }
  }
  return w;
}

// kernel-gradient geometries: every output width from 1, patches of 1 to 75 terms (panels of 5 and a partial one)
const DW_GEOMS: G[] = [...GEOMS, { n: 2, h: 4, w: 3, c: 1, kh: 2, kw: 3, f: 5 }, { n: 1, h: 1, w: 1, c: 1, kh: 1, kw: 1, f: 9 },
  { n: 3, h: 6, w: 8, c: 3, kh: 5, kw: 5, f: 16 }, { n: 64, h: 28, w: 28, c: 1, kh: 5, kw: 5, f: 8 }];

describe.each(BACKENDS)('f32_conv2d_direct_dw on %s', (backend) => {
  const mem = new Mem(backend);
  afterAll(() => mem.free());
  it(`matches the float64 kernel gradient and gives the bits of im2col + gemm_tn (${DW_GEOMS.length} geometries)`, () => {
    let seed = 700;
    for (const g of DW_GEOMS) {
      const r = rand(seed++);
      const x = r(g.n * g.h * g.w * g.c), dy = r(outSize(g));
      const w = directDw(mem, g, x, dy);
      const scale = dw64(g, x.map(Math.abs), dy.map(Math.abs));
      expect(maxErr(w, dw64(g, x, dy), scale), label(g)).toBeLessThan(2e-7 * (g.n * oh(g) * ow(g) + 2));
      expect(bitDiff(w, dwViaGemm(mem, g, x, dy)), label(g)).toBe(0);
    }
  });
});

describe('f32_conv2d_direct_dw: wasm and js agree bit for bit', () => {
  const wasm = new Mem('wasm'), js = new Mem('js');
  afterAll(() => { wasm.free(); js.free(); });
  it('on every geometry, including inputs with −0 and an ∞', () => {
    let seed = 1900;
    for (const g of DW_GEOMS) {
      const r = rand(seed++);
      const x = r(g.n * g.h * g.w * g.c, -100, 100), dy = r(outSize(g));
      if (seed % 3 === 0) { x[0] = seed % 2 ? Infinity : -Infinity; x[x.length - 1] = -0; }
      expect(bitDiff(directDw(wasm, g, x, dy), directDw(js, g, x, dy)), label(g)).toBe(0);
    }
  });
});
