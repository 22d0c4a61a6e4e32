import { checkName, describe, UnknownNameError } from './errors';

/**
 * A loss, by its canonical name. compile also takes 'mse' and the Keras snake_case names
 * ('mean_squared_error', 'binary_crossentropy', 'categorical_crossentropy', 'sparse_categorical_crossentropy').
 *
 * @example
 * const loss: nn.LossName = 'sparseCategoricalCrossentropy';   // y holds integer labels
 * model.compile({ optimizer: 'adam', loss });
 */
export type LossName = 'meanSquaredError' | 'binaryCrossentropy' | 'categoricalCrossentropy' |
  'sparseCategoricalCrossentropy';
/**
 * Every canonical loss name compile takes (aliases aside).
 *
 * @example
 * nn.LOSS_NAMES.length;   // 4
 */
export const LOSS_NAMES: readonly LossName[] =
  ['meanSquaredError', 'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy'];

const ALIASES: Record<string, LossName> = {
  mse: 'meanSquaredError',
  mean_squared_error: 'meanSquaredError',
  binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
};

/** Resolves a loss name (TF.js camelCase, or the Keras snake_case and 'mse' aliases). */
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
