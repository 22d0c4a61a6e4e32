import { describe, expect, it } from 'vitest';
import { runtimeFor } from '../src/backend/index';
import { JsMemory } from '../src/backend/js/memory';
import { Heap } from '../src/memory/heap';
import { BACKENDS } from './helpers';

describe('Heap', () => {
  it('hands out 16-byte aligned, non-overlapping blocks and reuses freed ones', () => {
    const heap = new Heap(new JsMemory());
    const a = heap.alloc(10);
    const b = heap.alloc(100);
    const c = heap.alloc(1);
    for (const p of [a, b, c]) expect(p % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 16);
    expect(c).toBeGreaterThanOrEqual(b + 112);
    heap.release(b);
    expect(heap.alloc(50)).toBe(b); // first fit into the hole
    expect(heap.alloc(40)).toBe(b + 64);
    expect(heap.used).toBe(16 + 64 + 48 + 16);
  });

  it('merges freed neighbours and folds the top', () => {
    const heap = new Heap(new JsMemory());
    const ps = [heap.alloc(32), heap.alloc(32), heap.alloc(32), heap.alloc(32)];
    heap.release(ps[1]);
    heap.release(ps[2]);
    expect(heap.alloc(64)).toBe(ps[1]); // the two holes became one
    heap.release(ps[1]);
    heap.release(ps[3]);
    heap.release(ps[0]);
    expect(heap.used).toBe(0);
    expect(heap.alloc(16)).toBe(ps[0]);
  });

  it('grows memory when it runs out and keeps the contents', () => {
    const mem = new JsMemory();
    const heap = new Heap(mem);
    const p = heap.alloc(16);
    mem.f32()[p >> 2] = 42;
    const old = mem.f32();
    const big = heap.alloc(4 << 20);
    expect(mem.byteLength).toBeGreaterThanOrEqual(big + (4 << 20));
    expect(old.length).not.toBe(mem.f32().length);
    expect(mem.f32()[p >> 2]).toBe(42);
  });
});

describe.each(BACKENDS)('linear memory (%s)', (name) => {
  it('re-creates views after the memory grows, so writes are not lost', () => {
    const rt = runtimeFor(name);
    const { memory, kernels } = rt.backend;
    const p = rt.heap.alloc(64);
    memory.f32()[p >> 2] = 7;
    const before = memory.byteLength;
    const big = rt.heap.alloc(before + (1 << 20)); // forces growth
    expect(memory.byteLength).toBeGreaterThan(before);
    const view = memory.f32();
    expect(view.length * 4).toBe(memory.byteLength);
    view[(big >> 2) + 5] = 3;
    kernels.f32_scale(big, 8, 2);
    expect(memory.f32()[(big >> 2) + 5]).toBe(6);
    expect(memory.f32()[p >> 2]).toBe(7);
    rt.heap.release(big);
    rt.heap.release(p);
  });
});
