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

const imports = {
  env: {
    abort(_msg: number, _file: number, line: number, col: number): never {
      throw new Error(`neurite wasm kernel aborted at ${line}:${col}`);
    },
  },
};

/** A tiny SIMD module (v128.const; i32x4.extract_lane) to test support without compiling the kernels. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 10, 25, 1, 23, 0, 253, 12, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 27, 0, 11,
]);

/** True when this runtime can compile WebAssembly with SIMD. */
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
    this.base = (heapBase + 15) & ~15;
    this.f32View = new Float32Array(mem.buffer);
    this.i32View = new Int32Array(mem.buffer);
  }
  get byteLength(): number { return this.mem.buffer.byteLength; }
  ensure(bytes: number): void {
    const have = this.mem.buffer.byteLength;
    if (bytes > have) {
      const want = Math.max(bytes, Math.floor(have * 1.5));
      this.mem.grow(Math.ceil((want - have) / PAGE));
    }
  }
  // A grown memory detaches the old buffer: its views have length 0. Re-create them when that happened.
  f32(): Float32Array {
    if (this.f32View.buffer !== this.mem.buffer) this.f32View = new Float32Array(this.mem.buffer);
    return this.f32View;
  }
  i32(): Int32Array {
    if (this.i32View.buffer !== this.mem.buffer) this.i32View = new Int32Array(this.mem.buffer);
    return this.i32View;
  }
}

function fromInstance(instance: WebAssembly.Instance): Backend {
  const exp = instance.exports as unknown as Kernels & { memory: WebAssembly.Memory; heap_base(): number };
  return { name: 'wasm', kernels: exp, memory: new WasmMemory(exp.memory, exp.heap_base()) };
}

/** Instantiates the wasm backend (async: works everywhere, including a browser's main thread). */
export async function createWasmBackend(): Promise<Backend> {
  const module = await WebAssembly.compile(wasmBytes());
  return fromInstance(await WebAssembly.instantiate(module, imports));
}

/** Synchronous instantiation: fine in Node and in workers; browsers refuse it on the main thread. */
export function createWasmBackendSync(): Backend {
  return fromInstance(new WebAssembly.Instance(new WebAssembly.Module(wasmBytes()), imports));
}
