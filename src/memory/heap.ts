import { MemoryError } from '../errors';
import type { LinearMemory } from '../backend/types';

const ALIGN = 16;

/**
 * `bytes` rounded up to a multiple of 16, in plain (float64) integer arithmetic: no 32-bit bit operations, so
 * sizes of 2 GiB and more never wrap. Throws MemoryError for a size that is not a safe non-negative integer.
 */
export function alignBytes(bytes: number): number {
  if (!(Number.isSafeInteger(bytes) && bytes >= 0)) throw new MemoryError(`a memory size of ${bytes} bytes cannot be allocated`, bytes, 0);
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/** What a heap may free when it runs out: least recently used resident models (src/memory/residency.ts). */
export interface Reclaimer {
  /** Bytes that could be freed by reclaiming everything reclaimable now. */
  reclaimable(): number;
  /** Frees one reclaimable thing; false when nothing is left. */
  reclaimOne(): boolean;
}

/**
 * A first-fit allocator over a backend's linear memory. It hands out 16-byte aligned byte offsets, grows the
 * memory when it runs out, and never hands out bytes past `capacity` (the memory's own maximum, or a lower
 * `limit`). When a request does not fit, it asks its reclaimer to free memory (evicting idle models) and
 * tries again; when nothing more can be freed it throws MemoryError. Freed blocks merge with free neighbours.
 * Allocation happens when a model is planned or made resident, never inside a training step.
 */
export class Heap {
  private free: { start: number; size: number }[] = [];
  private top: number;
  private sizes = new Map<number, number>();
  private usedBytes = 0;
  /** A cap on the linear memory's size in bytes (nn.ready({ maxMemoryBytes })); Infinity for none. */
  limit = Infinity;
  reclaimer: Reclaimer | undefined;
  constructor(readonly memory: LinearMemory) {
    this.top = alignBytes(memory.base);
  }
  /** Bytes handed out and not yet freed. */
  get used(): number {
    return this.usedBytes;
  }
  /** The most bytes of linear memory this heap may use: the memory's maximum, or the lower limit. */
  get capacity(): number {
    return Math.min(this.limit, this.memory.maxBytes);
  }
  /** Bytes that could still be handed out (ignoring fragmentation), counting what the reclaimer could free. */
  get available(): number {
    return Math.max(0, this.capacity - alignBytes(this.memory.base) - this.usedBytes + (this.reclaimer?.reclaimable() ?? 0));
  }

  /** A block of at least `bytes`, reclaiming memory if needed; throws MemoryError when it cannot. */
  alloc(bytes: number): number {
    const size = alignBytes(Math.max(bytes, 1));
    if (size > this.available) {
      throw new MemoryError(`cannot allocate ${size} bytes: ${this.available} bytes are available`, size, this.available);
    }
    for (;;) {
      const p = this.tryAlloc(size);
      if (p !== 0) return p;
      if (!this.reclaimer?.reclaimOne()) {
        throw new MemoryError(`cannot allocate ${size} bytes: ${this.available} bytes are available` +
          (this.usedBytes + size <= this.capacity ? ' (the memory could not grow, or is fragmented)' : ''), size, this.available);
      }
    }
  }

  /** A block of at least `bytes` from free space or growth alone, or 0 when there is none. */
  tryAlloc(bytes: number): number {
    const size = alignBytes(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      if (f.size >= size) {
        const ptr = f.start;
        if (f.size === size) this.free.splice(i, 1);
        else { f.start += size; f.size -= size; }
        this.taken(ptr, size);
        return ptr;
      }
    }
    const ptr = this.top;
    if (ptr + size > this.capacity || !this.memory.ensure(ptr + size, this.capacity)) return 0;
    this.top = ptr + size;
    this.taken(ptr, size);
    return ptr;
  }

  private taken(ptr: number, size: number): void {
    this.sizes.set(ptr, size);
    this.usedBytes += size;
  }

  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
    this.usedBytes -= size;
    if (ptr + size === this.top) {
      this.top = ptr;
      // fold a free block that now touches the top
      const last = this.free[this.free.length - 1];
      if (last && last.start + last.size === this.top) { this.top = last.start; this.free.pop(); }
      return;
    }
    let i = 0;
    while (i < this.free.length && this.free[i].start < ptr) i++;
    this.free.splice(i, 0, { start: ptr, size });
    const next = this.free[i + 1];
    if (next && ptr + size === next.start) { this.free[i].size += next.size; this.free.splice(i + 1, 1); }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === ptr) { prev.size += this.free[i].size; this.free.splice(i, 1); }
  }
}
