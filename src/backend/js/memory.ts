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
  get byteLength(): number { return this.buffer.byteLength; }
  ensure(bytes: number): void {
    if (bytes <= this.buffer.byteLength) return;
    const size = Math.ceil(Math.max(bytes, this.buffer.byteLength * 1.5) / PAGE) * PAGE;
    const next = new ArrayBuffer(size);
    new Uint8Array(next).set(new Uint8Array(this.buffer));
    this.buffer = next;
    this.F32 = new Float32Array(next);
    this.I32 = new Int32Array(next);
  }
  f32(): Float32Array { return this.F32; }
  i32(): Int32Array { return this.I32; }
}
