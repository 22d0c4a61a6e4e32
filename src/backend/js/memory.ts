import type { LinearMemory } from '../types';

const PAGE = 65536;

/**
 * The js backend's linear memory: an ArrayBuffer laid out like wasm memory. Growing replaces the buffer
 * (contents copied) and the views, exactly as a wasm memory.grow detaches old views.
 */
export class JsMemory implements LinearMemory {
  buffer: ArrayBuffer;
  F32: Float32Array;
  I32: Int32Array;
  readonly base = 16;
  constructor(bytes = PAGE) {
    this.buffer = new ArrayBuffer(bytes);
    this.F32 = new Float32Array(this.buffer);
    this.I32 = new Int32Array(this.buffer);
  }
  /** The kernels index the views with `ptr >> 2`, which holds below 2 GiB. */
  readonly maxBytes = 2 ** 31;
  get byteLength(): number { return this.buffer.byteLength; }
  ensure(bytes: number, limit = this.maxBytes): boolean {
    if (bytes <= this.buffer.byteLength) return true;
    const max = Math.min(limit, this.maxBytes);
    if (bytes > max) return false;
    let next: ArrayBuffer | undefined;
    for (const want of [Math.max(bytes, this.buffer.byteLength * 1.5), bytes]) {
      try {
        next = new ArrayBuffer(Math.max(bytes, Math.min(max - (max % PAGE), Math.ceil(want / PAGE) * PAGE)));
        break;
      } catch {
        // RangeError: the runtime refused this size
      }
    }
    if (!next) return false;
    new Uint8Array(next).set(new Uint8Array(this.buffer));
    this.buffer = next;
    this.F32 = new Float32Array(next);
    this.I32 = new Int32Array(next);
    return true;
  }
  f32(): Float32Array { return this.F32; }
  i32(): Int32Array { return this.I32; }
}
