// Dropout, elementwise multiply and batch-norm kernels: dropout masks against an independent BigInt reference of
// the hash (bit-exact), kept-fraction statistics, float64 references for batch norm (forward, moving averages,
// inference, backward), central finite differences of the backward pass through the training forward, in-place
// use, and wasm vs js agreement bit for bit.
import { describe, it, expect } from 'vitest';
import { BACKENDS, EDGE_SIZES, Mem, rand, maxRelErr } from './helpers';
import type { BackendName } from '../src/backend/index';

const f = Math.fround;
const ROWS = [1, 2, 3, 7, 64, 65];
const CHANNELS = [1, 3, 4, 5, 8, 17];
const SHAPES: [number, number][] = [];
for (const rows of ROWS) for (const c of CHANNELS) SHAPES.push([rows, c]);

// ---- dropout reference: u32 arithmetic in BigInt, keep ⇔ hash/2³² ≥ rate ----

const M32 = (1n << 32n) - 1n;
function fmixRef(h: bigint): bigint {
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & M32;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & M32;
  h ^= h >> 16n;
  return h;
}
function maskRef(count: number, rate: number, seed: number): Float32Array {
  const k = fmixRef(BigInt(seed >>> 0));
  const r = f(rate);
  const scale = f(1 / (1 - r));
  const m = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const h = fmixRef((BigInt(i) * 0x9e3779b9n + k) & M32);
    m[i] = Number(h) / 2 ** 32 >= r ? scale : 0;
  }
  return m;
}

// ---- batch-norm references in float64 ----

interface Stats { mean: Float64Array; variance: Float64Array }
function stats64(x: ArrayLike<number>, rows: number, c: number): Stats {
  const mean = new Float64Array(c), variance = new Float64Array(c);
  for (let i = 0; i < rows * c; i++) mean[i % c] += x[i];
  for (let ch = 0; ch < c; ch++) mean[ch] /= rows;
  for (let i = 0; i < rows * c; i++) variance[i % c] += (x[i] - mean[i % c]) ** 2;
  for (let ch = 0; ch < c; ch++) variance[ch] /= rows;
  return { mean, variance };
}
function affine64(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, mean: ArrayLike<number>,
  variance: ArrayLike<number>, c: number, eps: number): Float64Array {
  return Float64Array.from(x, (v, i) => {
    const ch = i % c;
    return gamma[ch] * (v - mean[ch]) / Math.sqrt(variance[ch] + eps) + beta[ch];
  });
}
/** dx, dgamma, dbeta of L = Σ dy·y through the training forward, from the float64 statistics. */
function grad64(x: ArrayLike<number>, dy: ArrayLike<number>, gamma: ArrayLike<number>, rows: number, c: number,
  eps: number) {
  const { mean, variance } = stats64(x, rows, c);
  const inv = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
  const xh = Float64Array.from(x, (v, i) => (v - mean[i % c]) * inv[i % c]);
  const dbeta = new Float64Array(c), dgamma = new Float64Array(c);
  for (let i = 0; i < rows * c; i++) { dbeta[i % c] += dy[i]; dgamma[i % c] += dy[i] * xh[i]; }
  const dx = Float64Array.from(x, (_, i) => {
    const ch = i % c;
    return gamma[ch] * inv[ch] / rows * (rows * dy[i] - dbeta[ch] - xh[i] * dgamma[ch]);
  });
  return { dx, dgamma, dbeta };
}

/** Largest |a − b| divided by a scale (the largest |b|, at least 1). */
function scaledErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 1, e = 0;
  for (let i = 0; i < b.length; i++) s = Math.max(s, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= e)) e = Number.isNaN(d) ? Infinity : d;
  }
  return e / s;
}

function bits(a: Float32Array): number[] { return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)); }

const EPS = 1e-3;
const MOM = 0.9;
const FD_TOL = 1e-3;

/** Random batch-norm inputs: x with a per-channel offset and spread, γ, β and moving statistics. */
function bnInputs(seed: number, rows: number, c: number, offset = 3, minSpread = 0.2) {
  const r = rand(seed);
  const off = r(c, -offset, offset), spread = r(c, minSpread, 2);
  const x = r(rows * c, -1, 1).map((v, i) => off[i % c] + spread[i % c] * v);
  return { x, gamma: r(c, 0.5, 2), beta: r(c, -1, 1), mm: r(c, -1, 1), mv: r(c, 0.5, 2), dy: r(rows * c, -1, 1) };
}

interface TrainOut { y: Float32Array; mean: Float32Array; invstd: Float32Array; mm: Float32Array; mv: Float32Array }
function runTrain(mem: Mem, inp: ReturnType<typeof bnInputs>, rows: number, c: number, inPlace = false,
  momentum = MOM): TrainOut {
  const n = rows * c;
  const px = mem.f32(inp.x), py = inPlace ? px : mem.f32(n);
  const pmean = mem.f32(c), pinv = mem.f32(c), pmm = mem.f32(inp.mm), pmv = mem.f32(inp.mv);
  mem.k.f32_batchnorm_train(px, py, mem.f32(inp.gamma), mem.f32(inp.beta), pmean, pinv, pmm, pmv, rows, c,
    momentum, EPS);
  return { y: mem.read(py, n), mean: mem.read(pmean, c), invstd: mem.read(pinv, c), mm: mem.read(pmm, c),
    mv: mem.read(pmv, c) };
}

interface GradOut { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array }
function runGrad(mem: Mem, inp: ReturnType<typeof bnInputs>, rows: number, c: number, inPlace = false): GradOut {
  const n = rows * c;
  const t = runTrain(mem, inp, rows, c);
  const pdy = mem.f32(inp.dy), pdx = inPlace ? pdy : mem.f32(n);
  const pdg = mem.f32(new Float32Array(c).fill(7)), pdb = mem.f32(new Float32Array(c).fill(7));
  mem.k.f32_batchnorm_grad(mem.f32(inp.x), pdy, pdx, mem.f32(inp.gamma), mem.f32(t.mean), mem.f32(t.invstd), pdg,
    pdb, rows, c);
  return { dx: mem.read(pdx, n), dgamma: mem.read(pdg, c), dbeta: mem.read(pdb, c) };
}

describe.each(BACKENDS)('norm kernels on %s', (name: BackendName) => {
  it('f32_mul gives the f32 product on every size, out of place and in place on either operand', () => {
    const mem = new Mem(name);
    const r = rand(1);
    for (const n of [...EDGE_SIZES, 1000]) {
      const a = r(n, -4, 4), b = r(n, -4, 4);
      const ref = Array.from(a, (v, i) => f(v * b[i]));
      const pa = mem.f32(a), pb = mem.f32(b), py = mem.f32(n);
      mem.k.f32_mul(pa, pb, py, n);
      expect(Array.from(mem.read(py, n))).toEqual(ref);
      expect(maxRelErr(mem.read(py, n), Array.from(a, (v, i) => v * b[i]))).toBeLessThanOrEqual(6e-8);
      mem.k.f32_mul(pa, pb, pa, n);
      expect(Array.from(mem.read(pa, n))).toEqual(ref);
      mem.k.f32_mul(mem.f32(a), pb, pb, n);
      expect(Array.from(mem.read(pb, n))).toEqual(ref);
      mem.free();
    }
  });

  it('f32_mul works on pointers that are not 16-byte aligned', () => {
    const mem = new Mem(name);
    const n = 37;
    const a = rand(2)(n + 1), b = rand(3)(n + 1);
    const pa = mem.f32(a) + 4, pb = mem.f32(b) + 4, py = mem.f32(n + 1) + 4;
    mem.k.f32_mul(pa, pb, py, n);
    const got = mem.read(py, n);
    for (let i = 0; i < n; i++) expect(got[i]).toBe(f(a[i + 1] * b[i + 1]));
    mem.free();
  });

  it('f32_dropout masks equal the reference hash bit for bit (sizes, rates, seeds), y = x·mask, in place too', () => {
    const mem = new Mem(name);
    const r = rand(4);
    for (const n of [...EDGE_SIZES, 1000]) {
      for (const rate of [0, 0.1, 0.5, 0.9]) {
        for (const seed of [0, 1, 42, 0x7fffffff, 0x80000000, 0xffffffff]) {
          const x = r(n, -3, 3);
          const ref = maskRef(n, rate, seed);
          const px = mem.f32(x), py = mem.f32(n), pm = mem.f32(n);
          mem.k.f32_dropout(px, py, pm, n, rate, seed);
          const mask = mem.read(pm, n);
          expect(bits(mask)).toEqual(bits(ref));
          const y = mem.read(py, n);
          expect(bits(y)).toEqual(bits(Float32Array.from(x, (v, i) => v * ref[i])));
          mem.k.f32_dropout(px, px, pm, n, rate, seed);
          expect(bits(mem.read(px, n))).toEqual(bits(y));
          mem.free();
        }
      }
    }
  });

  it('f32_dropout with rate 0 keeps every element unchanged with mask 1', () => {
    const mem = new Mem(name);
    const n = 65;
    const x = rand(5)(n, -3, 3);
    const px = mem.f32(x), py = mem.f32(n), pm = mem.f32(n);
    mem.k.f32_dropout(px, py, pm, n, 0, 1234);
    expect(Array.from(mem.read(pm, n))).toEqual(new Array(n).fill(1));
    expect(Array.from(mem.read(py, n))).toEqual(Array.from(x));
    mem.free();
  });

  it('f32_dropout keeps 1 − rate of 100k elements (within 5 σ), scales by 1/(1 − rate), and seeds differ', () => {
    const mem = new Mem(name);
    const n = 100_000;
    const px = mem.f32(new Float32Array(n).fill(1)), py = mem.f32(n), pm = mem.f32(n);
    for (const rate of [0.1, 0.25, 0.5, 0.9]) {
      const masks: Float32Array[] = [];
      for (const seed of [7, 8, 123456789]) {
        mem.k.f32_dropout(px, py, pm, n, rate, seed);
        const m = mem.read(pm, n);
        const scale = f(1 / (1 - f(rate)));
        let kept = 0, other = 0;
        for (const v of m) {
          if (v === scale) kept++;
          else if (v !== 0) other++;
        }
        expect(other).toBe(0);
        const p = 1 - rate, sigma = Math.sqrt(p * (1 - p) / n);
        expect(Math.abs(kept / n - p)).toBeLessThan(5 * sigma);
        // The mean of y = x·mask over all-ones x is ≈ 1 (inverted dropout keeps the expectation).
        const y = mem.read(py, n);
        let s = 0;
        for (const v of y) s += v;
        expect(Math.abs(s / n - 1)).toBeLessThan(5 * sigma / p + 1e-6);
        masks.push(m);
      }
      // Independent masks agree on a fraction p² + (1 − p)² of the elements; identical ones on all of them.
      for (let a = 0; a < masks.length; a++) {
        for (let b = a + 1; b < masks.length; b++) {
          let same = 0;
          for (let i = 0; i < n; i++) if ((masks[a][i] !== 0) === (masks[b][i] !== 0)) same++;
          const q = (1 - rate) ** 2 + rate ** 2, sigma = Math.sqrt(q * (1 - q) / n);
          expect(Math.abs(same / n - q)).toBeLessThan(5 * sigma);
        }
      }
    }
    mem.free();
  });

  it('f32_dropout: neighbouring elements are uncorrelated (pairs kept together ≈ (1 − rate)²)', () => {
    const mem = new Mem(name);
    const n = 100_000, rate = 0.5;
    const px = mem.f32(new Float32Array(n).fill(1)), py = mem.f32(n), pm = mem.f32(n);
    mem.k.f32_dropout(px, py, pm, n, rate, 99);
    const m = mem.read(pm, n);
    for (const lag of [1, 4, 16]) {
      let both = 0;
      for (let i = 0; i + lag < n; i++) if (m[i] !== 0 && m[i + lag] !== 0) both++;
      const q = 0.25, cnt = n - lag, sigma = Math.sqrt(q * (1 - q) / cnt);
      expect(Math.abs(both / cnt - q)).toBeLessThan(5 * sigma);
    }
    mem.free();
  });

  it('f32_dropout works on pointers that are not 16-byte aligned', () => {
    const mem = new Mem(name);
    const n = 41;
    const x = rand(6)(n + 1);
    const px = mem.f32(x) + 4, py = mem.f32(n + 1) + 4, pm = mem.f32(n + 1) + 4;
    mem.k.f32_dropout(px, py, pm, n, 0.3, 77);
    const ref = maskRef(n, 0.3, 77);
    expect(bits(mem.read(pm, n))).toEqual(bits(ref));
    expect(bits(mem.read(py, n))).toEqual(bits(Float32Array.from(x.subarray(1), (v, i) => v * ref[i])));
    mem.free();
  });

  it('f32_batchnorm_train matches float64 (y, mean, invstd, moving averages) on every shape, in place too', () => {
    const mem = new Mem(name);
    let seed = 100;
    for (const [rows, c] of SHAPES) {
      const inp = bnInputs(seed++, rows, c);
      const { mean, variance } = stats64(inp.x, rows, c);
      const t = runTrain(mem, inp, rows, c);
      expect(maxRelErr(t.mean, mean)).toBeLessThanOrEqual(1e-7);
      for (let ch = 0; ch < c; ch++) {
        expect(t.mean[ch]).toBe(f(mean[ch]));
        const inv = 1 / Math.sqrt(variance[ch] + EPS);
        expect(Math.abs(t.invstd[ch] - inv)).toBeLessThanOrEqual(inv * 1e-7);
        expect(Math.abs(t.mm[ch] - (f(MOM) * inp.mm[ch] + (1 - f(MOM)) * mean[ch])))
          .toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(t.mm[ch])));
        expect(Math.abs(t.mv[ch] - (f(MOM) * inp.mv[ch] + (1 - f(MOM)) * variance[ch])))
          .toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(t.mv[ch])));
      }
      const ref = affine64(inp.x, inp.gamma, inp.beta, mean, variance, c, EPS);
      expect(maxRelErr(t.y, ref)).toBeLessThan(4e-6);
      const tp = runTrain(mem, inp, rows, c, true);
      expect(bits(tp.y)).toEqual(bits(t.y));
      expect(bits(tp.mm)).toEqual(bits(t.mm));
      mem.free();
    }
  });

  it('f32_batchnorm_train normalises: per-channel output mean β and variance γ²·var/(var + ε)', () => {
    const mem = new Mem(name);
    const rows = 65, c = 17;
    const inp = bnInputs(7, rows, c);
    const t = runTrain(mem, inp, rows, c);
    const { mean, variance } = stats64(t.y, rows, c);
    const { variance: vx } = stats64(inp.x, rows, c);
    for (let ch = 0; ch < c; ch++) {
      expect(Math.abs(mean[ch] - inp.beta[ch])).toBeLessThan(1e-6);
      expect(Math.abs(variance[ch] / (inp.gamma[ch] ** 2 * vx[ch] / (vx[ch] + EPS)) - 1)).toBeLessThan(1e-5);
    }
    mem.free();
  });

  it('f32_batchnorm_train with one row: variance 0, y = β, moving variance decays toward 0', () => {
    const mem = new Mem(name);
    const c = 5;
    const inp = bnInputs(8, 1, c);
    const t = runTrain(mem, inp, 1, c);
    expect(Array.from(t.y)).toEqual(Array.from(inp.beta));
    expect(Array.from(t.mean)).toEqual(Array.from(inp.x));
    for (let ch = 0; ch < c; ch++) {
      expect(t.invstd[ch]).toBe(f(1 / Math.sqrt(f(EPS))));
      expect(t.mv[ch]).toBe(f(f(MOM) * inp.mv[ch]));
    }
    mem.free();
  });

  it('f32_batchnorm_train stays accurate for a large offset (two-pass variance)', () => {
    const mem = new Mem(name);
    const rows = 64, c = 8;
    const r = rand(9);
    const x = r(rows * c, -1, 1).map((v) => 1000 + 0.01 * v);
    const inp = { ...bnInputs(9, rows, c), x };
    const t = runTrain(mem, inp, rows, c);
    const { mean, variance } = stats64(x, rows, c);
    for (let ch = 0; ch < c; ch++) {
      const inv = 1 / Math.sqrt(variance[ch] + EPS);
      expect(Math.abs(t.invstd[ch] / inv - 1)).toBeLessThan(1e-6);
      expect(Math.abs(t.mv[ch] - (f(MOM) * inp.mv[ch] + (1 - f(MOM)) * variance[ch]))).toBeLessThan(1e-7);
    }
    // y depends on x − mean at f32 resolution near 1000 (ulp 6e-5): compare with that tolerance.
    const ref = affine64(x, inp.gamma, inp.beta, mean, variance, c, EPS);
    let worst = 0;
    for (let i = 0; i < rows * c; i++) {
      const ch = i % c;
      worst = Math.max(worst, Math.abs(t.y[i] - ref[i]) / (inp.gamma[ch] / Math.sqrt(variance[ch] + EPS)));
    }
    expect(worst).toBeLessThan(1e-4);
    mem.free();
  });

  it('f32_batchnorm_infer matches the float64 formula on every shape, in place too', () => {
    const mem = new Mem(name);
    let seed = 200;
    for (const [rows, c] of SHAPES) {
      const inp = bnInputs(seed++, rows, c);
      const n = rows * c;
      const ref = affine64(inp.x, inp.gamma, inp.beta, inp.mm, inp.mv, c, EPS);
      const px = mem.f32(inp.x), py = mem.f32(n);
      const pg = mem.f32(inp.gamma), pb = mem.f32(inp.beta), pmm = mem.f32(inp.mm), pmv = mem.f32(inp.mv);
      mem.k.f32_batchnorm_infer(px, py, pg, pb, pmm, pmv, rows, c, EPS);
      const y = mem.read(py, n);
      expect(maxRelErr(y, ref)).toBeLessThan(1e-6);
      mem.k.f32_batchnorm_infer(px, px, pg, pb, pmm, pmv, rows, c, EPS);
      expect(bits(mem.read(px, n))).toEqual(bits(y));
      // The moving statistics are read only.
      expect(Array.from(mem.read(pmm, c))).toEqual(Array.from(inp.mm));
      expect(Array.from(mem.read(pmv, c))).toEqual(Array.from(inp.mv));
      mem.free();
    }
  });

  it('f32_batchnorm_infer after a momentum-0 training step reproduces the training output', () => {
    const mem = new Mem(name);
    for (const [rows, c] of [[64, 17], [7, 8], [3, 5]] as const) {
      const inp = bnInputs(300 + rows, rows, c);
      const t = runTrain(mem, inp, rows, c, false, 0);
      expect(bits(t.mm)).toEqual(bits(t.mean));
      const py = mem.f32(rows * c);
      mem.k.f32_batchnorm_infer(mem.f32(inp.x), py, mem.f32(inp.gamma), mem.f32(inp.beta), mem.f32(t.mm),
        mem.f32(t.mv), rows, c, EPS);
      expect(maxRelErr(mem.read(py, rows * c), t.y)).toBeLessThan(1e-6);
      mem.free();
    }
  });

  it('f32_batchnorm_grad matches the float64 backward on every shape; dx may equal dy', () => {
    const mem = new Mem(name);
    let seed = 400;
    for (const [rows, c] of SHAPES) {
      const inp = bnInputs(seed++, rows, c);
      const ref = grad64(inp.x, inp.dy, inp.gamma, rows, c, EPS);
      const g = runGrad(mem, inp, rows, c);
      expect(maxRelErr(g.dbeta, ref.dbeta)).toBeLessThan(1e-6);
      expect(scaledErr(g.dgamma, ref.dgamma)).toBeLessThan(2e-6);
      expect(scaledErr(g.dx, ref.dx)).toBeLessThan(4e-6);
      const gp = runGrad(mem, inp, rows, c, true);
      expect(bits(gp.dx)).toEqual(bits(g.dx));
      expect(bits(gp.dgamma)).toEqual(bits(g.dgamma));
      mem.free();
    }
  });

  it('f32_batchnorm_grad agrees with central finite differences through f32_batchnorm_train (x, γ, β)', () => {
    const mem = new Mem(name);
    let seed = 500;
    for (const [rows, c] of [[2, 3], [3, 5], [7, 4], [7, 17], [64, 8], [65, 5]] as const) {
      // Offsets and spreads near 1 keep the f32 rounding noise of L well below the differences taken.
      const inp = bnInputs(seed++, rows, c, 0.5, 0.5);
      const n = rows * c;
      const w = inp.dy;
      // L = Σ w·y(x, γ, β) evaluated with the training forward kernel; its gradient is the kernel's backward
      // with dy = w.
      const pw = [mem.f32(inp.x), mem.f32(inp.gamma), mem.f32(inp.beta)];
      const py = mem.f32(n), pmean = mem.f32(c), pinv = mem.f32(c), pmm = mem.f32(c), pmv = mem.f32(c);
      const loss = () => {
        mem.k.f32_batchnorm_train(pw[0], py, pw[1], pw[2], pmean, pinv, pmm, pmv, rows, c, MOM, EPS);
        const y = mem.read(py, n);
        let s = 0;
        for (let i = 0; i < n; i++) s += w[i] * y[i];
        return s;
      };
      const g = runGrad(mem, inp, rows, c);
      const analytic = [g.dx, g.dgamma, g.dbeta];
      // Steps on the scale of each input: √(var + ε) of its channel for x (the scale on which y bends), 1e-2·|v|
      // for γ and β (L is linear in them). Richardson's extrapolation (4·D(h/2) − D(h))/3 of the central
      // differences leaves an O(h⁴) truncation error.
      const { variance } = stats64(inp.x, rows, c);
      const F = () => mem.rt.backend.memory.f32();
      const central = (p: number, i: number, h: number) => {
        const v0 = F()[(p >> 2) + i];
        F()[(p >> 2) + i] = v0 + h;
        const hp = F()[(p >> 2) + i] - v0, lp = loss();
        F()[(p >> 2) + i] = v0 - h;
        const hm = v0 - F()[(p >> 2) + i], lm = loss();
        F()[(p >> 2) + i] = v0;
        return (lp - lm) / (hp + hm);
      };
      for (let which = 0; which < 3; which++) {
        const p = pw[which], len = which === 0 ? n : c;
        const fd = new Float64Array(len);
        for (let i = 0; i < len; i++) {
          const h = which === 0 ? 1e-2 * Math.sqrt(variance[i % c] + EPS) : 1e-2 * Math.max(1, Math.abs(F()[(p >> 2) + i]));
          fd[i] = (4 * central(p, i, h / 2) - central(p, i, h)) / 3;
        }
        expect(scaledErr(analytic[which], fd)).toBeLessThan(FD_TOL);
      }
      mem.free();
    }
  });
});

describe('norm kernels: wasm and js agree bit for bit', () => {
  const wasm = new Mem('wasm'), js = new Mem('js');

  it('f32_dropout and f32_mul', () => {
    const r = rand(600);
    for (const n of [...EDGE_SIZES, 1000, 4099]) {
      const x = r(n, -3, 3), b = r(n, -3, 3);
      for (const rate of [0, 0.2, 0.5, 0.75]) {
        const seed = (n * 2654435761) >>> 0;
        const out = [wasm, js].map((m) => {
          const px = m.f32(x), py = m.f32(n), pm = m.f32(n), pz = m.f32(n);
          m.k.f32_dropout(px, py, pm, n, rate, seed);
          m.k.f32_mul(py, m.f32(b), pz, n);
          return [m.read(py, n), m.read(pm, n), m.read(pz, n)];
        });
        for (let k = 0; k < 3; k++) expect(bits(out[0][k])).toEqual(bits(out[1][k]));
        wasm.free();
        js.free();
      }
    }
  });

  it('f32_batchnorm_train, f32_batchnorm_infer and f32_batchnorm_grad', () => {
    let seed = 700;
    for (const [rows, c] of [...SHAPES, [128, 64], [33, 32], [9, 12], [5, 13]] as [number, number][]) {
      const inp = bnInputs(seed++, rows, c);
      const out = [wasm, js].map((m) => {
        const t = runTrain(m, inp, rows, c);
        const g = runGrad(m, inp, rows, c);
        const py = m.f32(rows * c);
        m.k.f32_batchnorm_infer(m.f32(inp.x), py, m.f32(inp.gamma), m.f32(inp.beta), m.f32(inp.mm),
          m.f32(inp.mv), rows, c, EPS);
        return [t.y, t.mean, t.invstd, t.mm, t.mv, g.dx, g.dgamma, g.dbeta, m.read(py, rows * c)];
      });
      for (let k = 0; k < out[0].length; k++) expect(bits(out[0][k])).toEqual(bits(out[1][k]));
      wasm.free();
      js.free();
    }
  });
});
