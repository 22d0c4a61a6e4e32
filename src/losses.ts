import { checkName, describe, UnknownNameError } from './errors';

export type LossName = 'meanSquaredError' | 'binaryCrossentropy' | 'categoricalCrossentropy' |
  'sparseCategoricalCrossentropy';
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
