// The loss heads: per output of the network, its loss, its weight in the total and its metrics, resolved from
// compile's options. A head owns the fusion of a softmax output with its cross-entropy: it tells the plan which
// steps' softmax it takes over and runs the fused kernel itself. Also the metric accumulators and the logs of a
// pass (`loss`, `dense_3_loss`, `dense_3_accuracy`, ...). Knows the network, never the model class.
import type { Logs } from '../callbacks';
import type { Kernels, LinearMemory } from '../backend/types';
import { ShapeError, ValueError } from '../errors';
import type { BoundPlan } from '../graph/plan';
import type { Network } from '../graph/network';
import type { Layer } from '../layers/layer';
import { CustomLoss, isSparse, lossName, type LossName, runCustomLoss } from '../losses';
import { type Metric, type MetricSpec, type MetricState, resolveMetric } from '../metrics';
import { numberOption, show } from '../options';
import { Tensor } from '../tensor';

/** Per output: one weight per sample (train/weights.ts), or undefined for an output whose samples all weigh 1. */
export type SampleWeights = (Float32Array | undefined)[];

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** True for a plain object used as a map by input or output name (not a tensor, array or typed array). */
export function isNameMap(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Tensor) &&
    Object.getPrototypeOf(v) === Object.prototype;
}

/** A value per output: one for all, a list in output order, or a map by output name. */
export type PerOutput<T> = T | T[] | Record<string, T>;

/** The loss head of one output: its loss, its weight in the total, and its metric. */
export interface Head {
  /** The output's name in logs and name maps: its layer's name. */
  readonly name: string;
  readonly loss: LossName | 'custom';
  /** The loss written in JavaScript, when loss is 'custom'. */
  readonly custom?: CustomLoss;
  readonly weight: number;
  /** A softmax output trained through the fused softmax + cross-entropy kernel. */
  readonly fused: boolean;
  /** The metrics compile asked for on this output. */
  readonly metrics: readonly Metric[];
  /** Floats per sample, and the sample shape. */
  readonly size: number;
  readonly shape: readonly number[];
  readonly layer: Layer;
}

/** What compile's loss, lossWeights and metrics resolve to for a network's outputs. */
export class LossHeads {
  private constructor(
    readonly heads: readonly Head[],
    /** compile's metrics by name (custom ones by their name), for saving the training configuration. */
    readonly metricNames: readonly string[],
    /** Per step of the network: true when a head owns that step's softmax (the plan leaves it out). */
    readonly fusedSteps: readonly boolean[],
  ) {}

  /** Resolves compile's loss, lossWeights and metrics against the network's outputs; ValueError/ShapeError naming the option. */
  static resolve(net: Network, loss: PerOutput<string | CustomLoss>, lossWeights: number[] | Record<string, number> | undefined,
    metrics: MetricSpec[] | Record<string, MetricSpec[]> | undefined): LossHeads {
    const names = net.outputs.map((t) => t.sourceLayer.name);
    // a list applies to every output; a map by output name gives each its own (outputs it leaves out get none)
    let metricLists: unknown[] = names.map((): unknown[] => []);
    if (Array.isArray(metrics)) metricLists = names.map(() => metrics);
    else if (isNameMap(metrics)) {
      const map = metrics;
      for (const k of Object.keys(map)) {
        if (!names.includes(k)) throw new ValueError(`compile: metrics names output ${show(k)}, but the outputs are: ${names.join(', ')}`);
      }
      metricLists = names.map((n) => (Object.hasOwn(map, n) ? map[n] : []));
    } else if (metrics !== undefined) metricLists = [metrics];
    metricLists.forEach((list, i) => {
      if (!Array.isArray(list)) {
        throw new ValueError(`metrics must be a list such as ['accuracy']${names.length > 1 ? ' or a map of such lists by output name' : ''}, ` +
          `got ${show(list)}${names.length > 1 ? ` for output '${names[i]}'` : ''}`);
      }
    });
    const losses = perOutput('loss', loss, names, true).map((l) => (l instanceof CustomLoss ? l : lossName(l)));
    const weights = lossWeights === undefined ? names.map(() => 1)
      : perOutput('lossWeights', lossWeights, names, false).map((w, i) =>
        numberOption(`lossWeights for output '${names[i]}'`, w, { min: 0 }));
    const heads = net.outputs.map((t, i): Head => {
      const custom = losses[i] instanceof CustomLoss ? losses[i] : undefined;
      const loss = custom ? 'custom' : losses[i] as LossName;
      const size = product(t.shape);
      const layer = t.sourceLayer;
      if (isSparse(loss) && size < 2) {
        throw new ShapeError(`sparseCategoricalCrossentropy needs at least 2 output units, but layer '${layer.name}' has ${size}`);
      }
      const metrics = (metricLists[i] as unknown[]).map((m) => resolveMetric(m, loss, size, layer.name));
      metrics.forEach((m, j) => {
        if (metrics.findIndex((o) => o.key === m.key) < j) throw new ValueError(`compile: metric ${m.key} is given twice for output '${layer.name}'`);
      });
      // the loss head takes over the softmax when nothing else reads the output
      const v = net.outputIds[i];
      const fused = layer.softmaxOutput && (loss === 'categoricalCrossentropy' || isSparse(loss)) && net.consumers[v].length === 0;
      return { name: layer.name, loss, custom, weight: weights[i], fused, metrics, size, shape: [...t.shape], layer };
    });
    const fusedSteps = net.steps.map((s) => heads.some((h, i) => h.fused && net.outputIds[i] === s.output));
    const metricNames = (metricLists[0] as unknown[]).filter((m) => typeof m === 'string').map((m) => (m === 'acc' ? 'accuracy' : m as string));
    return new LossHeads(heads, metricNames, fusedSteps);
  }

  /** The batch-mean loss of head `h` over `rows` samples at y, target and g (0: no gradient), unweighted. */
  private lossOf(k: Kernels, memory: LinearMemory, h: Head, y: number, target: number, g: number, rows: number): number {
    const cols = h.size;
    if (h.custom) return runCustomLoss(h.custom, { k, memory, pred: y, target, grad: g, rows, cols });
    switch (h.loss) {
      case 'meanSquaredError': return k.f32_mse(y, target, g, rows, cols);
      case 'binaryCrossentropy': return k.f32_bce(y, target, g, rows, cols);
      case 'meanAbsoluteError': return k.f32_mae(y, target, g, rows, cols);
      case 'huber': return k.f32_huber(y, target, g, rows, cols, 1);
      case 'logcosh': return k.f32_logcosh(y, target, g, rows, cols);
      case 'hinge': return k.f32_hinge(y, target, g, rows, cols);
      case 'squaredHinge': return k.f32_squared_hinge(y, target, g, rows, cols);
      case 'categoricalHinge': return k.f32_categorical_hinge(y, target, g, rows, cols);
      case 'kullbackLeiblerDivergence': return k.f32_kld(y, target, g, rows, cols);
      case 'poisson': return k.f32_poisson(y, target, g, rows, cols);
      case 'meanAbsolutePercentageError': return k.f32_mape(y, target, g, rows, cols);
      case 'meanSquaredLogarithmicError': return k.f32_msle(y, target, g, rows, cols);
      case 'cosineProximity': return k.f32_cosine_proximity(y, target, g, rows, cols);
      case 'categoricalCrossentropy':
        return h.fused ? k.f32_softmax_cce(y, target, y, g, rows, cols) : k.f32_cce(y, target, g, rows, cols);
      default:
        return h.fused ? k.f32_softmax_sparse_cce(y, target, y, g, rows, cols) : k.f32_sparse_cce(y, target, g, rows, cols);
    }
  }

  /**
   * The loss of output `o` over `rows` samples in the plan's buffers; writes its (weighted) gradient when `grad`.
   * With sample weights `w` (one per row), Σ wᵢ·lossᵢ / rows and its gradient: each sample's loss and gradient
   * on its own (the kernels' per-sample definition, a custom loss called with one row), its gradient scaled by wᵢ/rows.
   */
  private headLoss(k: Kernels, memory: LinearMemory, p: BoundPlan, o: number, rows: number, grad: boolean, w: Float32Array | undefined): number {
    const h = this.heads[o];
    const y = p.outputPtrs[o];
    const sparse = isSparse(h.loss);
    const target = sparse ? p.labelPtrs[o] : p.targetPtrs[o];
    const g = grad ? p.outputGrads[o] : 0;
    const cols = h.size;
    let loss: number;
    if (!w) {
      loss = this.lossOf(k, memory, h, y, target, g, rows);
      if (grad && h.weight !== 1) k.f32_scale(g, rows * cols, h.weight);
      return loss;
    }
    const row = cols * 4;
    const tRow = sparse ? 4 : row;
    let sum = 0;
    for (let i = 0; i < rows; i++) {
      const wi = w[i];
      const gi = g ? g + i * row : 0;
      const li = this.lossOf(k, memory, h, y + i * row, target + i * tRow, gi, 1);
      sum += wi * li;
      if (gi) k.f32_scale(gi, cols, Math.fround(h.weight * wi / rows));
    }
    return sum / rows;
  }

  /**
   * The weighted total of the outputs' losses over `rows` samples (regularization not included), each output's in
   * `each[o]`; writes the gradients of the outputs when `grad`. `weights[o]`: output o's sample weights for these rows.
   */
  loss(k: Kernels, memory: LinearMemory, p: BoundPlan, rows: number, grad: boolean, each?: number[], weights?: SampleWeights): number {
    const heads = this.heads;
    let loss = 0;
    for (let o = 0; o < heads.length; o++) {
      const h = heads[o];
      const l = this.headLoss(k, memory, p, o, rows, grad, weights?.[o]);
      if (each) each[o] = l;
      loss = o === 0 && h.weight === 1 ? l : loss + h.weight * l;
    }
    return loss;
  }

  /** Fresh accumulators for a pass: per output, one per metric. */
  metricStates(): MetricState[][] {
    return this.heads.map((h) => h.metrics.map((m) => m.make()));
  }

  /** Adds the batch in the plan's buffers (`rows` samples) to every metric of every output; `into[o][j]` gets its value. */
  addMetrics(k: Kernels, memory: LinearMemory, p: BoundPlan, states: MetricState[][], rows: number, into?: number[][]): void {
    const heads = this.heads;
    for (let o = 0; o < heads.length; o++) {
      if (states[o].length === 0) continue;
      const h = heads[o];
      const sparse = isSparse(h.loss);
      const view = { k, memory, pred: p.outputPtrs[o], target: sparse ? 0 : p.targetPtrs[o], labels: sparse ? p.labelPtrs[o] : 0,
        rows, cols: h.size };
      for (let j = 0; j < states[o].length; j++) {
        const v = states[o][j].add(view);
        if (into) into[o][j] = v;
      }
    }
  }

  /**
   * The logs of a pass: the mean loss, each output's mean loss (several outputs) and the metrics' values
   * (`values[o][j]`, or the accumulators' values so far).
   */
  logsOf(loss: number, each: readonly number[], values: readonly (readonly number[])[] | MetricState[][]): Logs {
    const heads = this.heads;
    const logs: Logs = { loss };
    const value = (o: number, j: number) => {
      const v = values[o][j];
      return typeof v === 'number' ? v : v.value();
    };
    if (heads.length === 1) {
      heads[0].metrics.forEach((m, j) => { logs[m.key] = value(0, j); });
      return logs;
    }
    heads.forEach((h, o) => { logs[`${h.name}_loss`] = each[o]; });
    heads.forEach((h, o) => h.metrics.forEach((m, j) => { logs[`${h.name}_${m.key}`] = value(o, j); }));
    return logs;
  }
}

/** A compile option per output: one value for all (when `single` allows it), a list in order, or a map by name. */
function perOutput<T>(what: string, v: PerOutput<T>, names: readonly string[], single: boolean): T[] {
  if (Array.isArray(v)) {
    if (v.length !== names.length) {
      throw new ValueError(`compile: ${what} has ${v.length} entries but the model has ${names.length} outputs (${names.join(', ')})`);
    }
    return v;
  }
  if (isNameMap(v)) {
    for (const k of Object.keys(v)) {
      if (!names.includes(k)) throw new ValueError(`compile: ${what} names output ${show(k)}, but the outputs are: ${names.join(', ')}`);
    }
    return names.map((n) => {
      if (!Object.hasOwn(v, n)) throw new ValueError(`compile: ${what} has no entry for output '${n}'`);
      return v[n] as T;
    });
  }
  if (!single && names.length > 1) {
    throw new ValueError(`compile: ${what} must be a list or an object keyed by output name for a model of ${names.length} outputs`);
  }
  return names.map(() => v as T);
}
