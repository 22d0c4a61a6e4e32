// Loss and metric kernels: float64 references on the edge sizes (as row and as column counts), gradients
// against the analytic formulas and against central finite differences of the float64 loss, gradients
// written in place over the input, extreme inputs (probabilities 0 and 1, logits ±1000), hand-made metric
// cases with ties, and wasm vs js agreement.
import { describe, it, expect } from 'vitest';
import { BACKENDS, bitDiff, EDGE_SIZES, Mem, rand, maxRelErr } from './helpers';
import type { BackendName } from '../src/backend/index';

const EPS = Math.fround(1e-7);
const HI = Math.fround(1 - EPS);
const clip = (p: number) => Math.min(Math.max(p, EPS), HI);

// ---- float64 reference losses (mean over rows, Keras semantics) ----

function mse64(p: ArrayLike<number>, t: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - t[i]) ** 2;
  return s / p.length;
}
function bce64(p: ArrayLike<number>, t: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s -= t[i] * Math.log(clip(p[i])) + (1 - t[i]) * Math.log(1 - clip(p[i]));
  return s / p.length;
}
/** Keras: each pred row divided by its sum, clipped, then −Σ t·log q; mean over rows. */
function cce64(p: ArrayLike<number>, t: ArrayLike<number>, rows: number, cols: number): number {
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += p[r * cols + c];
    for (let c = 0; c < cols; c++) loss -= t[r * cols + c] * Math.log(clip(p[r * cols + c] / s));
  }
  return loss / rows;
}
function oneHot(labels: ArrayLike<number>, cols: number): Float32Array {
  const t = new Float32Array(labels.length * cols);
  for (let r = 0; r < labels.length; r++) t[r * cols + labels[r]] = 1;
  return t;
}
function softmax64(z: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, z[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += (y[r * cols + c] = Math.exp(z[r * cols + c] - m));
    for (let c = 0; c < cols; c++) y[r * cols + c] /= s;
  }
  return y;
}
/** Σ_r Σ_c t·(lse_r − z) / rows. */
function softmaxCce64(z: ArrayLike<number>, t: ArrayLike<number>, rows: number, cols: number): number {
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, z[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(z[r * cols + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < cols; c++) loss += t[r * cols + c] * (lse - z[r * cols + c]);
  }
  return loss / rows;
}

/** Central finite differences of f at x (float64). */
function centralDiff(f: (x: Float64Array) => number, x: ArrayLike<number>, h: number): Float64Array {
  const x64 = Float64Array.from(x);
  const g = new Float64Array(x64.length);
  for (let i = 0; i < x64.length; i++) {
    const v = x64[i];
    x64[i] = v + h; const fp = f(x64);
    x64[i] = v - h; const fm = f(x64);
    x64[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** Max |a − b| relative to max |b| (gradients have entries of very different sizes). */
function relToMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0, m = 0;
  for (let i = 0; i < b.length; i++) { e = Math.max(e, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return Number.isNaN(e) ? Infinity : e / Math.max(m, 1e-30);
}

/** Every edge size as rows with a few column counts, and as columns with a few row counts. */
const SHAPES: [number, number][] = [];
for (const s of EDGE_SIZES) for (const o of [1, 3, 17]) SHAPES.push([s, o], [o, s]);

/** Random probabilities in [lo, hi) and random labels. */
const labelsFor = (seed: number, rows: number, cols: number) =>
  Int32Array.from(rand(seed)(rows, 0, cols), (v) => Math.min(cols - 1, Math.floor(v)));

describe.each(BACKENDS)('loss kernels on %s', (name: BackendName) => {
  it('f32_mse: loss and gradient match float64 on every shape; grad may overwrite pred', () => {
    const mem = new Mem(name);
    const r = rand(1);
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const p = r(n, -2, 2), t = r(n, -2, 2);
      const pp = mem.f32(p), pt = mem.f32(t), pg = mem.f32(n);
      const loss = mem.k.f32_mse(pp, pt, pg, rows, cols);
      expect(Math.abs(loss - mse64(p, t)) / mse64(p, t)).toBeLessThan(1e-7);
      const g = mem.read(pg, n);
      expect(relToMax(g, Array.from(p, (v, i) => (2 * (v - t[i])) / n))).toBeLessThan(2e-7);
      expect(mem.k.f32_mse(pp, pt, 0, rows, cols)).toBe(loss);
      expect(mem.k.f32_mse(pp, pt, pp, rows, cols)).toBe(loss);
      expect(Array.from(mem.read(pp, n))).toEqual(Array.from(g));
      mem.free();
    }
  });

  it('f32_bce: loss and gradient match float64 on every shape; grad may overwrite pred', () => {
    const mem = new Mem(name);
    const r = rand(2);
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const p = r(n, 0.01, 0.99), t = r(n, 0, 1).map((v, i) => (i % 3 === 0 ? v : Math.round(v)));
      const pp = mem.f32(p), pt = mem.f32(t), pg = mem.f32(n);
      const loss = mem.k.f32_bce(pp, pt, pg, rows, cols);
      expect(Math.abs(loss - bce64(p, t)) / bce64(p, t)).toBeLessThan(1e-12);
      const ref = Array.from(p, (v, i) => ((1 - t[i]) / (1 - v) - t[i] / v) / n);
      const g = mem.read(pg, n);
      expect(relToMax(g, ref)).toBeLessThan(1e-7);
      expect(mem.k.f32_bce(pp, pt, pp, rows, cols)).toBe(loss);
      expect(Array.from(mem.read(pp, n))).toEqual(Array.from(g));
      mem.free();
    }
  });

  it('f32_cce: loss and gradient match float64 on every shape (unnormalised rows); grad may overwrite pred', () => {
    const mem = new Mem(name);
    const r = rand(3);
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const p = r(n, 0.05, 1), t = r(n, 0, 1);
      const pp = mem.f32(p), pt = mem.f32(t), pg = mem.f32(n);
      const loss = mem.k.f32_cce(pp, pt, pg, rows, cols);
      const ref = cce64(p, t, rows, cols);
      expect(Math.abs(loss - ref) / Math.max(ref, 1e-3)).toBeLessThan(1e-12);
      // With no clipping: dL/dp_j = (Σt − t_j/q_j)/(Σp·rows), q = p/Σp.
      const gref = new Float64Array(n);
      for (let i = 0; i < rows; i++) {
        let s = 0, ts = 0;
        for (let c = 0; c < cols; c++) { s += p[i * cols + c]; ts += t[i * cols + c]; }
        for (let c = 0; c < cols; c++) {
          const k = i * cols + c;
          const q = p[k] / s;
          gref[k] = (ts - t[k] / q) / (s * rows);
        }
      }
      const g = mem.read(pg, n);
      // one column: q = 1 is clipped, the loss is constant and its gradient 0
      if (cols > 1) expect(relToMax(g, gref)).toBeLessThan(1e-6);
      else expect(Array.from(g).every((v) => v === 0)).toBe(true);
      expect(mem.k.f32_cce(pp, pt, pp, rows, cols)).toBe(loss);
      expect(Array.from(mem.read(pp, n))).toEqual(Array.from(g));
      mem.free();
    }
  });

  it('f32_sparse_cce equals f32_cce with one-hot targets on every shape, and float64', () => {
    const mem = new Mem(name);
    const r = rand(4);
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const p = r(n, 0.05, 1), labels = labelsFor(rows + cols, rows, cols);
      const t = oneHot(labels, cols);
      const pp = mem.f32(p), pl = mem.i32(labels), pg = mem.f32(n), pg2 = mem.f32(n);
      const loss = mem.k.f32_sparse_cce(pp, pl, pg, rows, cols);
      const dense = mem.k.f32_cce(pp, mem.f32(t), pg2, rows, cols);
      expect(loss).toBe(dense);
      const ref = cce64(p, t, rows, cols);
      expect(Math.abs(loss - ref)).toBeLessThanOrEqual(1e-12 * Math.max(ref, 1));
      expect(maxRelErr(mem.read(pg, n), mem.read(pg2, n))).toBe(0);
      const g = mem.read(pg, n);
      expect(mem.k.f32_sparse_cce(pp, pl, pp, rows, cols)).toBe(loss);
      expect(Array.from(mem.read(pp, n))).toEqual(Array.from(g));
      mem.free();
    }
  });

  it('f32_softmax_cce: loss, probs and gradient match float64 on every shape', () => {
    const mem = new Mem(name);
    const r = rand(5);
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const z = r(n, -6, 6), t = r(n, 0, 1);
      const pz = mem.f32(z), pt = mem.f32(t), pp = mem.f32(n), pg = mem.f32(n);
      const loss = mem.k.f32_softmax_cce(pz, pt, pp, pg, rows, cols);
      const ref = softmaxCce64(z, t, rows, cols);
      expect(Math.abs(loss - ref)).toBeLessThanOrEqual(1e-6 * Math.max(ref, 1));
      const y = softmax64(z, rows, cols);
      expect(maxRelErr(mem.read(pp, n), y)).toBeLessThan(3e-7);
      const ts = (i: number) => { let a = 0; for (let c = 0; c < cols; c++) a += t[i - (i % cols) + c]; return a; };
      expect(maxRelErr(mem.read(pg, n), Array.from(y, (v, i) => (ts(i) * v - t[i]) / rows))).toBeLessThan(3e-7);
      mem.free();
    }
  });

  it('f32_softmax_sparse_cce: loss, probs and gradient match float64 and the dense fused kernel', () => {
    const mem = new Mem(name);
    const r = rand(6);
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const z = r(n, -6, 6), labels = labelsFor(rows * 3 + cols, rows, cols);
      const t = oneHot(labels, cols);
      const pz = mem.f32(z), pp = mem.f32(n), pg = mem.f32(n), pp2 = mem.f32(n), pg2 = mem.f32(n);
      const loss = mem.k.f32_softmax_sparse_cce(pz, mem.i32(labels), pp, pg, rows, cols);
      const dense = mem.k.f32_softmax_cce(pz, mem.f32(t), pp2, pg2, rows, cols);
      const ref = softmaxCce64(z, t, rows, cols);
      expect(Math.abs(loss - ref)).toBeLessThanOrEqual(1e-6 * Math.max(ref, 1));
      expect(Math.abs(loss - dense)).toBeLessThanOrEqual(1e-12 * Math.max(ref, 1));
      expect(Array.from(mem.read(pp, n))).toEqual(Array.from(mem.read(pp2, n)));
      expect(Array.from(mem.read(pg, n))).toEqual(Array.from(mem.read(pg2, n)));
      const y = softmax64(z, rows, cols);
      expect(maxRelErr(mem.read(pg, n), Array.from(y, (v, i) => (v - t[i]) / rows))).toBeLessThan(3e-7);
      mem.free();
    }
  });

  it('the fused kernels work with probs and grad both written over the logits', () => {
    const mem = new Mem(name);
    const rows = 7, cols = 9, n = rows * cols;
    const z = rand(7)(n, -4, 4), t = rand(8)(n, 0, 1), labels = labelsFor(9, rows, cols);
    for (const sparse of [false, true]) {
      const pz = mem.f32(z), pp = mem.f32(n), pg = mem.f32(n);
      const tgt = sparse ? mem.i32(labels) : mem.f32(t);
      const f = sparse ? mem.k.f32_softmax_sparse_cce : mem.k.f32_softmax_cce;
      const loss = f(pz, tgt, pp, pg, rows, cols);
      const probs = mem.read(pp, n), grad = mem.read(pg, n);
      expect(f(pz, tgt, pz, 0, rows, cols)).toBe(loss);
      expect(Array.from(mem.read(pz, n))).toEqual(Array.from(probs));
      const pz2 = mem.f32(z);
      expect(f(pz2, tgt, pp, pz2, rows, cols)).toBe(loss);
      expect(Array.from(mem.read(pz2, n))).toEqual(Array.from(grad));
      const pz3 = mem.f32(z);
      expect(f(pz3, tgt, pz3, pz3, rows, cols)).toBe(loss);
      expect(Array.from(mem.read(pz3, n))).toEqual(Array.from(grad));
      mem.free();
    }
  });

  describe('gradients agree with central finite differences of the float64 loss', () => {
    const shapes = [[1, 1], [3, 5], [4, 9], [2, 17]] as const;

    it('mse', () => {
      const mem = new Mem(name);
      for (const [rows, cols] of shapes) {
        const n = rows * cols;
        const p = rand(n)(n, -2, 2), t = rand(n + 1)(n, -2, 2);
        const pg = mem.f32(n);
        mem.k.f32_mse(mem.f32(p), mem.f32(t), pg, rows, cols);
        expect(relToMax(mem.read(pg, n), centralDiff((x) => mse64(x, t), p, 1e-5))).toBeLessThan(1e-6);
        mem.free();
      }
    });

    it('bce', () => {
      const mem = new Mem(name);
      for (const [rows, cols] of shapes) {
        const n = rows * cols;
        const p = rand(n)(n, 0.02, 0.98), t = rand(n + 1)(n, 0, 1);
        const pg = mem.f32(n);
        mem.k.f32_bce(mem.f32(p), mem.f32(t), pg, rows, cols);
        expect(relToMax(mem.read(pg, n), centralDiff((x) => bce64(x, t), p, 1e-6))).toBeLessThan(1e-6);
        mem.free();
      }
    });

    it('cce (through the row normalisation)', () => {
      const mem = new Mem(name);
      for (const [rows, cols] of shapes) {
        const n = rows * cols;
        const p = rand(n)(n, 0.05, 1), t = rand(n + 1)(n, 0, 1);
        const pg = mem.f32(n);
        mem.k.f32_cce(mem.f32(p), mem.f32(t), pg, rows, cols);
        const fd = centralDiff((x) => cce64(x, t, rows, cols), p, 1e-6);
        expect(relToMax(mem.read(pg, n), fd)).toBeLessThan(1e-6);
        mem.free();
      }
    });

    it('sparse cce', () => {
      const mem = new Mem(name);
      for (const [rows, cols] of shapes) {
        const n = rows * cols;
        const p = rand(n)(n, 0.05, 1), labels = labelsFor(n + 2, rows, cols);
        const pg = mem.f32(n);
        mem.k.f32_sparse_cce(mem.f32(p), mem.i32(labels), pg, rows, cols);
        const fd = centralDiff((x) => cce64(x, oneHot(labels, cols), rows, cols), p, 1e-6);
        expect(relToMax(mem.read(pg, n), fd)).toBeLessThan(1e-6);
        mem.free();
      }
    });

    it('softmax cce and softmax sparse cce (w.r.t. the logits)', () => {
      const mem = new Mem(name);
      for (const [rows, cols] of shapes) {
        const n = rows * cols;
        const z = rand(n)(n, -3, 3), t = rand(n + 1)(n, 0, 1), labels = labelsFor(n + 2, rows, cols);
        const pg = mem.f32(n), pg2 = mem.f32(n);
        mem.k.f32_softmax_cce(mem.f32(z), mem.f32(t), mem.f32(n), pg, rows, cols);
        mem.k.f32_softmax_sparse_cce(mem.f32(z), mem.i32(labels), mem.f32(n), pg2, rows, cols);
        const fd = centralDiff((x) => softmaxCce64(x, t, rows, cols), z, 1e-6);
        const fd2 = centralDiff((x) => softmaxCce64(x, oneHot(labels, cols), rows, cols), z, 1e-6);
        expect(relToMax(mem.read(pg, n), fd)).toBeLessThan(1e-6);
        expect(relToMax(mem.read(pg2, n), fd2)).toBeLessThan(1e-6);
        mem.free();
      }
    });
  });

  it('probabilities of exactly 0 and 1 give finite bce/cce losses and zero gradient where clipped', () => {
    const mem = new Mem(name);
    // bce: p ∈ {0, 1} with both targets.
    const p = Float32Array.from([0, 1, 0, 1, 0.5]), t = Float32Array.from([1, 0, 0, 1, 1]);
    const pg = mem.f32(5);
    const bce = mem.k.f32_bce(mem.f32(p), mem.f32(t), pg, 1, 5);
    expect(Number.isFinite(bce)).toBe(true);
    expect(bce).toBeCloseTo(bce64(p, t), 12);
    expect(bce).toBeCloseTo((-Math.log(EPS) - Math.log(1 - HI) - Math.log(1 - EPS) - Math.log(HI) + Math.log(2)) / 5, 12);
    expect(Array.from(mem.read(pg, 5))).toEqual([0, 0, 0, 0, Math.fround(-2 / 5)]);
    // cce: one-hot rows of probabilities, right and wrong; a row of zeros.
    const q = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 0]), tt = Float32Array.from([1, 0, 0, 1, 0, 0, 0, 1, 0]);
    const qg = mem.f32(9);
    const cce = mem.k.f32_cce(mem.f32(q), mem.f32(tt), qg, 3, 3);
    expect(Number.isFinite(cce)).toBe(true);
    expect(cce).toBeCloseTo((-Math.log(HI) - 2 * Math.log(EPS)) / 3, 12);
    for (const g of mem.read(qg, 9)) expect(Number.isFinite(g)).toBe(true);
    const lg = mem.f32(9);
    const sparse = mem.k.f32_sparse_cce(mem.f32(q), mem.i32([0, 0, 1]), lg, 3, 3);
    expect(sparse).toBe(cce);
    for (const g of mem.read(lg, 9)) expect(Number.isFinite(g)).toBe(true);
    mem.free();
  });

  it('the fused softmax losses are finite and exact for logits of ±1000', () => {
    const mem = new Mem(name);
    const z = Float32Array.from([1000, -1000, 0, -1000, 1000, -1000, -1000, -1000, 1000, 1000, 999, -1000]);
    const labels = Int32Array.from([1, 0, 2]);
    const t = oneHot(labels, 4);
    const pp = mem.f32(12), pg = mem.f32(12), pp2 = mem.f32(12), pg2 = mem.f32(12);
    const dense = mem.k.f32_softmax_cce(mem.f32(z), mem.f32(t), pp, pg, 3, 4);
    const sparse = mem.k.f32_softmax_sparse_cce(mem.f32(z), mem.i32(labels), pp2, pg2, 3, 4);
    const ref = softmaxCce64(z, t, 3, 4);
    // rows: label −1000 under a max of 1000 (2000); the max itself (0); 999 against 1000, 1000 (1 + log(2 + e⁻¹))
    expect(ref).toBeCloseTo((2000 + 0 + 1 + Math.log(2 + Math.exp(-1))) / 3, 9);
    // The exps are f32 (≤ 1 ulp, assembly/act), so each row's log Σe is within about 6e-8 of float64's, and the
    // 2000 of the first row is exact: a relative error of at most 1e-10 on a mean of about 667.
    for (const v of [dense, sparse]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(v - ref) / ref).toBeLessThan(1e-10);
    }
    for (const a of [mem.read(pp, 12), mem.read(pg, 12), mem.read(pp2, 12), mem.read(pg2, 12)]) {
      for (const v of a) expect(Number.isFinite(v)).toBe(true);
    }
    expect(maxRelErr(mem.read(pp, 12), softmax64(z, 3, 4))).toBeLessThan(3e-7);
    mem.free();
  });

  it('metrics: argmax matches with ties (first maximum wins)', () => {
    const mem = new Mem(name);
    const pred = Float32Array.from([
      0.2, 0.5, 0.5, 0.1, //  argmax 1 (tie 1/2 → 1)
      0.7, 0.7, 0.7, 0.7, //  argmax 0
      0.1, 0.2, 0.3, 0.4, //  argmax 3
      -1, -2, -1, -3, //      argmax 0 (tie 0/2)
      0, 0, 0, 1e-30, //      argmax 3
    ]);
    const target = Float32Array.from([
      0, 1, 1, 0, //  argmax 1 → match
      0, 1, 0, 0, //  argmax 1 → no
      0, 0, 0, 1, //  argmax 3 → match
      0, 0, 1, 0, //  argmax 2 → no
      1, 1, 1, 1, //  argmax 0 → no
    ]);
    const pp = mem.f32(pred);
    expect(mem.k.f32_count_argmax_match(pp, mem.f32(target), 5, 4)).toBe(2);
    expect(mem.k.f32_count_argmax_label(pp, mem.i32([1, 0, 3, 2, 3]), 5, 4)).toBe(4);
    expect(mem.k.f32_count_argmax_label(pp, mem.i32([2, 1, 2, 0, 0]), 5, 4)).toBe(1);
    expect(mem.k.f32_count_argmax_match(pp, pp, 5, 4)).toBe(5);
    // one column: argmax is always 0
    expect(mem.k.f32_count_argmax_label(pp, mem.i32(new Array(20).fill(0)), 20, 1)).toBe(20);
    mem.free();
  });

  it('metrics: argmax counts match a reference on every shape', () => {
    const mem = new Mem(name);
    const argmax = (a: ArrayLike<number>, i: number, n: number) => {
      let k = 0;
      for (let c = 1; c < n; c++) if (a[i + c] > a[i + k]) k = c;
      return k;
    };
    for (const [rows, cols] of SHAPES) {
      // coarse values so that ties are frequent
      const p = rand(rows + 5 * cols)(rows * cols, 0, 4).map(Math.floor);
      const t = rand(rows + 7 * cols)(rows * cols, 0, 4).map(Math.floor);
      const labels = labelsFor(rows * cols, rows, cols);
      let m = 0, l = 0;
      for (let r = 0; r < rows; r++) {
        if (argmax(p, r * cols, cols) === argmax(t, r * cols, cols)) m++;
        if (argmax(p, r * cols, cols) === labels[r]) l++;
      }
      const pp = mem.f32(p);
      expect(mem.k.f32_count_argmax_match(pp, mem.f32(t), rows, cols)).toBe(m);
      expect(mem.k.f32_count_argmax_label(pp, mem.i32(labels), rows, cols)).toBe(l);
      mem.free();
    }
  });

  it('metrics: binary matches by threshold on every size', () => {
    const mem = new Mem(name);
    const p = Float32Array.from([0.5, 0.51, 0.49, 0, 1, 0.7, 0.3, NaN]);
    const t = Float32Array.from([0, 1, 0, 1, 1, 0.6, 0.5, 0]);
    // pred > 0.5:   F T F F T T F F ; target > 0.5: F T F T T T F F
    expect(mem.k.f32_count_binary_match(mem.f32(p), mem.f32(t), 8, 0.5)).toBe(7);
    // pred > 0.6:   F F F F T T F F
    expect(mem.k.f32_count_binary_match(mem.f32(p), mem.f32(t), 8, 0.6)).toBe(6);
    for (const n of [...EDGE_SIZES, 1000]) {
      const a = rand(n)(n, 0, 1), b = rand(n + 1)(n, 0, 1).map(Math.round);
      let ref = 0;
      for (let i = 0; i < n; i++) if ((a[i] > Math.fround(0.3)) === (b[i] > 0.5)) ref++;
      expect(mem.k.f32_count_binary_match(mem.f32(a), mem.f32(b), n, 0.3)).toBe(ref);
      mem.free();
    }
  });
});

describe('loss kernels: wasm and js agree', () => {
  const a = new Mem('wasm'), b = new Mem('js');

  it('on losses, gradients, probabilities and metrics for every shape', () => {
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const r = rand(rows * 1000 + cols);
      const p = r(n, 0, 1), t = r(n, 0, 1), z = r(n, -8, 8), labels = labelsFor(n, rows, cols);
      const run = (m: Mem) => {
        const out: { loss: number[]; arrays: Float32Array[]; counts: number[] } = { loss: [], arrays: [], counts: [] };
        const pp = m.f32(p), pt = m.f32(t), pz = m.f32(z), pl = m.i32(labels);
        for (const f of [m.k.f32_mse, m.k.f32_bce, m.k.f32_cce, m.k.f32_sparse_cce]) {
          const pg = m.f32(n);
          out.loss.push(f(pp, f === m.k.f32_sparse_cce ? pl : pt, pg, rows, cols));
          out.arrays.push(m.read(pg, n));
        }
        const probs = m.f32(n), grad = m.f32(n);
        out.loss.push(m.k.f32_softmax_cce(pz, pt, probs, grad, rows, cols));
        out.arrays.push(m.read(probs, n), m.read(grad, n));
        out.loss.push(m.k.f32_softmax_sparse_cce(pz, pl, probs, grad, rows, cols));
        out.arrays.push(m.read(probs, n), m.read(grad, n));
        out.counts.push(m.k.f32_count_argmax_match(pz, pt, rows, cols), m.k.f32_count_argmax_label(pz, pl, rows, cols),
          m.k.f32_count_binary_match(pp, pt, n, 0.5));
        m.free();
        return out;
      };
      const wa = run(a), js = run(b);
      expect(wa.counts).toEqual(js.counts);
      // mse is bit-exact (same lanes, exact squares); the other losses differ only through the engines' f64
      // Math.log in the last bits. Every gradient and probability array is bit-exact: the fused softmax losses'
      // exps are the one f32 exp of assembly/act, which the js twin runs too.
      expect(wa.loss[0]).toBe(js.loss[0]);
      for (let i = 1; i < wa.loss.length; i++) {
        expect(Math.abs(wa.loss[i] - js.loss[i])).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(js.loss[i])));
      }
      for (let i = 0; i < wa.arrays.length; i++) expect(bitDiff(wa.arrays[i], js.arrays[i]), `array ${i}, ${rows}x${cols}`).toBe(0);
    }
  });
});
