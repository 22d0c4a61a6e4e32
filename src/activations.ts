import { Act } from './backend/types';
import { checkName, ValueError } from './errors';
import { numberOption } from './options';

/**
 * An activation function, by name, as layers take it: linear (identity), relu, relu6 (min(max(x, 0), 6)), leakyRelu
 * (slope alpha below 0, default 0.2), elu (scale alpha, default 1), sigmoid, hardSigmoid (TF.js's min(max(0.2·x + 0.5,
 * 0), 1), the gates' default in an LSTM), tanh, softmax (over the last axis).
 *
 * @example
 * nn.layers.dense({ units: 8, activation: 'leakyRelu', alpha: 0.1 });
 */
export type ActivationName = 'linear' | 'relu' | 'relu6' | 'leakyRelu' | 'elu' | 'sigmoid' | 'hardSigmoid' | 'tanh' | 'softmax';
/**
 * Every activation name layers take.
 *
 * @example
 * nn.ACTIVATION_NAMES;   // ['linear', 'relu', 'relu6', 'leakyRelu', 'elu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax']
 */
export const ACTIVATION_NAMES: readonly ActivationName[] =
  ['linear', 'relu', 'relu6', 'leakyRelu', 'elu', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax'];

/** How a layer runs its activation: an elementwise kernel code with its alpha, or row-wise softmax. */
export interface ActivationSpec {
  readonly name: ActivationName;
  readonly code: Act;
  readonly alpha: number;
  readonly softmax: boolean;
}

const DEFAULT_ALPHA: Partial<Record<ActivationName, number>> = { leakyRelu: 0.2, elu: 1 };

/**
 * Resolves an activation name (TF.js spelling; `undefined` means linear) and its alpha: a finite number that
 * float32 holds, given only to leakyRelu (the slope below 0) and elu (the scale). `where` names the layer in errors.
 */
export function activationSpec(name: unknown = 'linear', alpha?: unknown, where = 'activation'): ActivationSpec {
  const n = checkName('activation', name, ACTIVATION_NAMES);
  const code = { linear: Act.Linear, relu: Act.Relu, relu6: Act.Relu6, leakyRelu: Act.LeakyRelu, elu: Act.Elu, sigmoid: Act.Sigmoid,
    hardSigmoid: Act.HardSigmoid, tanh: Act.Tanh, softmax: Act.Linear }[n];
  let a = DEFAULT_ALPHA[n] ?? 0;
  if (alpha !== undefined) {
    if (DEFAULT_ALPHA[n] === undefined) {
      throw new ValueError(`${where}: alpha applies to the leakyRelu and elu activations only, not to ${n}`);
    }
    a = numberOption(`${where}: alpha`, alpha, { f32: true });
  }
  return { name: n, code, alpha: a, softmax: n === 'softmax' };
}

/** The activation's config fields: its name, and alpha where it has one. */
export function activationConfig(a: ActivationSpec): { activation: ActivationName; alpha?: number } {
  return a.name === 'leakyRelu' || a.name === 'elu' ? { activation: a.name, alpha: a.alpha } : { activation: a.name };
}
