// Utility kernels: sum of squares, scale, fill, copy, row and label gathers, finiteness check.
import { describe, it, expect } from 'vitest';
import { BACKENDS, EDGE_SIZES, Mem, rand } from './helpers';

const SIZES = [...EDGE_SIZES, 15, 16, 31, 32, 33, 1029];
const f = Math.fround;

/** Index of the first element whose bits differ, or -1. */
function firstBitDiff(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** Values spread over many binades. */
function wide(n: number, seed: number): Float32Array {
  const r = rand(seed), u = r(n), e = r(n, -20, 20);
  return Float32Array.from(u, (x, i) => x * 2 ** Math.round(e[i]));
}

/**
 * The documented order of f32_sum_squares, written out independently: acc[j][l] over blocks of 16, leftover
 * quads into acc[0], lanes (acc0 + acc1) + (acc2 + acc3), then ((l0 + l1) + l2) + l3, then the tail.
 */
function orderedSumSquares(x: Float32Array): number {
  const acc = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
  const n = x.length;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    for (let j = 0; j < 4; j++) for (let l = 0; l < 4; l++) acc[j][l] = f(acc[j][l] + f(x[i + 4 * j + l] ** 2));
  }
  for (; i + 4 <= n; i += 4) for (let l = 0; l < 4; l++) acc[0][l] = f(acc[0][l] + f(x[i + l] ** 2));
  const lanes = [0, 1, 2, 3].map((l) => f(f(acc[0][l] + acc[1][l]) + f(acc[2][l] + acc[3][l])));
  let s = f(f(f(lanes[0] + lanes[1]) + lanes[2]) + lanes[3]);
  for (; i < n; i++) s = f(s + f(x[i] ** 2));
  return s;
}

/** A permutation of 0..n-1 (Fisher–Yates with the seeded generator). */
function shuffled(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  const u = rand(seed)(n, 0, 1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

describe.each(BACKENDS)('utilities on %s', (name) => {
  it('f32_sum_squares is within f32 summation error of the float64 sum', () => {
    for (const n of SIZES) {
      const x = rand(n)(n, -3, 3);
      const m = new Mem(name);
      const got = m.k.f32_sum_squares(m.f32(x), n);
      const want = x.reduce((a, v) => a + v * v, 0);
      expect(Math.abs(got - want), `n=${n}`).toBeLessThanOrEqual(n * 2 ** -23 * want);
      expect(f(got), 'an f32 value').toBe(got);
      m.free();
    }
  });

  it('f32_sum_squares follows the documented order exactly', () => {
    // Similar magnitudes make nearly every addition round, so any other order shows.
    for (const n of [...SIZES, 4099]) {
      for (const x of [wide(n, n + 1), rand(n + 2)(n, 1, 2), rand(n + 3)(n, 0.5, 3)]) {
        const m = new Mem(name);
        expect(m.k.f32_sum_squares(m.f32(x), n), `n=${n}`).toBe(orderedSumSquares(x));
        m.free();
      }
    }
  });

  it('f32_sum_squares reads only count elements and returns 0 for count 0', () => {
    const m = new Mem(name);
    const p = m.f32([1, 2, 3, 4, 5, 1000, 1000, 1000]);
    expect(m.k.f32_sum_squares(p, 5)).toBe(55);
    expect(m.k.f32_sum_squares(p, 0)).toBe(0);
    m.free();
  });

  it('f32_scale multiplies in place by the f32-rounded factor', () => {
    for (const n of SIZES) {
      const x = rand(n + 3)(n, -5, 5);
      const m = new Mem(name);
      const p = m.f32([...x, 9, 9, 9, 9]);
      m.k.f32_scale(p, n, 0.3);
      const want = Float32Array.from(x, (v) => v * f(0.3));
      expect(firstBitDiff(m.read(p, n), want), `n=${n}`).toBe(-1);
      expect(Array.from(m.read(p + 4 * n, 4))).toEqual([9, 9, 9, 9]);
      m.free();
    }
  });

  it('f32_fill writes exactly count values', () => {
    for (const n of SIZES) {
      const m = new Mem(name);
      const p = m.f32(new Float32Array(n + 4).fill(9));
      m.k.f32_fill(p, n, 0.1);
      expect(Array.from(m.read(p, n))).toEqual(new Array(n).fill(f(0.1)));
      expect(Array.from(m.read(p + 4 * n, 4))).toEqual([9, 9, 9, 9]);
      m.k.f32_fill(p, 0, 5);
      expect(m.read(p, 1)[0]).toBe(f(0.1));
      m.free();
    }
  });

  it('f32_copy copies bits exactly (NaN payloads, -0, Inf) and nothing more', () => {
    const special = [0x7fc00001, 0xff800000, 0x7f800000, 0x80000000, 0x00000001, 0x3f800000];
    for (const n of SIZES) {
      const bits = Array.from({ length: n }, (_, i) => (i < special.length ? special[i] : (i * 2654435761) >>> 0) | 0);
      const m = new Mem(name);
      const src = m.i32(bits), dst = m.i32(new Array(n + 4).fill(7));
      m.k.f32_copy(src, dst, n);
      expect(Array.from(m.readI32(dst, n)), `n=${n}`).toEqual(bits);
      expect(Array.from(m.readI32(dst + 4 * n, 4))).toEqual([7, 7, 7, 7]);
      m.free();
    }
  });

  it('f32_gather_rows gathers shuffled rows from a start offset', () => {
    for (const rows of EDGE_SIZES) {
      for (const cols of [1, 3, 4, 5, 17]) {
        const start = 3, total = rows + 8;
        const perm = shuffled(total, rows * 7 + cols);
        const src = rand(rows + cols)(total * cols);
        const m = new Mem(name);
        const ps = m.f32(src), pi = m.i32(perm), pd = m.f32(new Float32Array(rows * cols + 4).fill(9));
        m.k.f32_gather_rows(ps, pi, start, pd, rows, cols);
        const want: number[] = [];
        for (let r = 0; r < rows; r++) want.push(...src.subarray(perm[start + r] * cols, (perm[start + r] + 1) * cols));
        expect(Array.from(m.read(pd, rows * cols)), `rows=${rows} cols=${cols}`).toEqual(want);
        expect(Array.from(m.read(pd + 4 * rows * cols, 4))).toEqual([9, 9, 9, 9]);
        expect(Array.from(m.read(ps, total * cols)), 'src untouched').toEqual(Array.from(src));
        m.free();
      }
    }
  });

  it('f32_gather_rows with repeated indices and zero rows', () => {
    const m = new Mem(name);
    const ps = m.f32([1, 2, 3, 4, 5, 6]), pi = m.i32([2, 2, 0]), pd = m.f32(new Float32Array(6).fill(9));
    m.k.f32_gather_rows(ps, pi, 0, pd, 3, 2);
    expect(Array.from(m.read(pd, 6))).toEqual([5, 6, 5, 6, 1, 2]);
    m.k.f32_gather_rows(ps, pi, 0, pd, 0, 2);
    expect(Array.from(m.read(pd, 6))).toEqual([5, 6, 5, 6, 1, 2]);
    m.free();
  });

  it('i32_gather gathers shuffled labels from a start offset', () => {
    for (const rows of EDGE_SIZES) {
      const start = 5, total = rows + 9;
      const perm = shuffled(total, rows + 11);
      const labels = Array.from({ length: total }, (_, i) => (i * 37 + 11) % 10 - (i === 2 ? 1e6 : 0));
      const m = new Mem(name);
      const ps = m.i32(labels), pi = m.i32(perm), pd = m.i32(new Array(rows + 4).fill(-7));
      m.k.i32_gather(ps, pi, start, pd, rows);
      expect(Array.from(m.readI32(pd, rows)), `rows=${rows}`).toEqual(perm.slice(start, start + rows).map((k) => labels[k]));
      expect(Array.from(m.readI32(pd + 4 * rows, 4))).toEqual([-7, -7, -7, -7]);
      m.free();
    }
  });

  it('f32_all_finite is 1 for finite data, including extremes, and ignores what lies past count', () => {
    for (const n of SIZES) {
      const x = wide(n, n);
      const extremes = [3.4028234663852886e38, -3.4028234663852886e38, 1.4e-45, -0, 0, -1.1754943508222875e-38];
      extremes.forEach((v, i) => { if (i < n) x[i] = v; });
      const m = new Mem(name);
      const p = m.f32([...x, NaN, Infinity, -Infinity, NaN]);
      expect(m.k.f32_all_finite(p, n), `n=${n}`).toBe(1);
      m.free();
    }
    const m = new Mem(name);
    expect(m.k.f32_all_finite(m.f32([NaN]), 0)).toBe(1);
    m.free();
  });

  it('f32_all_finite finds NaN, Inf and -Inf at every position', () => {
    // Positions cover the first element, every lane of the 16-float blocks and 4-float steps, and the tail.
    for (const n of SIZES) {
      const x = rand(n + 5)(n, -10, 10);
      const m = new Mem(name);
      const p = m.f32(x);
      const view = () => m.rt.backend.memory.f32();
      for (let i = 0; i < n; i++) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          view()[(p >> 2) + i] = bad;
          expect(m.k.f32_all_finite(p, n), `n=${n} i=${i} ${bad}`).toBe(0);
          view()[(p >> 2) + i] = x[i];
        }
      }
      expect(m.k.f32_all_finite(p, n)).toBe(1);
      m.free();
    }
  });
});

describe('utilities: wasm and js agree bit for bit', () => {
  it('f32_sum_squares', () => {
    for (const n of [...SIZES, 4099]) {
      for (const seed of [1, 2, 3]) {
        const x = seed === 3 ? rand(n)(n, 1, 2) : wide(n, seed * 10007 + n);
        const got = BACKENDS.map((name) => {
          const m = new Mem(name);
          const s = m.k.f32_sum_squares(m.f32(x), n);
          m.free();
          return s;
        });
        expect(got[0], `n=${n} seed=${seed}`).toBe(got[1]);
      }
    }
  });

  it('f32_scale', () => {
    for (const n of SIZES) {
      const x = wide(n, n);
      const out = BACKENDS.map((name) => {
        const m = new Mem(name);
        const p = m.f32(x);
        m.k.f32_scale(p, n, 1 / 3);
        const r = m.read(p, n);
        m.free();
        return r;
      });
      expect(firstBitDiff(out[0], out[1]), `n=${n}`).toBe(-1);
    }
  });
});
