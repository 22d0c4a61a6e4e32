// Shared test helpers: a fresh runtime per backend, and copying arrays in and out of its memory.
import { expect } from 'vitest';
import { runtimeFor, type BackendName, type Runtime } from '../src/backend/index';
import type { LayersModel } from '../src/model';
import { tensor, type Tensor } from '../src/tensor';

export const BACKENDS: BackendName[] = ['wasm', 'js'];

/** Sizes below, at, around and above the SIMD tile widths. */
export const EDGE_SIZES = [1, 3, 4, 5, 7, 8, 9, 17, 63, 64, 65, 127];

export class Mem {
  readonly rt: Runtime;
  private ptrs: number[] = [];
  constructor(name: BackendName) { this.rt = runtimeFor(name); }
  get k() { return this.rt.backend.kernels; }
  /** Allocates and writes f32 data; returns the byte offset. */
  f32(data: ArrayLike<number> | number): number {
    const n = typeof data === 'number' ? data : data.length;
    const p = this.rt.heap.alloc(n * 4);
    this.ptrs.push(p);
    const v = this.rt.backend.memory.f32();
    if (typeof data === 'number') v.fill(0, p >> 2, (p >> 2) + n);
    else v.set(data, p >> 2);
    return p;
  }
  i32(data: ArrayLike<number>): number {
    const p = this.rt.heap.alloc(data.length * 4);
    this.ptrs.push(p);
    this.rt.backend.memory.i32().set(data, p >> 2);
    return p;
  }
  read(ptr: number, n: number): Float32Array {
    return this.rt.backend.memory.f32().slice(ptr >> 2, (ptr >> 2) + n);
  }
  readI32(ptr: number, n: number): Int32Array {
    return this.rt.backend.memory.i32().slice(ptr >> 2, (ptr >> 2) + n);
  }
  /** Frees everything this Mem allocated. */
  free(): void {
    for (const p of this.ptrs) this.rt.heap.release(p);
    this.ptrs = [];
  }
}

/** mulberry32: a seeded stream of numbers uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded generator for test data (mulberry32), uniform in [lo, hi). */
export function rand(seed: number) {
  const next = mulberry32(seed);
  return (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** An activation (codes of Act) in float64, written independently of the kernels. */
export function act64(x: number, act: number, alpha: number): number {
  switch (act) {
    case 1: return x > 0 ? x : 0;
    case 2: return x > 0 ? x : alpha * x;
    case 3: return x > 0 ? x : alpha * (Math.exp(x) - 1);
    case 4: return 1 / (1 + Math.exp(-x));
    case 5: return Math.tanh(x);
    case 6: return Math.min(Math.max(x, 0), 6);
    case 7: return Math.min(Math.max(0.2 * x + 0.5, 0), 1);
    default: return x;
  }
}

/** Max of |a−b| / max(1, |b|) — relative error with an absolute floor near zero. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let e = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= e)) e = Number.isNaN(d) ? Infinity : Math.max(e, d);
  }
  return e;
}

/** Float64 dot product, and the sum of |aᵢ·bᵢ| (the scale for an f32 tolerance on that dot product). */
export function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
export function absDot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] * b[i]);
  return s;
}

/** Number of positions whose 32-bit patterns differ (arrays must have equal length). */
export function bitDiff(a: Float32Array | Int32Array, b: Float32Array | Int32Array): number {
  expect(a.length).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let d = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) d++;
  return d;
}

/**
 * Awaits `p` (a promise, or a function that throws or returns one), expects it to fail with an instance of
 * `cls` whose message matches every part, and returns the error.
 */
export async function rejects<E extends Error>(p: Promise<unknown> | (() => unknown), cls: new (...a: never[]) => E,
  ...parts: (string | RegExp)[]): Promise<E> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(cls);
  for (const part of parts) expect((err as Error).message).toMatch(part);
  return err as E;
}

/**
 * Central differences (L(w + eps) − L(w − eps)) / 2·eps of `lossAt` for about `samples` entries of each weight
 * tensor of `model`, each passed to `visit` with the analytic derivative from `grads`; the weights are restored
 * after each entry. Returns how many entries `visit` counted (it returns false for one it skips).
 */
export function centralDifferences(model: LayersModel, grads: Tensor[], lossAt: () => number, samples: number, eps: number,
  // biome-ignore lint/suspicious/noConfusingVoidType: visitors that return nothing count every entry
  visit: (t: number, i: number, numeric: number, analytic: number) => boolean | void): number {
  const weights = model.getWeights();
  const values = weights.map((w) => new Float32Array(w.data));
  let counted = 0;
  for (let t = 0; t < values.length; t++) {
    const w = values[t];
    for (let i = 0; i < w.length; i += Math.max(1, Math.floor(w.length / samples))) {
      const orig = w[i];
      const set = (v: number) => { w[i] = v; model.setWeights(values.map((d, j) => tensor(d, weights[j].shape))); };
      set(orig + eps);
      const up = lossAt();
      set(orig - eps);
      const down = lossAt();
      set(orig);
      if (visit(t, i, (up - down) / (2 * eps), grads[t].data[i]) !== false) counted++;
    }
  }
  return counted;
}
