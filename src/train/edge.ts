// The data edge: what a call's x and y become inside the model. Checks the caller's data against the network's
// inputs and the loss heads' outputs (shapes, sample counts, finite values, label ranges), stages a fit's training
// set in the arena, and loads rows into the plan's input, target and label buffers. Knows the network and the
// heads, never the model class.
import type { Runtime } from '../backend/index';
import { ShapeError, ValueError } from '../errors';
import type { BoundPlan } from '../graph/plan';
import type { Network } from '../graph/network';
import { isSparse } from '../losses';
import { alignBytes } from '../memory/heap';
import type { ModelMemory } from '../memory/residency';
import { show } from '../options';
import { Tensor, toTensor } from '../tensor';
import { type Head, isNameMap } from './head';

const F32 = 4;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** Bytes of `count` floats, 16-byte aligned, in checked arithmetic. */
export const floats = (count: number) => alignBytes(count * F32);

/** Per output: float targets, or integer labels for sparseCategoricalCrossentropy. */
export type Target = Tensor | Int32Array;

/** Data copied into the arena for a fit call: per input, per output, and the row order. */
export interface Staged {
  xs: number[];
  /** Per output: f32 targets [n, size] or i32 labels [n]. */
  ys: number[];
  idx: number;
  n: number;
}

/** The index of the first NaN or ±Infinity in `a`, or −1. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** Splits a per-input (or per-output) value: the value itself for one, a list in order or a map by name for several. */
export function splitIO(v: unknown, names: readonly string[], kind: 'input' | 'output', what: string, model: string): unknown[] {
  if (names.length === 1) {
    // a list of one tensor, as TF.js takes it
    if (Array.isArray(v) && v.length === 1 && v[0] instanceof Tensor) return [v[0]];
    if (isNameMap(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === names[0]) return [v[names[0]]];
    }
    return [v];
  }
  const expect = `model '${model}' has ${names.length} ${kind}s (${names.map((n) => `'${n}'`).join(', ')}): pass ${what} as a list of ` +
    `${names.length} tensors in that order or as an object keyed by ${kind} name`;
  if (Array.isArray(v)) {
    if (v.length !== names.length) throw new ValueError(`${expect}; got a list of ${v.length}`);
    return v;
  }
  if (isNameMap(v)) {
    for (const k of Object.keys(v)) if (!names.includes(k)) throw new ValueError(`${expect}; ${show(k)} is not one of them`);
    return names.map((n) => {
      if (!Object.hasOwn(v, n)) throw new ValueError(`${expect}; '${n}' is missing`);
      return v[n];
    });
  }
  throw new ValueError(`${expect}; got ${show(v)}`);
}

/** How `what` names element i of a per-input or per-output value in messages. */
function part(what: string, names: readonly string[], i: number): string {
  return names.length === 1 ? what : `${what}['${names[i]}']`;
}

/** Frees what DataEdge.stage took. */
export function unstage(a: ModelMemory, s: Staged | undefined): void {
  if (!s) return;
  for (const p of [...s.xs, ...s.ys, s.idx]) if (p) a.releaseTemp(p);
}

/** The data edge of one model's network (see the file's comment). */
export class DataEdge {
  /** Floats per sample of each input. */
  readonly inSizes: readonly number[];
  /** The inputs' and the outputs' names (their layers' names), for name maps and messages. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  constructor(private readonly net: Network, private readonly model: string) {
    this.inSizes = net.inputs.map((t) => product(t.shape));
    this.inputNames = net.inputs.map((t) => t.sourceLayer.name);
    this.outputNames = net.outputs.map((t) => t.sourceLayer.name);
  }

  /** The samples of every input, checked: one tensor per input, all with the same number of samples. */
  checkXs(x: unknown, what: string): Tensor[] {
    const names = this.inputNames;
    const list = splitIO(x, names, 'input', what, this.model);
    const xs: Tensor[] = [];
    for (let i = 0; i < list.length; i++) xs.push(this.checkInput(list[i], i, part(what, names, i)));
    for (let i = 1; i < xs.length; i++) {
      if (xs[i].shape[0] !== xs[0].shape[0]) {
        throw new ShapeError(`${part(what, names, 0)} has ${xs[0].shape[0]} samples but ${part(what, names, i)} has ${xs[i].shape[0]}`);
      }
    }
    return xs;
  }

  /** The samples of input i, checked against its shape. */
  private checkInput(v: unknown, i: number, label: string): Tensor {
    const net = this.net;
    const t = toTensor(v, label);
    const want = net.inputs[i].shape;
    const got = t.shape;
    const okRank = got.length === want.length + 1 && want.every((d, j) => got[j + 1] === d);
    if (!okRank) {
      const first = net.steps.find((s) => s.inputs.includes(i))?.node.layer ?? net.inputs[i].sourceLayer;
      throw new ShapeError(`layer '${first.name}' expects samples of shape [${want.join(', ')}], ` +
        `so ${label} should have shape [n, ${want.join(', ')}], but it has shape [${got.join(', ')}]`);
    }
    if (got[0] === 0) throw new ShapeError(`${label} has no samples`);
    for (const s of net.steps) if (s.inputs.includes(i)) s.node.layer.checkInputData(t.data, label);
    return t;
  }

  /** The targets of every output, checked against its loss head: `n` samples each. */
  checkYs(y: unknown, heads: readonly Head[], n: number, what: string): Target[] {
    const names = this.outputNames;
    return splitIO(y, names, 'output', what, this.model).map((v, o) => checkY(v, heads[o], n, part(what, names, o)));
  }

  /** Throws, before anything is staged, when rows [from, from+n) of an input hold a NaN or ±Infinity. */
  checkFinite(xs: readonly Tensor[], from: number, n: number, what: string): void {
    xs.forEach((t, i) => {
      const size = this.inSizes[i];
      if (firstNonFinite(t.data.subarray(from * size, (from + n) * size)) >= 0) this.nonFinite(t, i, from, n, what);
    });
  }

  /** Bytes that staging n samples of xs and ys (with the row order) takes. */
  stageBytes(n: number, ys: readonly Target[], heads: readonly Head[]): number {
    if (n === 0) return 0;
    let b = this.inSizes.reduce((a, s) => a + floats(n * s), 0);
    ys.forEach((y, o) => { b += floats(n * targetSize(heads[o], y)); });
    return b + floats(n);
  }

  /** Copies rows [from, from+n) of every input and target into the arena, for the duration of the call (fit's training set). */
  stage(rt: Runtime, a: ModelMemory, xs: Tensor[], ys: Target[], heads: readonly Head[], from: number, n: number, what: string): Staged {
    const s: Staged = { xs: [], ys: [], idx: 0, n };
    try {
      xs.forEach((_, i) => s.xs.push(a.allocTemp(n * this.inSizes[i] * F32)));
      ys.forEach((y, o) => s.ys.push(a.allocTemp(n * targetSize(heads[o], y) * F32)));
      // the row order for gathering batches
      s.idx = a.allocTemp(n * F32);
    } catch (e) {
      unstage(a, s);
      throw e;
    }
    const mem = rt.backend.memory;
    xs.forEach((x, i) => mem.f32().set(x.data.subarray(from * this.inSizes[i], (from + n) * this.inSizes[i]), s.xs[i] / F32));
    ys.forEach((y, o) => {
      const size = targetSize(heads[o], y);
      if (y instanceof Int32Array) mem.i32().set(y.subarray(from, from + n), s.ys[o] / F32);
      else mem.f32().set(y.data.subarray(from * size, (from + n) * size), s.ys[o] / F32);
    });
    const ix = mem.i32();
    for (let i = 0; i < n; i++) ix[s.idx / F32 + i] = i;
    xs.forEach((x, i) => {
      if (!rt.backend.kernels.f32_all_finite(s.xs[i], n * this.inSizes[i])) {
        unstage(a, s);
        this.nonFinite(x, i, from, n, what);
      }
    });
    return s;
  }

  /** Gathers the staged rows idx[start, start+rows) into the plan's input, target and label buffers. */
  gather(rt: Runtime, s: Staged, p: BoundPlan, heads: readonly Head[], ys: readonly Target[], start: number, rows: number): void {
    const k = rt.backend.kernels;
    for (let i = 0; i < s.xs.length; i++) k.f32_gather_rows(s.xs[i], s.idx, start, p.inputPtrs[i], rows, this.inSizes[i]);
    for (let o = 0; o < ys.length; o++) {
      if (ys[o] instanceof Int32Array) k.i32_gather(s.ys[o], s.idx, start, p.labelPtrs[o], rows);
      else k.f32_gather_rows(s.ys[o], s.idx, start, p.targetPtrs[o], rows, heads[o].size);
    }
  }

  /** Throws the ValueError for the first non-finite value of input i's rows [from, from+n). */
  private nonFinite(x: Tensor, i: number, from: number, n: number, what: string): never {
    const size = this.inSizes[i];
    const bad = firstNonFinite(x.data.subarray(from * size, (from + n) * size));
    const s = Math.floor(bad / size);
    throw new ValueError(`${part(what, this.inputNames, i)} contains ${x.data[from * size + bad]} at sample ${from + s}, ` +
      `feature ${bad % size}; inputs must be finite`);
  }

  /**
   * Copies rows [from, from+rows) of every input into its input buffer (and of every target into its target or
   * label buffer), checking that the inputs are finite.
   */
  load(rt: Runtime, p: BoundPlan, xs: Tensor[], ys: Target[] | undefined, heads: readonly Head[] | undefined, from: number, rows: number, what: string): void {
    const mem = rt.backend.memory;
    for (let i = 0; i < xs.length; i++) {
      const size = this.inSizes[i];
      mem.f32().set(xs[i].data.subarray(from * size, (from + rows) * size), p.inputPtrs[i] / F32);
      if (!rt.backend.kernels.f32_all_finite(p.inputPtrs[i], rows * size)) this.nonFinite(xs[i], i, from, rows, what);
    }
    if (!ys) return;
    for (let o = 0; o < ys.length; o++) {
      const y = ys[o];
      if (y instanceof Int32Array) mem.i32().set(y.subarray(from, from + rows), p.labelPtrs[o] / F32);
      else {
        const size = heads![o].size;
        mem.f32().set(y.data.subarray(from * size, (from + rows) * size), p.targetPtrs[o] / F32);
      }
    }
  }
}

/** Floats per sample of an output's targets (1 for labels). */
function targetSize(h: Head, y: Target): number {
  return y instanceof Int32Array ? 1 : h.size;
}

/** One output's targets, checked against its loss: float targets of its shape, or integer labels in range. */
function checkY(y: unknown, h: Head, n: number, what: string): Target {
  const last = h.layer;
  if (isSparse(h.loss)) {
    const t = y instanceof Int32Array ? new Tensor(Float32Array.from(y), [y.length]) : toTensor(y, what);
    if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) {
      throw new ShapeError(`sparseCategoricalCrossentropy takes ${what} as one integer label per sample (shape [n] or [n, 1]), got shape [${t.shape.join(', ')}]`);
    }
    if (t.shape[0] !== n) throw new ShapeError(`x has ${n} samples but ${what} has ${t.shape[0]}`);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = t.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= h.size) {
        throw new ValueError(`${what}[${i}] is ${v}, but labels must be integers in [0, ${h.size - 1}] for the ${h.size} units of layer '${last.name}'`);
      }
      labels[i] = v;
    }
    return labels;
  }
  const t = toTensor(y, what);
  if (t.shape[0] !== n) throw new ShapeError(`x has ${n} samples but ${what} has ${t.shape[0]}`);
  const per = product(t.shape.slice(1));
  // a one-unit output takes [n] targets as [n, 1], as Keras and TF.js do
  if (per !== h.size || (t.shape.length < 2 && h.size !== 1)) {
    throw new ShapeError(`layer '${last.name}' outputs shape [${h.shape.join(', ')}] per sample, so ${what} should have shape ` +
      `[${n}, ${h.shape.join(', ')}], but it has shape [${t.shape.join(', ')}]` +
      (h.loss === 'categoricalCrossentropy' && t.shape.length === 1 ? ' (for integer labels use sparseCategoricalCrossentropy)' : ''));
  }
  const bad = firstNonFinite(t.data);
  if (bad >= 0) throw new ValueError(`${what} contains ${t.data[bad]} at sample ${Math.floor(bad / per)}, index ${bad % per}`);
  if (h.loss === 'binaryCrossentropy' || h.loss === 'categoricalCrossentropy') {
    for (let i = 0; i < t.data.length; i++) {
      if (t.data[i] < 0 || t.data[i] > 1) {
        throw new ValueError(`${h.loss} needs targets in [0, 1], but ${what} has ${t.data[i]} at sample ${Math.floor(i / per)}, index ${i % per}`);
      }
    }
  }
  return t;
}
