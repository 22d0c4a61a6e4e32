// exp, sigmoid, tanh and elu: the library's f32x4 kernels (f32_exp, f32_activation from the built module)
// against the scalar kernels they replaced, in interleaved rounds on the same inputs, one thread, CPU time.
// The scalar kernels are the previous code (f64 Math.exp / Math.tanh / Math.expm1 per value, rounded to f32:
// AssemblyScript's musl-derived functions), compiled here from OLD_SOURCE with the library's release options;
// they are not in the library's wasm.
import asc from 'assemblyscript/asc';
import { runtimeFor } from '../src/backend/index';
import { interleaved, medianRatio } from './timing';
import { type BenchOptions, median, mulberry32 } from './util';

export const OLD_SOURCE = String.raw`
export function old_exp(x: usize, y: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, <f32>Math.exp(<f64>load<f32>(x + o)));
  }
}
export function old_sigmoid(x: usize, y: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, <f32>(1 / (1 + Math.exp(-<f64>load<f32>(x + o)))));
  }
}
export function old_tanh(x: usize, y: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, <f32>Math.tanh(<f64>load<f32>(x + o)));
  }
}
export function old_elu(x: usize, y: usize, count: i32, alpha: f32): void {
  const a = <f64>alpha;
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : <f32>(a * Math.expm1(<f64>v)));
  }
}
`;

export interface ActResult {
  name: string;
  /** Median ns per value over the rounds: the scalar kernel, the f32x4 kernel. */
  scalarNs: number;
  simdNs: number;
  /** Median over rounds of scalar time ÷ SIMD time (same round). */
  speedup: number;
  lowest: number;
  highest: number;
  rounds: number;
  values: number;
}

type Old = Record<'old_exp' | 'old_sigmoid' | 'old_tanh' | 'old_elu', (x: number, y: number, n: number, alpha?: number) => void>;

async function loadOld(): Promise<{ fns: Old; memory: WebAssembly.Memory }> {
  const { error, stderr, binary } = await asc.compileString(OLD_SOURCE, {
    optimizeLevel: 3, shrinkLevel: 1, noAssert: true, runtime: 'stub', enable: ['simd'], initialMemory: 2,
  });
  if (error || !binary) throw new Error(`compiling the scalar kernels failed: ${error?.message ?? ''}\n${stderr.toString()}`);
  const module = await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { abort() { throw new Error('aborted'); } } });
  const e = instance.exports as unknown as Old & { memory: WebAssembly.Memory };
  return { fns: e, memory: e.memory };
}

/** 4096 values (16 KB in, 16 KB out: both stay in L1), uniform in [−8, 8]. */
const N = 4096;

export async function benchAct(opts: BenchOptions, log: (line: string) => void): Promise<ActResult[]> {
  const old = await loadOld();
  const rt = runtimeFor('wasm');
  const k = rt.backend.kernels;
  const next = mulberry32(2024);
  const x = Float32Array.from({ length: N }, () => (next() * 2 - 1) * 8);
  // the scalar module: x at 64 KB, y at 96 KB (its memory starts at 2 pages and holds no data)
  const ox = 65536, oy = 98304;
  new Float32Array(old.memory.buffer, ox, N).set(x);
  const px = rt.heap.alloc(N * 4), py = rt.heap.alloc(N * 4);
  rt.backend.memory.f32().set(x, px >> 2);
  const rows: [string, () => void, () => void][] = [
    ['exp', () => old.fns.old_exp(ox, oy, N), () => k.f32_exp(px, py, N)],
    ['sigmoid', () => old.fns.old_sigmoid(ox, oy, N), () => k.f32_activation(px, py, N, 4, 0)],
    ['tanh', () => old.fns.old_tanh(ox, oy, N), () => k.f32_activation(px, py, N, 5, 0)],
    ['elu', () => old.fns.old_elu(ox, oy, N, 1), () => k.f32_activation(px, py, N, 3, 1)],
  ];
  const rounds = opts.quick ? 5 : 11;
  const seconds = opts.quick ? 0.01 : 0.02;
  const out: ActResult[] = [];
  for (const [name, scalar, simd] of rows) {
    const [ts, tv] = interleaved([{ name: `${name} scalar`, fn: scalar }, { name: `${name} f32x4`, fn: simd }], rounds, seconds);
    const ratios = ts.map((t, i) => t / tv[i]);
    const r: ActResult = {
      name, scalarNs: (median(ts) / N) * 1e9, simdNs: (median(tv) / N) * 1e9, speedup: medianRatio(ts, tv),
      lowest: Math.min(...ratios), highest: Math.max(...ratios), rounds, values: N,
    };
    log(`  ${name}: scalar ${r.scalarNs.toFixed(2)} ns/value, f32x4 ${r.simdNs.toFixed(2)} ns/value, ${r.speedup.toFixed(2)}x ` +
      `(rounds ${r.lowest.toFixed(2)}-${r.highest.toFixed(2)})`);
    out.push(r);
  }
  rt.heap.release(px);
  rt.heap.release(py);
  return out;
}
