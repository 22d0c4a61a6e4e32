import { ValueError } from '../errors';

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
export function l2(c: { l2?: number } = {}): Regularizer {
  const v = c.l2 ?? 0.01;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ValueError(`l2 factor must be a finite number ≥ 0, got ${v}`);
  return { l2: v };
}

export function l2Factor(layer: string, r: Regularizer | undefined): number {
  if (r === undefined) return 0;
  if (r === null || typeof r !== 'object' || typeof r.l2 !== 'number' || !Number.isFinite(r.l2) || r.l2 < 0) {
    throw new ValueError(`layer '${layer}': kernelRegularizer must be nn.regularizers.l2({ l2 }) with l2 ≥ 0, got ${JSON.stringify(r)}`);
  }
  return r.l2;
}
