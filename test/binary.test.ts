// Kernels of two operands (assembly/binary, src/backend/js/binary.ts): sum, difference, axpy, the select maximum
// and minimum, the gradient of an n-ary maximum/minimum, and the strided row copy. Each against a float64 (or
// exact) reference on every size 0..67 and a few large ones, in place on either operand, on pointers off the
// 16-byte grid, with ties, −0 and NaN where the rule says what they give; wasm and js give the same bits; the wasm
// exports are exactly the js kernels.
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../src/backend/index';
import type { WasmBackend } from '../src/backend/wasm';
import { BACKENDS, Mem, rand, maxRelErr } from './helpers';

const f = Math.fround;
const SIZES = [...Array.from({ length: 68 }, (_, n) => n), 1000, 4099, 65_539];
/** Byte offsets of pointers from the allocator's 16-byte grid. */
const OFFSETS = [0, 4, 8, 12];

/** Indices where two arrays differ as bit patterns (Uint32Array views), at most 5 of them. */
function bitsDiffer(a: Float32Array, b: ArrayLike<number>): number[] {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(Float32Array.from(b).buffer);
  expect(ua.length).toBe(ub.length);
  const out: number[] = [];
  for (let i = 0; i < ua.length && out.length < 5; i++) if (ua[i] !== ub[i]) out.push(i);
  return out;
}

/**
 * n pairs (a, b): random values, with ties (b = a), −0 against +0 both ways, zeros of one sign, and values far apart
 * in magnitude (so a sum rounds), spread so that every loop (16-float, 4-float, scalar) meets each kind.
 */
function pairs(seed: number, n: number, withNaN = false): { a: Float32Array; b: Float32Array } {
  const r = rand(seed);
  const a = r(n, -4, 4), b = r(n, -4, 4);
  const big = r(n, 1e6, 1e7);
  for (let i = 0; i < n; i++) {
    switch (i % 9) {
      case 1: b[i] = a[i]; break;
      case 3: a[i] = -0; b[i] = 0; break;
      case 4: a[i] = 0; b[i] = -0; break;
      case 5: a[i] = -0; b[i] = -0; break;
      case 6: a[i] = big[i]; break;
      case 7: if (withNaN) a[i] = NaN; break;
      case 8: if (withNaN) b[i] = NaN; break;
    }
  }
  return { a, b };
}

type Two = 'f32_add' | 'f32_sub' | 'f32_max' | 'f32_min';
/** The float64 references: the exact sum or difference rounded once to f32; the selects as the contract words them. */
const REF: Record<Two, (a: number, b: number) => number> = {
  f32_add: (a, b) => f(a + b),
  f32_sub: (a, b) => f(a - b),
  f32_max: (a, b) => (a >= b ? a : b),
  f32_min: (a, b) => (a <= b ? a : b),
};
const TWO = Object.keys(REF) as Two[];

/** The n-ary chain y = (x0 op x1) op x2 … with the select rule of f32_max (ge) or f32_min (le). */
function chain(xs: Float32Array[], op: Two): Float32Array {
  const y = Float32Array.from(xs[0]);
  for (const x of xs.slice(1)) for (let i = 0; i < y.length; i++) y[i] = REF[op](y[i], x[i]);
  return y;
}

describe.each(BACKENDS)('binary kernels on %s', (name: BackendName) => {
  it.each(TWO)('%s equals the reference bit for bit on every size, out of place and in place on either operand', (op) => {
    const mem = new Mem(name);
    for (const n of SIZES) {
      const { a, b } = pairs(n + 1, n, op === 'f32_max' || op === 'f32_min');
      const ref = Array.from(a, (v, i) => REF[op](v, b[i]));
      const pa = mem.f32(a), pb = mem.f32(b), py = mem.f32(n);
      mem.k[op](pa, pb, py, n);
      expect(bitsDiffer(mem.read(py, n), ref), `size ${n}`).toEqual([]);
      expect(bitsDiffer(mem.read(pa, n), a), `a kept, size ${n}`).toEqual([]);
      mem.k[op](pa, pb, pa, n);
      expect(bitsDiffer(mem.read(pa, n), ref), `y = a, size ${n}`).toEqual([]);
      mem.k[op](mem.f32(a), pb, pb, n);
      expect(bitsDiffer(mem.read(pb, n), ref), `y = b, size ${n}`).toEqual([]);
      mem.free();
    }
  });

  it('f32_add and f32_sub are within half an f32 ulp of the float64 result (2^-24 relative)', () => {
    const mem = new Mem(name);
    const n = 4099;
    const { a, b } = pairs(7, n);
    const pa = mem.f32(a), pb = mem.f32(b), py = mem.f32(n);
    mem.k.f32_add(pa, pb, py, n);
    expect(maxRelErr(mem.read(py, n), Array.from(a, (v, i) => v + b[i]))).toBeLessThanOrEqual(2 ** -24);
    mem.k.f32_sub(pa, pb, py, n);
    expect(maxRelErr(mem.read(py, n), Array.from(a, (v, i) => v - b[i]))).toBeLessThanOrEqual(2 ** -24);
    // the rounding is really exercised: the big values lose bits of the small ones
    expect(Array.from(mem.read(py, n)).some((v, i) => v !== a[i] - b[i])).toBe(true);
    mem.free();
  });

  it.each(TWO)('%s on pointers off the 16-byte grid, each operand and the output at its own offset', (op) => {
    const mem = new Mem(name);
    for (const n of [5, 37, 67, 1000]) {
      const { a, b } = pairs(n, n, op === 'f32_max' || op === 'f32_min');
      const ref = Array.from(a, (v, i) => REF[op](v, b[i]));
      for (const [oa, ob, oy] of [[4, 8, 12], [12, 0, 4], [8, 4, 0], [4, 4, 4]]) {
        const pa = mem.f32(n + 4) + oa, pb = mem.f32(n + 4) + ob, py = mem.f32(n + 4) + oy;
        mem.rt.backend.memory.f32().set(a, pa >> 2);
        mem.rt.backend.memory.f32().set(b, pb >> 2);
        mem.k[op](pa, pb, py, n);
        expect(bitsDiffer(mem.read(py, n), ref), `size ${n} offsets ${oa} ${ob} ${oy}`).toEqual([]);
        mem.free();
      }
    }
  });

  it('f32_max and f32_min: ties keep a (−0 against +0 too), a NaN in either operand gives b', () => {
    const mem = new Mem(name);
    // a pair per lane; repeated 5 times (20 values) so the 16-float, 4-float and scalar loops all see them
    const a0 = [-0, 0, -0, 0, NaN, 1, NaN, 2, 3, 3, -1, Infinity];
    const b0 = [0, -0, -0, 0, 1, NaN, NaN, 1, 3, 4, -Infinity, 5];
    const maxWant = [-0, 0, -0, 0, 1, NaN, NaN, 2, 3, 4, -1, Infinity];
    const minWant = [-0, 0, -0, 0, 1, NaN, NaN, 1, 3, 3, -Infinity, 5];
    const rep = (v: number[]) => Array.from({ length: 5 }, () => v).flat();
    const n = 5 * a0.length;
    const pa = mem.f32(rep(a0)), pb = mem.f32(rep(b0)), py = mem.f32(n);
    mem.k.f32_max(pa, pb, py, n);
    const mx = Array.from(mem.read(py, n));
    mem.k.f32_min(pa, pb, py, n);
    const mn = Array.from(mem.read(py, n));
    for (let i = 0; i < n; i++) {
      expect(Object.is(mx[i], rep(maxWant)[i]), `max(${rep(a0)[i]}, ${rep(b0)[i]}) at ${i}: ${mx[i]}`).toBe(true);
      expect(Object.is(mn[i], rep(minWant)[i]), `min(${rep(a0)[i]}, ${rep(b0)[i]}) at ${i}: ${mn[i]}`).toBe(true);
    }
    mem.free();
  });

  it('f32_axpy is y + f32(alpha·x) on every size; alpha = 1 gives f32_add\'s bits; in place (x = y) too', () => {
    const mem = new Mem(name);
    for (const n of SIZES) {
      const { a: x, b: y } = pairs(n + 100, n);
      for (const alpha of [1, -1, 0.37, -2.5e-3, 0]) {
        const al = f(alpha);
        const ref = Array.from(y, (v, i) => f(v + f(al * x[i])));
        const px = mem.f32(x), py = mem.f32(y);
        mem.k.f32_axpy(px, py, n, alpha);
        expect(bitsDiffer(mem.read(py, n), ref), `size ${n} alpha ${alpha}`).toEqual([]);
        expect(bitsDiffer(mem.read(px, n), x), 'x kept').toEqual([]);
        const pz = mem.f32(y);
        mem.k.f32_axpy(pz, pz, n, alpha);
        expect(bitsDiffer(mem.read(pz, n), Array.from(y, (v) => f(v + f(al * v)))), `x = y, size ${n}`).toEqual([]);
        if (alpha === 1) {
          const ps = mem.f32(n);
          mem.k.f32_add(mem.f32(y), px, ps, n);
          expect(bitsDiffer(mem.read(py, n), mem.read(ps, n)), `alpha 1 vs add, size ${n}`).toEqual([]);
        }
        mem.free();
      }
    }
    // no fused multiply-add: (1 + 2^-12)² = 1 + 2^-11 + 2^-24 rounds (to even) to 1 + 2^-11 in f32, so
    // y = −(1 + 2^-11) becomes 0, where a fused multiply-add would give 2^-24
    const c = 1 + 2 ** -12;
    const px = mem.f32([c, c, c, c, c]), py = mem.f32(Array(5).fill(-(1 + 2 ** -11)));
    mem.k.f32_axpy(px, py, 5, c);
    expect(Array.from(mem.read(py, 5))).toEqual([0, 0, 0, 0, 0]);
    mem.free();
  });

  it('f32_axpy on pointers off the 16-byte grid', () => {
    const mem = new Mem(name);
    const n = 67;
    const { a: x, b: y } = pairs(3, n);
    for (const [ox, oy] of [[4, 8], [12, 0], [0, 12], [8, 8]]) {
      const px = mem.f32(n + 4) + ox, py = mem.f32(n + 4) + oy;
      mem.rt.backend.memory.f32().set(x, px >> 2);
      mem.rt.backend.memory.f32().set(y, py >> 2);
      mem.k.f32_axpy(px, py, n, 0.75);
      expect(bitsDiffer(mem.read(py, n), Array.from(y, (v, i) => f(v + f(0.75 * x[i])))), `offsets ${ox} ${oy}`).toEqual([]);
      mem.free();
    }
  });

  it.each(['f32_max', 'f32_min'] as const)('f32_pick_grad gives the gradient of a 3-input %s chain to the first input equal to the output', (op) => {
    const mem = new Mem(name);
    for (const n of SIZES) {
      const r = rand(n + 300);
      const x0 = r(n, -2, 2), x1 = r(n, -2, 2), x2 = r(n, -2, 2), dy = r(n, -1, 1);
      // ties of two and three inputs, ±0 ties, and dy = −0 (its sign must reach the winner)
      for (let i = 0; i < n; i++) {
        switch (i % 7) {
          case 1: x1[i] = x0[i]; break;
          case 2: x2[i] = x1[i]; break;
          case 3: x1[i] = x2[i] = x0[i]; break;
          case 4: x0[i] = -0; x1[i] = 0; x2[i] = -1e9 * (op === 'f32_max' ? 1 : -1); break;
          case 5: x0[i] = 0; x1[i] = -0; x2[i] = -0; dy[i] = -0; break;
        }
      }
      const xs = [x0, x1, x2];
      const y = chain(xs, op);
      const px = xs.map((x) => mem.f32(x)), pyy = mem.f32(y);
      // the chain itself, through the kernel, is y
      const pc = mem.f32(x0);
      mem.k[op](pc, px[1], pc, n);
      mem.k[op](pc, px[2], pc, n);
      expect(bitsDiffer(mem.read(pc, n), y), `chain, size ${n}`).toEqual([]);
      const pr = mem.f32(dy);
      const pdx = xs.map(() => mem.f32(n));
      for (let j = 0; j < 3; j++) mem.k.f32_pick_grad(px[j], pyy, pr, pdx[j], n);
      const dx = pdx.map((p) => mem.read(p, n));
      // the reference: the first j with x_j == y takes dy, the others +0; what is left of r is +0 everywhere
      const wrong: string[] = [];
      for (let i = 0; i < n; i++) {
        const first = xs.findIndex((x) => x[i] === y[i]);
        if (first < 0) wrong.push(`no winner at ${i}`);
        for (let j = 0; j < 3; j++) {
          if (!Object.is(dx[j][i], j === first ? dy[i] : 0)) wrong.push(`dx${j}[${i}] = ${dx[j][i]}, winner ${first}`);
        }
      }
      expect(wrong.slice(0, 5), `size ${n}`).toEqual([]);
      expect(bitsDiffer(mem.read(pr, n), new Float32Array(n)), `r left, size ${n}`).toEqual([]);
      mem.free();
    }
  });

  it('f32_pick_grad with dx = 0 updates only r; a NaN in x or y matches nothing; unaligned pointers', () => {
    const mem = new Mem(name);
    const n = 67;
    const r = rand(9);
    const x = r(n), dy = r(n), y = Float32Array.from(x, (v, i) => (i % 3 === 0 ? v : v + 1));
    for (let i = 0; i < n; i += 10) x[i] = NaN;
    for (let i = 5; i < n; i += 10) y[i] = NaN;
    const hit = (i: number) => x[i] === y[i];
    for (const [ox, oy, or, od] of [[0, 0, 0, 0], [4, 8, 12, 4], [12, 4, 8, 0]]) {
      const at = (data: Float32Array | number, o: number) => {
        const p = mem.f32(n + 4) + o;
        if (typeof data !== 'number') mem.rt.backend.memory.f32().set(data, p >> 2);
        return p;
      };
      const px = at(x, ox), py = at(y, oy), pr = at(dy, or);
      mem.k.f32_pick_grad(px, py, pr, 0, n);
      const left = Array.from(dy, (v, i) => (hit(i) ? 0 : v));
      expect(bitsDiffer(mem.read(pr, n), left), `dx = 0, offsets ${ox} ${oy} ${or}`).toEqual([]);
      const pr2 = at(dy, or), pdx = at(n, od);
      mem.rt.backend.memory.f32().fill(7, pdx >> 2, (pdx >> 2) + n);
      mem.k.f32_pick_grad(px, py, pr2, pdx, n);
      expect(bitsDiffer(mem.read(pr2, n), left), `r, offsets ${ox} ${oy} ${or} ${od}`).toEqual([]);
      expect(bitsDiffer(mem.read(pdx, n), Array.from(dy, (v, i) => (hit(i) ? v : 0))), `dx, offsets ${ox} ${oy} ${or} ${od}`).toEqual([]);
      mem.free();
    }
  });

  it('f32_copy_strided copies rows into and out of column ranges, every width 0..67, touching nothing else', () => {
    const mem = new Mem(name);
    const rows = 5;
    for (let cols = 0; cols <= 67; cols++) {
      // forward: an input [rows, cols] into columns off..off+cols of an output [rows, width]; backward: out again
      const off = cols % 5, width = cols + off + 3;
      const src = rand(cols + 500)(rows * cols);
      const pout = mem.f32(Float32Array.from({ length: rows * width }, () => 9));
      mem.k.f32_copy_strided(mem.f32(src), cols, pout + 4 * off, width, rows, cols);
      const out = mem.read(pout, rows * width);
      const want = new Float32Array(rows * width).fill(9);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) want[r * width + off + j] = src[r * cols + j];
      expect(bitsDiffer(out, want), `forward, cols ${cols}`).toEqual([]);
      const pback = mem.f32(rows * cols + 1);
      mem.rt.backend.memory.f32()[(pback >> 2) + rows * cols] = 5;
      mem.k.f32_copy_strided(pout + 4 * off, width, pback, cols, rows, cols);
      expect(bitsDiffer(mem.read(pback, rows * cols + 1), [...src, 5]), `backward, cols ${cols}`).toEqual([]);
      mem.free();
    }
    // rows 0 and a large copy; the bits of NaN, −0 and subnormals pass unchanged
    const big = rand(1)(300 * 70);
    big[0] = NaN; big[1] = -0; big[2] = 1e-40;
    const ps = mem.f32(big), pd = mem.f32(300 * 64);
    mem.k.f32_copy_strided(ps, 70, pd, 64, 0, 64);
    expect(Array.from(mem.read(pd, 300 * 64)).every((v) => v === 0)).toBe(true);
    mem.k.f32_copy_strided(ps + 4, 70, pd, 64, 300, 63);
    const got = mem.read(pd, 300 * 64);
    const want = new Float32Array(300 * 64);
    for (let r = 0; r < 300; r++) for (let j = 0; j < 63; j++) want[r * 64 + j] = big[r * 70 + 1 + j];
    expect(bitsDiffer(got, want)).toEqual([]);
    expect(Object.is(got[0], -0)).toBe(true);
    mem.free();
  });
});

describe('binary kernels: wasm and js agree bit for bit', () => {
  const wasm = new Mem('wasm'), js = new Mem('js');
  const both = <T>(run: (m: Mem) => T): [T, T] => [run(wasm), run(js)];
  const same = (w: Float32Array, j: Float32Array, what: string) => expect(bitsDiffer(w, j), what).toEqual([]);

  it('f32_add, f32_sub, f32_max, f32_min, f32_axpy on every size and offset', () => {
    for (const n of SIZES) {
      const o = OFFSETS[n % 4];
      for (const op of TWO) {
        // NaN only where no arithmetic touches it: a NaN result's payload is the runtime's choice
        const { a, b } = pairs(n + 40, n, op === 'f32_max' || op === 'f32_min');
        const [w, j] = both((m) => {
          const pa = m.f32(n + 4) + o, pb = m.f32(n + 4) + 4 - o, py = m.f32(n);
          m.rt.backend.memory.f32().set(a, pa >> 2);
          m.rt.backend.memory.f32().set(b, pb >> 2);
          m.k[op](pa, pb, py, n);
          const out = m.read(py, n);
          m.free();
          return out;
        });
        same(w, j, `${op} size ${n}`);
      }
      const { a: x, b: y } = pairs(n + 80, n);
      const [w, j] = both((m) => {
        const px = m.f32(x), py = m.f32(n + 4) + o;
        m.rt.backend.memory.f32().set(y, py >> 2);
        m.k.f32_axpy(px, py, n, -0.3);
        const out = m.read(py, n);
        m.free();
        return out;
      });
      same(w, j, `f32_axpy size ${n}`);
    }
  });

  it('f32_pick_grad (with and without dx) and f32_copy_strided', () => {
    for (const n of SIZES) {
      const { a: x, b: dy } = pairs(n + 90, n, true);
      const y = Float32Array.from(x, (v, i) => (i % 2 === 0 ? v : dy[i]));
      const [w, j] = both((m) => {
        const px = m.f32(x), py = m.f32(y), pr = m.f32(dy), pdx = m.f32(n + 1) + 4, pr2 = m.f32(dy);
        m.k.f32_pick_grad(px, py, pr, pdx, n);
        m.k.f32_pick_grad(px, py, pr2, 0, n);
        const out = [m.read(pr, n), m.read(pdx, n), m.read(pr2, n)];
        m.free();
        return out;
      });
      for (let k = 0; k < 3; k++) same(w[k], j[k], `f32_pick_grad size ${n} output ${k}`);
      const rows = 3, width = n + 5;
      const src = pairs(n, rows * width, true).a;
      const [cw, cj] = both((m) => {
        const ps = m.f32(src), pd = m.f32(rows * (n + 2));
        m.k.f32_copy_strided(ps + 4 * (n % 5), width, pd + 8, n + 2, rows, n);
        const out = m.read(pd, rows * (n + 2));
        m.free();
        return out;
      });
      same(cw, cj, `f32_copy_strided cols ${n}`);
    }
  });

  it('the wasm module exports exactly the js backend\'s kernels (and its own memory and scratch hooks)', () => {
    const exp = (wasm.rt.backend as WasmBackend).direct as unknown as Record<string, unknown>;
    const own = ['heap_base', 'gemm_scratch_bytes', 'gemm_set_scratch'];
    const wasmKernels = Object.keys(exp).filter((n) => typeof exp[n] === 'function' && !own.includes(n)).sort();
    expect(wasmKernels).toEqual(Object.keys(js.k).sort());
    for (const n of own) expect(typeof exp[n], n).toBe('function');
    for (const n of ['f32_add', 'f32_sub', 'f32_axpy', 'f32_max', 'f32_min', 'f32_pick_grad', 'f32_copy_strided']) {
      expect(wasmKernels, n).toContain(n);
    }
  });
});
