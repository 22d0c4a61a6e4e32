// The thread pool: workers (worker_threads in Node, Web Workers in browsers) that each instantiate the wasm
// module over the main thread's shared memory and run kernel calls on parts of an output. The calling thread
// posts a part to each worker through a small SharedArrayBuffer of its own (kept out of the wasm memory, so
// growth never moves it), runs the first part itself, then waits for the others: no messages, no copies.
// src/backend/parallel.ts decides which kernels split and how.
import { NeuriteError } from '../errors';
import type { Heap } from '../memory/heap';
import { isNode, nodeImport } from '../worker/platform';
import type { WasmBackend } from './wasm';

// Int32 slots of a worker's control block, then the call's arguments as f64 from ARGS.
const SEQ = 0; // bumped by the caller for each call
const DONE = 1; // set by the worker to SEQ when the call has returned
const FN = 2; // kernel index, or -1 to stop
const FAILED = 3; // 1 when the call threw
const ARGS = 4; // first f64 slot (byte 32)
const MAX_ARGS = 20;
const CONTROL_BYTES = (ARGS + MAX_ARGS) * 8;

/**
 * How long a thread spins (Atomics.load) for the next call, or for a part to finish, before it sleeps in
 * Atomics.wait. The kernel calls of a training step come a fraction of a millisecond apart; waking a sleeping
 * thread costs about as much again (more in a virtual machine, where an idle core halts), so within a step no
 * thread sleeps. After 2 ms without work, workers sleep and cost nothing.
 */
const SPIN_MS = 2;
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
 * ready, then serves calls: spin on SEQ for up to SPIN_MS, then sleep in Atomics.wait; run kernel FN on the f64
 * arguments, publish DONE.
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
      post({ error: String((e && e.message) || e) });
      return;
    }
    const i32 = new Int32Array(d.control), f = new Float64Array(d.control);
    post({ ready: true });
    let seen = 0;
    for (;;) {
      let s = Atomics.load(i32, ${SEQ});
      if (s === seen) {
        const until = performance.now() + d.spinMs;
        for (let k = 1; (s = Atomics.load(i32, ${SEQ})) === seen; k++) if ((k & 1023) === 0 && performance.now() > until) break;
      }
      if (s === seen) { Atomics.wait(i32, ${SEQ}, seen); continue; }
      seen = s;
      const fn = i32[${FN}];
      if (fn < 0) break;
      try {
        fns[fn](${Array.from({ length: MAX_ARGS }, (_, i) => `f[${ARGS + i}]`).join(', ')});
        i32[${FAILED}] = 0;
      } catch (e) {
        i32[${FAILED}] = 1;
      }
      Atomics.store(i32, ${DONE}, s);
      Atomics.notify(i32, ${DONE});
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
  const port = isNode() ? `(await import(${JSON.stringify(WORKER_THREADS)})).parentPort` : 'null';
  const source = `(${THREAD_MAIN})(${port});`;
  let worker: WorkerLike;
  let onReady: Promise<void>;
  const timeout = (reject: (e: Error) => void) => setTimeout(() => reject(new Error(`did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  if (isNode()) {
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
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
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
  private readonly i32: Int32Array[];
  private readonly f64: Float64Array[];
  private readonly seq: number[];
  private readonly block = canBlock();
  private stopped = false;

  private constructor(private readonly workers: WorkerLike[], controls: SharedArrayBuffer[],
    private readonly scratch: number[], private readonly heap: Heap, readonly names: readonly string[]) {
    this.i32 = controls.map((c) => new Int32Array(c));
    this.f64 = controls.map((c) => new Float64Array(c));
    this.seq = controls.map(() => 0);
  }

  /** Workers beside the calling thread. */
  get size(): number { return this.workers.length; }

  /**
   * Starts `count` workers on the backend's module and shared memory, each with its own gemm scratch from
   * `heap`. Rejects (and stops what it started) if any worker fails to start.
   */
  static async start(backend: WasmBackend, heap: Heap, count: number, names: readonly string[]): Promise<ThreadPool> {
    const bytes = backend.direct.gemm_scratch_bytes();
    const scratch: number[] = [];
    const workers: (WorkerLike & { onReady: Promise<void> })[] = [];
    const controls: SharedArrayBuffer[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const ptr = heap.alloc(bytes + 64);
        scratch.push(ptr);
        const control = new SharedArrayBuffer(CONTROL_BYTES);
        controls.push(control);
        const w = await spawn();
        workers.push(w);
        w.postMessage({ module: backend.module, memory: backend.wasmMemory, control, names, scratch: (ptr + 63) & ~63, spinMs: SPIN_MS });
      }
      await Promise.all(workers.map((w) => w.onReady));
    } catch (e) {
      for (const w of workers) w.terminate();
      for (const p of scratch) heap.release(p);
      throw e;
    }
    return new ThreadPool(workers, controls, scratch, heap, names);
  }

  /** Starts kernel `fn` (an index into names) with `args` on worker `w`. */
  post(w: number, fn: number, args: ArrayLike<number>): void {
    const i32 = this.i32[w], f64 = this.f64[w];
    i32[FN] = fn;
    for (let i = 0; i < args.length; i++) f64[ARGS + i] = args[i];
    const s = (this.seq[w] = (this.seq[w] + 1) | 0);
    Atomics.store(i32, SEQ, s);
    Atomics.notify(i32, SEQ);
  }

  /** Waits until worker `w` has finished its last call; throws if that call failed. */
  wait(w: number): void {
    const i32 = this.i32[w], s = this.seq[w];
    let done = Atomics.load(i32, DONE);
    if (done !== s) {
      const until = performance.now() + SPIN_MS;
      for (let k = 1; (done = Atomics.load(i32, DONE)) !== s; k++) if ((k & 1023) === 0 && performance.now() > until) break;
    }
    if (done !== s) {
      const t0 = Date.now();
      while ((done = Atomics.load(i32, DONE)) !== s) {
        if (this.block) Atomics.wait(i32, DONE, done, 1000);
        if (Date.now() - t0 > CALL_TIMEOUT_MS) {
          throw new NeuriteError(`neurite thread ${w + 1} did not finish ${this.names[i32[FN]]} within ${CALL_TIMEOUT_MS / 1000} s`);
        }
      }
    }
    if (i32[FAILED]) throw new NeuriteError(`neurite thread ${w + 1} failed in ${this.names[i32[FN]]}`);
  }

  /** Stops the workers and gives their scratch back. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (let w = 0; w < this.workers.length; w++) this.post(w, -1, []);
    for (const worker of this.workers) worker.terminate();
    for (const p of this.scratch) this.heap.release(p);
  }
}
