import { ValueError } from '../errors';
import { numberOption, optionsOf, show } from '../options';

/**
 * An L2 weight penalty: loss += l2·Σw². Made by {@link l2}; accepted as `kernelRegularizer`.
 *
 * @example
 * const r: nn.Regularizer = nn.regularizers.l2({ l2: 1e-4 });
 */
export interface Regularizer {
  /** The factor λ in loss += λ·Σw²: finite and ≥ 0. */
  readonly l2: number;
}

/**
 * L2 regularization for a layer's kernel (TF.js: `tf.regularizers.l2({ l2: 0.01 })`): adds l2·Σw² to the loss
 * and 2·l2·w to the kernel's gradient. The factor must be finite and ≥ 0; default `0.01`, as in TF.js.
 *
 * @example
 * nn.layers.dense({ units: 64, kernelRegularizer: nn.regularizers.l2({ l2: 1e-4 }) });
 */
export function l2(config?: {
  /** The factor λ in the penalty λ·Σw² added to the loss, ≥ 0 and float32-representable; default 0.01. */
  l2?: number;
}): Regularizer {
  const c = optionsOf<{ l2: number }>('l2', config, ['l2']);
  return { l2: numberOption('l2 factor', c.l2 ?? 0.01, { min: 0, f32: true }) };
}

export function l2Factor(layer: string, r: Regularizer | undefined, what = 'kernelRegularizer'): number {
  if (r === undefined) return 0;
  const v = r !== null && typeof r === 'object' ? r.l2 : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || !Number.isFinite(Math.fround(v))) {
    throw new ValueError(`layer '${layer}': ${what} must be nn.regularizers.l2({ l2 }) with a finite l2 ≥ 0, got ${show(r)}${r !== null && typeof r === 'object' ? ` (l2: ${show(v)})` : ''}`);
  }
  return v;
}
