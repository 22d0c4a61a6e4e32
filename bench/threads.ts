// Threads: the same work on one thread and on two, in one process, in interleaved rounds. A round measures every
// row once: a row with `nn.ready({ threads: 1 })`, then the same row with `nn.ready({ threads: 2 })`, then the next
// row. A row's speed-up is the median over rounds of its per-round ratio (2-thread speed ÷ 1-thread speed), so a
// busy stretch of the shared machine hits both halves of a pair alike and, spread over the rounds, no row
// entirely. Times are wall clock (performance.now): process CPU time adds up both threads and would hide any
// speed-up. Each measurement also records how many cores other processes kept busy meanwhile (/proc/stat).
//
//   - matrix multiply: f32_gemm_nn, _nt and _tn at 256³, 512³ and 1024³, called through the runtime's kernels
//     (the splitting ones while a pool runs), GFLOP/s over a window of calls;
//   - MNIST MLP 784-128-64-10 (relu, relu, softmax; Adam 1e-3; cross-entropy; batch 256): one `fit` pass over
//     the first images of the training set per round, samples/s;
//   - the CNN of bench/cnn.ts (Adam 1e-3, batch 64): one `fit` pass over a fixed slice per round, samples/s;
//   - one core busy: the MLP at batch 64 while another process spins on core 1 (`taskset -c 1 node -e
//     'for(;;);'`, started before each measurement and ended after it, and by `timeout` within 120 s whatever
//     happens): the pool must notice that its worker loses and keep 2 threads within 10 % of 1 (target 0.9).
//
// Each training row trains two models built from the same seed, one only on one thread and one only on two, on
// the same images in the same rounds; afterwards their weights are compared bit for bit (and C of each product).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as nn from '../src/index';
import { Worker } from 'node:worker_threads';
import { runtime } from '../src/backend/index';
import type { WasmBackend } from '../src/backend/wasm';
import { Act, type Kernels } from '../src/backend/types';
import { errorMessage, median, mulberry32, type BenchOptions } from './util';
import { neuriteModel } from './cnn';

/** The thread count compared with one. */
const THREADS = 2;
const F32 = 4;
const SEED = 42;
const LR = 1e-3;
/**
 * Untimed work after every switch of thread count, in seconds: a worker just started (the first switch) or woken
 * from its sleep (ready({ threads: 1 }) parks the workers) runs its first calls at one thread's speed or below.
 */
const SETTLE_SECONDS = 0.1;
/** A round is "quiet" when other processes kept fewer cores than this busy during both of its measurements. */
const QUIET_CORES = 0.2;

type GemmName = 'f32_gemm_nn' | 'f32_gemm_nt' | 'f32_gemm_tn';

/** What a row is, before it is measured. */
interface RowBase {
  /** 'matrix multiply', 'MNIST MLP training' or 'CNN step'. */
  what: string;
  /** The gemm kernel, or null for training rows. */
  kernel: GemmName | null;
  /** m×k·k×n for gemm, the model for training rows. */
  shape: string;
  unit: 'GFLOP/s' | 'samples/s';
  /** Work in one measurement: gemm calls, or training images. */
  perMeasurement: number;
  /** The speed-up the issue asks for. */
  target: number;
}

export interface ThreadsRow extends RowBase {
  /** Speed in each round (unit above), one thread and two. */
  oneRounds: number[];
  twoRounds: number[];
  /** Medians of the per-round speeds. */
  one: number;
  two: number;
  /** Median over rounds of twoRounds[r] ÷ oneRounds[r]. */
  speedup: number;
  met: boolean;
  /** Process CPU seconds ÷ wall seconds, median over rounds: how busy the threads kept the process. */
  cpuPerWallOne: number;
  cpuPerWallTwo: number;
  /**
   * Cores other processes kept busy in each round's measurements (machine-wide busy CPU from /proc/stat, steal
   * included, minus this process's, ÷ wall seconds); empty where /proc/stat is missing.
   */
  otherCoresOne: number[];
  otherCoresTwo: number[];
  /** Rounds where both measurements had other processes under QUIET_CORES, and the median ratio over those. */
  quietRounds: number | null;
  quietSpeedup: number | null;
  /** The output (C, or the trained weights) has the same bits on one thread and two. */
  identical: boolean | null;
  error?: string;
}

export interface ThreadsResult {
  threads: number;
  rounds: number;
  clock: 'wall';
  quietCores: number;
  /** os.availableParallelism() and os.loadavg() around the suite. */
  availableParallelism: number;
  loadavg: { start: number[]; end: number[] };
  /** nn.getThreads() during the two-thread measurements. */
  reportedThreads: number;
  mlpImagesPerRound: number;
  cnnImagesPerRound: number;
  /** Wall seconds of one matrix-multiply window on one thread (the call count is fixed from it). */
  gemmWindowSeconds: number;
  /** Untimed 256³ products after every switch of thread count, in seconds. */
  settleSeconds: number;
  rows: ThreadsRow[];
  /** The machine's own ceiling for two threads, from two independent copies of the one-thread kernel. */
  copies: CopiesRow[];
}

/**
 * Two independent copies of the one-thread f32_gemm_nn (each its own module instance, memory and operands; no
 * pool, nothing shared), on this thread and on a worker thread: each copy's rate alone and both at once.
 */
export interface CopiesRow {
  shape: string;
  /** GFLOP/s per round: this thread's copy alone, the worker's copy alone, and each while both run. */
  mainAlone: number[];
  workerAlone: number[];
  mainPair: number[];
  workerPair: number[];
  /** GFLOP/s of both copies together by wall clock, from handing the worker its copy until both finished. */
  pairWall: number[];
  /** Median over rounds of (mainPair + workerPair) ÷ mainAlone: what two threads could give at most here. */
  ceiling: number;
  /**
   * Median over rounds of pairWall ÷ mainAlone: the same ceiling timed like a split product (until the later
   * copy finished), so a copy that ran alone for part of its window counts no more than in a split call.
   */
  wallCeiling: number;
  /** Medians over rounds of workerAlone ÷ mainAlone and of each pair rate ÷ its alone rate. */
  workerVsMain: number;
  mainKept: number;
  workerKept: number;
}

/** One measurement: the work's speed (unit of its row), process CPU ÷ wall seconds, other processes' cores. */
interface Sample {
  speed: number;
  cpuPerWall: number;
  otherCores: number | null;
}

/** A row being measured: `measure` runs one measurement with the threads now in use. */
interface Item {
  base: RowBase;
  measure: () => Promise<Sample>;
  /** Untimed work of the same kind before each measurement, after the common settle (training: a short fit). */
  warm?: () => Promise<unknown>;
  /** After the rounds: the output has the same bits on one thread and on two. */
  identical: () => Promise<boolean>;
  /** Multiplies the speeds (1e-9 for GFLOP/s). */
  scale: number;
  one: Sample[];
  two: Sample[];
  error?: string;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Busy CPU seconds of the whole machine (all cores, all processes) from /proc/stat, or null without it. */
function machineBusySeconds(): number | null {
  try {
    // cpu  user nice system idle iowait irq softirq steal ...; in USER_HZ ticks (100 a second on Linux)
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - ticks[3] - ticks[4]) / 100;
  } catch {
    return null;
  }
}

/** Runs `work` once and returns its speed: `amount` ÷ wall seconds, with the CPU it and other processes used. */
async function timed(amount: number, work: () => unknown): Promise<Sample> {
  const m0 = machineBusySeconds();
  const c0 = cpuSeconds();
  const t0 = performance.now();
  await work();
  const wall = (performance.now() - t0) / 1e3;
  const ours = cpuSeconds() - c0;
  const m1 = machineBusySeconds();
  const otherCores = m0 === null || m1 === null ? null : Math.max(0, m1 - m0 - ours) / wall;
  return { speed: amount / wall, cpuPerWall: ours / wall, otherCores };
}

/** Switches the kernels to `threads` threads and checks the runtime reports that many. */
async function use(threads: number): Promise<void> {
  await nn.ready({ threads });
  if (nn.getThreads() !== threads) throw new Error(`asked for ${threads} threads, nn.getThreads() reports ${nn.getThreads()}`);
}

/**
 * Round after round, every item with one thread and with two (one thread first in even rounds, two first in odd
 * ones), each after `settle` (untimed); an item that throws is dropped.
 */
async function interleave(items: readonly Item[], rounds: number, settle: () => void, log: (line: string) => void,
  afterRound: () => Promise<void>): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (const it of items) {
      if (it.error) continue;
      try {
        // alternating which thread count goes first cancels a drift of the machine's speed within a round
        for (const threads of r % 2 === 0 ? [1, THREADS] : [THREADS, 1]) {
          await use(threads);
          settle();
          await it.warm?.();
          (threads === 1 ? it.one : it.two).push(await it.measure());
        }
      } catch (e) {
        it.error = errorMessage(e);
        log(`  ${label(it.base)}: error ${it.error}`);
      }
    }
    await afterRound();
    log(`  round ${r + 1}/${rounds} done`);
  }
}

function label(b: RowBase): string {
  return b.kernel ? `${b.kernel} ${b.shape}` : b.what;
}

/** The row of a measured item. */
async function finish(it: Item): Promise<ThreadsRow> {
  const base = { ...it.base, quietRounds: null, quietSpeedup: null, identical: null };
  if (it.error) {
    return { ...base, oneRounds: [], twoRounds: [], one: NaN, two: NaN, speedup: NaN, met: false, cpuPerWallOne: NaN,
      cpuPerWallTwo: NaN, otherCoresOne: [], otherCoresTwo: [], error: it.error };
  }
  const oneRounds = it.one.map((s) => s.speed * it.scale);
  const twoRounds = it.two.map((s) => s.speed * it.scale);
  const ratios = twoRounds.map((v, i) => v / oneRounds[i]);
  const speedup = median(ratios);
  const other = (s: Sample[]) => (s.every((x) => x.otherCores !== null) ? s.map((x) => round2(x.otherCores!)) : []);
  const row: ThreadsRow = {
    ...base, oneRounds, twoRounds, one: median(oneRounds), two: median(twoRounds), speedup, met: speedup >= it.base.target,
    cpuPerWallOne: median(it.one.map((s) => s.cpuPerWall)), cpuPerWallTwo: median(it.two.map((s) => s.cpuPerWall)),
    otherCoresOne: other(it.one), otherCoresTwo: other(it.two),
  };
  if (row.otherCoresOne.length) {
    const quiet = ratios.filter((_, i) => row.otherCoresOne[i] < QUIET_CORES && row.otherCoresTwo[i] < QUIET_CORES);
    row.quietRounds = quiet.length;
    row.quietSpeedup = quiet.length ? median(quiet) : null;
  }
  try {
    row.identical = await it.identical();
  } catch (e) {
    row.error = `bit comparison failed: ${errorMessage(e)}`;
  }
  return row;
}

function sameBits(x: Float32Array, y: Float32Array): boolean {
  if (x.length !== y.length) return false;
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length);
  return a.every((v, i) => v === b[i]);
}

/** Runs `fn` on one thread and on two (leaving two in use) and compares the outputs' bits. */
async function sameOnBoth(fn: () => Float32Array[]): Promise<boolean> {
  await use(1);
  const x = fn();
  await use(THREADS);
  const y = fn();
  return x.length === y.length && x.every((v, i) => sameBits(v, y[i]));
}

// ---- matrix multiply ----

interface GemmOperands {
  a: number;
  b: number;
  c: number;
}

/** A, B and C for the largest size in the wasm runtime's memory (shared with the pool), from one seed. */
function gemmOperands(size: number): GemmOperands {
  const rt = runtime();
  const count = size * size;
  const a = rt.heap.alloc(count * F32);
  const b = rt.heap.alloc(count * F32);
  const c = rt.heap.alloc(count * F32);
  const rand = mulberry32(0x5eed);
  const f32 = rt.backend.memory.f32();
  for (let i = 0; i < count; i++) f32[a / F32 + i] = rand() * 2 - 1;
  for (let i = 0; i < count; i++) f32[b / F32 + i] = rand() * 2 - 1;
  f32.fill(0, c / F32, c / F32 + count);
  return { a, b, c };
}

function releaseOperands(ops: GemmOperands): void {
  const rt = runtime();
  for (const p of [ops.c, ops.b, ops.a]) rt.heap.release(p);
}

/** One call of `kernel` on s³, through the kernels in use now (read on every call: a switch replaces them). */
function gemmCall(ops: GemmOperands, kernel: GemmName, s: number): void {
  const k = runtime().backend.kernels as Kernels;
  k[kernel](ops.a, ops.b, 0, ops.c, s, s, s, 0, Act.Linear, 0);
}

/** Untimed 256³ products through the kernels in use now, for `seconds`: lets a woken or new worker warm up. */
function settleWith(ops: GemmOperands, seconds: number): () => void {
  return () => {
    const t0 = performance.now();
    do gemmCall(ops, 'f32_gemm_nn', 256); while (performance.now() - t0 < seconds * 1e3);
  };
}

function readC(ops: GemmOperands, s: number): Float32Array {
  return runtime().backend.memory.f32().slice(ops.c / F32, ops.c / F32 + s * s);
}

/** Calls per window so that one window takes about `seconds` on one thread (at least one call). */
async function gemmReps(ops: GemmOperands, kernel: GemmName, s: number, seconds: number): Promise<number> {
  await use(1);
  gemmCall(ops, kernel, s);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    gemmCall(ops, kernel, s);
    times.push((performance.now() - t0) / 1e3);
  }
  return Math.max(1, Math.round(seconds / Math.max(median(times), 1e-6)));
}

/** One item per layout and size: one untimed call (it wakes a fresh pool's worker), then a window of calls. */
async function gemmItems(ops: GemmOperands, sizes: readonly number[], seconds: number): Promise<Item[]> {
  const items: Item[] = [];
  for (const layout of ['nn', 'nt', 'tn'] as const) {
    for (const s of sizes) {
      const kernel: GemmName = `f32_gemm_${layout}`;
      const reps = await gemmReps(ops, kernel, s, seconds);
      const flops = 2 * s * s * s * reps;
      items.push({
        base: { what: 'matrix multiply', kernel, shape: `${s}×${s}·${s}×${s}`, unit: 'GFLOP/s', perMeasurement: reps, target: 1.7 },
        measure: () => {
          gemmCall(ops, kernel, s);
          return timed(flops, () => { for (let r = 0; r < reps; r++) gemmCall(ops, kernel, s); });
        },
        identical: () => sameOnBoth(() => { gemmCall(ops, kernel, s); return [readC(ops, s)]; }),
        scale: 1e-9,
        one: [],
        two: [],
      });
    }
  }
  return items;
}

// ---- the machine's ceiling: two independent copies ----

/**
 * One copy, as source text (the same code on both threads, free of any transform's helpers): the library's
 * module instantiated over a memory of its own, A, B and C of s×s floats after the gemm scratch, A and B filled
 * from `seed`; makeCopy returns a function that runs `reps` products and gives their seconds.
 */
const COPY_SOURCE = `
function makeCopy(module, shared, s, seed) {
  const bytes = 3 * s * s * 4;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((bytes + (8 << 20)) / 65536), maximum: 65536, shared });
  const env = { memory, abort() { throw new Error('wasm abort'); } };
  const e = new WebAssembly.Instance(module, { env }).exports;
  const scratch = (e.heap_base() + 63) & ~63;
  e.gemm_set_scratch(scratch);
  const a = (scratch + e.gemm_scratch_bytes() + 63) & ~63, b = a + s * s * 4, c = b + s * s * 4;
  const f = new Float32Array(memory.buffer);
  let x = seed >>> 0;
  for (let i = 0; i < 2 * s * s; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    f[a / 4 + i] = x / 2 ** 31 - 1;
  }
  return (reps) => {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) e.f32_gemm_nn(a, b, 0, c, s, s, s, 0, 0, 0);
    return (performance.now() - t0) / 1e3;
  };
}`;

/** The worker side: its copies (one per size), timing a window of `reps` products of size `s` whenever asked. */
const COPY_WORKER = `${COPY_SOURCE}
const { parentPort } = require('node:worker_threads');
parentPort.once('message', ({ module, shared, sizes, seed }) => {
  const copies = new Map(sizes.map((s) => [s, makeCopy(module, shared, s, seed)]));
  parentPort.on('message', ({ s, reps }) => parentPort.postMessage(copies.get(s)(reps)));
  parentPort.postMessage('ready');
});`;

const makeCopy = new Function(`${COPY_SOURCE}\nreturn makeCopy;`)() as
  (module: WebAssembly.Module, shared: boolean, s: number, seed: number) => (reps: number) => number;

/**
 * Two independent copies per size, on this thread and on a worker thread. Each `round()` (run with the pool
 * stopped, between the rounds of the rows above, so both see the same stretch of the machine) measures, per
 * size: this thread's copy alone, the worker's alone, then both at once (the worker starts its window, this
 * thread runs its own).
 */
class IndependentCopies {
  private readonly worker: Worker;
  private waiting: { resolve: (m: unknown) => void; reject: (e: unknown) => void } | null = null;
  private readonly mine = new Map<number, (reps: number) => number>();
  private readonly reps = new Map<number, number>();
  readonly rows: CopiesRow[];

  private constructor(private readonly sizes: readonly number[]) {
    this.worker = new Worker(COPY_WORKER, { eval: true });
    this.worker.on('message', (m) => this.waiting?.resolve(m));
    this.worker.on('error', (e) => this.waiting?.reject(e));
    this.rows = sizes.map((s) => ({ shape: `${s}×${s}·${s}×${s}`, mainAlone: [], workerAlone: [], mainPair: [], workerPair: [],
      pairWall: [], ceiling: NaN, wallCeiling: NaN, workerVsMain: NaN, mainKept: NaN, workerKept: NaN }));
  }

  private next(): Promise<unknown> {
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject }; });
  }

  private inWorker(s: number): Promise<number> {
    const p = this.next();
    this.worker.postMessage({ s, reps: this.reps.get(s)! });
    return p as Promise<number>;
  }

  /** Starts the worker and sizes each window to about `seconds` on this thread. */
  static async start(sizes: readonly number[], seconds: number): Promise<IndependentCopies> {
    await use(1);
    const be = runtime().backend as WasmBackend;
    const c = new IndependentCopies(sizes);
    const ready = c.next();
    c.worker.postMessage({ module: be.module, shared: be.shared, sizes, seed: 7 });
    await ready;
    for (const s of sizes) {
      const mine = makeCopy(be.module, be.shared, s, 7);
      mine(1);
      c.mine.set(s, mine);
      c.reps.set(s, Math.max(1, Math.round(seconds / Math.max(mine(1), 1e-6))));
      await c.inWorker(s);
    }
    return c;
  }

  async round(): Promise<void> {
    await use(1);
    for (let i = 0; i < this.sizes.length; i++) {
      const s = this.sizes[i], row = this.rows[i], mine = this.mine.get(s)!;
      const gflop = 2 * s ** 3 * this.reps.get(s)! / 1e9;
      row.mainAlone.push(gflop / mine(this.reps.get(s)!));
      row.workerAlone.push(gflop / await this.inWorker(s));
      const t0 = performance.now();
      const theirs = this.inWorker(s);
      row.mainPair.push(gflop / mine(this.reps.get(s)!));
      row.workerPair.push(gflop / await theirs);
      row.pairWall.push((2 * gflop) / ((performance.now() - t0) / 1e3));
    }
  }

  /** The medians over rounds; stops the worker. */
  async finish(log: (line: string) => void): Promise<CopiesRow[]> {
    await this.worker.terminate();
    for (const row of this.rows) {
      if (!row.mainAlone.length) continue;
      const per = (f: (r: number) => number) => median(row.mainAlone.map((_, r) => f(r)));
      row.ceiling = per((r) => (row.mainPair[r] + row.workerPair[r]) / row.mainAlone[r]);
      row.wallCeiling = per((r) => row.pairWall[r] / row.mainAlone[r]);
      row.workerVsMain = per((r) => row.workerAlone[r] / row.mainAlone[r]);
      row.mainKept = per((r) => row.mainPair[r] / row.mainAlone[r]);
      row.workerKept = per((r) => row.workerPair[r] / row.workerAlone[r]);
      log(`  two independent copies ${row.shape}: ceiling ×${row.ceiling.toFixed(2)}, until both finished ×${row.wallCeiling.toFixed(2)} (worker alone ÷ main alone ${row.workerVsMain.toFixed(2)}, ` +
        `each kept ${row.mainKept.toFixed(2)} / ${row.workerKept.toFixed(2)} of its alone rate while both ran)`);
    }
    return this.rows;
  }
}

// ---- training ----

function mlp(): nn.Sequential {
  const model = nn.sequential({ seed: SEED, layers: [
    nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
    nn.layers.dense({ units: 64, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: LR }), loss: 'categoricalCrossentropy' });
  return model;
}

interface TrainingCase {
  what: string;
  shape: string;
  build: () => nn.Sequential;
  /** Input shape of one image. */
  inputShape: number[];
  batchSize: number;
  images: number;
  warmUpImages: number;
  target: number;
  /** Measure while another process keeps core 1 busy. */
  busyCore?: boolean;
}

/** Longest a busy-loop process may live, whatever happens to the benchmark (seconds). */
const BUSY_MAX_SECONDS = 120;

/**
 * Runs `work` while another process spins on core 1 (pinned with taskset; ended by `timeout` after
 * BUSY_MAX_SECONDS at most); the loop starts 0.3 s before the work and is ended right after it.
 */
async function withBusyCore<T>(work: () => Promise<T>): Promise<T> {
  const child: ChildProcess = spawn('timeout', [String(BUSY_MAX_SECONDS), 'taskset', '-c', '1', process.execPath, '-e', 'for(;;);'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const early = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 300))]);
  if (early !== 'running') throw new Error(`the busy loop (timeout ${BUSY_MAX_SECONDS} taskset -c 1 node) exited with code ${early}`);
  try {
    return await work();
  } finally {
    child.kill('SIGTERM'); // timeout passes it on to the loop
    await exited;
  }
}

interface Mnist {
  x: Float32Array;
  y: Float32Array;
}

/** The first `n` training images as fit's inputs. */
function slice(d: Mnist, n: number, inputShape: number[]): { x: nn.Tensor; y: nn.Tensor } {
  return { x: nn.tensor(d.x.subarray(0, n * 784), [n, ...inputShape]), y: nn.tensor(d.y.subarray(0, n * 10), [n, 10]) };
}

/**
 * Two same-seed models, one trained only on one thread and one only on two: each measurement is one fit pass
 * (shuffled by the model's own seeded stream) over the same slice, so after the rounds both have had the same
 * training. Before that, a throwaway model trains once with each thread count, untimed.
 */
async function trainingItem(tc: TrainingCase, d: Mnist): Promise<Item> {
  const warm = slice(d, tc.warmUpImages, tc.inputShape);
  for (const threads of [1, THREADS]) {
    await use(threads);
    await tc.build().fit(warm.x, warm.y, { epochs: 1, batchSize: tc.batchSize });
  }
  const data = slice(d, tc.images, tc.inputShape);
  const models = new Map([[1, tc.build()], [THREADS, tc.build()]]);
  const weights = (threads: number) => models.get(threads)!.getWeights().map((t) => t.data);
  return {
    base: { what: tc.what, kernel: null, shape: tc.shape, unit: 'samples/s', perMeasurement: tc.images, target: tc.target },
    // a throwaway model's fit over the warm-up images: a worker started by the switch runs its first fit slower
    warm: () => tc.build().fit(warm.x, warm.y, { epochs: 1, batchSize: tc.batchSize }),
    measure: () => {
      const m = () => timed(tc.images, () =>
        models.get(nn.getThreads())!.fit(data.x, data.y, { epochs: 1, batchSize: tc.batchSize, shuffle: true }));
      return tc.busyCore ? withBusyCore(m) : m();
    },
    identical: async () => {
      const [a, b] = [weights(1), weights(THREADS)];
      return a.length === b.length && a.every((w, i) => sameBits(w, b[i]));
    },
    scale: 1,
    one: [],
    two: [],
  };
}

/** '×1.85 (rounds 1.80 1.91 ...; quiet 6/9: ×1.88)' for the progress log. */
function describe(r: ThreadsRow): string {
  if (r.error) return `error ${r.error}`;
  const ratios = r.twoRounds.map((v, i) => (v / r.oneRounds[i]).toFixed(2)).join(' ');
  const others = r.otherCoresOne.map((v, i) => `${v.toFixed(1)}/${r.otherCoresTwo[i].toFixed(1)}`).join(' ');
  const quiet = r.quietRounds === null ? '' : `; quiet rounds ${r.quietRounds}/${r.oneRounds.length}` +
    (r.quietSpeedup === null ? '' : `: ×${r.quietSpeedup.toFixed(2)}`);
  const speed = (v: number) => (r.unit === 'GFLOP/s' ? v.toFixed(1) : Math.round(v).toString());
  return `${speed(r.one)} → ${speed(r.two)} ${r.unit}, ×${r.speedup.toFixed(2)} (rounds ${ratios}${quiet}; other cores ${others}), ` +
    `same bits: ${r.identical}`;
}

export async function benchThreads(opts: BenchOptions, log: (line: string) => void): Promise<ThreadsResult> {
  const loadStart = os.loadavg().map(round2);
  const rounds = opts.quick ? 3 : 12;
  const sizes = opts.quick ? [256, 512] : [256, 512, 1024];
  const gemmSeconds = opts.quick ? 0.05 : 0.15;
  const mlpImages = opts.quick ? 5120 : 15360;
  const cnnImages = opts.quick ? 1280 : 3200;
  const settleSeconds = opts.quick ? SETTLE_SECONDS / 2 : SETTLE_SECONDS;
  await use(1);
  const ops = gemmOperands(Math.max(...sizes));
  await use(THREADS);
  const reportedThreads = nn.getThreads();
  settleWith(ops, 0.5)();
  log(`  ${rounds} interleaved rounds (1 thread and ${THREADS}, alternating which goes first); os.availableParallelism() = ${os.availableParallelism()}, load ${loadStart.join(' ')}`);
  const { train } = await nn.loadMnist();
  const d: Mnist = { x: train.images, y: train.oneHot };
  const rows: ThreadsRow[] = [];
  let copies: CopiesRow[] = [];
  try {
    const items = [
      ...await gemmItems(ops, sizes, gemmSeconds),
      await trainingItem({
        what: 'MNIST MLP training', shape: '784-128-64-10, Adam, batch 256', build: mlp, inputShape: [784], batchSize: 256,
        images: mlpImages, warmUpImages: 2560, target: 1.4,
      }, d),
      await trainingItem({
        what: 'CNN step', shape: 'conv 5×5×8, pool 2, conv 5×5×16, pool 2, dense 10 (bench/cnn.ts), Adam, batch 64', build: neuriteModel,
        inputShape: [28, 28, 1], batchSize: 64, images: cnnImages, warmUpImages: 640, target: 1.6,
      }, d),
      await trainingItem({
        what: 'MNIST MLP training, one core busy', shape: '784-128-64-10, Adam, batch 64, taskset -c 1 busy loop', build: mlp,
        inputShape: [784], batchSize: 64, images: mlpImages, warmUpImages: 2560, target: 0.9, busyCore: true,
      }, d),
    ];
    const copyRounds = await IndependentCopies.start(sizes, gemmSeconds);
    try {
      await interleave(items, rounds, settleWith(ops, settleSeconds), log, () => copyRounds.round());
    } finally {
      copies = await copyRounds.finish(log);
    }
    for (const it of items) {
      const row = await finish(it);
      rows.push(row);
      log(`  ${label(row)}: ${describe(row)}`);
    }
  } finally {
    releaseOperands(ops);
    // The other suites run on one thread.
    await nn.ready({ threads: 1 });
  }
  return {
    threads: THREADS,
    rounds,
    clock: 'wall',
    quietCores: QUIET_CORES,
    availableParallelism: os.availableParallelism(),
    loadavg: { start: loadStart, end: os.loadavg().map(round2) },
    reportedThreads,
    mlpImagesPerRound: mlpImages,
    cnnImagesPerRound: cnnImages,
    gemmWindowSeconds: gemmSeconds,
    settleSeconds,
    rows,
    copies,
  };
}
