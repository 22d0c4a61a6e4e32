import { FormatError } from '../errors';
import { AveragePooling2D, Conv2D, GlobalAveragePooling2D, MaxPooling2D } from './conv';
import { Activation, Dense } from './dense';
import { Embedding } from './embedding';
import { LSTM, SimpleRNN } from './recurrent';
import { BatchNormalization, Dropout, Flatten, LayerNormalization, Reshape } from './shape';
import { AveragePooling1D, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D, Permute, RepeatVector } from './sequence';
import type { Layer } from './layer';
import { InputLayer } from './input';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge';
import { DepthwiseConv2D, SeparableConv2D } from './depthwise';
import { Cropping2D, GlobalMaxPooling2D, ReLU, Rescaling, ZeroPadding2D } from './image';
import { CenterCrop, RandomContrast, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom } from './augment';
import { Resizing, UpSampling2D } from './resize';
import { Conv2DTranspose } from './conv-transpose';

/**
 * A layer as JSON: Keras/TF.js `{ className, config }`, as {@link Layer.toJSON} writes it.
 *
 * @example
 * const json: nn.LayerJSON = { className: 'Dense', config: { units: 10, activation: 'softmax' } };
 * nn.layerFromJSON(json);
 */
export interface LayerJSON {
  /** The Keras class name: 'Dense', 'Conv2D', 'MaxPooling2D', ... */
  className: string;
  /** The layer's options in Keras / TF.js spelling (see {@link Layer.getConfig}). */
  config: Record<string, unknown>;
}

type Factory = (config: Record<string, unknown>) => Layer;

/** Layer classes neurite can rebuild from a config; Keras class names. */
const FACTORIES: Record<string, Factory> = {
  Dense: (c) => new Dense(c as never),
  Activation: (c) => new Activation(c as never),
  Conv2D: (c) => new Conv2D(c as never),
  MaxPooling2D: (c) => new MaxPooling2D(c as never),
  AveragePooling2D: (c) => new AveragePooling2D(c as never),
  GlobalAveragePooling2D: (c) => new GlobalAveragePooling2D(c as never),
  Flatten: (c) => new Flatten(c as never),
  Reshape: (c) => new Reshape(c as never),
  Dropout: (c) => new Dropout(c as never),
  BatchNormalization: (c) => new BatchNormalization(c as never),
  LayerNormalization: (c) => new LayerNormalization(c as never),
  Conv1D: (c) => new Conv1D(c as never),
  Embedding: (c) => new Embedding(c as never),
  LSTM: (c) => new LSTM(c as never),
  SimpleRNN: (c) => new SimpleRNN(c as never),
  MaxPooling1D: (c) => new MaxPooling1D(c as never),
  AveragePooling1D: (c) => new AveragePooling1D(c as never),
  GlobalAveragePooling1D: (c) => new GlobalAveragePooling1D(c as never),
  GlobalMaxPooling1D: (c) => new GlobalMaxPooling1D(c as never),
  RepeatVector: (c) => new RepeatVector(c as never),
  Permute: (c) => new Permute(c as never),
  Add: (c) => new Add(c as never),
  Subtract: (c) => new Subtract(c as never),
  Multiply: (c) => new Multiply(c as never),
  Average: (c) => new Average(c as never),
  Maximum: (c) => new Maximum(c as never),
  Minimum: (c) => new Minimum(c as never),
  Concatenate: (c) => new Concatenate(c as never),
  DepthwiseConv2D: (c) => new DepthwiseConv2D(c as never),
  SeparableConv2D: (c) => new SeparableConv2D(c as never),
  ZeroPadding2D: (c) => new ZeroPadding2D(c as never),
  Cropping2D: (c) => new Cropping2D(c as never),
  GlobalMaxPooling2D: (c) => new GlobalMaxPooling2D(c as never),
  Rescaling: (c) => new Rescaling(c as never),
  ReLU: (c) => new ReLU(c as never),
  RandomFlip: (c) => new RandomFlip(c as never),
  RandomRotation: (c) => new RandomRotation(c as never),
  RandomTranslation: (c) => new RandomTranslation(c as never),
  RandomZoom: (c) => new RandomZoom(c as never),
  RandomContrast: (c) => new RandomContrast(c as never),
  RandomCrop: (c) => new RandomCrop(c as never),
  CenterCrop: (c) => new CenterCrop(c as never),
  UpSampling2D: (c) => new UpSampling2D(c as never),
  Resizing: (c) => new Resizing(c as never),
  Conv2DTranspose: (c) => new Conv2DTranspose(c as never),
  InputLayer: (c) => {
    const { inputShape, name, dtype, sparse, ...rest } = c as { inputShape?: unknown; name?: string; dtype?: unknown; sparse?: unknown };
    if (dtype !== undefined && dtype !== 'float32') throw new FormatError(`InputLayer '${name}': dtype ${JSON.stringify(dtype)} is not supported (float32 only)`);
    if (sparse) throw new FormatError(`InputLayer '${name}': sparse inputs are not supported`);
    const unknown = Object.keys(rest);
    if (unknown.length) throw new FormatError(`InputLayer '${name}': unknown option ${JSON.stringify(unknown[0])}`);
    return new InputLayer(inputShape as number[], name);
  },
};

/** The class names layerFromJSON accepts. */
export const SERIALIZABLE_LAYERS = Object.keys(FACTORIES);

/** Registers a layer class for layerFromJSON (used by layer modules). */
export function registerLayer(className: string, factory: Factory): void {
  FACTORIES[className] = factory;
}

/**
 * Rebuilds a layer from `{ className, config }` as written by layer.toJSON() (or by TF.js for supported layers).
 * A `batchInputShape` of `[null, ...shape]` becomes `inputShape`. Unknown classes are refused by name with a
 * FormatError; bad options get the same errors as the layer factories.
 *
 * @param where names the source in error messages. Default `'layer'`.
 * @example
 * const layer = nn.layerFromJSON({ className: 'Dense', config: { units: 4, batchInputShape: [null, 2] } });
 * layer.inputShape;   // [2]
 */
export function layerFromJSON(json: unknown, where = 'layer'): Layer {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new FormatError(`${where}: expected { className, config }`);
  const { className, config } = json as Partial<LayerJSON>;
  if (typeof className !== 'string' || !Object.hasOwn(FACTORIES, className)) {
    throw new FormatError(`${where}: unsupported layer class ${JSON.stringify(className)}; neurite supports: ${Object.keys(FACTORIES).join(', ')}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new FormatError(`${where} (${className}): config must be an object`);
  const c: Record<string, unknown> = { ...config };
  const bis = c.batchInputShape ?? c.batch_input_shape;
  if (Array.isArray(bis) && c.inputShape === undefined) c.inputShape = bis.slice(1);
  delete c.batchInputShape;
  delete c.batch_input_shape;
  return FACTORIES[className](c);
}
