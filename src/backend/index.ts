import { checkName, NeuriteError } from '../errors';
import { Heap } from '../memory/heap';
import { createJsBackend } from './js/index';
import type { Backend } from './types';
import { createWasmBackend, createWasmBackendSync, wasmSimdSupported } from './wasm';

export type BackendName = 'wasm' | 'js';
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'js'];

/** A backend with its allocator: what models plan their arenas in. */
export interface Runtime {
  readonly backend: Backend;
  readonly heap: Heap;
}

const runtimes = new Map<BackendName, Runtime>();
let current: Runtime | undefined;
let noticeShown = false;

function make(backend: Backend): Runtime {
  const rt = { backend, heap: new Heap(backend.memory) };
  runtimes.set(backend.name, rt);
  return rt;
}

function fallbackNotice(): void {
  if (noticeShown) return;
  noticeShown = true;
  console.warn('neurite: WebAssembly SIMD is not available here; using the js backend.');
}

async function load(name: BackendName): Promise<Runtime> {
  const have = runtimes.get(name);
  if (have) return have;
  if (name === 'js') return make(createJsBackend());
  if (!wasmSimdSupported()) throw new NeuriteError('the wasm backend needs WebAssembly SIMD, which this runtime lacks');
  return make(await createWasmBackend());
}

/**
 * Prepares a backend: `wasm` where WebAssembly SIMD exists, else `js` (with one console notice).
 * Resolves to the backend's name.
 *
 * @example
 * await nn.ready();             // 'wasm' in Node 20 and current browsers
 * await nn.ready({ backend: 'js' });
 */
export async function ready(options: { backend?: BackendName } = {}): Promise<BackendName> {
  if (options.backend !== undefined) return setBackend(options.backend);
  if (current) return current.backend.name;
  if (wasmSimdSupported()) current = await load('wasm');
  else { fallbackNotice(); current = await load('js'); }
  return current.backend.name;
}

/**
 * Switches the backend that models use from now on. Models built on another backend move their weights
 * over on their next call.
 *
 * @example
 * await nn.setBackend('js');
 */
export async function setBackend(name: BackendName): Promise<BackendName> {
  checkName('backend', name, BACKEND_NAMES);
  current = await load(name);
  return name;
}

/** The name of the current backend ('wasm' or 'js'); prepares the default one if none is yet. */
export function getBackend(): BackendName {
  return runtime().backend.name;
}

/**
 * The current runtime. Without a prior `ready()`, the default backend is created synchronously, which
 * Node and workers allow; a browser's main thread must `await nn.ready()` first.
 */
export function runtime(): Runtime {
  if (current) return current;
  if (wasmSimdSupported()) {
    try {
      current = runtimes.get('wasm') ?? make(createWasmBackendSync());
      return current;
    } catch (e) {
      throw new NeuriteError(`could not start the wasm backend synchronously (${(e as Error).message}); call await nn.ready() first`);
    }
  }
  fallbackNotice();
  current = runtimes.get('js') ?? make(createJsBackend());
  return current;
}

/** The runtime for a given backend name, creating it synchronously if needed (tests, benchmarks). */
export function runtimeFor(name: BackendName): Runtime {
  const have = runtimes.get(name);
  if (have) return have;
  return make(name === 'js' ? createJsBackend() : createWasmBackendSync());
}
