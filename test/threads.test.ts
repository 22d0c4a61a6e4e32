// Threads (src/backend/threads.ts, parallel.ts): workers sharing the wasm memory. N threads give the same bits as
// one for the matrix products in every layout, for every kernel that splits, for a training run and a CNN step;
// the splits really run on the workers; bad settings are refused; a pool that cannot start leaves neurite on one
// thread with a warning; a Node script that used threads exits by itself.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runtime } from '../src/backend/index';
import { gemmChunks, parallelKernels, SPLITS, THREAD_KERNELS } from '../src/backend/parallel';
import { Governor, HEARTBEAT, SHORT_SPIN_MS, ThreadPool, tuning } from '../src/backend/threads';
import type { Kernels } from '../src/backend/types';
import type { WasmBackend } from '../src/backend/wasm';
import * as nn from '../src/index';
import { bitDiff, rand } from './helpers';

const wasm = () => runtime().backend as WasmBackend;

/** Allocates buffers in the wasm runtime, fills them, and can snapshot and restore them all. */
class Buffers {
  private list: { ptr: number; n: number; data: Float32Array }[] = [];
  constructor(private readonly seed: number) {}
  f32(n: number, lo = -2, hi = 2): number {
    const ptr = runtime().heap.alloc(n * 4);
    const data = rand(this.seed + this.list.length)(n, lo, hi);
    this.list.push({ ptr, n, data });
    return ptr;
  }
  /** Replaces the initial contents of the buffer at `ptr`. */
  patch(ptr: number, data: Float32Array): void {
    const b = this.list.find((e) => e.ptr === ptr)!;
    b.data = data;
  }
  /** Writes every buffer's initial contents. */
  reset(): void {
    const F = runtime().backend.memory.f32();
    for (const b of this.list) F.set(b.data, b.ptr >> 2);
  }
  /** Every buffer's current contents, one after another. */
  read(): Float32Array {
    const F = runtime().backend.memory.f32();
    const out = new Float32Array(this.list.reduce((s, b) => s + b.n, 0));
    let o = 0;
    for (const b of this.list) { out.set(F.subarray(b.ptr >> 2, (b.ptr >> 2) + b.n), o); o += b.n; }
    return out;
  }
  free(): void {
    for (const b of this.list) runtime().heap.release(b.ptr);
    this.list = [];
  }
}

/**
 * Runs `call` on one thread (the instance's own exports) and through `kernels` (by default the pool's); returns
 * both memories and how many jobs went to workers.
 */
function bothWays(bufs: Buffers, call: (k: Kernels) => void, kernels = wasm().kernels): { one: Float32Array; many: Float32Array; posts: number } {
  bufs.reset();
  call(wasm().direct);
  const one = bufs.read();
  bufs.reset();
  const post = vi.spyOn(ThreadPool.prototype, 'post');
  call(kernels);
  const posts = post.mock.calls.length;
  post.mockRestore();
  return { one, many: bufs.read(), posts };
}

/** A 256³ product is shared with a worker and gives the bits of one thread. */
function expectPoolSplits(seed: number): void {
  const bufs = new Buffers(seed);
  const a = bufs.f32(256 * 256), b = bufs.f32(256 * 256), c = bufs.f32(256 * 256);
  const { one, many, posts } = bothWays(bufs, (kk) => kk.f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0));
  expect(posts).toBeGreaterThan(0);
  expect(bitDiff(many, one)).toBe(0);
  bufs.free();
}

/** Bytes of all weights: what must be equal for "the same bits". */
function weightBytes(m: nn.Sequential): Uint8Array {
  const parts = m.getWeights().map((t) => new Uint8Array(t.data.buffer.slice(0))) as Uint8Array[];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

describe('threads', () => {
  beforeAll(async () => {
    // every split call goes to the workers (the fallback to one thread while they do not pay is tested below)
    tuning.adaptive = false;
    await nn.ready({ threads: 2 });
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => {
    nn.shutdown();
    tuning.adaptive = true;
  });

  it('starts a pool: getThreads() counts the calling thread, kernels split through it', () => {
    expect(nn.getThreads()).toBe(2);
    expect(wasm().shared).toBe(true);
    expect(wasm().kernels).not.toBe(wasm().direct);
  });

  it.each(['nn', 'nt', 'tn'] as const)('f32_gemm_%s: the same bits with 2 threads as with 1, on row blocks off the tiles', (layout) => {
    let seed = 100;
    // the last two as the first convolution of a CNN: 8 filters (B in place), and its kernel gradient (A of tn in place)
    for (const [m, n, k] of [[64, 128, 784], [256, 33, 70], [257, 64, 128], [23, 300, 200], [784, 128, 64], [1000, 9, 80], [4003, 8, 25], [25, 8, 9000]]) {
      const bufs = new Buffers(seed++);
      const a = bufs.f32(m * k), b = bufs.f32(k * n), bias = bufs.f32(n), c = bufs.f32(m * n);
      for (const [acc, useBias, act, alpha] of [[0, 0, 0, 0], [1, 1, 2, 0.2], [0, 1, 4, 0], [0, 1, 3, 1]]) {
        const { one, many, posts } = bothWays(bufs, (kk) =>
          kk[`f32_gemm_${layout}`](a, b, useBias ? bias : 0, c, m, n, k, acc, act, alpha));
        expect(posts, `${layout} ${m}x${n}x${k} did not split`).toBeGreaterThan(0);
        expect(bitDiff(many, one), `${layout} ${m}x${n}x${k} acc=${acc} act=${act}`).toBe(0);
      }
      bufs.free();
    }
  });

  it('a split product keeps one thread\'s bits where rows of A have zero blocks and B is infinite or NaN', () => {
    // 23 rows would split into chunks of 10, 10 and 3, and a 3-row chunk takes the row path, which skips
    // blocks of four zero terms of A (0·Inf is NaN on the tiles): no chunk is left that short.
    const [m, n, k] = [23, 128, 784];
    const bufs = new Buffers(300);
    const a = bufs.f32(m * k), b = bufs.f32(k * n), c = bufs.f32(m * n);
    const av = rand(301)(m * k, -2, 2);
    for (let i = 0; i < m; i++) av.fill(0, i * k, i * k + 16); // terms 0-15 of every row: four zero blocks
    bufs.patch(a, av);
    const bv = rand(302)(k * n, -2, 2);
    bv[2 * n + 5] = Infinity; // row 2 of B meets only zero terms
    bv[3 * n + 9] = Number.NaN;
    bufs.patch(b, bv);
    const { one, many, posts } = bothWays(bufs, (kk) => kk.f32_gemm_nn(a, b, 0, c, m, n, k, 0, 0, 0));
    expect(posts).toBeGreaterThan(0);
    expect(Number.isNaN(one[m * k + k * n + 5])).toBe(true); // C[0][5]: 0·Inf on one thread's tiles
    expect(bitDiff(many, one)).toBe(0);
    bufs.free();
  });

  it('splits a product into big chunks, one per thread, then small ones; none of 1-3 rows, all rows covered', () => {
    for (let parts = 2; parts <= 8; parts++) {
      for (let m = 5 * parts; m <= 3000; m++) {
        const { big, small } = gemmChunks(m, parts);
        expect(big % 5, `m ${m} parts ${parts}`).toBe(0);
        // the chunk sizes as the pool cuts them: `parts` of `big` (or fewer when they cover m), then `small`
        const sizes: number[] = [];
        for (let lo = 0, q = 0; lo < m; q++) {
          const size = Math.min(m, lo + (q < parts ? big : small)) - lo;
          sizes.push(size);
          lo += size;
        }
        expect(sizes.reduce((x, y) => x + y, 0)).toBe(m);
        expect(sizes.every((v) => v >= 4), `m ${m} parts ${parts}: ${sizes.join(' ')}`).toBe(true);
        // about 4/5 of the rows in big chunks, less the rounding to whole panels and one panel per part given
        // back so that the rest has no 1-3-row chunk
        if (m >= 100) expect(big * parts, `m ${m} parts ${parts}`).toBeGreaterThanOrEqual(0.8 * m - 10 * parts);
      }
    }
  });

  it('a product too small to pay for a thread stays on the calling thread', () => {
    const bufs = new Buffers(7);
    const a = bufs.f32(8 * 8), b = bufs.f32(8 * 8), c = bufs.f32(8 * 8);
    const { one, many, posts } = bothWays(bufs, (kk) => kk.f32_gemm_nn(a, b, 0, c, 8, 8, 8, 0, 0, 0));
    expect(posts).toBe(0);
    expect(many).toEqual(one);
    bufs.free();
  });

  // Arguments for every kernel that splits, large enough to split, with odd sizes so that parts end off the
  // SIMD widths. Images: n 13, 28x28x3 input, 5x5 kernel, stride 1, dilation 1, no padding → 24x24.
  const N = 200_003;
  const cases: Record<string, (b: Buffers) => number[]> = {
    f32_activation: (b) => [b.f32(N), b.f32(N), N, 3, 0.7],
    f32_activation_grad: (b) => [b.f32(N, 0.1, 0.9), b.f32(N), b.f32(N), N, 4, 0],
    f32_exp: (b) => [b.f32(N), b.f32(N), N],
    f32_sgd: (b) => [b.f32(N), b.f32(N), N, 0.01],
    f32_momentum: (b) => [b.f32(N), b.f32(N), b.f32(N), N, 0.01, 0.9, 1],
    f32_adam: (b) => [b.f32(N), b.f32(N), b.f32(N), b.f32(N, 0, 1), N, 0.001, 0.9, 0.1, 0.999, 0.001, 1e-7, 0.271, 0.003],
    f32_adamw: (b) => [b.f32(N), b.f32(N), b.f32(N), b.f32(N, 0, 1), N, 0.001, 0.9, 0.1, 0.999, 0.001, 1e-7, 0.271, 0.003, 0.004],
    f32_adamax: (b) => [b.f32(N), b.f32(N), b.f32(N), b.f32(N, 0, 1), N, -0.0037, 0.9, 0.1, 0.999, 1e-7],
    f32_adadelta: (b) => [b.f32(N), b.f32(N), b.f32(N, 0, 1), b.f32(N, 0, 1), N, 0.01, 0.95, 0.05, 1e-7],
    f32_rmsprop: (b) => [b.f32(N), b.f32(N), b.f32(N, 0, 1), b.f32(N), b.f32(N, 0, 0.1), N, 0.001, 0.9, 0.1, 0.5, 1e-7, 1],
    f32_adagrad: (b) => [b.f32(N), b.f32(N), b.f32(N, 0, 1), N, 0.01, 1e-7],
    f32_l2_grad: (b) => [b.f32(N), b.f32(N), N, 0.001],
    f32_scale: (b) => [b.f32(N), N, 0.37],
    f32_fill: (b) => [b.f32(N), N, 1.5],
    f32_copy: (b) => [b.f32(N), b.f32(N), N],
    f32_mul: (b) => [b.f32(N), b.f32(N), b.f32(N), N],
    f32_all_finite: (b) => [b.f32(N), N],
    f32_add: (b) => [b.f32(N), b.f32(N), b.f32(N), N],
    f32_sub: (b) => [b.f32(N), b.f32(N), b.f32(N), N],
    f32_axpy: (b) => [b.f32(N), b.f32(N), N, -0.37],
    f32_max: (b) => [b.f32(N), b.f32(N), b.f32(N), N],
    f32_min: (b) => [b.f32(N), b.f32(N), b.f32(N), N],
    f32_pick_grad: (b) => { const x = b.f32(N); return [x, ties(b, x, N), b.f32(N), b.f32(N), N]; },
    // the columns 40..97 of rows of 131 into rows of 61 at column 3: strides off the SIMD widths
    f32_copy_strided: (b) => [b.f32(3001 * 131) + 40 * 4, 131, b.f32(3001 * 61) + 3 * 4, 61, 3001, 57],
    f32_gather_rows: (b) => [b.f32(3000 * 60), indices(b, 5000, 3000), 700, b.f32(4000 * 60), 4000, 60],
    f32_bias_add: (b) => [b.f32(2001 * 77), b.f32(77), b.f32(2001 * 77), 2001, 77],
    f32_softmax: (b) => [b.f32(8001 * 10), b.f32(8001 * 10), 8001, 10],
    f32_softmax_grad: (b) => [b.f32(7001 * 13, 0, 1), b.f32(7001 * 13), b.f32(7001 * 13), 7001, 13],
    f32_im2col: (b) => [b.f32(13 * 28 * 28 * 3), b.f32(13 * 24 * 24 * 75), 13, 28, 28, 3, 5, 5, 1, 1, 1, 1, 0, 0, 24, 24],
    f32_col2im: (b) => [b.f32(13 * 24 * 24 * 75), b.f32(13 * 28 * 28 * 3), 13, 28, 28, 3, 5, 5, 1, 1, 1, 1, 0, 0, 24, 24],
    f32_conv2d_direct: (b) => [b.f32(13 * 28 * 28 * 3), b.f32(75 * 19), b.f32(19), b.f32(13 * 24 * 24 * 19), 13, 28, 28, 3, 5, 5, 19, 1, 0],
    f32_maxpool2d: (b) => [b.f32(21 * 28 * 28 * 16), b.f32(21 * 14 * 14 * 16), b.f32(21 * 14 * 14 * 16), 21, 28, 28, 16, 2, 2, 2, 2, 0, 0, 14, 14],
    f32_maxpool2d_grad: (b) => [b.f32(21 * 14 * 14 * 16), indices(b, 21 * 14 * 14 * 16, 28 * 28 * 16), b.f32(21 * 28 * 28 * 16), 21, 14 * 14 * 16, 28 * 28 * 16],
    f32_avgpool2d: (b) => [b.f32(21 * 28 * 28 * 16), b.f32(21 * 14 * 14 * 16), 21, 28, 28, 16, 2, 2, 2, 2, 0, 0, 14, 14],
    f32_avgpool2d_grad: (b) => [b.f32(21 * 14 * 14 * 16), b.f32(21 * 28 * 28 * 16), 21, 28, 28, 16, 2, 2, 2, 2, 0, 0, 14, 14],
    f32_global_avgpool: (b) => [b.f32(37 * 196 * 64), b.f32(37 * 64), 37, 196, 64],
    f32_global_avgpool_grad: (b) => [b.f32(37 * 64), b.f32(37 * 196 * 64), 37, 196, 64],
  };

  /** n integers in [0, below) (argmax or row indices), stored as i32 bit patterns in a Buffers block. */
  function indices(b: Buffers, n: number, below: number): number {
    const ptr = b.f32(n);
    b.patch(ptr, new Float32Array(Int32Array.from(rand(n % 97)(n, 0, below), Math.floor).buffer));
    return ptr;
  }

  /** A copy of the buffer at x (n values) with every third value changed: an output that ties x two times in three. */
  function ties(b: Buffers, x: number, n: number): number {
    const ptr = b.f32(n);
    const data = rand(n % 89)(n);
    b.patch(ptr, data);
    b.reset();
    const xs = runtime().backend.memory.f32().slice(x >> 2, (x >> 2) + n);
    for (let i = 0; i < n; i++) if (i % 3 !== 0) data[i] = xs[i];
    return ptr;
  }

  it('f32_pick_grad with dx = 0 (no gradient wanted) splits with dx left 0 in every chunk, as on one thread', () => {
    const bufs = new Buffers(57);
    const x = bufs.f32(N), y = ties(bufs, x, N), r = bufs.f32(N);
    const { one, many, posts } = bothWays(bufs, (kk) => kk.f32_pick_grad(x, y, r, 0, N));
    expect(posts).toBeGreaterThan(0);
    expect(bitDiff(many, one)).toBe(0);
    // the arguments each chunk gets: dx stays 0, the other pointers move by 4 bytes per value
    const runs: { base: number[]; delta: number[] }[] = [];
    const fake = { size: 1, names: THREAD_KERNELS, run: (_fn: number, self: (...a: number[]) => unknown,
      base: ArrayLike<number>, delta: ArrayLike<number>, countAt: number, total: number, chunk: number) => {
      runs.push({ base: Array.from(base), delta: Array.from(delta) });
      for (let lo = 0; lo < total; lo += chunk) {
        const a = Array.from(base, (v, i) => v + lo * delta[i]);
        a[countAt] = Math.min(chunk, total - lo);
        self(...a);
      }
      return 1;
    } } as unknown as ThreadPool;
    bufs.reset();
    parallelKernels(wasm().direct, fake).f32_pick_grad(x, y, r, 0, N);
    expect(runs).toEqual([{ base: [x, y, r, 0, N], delta: [4, 4, 4, 0, 0] }]);
    expect(bitDiff(bufs.read(), one)).toBe(0);
    const dx = bufs.f32(N);
    parallelKernels(wasm().direct, fake).f32_pick_grad(x, y, r, dx, N);
    expect(runs[1].delta).toEqual([4, 4, 4, 4, 0]);
    bufs.free();
  });

  it('covers every kernel that splits', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(SPLITS).sort());
  });

  it.each(Object.keys(cases))('%s: the same bits with 2 threads as with 1, and the call was shared with a worker', (name) => {
    const bufs = new Buffers(name.length * 31);
    const args = cases[name](bufs);
    const { one, many, posts } = bothWays(bufs, (kk) => (kk as unknown as Record<string, (...a: number[]) => void>)[name](...args));
    expect(posts).toBeGreaterThan(0);
    expect(bitDiff(many, one)).toBe(0);
    bufs.free();
  });

  it('f32_all_finite split across threads: 0 when any chunk holds NaN or ±Inf, wherever it lies, as on one thread', () => {
    const bufs = new Buffers(41);
    const p = bufs.f32(N);
    const F = () => runtime().backend.memory.f32();
    // the first and last elements, both sides of SIMD and chunk boundaries, and the middle of chunks
    const at = [0, 15, 16, 12_735, 12_736, 100_001, 150_000, N - 17, N - 1];
    const post = vi.spyOn(ThreadPool.prototype, 'post');
    bufs.reset();
    expect(wasm().direct.f32_all_finite(p, N)).toBe(1);
    expect(wasm().kernels.f32_all_finite(p, N)).toBe(1);
    const pool = post.mock.instances[0] as ThreadPool;
    // 8 chunks of 25,008 values (2 parts, 4 chunks each, on multiples of 16)
    const chunks = Math.ceil(N / Math.ceil(N / 8 / 16) / 16);
    expect(chunks).toBe(8);
    for (const workersOnly of [false, true]) {
      // workersOnly: the calling thread takes no chunk, so every bad value lies in a chunk the worker ran and
      // only the worker's answer can make the result 0
      pool.workersOnly = workersOnly;
      for (const i of at) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          bufs.reset();
          F()[(p >> 2) + i] = bad;
          const before = pool.workerChunks;
          expect(wasm().direct.f32_all_finite(p, N), `one thread, ${bad} at ${i}`).toBe(0);
          expect(wasm().kernels.f32_all_finite(p, N), `2 threads, ${bad} at ${i}`).toBe(0);
          if (workersOnly) expect(pool.workerChunks - before, 'chunks the worker ran').toBe(chunks);
        }
      }
      bufs.reset();
      expect(wasm().kernels.f32_all_finite(p, N)).toBe(1);
    }
    pool.workersOnly = false;
    // every call went to the pool
    expect(post.mock.calls.length).toBe(1 + 2 * (3 * at.length + 1));
    post.mockRestore();
    bufs.free();
  });

  /** Trains a seeded model on synthetic data with `threads` threads; returns its weight bytes and losses. */
  async function train(threads: number, kind: 'mlp' | 'cnn' | 'decoder'): Promise<{ bytes: Uint8Array; loss: number[]; posts: number; chunks: number }> {
    await nn.ready({ threads });
    const post = vi.spyOn(ThreadPool.prototype, 'post');
    const cnn = kind !== 'mlp';
    const r = rand(cnn ? 5 : 6);
    const n = cnn ? 192 : 1024;
    const inShape = kind === 'cnn' ? [28, 28, 1] : kind === 'decoder' ? [7, 7, 16] : [784];
    const x = nn.tensor(r(n * 784, 0, 1), [n, ...inShape]);
    const labels = Array.from(r(n, 0, 10), Math.floor);
    const y = nn.tensor(Float32Array.from({ length: n * 10 }, (_, i) => (labels[Math.floor(i / 10)] === i % 10 ? 1 : 0)), [n, 10]);
    const layers = kind === 'cnn'
      ? [nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
        nn.layers.averagePooling2d({ poolSize: 2 }), nn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
        nn.layers.maxPooling2d({ poolSize: 2 }), nn.layers.flatten(), nn.layers.dense({ units: 10, activation: 'softmax' })]
      : kind === 'decoder'
        ? [nn.layers.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [7, 7, 16] }),
          nn.layers.upSampling2d({ interpolation: 'bilinear' }), nn.layers.resizing({ height: 20, width: 20 }),
          nn.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 }), nn.layers.flatten(), nn.layers.dense({ units: 10, activation: 'softmax' })]
        : [nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), nn.layers.dense({ units: 64, activation: 'relu' }),
          nn.layers.dense({ units: 10, activation: 'softmax' })];
    const model = nn.sequential({ seed: 3, layers });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
    const h = await model.fit(x, y, { epochs: 2, batchSize: cnn ? 64 : 256, shuffle: true, verbose: 0 });
    const posts = post.mock.calls.length;
    // chunks the workers ran, counted by the pool; the test trains on 1 thread first, so the 2-thread run starts a
    // fresh pool and the count is this training's
    const pool = post.mock.instances[0] as ThreadPool | undefined;
    post.mockRestore();
    return { bytes: weightBytes(model), loss: h.history.loss as number[], posts, chunks: pool?.workerChunks ?? 0 };
  }

  it.each([['an MLP 784-128-64-10, batch 256', 'mlp'], ['a CNN (conv, pooling, dense), batch 64', 'cnn'],
    ['a decoder (conv2dTranspose, upSampling2d, resizing, conv, dense), batch 64', 'decoder']] as const)(
    'training %s: the same weights, bit for bit, with 2 threads as with 1', async (_, kind) => {
      const one = await train(1, kind);
      const two = await train(2, kind);
      expect(one.posts).toBe(0);
      expect(two.posts).toBeGreaterThan(0);
      expect(two.chunks, 'chunks run by the worker').toBeGreaterThan(0);
      expect(two.loss).toEqual(one.loss);
      expect(two.bytes).toEqual(one.bytes);
      expect(nn.getThreads()).toBe(2);
    }, 60_000);

  it("'auto' uses every core the runtime reports; 1 parks the workers and the same count wakes them; shutdown() ends them", async () => {
    await nn.ready({ threads: 'auto' });
    expect(nn.getThreads()).toBe(os.availableParallelism());
    await nn.ready({ threads: 2 });
    const start = vi.spyOn(ThreadPool, 'start');
    const stop = vi.spyOn(ThreadPool.prototype, 'stop');
    try {
      await nn.ready({ threads: 1 });
      expect(nn.getThreads()).toBe(1);
      expect(wasm().kernels).toBe(wasm().direct);
      expect(stop).not.toHaveBeenCalled();
      // the same count again: the parked workers, not new ones, and they run chunks
      await nn.ready({ threads: 2 });
      expect(nn.getThreads()).toBe(2);
      expect(start).not.toHaveBeenCalled();
      expectPoolSplits(11);
      // parked, then shut down: both pools end
      await nn.ready({ threads: 1 });
      nn.shutdown();
      expect(stop).toHaveBeenCalledTimes(1);
      expect(nn.getThreads()).toBe(1);
      expect(wasm().kernels).toBe(wasm().direct);
      await nn.ready({ threads: 2 });
      expect(start).toHaveBeenCalledTimes(1);
      // another count stops the parked pool and starts a new one
      await nn.ready({ threads: 1 });
      await nn.ready({ threads: 3 });
      expect(nn.getThreads()).toBe(3);
      expect(start).toHaveBeenCalledTimes(2);
      expect(stop).toHaveBeenCalledTimes(2);
    } finally {
      start.mockRestore();
      stop.mockRestore();
      await nn.ready({ threads: 2 });
    }
  });

  it('kernels held from before nn.shutdown() still run, on the calling thread alone, with the same bits', async () => {
    await nn.ready({ threads: 2 });
    const held = wasm().kernels;
    nn.shutdown();
    const bufs = new Buffers(12);
    const a = bufs.f32(256 * 256), b = bufs.f32(256 * 256), c = bufs.f32(256 * 256);
    const { one, many, posts } = bothWays(bufs, (kk) => kk.f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0), held);
    expect(posts).toBe(0);
    expect(bitDiff(many, one)).toBe(0);
    expect(held.f32_all_finite(a, 256 * 256)).toBe(1);
    bufs.free();
    await nn.ready({ threads: 2 });
  }, 20_000);

  it('a fit whose hooks end the workers and change their count goes on, on the threads asked for, with one thread\'s weights', async () => {
    const r = rand(21);
    const n = 1024;
    const x = nn.tensor(r(n * 784, 0, 1), [n, 784]);
    const y = nn.tensor(Float32Array.from({ length: n * 10 }, (_, i) => (i % 10 === i % 7 ? 1 : 0)), [n, 10]);
    const fit = async (hooks: boolean) => {
      const model = nn.sequential({ seed: 4, layers: [nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
        nn.layers.dense({ units: 10, activation: 'softmax' })] });
      model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
      const seen: number[] = [];
      let epoch = 0;
      await model.fit(x, y, { epochs: 2, batchSize: 128, verbose: 0, callbacks: {
        onEpochEnd: () => { epoch++; },
        onBatchEnd: async (batch) => {
          if (!hooks) return;
          if (epoch === 0 && batch === 1) nn.shutdown();
          if (epoch === 0 && batch === 4) await nn.ready({ threads: 3 });
          if (epoch === 1 && batch === 2) await nn.ready({ threads: 1 });
          if (epoch === 1 && batch === 5) await nn.ready({ threads: 2 });
          seen.push(nn.getThreads());
        },
      } });
      return { bytes: weightBytes(model), seen };
    };
    await nn.ready({ threads: 1 });
    const one = await fit(false);
    await nn.ready({ threads: 2 });
    const post = vi.spyOn(ThreadPool.prototype, 'post');
    // fit reads the kernels after every hook: no call goes through a pool that a hook stopped
    const run = ThreadPool.prototype.run;
    let stale = 0;
    vi.spyOn(ThreadPool.prototype, 'run').mockImplementation(function (this: ThreadPool, ...args: Parameters<ThreadPool['run']>) {
      if ((this as unknown as { stopped: boolean }).stopped) stale++;
      return run.apply(this, args);
    });
    const switched = await fit(true);
    expect(stale).toBe(0);
    expect(switched.seen).toEqual([2, 1, 1, 1, 3, 3, 3, 3, 3, 3, 1, 1, 1, 2, 2, 2]);
    // the pools started by the hooks ran chunks of the training (3 threads: posts to 2 workers)
    expect(new Set(post.mock.instances.map((p) => (p as ThreadPool).size))).toEqual(new Set([1, 2]));
    expect(switched.bytes).toEqual(one.bytes);
    await nn.ready({ threads: 2 });
  }, 30_000);

  it('a pool with more threads than cores makes its waiting threads sleep sooner; one with as many spins as before', async () => {
    const start = vi.spyOn(ThreadPool, 'start');
    const cores = os.availableParallelism();
    nn.shutdown();
    await nn.ready({ threads: cores + 1 });
    expect(start.mock.calls[0][4]).toBe(SHORT_SPIN_MS);
    expectPoolSplits(13);
    await nn.ready({ threads: cores });
    expect(start.mock.calls[1][4]).toBeUndefined();
    expect(start).toHaveBeenCalledTimes(2);
    await nn.ready({ threads: 2 });
  });

  it('the js backend runs on one thread; switching back to wasm resumes the pool', async () => {
    await nn.ready({ threads: 2 });
    await nn.setBackend('js');
    expect(nn.getThreads()).toBe(1);
    await nn.setBackend('wasm');
    expect(nn.getThreads()).toBe(2);
  });

  it.each([0, -1, 1.5, 257, NaN, '2', 'all', null])('refuses threads: %s', async (threads) => {
    await expect(nn.ready({ threads: threads as unknown as number })).rejects.toThrow(
      new RegExp(`threads must be 'auto' or an integer from 1 to 256, got ${JSON.stringify(threads)?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await expect(nn.ready({ threads: threads as unknown as number })).rejects.toBeInstanceOf(nn.ValueError);
  });

  it('two ready({ threads }) at once start one pool', async () => {
    nn.shutdown();
    const start = vi.spyOn(ThreadPool, 'start');
    await Promise.all([nn.ready({ threads: 2 }), nn.ready({ threads: 2 })]);
    expect(start).toHaveBeenCalledTimes(1);
    expect(nn.getThreads()).toBe(2);
  });

  it('a kernel that fails on a chunk throws a NeuriteError naming it, and the pool keeps working', () => {
    // the last chunks of this fill run past the end of memory and trap (on whichever thread takes them); the
    // others are in bounds, in memory grown just now, above everything the allocator has handed out
    const mem = runtime().backend.memory;
    mem.ensure(mem.byteLength + (8 << 20));
    const end = mem.byteLength;
    const count = 1 << 20;
    const ptr = end - 4 * (count / 2 + 1024);
    expect(() => wasm().kernels.f32_fill(ptr, count, 1)).toThrow(nn.NeuriteError);
    expect(() => wasm().kernels.f32_fill(ptr, count, 1)).toThrow(/neurite kernel f32_fill failed/);
    expectPoolSplits(9);
  });

  it('a pool that cannot start leaves neurite on one thread, with one warning naming the cause', async () => {
    nn.shutdown();
    vi.spyOn(ThreadPool, 'start').mockRejectedValueOnce(new Error('no workers here'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await nn.ready({ threads: 2 });
    expect(nn.getThreads()).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/could not start 1 worker thread\(s\) \(no workers here\); running on one thread/);
    expect(wasm().kernels).toBe(wasm().direct);
    await nn.ready({ threads: 2 });
    expect(nn.getThreads()).toBe(2);
  });

  it('a worker that fails to instantiate rejects the start with its reason and leaves no worker running', async () => {
    // a module that needs an import the worker does not give
    const needsImport = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 9, 1, 3, 101, 110, 118, 1, 102, 0, 0]);
    const fake = { ...wasm(), module: new WebAssembly.Module(needsImport) } as WasmBackend;
    await expect(ThreadPool.start(fake, runtime().heap, 1, ['f32_copy'])).rejects.toThrow(/import|Import/);
  });
});

describe('a Node script that used threads', () => {
  let dir = '';
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('exits by itself, without shutdown(), with its workers parked', async () => {
    dir = mkdtempSync(join(os.tmpdir(), 'neurite-threads-'));
    const entry = join(dir, 'entry.ts');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(entry, `import * as nn from ${JSON.stringify(resolve(__dirname, '../src/index'))};
      await nn.ready({ threads: 2 });
      const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 64, activation: 'relu', inputShape: [512] }),
        nn.layers.dense({ units: 1, activation: 'sigmoid' })] });
      m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      const x = nn.tensor(new Float32Array(512 * 512).map((_, i) => Math.sin(i)), [512, 512]);
      const y = nn.tensor(new Float32Array(512).map((_, i) => i % 2), [512, 1]);
      await m.fit(x, y, { epochs: 2, batchSize: 512, verbose: 0 });
      console.log(nn.getThreads());
      await nn.ready({ threads: 1 }); // parks the workers: the process must still end by itself
      console.log(nn.getThreads());`);
    const out = join(dir, 'entry.mjs');
    await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
    const started = Date.now();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const p = spawn(process.execPath, [out], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      p.stdout.on('data', (d) => { stdout += d; });
      const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.on('exit', (c) => { clearTimeout(timer); done({ code: c, stdout }); });
    });
    expect(stdout.trim().split('\n')).toEqual(['2', '1']);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});

describe('a dead worker is noticed', () => {
  // Node reports a worker that ended at once, even to a thread blocked in a call (worker.performance's idle time
  // becomes -1); the heartbeat (heartbeat: true, as in browsers) takes a worker whose heartbeat stood still for
  // HEARTBEAT.silentMs (plus 4× the caller's own share of the call) for dead. The design target is a second from
  // the worker's end to the failed call or the stopped pool; elapsed times are checked against twice that (plus,
  // for a call, the calling thread's own share of it, timed alone first), so that a loaded 2-core machine cannot
  // make them fail (a hang check against the old 120 s freeze, not a speed check).
  const NOTICE_MS = 2000;
  let warn: ReturnType<typeof vi.spyOn>;
  beforeAll(() => { tuning.adaptive = false; });
  afterAll(() => {
    nn.shutdown();
    tuning.adaptive = true;
  });
  beforeEach(async () => {
    nn.shutdown();
    await nn.ready({ threads: 2 });
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  /** The running pool, caught on its first post of a 256³ product. */
  function currentPool(): ThreadPool {
    const bufs = new Buffers(17);
    const a = bufs.f32(256 * 256), b = bufs.f32(256 * 256), c = bufs.f32(256 * 256);
    bufs.reset();
    const post = vi.spyOn(ThreadPool.prototype, 'post');
    wasm().kernels.f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0);
    const pool = post.mock.instances[0] as ThreadPool;
    post.mockRestore();
    bufs.free();
    expect(pool).toBeInstanceOf(ThreadPool);
    return pool;
  }

  /** One product of m×k·k×n through the pool's run, with `self` wrapped; returns C and what the wrapper did. */
  function product(pool: ThreadPool, m: number, onFirstChunk: () => void): { bufs: Buffers; call: () => void; c: number; aloneMs: () => number } {
    const bufs = new Buffers(55);
    const [n, k] = [512, 512];
    const a = bufs.f32(m * k), b = bufs.f32(k * n), c = bufs.f32(m * n);
    bufs.reset();
    let first = true;
    const self = (...args: number[]) => {
      if (first) { first = false; onFirstChunk(); }
      return (wasm().direct.f32_gemm_strided as (...x: number[]) => number)(...args);
    };
    const { big, small } = gemmChunks(m, 2);
    const base = [a, k, 1, b, n, 1, 0, c, n, m, n, k, 0, 0, 0];
    const delta = [4 * k, 0, 0, 0, 0, 0, 0, 4 * n, 0, 0, 0, 0, 0, 0, 0];
    // the whole product on this thread, timed: a loaded machine stretches the calling thread's own share alike
    const aloneMs = () => {
      const t0 = performance.now();
      (wasm().direct.f32_gemm_strided as (...x: number[]) => number)(...base.slice(0, 9), m, ...base.slice(10));
      const ms = performance.now() - t0;
      bufs.reset();
      return ms;
    };
    return { bufs, c, aloneMs, call: () => pool.run(THREAD_KERNELS.indexOf('f32_gemm_strided'), self, base, delta, 9, m, big, 2, small) };
  }

  it('killed while it holds a chunk: the call fails within a second with a NeuriteError naming the worker; the next runs on one thread', async () => {
    const pool = currentPool();
    let finishedFirst = 0;
    const before = pool.workerChunks;
    // 4000 rows: the worker's big chunk (1600 rows of 512×512) runs for many milliseconds
    const { bufs, call, aloneMs } = product(pool, 4000, () => {
      // both big chunks are taken (the worker holds one) before the worker is ended from outside
      while (pool.claimed < 2) { /* the worker takes its chunk */ }
      pool.handle(0).terminate();
      finishedFirst = pool.workerChunks - before;
    });
    const alone = aloneMs();
    const t0 = performance.now();
    let thrown: unknown;
    try { call(); } catch (e) { thrown = e; }
    const ms = performance.now() - t0;
    // the calling thread runs its own chunks (at most the whole call) before it waits
    expect(ms).toBeLessThan(NOTICE_MS + alone);
    // (the worker cannot have finished 1600 rows between taking them and the terminate; if it had, the call
    // would have nothing missing and must succeed)
    if (finishedFirst === 0) {
      expect(thrown).toBeInstanceOf(nn.NeuriteError);
      expect(String((thrown as Error).message)).toMatch(/^neurite kernel f32_gemm_strided failed: neurite worker thread 1 of 1 ended before finishing its chunks; later calls run on one thread/);
    } else {
      expect(thrown).toBeUndefined();
    }
    expect(pool.alive).toBe(false);
    expect(nn.getThreads()).toBe(1);
    expect(wasm().kernels).toBe(wasm().direct);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toBe('neurite worker thread 1 of 1 ended; running on one thread until nn.ready({ threads }) starts new workers.');
    bufs.free();
    // the exit event, when it comes, adds no second notice; ready({ threads: 2 }) starts a fresh pool
    await new Promise((r) => setTimeout(r, 50));
    expect(warn).toHaveBeenCalledTimes(1);
    await nn.ready({ threads: 2 });
    expect(nn.getThreads()).toBe(2);
    expect(currentPool()).not.toBe(pool);
  });

  /**
   * Calls a 256³ product through `kernels` until `pool` has noticed its dead worker (or 10 s passed); every
   * call must give one thread's bits. Returns the calls made and the time taken.
   */
  function callUntilNoticed(pool: ThreadPool, kernels: () => Kernels): { calls: number; ms: number } {
    const bufs = new Buffers(56);
    const a = bufs.f32(256 * 256), b = bufs.f32(256 * 256), c = bufs.f32(256 * 256);
    bufs.reset();
    wasm().direct.f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0);
    const one = bufs.read();
    const t0 = performance.now();
    let calls = 0;
    while (pool.alive && performance.now() - t0 < 10_000) {
      bufs.reset();
      kernels().f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0);
      calls++;
      expect(bitDiff(bufs.read(), one), `call ${calls}`).toBe(0);
    }
    const ms = performance.now() - t0;
    bufs.reset();
    kernels().f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0);
    expect(bitDiff(bufs.read(), one), 'the call after').toBe(0);
    bufs.free();
    return { calls, ms };
  }

  it('killed just before calls: a worker that took no job costs no call; the pool notices within calls, with one notice', () => {
    const pool = currentPool();
    pool.handle(0).terminate();
    const { ms } = callUntilNoticed(pool, () => wasm().kernels);
    expect(ms).toBeLessThan(NOTICE_MS);
    expect(pool.alive).toBe(false);
    expect(pool.deadReason).toBe('neurite worker thread 1 of 1 ended');
    expect(nn.getThreads()).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('where the runtime gives no sign: a worker that dies idle is taken for dead once its heartbeat stood still for half a second of calls, and no call fails meanwhile', async () => {
    const pool = await ThreadPool.start(wasm(), runtime().heap, 1, THREAD_KERNELS, { heartbeat: true });
    const dead: string[] = [];
    pool.onDead = (why) => dead.push(why);
    try {
      await pool.handle(0).terminate();
      const held = parallelKernels(wasm().direct, pool);
      const { calls, ms } = callUntilNoticed(pool, () => held);
      expect(calls).toBeGreaterThan(1);
      // never sooner than the silence allowed (less the one gap credited before the first look), within the bound
      expect(ms).toBeGreaterThanOrEqual(HEARTBEAT.silentMs - HEARTBEAT.stallMs);
      expect(ms).toBeLessThan(NOTICE_MS);
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatch(/^neurite worker thread 1 of 1 gave no sign of life for \d+ ms$/);
    } finally {
      pool.stop();
    }
  });

  it('where the runtime gives no sign: a live worker that sleeps between calls is never taken for dead', async () => {
    const pool = await ThreadPool.start(wasm(), runtime().heap, 1, THREAD_KERNELS, { heartbeat: true });
    const dead: string[] = [];
    pool.onDead = (why) => dead.push(why);
    try {
      const held = parallelKernels(wasm().direct, pool);
      const bufs = new Buffers(58);
      const a = bufs.f32(256 * 256), b = bufs.f32(256 * 256), c = bufs.f32(256 * 256);
      bufs.reset();
      const before = pool.workerChunks;
      // pauses longer than the silence allowed, with the worker asleep (it wakes only for its heartbeat)
      for (const pause of [0, 700, 300, 900]) {
        await new Promise((r) => setTimeout(r, pause));
        for (let i = 0; i < 20; i++) held.f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0);
      }
      expect(pool.alive).toBe(true);
      expect(dead).toEqual([]);
      expect(pool.workerChunks).toBeGreaterThan(before);
      bufs.free();
    } finally {
      pool.stop();
    }
  });

  it('killed between the batches of a fit: the fit goes on on one thread, with one thread\'s weights and one notice; ready() recovers', async () => {
    const r = rand(23);
    const n = 768;
    const x = nn.tensor(r(n * 784, 0, 1), [n, 784]);
    const y = nn.tensor(Float32Array.from({ length: n * 10 }, (_, i) => (i % 10 === i % 3 ? 1 : 0)), [n, 10]);
    const fit = async (kill: boolean) => {
      const model = nn.sequential({ seed: 8, layers: [nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
        nn.layers.dense({ units: 10, activation: 'softmax' })] });
      model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
      const seen: number[] = [];
      await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0, callbacks: {
        onBatchEnd: async (batch) => {
          if (kill && batch === 1) await currentPool().handle(0).terminate(); // resolves on the worker's 'exit'
          seen.push(nn.getThreads());
        },
      } });
      return { bytes: weightBytes(model), seen };
    };
    const killed = await fit(true);
    expect(killed.seen).toEqual([2, 1, 1, 1, 1, 1]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toBe('neurite worker thread 1 of 1 exited with code 1; running on one thread until nn.ready({ threads }) starts new workers.');
    await nn.ready({ threads: 1 });
    const one = await fit(false);
    expect(killed.bytes).toEqual(one.bytes);
    await nn.ready({ threads: 2 });
    expect(nn.getThreads()).toBe(2);
    const again = await fit(false);
    expect(again.seen).toEqual([2, 2, 2, 2, 2, 2]);
    expect(again.bytes).toEqual(one.bytes);
    expect(warn).toHaveBeenCalledTimes(1);
  }, 60_000);

  it('a worker whose program fails: the next call notices at once (the worker says so in shared memory)', () => {
    const pool = currentPool();
    pool.failWorkers();
    expectPoolSplitsOrAlone(pool);
    expect(pool.alive).toBe(false);
    expect(pool.deadReason).toBe('neurite worker thread 1 of 1 failed');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  /** A 256³ product through the kernels gives one thread's bits (with or without the pool). */
  function expectPoolSplitsOrAlone(_pool: ThreadPool): void {
    const bufs = new Buffers(57);
    const a = bufs.f32(256 * 256), b = bufs.f32(256 * 256), c = bufs.f32(256 * 256);
    const { one, many } = bothWays(bufs, (kk) => kk.f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0));
    expect(bitDiff(many, one)).toBe(0);
    bufs.free();
  }

  it('where the runtime gives no sign (heartbeat only, as in browsers): a worker killed mid-call is taken for dead within a second', async () => {
    const rt = runtime();
    const pool = await ThreadPool.start(wasm(), rt.heap, 1, THREAD_KERNELS, { heartbeat: true });
    const dead: string[] = [];
    pool.onDead = (why) => dead.push(why);
    try {
      const { bufs, call, aloneMs } = product(pool, 2000, () => {
        while (pool.claimed < 2) { /* the worker takes its chunk */ }
        pool.handle(0).terminate();
      });
      const alone = aloneMs();
      const t0 = performance.now();
      expect(call).toThrow(/^neurite kernel f32_gemm_strided failed: neurite worker thread 1 of 1 gave no sign of life for \d+ ms before finishing its chunks/);
      const ms = performance.now() - t0;
      expect(ms).toBeGreaterThanOrEqual(HEARTBEAT.silentMs); // the heartbeat's allowance: never sooner
      // its own chunks, then the silence allowed plus 4× their time (long chunks), within the bound
      expect(ms).toBeLessThan(NOTICE_MS + 5 * alone);
      expect(pool.alive).toBe(false);
      expect(dead).toHaveLength(1);
      // a later call runs on this thread alone
      const again = product(pool, 2000, () => {});
      again.call();
      again.bufs.free();
      bufs.free();
    } finally {
      pool.stop();
    }
  });
});

describe('threads that do not pay fall back to one thread for a while (Governor)', () => {
  /** How long `g` stays alone from `now`, in whole ms. */
  const alone = (g: Governor, now: number) => { let t = now; while (g.solo(t)) t += 1; return t - now; };

  it('stays on the workers while split calls beat one thread; falls back once a window loses, for longer after each failed try', () => {
    const g = new Governor();
    let now = 0;
    // split calls at 0.6 of one thread's time: never a fallback
    for (let i = 0; i < 1000; i++) { now += 0.6; g.record(0.6, 1, now); }
    expect(g.fallbacks).toBe(0);
    expect(g.solo(now)).toBe(false);
    // a worker that lost its core: 3 ms where one thread takes 1 ms. The window closes once the calls lost
    // EXCESS_MS (here at once), and the pool runs alone for SOLO_MS
    now += 3; g.record(3, 1, now);
    expect(g.fallbacks).toBe(1);
    expect(alone(g, now)).toBe(Governor.SOLO_MS);
    // each window that fails again doubles the time alone, up to SOLO_MAX_MS
    const lengths: number[] = [];
    for (let i = 0; i < 6; i++) {
      now += 10_000;
      g.record(3, 1, now);
      lengths.push(alone(g, now));
    }
    expect(lengths).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    // each window that pays halves it, down to SOLO_MS
    const after: number[] = [];
    for (const pays of [1, 0, 1, 1, 0, 1, 1, 1, 1, 0]) {
      now += 10_000;
      if (pays) { for (let i = 0; i < 10; i++) { now += 0.5; g.record(0.5, 1, now); } } else { g.record(3, 1, now); after.push(alone(g, now)); }
    }
    expect(after).toEqual([2000, 1000, 250]);
  });

  it('calls as fast as one thread fall back after a window; a little faster, never', () => {
    const even = new Governor();
    for (let i = 0; i < 10; i++) even.record(1, 1, i);
    expect(even.fallbacks).toBe(1);
    const faster = new Governor();
    for (let i = 0; i < 1000; i++) faster.record(0.95, 1, i);
    expect(faster.fallbacks).toBe(0);
  });

  it('compares a split call with the same call measured alone, when there is one', () => {
    const g = new Governor();
    expect(g.aloneTime(77)).toBeUndefined();
    g.recordAlone(77, 2, 100);
    g.recordAlone(77, 4, 110);
    expect(g.aloneTime(77)).toBe(2.5); // a moving average
    expect(g.aloneTime(77 + 1024)).toBeUndefined(); // another call in the same slot is not taken for it
    g.recordAlone(77 + 1024, 8, 120);
    expect(g.aloneTime(77 + 1024)).toBe(8);
    expect(g.aloneTime(77)).toBeUndefined();
  });

  it('split calls never measured alone bring a probe: PROBE_MS alone, measured only once the workers sleep', () => {
    const g = new Governor();
    let now = 1000;
    // the caller's own slowness says nothing: without a time alone, no window is judged
    for (let i = 0; i < Governor.WINDOW_MS - 1; i++) { now += 1; g.record(1, undefined, now); }
    expect(g.solo(now)).toBe(false);
    now += 1;
    g.record(1, undefined, now);
    expect(g.probes).toBe(1);
    expect(g.fallbacks).toBe(0);
    const from = now;
    expect(g.solo(from + Governor.PROBE_MS - 0.01)).toBe(true);
    expect(g.solo(from + Governor.PROBE_MS)).toBe(false);
    // a short call while the workers may still spin is not taken for a time alone; after SETTLE_MS it is
    g.recordAlone(5, 0.5, from + 1);
    expect(g.aloneTime(5)).toBeUndefined();
    g.recordAlone(5, 0.5, from + Governor.SETTLE_MS + 0.5);
    expect(g.aloneTime(5)).toBe(0.5);
    // a long call that their spin overlapped by less than a tenth is
    g.recordAlone(6, 40, from + 40);
    expect(g.aloneTime(6)).toBe(40);
    // judged against that: a split call slower than alone falls back (a busy core), a faster one does not
    const slow = new Governor();
    slow.recordAlone(5, 0.5, 10);
    for (let i = 0; i < 4; i++) slow.record(1, slow.aloneTime(5), 11 + i);
    expect(slow.fallbacks).toBe(1);
    expect(slow.probes).toBe(0);
  });

  it('a time alone older than REPROBE_MS brings a probe, so that they follow the load', () => {
    const g = new Governor();
    g.recordAlone(5, 1, 100);
    let now = 100;
    for (let i = 0; i < 100; i++) { now += 0.5; g.record(0.5, 1, now); }
    expect(g.probes).toBe(0);
    now = 100 + Governor.REPROBE_MS + 1;
    g.record(0.5, 1, now);
    expect(g.probes).toBe(1);
    expect(g.solo(now + Governor.PROBE_MS / 2)).toBe(true);
    expect(g.fallbacks).toBe(0);
  });

  it('while it falls back, a split kernel runs on the calling thread in one call, with the same bits', async () => {
    await nn.ready({ threads: 2 });
    const bufs = new Buffers(60);
    const a = bufs.f32(256 * 256), b = bufs.f32(256 * 256), c = bufs.f32(256 * 256);
    const post = vi.spyOn(ThreadPool.prototype, 'post');
    const solo = vi.spyOn(Governor.prototype, 'solo').mockReturnValue(true);
    const { one, many } = bothWays(bufs, (kk) => kk.f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0));
    expect(solo).toHaveBeenCalled();
    expect(post).not.toHaveBeenCalled();
    expect(bitDiff(many, one)).toBe(0);
    solo.mockReturnValue(false);
    const { one: one2, many: many2, posts } = bothWays(bufs, (kk) => kk.f32_gemm_nn(a, b, 0, c, 256, 256, 256, 0, 0, 0));
    expect(posts).toBeGreaterThan(0);
    expect(bitDiff(many2, one2)).toBe(0);
    expect(bitDiff(many2, one)).toBe(0);
    vi.restoreAllMocks();
    bufs.free();
    nn.shutdown();
  });
});
