// Metrics: numbers fit and evaluate report beside the loss, per output. Built-in ones by name (as TF.js / Keras
// spell them), and custom ones written in JavaScript over the batch's targets and predictions. Each pass (an
// epoch, an evaluation, a validation) accumulates them over its batches: counts for the accuracies, precision and
// recall (so the epoch's value is exact, not a mean of batch ratios), sums weighted by batch size for the means.
import type { Kernels } from './backend/types';
import { UnknownNameError, ValueError } from './errors';
import { type LossName, isSparse } from './losses';
import { intOption, optionsOf, show } from './options';

/**
 * The metric names compile takes.
 *
 * @example
 * nn.METRIC_NAMES.includes('precision');   // true
 */
export const METRIC_NAMES = ['accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy',
  'topKCategoricalAccuracy', 'sparseTopKCategoricalAccuracy', 'precision', 'recall', 'meanAbsoluteError', 'mae',
  'meanSquaredError', 'mse'] as const;
/**
 * A built-in metric's name (see {@link CompileConfig.metrics}).
 *
 * @example
 * const names: nn.MetricName[] = ['accuracy', 'mae'];
 */
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * A metric written in JavaScript: `compute` gets the batch's targets and predictions as row-major Float32Arrays
 * (`rows` samples of `cols` values; for sparseCategoricalCrossentropy outputs, `yTrue` holds one label per row)
 * and returns the batch's mean. The epoch's value is the mean over its batches weighted by their sizes. Made by
 * {@link metrics}.custom.
 *
 * @example
 * const meanError = nn.metrics.custom({ name: 'meanError', compute: (yTrue, yPred, rows, cols) => {
 *   let s = 0;
 *   for (let i = 0; i < rows * cols; i++) s += yPred[i] - yTrue[i];
 *   return s / (rows * cols);
 * } });
 * model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae', meanError] });   // logs mae and meanError
 */
export class CustomMetric {
  /** The log key. */
  readonly name: string;
  /** Returns the batch's mean of the metric. */
  readonly compute: (yTrue: Float32Array, yPred: Float32Array, rows: number, cols: number) => number;
  /** @internal */
  constructor(name: string, compute: CustomMetric['compute']) {
    this.name = name;
    this.compute = compute;
  }
}

/**
 * Options of {@link metrics}.topKCategoricalAccuracy.
 *
 * @example
 * nn.metrics.topKCategoricalAccuracy({ k: 3 });
 */
export interface TopKConfig {
  /** How many of the highest predictions may hold the target class. Default 5 (TF.js). */
  k?: number;
  /** True for integer-label targets (sparseCategoricalCrossentropy). Default false. */
  sparse?: boolean;
}

/**
 * The top-k accuracy with its own k: made by {@link metrics}.topKCategoricalAccuracy.
 *
 * @example
 * const top3 = nn.metrics.topKCategoricalAccuracy({ k: 3 });   // top3.name === 'topKCategoricalAccuracy'
 */
export class TopKMetric {
  /** The log key: `topKCategoricalAccuracy` or `sparseTopKCategoricalAccuracy`. */
  readonly name: string;
  /** How many of the highest predictions may hold the target class. */
  readonly k: number;
  /** True for integer-label targets. */
  readonly sparse: boolean;
  /** @internal */
  constructor(k: number, sparse: boolean) {
    this.k = k;
    this.sparse = sparse;
    this.name = sparse ? 'sparseTopKCategoricalAccuracy' : 'topKCategoricalAccuracy';
  }
}

/**
 * What compile's metrics list takes: a name, a custom metric, or a top-k metric with its k.
 *
 * @example
 * const list: nn.MetricSpec[] = ['accuracy', nn.metrics.topKCategoricalAccuracy({ k: 2 })];
 */
// `string & {}` keeps the names' completion in editors while taking any string (checked when compiling)
export type MetricSpec = MetricName | (string & {}) | CustomMetric | TopKMetric;

/**
 * Metric makers for compile's `metrics`.
 *
 * @example
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy',
 *                 metrics: ['accuracy', nn.metrics.topKCategoricalAccuracy({ k: 2 })] });
 */
export const metrics = {
  /**
   * A metric written in JavaScript (see {@link CustomMetric}). `name` is its log key (a non-empty string);
   * `compute(yTrue, yPred, rows, cols)` returns the batch's mean.
   *
   * @example
   * nn.metrics.custom({ name: 'maxError', compute: (t, p) => Math.max(...p.map((v, i) => Math.abs(v - t[i]))) });
   */
  custom(config: { name: string; compute: CustomMetric['compute'] }): CustomMetric {
    const c = optionsOf<{ name: string; compute: CustomMetric['compute'] }>('metrics.custom', config, ['name', 'compute']);
    if (typeof c.name !== 'string' || c.name.length === 0 || c.name.length > 256) {
      throw new ValueError(`metrics.custom: name must be a non-empty string of at most 256 characters, got ${show(c.name)}`);
    }
    if (typeof c.compute !== 'function') throw new ValueError(`metrics.custom '${c.name}': compute must be a function (yTrue, yPred, rows, cols) => number, got ${show(c.compute)}`);
    return new CustomMetric(c.name, c.compute);
  },
  /**
   * The fraction of samples whose target class is among the k highest predictions (ties count as in).
   *
   * @example
   * nn.metrics.topKCategoricalAccuracy({ k: 3 });
   */
  topKCategoricalAccuracy(config?: TopKConfig): TopKMetric {
    const c = optionsOf<TopKConfig>('metrics.topKCategoricalAccuracy', config, ['k', 'sparse']);
    return new TopKMetric(intOption('metrics.topKCategoricalAccuracy: k', c.k ?? 5, 1), c.sparse === true);
  },
};

/** Where a batch's values are, for a metric to read. */
export interface BatchView {
  readonly k: Kernels;
  /** The backend's memory (views taken at each read: a grown memory has a new buffer). */
  readonly memory: { f32(): Float32Array; i32(): Int32Array };
  readonly pred: number;
  /** f32 targets (dense losses) or 0. */
  readonly target: number;
  /** i32 labels (sparse losses) or 0. */
  readonly labels: number;
  readonly rows: number;
  readonly cols: number;
}

/** One metric of one output, accumulating over a pass. */
export interface MetricState {
  /** The log key, without the output's prefix. */
  readonly key: string;
  /** Adds a batch; returns the batch's own value. */
  add(b: BatchView): number;
  /** The pass's value so far. */
  value(): number;
  /** Starts a new pass. */
  reset(): void;
}

type Kind = 'binary' | 'argmax' | 'label' | 'topk' | 'precision' | 'recall' | 'mae' | 'mse' | 'custom';

/** A resolved metric of an output: how to make its accumulator. */
export interface Metric {
  readonly key: string;
  readonly kind: Kind;
  make(): MetricState;
}

const sparseOnly = new Set<Kind>(['label']);
const denseOnly = new Set<Kind>(['argmax', 'binary', 'precision', 'recall', 'mae', 'mse']);

/** Resolves one entry of compile's metrics for an output trained with `loss` and `size` units. */
export function resolveMetric(spec: unknown, loss: LossName | 'custom', size: number, output: string): Metric {
  const sparse = loss !== 'custom' && isSparse(loss);
  let key: string;
  let kind: Kind;
  let k = 0;
  let custom: CustomMetric | undefined;
  if (spec instanceof CustomMetric) {
    key = spec.name;
    kind = 'custom';
    custom = spec;
  } else if (spec instanceof TopKMetric) {
    key = spec.name;
    kind = 'topk';
    k = spec.k;
    if (spec.sparse !== sparse) {
      throw new ValueError(`metric ${spec.name} of output '${output}' needs ${spec.sparse ? 'integer labels' : 'one-hot targets'}, ` +
        `but the output is trained with ${loss}; use ${sparse ? 'nn.metrics.topKCategoricalAccuracy({ k, sparse: true })' : 'sparse: false'}`);
    }
  } else {
    if (typeof spec !== 'string' || !(METRIC_NAMES as readonly string[]).includes(spec)) {
      throw new UnknownNameError(`unknown metric ${show(spec)}; valid metrics are: ${METRIC_NAMES.join(', ')}, ` +
        'nn.metrics.custom(...) and nn.metrics.topKCategoricalAccuracy(...)');
    }
    key = spec === 'acc' ? 'accuracy' : spec;
    switch (spec as MetricName) {
      case 'accuracy': case 'acc':
        // as Keras resolves it from the loss
        kind = sparse ? 'label' : loss === 'binaryCrossentropy' || size === 1 ? 'binary' : 'argmax';
        break;
      case 'binaryAccuracy': kind = 'binary'; break;
      case 'categoricalAccuracy': kind = 'argmax'; break;
      case 'sparseCategoricalAccuracy': kind = 'label'; break;
      case 'topKCategoricalAccuracy': kind = 'topk'; k = 5; break;
      case 'sparseTopKCategoricalAccuracy': kind = 'topk'; k = 5; break;
      case 'precision': kind = 'precision'; break;
      case 'recall': kind = 'recall'; break;
      case 'meanAbsoluteError': case 'mae': kind = 'mae'; break;
      default: kind = 'mse';
    }
    if (spec === 'sparseTopKCategoricalAccuracy' && !sparse) throw mismatch(spec, output, loss, 'integer labels', 'topKCategoricalAccuracy');
    if (spec === 'topKCategoricalAccuracy' && sparse) throw mismatch(spec, output, loss, 'one-hot targets', 'sparseTopKCategoricalAccuracy');
  }
  if (sparse && denseOnly.has(kind)) throw mismatch(key, output, loss, 'one value per unit', 'sparseCategoricalAccuracy');
  if (!sparse && sparseOnly.has(kind)) throw mismatch(key, output, loss, 'integer labels', 'categoricalAccuracy');
  if ((kind === 'argmax' || kind === 'label' || kind === 'topk') && size < 2) {
    throw new ValueError(`metric ${key} of output '${output}' needs at least 2 units, the output has ${size}`);
  }
  const make = (): MetricState => stateOf(kind, key, k, custom);
  return { key, kind, make };
}

function mismatch(metric: string, output: string, loss: string, needs: string, instead: string): ValueError {
  return new ValueError(`metric ${metric} of output '${output}' needs targets with ${needs}, but the output is trained with ${loss}; use ${instead}`);
}

/** Counts of correct predictions (kernels) over a denominator: exact over any number of batches. */
function stateOf(kind: Kind, key: string, k: number, custom: CustomMetric | undefined): MetricState {
  let num = 0;
  let den = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const ratio = () => (den === 0 ? 0 : num / den);
  const add = (b: BatchView): number => {
    const n = b.rows * b.cols;
    switch (kind) {
      case 'binary': {
        const c = b.k.f32_count_binary_match(b.pred, b.target, n, 0.5);
        num += c;
        den += n;
        return c / n;
      }
      case 'argmax': {
        const c = b.k.f32_count_argmax_match(b.pred, b.target, b.rows, b.cols);
        num += c;
        den += b.rows;
        return c / b.rows;
      }
      case 'label': {
        const c = b.k.f32_count_argmax_label(b.pred, b.labels, b.rows, b.cols);
        num += c;
        den += b.rows;
        return c / b.rows;
      }
      case 'topk': {
        const f = b.memory.f32();
        const labels = b.labels ? b.memory.i32() : undefined;
        let c = 0;
        for (let r = 0; r < b.rows; r++) {
          const p = b.pred / 4 + r * b.cols;
          let t: number;
          if (labels) t = labels[b.labels / 4 + r];
          else {
            // the target class: the first largest target value
            const q = b.target / 4 + r * b.cols;
            t = 0;
            for (let j = 1; j < b.cols; j++) if (f[q + j] > f[q + t]) t = j;
          }
          let above = 0;
          for (let j = 0; j < b.cols; j++) if (f[p + j] > f[p + t]) above++;
          if (above < k) c++;
        }
        num += c;
        den += b.rows;
        return c / b.rows;
      }
      case 'precision': case 'recall': {
        const f = b.memory.f32();
        let btp = 0;
        let bfp = 0;
        let bfn = 0;
        for (let i = 0; i < n; i++) {
          const yes = f[b.pred / 4 + i] > 0.5;
          const truth = f[b.target / 4 + i] > 0.5;
          if (yes && truth) btp++;
          else if (yes) bfp++;
          else if (truth) bfn++;
        }
        tp += btp;
        fp += bfp;
        fn += bfn;
        const d = kind === 'precision' ? btp + bfp : btp + bfn;
        return d === 0 ? 0 : btp / d;
      }
      case 'mae': case 'mse': {
        const f = b.memory.f32();
        let s = 0;
        for (let i = 0; i < n; i++) {
          const d = f[b.pred / 4 + i] - f[b.target / 4 + i];
          s += kind === 'mae' ? Math.abs(d) : d * d;
        }
        num += s;
        den += n;
        return s / n;
      }
      default: {
        const f = b.memory.f32();
        const yTrue = b.labels
          ? Float32Array.from(b.memory.i32().subarray(b.labels / 4, b.labels / 4 + b.rows))
          : f.subarray(b.target / 4, b.target / 4 + n);
        const v = custom!.compute(yTrue, f.subarray(b.pred / 4, b.pred / 4 + n), b.rows, b.cols);
        if (typeof v !== 'number') throw new ValueError(`custom metric '${key}' returned ${show(v)}, not a number`);
        num += v * b.rows;
        den += b.rows;
        return v;
      }
    }
  };
  return {
    key,
    add,
    value: () => {
      if (kind === 'precision') return tp + fp === 0 ? 0 : tp / (tp + fp);
      if (kind === 'recall') return tp + fn === 0 ? 0 : tp / (tp + fn);
      return ratio();
    },
    reset: () => { num = den = tp = fp = fn = 0; },
  };
}
