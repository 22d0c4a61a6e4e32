// Shared test helpers: a fresh runtime per backend, and copying arrays in and out of its memory.
import { runtimeFor, type BackendName, type Runtime } from '../src/backend/index';

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

/** A seeded generator for test data (mulberry32), uniform in [lo, hi). */
export function rand(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
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
