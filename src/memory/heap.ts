import type { LinearMemory } from '../backend/types';

const ALIGN = 16;
const align = (n: number) => (n + ALIGN - 1) & ~(ALIGN - 1);

/**
 * A first-fit allocator over a backend's linear memory. It hands out 16-byte aligned byte offsets and grows
 * the memory when it runs out. Freed blocks are merged with free neighbours. Allocation happens when a model
 * is planned, never inside a training step.
 */
export class Heap {
  private free: { start: number; size: number }[] = [];
  private top: number;
  private sizes = new Map<number, number>();
  constructor(readonly memory: LinearMemory) {
    this.top = align(memory.base);
  }
  /** Bytes handed out and not yet freed. */
  get used(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      if (f.size >= size) {
        const ptr = f.start;
        if (f.size === size) this.free.splice(i, 1);
        else { f.start += size; f.size -= size; }
        this.sizes.set(ptr, size);
        return ptr;
      }
    }
    const ptr = this.top;
    this.memory.ensure(ptr + size);
    this.top = ptr + size;
    this.sizes.set(ptr, size);
    return ptr;
  }
  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
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
