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
export {
  ready, setBackend, getBackend, getThreads, shutdown, memory, type BackendName, type ReadyOptions, type MemoryInfo,
} from './backend/index';
export { wasmSimdSupported } from './backend/wasm';
export { Tensor, tensor, type TensorLike, type NestedArray } from './tensor';
export {
  layers, Layer, Dense, Activation, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape,
  Dropout, BatchNormalization, type DenseConfig, type LayerConfig, type Conv2DConfig, type Pooling2DConfig,
  type BatchNormalizationConfig, layerFromJSON, type LayerJSON, type ActivationConfig, type ReshapeConfig,
  type DropoutConfig, type Padding, SymbolicTensor, InputLayer, input, type InputConfig, Add, Subtract, Multiply, Average,
  Maximum, Minimum, Concatenate, type ConcatenateConfig, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D,
  GlobalMaxPooling1D, RepeatVector, Permute, LayerNormalization, type Conv1DConfig, type Pooling1DConfig, type Padding1D,
  type RepeatVectorConfig, type PermuteConfig, type LayerNormalizationConfig, Embedding, type EmbeddingConfig,
  LSTM, SimpleRNN, type LSTMConfig, type SimpleRNNConfig, type RecurrentConfig, type RecurrentCellConfig, type RecurrentActivationName,
} from './layers/index';
export {
  DepthwiseConv2D, SeparableConv2D, ZeroPadding2D, Cropping2D, GlobalMaxPooling2D, Rescaling, ReLU, type DepthwiseConv2DConfig,
  type SeparableConv2DConfig, type ZeroPadding2DConfig, type Cropping2DConfig, type RescalingConfig, type ReLUConfig,
} from './layers/index';
export {
  RandomFlip, RandomRotation, RandomTranslation, RandomZoom, RandomContrast, RandomCrop, CenterCrop, type RandomFlipConfig,
  type RandomRotationConfig, type RandomTranslationConfig, type RandomZoomConfig, type RandomContrastConfig,
  type RandomCropConfig, type CenterCropConfig, type RandomConfig, type FillConfig, type FillMode, type Interpolation,
} from './layers/index';
export { UpSampling2D, Resizing, type UpSampling2DConfig, type ResizingConfig, type DataFormat } from './layers/index';
export { Conv2DTranspose, type Conv2DTransposeConfig } from './layers/index';
export { l2, type Regularizer } from './layers/regularizers';
export {
  sequential, Sequential, model, LayersModel, History, type CompileConfig, type FitConfig, type SequentialConfig, type ModelConfig,
  type TrainingState, type PredictConfig, type EvaluateConfig, type FitDatasetConfig, type EvaluateDatasetConfig,
} from './model';
export type { ClassWeight } from './train/weights';
export {
  optimizers, Optimizer, OPTIMIZER_NAMES, type OptimizerName, type OptimizerConfig, type MomentumConfig, type AdamConfig,
  type AdamWConfig, type AdadeltaConfig, type RMSpropConfig, type AdagradConfig,
} from './optimizers';
export { stepDecay, exponentialDecay, cosineDecay, type Schedule } from './schedules';
export { Callback, EarlyStopping, type EarlyStoppingConfig, type CallbackHooks, type Logs } from './callbacks';
export { ACTIVATION_NAMES, type ActivationName } from './activations';
export {
  LOSS_NAMES, losses, CustomLoss, type LossName, type LossCompute, type CustomLossConfig,
} from './losses';
export { checkGradients, type CheckGradientsOptions, type GradientCheck } from './gradcheck';
export {
  metrics, METRIC_NAMES, CustomMetric, TopKMetric, type MetricName, type MetricSpec, type TopKConfig,
} from './metrics';
export { INITIALIZER_NAMES, type InitializerName } from './initializers';
export { Rng } from './random';
export {
  NeuriteError, ShapeError, ValueError, UnknownNameError, StateError, TrainingError, FormatError, MemoryError, DataError,
} from './errors';
export { parseIdx, encodeIdx, type IdxDtype, type IdxTensor, type IdxArrays } from './io/idx';
export { loadMnist, type MnistSplit, type MnistOptions } from './io/mnist';
export { oneHot } from './io/labels';
export {
  KnnClassifier, knnClassifier, knnClassifierFromJSON,
  type KnnClassifierConfig, type KnnClassifierJSON, type KnnDistance, type KnnPrediction, type KnnEmbedding,
} from './knn';
export {
  loadImageFolder, loadImage, type ImageFolder, type ImageFolderOptions, type ImageSplit, type LoadImageOptions,
} from './io/images';
export { fromPixels, type FromPixelsOptions, type ImageDataLike, type PixelSource } from './io/browser-images';
export { resizePixels, type Pixels, type ResizeOptions } from './io/resize';
export { fitInWorker, type WorkerFitConfig } from './worker/index';

export {
  loadModel, type LoadOptions, type SaveOptions, type SaveTarget, type LoadSource, type IOHandler, type ModelArtifacts,
  type SaveResult, type WeightSpec, type WeightQuantization, type HttpOptions, type TeachableMachineModel,
} from './io/load';
export type { ModelCheckpointConfig } from './io/checkpoint';
export type { ModelSnapshot, Snapshottable, NamedTensor, OptimizerSnapshot, TrainingSnapshot } from './train/state';
export type { FileSystemOptions } from './io/file-target';

// Namespaces: each is a module of re-exports, so an editor shows each function's own documentation under
// nn.io.*, nn.schedules.*, nn.text.*, ..., and a bundler can drop the members a program does not use.
export * as schedules from './api/schedules';
export * as regularizers from './api/regularizers';
export * as callbacks from './api/callbacks';
export * as io from './api/io';
export * as text from './api/text';
export * as data from './api/data';
