// The register-only WebAssembly SIMD ceiling the GEMM table is measured against: f32x4 multiplies and
// adds with no memory traffic in the loop, 6 independent multiply chains and 6 independent add chains
// (enough to cover the 3-cycle latency of both on current x86 cores), the body unrolled four times so the
// loop overhead is negligible. Plain f32x4.mul + f32x4.add, as in the GEMM kernels (no relaxed SIMD).
// The AssemblyScript source below is compiled here, with the library's release options, when the
// benchmark starts: it is never part of the library's wasm.
import { readFileSync } from 'node:fs';
import asc from 'assemblyscript/asc';

export const PEAK_SOURCE = String.raw`
const K: usize = memory.data(32, 16);

/** Runs 'iters' iterations of 48 f32x4 operations (192 flops); returns a lane so nothing is dead code. */
export function peak(iters: i32, s: f32, t: f32): f32 {
  // Through memory, so the compilers treat the factors as unknown values kept in registers.
  v128.store(K, f32x4.splat(s));
  v128.store(K, f32x4.splat(t), 16);
  const S = v128.load(K), T = v128.load(K, 16);
  let m0 = f32x4.splat(1.0), m1 = f32x4.splat(1.1), m2 = f32x4.splat(1.2);
  let m3 = f32x4.splat(1.3), m4 = f32x4.splat(1.4), m5 = f32x4.splat(1.5);
  let a0 = f32x4.splat(0.0), a1 = f32x4.splat(0.1), a2 = f32x4.splat(0.2);
  let a3 = f32x4.splat(0.3), a4 = f32x4.splat(0.4), a5 = f32x4.splat(0.5);
  for (let i = 0; i < iters; i++) {
    m0 = f32x4.mul(m0, S); a0 = f32x4.add(a0, T); m1 = f32x4.mul(m1, S); a1 = f32x4.add(a1, T);
    m2 = f32x4.mul(m2, S); a2 = f32x4.add(a2, T); m3 = f32x4.mul(m3, S); a3 = f32x4.add(a3, T);
    m4 = f32x4.mul(m4, S); a4 = f32x4.add(a4, T); m5 = f32x4.mul(m5, S); a5 = f32x4.add(a5, T);
    m0 = f32x4.mul(m0, S); a0 = f32x4.add(a0, T); m1 = f32x4.mul(m1, S); a1 = f32x4.add(a1, T);
    m2 = f32x4.mul(m2, S); a2 = f32x4.add(a2, T); m3 = f32x4.mul(m3, S); a3 = f32x4.add(a3, T);
    m4 = f32x4.mul(m4, S); a4 = f32x4.add(a4, T); m5 = f32x4.mul(m5, S); a5 = f32x4.add(a5, T);
    m0 = f32x4.mul(m0, S); a0 = f32x4.add(a0, T); m1 = f32x4.mul(m1, S); a1 = f32x4.add(a1, T);
    m2 = f32x4.mul(m2, S); a2 = f32x4.add(a2, T); m3 = f32x4.mul(m3, S); a3 = f32x4.add(a3, T);
    m4 = f32x4.mul(m4, S); a4 = f32x4.add(a4, T); m5 = f32x4.mul(m5, S); a5 = f32x4.add(a5, T);
    m0 = f32x4.mul(m0, S); a0 = f32x4.add(a0, T); m1 = f32x4.mul(m1, S); a1 = f32x4.add(a1, T);
    m2 = f32x4.mul(m2, S); a2 = f32x4.add(a2, T); m3 = f32x4.mul(m3, S); a3 = f32x4.add(a3, T);
    m4 = f32x4.mul(m4, S); a4 = f32x4.add(a4, T); m5 = f32x4.mul(m5, S); a5 = f32x4.add(a5, T);
  }
  const m = f32x4.add(f32x4.add(f32x4.add(m0, m1), f32x4.add(m2, m3)), f32x4.add(m4, m5));
  const a = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(a4, a5));
  return f32x4.extract_lane(f32x4.add(m, a), 0);
}

/** Flops per iteration of 'peak': 4 × 12 operations × 4 lanes. */
export const FLOPS_PER_ITER: i32 = 192;
`;

/** Iterations per call: about 4 MFLOP, a fraction of a millisecond. */
const PEAK_ITERS = 20000;

export interface Peak {
  /** One call of the kernel. */
  fn: () => void;
  /** Flops per call. */
  flops: number;
}

/** Compiles PEAK_SOURCE (-O3, SIMD, no runtime) and instantiates it. */
export async function loadPeak(): Promise<Peak> {
  const { error, stderr, binary } = await asc.compileString(PEAK_SOURCE, {
    optimizeLevel: 3, shrinkLevel: 0, noAssert: true, runtime: 'stub', enable: ['simd'],
  });
  if (error || !binary) throw new Error(`compiling the peak kernel failed: ${error?.message ?? ''}\n${stderr.toString()}`);
  const module = await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { abort() { throw new Error('peak aborted'); } } });
  const e = instance.exports as unknown as { peak(iters: number, s: number, t: number): number; FLOPS_PER_ITER: WebAssembly.Global };
  const perIter = e.FLOPS_PER_ITER.value as number;
  return { fn: () => { e.peak(PEAK_ITERS, 1.0000001, 1e-7); }, flops: perIter * PEAK_ITERS };
}

/**
 * The library's own 5x8 micro-kernel (assembly/gemm/gemm.ts, ukr_5x8) alone, on packed panels that stay in
 * L1 (k = 256: A 5 KB, B 8 KB, C one tile): no packing, no epilogue, no edge tiles, no cache misses. What it
 * reaches of the peak is the ceiling of every product built on it. Compiled here from the library's source
 * with the library's release options.
 */
const MICRO_ENTRY = String.raw`
import { ukr_5x8 } from './assembly/gemm/gemm';
const KC: i32 = 256;
const A = memory.data(KC * 20, 64);
const B = memory.data(KC * 32, 64);
const C = memory.data(160, 64);

/** Fills the panels with small values (zeros would do as well; this keeps the sums finite and varied). */
export function fill(): void {
  for (let i = 0; i < KC * 5; i++) store<f32>(A + (<usize>i << 2), <f32>(i % 7) * 0.125);
  for (let i = 0; i < KC * 8; i++) store<f32>(B + (<usize>i << 2), <f32>(i % 5) * 0.25);
}

/** Runs the micro-kernel over the same panels 'calls' times. */
export function run(calls: i32): void {
  for (let i = 0; i < calls; i++) ukr_5x8(A, 20, B, 32, KC, C, 32, 0);
}

/** Flops per micro-kernel call: 5 x 8 outputs, KC multiply-adds each. */
export const FLOPS_PER_CALL: i32 = 2 * 5 * 8 * KC;
`;

/** Calls per 'fn': about 4 MFLOP, like the peak's. */
const MICRO_CALLS = 200;

/** Compiles MICRO_ENTRY with the library's gemm sources (-O3, shrink level 1, SIMD, as the release build). */
export async function loadMicroKernel(): Promise<Peak> {
  const read = (f: string) => readFileSync(new URL(`../${f}`, import.meta.url), 'utf8');
  const sources = {
    'micro.ts': MICRO_ENTRY,
    'assembly/gemm/gemm.ts': read('assembly/gemm/gemm.ts'),
    'assembly/act/act.ts': read('assembly/act/act.ts'),
  };
  const { error, stderr, binary } = await asc.compileString(sources, {
    optimizeLevel: 3, shrinkLevel: 1, noAssert: true, runtime: 'stub', enable: ['simd'],
  });
  if (error || !binary) throw new Error(`compiling the micro-kernel bench failed: ${error?.message ?? ''}\n${stderr.toString()}`);
  const module = await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { abort() { throw new Error('micro-kernel aborted'); } } });
  const e = instance.exports as unknown as { fill(): void; run(calls: number): void; FLOPS_PER_CALL: WebAssembly.Global };
  e.fill();
  const perCall = e.FLOPS_PER_CALL.value as number;
  return { fn: () => { e.run(MICRO_CALLS); }, flops: perCall * MICRO_CALLS };
}
