import type { Kernels } from './backend/types';
import { checkName, describe, TrainingError, UnknownNameError, ValueError } from './errors';
import { optionsOf, show } from './options';

/**
 * A loss, by its canonical name (TF.js Layers' names; `huber`, which TF.js Layers lacks, is Keras's, with
 * delta 1 as in tf.losses.huberLoss). compile also takes the Keras snake_case names ('mean_squared_error',
 * 'mean_absolute_error', 'log_cosh', 'kl_divergence', ...) and the short ones ('mse', 'mae', 'mape', 'msle',
 * 'kld', 'cosine').
 *
 * @example
 * const loss: nn.LossName = 'sparseCategoricalCrossentropy';   // y holds integer labels
 * model.compile({ optimizer: 'adam', loss });
 */
export type LossName = 'meanSquaredError' | 'binaryCrossentropy' | 'categoricalCrossentropy' |
  'sparseCategoricalCrossentropy' | 'meanAbsoluteError' | 'huber' | 'logcosh' | 'hinge' | 'squaredHinge' |
  'categoricalHinge' | 'kullbackLeiblerDivergence' | 'poisson' | 'meanAbsolutePercentageError' |
  'meanSquaredLogarithmicError' | 'cosineProximity';
/**
 * Every canonical loss name compile takes (aliases aside).
 *
 * @example
 * nn.LOSS_NAMES.length;   // 15
 */
export const LOSS_NAMES: readonly LossName[] =
  ['meanSquaredError', 'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy',
    'meanAbsoluteError', 'huber', 'logcosh', 'hinge', 'squaredHinge', 'categoricalHinge',
    'kullbackLeiblerDivergence', 'poisson', 'meanAbsolutePercentageError', 'meanSquaredLogarithmicError',
    'cosineProximity'];

const ALIASES: Record<string, LossName> = {
  mse: 'meanSquaredError',
  mean_squared_error: 'meanSquaredError',
  binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  MSE: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  MAE: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError',
  huber_loss: 'huber',
  logCosh: 'logcosh',
  log_cosh: 'logcosh',
  squared_hinge: 'squaredHinge',
  categorical_hinge: 'categoricalHinge',
  kld: 'kullbackLeiblerDivergence',
  KLD: 'kullbackLeiblerDivergence',
  kl_divergence: 'kullbackLeiblerDivergence',
  kullback_leibler_divergence: 'kullbackLeiblerDivergence',
  mape: 'meanAbsolutePercentageError',
  MAPE: 'meanAbsolutePercentageError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError',
  msle: 'meanSquaredLogarithmicError',
  MSLE: 'meanSquaredLogarithmicError',
  mean_squared_logarithmic_error: 'meanSquaredLogarithmicError',
  cosine: 'cosineProximity',
  cosine_proximity: 'cosineProximity',
};

/** True when `name` is a canonical loss name or one of the aliases compile takes. */
export const isLossName = (name: string): boolean => Object.hasOwn(ALIASES, name) || (LOSS_NAMES as readonly string[]).includes(name);

/** Resolves a loss name (TF.js camelCase, or the Keras snake_case and short aliases). */
export function lossName(name: unknown): LossName {
  if (typeof name === 'string' && Object.hasOwn(ALIASES, name)) return ALIASES[name];
  if (typeof name === 'function') {
    throw new UnknownNameError(`loss must be the name of a built-in loss or nn.losses.custom({ name, compute }), got ` +
      `${describe(name)}; valid losses are: ${LOSS_NAMES.join(', ')}`);
  }
  return checkName('loss', name, LOSS_NAMES);
}

/** True for losses whose targets are integer class labels (one per sample) rather than rows of values. */
export const isSparse = (loss: string) => loss === 'sparseCategoricalCrossentropy';

/**
 * What a custom loss computes for a batch: `yTrue` and `yPred` hold `rows` samples of `cols` values each, row-major
 * (the output's sample shape flattened). It writes d(loss)/d(yPred[i]) of the batch-mean loss into `grad` (same
 * length; it arrives filled with zeros) and returns the batch-mean loss.
 *
 * @example
 * const halfMse: nn.LossCompute = (yTrue, yPred, grad, rows, cols) => {
 *   let s = 0;
 *   for (let i = 0; i < rows * cols; i++) { const d = yPred[i] - yTrue[i]; s += 0.5 * d * d; grad[i] = d / (rows * cols); }
 *   return s / (rows * cols);
 * };
 */
export type LossCompute = (yTrue: Float32Array, yPred: Float32Array, grad: Float32Array, rows: number, cols: number) => number;

/**
 * A loss written in JavaScript, made by {@link losses}.custom. A saved model records its name; loadModel takes it
 * back through `customObjects`.
 *
 * @example
 * const mae = nn.losses.custom({ name: 'myMae', compute: (yTrue, yPred, grad, rows, cols) => {
 *   const n = rows * cols;
 *   let s = 0;
 *   for (let i = 0; i < n; i++) {
 *     const d = yPred[i] - yTrue[i];
 *     s += Math.abs(d);
 *     grad[i] = Math.sign(d) / n;
 *   }
 *   return s / n;
 * } });
 * model.compile({ optimizer: 'sgd', loss: mae });
 */
export class CustomLoss {
  /** The loss's name: its key in a saved training configuration and in loadModel's customObjects. */
  readonly name: string;
  /** Writes the gradient of the batch-mean loss into grad and returns the batch-mean loss. */
  readonly compute: LossCompute;
  /** @internal */
  constructor(name: string, compute: LossCompute) {
    this.name = name;
    this.compute = compute;
  }
}

/**
 * The options of {@link losses}.custom.
 *
 * @example
 * const config: nn.CustomLossConfig = { name: 'halfMse', compute: halfMse };
 */
export interface CustomLossConfig {
  /** A non-empty name of at most 256 characters that is not a built-in loss's name or alias. */
  name: string;
  /** See {@link LossCompute}. */
  compute: LossCompute;
}

/**
 * Loss makers for compile's `loss`, beside the built-in names.
 *
 * @example
 * model.compile({ optimizer: 'adam', loss: nn.losses.custom({ name: 'half', compute: halfMse }) });
 */
export const losses = {
  /**
   * A loss written in JavaScript (see {@link CustomLoss} and {@link LossCompute}). Check its gradient with
   * nn.checkGradients before training with it.
   *
   * @example
   * const halfMse = nn.losses.custom({ name: 'halfMse', compute: (t, p, g, rows, cols) => {
   *   let s = 0;
   *   for (let i = 0; i < t.length; i++) { const d = p[i] - t[i]; s += 0.5 * d * d; g[i] = d / (rows * cols); }
   *   return s / (rows * cols);
   * } });
   */
  custom(config: CustomLossConfig): CustomLoss {
    const c = optionsOf<CustomLossConfig>('losses.custom', config ?? null, ['name', 'compute']);
    if (typeof c.name !== 'string' || c.name.length === 0 || c.name.length > 256) {
      throw new ValueError(`losses.custom: name must be a non-empty string of at most 256 characters, got ${show(c.name)}`);
    }
    if (isLossName(c.name)) {
      throw new ValueError(`losses.custom: name ${show(c.name)} is a built-in loss's name; a saved model would load the built-in one, so choose another`);
    }
    if (typeof c.compute !== 'function') {
      throw new ValueError(`losses.custom '${c.name}': compute must be a function (yTrue, yPred, grad, rows, cols) => number, got ${show(c.compute)}`);
    }
    return new CustomLoss(c.name, c.compute);
  },
};

/** Where a batch's values are for a custom loss: byte offsets into the backend's memory. */
export interface LossBatch {
  readonly k: Kernels;
  readonly memory: { f32(): Float32Array; i32(): Int32Array };
  readonly pred: number;
  readonly target: number;
  /** 0 when no gradient is wanted (evaluation): the loss then writes into a scratch array. */
  readonly grad: number;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Runs a custom loss over views of the batch in linear memory: the batch-mean loss, and its gradient written in
 * place. A loss that returns no finite number, or writes a non-finite gradient, is an error naming it.
 */
export function runCustomLoss(loss: CustomLoss, b: LossBatch): number {
  const n = b.rows * b.cols;
  const f = b.memory.f32();
  const yTrue = f.subarray(b.target / 4, b.target / 4 + n);
  const yPred = f.subarray(b.pred / 4, b.pred / 4 + n);
  const grad = b.grad ? f.subarray(b.grad / 4, b.grad / 4 + n) : new Float32Array(n);
  if (b.grad) grad.fill(0);
  const v: unknown = loss.compute(yTrue, yPred, grad, b.rows, b.cols);
  if (typeof v !== 'number') throw new ValueError(`custom loss '${loss.name}' returned ${show(v)}; compute must return the batch-mean loss as a number`);
  if (!Number.isFinite(v)) {
    throw new TrainingError(`custom loss '${loss.name}' returned ${v} for a batch of ${b.rows} samples; compute must return a finite batch-mean loss`);
  }
  if (b.grad && !b.k.f32_all_finite(b.grad, n)) {
    const g = b.memory.f32().subarray(b.grad / 4, b.grad / 4 + n);
    const i = g.findIndex((x) => !Number.isFinite(x));
    throw new TrainingError(`custom loss '${loss.name}' wrote ${g[i]} into grad at sample ${Math.floor(i / b.cols)}, index ${i % b.cols}; ` +
      'the gradient must be finite');
  }
  return v;
}
