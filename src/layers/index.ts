import { Activation, Dense, type ActivationConfig, type DenseConfig } from './dense';
import { AveragePooling2D, Conv2D, GlobalAveragePooling2D, MaxPooling2D, type Conv2DConfig, type Pooling2DConfig } from './conv';
import {
  BatchNormalization, Dropout, Flatten, Reshape, type BatchNormalizationConfig, type DropoutConfig, type ReshapeConfig,
} from './shape';
import type { LayerConfig } from './layer';

export { Layer, type LayerBinding, type ParamSpec, type LayerConfig } from './layer';
export { Dense, Activation, type ActivationConfig, type DenseConfig } from './dense';
export {
  Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, type Conv2DConfig, type Pooling2DConfig, type Padding,
} from './conv';
export {
  Flatten, Reshape, Dropout, BatchNormalization, type BatchNormalizationConfig, type DropoutConfig, type ReshapeConfig,
} from './shape';

/**
 * Layer factories in TF.js style: `nn.layers.dense(config)` is `new nn.Dense(config)`. Pass the layers to
 * {@link sequential}; the first one needs `inputShape`. Every factory checks its options and throws a
 * ValueError or ShapeError that names the layer and the option.
 *
 * @example
 * const model = nn.sequential({ layers: [
 *   nn.layers.dense({ units: 32, activation: 'relu', inputShape: [4] }),
 *   nn.layers.dense({ units: 3, activation: 'softmax' }) ] });
 */
export const layers = {
  /**
   * A fully connected layer: y = activation(x·kernel + bias). Input: 1-D samples.
   *
   * @example
   * nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] });
   */
  dense: (c: DenseConfig) => new Dense(c),
  /**
   * An activation function as a layer of its own; the shape is unchanged.
   *
   * @example
   * nn.layers.activation({ activation: 'relu' });
   */
  activation: (c: ActivationConfig) => new Activation(c),
  /**
   * A 2-D convolution over NHWC images `[height, width, channels]`.
   *
   * @example
   * nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] });
   */
  conv2d: (c: Conv2DConfig) => new Conv2D(c),
  /**
   * Max pooling over NHWC images; with no options, 2x2 windows with stride 2.
   *
   * @example
   * nn.layers.maxPooling2d({ poolSize: 2 });
   */
  maxPooling2d: (c?: Pooling2DConfig) => new MaxPooling2D(c),
  /**
   * Average pooling over NHWC images; with no options, 2x2 windows with stride 2.
   *
   * @example
   * nn.layers.averagePooling2d({ poolSize: [2, 2] });
   */
  averagePooling2d: (c?: Pooling2DConfig) => new AveragePooling2D(c),
  /**
   * The mean over all positions of each channel: `[h, w, c]` → `[c]`.
   *
   * @example
   * nn.layers.globalAveragePooling2d();
   */
  globalAveragePooling2d: (c?: LayerConfig) => new GlobalAveragePooling2D(c),
  /**
   * Flattens each sample to one dimension, row-major: `[h, w, c]` → `[h·w·c]`.
   *
   * @example
   * nn.layers.flatten();
   */
  flatten: (c?: LayerConfig) => new Flatten(c),
  /**
   * Gives each sample a new shape with the same number of values.
   *
   * @example
   * nn.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] });
   */
  reshape: (c: ReshapeConfig) => new Reshape(c),
  /**
   * Inverted dropout while training (seeded by the model), identity in predict and evaluate.
   *
   * @example
   * nn.layers.dropout({ rate: 0.25 });
   */
  dropout: (c: DropoutConfig) => new Dropout(c),
  /**
   * Batch normalization over the last axis, with moving statistics for predict.
   *
   * @example
   * nn.layers.batchNormalization();
   */
  batchNormalization: (c?: BatchNormalizationConfig) => new BatchNormalization(c),
};
export { layerFromJSON, registerLayer, SERIALIZABLE_LAYERS, type LayerJSON } from './serialize';
