// Which kernels split across threads, and how. Every split is of an output: rows of C for the matrix products,
// elements for the elementwise kernels and optimizers, rows for the row kernels, images for convolution and
// pooling. A chunk is the same kernel on a sub-range (pointers moved to its start, its count), whichever thread
// takes it, and no kernel here sums across chunks, so every output element is computed by the same code in the
// same order as on one thread: N threads give the same bits as one. The one reduction that splits is
// f32_all_finite, an AND of its chunks (ThreadPool.run returns 0 when any chunk did), which no order changes.
// Sums (losses, metrics, the bias gradient, batch-norm statistics, norms) and dropout (its counter-based hash
// numbers elements from the call's start) stay on the calling thread.
import type { Kernels } from './types';
import type { ThreadPool } from './threads';
import type { WasmExports } from './wasm';

/** Least work per part, below which a call stays on one thread: multiply-adds for gemm, output values else. */
const GEMM_MIN = 1 << 18;
const ELEMENTS_MIN = 1 << 15;
/** Chunks of C are whole multiples of the micro-kernel's 5 rows; element ranges multiples of 16 (SIMD loops). */
const GEMM_ROWS = 5;
const VECTOR = 16;

type Args = number[];

/**
 * How a kernel splits: argument `count` is the number of units (elements, rows, images); each argument in
 * `ptrs` is a pointer that moves by bytesPerUnit(args) per unit (or an index, moving by 1); `unit` aligns chunk
 * boundaries; outPerUnit gives the output values per unit (for the least work worth a thread).
 */
interface Split {
  count: number;
  ptrs: readonly (readonly [index: number, bytesPerUnit: (a: Args) => number])[];
  unit: number;
  outPerUnit: (a: Args) => number;
  /** Pointer arguments for which 0 means absent: a 0 stays 0 in every chunk instead of moving. */
  absent?: readonly number[];
}

const F32 = () => 4;
const elementwise = (count: number, ...ptrs: number[]): Split =>
  ({ count, ptrs: ptrs.map((i) => [i, F32] as const), unit: VECTOR, outPerUnit: () => 1 });
const rowwise = (count: number, cols: number, ...ptrs: number[]): Split =>
  ({ count, ptrs: ptrs.map((i) => [i, (a: Args) => 4 * a[cols]] as const), unit: 1, outPerUnit: (a) => a[cols] });
// rows whose pointers move by their own strides: [pointer, argument holding its stride in elements] pairs
const strided = (count: number, cols: number, ...ptrs: (readonly [ptr: number, stride: number])[]): Split =>
  ({ count, ptrs: ptrs.map(([i, st]) => [i, (a: Args) => 4 * a[st]] as const), unit: 1, outPerUnit: (a) => a[cols] });
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
  f32_exp: elementwise(2, 0, 1),
  f32_sgd: elementwise(2, 0, 1),
  f32_momentum: elementwise(3, 0, 1, 2),
  f32_adam: elementwise(4, 0, 1, 2, 3),
  f32_adamw: elementwise(4, 0, 1, 2, 3),
  f32_adamax: elementwise(4, 0, 1, 2, 3),
  f32_adadelta: elementwise(4, 0, 1, 2, 3),
  f32_rmsprop: elementwise(5, 0, 1, 2, 3, 4),
  f32_adagrad: elementwise(3, 0, 1, 2),
  f32_l2_grad: elementwise(2, 0, 1),
  f32_scale: elementwise(1, 0),
  f32_fill: elementwise(1, 0),
  f32_copy: elementwise(2, 0, 1),
  f32_mul: elementwise(3, 0, 1, 2),
  f32_all_finite: elementwise(1, 0),
  f32_add: elementwise(3, 0, 1, 2),
  f32_sub: elementwise(3, 0, 1, 2),
  f32_axpy: elementwise(2, 0, 1),
  f32_max: elementwise(3, 0, 1, 2),
  f32_min: elementwise(3, 0, 1, 2),
  // dx (argument 3) is 0 when that input wants no gradient
  f32_pick_grad: { ...elementwise(4, 0, 1, 2, 3), absent: [3] },
  f32_copy_strided: strided(4, 5, [0, 1], [2, 3]),
  f32_bias_add: rowwise(3, 4, 0, 2),
  // a batch's rows from the staged training set: `start` (an index into idx) moves by one per row, dst by a row
  f32_gather_rows: { count: 4, ptrs: [[2, () => 1], [3, (a) => 4 * a[5]]], unit: 1, outPerUnit: (a) => a[5] },
  f32_softmax: rowwise(2, 3, 0, 1),
  f32_softmax_grad: rowwise(3, 4, 0, 1, 2),
  f32_im2col: { count: 2, ptrs: [[0, image], [1, colsOf]], unit: 1, outPerUnit: (a) => colsOf(a) / 4 },
  f32_col2im: { count: 2, ptrs: [[0, colsOf], [1, image]], unit: 1, outPerUnit: (a) => colsOf(a) / 4 },
  // n is argument 4, h w c 5 6 7, kh kw 8 9, filters 10; images in, output images out
  f32_conv2d_direct: { count: 4, ptrs: [[0, (a) => 4 * a[5] * a[6] * a[7]], [3, (a) => 4 * (a[5] - a[8] + 1) * (a[6] - a[9] + 1) * a[10]]],
    unit: 1, outPerUnit: (a) => (a[5] - a[8] + 1) * (a[6] - a[9] + 1) * a[10] * a[8] * a[9] * a[7] },
  f32_maxpool2d: { count: 3, ptrs: [[0, maxIn], [1, maxOut], [2, maxOut]], unit: 1, outPerUnit: (a) => maxIn(a) / 4 },
  f32_maxpool2d_grad: { count: 3, ptrs: [[0, (a) => 4 * a[4]], [1, (a) => 4 * a[4]], [2, (a) => 4 * a[5]]], unit: 1, outPerUnit: (a) => a[5] },
  f32_avgpool2d: { count: 2, ptrs: [[0, image], [1, pooled]], unit: 1, outPerUnit: (a) => image(a) / 4 },
  f32_avgpool2d_grad: { count: 2, ptrs: [[0, pooled], [1, image]], unit: 1, outPerUnit: (a) => image(a) / 4 },
  f32_global_avgpool: { count: 2, ptrs: [[0, globalIn], [1, globalOut]], unit: 1, outPerUnit: (a) => globalIn(a) / 4 },
  f32_global_avgpool_grad: { count: 2, ptrs: [[0, globalOut], [1, globalIn]], unit: 1, outPerUnit: (a) => globalIn(a) / 4 },
};

/** The kernels a pool's workers resolve by index: the strided gemm, then every kernel in SPLITS. */
export const THREAD_KERNELS: readonly string[] = ['f32_gemm_strided', ...Object.keys(SPLITS)];

/** Chunks per part of the elementwise, row and image kernels: more lets a thread that runs fast take more. */
const CHUNKS_PER_PART = 4;

/**
 * Rows of C per chunk of a product split in `parts`: first `parts` big chunks (together about 4/5 of the rows,
 * one for each thread to start on), then chunks of `small` rows that whichever thread is free takes, so a thread
 * slowed by a busy core does fewer. Few chunks in all, since each packs B again. Chunks are whole 5-row panels
 * except the last, and none has 1-3 rows: that would take the row path, which skips blocks of zero terms of A
 * that the tiles multiply (the same bits unless B is infinite or NaN there), and N threads must give one
 * thread's bits even then.
 */
export function gemmChunks(m: number, parts: number): { big: number; small: number } {
  let big = Math.floor((m * 0.8) / parts / GEMM_ROWS) * GEMM_ROWS;
  let rest = m - big * parts;
  while (big > 0 && rest > 0 && rest < 4) { big -= GEMM_ROWS; rest += parts * GEMM_ROWS; }
  if (big === 0) {
    // too few rows for big chunks: equal chunks of whole panels
    let chunk = Math.ceil(m / parts / GEMM_ROWS) * GEMM_ROWS;
    while (m % chunk > 0 && m % chunk < 4) chunk += GEMM_ROWS;
    return { big: chunk, small: chunk };
  }
  let small = Math.max(GEMM_ROWS, Math.ceil(rest / (2 * parts) / GEMM_ROWS) * GEMM_ROWS);
  while (rest % small > 0 && rest % small < 4) small += GEMM_ROWS;
  return { big, small };
}

/**
 * Kernels that split across the pool's workers and the calling thread when a call is large enough, and
 * otherwise call this thread's instance directly. Everything not in SPLITS (and not a gemm) passes through.
 */
export function parallelKernels(direct: WasmExports, pool: ThreadPool): Kernels {
  const threads = pool.size + 1;
  const index = new Map(pool.names.map((n, i) => [n, i]));
  const fns = direct as unknown as Record<string, (...a: number[]) => number>;
  // reused for every call: the base arguments and their change per unit
  const base: number[] = [];
  const delta: number[] = [];

  /** How many parts the work is worth: at most one per thread, each with at least `minUnits` units. */
  const partsFor = (total: number, minUnits: number) => Math.min(threads, Math.floor(total / Math.max(1, minUnits)));
  /** Units per chunk: `perPart` chunks per part, on multiples of `unit`. */
  const chunkOf = (total: number, parts: number, perPart: number, unit: number) =>
    Math.ceil(total / (parts * perPart) / unit) * unit;

  const stridedIndex = index.get('f32_gemm_strided')!;
  function gemm(a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, bias: number, c: number,
    ldc: number, m: number, n: number, k: number, acc: number, act: number, alpha: number): void {
    const parts = partsFor(m, Math.max(GEMM_ROWS, Math.ceil(GEMM_MIN / Math.max(1, n * k))));
    if (parts < 2) {
      direct.f32_gemm_strided(a, rsA, csA, b, rsB, csB, bias, c, ldc, m, n, k, acc, act, alpha);
      return;
    }
    base.length = delta.length = 0;
    base.push(a, rsA, csA, b, rsB, csB, bias, c, ldc, m, n, k, acc, act, alpha);
    // per row of C: A moves by a row (rsA elements), C by ldc
    delta.push(4 * rsA, 0, 0, 0, 0, 0, 0, 4 * ldc, 0, 0, 0, 0, 0, 0, 0);
    const { big, small } = gemmChunks(m, parts);
    pool.run(stridedIndex, direct.f32_gemm_strided, base, delta, 9, m, big, parts, small);
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
    const fn = index.get(name)!;
    out[name] = (...args: number[]) => {
      const total = args[s.count];
      const parts = partsFor(total, Math.max(s.unit, Math.ceil(ELEMENTS_MIN / Math.max(1, s.outPerUnit(args)))));
      if (parts < 2) return f(...args);
      base.length = delta.length = 0;
      for (let i = 0; i < args.length; i++) { base.push(args[i]); delta.push(0); }
      for (const [i, bytes] of s.ptrs) delta[i] = args[i] === 0 && s.absent?.includes(i) ? 0 : bytes(args);
      return pool.run(fn, f, base, delta, s.count, total, chunkOf(total, parts, CHUNKS_PER_PART, s.unit));
    };
  }
  return out as unknown as Kernels;
}
