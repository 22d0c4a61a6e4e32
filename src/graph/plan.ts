// Binds a network to an arena for `rows` samples: which buffers exist (values, their gradients, workspaces,
// the data edge), how long each lives, where the planner puts them, and the forward and backward passes over
// them. Gradient fan-out: a value read at several places gets its gradient from its first writer (the loss
// head, else the last reader in forward order) and every other writer's contribution is added (written to a
// scratch buffer, then accumulated); a layer applied at several places accumulates its weight gradients the
// same way. Steps whose layer trains nothing and whose inputs need no gradient have no backward at all.
// A layer's softmax activation is the plan's: it runs over the output's last axis after the layer's forward
// and its gradient before the layer's backward, except at an output whose loss head fuses it with a
// cross-entropy (the head then computes the probabilities and the gradient of the logits in one kernel).
import type { Kernels } from '../backend/types';
import type { Layer, LayerBinding } from '../layers/layer';
import { alignBytes } from '../memory/heap';
import { type Lifetime, placeBuffers } from '../memory/planner';
import type { Network } from './network';

const F32 = 4;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const floats = (count: number) => alignBytes(count * F32);

/** What the plan needs to know of the model's weights. */
export interface PlanWeights {
  /** True when the optimizer trains some weight of `layer` (frozen layers and weightless layers: false). */
  trains(layer: Layer): boolean;
  /** Float counts of the layer's weights, in params() order. */
  sizes(layer: Layer): readonly number[];
}

/** Where one layer's weights and their gradients are. */
export interface WeightPointers {
  readonly ptrs: readonly number[];
  readonly grads: readonly number[];
}

/** A scratch gradient to add into its destination after a step's backward. */
interface Accumulate {
  readonly from: number;
  readonly to: number;
  /** Floats to add: perRow per sample of the call (a value's gradient), plus fixed (a weight's gradient). */
  readonly perRow: number;
  readonly fixed: number;
}

/**
 * What a plan serves: 'predict' (outputs only, each buffer freed for reuse once read), 'evaluate' (and the
 * targets of the loss), 'train' (and everything backward needs). Each serves the ones before it.
 */
export type PlanMode = 'predict' | 'evaluate' | 'train';
export const MODES: readonly PlanMode[] = ['predict', 'evaluate', 'train'];

/** A network's buffers for `rows` samples, placed but not yet bound to an address. */
export class GraphPlan {
  /** True for a 'train' plan. */
  readonly training: boolean;
  /** Bytes of the arena. */
  readonly bytes: number;
  /** Per step: whether its backward runs. */
  readonly runs: readonly boolean[];
  /** Per value: whether its gradient is needed. */
  readonly needGrad: readonly boolean[];
  /** Per step: whether the optimizer trains some weight of its layer (false for frozen and weightless layers). */
  readonly trains: readonly boolean[];
  private readonly offsets: number[];
  private readonly index: {
    inputs: number[]; targets: number[]; labels: number[]; values: number[]; grads: number[]; ws: number[];
    /** per step, per input slot: a scratch buffer id, or -1 when the slot writes the value's gradient itself */
    scratch: number[][];
    /** per step: scratch buffer ids for its weight gradients, or undefined when it writes them itself */
    weightScratch: (number[] | undefined)[];
  };
  /** Floats per sample of each value. */
  readonly sizes: readonly number[];
  /** Per step: the softmax's row length (its output's last axis) when its layer's activation is one, else 0. */
  readonly softmaxCols: readonly number[];

  constructor(readonly net: Network, readonly rows: number, readonly mode: PlanMode, weights: PlanWeights) {
    const training = mode === 'train';
    this.training = training;
    const { steps, values, consumers, outputIds } = net;
    const S = steps.length;
    const end = 2 * S + 1;
    const buffers: Lifetime[] = [];
    const add = (bytes: number, from: number, to: number) => buffers.push({ bytes, from, to }) - 1;
    const sizes = values.map((t) => product(t.shape));
    this.sizes = sizes;
    this.softmaxCols = steps.map((s) => (s.node.layer.softmaxOutput ? values[s.output].shape.at(-1) ?? 1 : 0));
    const producer = new Array<number>(values.length).fill(-1);
    steps.forEach((s, i) => { producer[s.output] = i; });
    // which steps run backward: a step trains a weight, or one of its inputs needs a gradient
    const needGrad = new Array<boolean>(values.length).fill(false);
    const trains = steps.map((s) => weights.trains(s.node.layer));
    this.trains = trains;
    const runs = steps.map((s, i) => {
      const r = training && (trains[i] || s.inputs.some((v) => needGrad[v]));
      needGrad[s.output] = r;
      return r;
    });
    const isOutput = (v: number) => outputIds.includes(v);
    const lastRead = (v: number) => Math.max(isOutput(v) ? S : -1, ...consumers[v].map(([c]) => c));
    // times: forward of step i at i, the loss head at S, backward of step i at 2S − i
    const inputs = net.inputs.map((_, i) => add(floats(rows * sizes[i]), 0, end));
    const targets = outputIds.map((v) => add(mode === 'predict' ? 0 : floats(rows * sizes[v]), 0, end));
    const labels = outputIds.map(() => add(mode === 'predict' ? 0 : floats(rows), 0, end));
    const vals = values.map((_, v) => {
      if (v < net.inputs.length) return inputs[v];
      const p = producer[v];
      // an output is read again after backward (the metrics of the batch), so it lives to the end
      if (isOutput(v)) return add(floats(rows * sizes[v]), p, end);
      return add(floats(rows * sizes[v]), p, training ? 2 * S - p : Math.max(p, lastRead(v)));
    });
    const grads = values.map((_, v) => {
      if (!needGrad[v]) return -1;
      const p = producer[v];
      const readers = consumers[v].filter(([c]) => runs[c]).map(([c]) => c);
      const first = isOutput(v) ? S : 2 * S - Math.max(...readers);
      return add(floats(rows * sizes[v]), first, 2 * S - p);
    });
    const ws = steps.map((s, i) => add(alignBytes(s.node.layer.workspaceBytes(rows)), i, training ? 2 * S - i : i));
    // gradient writers of each value, in the order they run: the loss head, then readers from the last step back
    const scratch = steps.map((s) => s.inputs.map(() => -1));
    for (let v = 0; v < values.length; v++) {
      if (!needGrad[v]) continue;
      const readers = consumers[v].filter(([c]) => runs[c]).sort((a, b) => b[0] - a[0] || b[1] - a[1]);
      readers.forEach(([c, slot], k) => {
        if (k === 0 && !isOutput(v)) return;
        scratch[c][slot] = add(floats(rows * sizes[v]), 2 * S - c, 2 * S - c);
      });
    }
    // a layer's weight gradients: its last step (the first to run backward) writes them, the others add
    const weightScratch: (number[] | undefined)[] = steps.map(() => undefined);
    const seen = new Set<Layer>();
    for (let i = S - 1; i >= 0; i--) {
      const layer = steps[i].node.layer;
      if (!runs[i]) continue;
      if (seen.has(layer)) weightScratch[i] = weights.sizes(layer).map((n) => add(floats(n), 2 * S - i, 2 * S - i));
      seen.add(layer);
    }
    const placed = placeBuffers(buffers);
    this.offsets = placed.offsets;
    this.bytes = placed.bytes;
    this.runs = runs;
    this.needGrad = needGrad;
    this.index = { inputs, targets, labels, values: vals, grads, ws, scratch, weightScratch };
    this.weightSizes = (layer) => weights.sizes(layer);
  }
  private readonly weightSizes: (layer: Layer) => readonly number[];

  /** The plan at address `base`, with the model's weights at `weights(layer)`. */
  bind(base: number, weights: (layer: Layer) => WeightPointers): BoundPlan {
    const at = (i: number) => (i < 0 ? 0 : base + this.offsets[i]);
    const ix = this.index;
    const { steps, outputIds } = this.net;
    const bindings: LayerBinding[] = [];
    const accumulate: Accumulate[][] = [];
    steps.forEach((s, i) => {
      const w = weights(s.node.layer);
      const acc: Accumulate[] = [];
      const dxs = s.inputs.map((v, slot) => {
        if (!this.needGrad[v]) return 0;
        const sc = ix.scratch[i][slot];
        if (sc < 0) return at(ix.grads[v]);
        acc.push({ from: at(sc), to: at(ix.grads[v]), perRow: this.sizes[v], fixed: 0 });
        return at(sc);
      });
      const own = ix.weightScratch[i];
      const grads = own ? own.map(at) : [...w.grads];
      const sizes = own ? this.weightSizes(s.node.layer) : [];
      if (own) w.grads.forEach((g, j) => acc.push({ from: grads[j], to: g, perRow: 0, fixed: sizes[j] }));
      const xs = s.inputs.map((v) => at(ix.values[v]));
      bindings.push({ x: xs[0], xs, dx: dxs[0], dxs, y: at(ix.values[s.output]), dy: at(ix.grads[s.output]),
        params: [...w.ptrs], grads, ws: at(ix.ws[i]), trains: this.trains[i] });
      accumulate.push(acc);
    });
    return new BoundPlan(this, bindings, accumulate,
      ix.inputs.map(at), ix.targets.map(at), ix.labels.map(at),
      outputIds.map((v) => at(ix.values[v])), outputIds.map((v) => at(ix.grads[v])));
  }
}

/** A plan at an address: the passes over the network. */
export class BoundPlan {
  constructor(
    readonly plan: GraphPlan,
    /** Per step. */
    readonly bindings: readonly LayerBinding[],
    private readonly accumulate: readonly Accumulate[][],
    /** Where each input's rows are loaded. */
    readonly inputPtrs: readonly number[],
    /** Each output's targets (floats) and labels (integers). */
    readonly targetPtrs: readonly number[],
    readonly labelPtrs: readonly number[],
    /** Each output's values and their gradient (0 when not training). */
    readonly outputPtrs: readonly number[],
    readonly outputGrads: readonly number[],
  ) {}

  /**
   * Runs every step on `rows` samples, each softmax activation after its layer, except at a step whose
   * `fused[i]` says the loss head applies it.
   */
  forward(k: Kernels, rows: number, training: boolean, fused: readonly boolean[]): void {
    const { net: { steps }, softmaxCols, sizes } = this.plan;
    for (let i = 0; i < steps.length; i++) {
      const b = this.bindings[i];
      steps[i].node.layer.forward(k, b, rows, training);
      const cols = softmaxCols[i];
      if (cols > 0 && !fused[i]) k.f32_softmax(b.y, b.y, (rows * sizes[steps[i].output]) / cols, cols);
    }
  }

  /**
   * Runs the backward of every step that has one, last first (a softmax's gradient before its layer's, except
   * where fused), adding fan-out gradients where they meet.
   */
  backward(k: Kernels, rows: number, fused: readonly boolean[]): void {
    const { net: { steps }, softmaxCols, sizes, runs } = this.plan;
    for (let i = steps.length - 1; i >= 0; i--) {
      if (!runs[i]) continue;
      const b = this.bindings[i];
      const cols = softmaxCols[i];
      if (cols > 0 && !fused[i]) k.f32_softmax_grad(b.y, b.dy, b.dy, (rows * sizes[steps[i].output]) / cols, cols);
      steps[i].node.layer.backward(k, b, rows);
      for (const a of this.accumulate[i]) k.f32_axpy(a.from, a.to, a.perRow * rows + a.fixed, 1);
    }
  }
}
