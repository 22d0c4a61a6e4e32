// Matrix multiply: neurite's f32_gemm_nn / _nt / _tn (wasm) against the register-only SIMD peak
// (bench/peak.ts), TF.js 4.22's wasm backend (tf.matMul with the matching transpose flags) and neurite's
// own js backend, on square sizes and on the shapes a 784-128-64-10 MLP uses at batch 64. The peak,
// neurite wasm and tfjs-wasm run in interleaved rounds (bench/timing.ts); js runs after them.
import { runtimeFor, type Runtime } from '../src/backend/index';
import { Act, type Kernels } from '../src/backend/types';
import { useTf } from './peers';
import { loadMicroKernel, loadPeak } from './peak';
import { calibrate, interleaved, medianRatio, window } from './timing';
import { errorMessage, median, mulberry32, type BenchOptions } from './util';

export type Layout = 'nn' | 'nt' | 'tn';
type GemmName = 'f32_gemm_nn' | 'f32_gemm_nt' | 'f32_gemm_tn';

export interface GemmCase {
  layout: Layout;
  /** C[m,n] = op(A)·op(B) with inner dimension k. */
  m: number;
  n: number;
  k: number;
  group: 'square' | 'mlp';
  /** What the product is in the MLP, if anything. */
  role: string;
}

export interface GemmResult extends GemmCase {
  kernel: GemmName;
  /** m×k·k×n, the logical product (the layout says how A and B are stored). */
  shape: string;
  flops: number;
  /** Median GFLOP/s over the interleaved rounds. */
  peakGflops: number;
  wasmGflops: number;
  tfjsWasmGflops: number | null;
  /** Median over rounds of neurite wasm ÷ peak (same round). */
  ofPeak: number;
  /** Median over rounds of neurite wasm ÷ tfjs-wasm (same round). */
  vsTfjsWasm: number | null;
  /** neurite js GFLOP/s, or null when a call would take too long. */
  jsGflops: number | null;
  /** neurite wasm ÷ js (medians). */
  vsJs: number | null;
  /** max |C_wasm − C_tfjs| / max |C_tfjs|: both compute the same product. */
  maxRelDiffTfjs: number | null;
  /** wasm and js results have identical bits (null when js did not run). */
  jsIdentical: boolean | null;
  error?: string;
}

const LAYOUTS: readonly Layout[] = ['nn', 'nt', 'tn'];
/** js runs only where one call stays under about half a second (2mnk ≤ this). */
const JS_MAX_FLOPS = 40e6;

/** The three MLP products named in the targets, as m×k·k×n. */
const MLP_SHAPES: readonly { m: number; k: number; n: number; role: string }[] = [
  { m: 64, k: 784, n: 128, role: 'layer 1: x·W1 (batch 64)' },
  { m: 784, k: 64, n: 128, role: 'layer 1: xᵀ·dy = dW1' },
  { m: 64, k: 128, n: 784, role: 'layer 1: dy·W1ᵀ = dx' },
];

export function gemmCases(quick: boolean): GemmCase[] {
  const cases: GemmCase[] = [];
  const squares = quick ? [64, 256] : [64, 256, 512, 1024];
  for (const layout of LAYOUTS) {
    for (const s of squares) cases.push({ layout, m: s, n: s, k: s, group: 'square', role: '' });
    for (const { m, k, n, role } of MLP_SHAPES) cases.push({ layout, m, n, k, group: 'mlp', role });
  }
  return cases;
}

const F32 = 4;

interface Operands {
  rt: Runtime;
  a: number;
  b: number;
  c: number;
}

/** A, B and C allocated once in a backend's memory, sized for the largest case, filled from one seed. */
function allocate(rt: Runtime, cases: readonly GemmCase[], data: Float32Array): Operands {
  const sa = Math.max(...cases.map((c) => c.m * c.k));
  const sb = Math.max(...cases.map((c) => c.k * c.n));
  const sc = Math.max(...cases.map((c) => c.m * c.n));
  const a = rt.heap.alloc(sa * F32);
  const b = rt.heap.alloc(sb * F32);
  const c = rt.heap.alloc(sc * F32);
  const f32 = rt.backend.memory.f32();
  f32.set(data.subarray(0, sa), a / F32);
  f32.set(data.subarray(sa, sa + sb), b / F32);
  f32.fill(0, c / F32, c / F32 + sc);
  return { rt, a, b, c };
}

function call(ops: Operands, kc: GemmCase): () => void {
  const f = (ops.rt.backend.kernels as Kernels)[`f32_gemm_${kc.layout}` as GemmName];
  const { a, b, c } = ops;
  const { m, n, k } = kc;
  return () => f(a, b, 0, c, m, n, k, 0, Act.Linear, 0);
}

function readC(ops: Operands, kc: GemmCase): Float32Array {
  return ops.rt.backend.memory.f32().slice(ops.c / F32, ops.c / F32 + kc.m * kc.n);
}

function maxRelDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

function sameBits(x: Float32Array, y: Float32Array): boolean {
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length);
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export async function benchGemm(opts: BenchOptions, log: (line: string) => void): Promise<GemmResult[]> {
  const cases = gemmCases(opts.quick);
  const peak = await loadPeak();
  const tf = await useTf('wasm');
  const sa = Math.max(...cases.map((c) => c.m * c.k));
  const sb = Math.max(...cases.map((c) => c.k * c.n));
  const rand = mulberry32(0x5eed);
  const data = Float32Array.from({ length: sa + sb }, () => rand() * 2 - 1);
  const wasm = allocate(runtimeFor('wasm'), cases, data);
  const js = allocate(runtimeFor('js'), cases, data);
  const rounds = opts.quick ? 5 : 7;
  const seconds = opts.quick ? 0.01 : 0.02;
  const results: GemmResult[] = [];
  for (const kc of cases) {
    const { m, n, k, layout } = kc;
    const flops = 2 * m * n * k;
    const base = { ...kc, kernel: `f32_gemm_${layout}` as GemmName, shape: `${m}x${k}·${k}x${n}`, flops };
    // TF.js operands in the stored layouts: A is [k,m] for tn, B is [n,k] for nt.
    const ta = tf.tensor2d(data.subarray(0, m * k), layout === 'tn' ? [k, m] : [m, k]);
    const tb = tf.tensor2d(data.subarray(sa, sa + k * n), layout === 'nt' ? [n, k] : [k, n]);
    try {
      const tfCall = () => { tf.matMul(ta, tb, layout === 'tn', layout === 'nt').dispose(); };
      const wasmCall = call(wasm, kc);
      const [tp, tw, tt] = interleaved(
        [{ name: 'peak', fn: peak.fn }, { name: 'wasm', fn: wasmCall }, { name: 'tfjs-wasm', fn: tfCall }], rounds, seconds);
      const peakRate = tp.map((t) => peak.flops / t);
      const wasmRate = tw.map((t) => flops / t);
      const tfRate = tt.map((t) => flops / t);
      wasmCall();
      const cw = readC(wasm, kc);
      const ct = tf.tidy(() => tf.matMul(ta, tb, layout === 'tn', layout === 'nt')).dataSync() as Float32Array;
      let jsGflops: number | null = null;
      let jsIdentical: boolean | null = null;
      if (flops <= JS_MAX_FLOPS) {
        const jsCall = call(js, kc);
        const reps = calibrate(jsCall, seconds);
        const tj: number[] = [];
        for (let r = 0; r < 3; r++) tj.push(window(jsCall, reps));
        jsGflops = flops / median(tj) / 1e9;
        jsIdentical = sameBits(cw, readC(js, kc));
      }
      const wasmGflops = median(wasmRate) / 1e9;
      const r: GemmResult = {
        ...base,
        peakGflops: median(peakRate) / 1e9,
        wasmGflops,
        tfjsWasmGflops: median(tfRate) / 1e9,
        ofPeak: medianRatio(wasmRate, peakRate),
        vsTfjsWasm: medianRatio(wasmRate, tfRate),
        jsGflops,
        vsJs: jsGflops === null ? null : wasmGflops / jsGflops,
        maxRelDiffTfjs: maxRelDiff(cw, ct),
        jsIdentical,
      };
      results.push(r);
      log(`  ${r.kernel} ${r.shape}: ${r.wasmGflops.toFixed(1)} GFLOP/s = ${r.ofPeak.toFixed(2)} of peak ` +
        `(${r.peakGflops.toFixed(1)}), ×${r.vsTfjsWasm!.toFixed(2)} tfjs-wasm (${r.tfjsWasmGflops!.toFixed(1)})` +
        (r.vsJs !== null ? `, ×${r.vsJs.toFixed(0)} js` : ''));
    } catch (e) {
      results.push({
        ...base, peakGflops: NaN, wasmGflops: NaN, tfjsWasmGflops: null, ofPeak: NaN, vsTfjsWasm: null,
        jsGflops: null, vsJs: null, maxRelDiffTfjs: null, jsIdentical: null, error: errorMessage(e),
      });
      log(`  ${base.kernel} ${base.shape}: error ${errorMessage(e)}`);
    } finally {
      ta.dispose();
      tb.dispose();
    }
  }
  for (const ops of [wasm, js]) for (const p of [ops.c, ops.b, ops.a]) ops.rt.heap.release(p);
  return results;
}

/** The 5x8 micro-kernel alone on L1-resident panels against the peak (bench/peak.ts, loadMicroKernel). */
export interface MicroKernelResult {
  peakGflops: number;
  microGflops: number;
  /** Median over rounds of micro-kernel ÷ peak (same round), and its lowest and highest round. */
  ofPeak: number;
  lowest: number;
  highest: number;
  rounds: number;
}

/** The micro-kernel and the peak in interleaved rounds (CPU time, like the table's rows). */
export async function benchMicroKernel(opts: BenchOptions, log: (line: string) => void): Promise<MicroKernelResult> {
  const peak = await loadPeak();
  const micro = await loadMicroKernel();
  const rounds = opts.quick ? 7 : 15;
  const [tp, tm] = interleaved([{ name: 'peak', fn: peak.fn }, { name: 'micro-kernel', fn: micro.fn }], rounds, opts.quick ? 0.01 : 0.02);
  const peakRate = tp.map((t) => peak.flops / t);
  const microRate = tm.map((t) => micro.flops / t);
  const ratios = microRate.map((v, i) => v / peakRate[i]);
  const r: MicroKernelResult = {
    peakGflops: median(peakRate) / 1e9, microGflops: median(microRate) / 1e9, ofPeak: medianRatio(microRate, peakRate),
    lowest: Math.min(...ratios), highest: Math.max(...ratios), rounds,
  };
  log(`  5x8 micro-kernel alone, panels in L1: ${r.microGflops.toFixed(1)} GFLOP/s = ${r.ofPeak.toFixed(2)} of peak ` +
    `(rounds ${r.lowest.toFixed(2)}-${r.highest.toFixed(2)})`);
  return r;
}
