import { Activation, ACTIVATION_OPTIONS, Dense, DENSE_OPTIONS, type ActivationConfig, type DenseConfig } from './dense';
import {
  AveragePooling2D, Conv2D, CONV2D_OPTIONS, GlobalAveragePooling2D, MaxPooling2D, POOLING2D_OPTIONS, type Conv2DConfig,
  type Pooling2DConfig,
} from './conv';
import {
  BASE_OPTIONS, BATCH_NORMALIZATION_OPTIONS, BatchNormalization, Dropout, DROPOUT_OPTIONS, Flatten, LAYER_NORMALIZATION_OPTIONS,
  LayerNormalization, Reshape, RESHAPE_OPTIONS, type BatchNormalizationConfig, type DropoutConfig, type LayerNormalizationConfig,
  type ReshapeConfig,
} from './shape';
import {
  AveragePooling1D, Conv1D, CONV1D_OPTIONS, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D, Permute, PERMUTE_OPTIONS,
  POOLING1D_OPTIONS, REPEAT_VECTOR_OPTIONS, RepeatVector, type Conv1DConfig, type PermuteConfig, type Pooling1DConfig,
  type RepeatVectorConfig,
} from './sequence';
import { optionsOf } from '../options';
import { Embedding, EMBEDDING_OPTIONS, type EmbeddingConfig } from './embedding';
import { LSTM, LSTM_OPTIONS, SIMPLE_RNN_OPTIONS, SimpleRNN, type LSTMConfig, type SimpleRNNConfig } from './recurrent';
import { Add, Average, Concatenate, CONCATENATE_OPTIONS, Maximum, Minimum, Multiply, Subtract, type ConcatenateConfig } from './merge';
import type { LayerConfig } from './layer';
import {
  DEPTHWISE_CONV2D_OPTIONS, DepthwiseConv2D, SEPARABLE_CONV2D_OPTIONS, SeparableConv2D, type DepthwiseConv2DConfig,
  type SeparableConv2DConfig,
} from './depthwise';
import {
  CROPPING2D_OPTIONS, Cropping2D, GlobalMaxPooling2D, ReLU, RELU_OPTIONS, Rescaling, RESCALING_OPTIONS, ZERO_PADDING2D_OPTIONS,
  ZeroPadding2D, type Cropping2DConfig, type ReLUConfig, type RescalingConfig, type ZeroPadding2DConfig,
} from './image';
import {
  CENTER_CROP_OPTIONS, CenterCrop, RANDOM_CONTRAST_OPTIONS, RANDOM_CROP_OPTIONS, RANDOM_FLIP_OPTIONS, RANDOM_ROTATION_OPTIONS,
  RANDOM_TRANSLATION_OPTIONS, RANDOM_ZOOM_OPTIONS, RandomContrast, RandomCrop, RandomFlip, RandomRotation, RandomTranslation,
  RandomZoom, type CenterCropConfig, type RandomContrastConfig, type RandomCropConfig, type RandomFlipConfig,
  type RandomRotationConfig, type RandomTranslationConfig, type RandomZoomConfig,
} from './augment';
import { CONV2D_TRANSPOSE_OPTIONS, Conv2DTranspose, type Conv2DTransposeConfig } from './conv-transpose';
import { Resizing, RESIZING_OPTIONS, UP_SAMPLING2D_OPTIONS, UpSampling2D, type ResizingConfig, type UpSampling2DConfig } from './resize';

export { Layer, Node, SymbolicTensor, type LayerBinding, type ParamSpec, type LayerConfig } from './layer';
export { InputLayer, input, INPUT_OPTIONS, type InputConfig } from './input';
export { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, type ConcatenateConfig } from './merge';
export { DepthwiseConv2D, SeparableConv2D, type DepthwiseConv2DConfig, type SeparableConv2DConfig } from './depthwise';
export {
  ZeroPadding2D, Cropping2D, GlobalMaxPooling2D, Rescaling, ReLU, type ZeroPadding2DConfig, type Cropping2DConfig,
  type RescalingConfig, type ReLUConfig,
} from './image';
export {
  RandomFlip, RandomRotation, RandomTranslation, RandomZoom, RandomContrast, RandomCrop, CenterCrop, type RandomFlipConfig,
  type RandomRotationConfig, type RandomTranslationConfig, type RandomZoomConfig, type RandomContrastConfig,
  type RandomCropConfig, type CenterCropConfig, type RandomConfig, type FillConfig, type FillMode, type Interpolation,
} from './augment';
export { UpSampling2D, Resizing, type UpSampling2DConfig, type ResizingConfig, type DataFormat } from './resize';
export { Conv2DTranspose, type Conv2DTransposeConfig } from './conv-transpose';
export { Dense, Activation, type ActivationConfig, type DenseConfig } from './dense';
export { Embedding, type EmbeddingConfig } from './embedding';
export {
  LSTM, SimpleRNN, type LSTMConfig, type SimpleRNNConfig, type RecurrentConfig, type RecurrentCellConfig, type RecurrentActivationName,
} from './recurrent';
export {
  Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, type Conv2DConfig, type Pooling2DConfig, type Padding,
} from './conv';
export {
  Flatten, Reshape, Dropout, BatchNormalization, LayerNormalization, type BatchNormalizationConfig, type DropoutConfig,
  type LayerNormalizationConfig, type ReshapeConfig,
} from './shape';
export {
  Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, RepeatVector, Permute,
  type Conv1DConfig, type Pooling1DConfig, type Padding1D, type RepeatVectorConfig, type PermuteConfig,
} from './sequence';

/** Checks a factory's options object, refusing keys the layer does not take (with the closest valid one). */
const strict = <T extends object>(what: string, c: unknown, valid: readonly string[]) => optionsOf<T>(what, c, valid) as T;

/**
 * Layer factories in TF.js style: `nn.layers.dense(config)` is `new nn.Dense(config)`. Pass the layers to
 * {@link sequential}; the first one needs `inputShape`. Every factory checks its options and throws a
 * ValueError or ShapeError that names the layer and the option; an option it does not know is refused, naming the
 * closest valid one.
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
  dense: (c: DenseConfig) => new Dense(strict('dense', c, DENSE_OPTIONS)),
  /**
   * An activation function as a layer of its own; the shape is unchanged.
   *
   * @example
   * nn.layers.activation({ activation: 'relu' });
   */
  activation: (c: ActivationConfig) => new Activation(strict('activation', c, ACTIVATION_OPTIONS)),
  /**
   * A 2-D convolution over NHWC images `[height, width, channels]`.
   *
   * @example
   * nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] });
   */
  conv2d: (c: Conv2DConfig) => new Conv2D(strict('conv2d', c, CONV2D_OPTIONS)),
  /**
   * Max pooling over NHWC images; with no options, 2x2 windows with stride 2.
   *
   * @example
   * nn.layers.maxPooling2d({ poolSize: 2 });
   */
  maxPooling2d: (c?: Pooling2DConfig) => new MaxPooling2D(strict('maxPooling2d', c, POOLING2D_OPTIONS)),
  /**
   * Average pooling over NHWC images; with no options, 2x2 windows with stride 2.
   *
   * @example
   * nn.layers.averagePooling2d({ poolSize: [2, 2] });
   */
  averagePooling2d: (c?: Pooling2DConfig) => new AveragePooling2D(strict('averagePooling2d', c, POOLING2D_OPTIONS)),
  /**
   * The mean over all positions of each channel: `[h, w, c]` → `[c]`.
   *
   * @example
   * nn.layers.globalAveragePooling2d();
   */
  globalAveragePooling2d: (c?: LayerConfig) => new GlobalAveragePooling2D(strict('globalAveragePooling2d', c, BASE_OPTIONS)),
  /**
   * Integer ids → rows of a trainable table `embeddings` `[inputDim, outputDim]`: samples `[steps]` become
   * `[steps, outputDim]`. Ids must be integers in `[0, inputDim)`.
   *
   * @example
   * nn.layers.embedding({ inputDim: 1000, outputDim: 32, inputLength: 40 });
   */
  embedding: (c: EmbeddingConfig) => new Embedding(strict('embedding', c, EMBEDDING_OPTIONS)),
  /**
   * Long short-term memory over sequences `[steps, features]`, as TF.js's LSTM (gates i, f, c, o; defaults tanh,
   * hardSigmoid, glorotNormal, orthogonal): the last state `[units]`, or every state with `returnSequences`.
   *
   * @example
   * nn.layers.lstm({ units: 32, returnSequences: true, inputShape: [40, 8] });
   */
  lstm: (c: LSTMConfig) => new LSTM(strict('lstm', c, LSTM_OPTIONS)),
  /**
   * A fully connected recurrent layer over sequences `[steps, features]`, as TF.js's SimpleRNN:
   * h = act(x·W + b + h₋₁·R); the last state `[units]`, or every state with `returnSequences`.
   *
   * @example
   * nn.layers.simpleRNN({ units: 16, inputShape: [30, 2] });
   */
  simpleRNN: (c: SimpleRNNConfig) => new SimpleRNN(strict('simpleRNN', c, SIMPLE_RNN_OPTIONS)),
  /**
   * A 1-D convolution over sequences `[steps, channels]`; padding 'valid', 'same' or 'causal'.
   *
   * @example
   * nn.layers.conv1d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [100, 8] });
   */
  conv1d: (c: Conv1DConfig) => new Conv1D(strict('conv1d', c, CONV1D_OPTIONS)),
  /**
   * Max pooling over sequences `[steps, channels]`; with no options, windows of 2 with stride 2.
   *
   * @example
   * nn.layers.maxPooling1d({ poolSize: 2 });
   */
  maxPooling1d: (c?: Pooling1DConfig) => new MaxPooling1D(strict('maxPooling1d', c, POOLING1D_OPTIONS)),
  /**
   * Average pooling over sequences `[steps, channels]`; with no options, windows of 2 with stride 2.
   *
   * @example
   * nn.layers.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' });
   */
  averagePooling1d: (c?: Pooling1DConfig) => new AveragePooling1D(strict('averagePooling1d', c, POOLING1D_OPTIONS)),
  /**
   * The mean over the steps of each channel: `[steps, c]` → `[c]`.
   *
   * @example
   * nn.layers.globalAveragePooling1d();
   */
  globalAveragePooling1d: (c?: LayerConfig) => new GlobalAveragePooling1D(strict('globalAveragePooling1d', c, BASE_OPTIONS)),
  /**
   * The maximum over the steps of each channel: `[steps, c]` → `[c]`.
   *
   * @example
   * nn.layers.globalMaxPooling1d();
   */
  globalMaxPooling1d: (c?: LayerConfig) => new GlobalMaxPooling1D(strict('globalMaxPooling1d', c, BASE_OPTIONS)),
  /**
   * Repeats each 1-D sample n times: `[d]` → `[n, d]`.
   *
   * @example
   * nn.layers.repeatVector({ n: 8 });
   */
  repeatVector: (c: RepeatVectorConfig) => new RepeatVector(strict('repeatVector', c, REPEAT_VECTOR_OPTIONS)),
  /**
   * Reorders each sample's axes; `dims` is a 1-based permutation without the batch axis.
   *
   * @example
   * nn.layers.permute({ dims: [2, 1] });
   */
  permute: (c: PermuteConfig) => new Permute(strict('permute', c, PERMUTE_OPTIONS)),
  /**
   * Flattens each sample to one dimension, row-major: `[h, w, c]` → `[h·w·c]`.
   *
   * @example
   * nn.layers.flatten();
   */
  flatten: (c?: LayerConfig) => new Flatten(strict('flatten', c, BASE_OPTIONS)),
  /**
   * Gives each sample a new shape with the same number of values.
   *
   * @example
   * nn.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] });
   */
  reshape: (c: ReshapeConfig) => new Reshape(strict('reshape', c, RESHAPE_OPTIONS)),
  /**
   * Inverted dropout while training (seeded by the model), identity in predict and evaluate.
   *
   * @example
   * nn.layers.dropout({ rate: 0.25 });
   */
  dropout: (c: DropoutConfig) => new Dropout(strict('dropout', c, DROPOUT_OPTIONS)),
  /**
   * Batch normalization over the last axis, with moving statistics for predict.
   *
   * @example
   * nn.layers.batchNormalization();
   */
  batchNormalization: (c?: BatchNormalizationConfig) => new BatchNormalization(strict('batchNormalization', c, BATCH_NORMALIZATION_OPTIONS)),
  /**
   * Layer normalization over the last axis (each position of each sample on its own), with learned gamma and beta.
   *
   * @example
   * nn.layers.layerNormalization();
   */
  layerNormalization: (c?: LayerNormalizationConfig) => new LayerNormalization(strict('layerNormalization', c, LAYER_NORMALIZATION_OPTIONS)),
  /**
   * The sum of its inputs (of one shape): apply it to a list, e.g. a residual connection.
   *
   * @example
   * const y = nn.layers.add().apply([x, nn.layers.dense({ units: 8 }).apply(x)]);
   */
  add: (c?: LayerConfig) => new Add(strict('add', c, BASE_OPTIONS)),
  /**
   * The first input minus the second (two inputs of one shape).
   *
   * @example
   * const d = nn.layers.subtract().apply([a, b]);
   */
  subtract: (c?: LayerConfig) => new Subtract(strict('subtract', c, BASE_OPTIONS)),
  /**
   * The elementwise product of its inputs (of one shape).
   *
   * @example
   * const gated = nn.layers.multiply().apply([features, gate]);
   */
  multiply: (c?: LayerConfig) => new Multiply(strict('multiply', c, BASE_OPTIONS)),
  /**
   * The mean of its inputs (of one shape).
   *
   * @example
   * const mean = nn.layers.average().apply([a, b, c]);
   */
  average: (c?: LayerConfig) => new Average(strict('average', c, BASE_OPTIONS)),
  /**
   * The elementwise maximum of its inputs (of one shape).
   *
   * @example
   * const m = nn.layers.maximum().apply([a, b]);
   */
  maximum: (c?: LayerConfig) => new Maximum(strict('maximum', c, BASE_OPTIONS)),
  /**
   * The elementwise minimum of its inputs (of one shape).
   *
   * @example
   * const m = nn.layers.minimum().apply([a, b]);
   */
  minimum: (c?: LayerConfig) => new Minimum(strict('minimum', c, BASE_OPTIONS)),
  /**
   * Joins its inputs along an axis (default -1, the last); their other dimensions must agree.
   *
   * @example
   * const joined = nn.layers.concatenate({ axis: -1 }).apply([branchA, branchB]);
   */
  concatenate: (c?: ConcatenateConfig) => new Concatenate(strict('concatenate', c, CONCATENATE_OPTIONS)),
  /**
   * A depthwise 2-D convolution over NHWC images: `depthMultiplier` filters per input channel (MobileNet's 3x3 layers).
   *
   * @example
   * nn.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false });
   */
  depthwiseConv2d: (c: DepthwiseConv2DConfig) => new DepthwiseConv2D(strict('depthwiseConv2d', c, DEPTHWISE_CONV2D_OPTIONS)),
  /**
   * A depthwise convolution followed by a 1x1 convolution to `filters` channels, then bias and activation.
   *
   * @example
   * nn.layers.separableConv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' });
   */
  separableConv2d: (c: SeparableConv2DConfig) => new SeparableConv2D(strict('separableConv2d', c, SEPARABLE_CONV2D_OPTIONS)),
  /**
   * Zeros around NHWC images; with no options, one row and column on every side.
   *
   * @example
   * nn.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] });
   */
  zeroPadding2d: (c?: ZeroPadding2DConfig) => new ZeroPadding2D(strict('zeroPadding2d', c, ZERO_PADDING2D_OPTIONS)),
  /**
   * Removes rows and columns from the borders of NHWC images.
   *
   * @example
   * nn.layers.cropping2d({ cropping: [[1, 1], [2, 2]] });
   */
  cropping2d: (c?: Cropping2DConfig) => new Cropping2D(strict('cropping2d', c, CROPPING2D_OPTIONS)),
  /**
   * The maximum of each channel over all positions: `[h, w, c]` → `[c]`.
   *
   * @example
   * nn.layers.globalMaxPooling2d();
   */
  globalMaxPooling2d: (c?: LayerConfig) => new GlobalMaxPooling2D(strict('globalMaxPooling2d', c, BASE_OPTIONS)),
  /**
   * y = x·scale + offset, e.g. pixels in [0, 255] to [−1, 1].
   *
   * @example
   * nn.layers.rescaling({ scale: 1 / 127.5, offset: -1, inputShape: [96, 96, 3] });
   */
  rescaling: (c: RescalingConfig) => new Rescaling(strict('rescaling', c, RESCALING_OPTIONS)),
  /**
   * The rectifier with Keras's options `maxValue`, `negativeSlope` and `threshold`.
   *
   * @example
   * nn.layers.reLU({ maxValue: 6 });
   */
  reLU: (c?: ReLUConfig) => new ReLU(strict('reLU', c, RELU_OPTIONS)),
  /**
   * Flips images left-right and/or up-down at random while training; identity in predict.
   *
   * @example
   * nn.layers.randomFlip({ mode: 'horizontal', inputShape: [96, 96, 3] });
   */
  randomFlip: (c?: RandomFlipConfig) => new RandomFlip(strict('randomFlip', c, RANDOM_FLIP_OPTIONS)),
  /**
   * Rotates images by a random angle (a fraction of a full turn) while training; identity in predict.
   *
   * @example
   * nn.layers.randomRotation({ factor: 0.05, fillMode: 'nearest' });
   */
  randomRotation: (c: RandomRotationConfig) => new RandomRotation(strict('randomRotation', c, RANDOM_ROTATION_OPTIONS)),
  /**
   * Shifts images by a random fraction of their height and width while training; identity in predict.
   *
   * @example
   * nn.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 });
   */
  randomTranslation: (c: RandomTranslationConfig) => new RandomTranslation(strict('randomTranslation', c, RANDOM_TRANSLATION_OPTIONS)),
  /**
   * Zooms images in or out by a random factor while training; identity in predict.
   *
   * @example
   * nn.layers.randomZoom({ heightFactor: [-0.2, 0.2] });
   */
  randomZoom: (c: RandomZoomConfig) => new RandomZoom(strict('randomZoom', c, RANDOM_ZOOM_OPTIONS)),
  /**
   * Scales each image's contrast by a random factor while training; identity in predict.
   *
   * @example
   * nn.layers.randomContrast({ factor: 0.3 });
   */
  randomContrast: (c: RandomContrastConfig) => new RandomContrast(strict('randomContrast', c, RANDOM_CONTRAST_OPTIONS)),
  /**
   * A random height × width window while training; the central window, resized, in predict (as Keras).
   *
   * @example
   * nn.layers.randomCrop({ height: 88, width: 88, inputShape: [96, 96, 3] });
   */
  randomCrop: (c: RandomCropConfig) => new RandomCrop(strict('randomCrop', c, RANDOM_CROP_OPTIONS)),
  /**
   * The central height × width window of each image.
   *
   * @example
   * nn.layers.centerCrop({ height: 224, width: 224 });
   */
  centerCrop: (c: CenterCropConfig) => new CenterCrop(strict('centerCrop', c, CENTER_CROP_OPTIONS)),
  /**
   * Enlarges images by whole factors (TF.js's UpSampling2D): nearest repeats pixels, bilinear interpolates.
   *
   * @example
   * nn.layers.upSampling2d({ size: 2, interpolation: 'bilinear' });
   */
  upSampling2d: (c?: UpSampling2DConfig) => new UpSampling2D(strict('upSampling2d', c, UP_SAMPLING2D_OPTIONS)),
  /**
   * Resizes images to height × width (Keras's Resizing: half-pixel centres, optionally cropped to the aspect ratio).
   *
   * @example
   * nn.layers.resizing({ height: 224, width: 224, inputShape: [256, 320, 3] });
   */
  resizing: (c: ResizingConfig) => new Resizing(strict('resizing', c, RESIZING_OPTIONS)),
  /**
   * The transposed 2-D convolution (kernel `[kh, kw, filters, inChannels]`): strides enlarge the image, as in decoders.
   *
   * @example
   * nn.layers.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' });
   */
  conv2dTranspose: (c: Conv2DTransposeConfig) => new Conv2DTranspose(strict('conv2dTranspose', c, CONV2D_TRANSPOSE_OPTIONS)),
};
export { layerFromJSON, registerLayer, SERIALIZABLE_LAYERS, type LayerJSON } from './serialize';
export {
  DEPTHWISE_CONV2D_OPTIONS, SEPARABLE_CONV2D_OPTIONS, ZERO_PADDING2D_OPTIONS, CROPPING2D_OPTIONS, RESCALING_OPTIONS, RELU_OPTIONS,
  RANDOM_FLIP_OPTIONS, RANDOM_ROTATION_OPTIONS, RANDOM_TRANSLATION_OPTIONS, RANDOM_ZOOM_OPTIONS, RANDOM_CONTRAST_OPTIONS,
  RANDOM_CROP_OPTIONS, CENTER_CROP_OPTIONS, UP_SAMPLING2D_OPTIONS, RESIZING_OPTIONS,
  CONV2D_TRANSPOSE_OPTIONS,
};
export {
  DENSE_OPTIONS, ACTIVATION_OPTIONS, CONV2D_OPTIONS, POOLING2D_OPTIONS, BASE_OPTIONS, RESHAPE_OPTIONS, DROPOUT_OPTIONS,
  BATCH_NORMALIZATION_OPTIONS, CONCATENATE_OPTIONS, LAYER_NORMALIZATION_OPTIONS, CONV1D_OPTIONS, POOLING1D_OPTIONS,
  REPEAT_VECTOR_OPTIONS, PERMUTE_OPTIONS,
};
