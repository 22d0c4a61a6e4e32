import type { Backend, Kernels, LinearMemory } from './types';
import { WASM_HEX } from './wasm-bytes';

const PAGE = 65536;

function decodeHex(s: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}

let bytes: Uint8Array<ArrayBuffer> | undefined;
function wasmBytes(): Uint8Array<ArrayBuffer> {
  return (bytes ??= decodeHex(WASM_HEX));
}

const imports = (memory: WebAssembly.Memory) => ({
  env: {
    memory,
    abort(_msg: number, _file: number, line: number, col: number): never {
      throw new Error(`neurite wasm kernel aborted at ${line}:${col}`);
    },
  },
});

/** The module's memory import (env.memory) is declared shared, with this maximum (pages). */
export const MAX_PAGES = 65536;

/**
 * True where a shared WebAssembly.Memory can be made: Node, workers and cross-origin isolated pages. Elsewhere
 * the module is loaded with its memory import patched to unshared, and neurite runs on one thread.
 */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

// The import entry "env" "memory" (kind 2); the limits flags byte follows it: 3 = shared with a maximum.
const MEMORY_IMPORT = [3, 101, 110, 118, 6, 109, 101, 109, 111, 114, 121, 2];

/** The module bytes with the memory import's shared flag cleared (1 = unshared with a maximum). */
function unshared(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  for (let i = 8; i + MEMORY_IMPORT.length < bytes.length; i++) {
    if (MEMORY_IMPORT.every((b, j) => bytes[i + j] === b)) {
      const out = bytes.slice();
      out[i + MEMORY_IMPORT.length] &= ~2;
      return out;
    }
  }
  throw new Error('neurite: the wasm module has no env.memory import');
}

/** A tiny SIMD module (v128.const; i32x4.extract_lane) to test support without compiling the kernels. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 10, 25, 1, 23, 0, 253, 12, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 27, 0, 11,
]);

/**
 * True when this runtime can compile WebAssembly with SIMD (checked with a 46-byte probe module, not the
 * kernels), so nn.ready() will choose the wasm backend.
 *
 * @example
 * if (!nn.wasmSimdSupported()) console.log('training on the js backend');
 */
export function wasmSimdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

class WasmMemory implements LinearMemory {
  private f32View: Float32Array;
  private i32View: Int32Array;
  readonly base: number;
  constructor(private readonly mem: WebAssembly.Memory, heapBase: number) {
    this.base = Math.ceil(heapBase / 16) * 16;
    this.f32View = new Float32Array(mem.buffer);
    this.i32View = new Int32Array(mem.buffer);
  }
  readonly maxBytes = MAX_PAGES * PAGE;
  get byteLength(): number { return this.mem.buffer.byteLength; }
  ensure(bytes: number, limit = this.maxBytes): boolean {
    const have = this.mem.buffer.byteLength;
    if (bytes <= have) return true;
    const max = Math.min(limit, this.maxBytes);
    if (bytes > max) return false;
    // grow by half again when the runtime allows it, else by just what is asked (a runtime may refuse growth
    // well below the 4 GiB maximum)
    for (const want of [Math.min(max - (max % PAGE), Math.max(bytes, Math.floor(have * 1.5))), bytes]) {
      try {
        this.mem.grow(Math.ceil((want - have) / PAGE));
        return true;
      } catch {
        // RangeError: refused; try the smaller size, then give up
      }
    }
    return false;
  }
  // A grown memory has a new buffer (an unshared one detaches the old, whose views then have length 0; a
  // shared one leaves the old at its old length). Re-create the views when that happened.
  f32(): Float32Array {
    if (this.f32View.buffer !== this.mem.buffer) this.f32View = new Float32Array(this.mem.buffer);
    return this.f32View;
  }
  i32(): Int32Array {
    if (this.i32View.buffer !== this.mem.buffer) this.i32View = new Int32Array(this.mem.buffer);
    return this.i32View;
  }
}

/** The wasm backend: its module and memory, which thread workers instantiate again over the same memory. */
export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  readonly module: WebAssembly.Module;
  readonly wasmMemory: WebAssembly.Memory;
  readonly shared: boolean;
  /** This thread's instance exports; `kernels` is the same object, or the thread pool's splitting kernels. */
  readonly direct: WasmExports;
  kernels: Kernels;
}

export type WasmExports = Kernels & {
  heap_base(): number;
  gemm_scratch_bytes(): number;
  gemm_set_scratch(ptr: number): void;
};

function makeMemory(shared: boolean): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
}

function fromInstance(module: WebAssembly.Module, memory: WebAssembly.Memory, shared: boolean, instance: WebAssembly.Instance): WasmBackend {
  const exp = instance.exports as unknown as WasmExports;
  // this thread's gemm scratch sits just above the static data; the allocator's heap starts after it
  const scratch = Math.ceil(exp.heap_base() / 64) * 64;
  const mem = new WasmMemory(memory, scratch + exp.gemm_scratch_bytes());
  if (!mem.ensure(mem.base)) throw new Error('neurite: could not grow the wasm memory to its static data');
  exp.gemm_set_scratch(scratch);
  return { name: 'wasm', kernels: exp, direct: exp, memory: mem, module, wasmMemory: memory, shared };
}

function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return shared ? wasmBytes() : unshared(wasmBytes());
}

/** Instantiates the wasm backend (async: works everywhere, including a browser's main thread). */
export async function createWasmBackend(): Promise<WasmBackend> {
  const shared = sharedMemorySupported();
  const module = await WebAssembly.compile(moduleBytes(shared));
  const memory = makeMemory(shared);
  return fromInstance(module, memory, shared, await WebAssembly.instantiate(module, imports(memory)));
}

/** Synchronous instantiation: fine in Node and in workers; browsers refuse it on the main thread. */
export function createWasmBackendSync(): WasmBackend {
  const shared = sharedMemorySupported();
  const module = new WebAssembly.Module(moduleBytes(shared));
  const memory = makeMemory(shared);
  return fromInstance(module, memory, shared, new WebAssembly.Instance(module, imports(memory)));
}
