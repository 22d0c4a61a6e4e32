// A model's parameters: one contiguous block (trainable weights first, then the rest: frozen layers, batch-norm
// moving statistics), its gradients and the optimizer's slots, laid out from the layers' specs. The block's home is
// the JS heap (memory/residency.ts), with a resident copy in the backend's memory while the model is in a call.
// Also the sharing of a layer's weights between models: the model that last used a layer holds its current copy.
import type { Runtime } from '../backend/index';
import { MemoryError, ShapeError, StateError, ValueError } from '../errors';
import type { Network } from '../graph/network';
import { initialize } from '../initializers';
import { checkedWeight, checkWeightCount, type Layer, type ParamSpec, type WeightHolder } from '../layers/layer';
import { ModelMemory } from '../memory/residency';
import type { Rng } from '../random';
import { Tensor } from '../tensor';
import { firstNonFinite, floats } from './edge';

const F32 = 4;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Frees a dropped model's blocks in linear memory once the collector reclaims it (eviction is the backstop). */
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<ModelMemory>((m) => m.release())
  : undefined;

/** One weight tensor in the block. */
export interface ParamEntry {
  readonly layer: Layer;
  readonly spec: ParamSpec;
  /** Byte offset from the start of the parameter block. */
  readonly offset: number;
  readonly size: number;
  /** In the trainable part of the block (the optimizer updates it). */
  readonly trainable: boolean;
}

interface Layout {
  entries: ParamEntry[];
  bytes: number;
  trainable: number;
}

/** The parameter block of one model (see the file's comment). */
export class Params {
  /** Every weight tensor, in TF.js weight order (per layer, as params() lists them). */
  entries: ParamEntry[] = [];
  /** Each layer's entries, and the layers that have weights, in order. */
  byLayer = new Map<Layer, ParamEntry[]>();
  private weighted: Layer[] = [];
  /** Bytes of the block, and of its leading trainable part (what the optimizer updates). */
  bytes = 0;
  trainableBytes = 0;
  /** The block's home on the JS heap and its resident copy. */
  mem: ModelMemory;
  /** Where the resident block, its gradients and the optimizer slots are (valid after bind, inside a call). */
  paramPtr = 0;
  gradPtr = 0;
  statePtrs: number[] = [];

  /**
   * Lays out `net`'s weights and initializes those no other model holds yet from `rng`; `owner` is the model
   * (it holds the layers that had no holder, and the block is freed when it is collected).
   */
  /** The model: it holds the layers it computes with (private, so that inspecting a model shows no cycle). */
  readonly #owner: WeightHolder;
  private readonly net: Network;

  constructor(net: Network, owner: WeightHolder, rng: Rng) {
    this.net = net;
    this.#owner = owner;
    const l = this.layout();
    const mem = this.newMemory(l);
    this.setLayout(l);
    for (const e of this.entries) {
      if (e.layer.store) continue;
      const w = mem.params.subarray(e.offset / F32, e.offset / F32 + e.size);
      if (!e.spec.parts) initialize(e.spec.initializer, e.spec.shape, w, rng);
      else {
        let at = 0;
        for (const p of e.spec.parts) {
          initialize(p.initializer, [p.size], w.subarray(at, at + p.size), rng);
          at += p.size;
        }
      }
    }
    this.mem = mem;
    for (const layer of this.byLayer.keys()) layer.store ??= { holder: owner, home: undefined };
    finalizer?.register(owner, mem, owner);
  }

  /** The layout for the layers' current `trainable` flags: trainable weights first, in one block. */
  private layout(): Layout {
    const who = `model '${this.#owner.name}'`;
    const specs = this.net.layers.flatMap((layer) => layer.params().map((spec) => ({ layer, spec, size: product(spec.shape),
      trainable: (spec.trainable ?? true) && layer.trainable })));
    checkWeightCount(who, specs.reduce((a, e) => a + e.size, 0));
    const offsets = new Map<object, number>();
    let offset = 0;
    let trainable = 0;
    for (const pass of [true, false]) {
      for (const e of specs) {
        if (e.trainable !== pass) continue;
        offsets.set(e, offset);
        offset += floats(e.size);
      }
      if (pass) trainable = offset;
    }
    // with its gradients the block must fit in the largest linear memory (wasm32: 4 GiB)
    if (2 * offset > 2 ** 32) {
      throw new MemoryError(`${who} has ${specs.reduce((a, e) => a + e.size, 0)} weights: with their gradients they need ` +
        `${2 * offset} bytes, more than the 4 GiB of wasm32 memory`, 2 * offset, 2 ** 32);
    }
    return { entries: specs.map((e) => ({ ...e, offset: offsets.get(e)! })), bytes: offset, trainable };
  }

  private newMemory(l: Layout): ModelMemory {
    try {
      return new ModelMemory(l.bytes, l.trainable);
    } catch (e) {
      throw new MemoryError(`model '${this.#owner.name}' needs ${l.bytes} bytes for its weights, which the JS heap refused (${(e as Error).message})`, l.bytes, 0);
    }
  }

  private setLayout(l: Layout): void {
    this.entries = l.entries;
    this.bytes = l.bytes;
    this.trainableBytes = l.trainable;
    this.byLayer = new Map();
    for (const e of l.entries) {
      const list = this.byLayer.get(e.layer) ?? [];
      list.push(e);
      this.byLayer.set(e.layer, list);
    }
    this.weighted = [...this.byLayer.keys()];
  }

  /**
   * Moves the weights to a new layout when layers' `trainable` flags changed since the last one (at compile, as in
   * Keras). Returns true when it did (the plan and the optimizer state are then to be made again).
   */
  relayout(): boolean {
    const l = this.layout();
    if (l.trainable === this.trainableBytes && l.entries.every((e, i) => e.offset === this.entries[i].offset)) return false;
    const values = this.read(this.entries).map((t) => t.data);
    const mem = this.newMemory(l);
    l.entries.forEach((e, i) => mem.params.set(values[i], e.offset / F32));
    finalizer?.unregister(this.#owner);
    this.mem.release();
    this.mem = mem;
    this.setLayout(l);
    finalizer?.register(this.#owner, mem, this.#owner);
    return true;
  }

  /** Re-reads the block's pointers after the model became resident. */
  bind(): void {
    const m = this.mem;
    this.paramPtr = m.paramPtr;
    this.gradPtr = m.gradPtr;
    this.statePtrs = m.state.map((_, s) => m.statePtr(s));
  }

  /** The block as floats, and the index of its first: the resident copy when there is one, else the home. */
  view(): [Float32Array, number] {
    const m = this.mem;
    return m.core && m.rt ? [(m.rt as Runtime).backend.memory.f32(), m.paramPtr / F32] : [m.params, 0];
  }

  /** Optimizer slot `s` as floats, and the index of its first. */
  slotView(s: number): [Float32Array, number] {
    const m = this.mem;
    return m.core && m.rt ? [(m.rt as Runtime).backend.memory.f32(), m.statePtr(s) / F32] : [m.state[s], 0];
  }

  /** A copy of the whole block. */
  readFlat(): Float32Array {
    const [f, at] = this.view();
    return f.slice(at, at + this.bytes / F32);
  }

  /** Replaces the whole block with a copy from readFlat (same length, else ShapeError). */
  writeFlat(w: Float32Array): void {
    if (w.length !== this.bytes / F32) throw new ShapeError(`flat weights need ${this.bytes / F32} values, got ${w.length}`);
    const [f, at] = this.view();
    f.set(w, at);
  }

  /** Copies of the entries' values, as tensors. */
  read(entries: readonly ParamEntry[]): Tensor[] {
    const [f, base] = this.view();
    return entries.map((e) => {
      const at = base + e.offset / F32;
      return new Tensor(f.slice(at, at + e.size), e.spec.shape);
    });
  }

  /** Writes `values` (one per entry, checked already) into the block. */
  write(entries: readonly ParamEntry[], values: Float32Array[]): void {
    const [f, at] = this.view();
    entries.forEach((e, i) => f.set(values[i], at + e.offset / F32));
  }

  /** Checks `weights` against the entries (count, shapes, finite values) and writes them; `who` names the model or layer. */
  writeChecked(entries: readonly ParamEntry[], weights: unknown, who: string): void {
    if (!Array.isArray(weights) || weights.length !== entries.length) {
      throw new ShapeError(`${who} has ${entries.length} weight tensors (${entries.map((e) => `${e.layer.name}/${e.spec.name}`).join(', ')}), but ${Array.isArray(weights) ? weights.length : 'no array'} were given`);
    }
    const values = weights.map((w, i) => checkedWeight(`${entries[i].layer.name}/${entries[i].spec.name}`, entries[i].spec.shape, w));
    this.write(entries, values);
  }

  /** The entries the optimizer updates. */
  trainableEntries(): ParamEntry[] {
    return this.entries.filter((e) => e.trainable);
  }

  /** Number of weights (trainable and not; only trainable ones when `trainable`, only the others when false). */
  count(layer?: Layer, trainable?: boolean): number {
    const list = layer ? this.byLayer.get(layer) ?? [] : this.entries;
    return list.filter((e) => trainable === undefined || e.trainable === trainable).reduce((a, e) => a + e.size, 0);
  }

  /**
   * The optimizer's slots as tensors named `layer/param/slot`, per slot in turn, in weight order (trained weights
   * only).
   */
  readSlots(slotNames: readonly string[]): { name: string; tensor: Tensor }[] {
    const out: { name: string; tensor: Tensor }[] = [];
    slotNames.forEach((slot, s) => {
      const [f, base] = this.slotView(s);
      for (const e of this.trainableEntries()) {
        const at = base + e.offset / F32;
        out.push({ name: `${e.layer.name}/${e.spec.name}/${slot}`, tensor: new Tensor(f.slice(at, at + e.size), e.spec.shape) });
      }
    });
    return out;
  }

  /** Restores readSlots's list (same count, order and shapes, else ShapeError; finite values, else ValueError). */
  writeSlots(slotNames: readonly string[], optimizer: string, list: { name: string; tensor: Tensor }[]): void {
    const trainable = this.trainableEntries();
    const want = slotNames.length * trainable.length;
    if (!Array.isArray(list) || list.length !== want) {
      throw new ShapeError(`optimizer ${optimizer} of model '${this.#owner.name}' has ${want} state tensors, got ${Array.isArray(list) ? list.length : 'none'}`);
    }
    const values: [number, number, Float32Array][] = [];
    slotNames.forEach((slot, s) => {
      trainable.forEach((e, i) => {
        const item = list[s * trainable.length + i];
        const name = `${e.layer.name}/${e.spec.name}/${slot}`;
        const t = item?.tensor;
        if (!(t instanceof Tensor) || t.size !== e.size || t.shape.some((d, j) => d !== e.spec.shape[j])) {
          throw new ShapeError(`optimizer state ${name} must have shape [${e.spec.shape.join(', ')}], got ${t instanceof Tensor ? `[${t.shape.join(', ')}]` : String(t)}`);
        }
        const bad = firstNonFinite(t.data);
        if (bad >= 0) throw new ValueError(`optimizer state ${name} contains ${t.data[bad]} at index ${bad}`);
        values.push([s, e.offset / F32, t.data]);
      });
    });
    for (const [s, at, data] of values) {
      const [f, base] = this.slotView(s);
      f.set(data, base + at);
    }
  }

  /**
   * Takes over the current copy of every shared layer's weights that another model holds (or that a disposed one
   * left home), so that this block computes with them. A holder in its fit keeps its copy (this model reads it);
   * writing then is a StateError.
   */
  sync(write: boolean): void {
    for (const layer of this.weighted) {
      const st = layer.store!;
      if (st.holder === this.#owner) continue;
      const entries = this.byLayer.get(layer)!;
      const holder = st.holder;
      if (holder?.training && write) {
        throw new StateError(`layer '${layer.name}' is shared with model '${holder.name}', whose fit is running: model '${this.#owner.name}' ` +
          'cannot change its weights until that fit resolves');
      }
      this.write(entries, holder ? holder.readLayer(layer) : st.home!);
      if (holder?.training) continue;
      st.holder = this.#owner;
      st.home = undefined;
    }
  }

  /** Frees the block; the layers this model holds keep their weights (at home) for the other models that use them. */
  release(): void {
    for (const [layer, entries] of this.byLayer) {
      const st = layer.store!;
      if (st.holder !== this.#owner) continue;
      st.home = this.read(entries).map((t) => t.data);
      st.holder = undefined;
    }
    this.mem.release();
    finalizer?.unregister(this.#owner);
  }
}
