// Bias, activation and softmax kernels: float64 references on the edge sizes (as row and as column counts),
// in-place use, unaligned pointers, central finite differences for every activation gradient and for the
// softmax gradient, extreme inputs, and wasm vs js agreement.
import { describe, it, expect } from 'vitest';
import { act64, BACKENDS, bitDiff, EDGE_SIZES, Mem, rand, maxRelErr } from './helpers';
import type { BackendName } from '../src/backend/index';

const ACTS = [
  { name: 'linear', code: 0 },
  { name: 'relu', code: 1 },
  { name: 'leakyRelu', code: 2 },
  { name: 'elu', code: 3 },
  { name: 'sigmoid', code: 4 },
  { name: 'tanh', code: 5 },
  { name: 'relu6', code: 6 },
  { name: 'hardSigmoid', code: 7 },
];

/** Float64 derivative of an activation (act64 in helpers.ts) with respect to x. */
function dact64(x: number, code: number, alpha: number): number {
  switch (code) {
    case 1: return x > 0 ? 1 : 0;
    case 2: return x > 0 ? 1 : alpha;
    case 3: return x > 0 ? 1 : alpha * Math.exp(x);
    case 4: { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); }
    case 5: return 1 - Math.tanh(x) ** 2;
    case 6: return x > 0 && x < 6 ? 1 : 0;
    case 7: return x > -2.5 && x < 2.5 ? 0.2 : 0;
    default: return 1;
  }
}

function softmax64(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += (y[r * cols + c] = Math.exp(x[r * cols + c] - m));
    for (let c = 0; c < cols; c++) y[r * cols + c] /= s;
  }
  return y;
}

/** Keeps values at least `gap` away from 0 (kinks of relu/leakyRelu/elu). */
function awayFromZero(a: Float32Array, gap: number): Float32Array {
  return a.map((v) => (Math.abs(v) < gap ? (v < 0 ? -gap : gap) : v));
}

/** Row/column shapes: every edge size as rows with a few column counts, and as columns with a few row counts. */
const SHAPES: [number, number][] = [];
for (const s of EDGE_SIZES) for (const o of [1, 3, 17]) SHAPES.push([s, o], [o, s]);

const ALPHA = 0.2;

describe.each(BACKENDS)('unary kernels on %s', (name: BackendName) => {
  it('f32_bias_add matches x + bias on every shape, in place and out of place', () => {
    const mem = new Mem(name);
    const r = rand(1);
    for (const [rows, cols] of SHAPES) {
      const x = r(rows * cols, -3, 3), b = r(cols, -2, 2);
      const ref = x.map((v, i) => v + b[i % cols]);
      const px = mem.f32(x), pb = mem.f32(b), py = mem.f32(rows * cols);
      mem.k.f32_bias_add(px, pb, py, rows, cols);
      expect(maxRelErr(mem.read(py, rows * cols), ref)).toBeLessThanOrEqual(6e-8);
      mem.k.f32_bias_add(px, pb, px, rows, cols);
      expect(Array.from(mem.read(px, rows * cols))).toEqual(Array.from(mem.read(py, rows * cols)));
      mem.free();
    }
  });

  it('f32_bias_add works on pointers that are not 16-byte aligned', () => {
    const mem = new Mem(name);
    const rows = 5, cols = 19;
    const x = rand(2)(rows * cols + 1), b = rand(3)(cols + 1);
    const px = mem.f32(x) + 4, pb = mem.f32(b) + 4, py = mem.f32(rows * cols + 1) + 4;
    mem.k.f32_bias_add(px, pb, py, rows, cols);
    const got = mem.read(py, rows * cols);
    for (let i = 0; i < rows * cols; i++) expect(got[i]).toBe(Math.fround(x[i + 1] + b[(i % cols) + 1]));
    mem.free();
  });

  it('f32_col_sum matches a float64 column sum, with and without accumulate', () => {
    const mem = new Mem(name);
    const r = rand(4);
    for (const [rows, cols] of SHAPES) {
      const x = r(rows * cols), y0 = r(cols);
      const ref = new Float64Array(cols);
      let absSum = 0;
      for (let i = 0; i < rows * cols; i++) { ref[i % cols] += x[i]; absSum += Math.abs(x[i]); }
      const px = mem.f32(x), py = mem.f32(y0);
      mem.k.f32_col_sum(px, py, rows, cols, 0);
      const tol = 6e-8 * (rows + 1) * Math.max(1, absSum / cols);
      expect(maxRelErr(mem.read(py, cols), ref)).toBeLessThanOrEqual(tol);
      const first = mem.read(py, cols);
      mem.k.f32_col_sum(px, py, rows, cols, 1);
      const got = mem.read(py, cols);
      for (let c = 0; c < cols; c++) expect(got[c]).toBe(Math.fround(first[c] + first[c]));
      mem.free();
    }
  });

  it('f32_col_sum adds rows in ascending order (order-sensitive case)', () => {
    const mem = new Mem(name);
    // 1 + 2^-24 + 2^-24 in f32: rows in order give 1 (each tiny term is lost); the other order gives 1 + 2^-23.
    const t = 2 ** -24;
    const cols = 9;
    const x = new Float32Array(3 * cols);
    for (let c = 0; c < cols; c++) { x[c] = 1; x[cols + c] = t; x[2 * cols + c] = t; }
    const py = mem.f32(cols);
    mem.k.f32_col_sum(mem.f32(x), py, 3, cols, 0);
    expect(Array.from(mem.read(py, cols))).toEqual(new Array(cols).fill(1));
    mem.free();
  });

  for (const { name: an, code } of ACTS) {
    it(`f32_activation ${an} matches float64 on every size, in place too`, () => {
      const mem = new Mem(name);
      const r = rand(10 + code);
      for (const n of [...EDGE_SIZES, 1000]) {
        const x = r(n, -6, 6);
        const ref = Array.from(x, (v) => act64(v, code, ALPHA));
        const px = mem.f32(x), py = mem.f32(n);
        mem.k.f32_activation(px, py, n, code, ALPHA);
        const got = mem.read(py, n);
        expect(maxRelErr(got, ref)).toBeLessThan(code >= 3 ? 2e-7 : 1e-7);
        mem.k.f32_activation(px, px, n, code, ALPHA);
        expect(Array.from(mem.read(px, n))).toEqual(Array.from(got));
        mem.free();
      }
    });

    it(`f32_activation_grad ${an} matches float64 on every size, and dx may equal dy`, () => {
      const mem = new Mem(name);
      const r = rand(20 + code);
      for (const n of [...EDGE_SIZES, 1000]) {
        const x = awayFromZero(r(n, -4, 4), 1e-3), dy = r(n, -2, 2);
        const px = mem.f32(x), py = mem.f32(n), pdy = mem.f32(dy), pdx = mem.f32(n);
        mem.k.f32_activation(px, py, n, code, ALPHA);
        mem.k.f32_activation_grad(py, pdy, pdx, n, code, ALPHA);
        const ref = Array.from(x, (v, i) => dy[i] * dact64(v, code, ALPHA));
        const got = mem.read(pdx, n);
        expect(maxRelErr(got, ref)).toBeLessThan(1e-6);
        mem.k.f32_activation_grad(py, pdy, pdy, n, code, ALPHA);
        expect(Array.from(mem.read(pdy, n))).toEqual(Array.from(got));
        mem.free();
      }
    });

    it(`f32_activation_grad ${an} agrees with central finite differences`, () => {
      const mem = new Mem(name);
      const n = 37;
      const x = awayFromZero(rand(30 + code)(n, -3, 3), 0.05), w = rand(40 + code)(n, -1, 1);
      // L(x) = Σ w·act(x), so dL/dx_i = w_i·act'(x_i): the kernel gets y = act(x) and dy = w.
      const L = (xs: Float64Array) => xs.reduce((s, v, i) => s + w[i] * act64(v, code, ALPHA), 0);
      const h = 1e-6;
      const x64 = Float64Array.from(x);
      const fd = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const xp = x64.slice(), xm = x64.slice();
        xp[i] += h; xm[i] -= h;
        fd[i] = (L(xp) - L(xm)) / (2 * h);
      }
      const px = mem.f32(x), py = mem.f32(n), pdx = mem.f32(n);
      mem.k.f32_activation(px, py, n, code, ALPHA);
      mem.k.f32_activation_grad(py, mem.f32(w), pdx, n, code, ALPHA);
      expect(maxRelErr(mem.read(pdx, n), fd)).toBeLessThan(1e-5);
      mem.free();
    });
  }

  it('sigmoid, tanh and elu stay finite and accurate at the extremes (x = ±100, ±88, ±1e30, ±∞)', () => {
    const mem = new Mem(name);
    const x = Float32Array.from([100, -100, 20, -20, 88, -88, 1e30, -1e30, Infinity, -Infinity, 0, -0, 1e-8]);
    const n = x.length;
    const px = mem.f32(x), py = mem.f32(n), pdx = mem.f32(n), pdy = mem.f32(new Float32Array(n).fill(1));
    for (const code of [3, 4, 5]) {
      mem.k.f32_activation(px, py, n, code, 1);
      const y = mem.read(py, n);
      for (let i = 0; i < n; i++) {
        const ref = act64(x[i], code, 1);
        if (Number.isFinite(x[i])) expect(Number.isFinite(y[i])).toBe(true);
        if (Number.isFinite(ref)) expect(Math.abs(y[i] - ref)).toBeLessThanOrEqual(Math.abs(ref) * 1e-7 + 1e-45);
        else expect(y[i]).toBe(ref);
      }
      mem.k.f32_activation_grad(py, pdy, pdx, n, code, 1);
      for (const g of mem.read(pdx, n)) expect(Number.isFinite(g)).toBe(true);
    }
    // The smallest sigmoid values keep their relative accuracy (no 1 − σ(−x) cancellation).
    mem.k.f32_activation(px, py, n, 4, 0);
    expect(mem.read(py, n)[3]).toBeCloseTo(1 / (1 + Math.exp(20)), 15);
    expect(Math.abs(mem.read(py, n)[3] / (1 / (1 + Math.exp(20))) - 1)).toBeLessThan(1e-7);
    mem.free();
  });

  it('f32_exp matches float64 within 1 ulp on every size, in place too', () => {
    const mem = new Mem(name);
    const r = rand(90);
    for (const n of [...EDGE_SIZES, 1000]) {
      const x = r(n, -90, 90);
      const px = mem.f32(x), py = mem.f32(n);
      mem.k.f32_exp(px, py, n);
      const got = mem.read(py, n);
      for (let i = 0; i < n; i++) {
        const ref = Math.exp(x[i]);
        if (ref > 3.4028235e38) expect(got[i]).toBe(Infinity);
        else expect(Math.abs(got[i] - ref), `exp(${x[i]})`).toBeLessThanOrEqual(Math.max(ref * 2 ** -23, 2 ** -149));
      }
      mem.k.f32_exp(px, px, n);
      expect(bitDiff(mem.read(px, n), got)).toBe(0);
      mem.free();
    }
  });

  it('relu keeps NaN, and relu_grad gives +0 where y ≤ 0', () => {
    const mem = new Mem(name);
    const x = Float32Array.from([NaN, -1, 0, 2, -3, 4, NaN, 5, -0]);
    const n = x.length;
    const px = mem.f32(x), py = mem.f32(n);
    mem.k.f32_activation(px, py, n, 1, 0);
    const y = Array.from(mem.read(py, n));
    expect(y).toEqual([NaN, 0, 0, 2, 0, 4, NaN, 5, 0]);
    const pdx = mem.f32(n);
    mem.k.f32_activation_grad(py, mem.f32(new Float32Array(n).fill(-7)), pdx, n, 1, 0);
    expect(Array.from(mem.read(pdx, n))).toEqual([0, 0, 0, -7, 0, -7, 0, -7, 0]);
    mem.free();
  });

  it('leakyRelu and elu use alpha as documented', () => {
    const mem = new Mem(name);
    const x = Float32Array.from([-2, -1, 0, 1, 2]);
    const py = mem.f32(5), pdx = mem.f32(5);
    mem.k.f32_activation(mem.f32(x), py, 5, 2, 0.1);
    expect(Array.from(mem.read(py, 5))).toEqual([-2, -1, 0, 1, 2].map((v) => (v > 0 ? v : Math.fround(v * Math.fround(0.1)))));
    mem.k.f32_activation_grad(py, mem.f32([1, 1, 1, 1, 1]), pdx, 5, 2, 0.1);
    expect(Array.from(mem.read(pdx, 5))).toEqual([0.1, 0.1, 0.1, 1, 1].map(Math.fround));
    mem.k.f32_activation(mem.f32(x), py, 5, 3, 1.5);
    // elu'(x) = y + α for x ≤ 0, checked against 1.5·e^x
    mem.k.f32_activation_grad(py, mem.f32([1, 1, 1, 1, 1]), pdx, 5, 3, 1.5);
    const g = mem.read(pdx, 5);
    for (const [i, v] of [-2, -1, 0].entries()) expect(g[i]).toBeCloseTo(1.5 * Math.exp(v), 6);
    expect(g[3]).toBe(1);
    mem.free();
  });

  it('f32_softmax matches float64 on every shape, in place too; rows sum to 1', () => {
    const mem = new Mem(name);
    const r = rand(50);
    for (const [rows, cols] of SHAPES) {
      const x = r(rows * cols, -8, 8);
      const ref = softmax64(x, rows, cols);
      const px = mem.f32(x), py = mem.f32(rows * cols);
      mem.k.f32_softmax(px, py, rows, cols);
      const got = mem.read(py, rows * cols);
      expect(maxRelErr(got, ref)).toBeLessThan(3e-7);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += got[i * cols + c];
        expect(Math.abs(s - 1)).toBeLessThan(1e-6);
      }
      mem.k.f32_softmax(px, px, rows, cols);
      expect(Array.from(mem.read(px, rows * cols))).toEqual(Array.from(got));
      mem.free();
    }
  });

  it('f32_softmax is exact in relative terms and finite for logits of ±1000', () => {
    const mem = new Mem(name);
    const x = Float32Array.from([1000, -1000, 999, 0, -1000, -1000, -1000, -999]);
    const py = mem.f32(8);
    mem.k.f32_softmax(mem.f32(x), py, 2, 4);
    const y = mem.read(py, 8);
    const ref = softmax64(x, 2, 4);
    for (let i = 0; i < 8; i++) {
      expect(Number.isFinite(y[i])).toBe(true);
      expect(Math.abs(y[i] - ref[i])).toBeLessThanOrEqual(ref[i] * 3e-7);
    }
    mem.free();
  });

  it('f32_softmax_grad matches float64 on every shape; dx may equal dy', () => {
    const mem = new Mem(name);
    const r = rand(60);
    for (const [rows, cols] of SHAPES) {
      const y = Float32Array.from(softmax64(r(rows * cols, -3, 3), rows, cols)), dy = r(rows * cols, -2, 2);
      const ref = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        let d = 0;
        for (let c = 0; c < cols; c++) d += dy[i * cols + c] * y[i * cols + c];
        for (let c = 0; c < cols; c++) ref[i * cols + c] = y[i * cols + c] * (dy[i * cols + c] - d);
      }
      const py = mem.f32(y), pdy = mem.f32(dy), pdx = mem.f32(rows * cols);
      mem.k.f32_softmax_grad(py, pdy, pdx, rows, cols);
      const got = mem.read(pdx, rows * cols);
      expect(maxRelErr(got, ref)).toBeLessThan(5e-7);
      mem.k.f32_softmax_grad(py, pdy, pdy, rows, cols);
      expect(Array.from(mem.read(pdy, rows * cols))).toEqual(Array.from(got));
      mem.free();
    }
  });

  it('f32_softmax_grad agrees with central finite differences of Σ w·softmax(x)', () => {
    const mem = new Mem(name);
    for (const [rows, cols] of [[3, 5], [2, 17], [1, 1]] as const) {
      const n = rows * cols;
      const x = rand(70 + cols)(n, -2, 2), w = rand(80 + cols)(n, -1, 1);
      const L = (xs: Float64Array) => softmax64(xs, rows, cols).reduce((s, v, i) => s + w[i] * v, 0);
      const x64 = Float64Array.from(x), fd = new Float64Array(n), h = 1e-6;
      for (let i = 0; i < n; i++) {
        const xp = x64.slice(), xm = x64.slice();
        xp[i] += h; xm[i] -= h;
        fd[i] = (L(xp) - L(xm)) / (2 * h);
      }
      const py = mem.f32(n), pdx = mem.f32(n);
      mem.k.f32_softmax(mem.f32(x), py, rows, cols);
      mem.k.f32_softmax_grad(py, mem.f32(w), pdx, rows, cols);
      expect(maxRelErr(mem.read(pdx, n), fd)).toBeLessThan(1e-6);
      mem.free();
    }
  });
});

describe('unary kernels: wasm and js agree', () => {
  const a = new Mem('wasm'), b = new Mem('js');
  type Run = (m: Mem) => Float32Array;
  const both = (run: Run) => { const ra = run(a), rb = run(b); a.free(); b.free(); return [ra, rb] as const; };

  it('bit for bit on bias_add, col_sum, the SIMD activations, their grads and softmax_grad', () => {
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const x = rand(rows * 131 + cols)(n, -3, 3), bias = rand(cols)(cols), dy = rand(n + 7)(n, -1, 1);
      const [p, q] = both((m) => {
        const py = m.f32(n);
        m.k.f32_bias_add(m.f32(x), m.f32(bias), py, rows, cols);
        return m.read(py, n);
      });
      expect(Array.from(p)).toEqual(Array.from(q));
      const [s1, s2] = both((m) => {
        const py = m.f32(bias);
        m.k.f32_col_sum(m.f32(x), py, rows, cols, 1);
        return m.read(py, cols);
      });
      expect(Array.from(s1)).toEqual(Array.from(s2));
      for (const code of [0, 1, 2, 6]) {
        const [f1, f2] = both((m) => {
          const py = m.f32(n);
          m.k.f32_activation(m.f32(x), py, n, code, ALPHA);
          return m.read(py, n);
        });
        expect(Array.from(f1)).toEqual(Array.from(f2));
      }
      for (const code of [0, 1, 2, 3, 4, 5, 6]) {
        const y = code >= 3 ? x.map((v) => Math.tanh(v)) : x;
        const [g1, g2] = both((m) => {
          const pdx = m.f32(n);
          m.k.f32_activation_grad(m.f32(y), m.f32(dy), pdx, n, code, ALPHA);
          return m.read(pdx, n);
        });
        expect(Array.from(g1)).toEqual(Array.from(g2));
      }
      const sm = Float32Array.from(softmax64(x, rows, cols));
      const [d1, d2] = both((m) => {
        const pdx = m.f32(n);
        m.k.f32_softmax_grad(m.f32(sm), m.f32(dy), pdx, rows, cols);
        return m.read(pdx, n);
      });
      expect(Array.from(d1)).toEqual(Array.from(d2));
    }
  });

  it('bit for bit on the exp-based activations, f32_exp and softmax (one definition of exp, assembly/act)', () => {
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const x = rand(rows * 7 + cols)(n, -10, 10);
      for (const code of [3, 4, 5]) {
        const [f1, f2] = both((m) => {
          const py = m.f32(n);
          m.k.f32_activation(m.f32(x), py, n, code, ALPHA);
          return m.read(py, n);
        });
        expect(bitDiff(f1, f2), `act ${code} ${rows}x${cols}`).toBe(0);
      }
      const [e1, e2] = both((m) => {
        const py = m.f32(n);
        m.k.f32_exp(m.f32(x), py, n);
        return m.read(py, n);
      });
      expect(bitDiff(e1, e2)).toBe(0);
      const [s1, s2] = both((m) => {
        const py = m.f32(n);
        m.k.f32_softmax(m.f32(x), py, rows, cols);
        return m.read(py, n);
      });
      expect(bitDiff(s1, s2), `softmax ${rows}x${cols}`).toBe(0);
    }
  });
});
