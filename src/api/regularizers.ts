/**
 * Weight penalties for a layer's kernelRegularizer.
 *
 * @example
 * nn.layers.dense({ units: 64, kernelRegularizer: nn.regularizers.l2({ l2: 1e-4 }) });
 *
 * @module
 */
export { l2 } from '../layers/regularizers';
