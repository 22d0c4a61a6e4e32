/**
 * neurite: neural networks for JavaScript with WebAssembly SIMD kernels.
 *
 * @example
 * import * as nn from 'neurite';
 * await nn.ready();
 * const model = nn.sequential({ seed: 42, layers: [
 *   nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
 *   nn.layers.dense({ units: 10, activation: 'softmax' }) ] });
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 */
export { ready, setBackend, getBackend, type BackendName } from './backend/index';
export { wasmSimdSupported } from './backend/wasm';
export { Tensor, tensor, type TensorLike, type NestedArray } from './tensor';
export {
  layers, Layer, Dense, Activation, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape,
  Dropout, BatchNormalization, type DenseConfig, type LayerConfig, type Conv2DConfig, type Pooling2DConfig,
  type BatchNormalizationConfig, layerFromJSON, type LayerJSON,
} from './layers/index';
export { l2 } from './layers/regularizers';
export { sequential, Sequential, History, type CompileConfig, type FitConfig, type SequentialConfig } from './model';
export { optimizers, Optimizer, OPTIMIZER_NAMES, type OptimizerConfig } from './optimizers';
export { stepDecay, exponentialDecay, cosineDecay, type Schedule } from './schedules';
export { callbacks, Callback, type CallbackHooks, type Logs } from './callbacks';
export { ACTIVATION_NAMES, type ActivationName } from './activations';
export { LOSS_NAMES, type LossName } from './losses';
export { INITIALIZER_NAMES, type InitializerName } from './initializers';
export { Rng } from './random';
export {
  NeuriteError, ShapeError, ValueError, UnknownNameError, StateError, TrainingError, FormatError,
} from './errors';
export { parseIdx, encodeIdx, type IdxDtype, type IdxTensor } from './io/idx';
export { loadMnist, oneHot, type MnistSplit, type MnistOptions } from './io/mnist';
export {
  loadImageFolder, loadImage, type ImageFolder, type ImageFolderOptions, type ImageSplit, type LoadImageOptions,
} from './io/images';
export { fromPixels, type FromPixelsOptions, type ImageDataLike, type PixelSource } from './io/browser-images';
export { resizePixels, type Pixels, type ResizeOptions } from './io/resize';
export { fitInWorker, type WorkerFitConfig } from './worker/index';

import { l2 } from './layers/regularizers';
import { cosineDecay, exponentialDecay, stepDecay } from './schedules';

/** Learning-rate schedules for an optimizer's learningRate. */
export const schedules = { stepDecay, exponentialDecay, cosineDecay };
/** Weight penalties for a layer's kernelRegularizer. */
export const regularizers = { l2 };
