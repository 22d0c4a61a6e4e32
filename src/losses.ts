import { checkName, describe, UnknownNameError } from './errors';

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
    throw new UnknownNameError(`loss must be the name of a built-in loss, got ${describe(name)}: neurite has no custom ` +
      `loss functions; valid losses are: ${LOSS_NAMES.join(', ')}`);
  }
  return checkName('loss', name, LOSS_NAMES);
}

/** True for losses whose targets are integer class labels (one per sample) rather than rows of values. */
export const isSparse = (loss: LossName) => loss === 'sparseCategoricalCrossentropy';
