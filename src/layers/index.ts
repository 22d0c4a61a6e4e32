import { Activation, Dense, type DenseConfig } from './dense';
import { AveragePooling2D, Conv2D, GlobalAveragePooling2D, MaxPooling2D, type Conv2DConfig, type Pooling2DConfig } from './conv';
import { BatchNormalization, Dropout, Flatten, Reshape, type BatchNormalizationConfig } from './shape';
import type { ActivationName } from '../activations';
import type { LayerConfig } from './layer';

export { Layer, type LayerBinding, type ParamSpec, type LayerConfig } from './layer';
export { Dense, Activation, type DenseConfig } from './dense';
export { Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, type Conv2DConfig, type Pooling2DConfig } from './conv';
export { Flatten, Reshape, Dropout, BatchNormalization, type BatchNormalizationConfig } from './shape';

/**
 * Layer factories in TF.js style.
 *
 * @example
 * nn.layers.dense({ units: 10, activation: 'softmax' });
 */
export const layers = {
  dense: (c: DenseConfig) => new Dense(c),
  activation: (c: LayerConfig & { activation: ActivationName; alpha?: number }) => new Activation(c),
  conv2d: (c: Conv2DConfig) => new Conv2D(c),
  maxPooling2d: (c?: Pooling2DConfig) => new MaxPooling2D(c),
  averagePooling2d: (c?: Pooling2DConfig) => new AveragePooling2D(c),
  globalAveragePooling2d: (c?: LayerConfig) => new GlobalAveragePooling2D(c),
  flatten: (c?: LayerConfig) => new Flatten(c),
  reshape: (c: LayerConfig & { targetShape: number[] }) => new Reshape(c),
  dropout: (c: LayerConfig & { rate: number }) => new Dropout(c),
  batchNormalization: (c?: BatchNormalizationConfig) => new BatchNormalization(c),
};
export { layerFromJSON, registerLayer, SERIALIZABLE_LAYERS, type LayerJSON } from './serialize';
