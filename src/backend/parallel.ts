// Which kernels split across threads, and how. Every split is of an output: rows of C for the matrix products,
// elements for the elementwise kernels and optimizers, rows for the row kernels, images for convolution and
// pooling. A part is the same kernel on a sub-range (pointers moved to its start, its count), and no kernel
// here sums across the split, so every output element is computed by the same code in the same order as on one
// thread: N threads give the same bits as one. Reductions (losses, metrics, the bias gradient, batch-norm
// statistics, norms) and dropout (its counter-based hash numbers elements from the call's start) stay on the
// calling thread.
import type { Kernels } from './types';
import type { ThreadPool } from './threads';
import type { WasmExports } from './wasm';

/** Least work per part, below which a call stays on one thread: multiply-adds for gemm, output values else. */
const GEMM_MIN = 1 << 18;
const ELEMENTS_MIN = 1 << 15;
/** Rows of C per part are multiples of the micro-kernel's height; element ranges multiples of 16 (SIMD loops). */
const GEMM_ROWS = 5;
const VECTOR = 16;

type Args = number[];

/**
 * How a kernel splits: argument `count` is the number of units (elements, rows, images); each argument in
 * `ptrs` is a pointer that moves by bytesPerUnit(args) per unit (or an index, moving by 1); `unit` aligns part boundaries; outPerUnit
 * gives the output values per unit (for the minimum work).
 */
interface Split {
  count: number;
  ptrs: readonly (readonly [index: number, bytesPerUnit: (a: Args) => number])[];
  unit: number;
  outPerUnit: (a: Args) => number;
}

const F32 = () => 4;
const elementwise = (count: number, ...ptrs: number[]): Split =>
  ({ count, ptrs: ptrs.map((i) => [i, F32] as const), unit: VECTOR, outPerUnit: () => 1 });
const rowwise = (count: number, cols: number, ...ptrs: number[]): Split =>
  ({ count, ptrs: ptrs.map((i) => [i, (a: Args) => 4 * a[cols]] as const), unit: 1, outPerUnit: (a) => a[cols] });
// images: n is argument 2, h w c 3 4 5; convolution: kh kw 6 7, outH outW 14 15; pooling: outH outW 12 13
const image = (a: Args) => 4 * a[3] * a[4] * a[5];
const colsOf = (a: Args) => 4 * a[14] * a[15] * a[6] * a[7] * a[5];
const pooled = (a: Args) => 4 * a[12] * a[13] * a[5];
// max pooling has argmax as its third pointer: n is argument 3, h w c 4 5 6, outH outW 13 14
const maxIn = (a: Args) => 4 * a[4] * a[5] * a[6];
const maxOut = (a: Args) => 4 * a[13] * a[14] * a[6];
const globalIn = (a: Args) => 4 * a[3] * a[4];
const globalOut = (a: Args) => 4 * a[4];

export const SPLITS: Readonly<Record<string, Split>> = {
  f32_activation: elementwise(2, 0, 1),
  f32_activation_grad: elementwise(3, 0, 1, 2),
  f32_sgd: elementwise(2, 0, 1),
  f32_momentum: elementwise(3, 0, 1, 2),
  f32_adam: elementwise(4, 0, 1, 2, 3),
  f32_adamw: elementwise(4, 0, 1, 2, 3),
  f32_rmsprop: elementwise(3, 0, 1, 2),
  f32_adagrad: elementwise(3, 0, 1, 2),
  f32_l2_grad: elementwise(2, 0, 1),
  f32_scale: elementwise(1, 0),
  f32_fill: elementwise(1, 0),
  f32_copy: elementwise(2, 0, 1),
  f32_mul: elementwise(3, 0, 1, 2),
  f32_bias_add: rowwise(3, 4, 0, 2),
  // a batch's rows from the staged training set: `start` (an index into idx) moves by one per row, dst by a row
  f32_gather_rows: { count: 4, ptrs: [[2, () => 1], [3, (a) => 4 * a[5]]], unit: 1, outPerUnit: (a) => a[5] },
  f32_softmax: rowwise(2, 3, 0, 1),
  f32_softmax_grad: rowwise(3, 4, 0, 1, 2),
  f32_im2col: { count: 2, ptrs: [[0, image], [1, colsOf]], unit: 1, outPerUnit: (a) => colsOf(a) / 4 },
  f32_col2im: { count: 2, ptrs: [[0, colsOf], [1, image]], unit: 1, outPerUnit: (a) => colsOf(a) / 4 },
  f32_maxpool2d: { count: 3, ptrs: [[0, maxIn], [1, maxOut], [2, maxOut]], unit: 1, outPerUnit: (a) => maxIn(a) / 4 },
  f32_maxpool2d_grad: { count: 3, ptrs: [[0, (a) => 4 * a[4]], [1, (a) => 4 * a[4]], [2, (a) => 4 * a[5]]], unit: 1, outPerUnit: (a) => a[5] },
  f32_avgpool2d: { count: 2, ptrs: [[0, image], [1, pooled]], unit: 1, outPerUnit: (a) => image(a) / 4 },
  f32_avgpool2d_grad: { count: 2, ptrs: [[0, pooled], [1, image]], unit: 1, outPerUnit: (a) => image(a) / 4 },
  f32_global_avgpool: { count: 2, ptrs: [[0, globalIn], [1, globalOut]], unit: 1, outPerUnit: (a) => globalIn(a) / 4 },
  f32_global_avgpool_grad: { count: 2, ptrs: [[0, globalOut], [1, globalIn]], unit: 1, outPerUnit: (a) => globalIn(a) / 4 },
};

/** The kernels a pool's workers resolve by index: the strided gemm, then every kernel in SPLITS. */
export const THREAD_KERNELS: readonly string[] = ['f32_gemm_strided', ...Object.keys(SPLITS)];

/**
 * Kernels that split across the pool's workers and the calling thread when a call is large enough, and
 * otherwise call this thread's instance directly. Everything not in SPLITS (and not a gemm) passes through.
 */
export function parallelKernels(direct: WasmExports, pool: ThreadPool): Kernels {
  const threads = pool.size + 1;
  const index = new Map(pool.names.map((n, i) => [n, i]));
  const fns = direct as unknown as Record<string, (...a: number[]) => number>;
  // one argument buffer per part, reused by every call
  const bufs: Args[] = Array.from({ length: threads }, () => []);

  /**
   * Runs `name` over `total` units in `parts` parts (boundaries on multiples of `unit`): parts 1.. on the
   * workers, part 0 here, then waits for all. fill(lo, hi, out) writes the arguments of a part.
   */
  function run(name: string, parts: number, unit: number, total: number, fill: (lo: number, hi: number, out: Args) => void): void {
    const per = Math.ceil(total / unit / parts) * unit;
    const fn = index.get(name)!;
    let posted = 0;
    try {
      for (let p = 1; p < parts && p * per < total; p++) {
        fill(p * per, Math.min(total, (p + 1) * per), bufs[p]);
        pool.post(p - 1, fn, bufs[p]);
        posted = p;
      }
      fill(0, Math.min(total, per), bufs[0]);
      fns[name].apply(null, bufs[0]);
    } finally {
      for (let p = 1; p <= posted; p++) pool.wait(p - 1);
    }
  }

  /** How many parts: at most one per thread, each with at least `minUnits` units. */
  const partsFor = (total: number, minUnits: number) => Math.min(threads, Math.floor(total / Math.max(1, minUnits)));

  function gemm(a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, bias: number, c: number,
    ldc: number, m: number, n: number, k: number, acc: number, act: number, alpha: number): void {
    const parts = partsFor(m, Math.max(GEMM_ROWS, Math.ceil(GEMM_MIN / Math.max(1, n * k))));
    if (parts < 2) {
      direct.f32_gemm_strided(a, rsA, csA, b, rsB, csB, bias, c, ldc, m, n, k, acc, act, alpha);
      return;
    }
    run('f32_gemm_strided', parts, GEMM_ROWS, m, (lo, hi, o) => {
      o[0] = a + 4 * lo * rsA; o[1] = rsA; o[2] = csA; o[3] = b; o[4] = rsB; o[5] = csB; o[6] = bias;
      o[7] = c + 4 * lo * ldc; o[8] = ldc; o[9] = hi - lo; o[10] = n; o[11] = k; o[12] = acc; o[13] = act; o[14] = alpha;
    });
  }

  const out: Record<string, unknown> = { ...direct };
  out.f32_gemm_strided = gemm;
  out.f32_gemm_nn = (a: number, b: number, bias: number, c: number, m: number, n: number, k: number, acc: number, act: number, alpha: number) =>
    gemm(a, k, 1, b, n, 1, bias, c, n, m, n, k, acc, act, alpha);
  out.f32_gemm_tn = (a: number, b: number, bias: number, c: number, m: number, n: number, k: number, acc: number, act: number, alpha: number) =>
    gemm(a, 1, m, b, n, 1, bias, c, n, m, n, k, acc, act, alpha);
  out.f32_gemm_nt = (a: number, b: number, bias: number, c: number, m: number, n: number, k: number, acc: number, act: number, alpha: number) =>
    gemm(a, k, 1, b, 1, k, bias, c, n, m, n, k, acc, act, alpha);

  for (const [name, s] of Object.entries(SPLITS)) {
    const f = fns[name];
    out[name] = (...args: number[]) => {
      const total = args[s.count];
      const parts = partsFor(total, Math.max(s.unit, Math.ceil(ELEMENTS_MIN / Math.max(1, s.outPerUnit(args)))));
      if (parts < 2) return f(...args);
      run(name, parts, s.unit, total, (lo, hi, o) => {
        for (let i = 0; i < args.length; i++) o[i] = args[i];
        for (const [i, bytes] of s.ptrs) o[i] = args[i] + lo * bytes(args);
        o[s.count] = hi - lo;
      });
    };
  }
  return out as unknown as Kernels;
}
