// Residency: wasm memory is a cache, not a home. Linear memory never shrinks and its use never prompts the
// garbage collector, so a model's lasting state (parameters, optimizer state) lives in Float32Arrays that the JS
// heap owns, and is copied into the backend's linear memory while the model is in use. When an allocation does
// not fit, the heap asks the Residency to evict the least recently used model that is not in a call (copy its
// state out, free its blocks) and tries again. Knows sizes and lifetimes only, never layers.
import type { Heap, Reclaimer } from './heap';
import { alignBytes } from './heap';

const F32 = 4;

/** Something holding heap blocks that it can give up. */
export interface Tenant {
  /** Bytes it holds in the heap now. */
  readonly residentBytes: number;
  /** True while in a call: never evicted then. */
  readonly pinned: boolean;
  /** Copies out what must survive and frees its blocks. */
  evict(): void;
}

/** The resident tenants of one heap, least recently used first. */
export class Residency implements Reclaimer {
  private readonly lru = new Set<Tenant>();
  /** Tenants evicted to make room since the runtime started. */
  evictions = 0;
  constructor(readonly heap: Heap) {
    heap.reclaimer = this;
  }
  /** Marks `t` resident and most recently used. */
  touch(t: Tenant): void {
    this.lru.delete(t);
    this.lru.add(t);
  }
  leave(t: Tenant): void {
    this.lru.delete(t);
  }
  get count(): number {
    return this.lru.size;
  }
  get residentBytes(): number {
    let n = 0;
    for (const t of this.lru) n += t.residentBytes;
    return n;
  }
  reclaimable(): number {
    let n = 0;
    for (const t of this.lru) if (!t.pinned) n += t.residentBytes;
    return n;
  }
  reclaimOne(): boolean {
    for (const t of this.lru) {
      if (t.pinned) continue;
      this.lru.delete(t);
      t.evict();
      this.evictions++;
      return true;
    }
    return false;
  }
}

/** What a ModelMemory needs of a runtime: its heap, its residency, and the backend's memory and kernels. */
export interface ResidentRuntime {
  readonly heap: Heap;
  readonly residency: Residency;
  readonly backend: { readonly memory: { f32(): Float32Array }; readonly kernels: { f32_fill(p: number, n: number, v: number): void } };
}

/**
 * A model's memory. Its home, on the JS heap: the parameter block (`paramBytes`, trainable part first) and one
 * optimizer slot per state array (`trainableBytes` each). While resident on a runtime: one core block
 * [params | grads | slot 0 | slot 1 ...] (authoritative while resident), an optional plan block (activations and
 * workspace, a cache: dropped on eviction), and the blocks of the call in progress (staged data, backups). The
 * model reads `generation` to know when pointers changed. Holds no reference to the model, so a dropped model
 * is collected and its FinalizationRegistry entry frees the blocks.
 */
export class ModelMemory implements Tenant {
  /** Home of the parameters (JS heap), current whenever the memory is not resident. */
  readonly params: Float32Array;
  /** Home of the optimizer slots. */
  state: Float32Array[] = [];
  /** The runtime it is resident on, or undefined. */
  rt: ResidentRuntime | undefined;
  core = 0;
  plan = 0;
  planBytes = 0;
  private temps = new Map<number, number>();
  private tempBytes = 0;
  /** Bumped whenever core or plan move; a model re-derives its bindings when it changes. */
  generation = 0;
  pins = 0;
  private released = false;

  constructor(readonly paramBytes: number, readonly trainableBytes: number) {
    this.params = new Float32Array(paramBytes / F32);
  }

  get pinned(): boolean {
    return this.pins > 0;
  }
  /** Bytes of the core block: params, grads and the optimizer slots. */
  get coreBytes(): number {
    return alignBytes(2 * Math.max(this.paramBytes, 16) + this.state.length * Math.max(this.trainableBytes, 16));
  }
  get residentBytes(): number {
    return (this.core ? this.coreBytes : 0) + (this.plan ? this.planBytes : 0) + this.tempBytes;
  }
  /** True when the core block is in `rt`'s memory. */
  residentOn(rt: ResidentRuntime): boolean {
    return this.rt === rt && this.core !== 0;
  }
  get paramPtr(): number {
    return this.core;
  }
  get gradPtr(): number {
    return this.core + Math.max(this.paramBytes, 16);
  }
  statePtr(slot: number): number {
    return this.core + 2 * Math.max(this.paramBytes, 16) + slot * Math.max(this.trainableBytes, 16);
  }

  /**
   * Makes the core block resident on `rt` (moving it from another runtime if needed) and marks it most recently
   * used. Throws MemoryError (from the heap) when it cannot, with nothing changed.
   */
  restore(rt: ResidentRuntime): void {
    if (this.residentOn(rt)) {
      rt.residency.touch(this);
      return;
    }
    if (this.rt && this.rt !== rt) this.evict();
    const core = rt.heap.alloc(this.coreBytes);
    const mem = rt.backend.memory.f32();
    const p = Math.max(this.paramBytes, 16);
    mem.set(this.params, core / F32);
    mem.fill(0, (core + this.paramBytes) / F32, (core + 2 * p) / F32);
    this.state.forEach((s, i) => mem.set(s, (core + 2 * p + i * Math.max(this.trainableBytes, 16)) / F32));
    this.rt = rt;
    this.core = core;
    this.generation++;
    rt.residency.touch(this);
  }

  /** Copies the parameters and optimizer state home and frees every block. */
  evict(): void {
    if (this.core && this.rt) {
      const mem = this.rt.backend.memory.f32();
      this.params.set(mem.subarray(this.core / F32, (this.core + this.paramBytes) / F32));
      this.state.forEach((s, i) => {
        const at = this.statePtr(i) / F32;
        s.set(mem.subarray(at, at + s.length));
      });
    }
    this.free();
  }

  /** Frees every block without copying anything out (the model is gone or disposed). */
  release(): void {
    this.released = true;
    this.free();
  }

  private free(): void {
    const rt = this.rt;
    if (!rt) return;
    if (this.core) rt.heap.release(this.core);
    if (this.plan) rt.heap.release(this.plan);
    for (const p of this.temps.keys()) rt.heap.release(p);
    this.temps.clear();
    this.tempBytes = 0;
    this.core = this.plan = this.planBytes = 0;
    this.generation++;
    this.rt = undefined;
    rt.residency.leave(this);
  }

  /**
   * Replaces the plan block with one of `bytes` (call while resident and pinned). With `keepOld` (a call nested in
   * another that uses the plan) the new block is allocated first, so that a failure leaves the old one in place.
   */
  replan(bytes: number, keepOld = false): number {
    const rt = this.rt!;
    const old = this.plan;
    if (old && !keepOld) {
      rt.heap.release(old);
      this.plan = this.planBytes = 0;
      this.generation++;
    }
    const next = rt.heap.alloc(bytes);
    if (old && keepOld) rt.heap.release(old);
    this.plan = next;
    this.planBytes = alignBytes(Math.max(bytes, 1));
    this.generation++;
    return next;
  }

  /** A block for the call in progress (staged data, a backup of the weights); freed by releaseTemp or eviction. */
  allocTemp(bytes: number): number {
    const p = this.rt!.heap.alloc(bytes);
    const size = alignBytes(Math.max(bytes, 1));
    this.temps.set(p, size);
    this.tempBytes += size;
    return p;
  }
  releaseTemp(ptr: number): void {
    const n = this.temps.get(ptr);
    if (n === undefined || !this.rt) return;
    this.temps.delete(ptr);
    this.tempBytes -= n;
    this.rt.heap.release(ptr);
  }

  /**
   * Sets the optimizer slots to `slots` arrays filled with `value` (compile). Copies a resident core home and frees
   * it first, since the core's layout depends on the slot count.
   */
  resetSlots(slots: number, value: number): void {
    const next = Array.from({ length: slots }, () => new Float32Array(this.trainableBytes / F32).fill(value));
    this.evict();
    this.state = next;
  }

  get isReleased(): boolean {
    return this.released;
  }
}
