import { checkName, NeuriteError, ValueError } from '../errors';
import { Heap } from '../memory/heap';
import { Residency } from '../memory/residency';
import { isNode, nodeImport } from '../platform';
import { createJsBackend } from './js/index';
import { parallelKernels, THREAD_KERNELS } from './parallel';
import { SHORT_SPIN_MS, ThreadPool } from './threads';
import type { Backend } from './types';
import { createWasmBackend, createWasmBackendSync, wasmSimdSupported, type WasmBackend } from './wasm';

/**
 * A backend: 'wasm' (the AssemblyScript kernels, f32x4 SIMD) or 'js' (the same kernels in plain TypeScript, a
 * fallback and a reference).
 *
 * @example
 * const name: nn.BackendName = await nn.ready();
 */
export type BackendName = 'wasm' | 'js';
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'js'];

/** A backend with its allocator and its resident models: what models plan their arenas in. */
export interface Runtime {
  readonly backend: Backend;
  readonly heap: Heap;
  readonly residency: Residency;
}

const runtimes = new Map<BackendName, Runtime>();
let current: Runtime | undefined;
let noticeShown = false;
/** Why the wasm backend could not be made here (a CSP without 'wasm-unsafe-eval', a broken runtime): asked once. */
let wasmFailure: NeuriteError | undefined;

/** nn.ready({ maxMemoryBytes }): the cap on every backend's linear memory, Infinity for none. */
let memoryCap = Infinity;

function make(backend: Backend): Runtime {
  const heap = new Heap(backend.memory);
  heap.limit = memoryCap;
  const rt = { backend, heap, residency: new Residency(heap) };
  runtimes.set(backend.name, rt);
  return rt;
}

function fallbackNotice(why = 'WebAssembly SIMD is not available here'): void {
  if (noticeShown) return;
  noticeShown = true;
  console.warn(`neurite: ${why}; using the js backend.`);
}

/** The error for a wasm module this runtime refused to compile or instantiate, naming the CSP source it needs. */
function wasmRefused(e: unknown): NeuriteError {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new NeuriteError(`the wasm backend could not be compiled or instantiated here (${message}); ` +
    "if a Content-Security-Policy blocks WebAssembly, allow it with script-src 'wasm-unsafe-eval'");
}

async function load(name: BackendName): Promise<Runtime> {
  const have = runtimes.get(name);
  if (have) return have;
  if (name === 'js') return make(createJsBackend());
  if (!wasmSimdSupported()) throw new NeuriteError('the wasm backend needs WebAssembly SIMD, which this runtime lacks');
  if (wasmFailure) throw wasmFailure;
  let backend: WasmBackend;
  try {
    backend = await createWasmBackend();
  } catch (e) {
    throw (wasmFailure = wasmRefused(e));
  }
  return make(backend);
}

/**
 * The default backend: wasm where WebAssembly SIMD exists and the module compiles, else js with one console
 * notice (a page whose Content-Security-Policy lacks 'wasm-unsafe-eval' refuses to compile it).
 */
async function loadDefault(): Promise<Runtime> {
  if (!wasmSimdSupported()) {
    fallbackNotice();
    return load('js');
  }
  try {
    return await load('wasm');
  } catch (e) {
    fallbackNotice((e as Error).message);
    return load('js');
  }
}

/**
 * What nn.ready takes; every field is optional. A bad value is a ValueError (UnknownNameError for a backend name).
 *
 * @example
 * await nn.ready({ backend: 'wasm', threads: 'auto', maxMemoryBytes: 512 * 2 ** 20 });
 */
export interface ReadyOptions {
  /**
   * 'wasm' (the default where WebAssembly SIMD exists; NeuriteError where it does not) or 'js'. Default: the
   * current backend, or wasm if available, else js with one console notice.
   */
  backend?: BackendName;
  /**
   * Threads for the wasm backend's kernels, the calling thread included: a count, or 'auto' for every core
   * the runtime reports. 1 parks the workers: they sleep (in browsers waking 10 times a second to show they live,
   * a few microseconds each), until a later ready({ threads }) asks
   * for the same count again and wakes them (another count starts new ones; nn.shutdown() ends them). Without
   * shared memory (a page that is not cross-origin isolated) neurite stays on one thread and says so once.
   * An integer from 1 to 256 or 'auto'; default: unchanged (1 until asked).
   */
  threads?: 'auto' | number;
  /**
   * A cap, in bytes, on the linear memory of every backend (wasm and js), below the engine's own limits (4 GiB
   * for wasm32, 2 GiB for js, or less where the runtime refuses to grow). When an allocation would pass it,
   * neurite evicts the least recently used models that are not in a call (their weights and optimizer state
   * stay on the JS heap and come back on their next call) and tries again; when that is not enough, the call
   * throws a MemoryError. Memory already grown is not given back (wasm memory cannot shrink): blocks past
   * the cap are not handed out again. An integer ≥ 1048576 (1 MiB), or `Infinity`, which removes the cap;
   * default: unchanged (no cap until set).
   */
  maxMemoryBytes?: number;
}

/**
 * Prepares a backend: `wasm` where WebAssembly SIMD exists, else `js` (with one console notice), and
 * optionally a pool of threads for the wasm kernels. Resolves to the backend's name.
 *
 * @example
 * await nn.ready();             // 'wasm' in Node 20 and current browsers
 * await nn.ready({ backend: 'js' });
 * await nn.ready({ threads: 'auto' }); nn.getThreads(); // 2 on a 2-core machine
 */
export async function ready(options: ReadyOptions = {}): Promise<BackendName> {
  if (options === null || typeof options !== 'object') throw new ValueError(`ready: options must be an object, got ${options}`);
  const { threads, maxMemoryBytes } = options;
  if (threads !== undefined) checkThreads('ready', threads);
  if (maxMemoryBytes !== undefined) {
    if (typeof maxMemoryBytes !== 'number' || !(maxMemoryBytes === Infinity || (Number.isSafeInteger(maxMemoryBytes) && maxMemoryBytes >= 2 ** 20))) {
      throw new ValueError(`ready: maxMemoryBytes must be an integer number of bytes ≥ 1048576 (1 MiB), or Infinity, got ${JSON.stringify(maxMemoryBytes) ?? String(maxMemoryBytes)}`);
    }
    memoryCap = maxMemoryBytes;
    for (const rt of runtimes.values()) rt.heap.limit = memoryCap;
  }
  if (options.backend !== undefined) await setBackend(options.backend);
  else if (!current) current = await loadDefault();
  if (threads !== undefined) await setThreads(threads);
  return current!.backend.name;
}

// ---- threads (src/backend/threads.ts, parallel.ts) ----

/** Throws ValueError unless `threads` is 'auto' or an integer from 1 to 256. */
export function checkThreads(where: string, threads: unknown): asserts threads is 'auto' | number {
  if (threads !== 'auto' && !(Number.isInteger(threads) && (threads as number) >= 1 && (threads as number) <= 256)) {
    throw new ValueError(`${where}: threads must be 'auto' or an integer from 1 to 256, got ${JSON.stringify(threads)}`);
  }
}

/** The worker pool, running or parked. */
let pool: ThreadPool | undefined;
/** Set aside by ready({ threads: 1 }): its workers sleep until the same count is asked for again. */
let parked = false;
let isolationNotice = false;

async function availableCores(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (typeof __NEURITE_BROWSER__ === 'undefined' && isNode()) {
    const os = await nodeImport<typeof import('node:os')>('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** Thread changes run one after another, so that two ready({ threads }) at once never start two pools. */
let threadsQueue: Promise<void> = Promise.resolve();

function setThreads(threads: 'auto' | number): Promise<void> {
  threadsQueue = threadsQueue.then(() => changeThreads(threads));
  return threadsQueue;
}

async function changeThreads(threads: 'auto' | number): Promise<void> {
  const cores = await availableCores();
  const want = threads === 'auto' ? cores : threads;
  // a pool whose worker died is gone: asking for threads again starts a fresh one
  if (pool && !pool.alive) stopPool();
  if (want === (pool && !parked ? pool.size + 1 : 1)) return;
  if (want === 1) {
    // park the running pool: its workers finish spinning and sleep (ThreadPool's SPIN_MS)
    parked = true;
    useKernels(undefined);
    return;
  }
  if (pool && pool.size + 1 === want) {
    parked = false;
    useKernels(pool);
    return;
  }
  stopPool();
  const rt = runtimes.get('wasm') ?? (wasmSimdSupported() ? await load('wasm').catch(() => undefined) : undefined);
  if (!rt) return; // no wasm (no SIMD, or a module this runtime refuses): the js backend runs on one thread
  const backend = rt.backend as WasmBackend;
  if (!backend.shared) {
    if (!isolationNotice) {
      isolationNotice = true;
      console.warn('neurite: threads need shared memory, which this page lacks: serve it cross-origin isolated ' +
        '(Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp); running on one thread.');
    }
    return;
  }
  try {
    // more threads than cores: waiting threads sleep sooner, so that those with work get the cores
    const started = await ThreadPool.start(backend, rt.heap, want - 1, THREAD_KERNELS, want > cores ? SHORT_SPIN_MS : undefined);
    started.onDead = (why) => {
      console.warn(`${why}; running on one thread until nn.ready({ threads }) starts new workers.`);
      if (pool === started) useKernels(undefined);
    };
    pool = started;
    useKernels(pool);
  } catch (e) {
    console.warn(`neurite: could not start ${want - 1} worker thread(s) (${(e as Error).message}); running on one thread.`);
  }
}

/** Points the wasm backend's kernels at `p`'s splitting kernels, or at its own instance without a pool. */
function useKernels(p: ThreadPool | undefined): void {
  const wasm = runtimes.get('wasm')?.backend as WasmBackend | undefined;
  if (wasm) wasm.kernels = p ? parallelKernels(wasm.direct, p) : wasm.direct;
}

function stopPool(): void {
  pool?.stop();
  pool = undefined;
  parked = false;
  useKernels(undefined);
}

/**
 * Threads the current backend's kernels run on, the calling thread included: 1 unless ready({ threads }) started
 * more, and always 1 on the js backend (the pool serves the wasm backend; it resumes when you switch back).
 *
 * @example
 * await nn.ready({ threads: 2 });
 * nn.getThreads();   // 2 (1 where shared memory is unavailable)
 */
export function getThreads(): number {
  return pool?.alive && !parked && current?.backend.name === 'wasm' ? pool.size + 1 : 1;
}

/**
 * Stops neurite's worker threads, running or parked by ready({ threads: 1 }); kernels run on the calling thread
 * from then on. A Node script need not call it to exit (the workers never keep the process alive); it frees
 * them early. Calling it with no pool does nothing.
 *
 * @example
 * await nn.ready({ threads: 'auto' });
 * // ... train ...
 * nn.shutdown();   // nn.getThreads() is 1 again
 */
export function shutdown(): void {
  stopPool();
}

/**
 * Switches the backend that models use from now on, preparing it if needed; resolves to its name. Models built
 * on another backend move their weights over on their next call (a model in a fit stays until the fit ends).
 * UnknownNameError for a name other than 'wasm' or 'js'; NeuriteError for 'wasm' without WebAssembly SIMD.
 *
 * @example
 * await nn.setBackend('js');
 */
export async function setBackend(name: BackendName): Promise<BackendName> {
  checkName('backend', name, BACKEND_NAMES);
  current = await load(name);
  return name;
}

/**
 * What nn.memory() reports; all sizes in bytes.
 *
 * @example
 * const info: nn.MemoryInfo = nn.memory('wasm');
 * console.log(`${info.residentModels} models, ${info.residentBytes} of ${info.memoryBytes} bytes`);
 */
export interface MemoryInfo {
  /** The backend these figures are for. */
  backend: BackendName;
  /** The size of its linear memory now (the wasm memory, for 'wasm'); it never shrinks. */
  memoryBytes: number;
  /** The most it may grow to: the engine's limit or nn.ready({ maxMemoryBytes }). */
  limitBytes: number;
  /** Bytes handed out by the allocator (models, their data in a call, thread scratch). */
  usedBytes: number;
  /** Bytes held by resident models: parameters, gradients, optimizer state, activations, staged data. */
  residentBytes: number;
  /** Models whose state is in linear memory now. */
  residentModels: number;
  /** Models evicted to make room since the backend started (their state went to the JS heap). */
  evictions: number;
}

/**
 * Memory figures for a backend (default: the current one): its linear memory's size, what resident models
 * hold in it, and how many evictions made room.
 *
 * @example
 * const { memoryBytes, residentModels, evictions } = nn.memory();
 */
export function memory(backend?: BackendName): MemoryInfo {
  const rt = backend === undefined ? runtime() : runtimeFor(checkName('backend', backend, BACKEND_NAMES));
  return {
    backend: rt.backend.name, memoryBytes: rt.backend.memory.byteLength, limitBytes: rt.heap.capacity,
    usedBytes: rt.heap.used, residentBytes: rt.residency.residentBytes, residentModels: rt.residency.count,
    evictions: rt.residency.evictions,
  };
}

/**
 * The name of the current backend ('wasm' or 'js'); prepares the default one if none is yet (synchronously:
 * a browser's main thread must `await nn.ready()` first).
 *
 * @example
 * nn.getBackend();   // 'wasm'
 */
export function getBackend(): BackendName {
  return runtime().backend.name;
}

/**
 * The current runtime. Without a prior `ready()`, the default backend is created synchronously, which
 * Node and workers allow; a browser's main thread must `await nn.ready()` first.
 */
export function runtime(): Runtime {
  if (current) return current;
  if (wasmSimdSupported() && !wasmFailure) {
    try {
      current = runtimes.get('wasm') ?? make(createWasmBackendSync());
      return current;
    } catch (e) {
      // a browser's main thread refuses to compile a large module synchronously (a RangeError): ready() can;
      // any other refusal (a CompileError under a CSP without 'wasm-unsafe-eval') falls back to js
      if (e instanceof RangeError) {
        throw new NeuriteError(`could not start the wasm backend synchronously (${e.message}); call await nn.ready() first`);
      }
      wasmFailure = wasmRefused(e);
    }
  }
  fallbackNotice(wasmFailure?.message);
  current = runtimes.get('js') ?? make(createJsBackend());
  return current;
}

/** The runtime for a given backend name, creating it synchronously if needed (tests, benchmarks). */
export function runtimeFor(name: BackendName): Runtime {
  const have = runtimes.get(name);
  if (have) return have;
  return make(name === 'js' ? createJsBackend() : createWasmBackendSync());
}
