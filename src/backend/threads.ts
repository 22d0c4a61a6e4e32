// The thread pool: workers (worker_threads in Node, Web Workers in browsers) that each instantiate the wasm
// module over the main thread's shared memory and run kernel calls on chunks of an output. The calling thread
// describes a job in a small SharedArrayBuffer (kept out of the wasm memory, so growth never moves it), wakes
// the workers, takes chunks itself like them, then waits for them: no messages, no copies.
// src/backend/parallel.ts decides which kernels split and how.
import { NeuriteError } from '../errors';
import type { Heap } from '../memory/heap';
import { isNode, nodeImport } from '../worker/platform';
import type { WasmBackend } from './wasm';

// A worker's own control block (Int32): SEQ, bumped by the caller for each job; DONE, set by the worker to SEQ
// when it has no more of the job to do.
const SEQ = 0;
const DONE = 1;
const CONTROL_BYTES = 8;

// The job block, shared by the caller and every worker: what to run, in chunks that any thread takes next
// (Atomics.add on NEXT), so a thread that is slowed down (a busy core, a descheduled vCPU) takes fewer.
// Int32 slots, then f64 from F64_TOTAL: chunks [0, BIG) have CHUNK units each and the later ones SMALL; chunk i
// runs the kernel on units [lo, min(total, lo + its size)), with argument j = base[j] + lo·delta[j] and argument
// COUNT_AT = the chunk's unit count.
const FN = 0; // kernel index, or -1 to stop
const COUNT_AT = 1;
const CHUNKS = 2;
const NEXT = 3;
const FAILED = 4; // the index of a kernel that threw on a worker, plus one
const WORKER_CHUNKS = 5; // chunks the workers ran (for tests and benchmarks)
const ZERO = 6; // set when a chunk's kernel returned 0 (f32_all_finite: a value that is not finite)
const F64_TOTAL = 4;
const F64_CHUNK = 5;
const F64_BIG = 6; // chunks [0, BIG) have CHUNK units, the later ones SMALL
const F64_SMALL = 7;
const F64_BASE = 8;
const MAX_ARGS = 20;
const F64_DELTA = F64_BASE + MAX_ARGS;
const JOB_BYTES = (F64_DELTA + MAX_ARGS) * 8;

/**
 * How long a thread spins (Atomics.load) for the next job, or for the workers to finish one, before it sleeps in
 * Atomics.wait. The kernel calls of a training step come a fraction of a millisecond apart; waking a sleeping
 * thread costs about as much again (more in a virtual machine, where an idle core halts), so within a step no
 * thread sleeps. After 2 ms without work, workers sleep and cost nothing.
 */
const SPIN_MS = 2;
/**
 * The spin of a pool with more threads than cores: there a spinning thread keeps a thread that holds a chunk off
 * its core, and a 256³ product on 16 threads over 2 cores took 24 ms spinning 2 ms, 4.7 ms spinning 0.05 ms.
 */
export const SHORT_SPIN_MS = 0.05;
/** How long a worker may take to start, and one call to finish, before neurite gives up on threads. */
const START_TIMEOUT_MS = 20_000;
const CALL_TIMEOUT_MS = 120_000;

interface WorkerLike {
  postMessage(m: unknown): void;
  terminate(): unknown;
}

/**
 * The worker's whole program, as source text (so no transform of ours can make it refer to a helper outside
 * it, and no worker file has to be found by any bundler). `port` is Node's parentPort, or null in a Web
 * Worker. It instantiates the module over the shared memory, points its gemm scratch at its own block, says
 * ready, then serves jobs: spin on SEQ for up to SPIN_MS, then sleep in Atomics.wait; take chunks of the job
 * until none is left, publish DONE.
 */
const THREAD_MAIN = `(port) => {
  const post = (m) => (port ? port.postMessage(m) : postMessage(m));
  const start = (d) => {
    let fns;
    try {
      const env = { memory: d.memory, abort: () => { throw new Error('wasm abort'); } };
      const exp = new WebAssembly.Instance(d.module, { env }).exports;
      exp.gemm_set_scratch(d.scratch);
      fns = d.names.map((n) => exp[n]);
    } catch (e) {
      post({ error: String(e?.message || e) });
      return;
    }
    const own = new Int32Array(d.control), j32 = new Int32Array(d.job), jf = new Float64Array(d.job);
    const a = new Float64Array(${MAX_ARGS});
    post({ ready: true });
    let seen = 0;
    for (;;) {
      let s = Atomics.load(own, ${SEQ});
      if (s === seen) {
        const until = performance.now() + d.spinMs;
        for (let k = 1; (s = Atomics.load(own, ${SEQ})) === seen; k++) if ((k & 1023) === 0 && performance.now() > until) break;
      }
      if (s === seen) { Atomics.wait(own, ${SEQ}, seen); continue; }
      seen = s;
      const fn = j32[${FN}];
      if (fn < 0) break;
      const at = j32[${COUNT_AT}], chunks = j32[${CHUNKS}], total = jf[${F64_TOTAL}], chunk = jf[${F64_CHUNK}];
      const big = jf[${F64_BIG}], small = jf[${F64_SMALL}];
      for (let q; (q = Atomics.add(j32, ${NEXT}, 1)) < chunks;) {
        const lo = q < big ? q * chunk : big * chunk + (q - big) * small;
        for (let i = 0; i < ${MAX_ARGS}; i++) a[i] = jf[${F64_BASE} + i] + lo * jf[${F64_DELTA} + i];
        a[at] = Math.min(total, lo + (q < big ? chunk : small)) - lo;
        try {
          if (fns[fn](${Array.from({ length: MAX_ARGS }, (_, i) => `a[${i}]`).join(', ')}) === 0) j32[${ZERO}] = 1;
        } catch (e) {
          Atomics.store(j32, ${FAILED}, fn + 1);
        }
        Atomics.add(j32, ${WORKER_CHUNKS}, 1);
      }
      Atomics.store(own, ${DONE}, s);
      Atomics.notify(own, ${DONE});
    }
    if (port) port.close(); else close();
  };
  if (port) port.once('message', start); else onmessage = (e) => start(e.data);
}`;

/** True where this thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** The Node worker's parent port comes from this built-in, imported inside the worker's own script. */
const WORKER_THREADS = 'node:worker_threads';

async function spawn(): Promise<WorkerLike & { onReady: Promise<void> }> {
  // Node: an ES module from a data: URL (no file, no eval), which imports its parent port; browsers: a classic
  // worker from a blob: URL, which talks through its global scope.
  let worker: WorkerLike;
  let onReady: Promise<void>;
  const timeout = (reject: (e: Error) => void) => setTimeout(() => reject(new Error(`did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  if (typeof __NEURITE_BROWSER__ === 'undefined' && isNode()) {
    const source = `(${THREAD_MAIN})((await import(${JSON.stringify(WORKER_THREADS)})).parentPort);`;
    const { Worker } = await nodeImport<typeof import('node:worker_threads')>('node:worker_threads');
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { name: 'neurite-thread' });
    w.unref(); // a script that used threads still exits by itself
    worker = w;
    onReady = new Promise<void>((resolve, reject) => {
      const t = timeout(reject);
      w.once('message', (m: { ready?: boolean; error?: string }) => { clearTimeout(t); if (m.ready) resolve(); else reject(new Error(m.error)); });
      w.once('error', (e) => { clearTimeout(t); reject(e); });
      w.once('exit', (code) => { clearTimeout(t); reject(new Error(`exited with code ${code}`)); });
    });
  } else {
    const url = URL.createObjectURL(new Blob([`(${THREAD_MAIN})(null);`], { type: 'text/javascript' }));
    const w = new Worker(url);
    URL.revokeObjectURL(url);
    worker = w;
    onReady = new Promise<void>((resolve, reject) => {
      const t = timeout(reject);
      w.onmessage = (e: MessageEvent<{ ready?: boolean; error?: string }>) => { clearTimeout(t); if (e.data.ready) resolve(); else reject(new Error(e.data.error)); };
      w.onerror = (e: ErrorEvent) => { clearTimeout(t); e.preventDefault(); reject(new Error(e.message || 'could not start')); };
    });
  }
  return Object.assign(worker, { onReady });
}

export class ThreadPool {
  private readonly own: Int32Array[];
  private readonly seq: number[];
  private readonly j32: Int32Array;
  private readonly jf: Float64Array;
  private readonly args = new Float64Array(MAX_ARGS);
  private readonly block = canBlock();
  private stopped = false;

  private constructor(private readonly workers: WorkerLike[], controls: SharedArrayBuffer[], job: SharedArrayBuffer,
    private readonly scratch: number[], private readonly heap: Heap, readonly names: readonly string[], private readonly spinMs: number) {
    this.own = controls.map((c) => new Int32Array(c));
    this.seq = controls.map(() => 0);
    this.j32 = new Int32Array(job);
    this.jf = new Float64Array(job);
  }

  /** Workers beside the calling thread. */
  get size(): number { return this.workers.length; }

  /** Chunks the workers have run since the pool started. */
  get workerChunks(): number { return Atomics.load(this.j32, WORKER_CHUNKS); }

  /**
   * Starts `count` workers on the backend's module and shared memory, each with its own gemm scratch from
   * `heap`; a waiting thread spins for `spinMs` before it sleeps. Rejects (and stops what it started) if any
   * worker fails to start.
   */
  static async start(backend: WasmBackend, heap: Heap, count: number, names: readonly string[], spinMs = SPIN_MS): Promise<ThreadPool> {
    const bytes = backend.direct.gemm_scratch_bytes();
    const scratch: number[] = [];
    const workers: (WorkerLike & { onReady: Promise<void> })[] = [];
    const controls: SharedArrayBuffer[] = [];
    const job = new SharedArrayBuffer(JOB_BYTES);
    try {
      for (let i = 0; i < count; i++) {
        const ptr = heap.alloc(bytes + 64);
        scratch.push(ptr);
        const control = new SharedArrayBuffer(CONTROL_BYTES);
        controls.push(control);
        const w = await spawn();
        workers.push(w);
        w.postMessage({ module: backend.module, memory: backend.wasmMemory, control, job, names, scratch: Math.ceil(ptr / 64) * 64, spinMs });
      }
      await Promise.all(workers.map((w) => w.onReady));
    } catch (e) {
      for (const w of workers) w.terminate();
      for (const p of scratch) heap.release(p);
      throw e;
    }
    return new ThreadPool(workers, controls, job, scratch, heap, names, spinMs);
  }

  /**
   * Runs kernel `fn` (an index into names; `self` is this thread's own instance of it) over `total` units in
   * chunks, on every worker and this thread: the first `big` chunks of `chunk` units, the rest of `small` units
   * (by default all of `chunk`). A chunk's argument i is base[i] + lo·delta[i], and argument `countAt` its unit
   * count. Returns when every chunk is done: 0 if a chunk's kernel returned 0, else 1 (so a split f32_all_finite
   * is the AND of its chunks); throws if one threw on a worker.
   */
  run(fn: number, self: (...a: number[]) => unknown, base: ArrayLike<number>, delta: ArrayLike<number>, countAt: number,
    total: number, chunk: number, big = Infinity, small = chunk): number {
    const j32 = this.j32, jf = this.jf;
    big = Math.min(big, Math.ceil(total / chunk));
    const chunks = big + Math.max(0, Math.ceil((total - big * chunk) / small));
    j32[FN] = fn;
    j32[COUNT_AT] = countAt;
    j32[CHUNKS] = chunks;
    j32[FAILED] = j32[ZERO] = 0;
    jf[F64_TOTAL] = total;
    jf[F64_CHUNK] = chunk;
    jf[F64_BIG] = big;
    jf[F64_SMALL] = small;
    for (let i = 0; i < MAX_ARGS; i++) {
      jf[F64_BASE + i] = i < base.length ? base[i] : 0;
      jf[F64_DELTA + i] = i < delta.length ? delta[i] : 0;
    }
    Atomics.store(j32, NEXT, 0);
    // a stopped pool's kernels (held from before nn.shutdown() or a new thread count) run on this thread alone
    const workers = this.stopped ? 0 : this.workers.length;
    for (let w = 0; w < workers; w++) this.post(w);
    const a = this.args;
    let mine: unknown;
    for (let q; (q = Atomics.add(j32, NEXT, 1)) < chunks;) {
      const lo = q < big ? q * chunk : big * chunk + (q - big) * small;
      for (let i = 0; i < MAX_ARGS; i++) a[i] = jf[F64_BASE + i] + lo * jf[F64_DELTA + i];
      a[countAt] = Math.min(total, lo + (q < big ? chunk : small)) - lo;
      try {
        if (self(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16],
          a[17], a[18], a[19]) === 0) j32[ZERO] = 1;
      } catch (e) {
        mine = e;
      }
    }
    for (let w = 0; w < workers; w++) this.wait(w);
    // a kernel that throws on any thread (a wasm trap: an argument no caller should pass) fails the whole call alike
    const failed = j32[FAILED];
    if (failed || mine !== undefined) {
      const why = mine instanceof Error ? `: ${mine.message}` : ' on a worker thread';
      throw new NeuriteError(`neurite kernel ${this.names[fn]} failed${why}`);
    }
    return 1 - j32[ZERO];
  }

  /** Hands the current job to worker `w`. */
  post(w: number): void {
    const own = this.own[w];
    const s = (this.seq[w] = (this.seq[w] + 1) | 0);
    Atomics.store(own, SEQ, s);
    Atomics.notify(own, SEQ);
  }

  /** Waits until worker `w` has no more of the current job to do. */
  private wait(w: number): void {
    const own = this.own[w], s = this.seq[w];
    let done = Atomics.load(own, DONE);
    if (done !== s) {
      const until = performance.now() + this.spinMs;
      for (let k = 1; (done = Atomics.load(own, DONE)) !== s; k++) if ((k & 1023) === 0 && performance.now() > until) break;
    }
    if (done !== s) {
      const t0 = Date.now();
      while ((done = Atomics.load(own, DONE)) !== s) {
        if (this.block) Atomics.wait(own, DONE, done, 1000);
        if (Date.now() - t0 > CALL_TIMEOUT_MS) {
          throw new NeuriteError(`neurite thread ${w + 1} did not finish ${this.names[this.j32[FN]]} within ${CALL_TIMEOUT_MS / 1000} s`);
        }
      }
    }
  }

  /** Stops the workers and gives their scratch back. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.j32[FN] = -1;
    for (let w = 0; w < this.workers.length; w++) this.post(w);
    for (const worker of this.workers) worker.terminate();
    for (const p of this.scratch) this.heap.release(p);
  }
}
