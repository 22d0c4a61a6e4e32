// exp, sigmoid, tanh and elu (assembly/act, src/backend/js/act.ts): ulp error against float64 over a dense sweep
// of every f32 bit pattern and random ones, special values, saturation and symmetry, and identical bits from
// every place that uses them: f32_exp, f32_activation, the gemm epilogue, the js twin.
import { describe, expect, it } from 'vitest';
import { activation, exp32 } from '../src/backend/js/act';
import * as nn from '../src/index';
import { bitDiff, Mem, mulberry32 } from './helpers';

/** The f32 spacing at |v| (subnormal spacing below 2^-126). */
function ulp32(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 23);
}

const F32_MAX = 3.4028234663852886e38;
/** Where a float64 value rounds to f32 infinity. */
const F32_OVERFLOW = F32_MAX + 2 ** 103;

/** Every `stride`-th f32 bit pattern from `from` (both signs), then `random` random patterns: a dense sweep. */
function sweep(stride: number, random: number, seed: number): Float32Array {
  const n = Math.ceil(2 ** 32 / stride);
  const u = new Uint32Array(n + random);
  for (let i = 0; i < n; i++) u[i] = (i * stride) >>> 0;
  const next = mulberry32(seed);
  for (let i = 0; i < random; i++) u[n + i] = (next() * 2 ** 32) >>> 0;
  return new Float32Array(u.buffer);
}

interface Fn { name: string; wasm: (m: Mem, px: number, py: number, n: number) => void; ref: (x: number) => number;
  code: number; alpha: number; domain: (x: number) => boolean; bound: number }

const FNS: Fn[] = [
  { name: 'exp', wasm: (m, px, py, n) => m.k.f32_exp(px, py, n), ref: Math.exp, code: -1, alpha: 0,
    domain: () => true, bound: 1 },
  { name: 'expm1 (elu, alpha 1)', wasm: (m, px, py, n) => m.k.f32_activation(px, py, n, 3, 1), ref: Math.expm1, code: 3,
    alpha: 1, domain: (x) => x <= 0, bound: 1 },
  { name: 'sigmoid', wasm: (m, px, py, n) => m.k.f32_activation(px, py, n, 4, 0), ref: (x) => 1 / (1 + Math.exp(-x)),
    code: 4, alpha: 0, domain: () => true, bound: 2.4 },
  { name: 'tanh', wasm: (m, px, py, n) => m.k.f32_activation(px, py, n, 5, 0), ref: Math.tanh, code: 5, alpha: 0,
    domain: () => true, bound: 1.4 },
];

const X = sweep(1021, 1 << 18, 15);
const CHUNK = 1 << 20;

/** Runs fn on the wasm and js backends over X in chunks; calls visit(x, wasm y, js y) for each value. */
function runBoth(fn: Fn, visit: (x: Float32Array, yw: Float32Array, yj: Float32Array) => void): void {
  const w = new Mem('wasm'), j = new Mem('js');
  for (let o = 0; o < X.length; o += CHUNK) {
    const x = X.subarray(o, Math.min(X.length, o + CHUNK));
    const out = [w, j].map((m) => {
      const px = m.f32(x), py = m.f32(x.length);
      fn.wasm(m, px, py, x.length);
      const y = m.read(py, x.length);
      m.free();
      return y;
    });
    visit(x, out[0], out[1]);
  }
}

describe('exp, elu, sigmoid, tanh: accuracy against float64 over every f32 range', () => {
  for (const fn of FNS) {
    it(`${fn.name}: ≤ ${fn.bound} ulp on ${X.length.toLocaleString('en-US')} inputs (every 1021st bit pattern and random ones), wasm and js the same bits`, () => {
      let worst = 0, worstX = 0, checked = 0, bitsDiffer = 0;
      runBoth(fn, (x, yw, yj) => {
        for (let i = 0; i < x.length; i++) {
          const v = x[i], y = yw[i];
          if (Number.isNaN(v)) {
            expect(Number.isNaN(y) && Number.isNaN(yj[i])).toBe(true);
            continue;
          }
          if (Object.is(y, yj[i]) === false) bitsDiffer++;
          if (!fn.domain(v)) continue;
          const ref = fn.ref(v);
          checked++;
          if (Math.abs(ref) >= F32_OVERFLOW) {
            if (y !== Math.sign(ref) * Infinity) { worst = Infinity; worstX = v; }
            continue;
          }
          const e = Math.abs(y - ref) / ulp32(ref);
          if (!(e <= worst)) { worst = e; worstX = v; }
        }
      });
      expect(bitsDiffer, 'values whose bits differ between wasm and js').toBe(0);
      expect(checked).toBeGreaterThan(2_000_000);
      expect(worst, `${fn.name}: worst ${worst.toFixed(3)} ulp at x = ${worstX}`).toBeLessThanOrEqual(fn.bound);
    }, 120_000);
  }

  it('exp: overflow, underflow, subnormals and special values', () => {
    const m = new Mem('wasm');
    const x = Float32Array.from([89, 88.72283935546875, 88.7228, 200, Infinity, -Infinity, NaN, -104, -103.98, -103.97, -100,
      -87.5, 0, -0, 2 ** -149, -(2 ** -149), 1, -1]);
    const py = m.f32(x.length);
    m.k.f32_exp(m.f32(x), py, x.length);
    const y = Array.from(m.read(py, x.length));
    expect(y.slice(0, 2)).toEqual([Infinity, Infinity]);
    expect(y[2]).toBeLessThan(Infinity);
    expect(y[2]).toBeGreaterThan(3.4e38);
    expect(y.slice(3, 6)).toEqual([Infinity, Infinity, 0]);
    expect(Number.isNaN(y[6])).toBe(true);
    expect(y.slice(7, 9)).toEqual([0, 0]);
    // subnormal results, correctly rounded: e^-103.97 ≈ 1.003·2^-150 rounds up to 2^-149
    expect(y[9]).toBe(2 ** -149);
    expect(y[10]).toBe(Math.fround(Math.exp(-100)));
    expect(Math.abs(y[11] - Math.exp(-87.5))).toBeLessThanOrEqual(2 ** -149);
    expect(y.slice(12, 18)).toEqual([1, 1, 1, 1, Math.fround(Math.E), Math.fround(1 / Math.E)]);
    for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) expect(exp32(x[i]), `x = ${x[i]}`).toBe(y[i]);
    m.free();
  });

  /** Runs act `code` on −x over the sweep's chunk x (wasm). */
  function onNegated(x: Float32Array, code: number): Float32Array {
    const m = new Mem('wasm');
    const py = m.f32(x.length);
    m.k.f32_activation(m.f32(x.map((v) => -v)), py, x.length, code, 0);
    const y = m.read(py, x.length);
    m.free();
    return y;
  }

  it('sigmoid saturates to exactly 0 and 1 where the rounded value is 0 or 1, and σ(−x) = 1 − σ(x) bit for bit', () => {
    const fn = FNS[2];
    let ones = 0, zeros = 0, subnormal = 0;
    const bad: string[] = [];
    runBoth(fn, (x, y) => {
      const yn = onNegated(x, 4);
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        if (Number.isNaN(v)) continue;
        const r = Math.fround(fn.ref(v));
        if (r === 1) { ones++; if (y[i] !== 1) bad.push(`σ(${v}) = ${y[i]}, not 1`); }
        if (r === 0) { zeros++; if (y[i] !== 0) bad.push(`σ(${v}) = ${y[i]}, not 0`); }
        if (r > 0 && r < 2 ** -126) { subnormal++; if (!(y[i] > 0)) bad.push(`σ(${v}) = ${y[i]}`); }
        if (v >= 0 && y[i] !== Math.fround(1 - yn[i])) bad.push(`σ(${v}) = ${y[i]} but 1 − σ(${-v}) = ${Math.fround(1 - yn[i])}`);
      }
    });
    expect(bad.slice(0, 5)).toEqual([]);
    expect(ones).toBeGreaterThan(1000);
    expect(zeros).toBeGreaterThan(1000);
    expect(subnormal).toBeGreaterThan(10);
    const m = new Mem('wasm');
    const x = Float32Array.from([Infinity, -Infinity, NaN, 0, -0, 1e30, -1e30, 2 ** -149]);
    const py = m.f32(x.length);
    m.k.f32_activation(m.f32(x), py, x.length, 4, 0);
    const y = Array.from(m.read(py, x.length));
    expect([y[0], y[1], y[3], y[4], y[5], y[6], y[7]]).toEqual([1, 0, 0.5, 0.5, 1, 0, 0.5]);
    expect(Number.isNaN(y[2])).toBe(true);
    m.free();
  }, 120_000);

  it('tanh(−x) = −tanh(x) bit for bit, ±1 exactly where the rounded value is ±1, and tanh(x) = x for |x| < 2^-12', () => {
    const fn = FNS[3];
    let ones = 0, tiny = 0;
    const bad: string[] = [];
    runBoth(fn, (x, y) => {
      const yn = onNegated(x, 5);
      expect(bitDiff(yn, y.map((v) => -v))).toBe(0);
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        if (Number.isNaN(v)) continue;
        const r = Math.fround(Math.tanh(v));
        if (Math.abs(r) === 1) { ones++; if (y[i] !== r) bad.push(`tanh(${v}) = ${y[i]}, not ${r}`); }
        if (Math.abs(v) < 2 ** -12) { tiny++; if (!Object.is(y[i], v)) bad.push(`tanh(${v}) = ${y[i]}`); }
      }
    });
    expect(bad.slice(0, 5)).toEqual([]);
    expect(ones).toBeGreaterThan(1000);
    expect(tiny).toBeGreaterThan(1000);
    const m = new Mem('wasm');
    const x = Float32Array.from([Infinity, -Infinity, NaN, 0, -0, 1e30, -1e30, 2 ** -149, -(2 ** -149)]);
    const py = m.f32(x.length);
    m.k.f32_activation(m.f32(x), py, x.length, 5, 0);
    const y = m.read(py, x.length);
    expect(Array.from(y.subarray(0, 2))).toEqual([1, -1]);
    expect(Number.isNaN(y[2])).toBe(true);
    expect(Object.is(y[3], 0) && Object.is(y[4], -0)).toBe(true);
    expect(Array.from(y.subarray(5))).toEqual([1, -1, 2 ** -149, -(2 ** -149)]);
    m.free();
  }, 120_000);

  it('elu: x for x > 0, alpha·expm1(x) below, with expm1(x) = x for tiny x (no 1 − 1 cancellation)', () => {
    const m = new Mem('wasm');
    const x = Float32Array.from([2 ** -149, -(2 ** -149), -(2 ** -30), -1e-7, -0.001, -30, -Infinity, Infinity, NaN, 3]);
    const py = m.f32(x.length);
    m.k.f32_activation(m.f32(x), py, x.length, 3, 1);
    const y = m.read(py, x.length);
    expect(Array.from(y.subarray(0, 3))).toEqual([2 ** -149, -(2 ** -149), -(2 ** -30)]);
    expect(Math.abs(y[3] - Math.expm1(-1e-7))).toBeLessThanOrEqual(ulp32(1e-7));
    expect(Math.abs(y[4] - Math.expm1(Math.fround(-0.001)))).toBeLessThanOrEqual(ulp32(0.001));
    expect(Array.from(y.subarray(5, 8))).toEqual([-1, -1, Infinity]);
    expect(Number.isNaN(y[8])).toBe(true);
    expect(y[9]).toBe(3);
    for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) expect(activation(x[i], 3, 1)).toBe(y[i]);
    m.free();
  });
});

describe('one definition: the gemm epilogue, f32_activation and the js twin give the same bits', () => {
  // C = ones(m×1)·x(1×n): every C element is 0 + 1·x exactly, so the epilogue sees the swept values.
  const xs = X.subarray(0, 1 << 16);
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: f32_gemm_nn with act = f32_activation of the linear product, tile, edge and row paths`, () => {
      const mem = new Mem(backend);
      const n = 4099;
      for (const code of [1, 2, 3, 4, 5]) {
        for (const m of [1, 3, 6, 11]) {
          for (let o = 0; o + n <= xs.length; o += n * 5) {
            const b = xs.subarray(o, o + n);
            const pa = mem.f32(new Float32Array(m).fill(1)), pb = mem.f32(b), pc = mem.f32(m * n), pl = mem.f32(m * n);
            mem.k.f32_gemm_nn(pa, pb, 0, pc, m, n, 1, 0, code, 0.3);
            mem.k.f32_gemm_nn(pa, pb, 0, pl, m, n, 1, 0, 0, 0);
            mem.k.f32_activation(pl, pl, m * n, code, 0.3);
            const got = mem.read(pc, m * n), want = mem.read(pl, m * n);
            for (let i = 0; i < m * n; i++) {
              if (Number.isNaN(want[i])) expect(Number.isNaN(got[i])).toBe(true);
              else if (!Object.is(got[i], want[i])) expect(got[i], `act ${code} m ${m} x ${b[i % n]}`).toBe(want[i]);
            }
            mem.free();
          }
        }
      }
    });
  }

  it('random products with bias and accumulate: epilogue = f32_activation, and wasm = js, bit for bit', () => {
    const results: Float32Array[][] = [];
    for (const backend of ['wasm', 'js'] as const) {
      const next = mulberry32(77);
      const r = (len: number, s: number) => Float32Array.from({ length: len }, () => (next() * 2 - 1) * s);
      const mem = new Mem(backend);
      const out: Float32Array[] = [];
      let seed = 0;
      for (const [m, n, k] of [[64, 100, 32], [2, 37, 50], [5, 8, 3], [17, 33, 129]]) {
        for (const code of [3, 4, 5]) {
          const a = r(m * k, 1), b = r(k * n, 3), bias = r(n, 2), c0 = r(m * n, 1);
          seed++;
          const pa = mem.f32(a), pb = mem.f32(b), pbias = mem.f32(bias), pc = mem.f32(c0), pl = mem.f32(c0);
          mem.k.f32_gemm_nn(pa, pb, pbias, pc, m, n, k, 1, code, 0.7);
          mem.k.f32_gemm_nn(pa, pb, pbias, pl, m, n, k, 1, 0, 0);
          mem.k.f32_activation(pl, pl, m * n, code, 0.7);
          const got = mem.read(pc, m * n);
          expect(bitDiff(got, mem.read(pl, m * n)), `${backend} ${m}x${n}x${k} act ${code}`).toBe(0);
          out.push(got);
          mem.free();
        }
      }
      results.push(out);
      expect(seed).toBe(12);
    }
    for (let i = 0; i < results[0].length; i++) expect(bitDiff(results[0][i], results[1][i])).toBe(0);
  });
});

describe('one definition through the public API', () => {
  it.each(['sigmoid', 'tanh', 'elu'] as const)('dense({ activation: %s }) = dense() + activation(), and wasm = js, bit for bit', async (act) => {
    const x = nn.tensor(Float32Array.from({ length: 40 * 30 }, (_, i) => Math.sin(i * 0.37) * 4), [40, 30]);
    const out: Float32Array[] = [];
    for (const backend of ['wasm', 'js'] as const) {
      await nn.setBackend(backend);
      const fused = nn.sequential({ seed: 5, layers: [nn.layers.dense({ units: 20, activation: act, inputShape: [30] })] });
      const split = nn.sequential({ seed: 6, layers: [nn.layers.dense({ units: 20, inputShape: [30] }),
        nn.layers.activation({ activation: act })] });
      split.setWeights(fused.getWeights());
      const a = fused.predict(x).data, b = split.predict(x).data;
      expect(a.length).toBe(800);
      expect(bitDiff(a, b), `${backend} ${act}`).toBe(0);
      out.push(a);
    }
    expect(bitDiff(out[0], out[1])).toBe(0);
    await nn.setBackend('wasm');
  });
});
