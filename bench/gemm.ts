// Matrix multiply, wasm vs js: f32_gemm_nn / _nt / _tn on square sizes and on the shapes a 784-128-64-10
// MLP uses at batch 64. Operands live in each backend's own linear memory, allocated once and filled with the
// same seeded random data; every call overwrites C (no bias, no accumulate, linear activation).
import { runtimeFor, type BackendName, type Runtime } from '../src/backend/index';
import { Act, type Kernels } from '../src/backend/types';
import { errorMessage, mulberry32, runSync, type BenchOptions, type Timing } from './util';

export type Layout = 'nn' | 'nt' | 'tn';
type GemmName = 'f32_gemm_nn' | 'f32_gemm_nt' | 'f32_gemm_tn';

export interface GemmCase {
  layout: Layout;
  /** C[m,n] = op(A)·op(B) with inner dimension k. */
  m: number;
  n: number;
  k: number;
  group: 'square' | 'mlp forward' | 'mlp backward';
  /** What the product is in the MLP, if anything. */
  role: string;
}

export type BackendOutcome =
  | { status: 'ok'; timing: Timing; gflops: number; firstCallSeconds: number }
  | { status: 'skipped'; reason: string; firstCallSeconds: number }
  | { status: 'error'; reason: string };

export interface GemmResult extends GemmCase {
  kernel: GemmName;
  /** m×k·k×n as a product of logical matrices (the layout says how A and B are stored). */
  shape: string;
  flops: number;
  wasm: BackendOutcome;
  js: BackendOutcome;
  /** wasm GFLOP/s ÷ js GFLOP/s (mean-based), when both ran. */
  ratio: number | null;
  /** max |C_wasm − C_js| / max |C_js| after the timed calls, when both ran. */
  maxRelDiff: number | null;
}

const LAYOUTS: readonly Layout[] = ['nn', 'nt', 'tn'];
/** A backend whose single call takes longer than this is not benchmarked at that size. */
export const SKIP_SECONDS = 1;

/** The forward products of a 784-128-64-10 MLP at batch 64: x[64,in]·W[in,out]. */
const MLP_LAYERS: readonly [number, number][] = [[784, 128], [128, 64], [64, 10]];
const BATCH = 64;

export function gemmCases(quick: boolean): GemmCase[] {
  const cases: GemmCase[] = [];
  const squares = quick ? [128] : [64, 128, 256];
  for (const layout of LAYOUTS) {
    for (const s of squares) cases.push({ layout, m: s, n: s, k: s, group: 'square', role: '' });
    MLP_LAYERS.forEach(([inDim, out], i) => {
      const role = layout === 'nn' ? `y${i + 1} = x·W${i + 1}` : `layer ${i + 1} shape`;
      cases.push({ layout, m: BATCH, n: out, k: inDim, group: 'mlp forward', role });
    });
  }
  if (!quick) {
    // Backward products, each on the layout the dense layer uses for it (src/layers/dense.ts):
    // dW = xᵀ·dy with gemm_tn (m = in, n = out, k = batch); dx = dy·Wᵀ with gemm_nt (m = batch, n = in, k = out),
    // skipped for the first layer, whose input gradient is not needed.
    MLP_LAYERS.forEach(([inDim, out], i) => {
      cases.push({ layout: 'tn', m: inDim, n: out, k: BATCH, group: 'mlp backward', role: `dW${i + 1} = xᵀ·dy` });
    });
    MLP_LAYERS.forEach(([inDim, out], i) => {
      if (i === 0) return;
      cases.push({ layout: 'nt', m: BATCH, n: inDim, k: out, group: 'mlp backward', role: `dx${i + 1} = dy·W${i + 1}ᵀ` });
    });
  }
  return cases;
}

interface Operands {
  rt: Runtime;
  a: number;
  b: number;
  c: number;
}

const F32 = 4;

/** Allocates A, B and C once, sized for the largest case, and fills A and B from the same seed. */
function allocate(name: BackendName, cases: readonly GemmCase[]): Operands {
  const rt = runtimeFor(name);
  const sa = Math.max(...cases.map((c) => c.m * c.k));
  const sb = Math.max(...cases.map((c) => c.k * c.n));
  const sc = Math.max(...cases.map((c) => c.m * c.n));
  const a = rt.heap.alloc(sa * F32);
  const b = rt.heap.alloc(sb * F32);
  const c = rt.heap.alloc(sc * F32);
  // Views are taken after every allocation: growing memory detaches older ones.
  const f32 = rt.backend.memory.f32();
  const rand = mulberry32(0x5eed);
  for (let i = 0; i < sa; i++) f32[a / F32 + i] = rand() * 2 - 1;
  for (let i = 0; i < sb; i++) f32[b / F32 + i] = rand() * 2 - 1;
  f32.fill(0, c / F32, c / F32 + sc);
  return { rt, a, b, c };
}

function release(ops: Operands): void {
  for (const p of [ops.c, ops.b, ops.a]) ops.rt.heap.release(p);
}

async function measure(ops: Operands, kc: GemmCase, opts: BenchOptions): Promise<{ outcome: BackendOutcome; out?: Float32Array }> {
  const kernels: Kernels = ops.rt.backend.kernels;
  const kernel = `f32_gemm_${kc.layout}` as GemmName;
  const f = kernels[kernel];
  const { a, b, c } = ops;
  const { m, n, k } = kc;
  const call = () => f(a, b, 0, c, m, n, k, 0, Act.Linear, 0);
  let firstCallSeconds: number;
  try {
    call(); // warm-up (and the not-implemented check)
    const t0 = performance.now();
    call();
    firstCallSeconds = (performance.now() - t0) / 1000;
  } catch (e) {
    return { outcome: { status: 'error', reason: errorMessage(e) } };
  }
  if (firstCallSeconds > SKIP_SECONDS) {
    return { outcome: { status: 'skipped', reason: `one call took ${firstCallSeconds.toFixed(2)} s`, firstCallSeconds } };
  }
  try {
    const timing = await runSync(`${ops.rt.backend.name} ${kernel} ${m}x${k}x${n}`, call, opts);
    const out = ops.rt.backend.memory.f32().slice(c / F32, c / F32 + m * n);
    return { outcome: { status: 'ok', timing, gflops: (2 * m * n * k) / timing.mean / 1e9, firstCallSeconds }, out };
  } catch (e) {
    return { outcome: { status: 'error', reason: errorMessage(e) } };
  }
}

function maxRelDiff(x: Float32Array, y: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

export async function benchGemm(opts: BenchOptions, log: (line: string) => void): Promise<GemmResult[]> {
  const cases = gemmCases(opts.quick);
  const wasm = allocate('wasm', cases);
  const js = allocate('js', cases);
  const results: GemmResult[] = [];
  try {
    for (const kc of cases) {
      const w = await measure(wasm, kc, opts);
      const j = await measure(js, kc, opts);
      const ratio = w.outcome.status === 'ok' && j.outcome.status === 'ok' ? w.outcome.gflops / j.outcome.gflops : null;
      const r: GemmResult = {
        ...kc,
        kernel: `f32_gemm_${kc.layout}`,
        shape: `${kc.m}x${kc.k}·${kc.k}x${kc.n}`,
        flops: 2 * kc.m * kc.n * kc.k,
        wasm: w.outcome,
        js: j.outcome,
        ratio,
        maxRelDiff: w.out && j.out ? maxRelDiff(w.out, j.out) : null,
      };
      results.push(r);
      log(`  ${r.kernel} ${r.shape}: wasm ${describe(r.wasm)} · js ${describe(r.js)}` +
        (ratio !== null ? ` · ×${ratio.toFixed(1)}` : ''));
    }
  } finally {
    release(wasm);
    release(js);
  }
  return results;
}

function describe(o: BackendOutcome): string {
  if (o.status === 'ok') return `${o.gflops.toFixed(2)} GFLOP/s ±${o.timing.rme.toFixed(1)}%`;
  return `${o.status} (${o.reason})`;
}
