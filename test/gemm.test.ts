// f32_gemm_nn / nt / tn and f32_gemm_strided on every backend, against a float64 reference.
import { afterAll, describe, expect, it } from 'vitest';
import { activation as applyAct } from '../src/backend/js/act';
import { act64, BACKENDS, bitDiff, EDGE_SIZES, Mem, maxRelErr, rand } from './helpers';

type Layout = 'nn' | 'nt' | 'tn';
const LAYOUTS: Layout[] = ['nn', 'nt', 'tn'];
const ACTS = [
  { name: 'linear', act: 0, alpha: 0 },
  { name: 'relu', act: 1, alpha: 0 },
  { name: 'leakyRelu 0.3', act: 2, alpha: 0.3 },
  { name: 'leakyRelu 1', act: 2, alpha: 1 },
  { name: 'elu 0.3', act: 3, alpha: 0.3 },
  { name: 'elu 1', act: 3, alpha: 1 },
  { name: 'sigmoid', act: 4, alpha: 0 },
  { name: 'tanh', act: 5, alpha: 0 },
  { name: 'relu6', act: 6, alpha: 0 },
  { name: 'hardSigmoid', act: 7, alpha: 0 },
];

interface Case {
  m: number; n: number; k: number;
  a: Float32Array; b: Float32Array; bias: Float32Array; c0: Float32Array;
}

function makeCase(m: number, n: number, k: number, seed: number): Case {
  const r = rand(seed);
  return { m, n, k, a: r(m * k), b: r(k * n), bias: r(n), c0: r(m * n, -2, 2) };
}


/** Float64 reference. A is [m,k] for nn/nt and [k,m] for tn; B is [k,n] for nn/tn and [n,k] for nt. */
function reference(layout: Layout, t: Case, accumulate: boolean, useBias: boolean, act: number, alpha: number): Float64Array {
  const { m, n, k, a, b, bias, c0 } = t;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const x = layout === 'tn' ? a[p * m + i] : a[i * k + p];
        const y = layout === 'nt' ? b[j * k + p] : b[p * n + j];
        s += x * y;
      }
      if (accumulate) s += c0[i * n + j];
      if (useBias) s += bias[j];
      out[i * n + j] = act64(s, act, Math.fround(alpha));
    }
  }
  return out;
}

/** Runs one kernel on a backend; returns C. */
function run(mem: Mem, layout: Layout, t: Case, accumulate: boolean, useBias: boolean, act: number, alpha: number): Float32Array {
  const pa = mem.f32(t.a), pb = mem.f32(t.b), pbias = mem.f32(t.bias), pc = mem.f32(t.c0);
  mem.k[`f32_gemm_${layout}`](pa, pb, useBias ? pbias : 0, pc, t.m, t.n, t.k, accumulate ? 1 : 0, act, alpha);
  const out = mem.read(pc, t.m * t.n);
  mem.free();
  return out;
}

const tol = (k: number) => 1e-6 * k + 1e-6;

/** Shapes where every edge size appears as m, as n and as k, mixed with the other sizes. */
const SIZE_TRIPLES: [number, number, number][] = [];
EDGE_SIZES.forEach((s, i) => {
  const at = (o: number) => EDGE_SIZES[(i + o) % EDGE_SIZES.length];
  SIZE_TRIPLES.push([s, at(3), at(7)], [at(5), s, at(1)], [at(9), at(2), s]);
});
const rnd = rand(777);
for (let i = 0; i < 6; i++) {
  const [m, n, k] = rnd(3, 1, 90).map(Math.floor);
  SIZE_TRIPLES.push([m, n, k]);
}

/** Shapes that hit every tile path: full 5x8 tiles, edge tiles in rows and columns, the unpacked m < 4 rows. */
const EPILOGUE_SHAPES: [number, number, number][] = [[1, 1, 1], [5, 13, 7], [4, 8, 4], [7, 11, 9], [9, 17, 65], [3, 5, 2]];

describe.each(BACKENDS)('gemm on %s', (backend) => {
  const mem = new Mem(backend);
  afterAll(() => mem.free());

  for (const layout of LAYOUTS) {
    describe(`f32_gemm_${layout}`, () => {
      it('matches the float64 reference on all edge sizes, with and without accumulate and bias', () => {
        let seed = 1;
        for (const [m, n, k] of SIZE_TRIPLES) {
          const t = makeCase(m, n, k, seed++);
          for (const accumulate of [false, true]) {
            for (const useBias of [false, true]) {
              const got = run(mem, layout, t, accumulate, useBias, 0, 0);
              const want = reference(layout, t, accumulate, useBias, 0, 0);
              const err = maxRelErr(got, want);
              if (!(err <= tol(k))) {
                throw new Error(`${layout} m=${m} n=${n} k=${k} acc=${accumulate} bias=${useBias}: err ${err}`);
              }
            }
          }
        }
      });

      for (const { name, act, alpha } of ACTS) {
        it(`applies ${name} after the sum, old C and bias`, () => {
          let seed = 100 + act;
          for (const [m, n, k] of EPILOGUE_SHAPES) {
            const t = makeCase(m, n, k, seed++);
            for (const accumulate of [false, true]) {
              for (const useBias of [false, true]) {
                const got = run(mem, layout, t, accumulate, useBias, act, alpha);
                const want = reference(layout, t, accumulate, useBias, act, alpha);
                const err = maxRelErr(got, want);
                if (!(err <= tol(k))) {
                  throw new Error(`${layout} ${name} m=${m} n=${n} k=${k} acc=${accumulate} bias=${useBias}: err ${err}`);
                }
              }
            }
          }
        });
      }

      it('uses the activation codes as documented (spot values)', () => {
        // A = [[1]], B = [[x]] gives C = x, so C = act(x) exactly for these inputs.
        const cases: [number, number, number, number][] = [
          [1, 0, -2, 0], [1, 0, 3, 3], [2, 0.5, -2, -1], [2, 0.5, 2, 2], [3, 1, 0, 0], [3, 1, 1.5, 1.5],
          [4, 0, 0, 0.5], [5, 0, 0, 0], [0, 0, -7.25, -7.25],
        ];
        for (const [act, alpha, x, want] of cases) {
          const t: Case = { m: 1, n: 1, k: 1, a: Float32Array.of(1), b: Float32Array.of(x), bias: Float32Array.of(0), c0: Float32Array.of(0) };
          expect(run(mem, layout, t, false, false, act, alpha)[0]).toBe(want);
        }
        const t: Case = { m: 1, n: 1, k: 1, a: Float32Array.of(1), b: Float32Array.of(-1), bias: Float32Array.of(0), c0: Float32Array.of(0) };
        expect(run(mem, layout, t, false, false, 3, 1)[0]).toBeCloseTo(Math.exp(-1) - 1, 6);
        expect(run(mem, layout, t, false, false, 4, 0)[0]).toBeCloseTo(1 / (1 + Math.E), 6);
        expect(run(mem, layout, t, false, false, 5, 0)[0]).toBeCloseTo(Math.tanh(-1), 6);
      });

      it('does not write outside C, nor into A, B or bias', () => {
        const G = 13, SENTINEL = 1234.5;
        for (const [m, n, k] of [[1, 1, 1], [5, 13, 7], [7, 9, 3], [17, 65, 9], [3, 3, 5]] as const) {
          const t = makeCase(m, n, k, m * 1000 + n);
          for (const act of [0, 4]) {
            const guarded = new Float32Array(G + m * n + G).fill(SENTINEL);
            guarded.set(t.c0, G);
            const pa = mem.f32(t.a), pb = mem.f32(t.b), pbias = mem.f32(t.bias), pg = mem.f32(guarded);
            mem.k[`f32_gemm_${layout}`](pa, pb, pbias, pg + 4 * G, m, n, k, 1, act, 0);
            const after = mem.read(pg, guarded.length);
            expect(Array.from(after.subarray(0, G))).toEqual(new Array(G).fill(SENTINEL));
            expect(Array.from(after.subarray(G + m * n))).toEqual(new Array(G).fill(SENTINEL));
            expect(mem.read(pa, t.a.length)).toEqual(t.a);
            expect(mem.read(pb, t.b.length)).toEqual(t.b);
            expect(mem.read(pbias, t.bias.length)).toEqual(t.bias);
            const want = reference(layout, t, true, true, act, 0);
            expect(maxRelErr(after.subarray(G, G + m * n), want)).toBeLessThanOrEqual(tol(k));
            mem.free();
          }
        }
      });

      it('handles k beyond one packed chunk (1024 rows; 4096 with accumulate) and A beyond one packed block', () => {
        // k > 1024 is split into chunks whose partial sums pass through C (with accumulate, k > 4096 takes a
        // plain loop); m = 70 at k = 1000 needs two blocks of packed A; m = 3 takes the unpacked row path.
        for (const [m, n, k] of [[6, 9, 4101], [5, 8, 4097], [2, 5, 4098], [70, 9, 1000], [3, 19, 1003], [10, 16, 1024],
          [11, 17, 1025], [203, 16, 2049], [26, 8, 3073]] as const) {
          const t = makeCase(m, n, k, 31 * k + m);
          for (const [accumulate, useBias, act] of [[false, false, 0], [false, true, 1], [true, true, 5]] as const) {
            const err = maxRelErr(run(mem, layout, t, accumulate, useBias, act, 0), reference(layout, t, accumulate, useBias, act, 0));
            expect(err).toBeLessThanOrEqual(tol(k));
          }
        }
      });

      it.each([[9, 13, 37], [6, 11, 1030], [11, 10, 4099]])('gives every element the same bits whatever tile computes it (%i x %i x %i)', (m, n, k) => {
        // C computed whole equals C computed one row and one column at a time (fixed summation order).
        const t = makeCase(m, n, k, 4242);
        const whole = run(mem, layout, t, true, true, 0, 0);
        for (let i = 0; i < m; i++) {
          const a = layout === 'tn'
            ? Float32Array.from({ length: k }, (_, p) => t.a[p * m + i])
            : t.a.slice(i * k, (i + 1) * k);
          const one = run(mem, layout, { ...t, m: 1, a, c0: t.c0.slice(i * n, (i + 1) * n) }, true, true, 0, 0);
          expect(one).toEqual(whole.slice(i * n, (i + 1) * n));
        }
        for (let j = 0; j < n; j++) {
          const b = layout === 'nt'
            ? t.b.slice(j * k, (j + 1) * k)
            : Float32Array.from({ length: k }, (_, p) => t.b[p * n + j]);
          const c0 = Float32Array.from({ length: m }, (_, i) => t.c0[i * n + j]);
          const one = run(mem, layout, { ...t, n: 1, b, bias: t.bias.slice(j, j + 1), c0 }, true, true, 0, 0);
          expect(one).toEqual(Float32Array.from({ length: m }, (_, i) => whole[i * n + j]));
        }
      });
    });
  }
});

describe('gemm: rows of A with zero terms (the one-to-three-row path)', () => {
  const wasm = new Mem('wasm'), js = new Mem('js');
  afterAll(() => { wasm.free(); js.free(); });

  /** m rows of A ([m,k], nn) with runs of zeros like an image's background: about 4/5 of the terms. */
  function sparseCase(m: number, n: number, k: number, seed: number): Case {
    const t = makeCase(m, n, k, seed);
    const r = rand(seed + 1);
    const u = r(m * k, 0, 1);
    for (let i = 0; i < m * k; i++) if (u[i] < 0.8 || (i % k) % 28 < 6) t.a[i] = i % 3 === 0 ? -0 : 0;
    return t;
  }

  it('gives the bits of the same product computed with every term, and agrees with the float64 reference', () => {
    let seed = 7100;
    for (const [m, n, k] of [[1, 128, 784], [2, 10, 64], [3, 37, 101], [1, 5, 3], [1, 16, 4]]) {
      const t = sparseCase(m, n, k, seed++);
      for (const [accumulate, useBias, act, alpha] of [[false, false, 0, 0], [false, true, 1, 0], [true, true, 2, 0.3]] as const) {
        const rows = run(wasm, 'nn', t, accumulate, useBias, act, alpha);
        // the same rows inside a product of 5 rows take the packed tiles, which multiply every term
        const big: Case = { ...t, m: 5, a: new Float32Array(5 * k), c0: new Float32Array(5 * n) };
        big.a.set(t.a);
        big.a.fill(0.5, m * k);
        big.c0.set(t.c0);
        const tiles = run(wasm, 'nn', big, accumulate, useBias, act, alpha).subarray(0, m * n);
        expect(rows, `${m}x${n}x${k}`).toEqual(tiles);
        expect(run(js, 'nn', t, accumulate, useBias, act, alpha), `js ${m}x${n}x${k}`).toEqual(rows);
        expect(maxRelErr(rows, reference('nn', t, accumulate, useBias, act, alpha))).toBeLessThanOrEqual(tol(k));
      }
    }
  });

  it('skips the same terms on both backends, so they agree even where B is infinite or NaN', () => {
    // A's first block of four terms is zero (skipped), its second block has one nonzero term; B has an
    // infinity in a skipped row and a NaN in a multiplied row's zero term.
    const k = 10, n = 4;
    const a = Float32Array.from([0, 0, 0, 0, 2, 0, 0, 0, 1, 0]);
    const b = new Float32Array(k * n).fill(1);
    b[1 * n + 0] = Infinity; // row 1: in the skipped block
    b[5 * n + 1] = NaN; // row 5: a zero term of a block that is not skipped, so 0·NaN = NaN
    const t: Case = { m: 1, n, k, a, b, bias: new Float32Array(n), c0: new Float32Array(n) };
    const w = run(wasm, 'nn', t, false, false, 0, 0);
    expect(Array.from(w)).toEqual([3, NaN, 3, 3]);
    expect(run(js, 'nn', t, false, false, 0, 0)).toEqual(w);
  });
});

describe('gemm: wasm and js agree', () => {
  const wasm = new Mem('wasm'), js = new Mem('js');
  afterAll(() => { wasm.free(); js.free(); });

  for (const layout of LAYOUTS) {
    it(`f32_gemm_${layout}: the same bits for every activation`, () => {
      let seed = 9000;
      // The last four read operands in place: A of tn when n <= 16 (with a last partial panel packed), B of nn
      // and tn when its rows are 8 floats or few rows of A share it, and both across k chunks (1024; 4096 with
      // accumulate).
      for (const [m, n, k] of [[1, 1, 1], [4, 8, 4], [5, 13, 7], [17, 9, 63], [65, 17, 5], [8, 64, 127], [33, 20, 64], [3, 40, 70], [70, 9, 1000], [6, 9, 4101],
        [27, 8, 300], [12, 5, 4100], [25, 8, 9000], [203, 16, 70], [203, 16, 2049], [41, 24, 1025]]) {
        const t = makeCase(m, n, k, seed++);
        for (const { act, alpha } of ACTS) {
          for (const accumulate of [false, true]) {
            const useBias = !accumulate || act % 2 === 0;
            const w = run(wasm, layout, t, accumulate, useBias, act, alpha);
            const j = run(js, layout, t, accumulate, useBias, act, alpha);
            expect(bitDiff(w, j), `${m}x${n}x${k} act ${act} accumulate ${accumulate}`).toBe(0);
          }
        }
      }
    });
  }
});

/**
 * f32_gemm_strided on a block of a larger product: A, B and C sit inside wider buffers (padding after each row or
 * column), which is how threads hand out rows of C. Each layout's strides, on rows [r0, r1) of C.
 */
describe.each(BACKENDS)('f32_gemm_strided on %s', (backend) => {
  const mem = new Mem(backend);
  afterAll(() => mem.free());

  /** Writes `t` with padding into wider buffers, runs rows [r0, r1) of C through f32_gemm_strided, returns all of C. */
  function strided(layout: Layout, t: Case, r0: number, r1: number, accumulate: boolean, useBias: boolean, act: number, alpha: number): Float32Array {
    const { m, n, k } = t;
    const padA = 3, padB = 5, padC = 2;
    // A: nn/nt rows of k (+pad); tn rows of m (+pad). B: nn/tn rows of n (+pad); nt rows of k (+pad).
    const [rowsA, colsA] = layout === 'tn' ? [k, m] : [m, k];
    const [rowsB, colsB] = layout === 'nt' ? [n, k] : [k, n];
    const wide = (src: Float32Array, rows: number, cols: number, pad: number) => {
      const out = new Float32Array(rows * (cols + pad)).fill(Number.NaN);
      for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols, (r + 1) * cols), r * (cols + pad));
      return out;
    };
    const pa = mem.f32(wide(t.a, rowsA, colsA, padA)), pb = mem.f32(wide(t.b, rowsB, colsB, padB));
    const pc = mem.f32(wide(t.c0, m, n, padC)), pbias = mem.f32(t.bias);
    const lda = colsA + padA, ldb = colsB + padB, ldc = n + padC;
    const [rsA, csA] = layout === 'tn' ? [1, lda] : [lda, 1];
    const [rsB, csB] = layout === 'nt' ? [1, ldb] : [ldb, 1];
    mem.k.f32_gemm_strided(pa + 4 * r0 * rsA, rsA, csA, pb, rsB, csB, useBias ? pbias : 0, pc + 4 * r0 * ldc, ldc,
      r1 - r0, n, k, accumulate ? 1 : 0, act, alpha);
    const all = mem.read(pc, m * ldc);
    mem.free();
    const out = new Float32Array(m * n);
    for (let r = 0; r < m; r++) {
      out.set(all.subarray(r * ldc, r * ldc + n), r * n);
      for (let j = n; j < ldc; j++) expect(Number.isNaN(all[r * ldc + j]), `padding of C row ${r} was written`).toBe(true);
      if (r < r0 || r >= r1) expect(out.subarray(r * n, (r + 1) * n), `row ${r} outside the block was written`).toEqual(t.c0.subarray(r * n, (r + 1) * n));
    }
    return out;
  }

  for (const layout of LAYOUTS) {
    it(`computes rows of ${layout} within wider buffers: float64 reference, and the same bits as f32_gemm_${layout}`, () => {
      let seed = 4000;
      for (const [m, n, k] of [[1, 1, 1], [4, 8, 4], [9, 17, 65], [23, 9, 7], [64, 33, 127], [12, 70, 4101]]) {
        const t = makeCase(m, n, k, seed++);
        for (const [accumulate, useBias, act, alpha] of [[false, false, 0, 0], [true, true, 2, 0.3], [false, true, 1, 0]] as const) {
          const whole = run(mem, layout, t, accumulate, useBias, act, alpha);
          // the whole product through strides, then as two and three row blocks (edges off the 5-row tiles)
          const cuts = [[0, m], [0, Math.floor(m / 2), m], [0, Math.min(m, 3), Math.min(m, 11), m]];
          for (const cut of cuts) {
            const got = new Float32Array(m * n);
            const c0 = t.c0.slice();
            for (let b = 0; b + 1 < cut.length; b++) {
              if (cut[b] === cut[b + 1]) continue;
              const part = strided(layout, { ...t, c0 }, cut[b], cut[b + 1], accumulate, useBias, act, alpha);
              got.set(part.subarray(cut[b] * n, cut[b + 1] * n), cut[b] * n);
            }
            expect(got, `${layout} ${m}x${n}x${k} cut ${cut.join(',')}`).toEqual(whole);
          }
          const want = reference(layout, t, accumulate, useBias, act, alpha);
          expect(maxRelErr(whole, want)).toBeLessThanOrEqual(tol(k));
        }
      }
    });
  }
});

describe('activation (src/backend/js/act.ts, the js epilogue)', () => {
  it('computes each activation', () => {
    expect(applyAct(-2, 0, 0)).toBe(-2);
    expect(applyAct(-2, 1, 0)).toBe(0);
    expect(applyAct(2, 1, 0)).toBe(2);
    expect(Number.isNaN(applyAct(NaN, 1, 0))).toBe(true);
    expect(applyAct(-2, 2, Math.fround(0.3))).toBe(Math.fround(-2 * Math.fround(0.3)));
    expect(Math.abs(applyAct(-1, 3, 1) - Math.expm1(-1))).toBeLessThanOrEqual(2 ** -24);
    expect(applyAct(0.5, 3, 0.3)).toBe(0.5);
    expect(applyAct(0, 4, 0)).toBe(0.5);
    expect(applyAct(-200, 4, 0)).toBe(0);
    expect(applyAct(200, 4, 0)).toBe(1);
    expect(Math.abs(applyAct(1, 5, 0) - Math.tanh(1))).toBeLessThanOrEqual(2 ** -23);
  });
});
