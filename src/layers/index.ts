import { Activation, Dense, type DenseConfig } from './dense';
import type { ActivationName } from '../activations';
import type { LayerConfig } from './layer';

export { Layer, type LayerBinding, type ParamSpec, type LayerConfig } from './layer';
export { Dense, Activation, type DenseConfig } from './dense';

/**
 * Layer factories in TF.js style.
 *
 * @example
 * nn.layers.dense({ units: 10, activation: 'softmax' });
 */
export const layers = {
  dense: (c: DenseConfig) => new Dense(c),
  activation: (c: LayerConfig & { activation: ActivationName; alpha?: number }) => new Activation(c),
};
export { layerFromJSON, registerLayer, SERIALIZABLE_LAYERS, type LayerJSON } from './serialize';
