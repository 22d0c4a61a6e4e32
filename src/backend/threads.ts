// The thread pool: workers (worker_threads in Node, Web Workers in browsers) that each instantiate the wasm
// module over the main thread's shared memory and run kernel calls on chunks of an output. The calling thread
// describes a job in a small SharedArrayBuffer (kept out of the wasm memory, so growth never moves it), wakes
// the workers, takes chunks itself like them, then waits for them: no messages, no copies.
// src/backend/parallel.ts decides which kernels split and how.
import { NeuriteError } from '../errors';
import type { Heap } from '../memory/heap';
import { isNode, nodeImport } from '../platform';
import type { WasmBackend } from './wasm';

// A worker's own control block (Int32): SEQ, bumped by the caller for each job; DONE, set by the worker to SEQ
// when it has no more of the job to do; BEAT, bumped by the worker when it sees a job, after each chunk and, where
// the runtime gives no synchronous sign of a worker's end (browsers), each time it wakes from its idle sleep (its
// heartbeat); EXIT, set by the worker when its own program fails (it then ends); ACK, which says who settled the
// job: the worker sets it to SEQ when it takes the job, the caller to ~SEQ when it has taken every chunk before
// the worker took the job (a worker that has not woken yet, lost its core or died), so that it need not wait for
// that worker (the worker then skips the job). Both set it by compareExchange from its value before the job:
// exactly one of them wins.
const SEQ = 0;
const DONE = 1;
const BEAT = 2;
const EXIT = 3;
const ACK = 4;
const CONTROL_BYTES = 32;

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
/** A job (FN) that makes the workers' program fail, as a fault would (tests only). */
const DIE = -2;
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
/**
 * How a dead worker is noticed; the design target is that the call in flight fails, and the pool stops, within a
 * second of the worker's end, the calling thread never blocking longer than that. In Node the caller asks the
 * runtime every CHECK_MS while it waits, and at most every CHECK_MS between calls (a worker that ended, by
 * terminate(), an error or its own exit, reports an idle time of -1 at once, before its 'exit' event can reach a
 * blocked thread). Where no such sign exists (browsers), each worker wakes from its idle sleep every BEAT_MS to
 * bump its heartbeat, and also bumps it at each job and chunk; a worker whose heartbeat the caller has seen stand
 * still for SILENT_MS (plus 4× the caller's own time on its chunks of the call, for long chunks) is taken for dead
 * and terminated. Only time the caller itself was running counts: a gap of more than STALL_MS between two of its
 * looks (the caller descheduled, the machine asleep, no calls for a while) counts as STALL_MS, so a caller that
 * comes back after a pause never takes a live worker for dead.
 */
export const HEARTBEAT = { checkMs: 20, beatMs: 100, silentMs: 500, stallMs: 100 } as const;
const CHECK_MS = HEARTBEAT.checkMs;

interface WorkerLike {
  postMessage(m: unknown): void;
  terminate(): unknown;
  /** Node's worker_threads: -1 once the worker has ended. */
  threadId?: number;
  /** Node's worker_threads: idle is -1 as soon as the worker has ended. */
  performance?: { eventLoopUtilization(): { idle: number } };
}

/**
 * Whether threads are paying for themselves, from the calls' own times: each split call's wall time against what
 * the same call (kernel and arguments: a training step repeats its calls) takes on the calling thread alone. That
 * is measured only while the workers sleep, as they do on one thread: in the stretches when the calls run alone,
 * from SETTLE_MS after the last split call (a worker spins SPIN_MS before it sleeps), or in a call alone that
 * the workers' last spin overlapped by at most a tenth. A split call with no such
 * measurement yet counts towards a probe: after WINDOW_MS of them, the calls run alone for PROBE_MS, so that their
 * times alone get measured (a caller's own time on its chunks says nothing here: a busy core slows it too). A
 * probe also comes when the last measurement is older than REPROBE_MS, so that they follow the machine's load.
 * Over a window of at least WINDOW_MS of one-thread time (or sooner, once the calls have lost EXCESS_MS), if the
 * split calls were not faster, the pool runs on the calling thread alone for a while: SOLO_MS, doubled after each
 * window that fails again, up to SOLO_MAX_MS, and halved (down to SOLO_MS) by each window that pays. A core taken
 * by another process is what makes the workers lose: a worker that holds a chunk and loses its core keeps the
 * caller waiting, and a spinning worker that shares the caller's core slows the caller. Running alone computes the
 * same chunks' arithmetic in one call, so the bits never depend on this.
 */
export class Governor {
  static readonly WINDOW_MS = 10;
  static readonly EXCESS_MS = 2;
  static readonly SOLO_MS = 250;
  static readonly SOLO_MAX_MS = 4000;
  static readonly PROBE_MS = 20;
  static readonly SETTLE_MS = 3;
  static readonly REPROBE_MS = 5000;
  private wall = 0;
  private alone = 0;
  /** Split calls' wall time (ms) with no measurement alone, since the last probe. */
  private unknown = 0;
  private soloFrom = -Infinity;
  private soloUntil = -Infinity;
  private soloMs = Governor.SOLO_MS;
  /** When a call's time alone was last measured. */
  private measuredAt = -Infinity;
  /** Windows that went to one thread, and probes (for tests and benchmarks). */
  fallbacks = 0;
  probes = 0;
  /** Calls' times alone, by a hash of their kernel and arguments (direct-mapped; the tag is the full hash). */
  private readonly tags = new Int32Array(1024);
  private readonly times = new Float64Array(1024);

  /** True while the calls should stay on the calling thread, at time `now` (ms). */
  solo(now: number): boolean {
    return now < this.soloUntil;
  }

  /** Records that a call with hash `key` took `ms` on the calling thread alone, ending at `now`. */
  recordAlone(key: number, ms: number, now: number): void {
    // not a call whose start the workers' last spin overlapped by more than a tenth of it
    if (this.soloFrom + Governor.SETTLE_MS - (now - ms) > 0.1 * ms) return;
    this.measuredAt = now;
    const i = key & 1023;
    if (this.tags[i] === key && this.times[i] > 0) this.times[i] += 0.25 * (ms - this.times[i]);
    else { this.tags[i] = key; this.times[i] = ms; }
  }

  /** The time alone measured for calls with hash `key`, if there is one. */
  aloneTime(key: number): number | undefined {
    const i = key & 1023;
    return this.tags[i] === key && this.times[i] > 0 ? this.times[i] : undefined;
  }

  /**
   * Records a split call that took `wall` ms, ending at `now`, where the calling thread alone takes `alone` ms
   * (undefined: not measured yet).
   */
  record(wall: number, alone: number | undefined, now: number): void {
    if (alone === undefined) {
      this.unknown += wall;
      if (this.unknown >= Governor.WINDOW_MS) this.goSolo(now, Governor.PROBE_MS, true);
      return;
    }
    if (now - this.measuredAt > Governor.REPROBE_MS && this.measuredAt > -Infinity) {
      this.goSolo(now, Governor.PROBE_MS, true);
      return;
    }
    this.wall += wall;
    this.alone += alone;
    if (this.alone < Governor.WINDOW_MS && this.wall - this.alone < Governor.EXCESS_MS) return;
    if (this.wall >= this.alone) {
      this.fallbacks++;
      this.goSolo(now, this.soloMs, false);
      this.soloMs = Math.min(Governor.SOLO_MAX_MS, this.soloMs * 2);
    } else {
      this.soloMs = Math.max(Governor.SOLO_MS, this.soloMs / 2);
    }
    this.wall = this.alone = 0;
  }

  private goSolo(now: number, ms: number, probe: boolean): void {
    if (probe) this.probes++;
    this.soloFrom = now;
    this.soloUntil = now + ms;
    this.wall = this.alone = this.unknown = 0;
  }
}

/** A hash of a call: its kernel, unit count and arguments (pointers and sizes, as int32). */
function callKey(fn: number, total: number, base: ArrayLike<number>): number {
  let h = Math.imul(fn + 1, 0x9e3779b1) ^ total;
  for (let i = 0; i < base.length; i++) h = Math.imul(h ^ (base[i] | 0), 0x85ebca6b) ^ (h >>> 13);
  return h | 0 || 1;
}

/** Settings for tests: adaptive = false keeps every split call on the workers (no fallback to one thread). */
export const tuning = { adaptive: true };

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
    try {
      for (;;) {
        let s = Atomics.load(own, ${SEQ});
        if (s === seen) {
          const until = performance.now() + d.spinMs;
          for (let k = 1; (s = Atomics.load(own, ${SEQ})) === seen; k++) if ((k & 1023) === 0 && performance.now() > until) break;
        }
        // sleep; where the runtime cannot tell the caller that this worker ended, wake every beatMs to say it lives
        while (s === seen) {
          if (d.beatMs > 0) { Atomics.wait(own, ${SEQ}, seen, d.beatMs); Atomics.add(own, ${BEAT}, 1); } else Atomics.wait(own, ${SEQ}, seen);
          s = Atomics.load(own, ${SEQ});
        }
        seen = s;
        Atomics.add(own, ${BEAT}, 1);
        // take the job, unless the caller has already settled it without this worker
        for (let cur = Atomics.load(own, ${ACK}), was; cur !== s && cur !== ~s; cur = was) {
          if ((was = Atomics.compareExchange(own, ${ACK}, cur, s)) === cur) break;
        }
        if (Atomics.load(own, ${ACK}) !== s) continue;
        const fn = j32[${FN}];
        if (fn === ${DIE}) throw new Error('asked to fail');
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
          Atomics.add(own, ${BEAT}, 1);
        }
        Atomics.store(own, ${DONE}, s);
        Atomics.notify(own, ${DONE});
      }
    } catch (e) {
      // the program itself failed: say so where a waiting caller looks, then end
      Atomics.store(own, ${EXIT}, 1);
      Atomics.notify(own, ${DONE});
      throw e;
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

/** watch(ended, exits): calls `ended` on the worker's 'error' events, and on its 'exit' too unless exits is false. */
type Spawned = WorkerLike & { onReady: Promise<void>; watch(ended: (why: string) => void, exits: boolean): void };

async function spawn(): Promise<Spawned> {
  // Node: an ES module from a data: URL (no file, no eval), which imports its parent port; browsers: a classic
  // worker from a blob: URL, which talks through its global scope.
  let worker: WorkerLike;
  let onReady: Promise<void>;
  let watch: Spawned['watch'];
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
    watch = (ended, exits) => {
      w.on('error', (e) => ended(`failed: ${e?.message ?? e}`));
      if (exits) w.on('exit', (code) => ended(`exited with code ${code}`));
    };
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
    watch = (ended) => {
      w.onerror = (e: ErrorEvent) => { e.preventDefault(); ended(`failed: ${e.message || 'an error event'}`); };
    };
  }
  return Object.assign(worker, { onReady, watch });
}

/** What start() may be told (tests): heartbeat = true uses the heartbeat alone, as where the runtime gives no sign. */
export interface PoolOptions {
  spinMs?: number;
  heartbeat?: boolean;
}

export class ThreadPool {
  private readonly own: Int32Array[];
  private readonly seq: number[];
  /** Each worker's ACK as the last job left it. */
  private readonly ack: number[];
  /** When the caller last looked at each worker (ms), at its runtime or its heartbeat (see HEARTBEAT). */
  private readonly lookedAt: number[];
  /** Each worker's heartbeat as last seen, and for how long (ms of the caller's own running) it has stood still. */
  private readonly beatSeen: number[];
  private readonly silentMs: number[];
  private readonly j32: Int32Array;
  private readonly jf: Float64Array;
  private readonly args = new Float64Array(MAX_ARGS);
  private readonly block = canBlock();
  private readonly spinMs: number;
  /** True where the runtime can say synchronously that a worker ended (Node); else the heartbeat decides. */
  private readonly exact: boolean;
  private stopped = false;
  /** Workers found ended, and how. */
  private readonly ended: (string | undefined)[] = [];
  /** Why the pool is dead (a worker ended): from then on every call runs on the calling thread alone. */
  private deadWhy: string | undefined;
  /** Called once when a worker is found dead (index.ts prints its notice and drops the pool). */
  onDead: ((why: string) => void) | undefined;
  /** Whether split calls may fall back to the calling thread while the workers do not pay (see Governor). */
  readonly governor = new Governor();
  /** Tests only: the calling thread takes no chunk, so the workers run every one. */
  workersOnly = false;

  private constructor(private readonly workers: Spawned[], controls: SharedArrayBuffer[], job: SharedArrayBuffer,
    private readonly scratch: number[], private readonly heap: Heap, readonly names: readonly string[], options: PoolOptions) {
    this.own = controls.map((c) => new Int32Array(c));
    this.seq = controls.map(() => 0);
    this.ack = controls.map(() => 0);
    const now = performance.now();
    this.lookedAt = controls.map(() => now);
    this.beatSeen = this.own.map((o) => Atomics.load(o, BEAT));
    this.silentMs = controls.map(() => 0);
    this.j32 = new Int32Array(job);
    this.jf = new Float64Array(job);
    this.spinMs = options.spinMs ?? SPIN_MS;
    this.exact = !options.heartbeat && workers.every((w) => typeof w.performance?.eventLoopUtilization === 'function');
    // Node reads a worker's loop start time on the first call and answers zeros until it has one: ask once now,
    // while every worker runs, so that later answers are its idle time (-1 once it ended)
    if (this.exact) for (const w of workers) w.performance?.eventLoopUtilization();
    // (heartbeat: true, as in browsers, where a terminated worker sends no event)
    workers.forEach((w, i) => w.watch((why) => this.died(i, why), !options.heartbeat));
  }

  /** Workers beside the calling thread. */
  get size(): number { return this.workers.length; }

  /** Chunks the workers have run since the pool started. */
  get workerChunks(): number { return Atomics.load(this.j32, WORKER_CHUNKS); }

  /** False once a worker has been found dead, or the pool stopped. */
  get alive(): boolean { return !this.stopped && this.deadWhy === undefined; }

  /** Why the pool died, if it did. */
  get deadReason(): string | undefined { return this.deadWhy; }

  /** Chunks of the current (or last) job that threads have taken so far, or more (tests). */
  get claimed(): number { return Atomics.load(this.j32, NEXT); }

  /** Tests only: the Worker object of worker `i` (to end it from outside). */
  handle(i: number): WorkerLike { return this.workers[i]; }

  /**
   * Starts `count` workers on the backend's module and shared memory, each with its own gemm scratch from
   * `heap`; a waiting thread spins for `spinMs` before it sleeps. Rejects (and stops what it started) if any
   * worker fails to start.
   */
  static async start(backend: WasmBackend, heap: Heap, count: number, names: readonly string[], spinMs: number | PoolOptions = SPIN_MS): Promise<ThreadPool> {
    const options = typeof spinMs === 'number' ? { spinMs } : spinMs;
    const bytes = backend.direct.gemm_scratch_bytes();
    const scratch: number[] = [];
    const workers: Spawned[] = [];
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
        // a heartbeat while idle only where the runtime cannot say that a worker ended (see HEARTBEAT)
        const beatMs = !options.heartbeat && typeof w.performance?.eventLoopUtilization === 'function' ? 0 : HEARTBEAT.beatMs;
        w.postMessage({ module: backend.module, memory: backend.wasmMemory, control, job, names, scratch: Math.ceil(ptr / 64) * 64,
          spinMs: options.spinMs ?? SPIN_MS, beatMs });
      }
      await Promise.all(workers.map((w) => w.onReady));
    } catch (e) {
      for (const w of workers) w.terminate();
      for (const p of scratch) heap.release(p);
      throw e;
    }
    return new ThreadPool(workers, controls, job, scratch, heap, names, options);
  }

  /**
   * Runs kernel `fn` (an index into names; `self` is this thread's own instance of it) over `total` units in
   * chunks, on every worker and this thread: the first `big` chunks of `chunk` units, the rest of `small` units
   * (by default all of `chunk`). A chunk's argument i is base[i] + lo·delta[i], and argument `countAt` its unit
   * count. Returns when every chunk is done: 0 if a chunk's kernel returned 0, else 1 (so a split f32_all_finite
   * is the AND of its chunks); throws if one threw on a worker, or if a worker ended before its chunks were done.
   * A pool that is stopped or dead, or whose governor says the workers do not pay just now, runs the whole call
   * on this thread in one kernel call (the chunks' arithmetic, the same bits).
   */
  run(fn: number, self: (...a: number[]) => unknown, base: ArrayLike<number>, delta: ArrayLike<number>, countAt: number,
    total: number, chunk: number, big = Infinity, small = chunk): number {
    const t0 = performance.now();
    const workers = this.stopped || this.deadWhy !== undefined ? 0 : this.workers.length;
    if (workers === 0) return this.alone(fn, self, base, countAt, total);
    const adaptive = tuning.adaptive && !this.workersOnly;
    if (adaptive && this.governor.solo(t0)) {
      this.lookAtSleeping(t0);
      const r = this.alone(fn, self, base, countAt, total);
      const now = performance.now();
      this.governor.recordAlone(callKey(fn, total, base), now - t0, now);
      return r;
    }
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
    const before = Atomics.load(j32, WORKER_CHUNKS);
    Atomics.store(j32, NEXT, 0);
    for (let w = 0; w < workers; w++) this.post(w);
    const a = this.args;
    let mine: unknown;
    let myChunks = 0;
    for (let q: number; !this.workersOnly && (q = Atomics.add(j32, NEXT, 1)) < chunks;) {
      const lo = q < big ? q * chunk : big * chunk + (q - big) * small;
      for (let i = 0; i < MAX_ARGS; i++) a[i] = jf[F64_BASE + i] + lo * jf[F64_DELTA + i];
      a[countAt] = Math.min(total, lo + (q < big ? chunk : small)) - lo;
      myChunks++;
      try {
        if (self(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16],
          a[17], a[18], a[19]) === 0) j32[ZERO] = 1;
      } catch (e) {
        mine = e;
      }
    }
    const t1 = performance.now();
    let lost: string | undefined;
    for (let w = 0; w < workers; w++) {
      // every chunk is taken: a worker that has not taken the job by now has no part in it
      if (!this.workersOnly && this.settle(w, t1)) continue;
      const why = this.wait(w, t1 - t0, () => myChunks + Atomics.load(j32, WORKER_CHUNKS) - before >= chunks);
      if (why !== undefined) lost ??= why;
    }
    if (this.deadWhy !== undefined) lost ??= this.deadWhy;
    if (lost !== undefined) {
      this.stop();
      this.onDead?.(lost);
      // the work a dead worker took is not done: the call fails (the next ones run on this thread)
      if (myChunks + Atomics.load(j32, WORKER_CHUNKS) - before < chunks) {
        throw new NeuriteError(`neurite kernel ${this.names[fn]} failed: ${lost} before finishing its chunks; ` +
          'later calls run on one thread (nn.ready({ threads }) starts new workers)');
      }
    } else if (adaptive) {
      const now = performance.now();
      this.governor.record(now - t0, this.governor.aloneTime(callKey(fn, total, base)), now);
    }
    // a kernel that throws on any thread (a wasm trap: an argument no caller should pass) fails the whole call alike
    const failed = j32[FAILED];
    if (failed || mine !== undefined) {
      const why = mine instanceof Error ? `: ${mine.message}` : ' on a worker thread';
      throw new NeuriteError(`neurite kernel ${this.names[fn]} failed${why}`);
    }
    return 1 - j32[ZERO];
  }

  /** The whole call on this thread: the kernel once, with the base arguments and the full count. */
  private alone(fn: number, self: (...a: number[]) => unknown, base: ArrayLike<number>, countAt: number, total: number): number {
    const a = this.args;
    for (let i = 0; i < MAX_ARGS; i++) a[i] = i < base.length ? base[i] : 0;
    a[countAt] = total;
    let r: unknown;
    try {
      r = self(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16],
        a[17], a[18], a[19]);
    } catch (e) {
      throw new NeuriteError(`neurite kernel ${this.names[fn]} failed: ${(e as Error)?.message ?? e}`);
    }
    return r === 0 ? 0 : 1;
  }

  /**
   * Settles the current job without worker `w` if it has not taken it (true), else leaves it to wait for (false).
   * A worker that has not taken the job is looked at, at most every CHECK_MS: in Node the runtime says whether it
   * ended; elsewhere its heartbeat does (see HEARTBEAT).
   */
  private settle(w: number, now: number): boolean {
    const own = this.own[w], s = this.seq[w];
    const prev = this.ack[w];
    if (Atomics.compareExchange(own, ACK, prev, ~s) !== prev) {
      this.ack[w] = s;
      return false;
    }
    this.ack[w] = ~s;
    if (now - this.lookedAt[w] >= CHECK_MS) {
      const why = this.look(w, now, 0);
      if (why !== undefined) this.markEnded(w, why);
    }
    return true;
  }

  /**
   * Looks at worker `w` at time `now`: returns why it is taken for dead, if it is. Where only the heartbeat tells,
   * that is once it has stood still for more than SILENT_MS + `allowanceMs` of the caller's own running time.
   */
  private look(w: number, now: number, allowanceMs: number): string | undefined {
    const gap = Math.min(now - this.lookedAt[w], HEARTBEAT.stallMs);
    this.lookedAt[w] = now;
    const ended = this.endedWhy(w);
    if (ended !== undefined || this.exact) return ended;
    const beat = Atomics.load(this.own[w], BEAT);
    if (beat !== this.beatSeen[w]) {
      this.beatSeen[w] = beat;
      this.silentMs[w] = 0;
      return undefined;
    }
    this.silentMs[w] += Math.max(0, gap);
    return this.silentMs[w] > HEARTBEAT.silentMs + allowanceMs ? `gave no sign of life for ${Math.round(this.silentMs[w])} ms` : undefined;
  }

  /**
   * While the calls stay on this thread (see Governor), the workers, asleep, are still looked at every CHECK_MS;
   * one found dead stops the pool, with its notice.
   */
  private lookAtSleeping(now: number): void {
    for (let w = 0; w < this.workers.length && this.deadWhy === undefined; w++) {
      if (now - this.lookedAt[w] < CHECK_MS) continue;
      const why = this.look(w, now, 0);
      if (why === undefined) continue;
      this.markEnded(w, why);
      this.stop();
      this.onDead?.(this.deadWhy!);
    }
  }

  /** Why worker `w` ended, if the worker or the runtime says so (not the heartbeat). */
  private endedWhy(w: number): string | undefined {
    if (Atomics.load(this.own[w], EXIT) !== 0) return 'failed';
    if (!this.exact) return undefined;
    const worker = this.workers[w];
    if (worker.threadId === -1 || (worker.performance as NonNullable<WorkerLike['performance']>).eventLoopUtilization().idle < 0) return 'ended';
    return undefined;
  }

  /** Notes, during a call, that worker `w` ended; run() stops the pool once its other workers are done. */
  private markEnded(w: number, why: string): void {
    this.ended[w] = why;
    this.deadWhy ??= this.describe(w, why);
    if (!this.exact) this.workers[w].terminate();
  }

  /** Hands the current job to worker `w`. */
  post(w: number): void {
    const own = this.own[w];
    const s = (this.seq[w] = (this.seq[w] + 1) | 0);
    Atomics.store(own, SEQ, s);
    Atomics.notify(own, SEQ);
  }

  /**
   * Waits until worker `w` has no more of the current job to do, or is found dead (then returns why, having
   * stopped the pool). `ownMs` is the time this thread took for its own chunks (the heartbeat's allowance
   * grows with it); `complete` says whether every chunk of the job is done.
   */
  private wait(w: number, ownMs: number, complete: () => boolean): string | undefined {
    const own = this.own[w], s = this.seq[w];
    let done = Atomics.load(own, DONE);
    if (done === s) return undefined;
    const until = performance.now() + this.spinMs;
    for (let k = 1; (done = Atomics.load(own, DONE)) !== s; k++) if ((k & 1023) === 0 && performance.now() > until) break;
    if (done === s) return undefined;
    const t0 = performance.now();
    let next = t0 + CHECK_MS;
    const allowance = 4 * ownMs;
    while ((done = Atomics.load(own, DONE)) !== s) {
      // a blocked wait is sliced at CHECK_MS, so that a dead worker is seen within that
      if (this.block) Atomics.wait(own, DONE, done, CHECK_MS);
      const now = performance.now();
      if (now < next) continue;
      next = now + CHECK_MS;
      if (this.ended[w] !== undefined) return this.deadWhy;
      if (Atomics.load(own, DONE) === s) break;
      const why = this.look(w, now, allowance);
      if (why !== undefined) {
        this.markEnded(w, why);
        return this.deadWhy;
      }
      if (now - t0 > CALL_TIMEOUT_MS && !complete()) {
        throw new NeuriteError(`neurite thread ${w + 1} did not finish ${this.names[this.j32[FN]]} within ${CALL_TIMEOUT_MS / 1000} s`);
      }
    }
    return undefined;
  }

  private describe(w: number, why: string): string {
    return `neurite worker thread ${w + 1} of ${this.workers.length} ${why}`;
  }

  /**
   * Worker `w` ended, as its runtime reports between calls ('exit', 'error'): the pool stops, says why once,
   * and calls run on this thread.
   */
  private died(w: number, why: string): void {
    this.ended[w] ??= why;
    if (this.stopped || this.deadWhy !== undefined) return;
    this.deadWhy = this.describe(w, why);
    this.stop();
    this.onDead?.(this.deadWhy);
  }

  /** Tests only: makes every worker's program fail, as a fault in it would; returns once each said so. */
  failWorkers(): void {
    this.j32[FN] = DIE;
    for (let w = 0; w < this.workers.length; w++) this.post(w);
    const until = performance.now() + START_TIMEOUT_MS;
    for (const own of this.own) while (Atomics.load(own, EXIT) === 0 && performance.now() < until) Atomics.wait(own, DONE, Atomics.load(own, DONE), 1);
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
