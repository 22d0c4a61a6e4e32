/**
 * neurite/tfjs: TF.js's API over neurite. `import * as tf from 'neurite/tfjs'` in place of
 * `import * as tf from '@tensorflow/tfjs'` runs TF.js Layers programs whose layers, losses and data paths neurite
 * has; what it does not provide throws an error naming the alternative (see the README's "Coming from TF.js").
 *
 * @example
 * import * as tf from 'neurite/tfjs';
 * const y = tf.tidy(() => tf.tensor2d([[1, 2], [3, 4]]).matMul(tf.ones([2, 1])));
 * y.dataSync();   // Float32Array [3, 7]
 *
 * @module
 */
export {
  Tensor, Variable, TensorBuffer, NotProvidedError, tensor, scalar, tensor1d, tensor2d, tensor3d, tensor4d, tensor5d,
  fill, zeros, ones, zerosLike, onesLike, range, linspace, eye, buffer, variable, type DataType, type TypedArray,
  type TensorLike, type NestedValues, type Rank,
} from './tensor';
export {
  add, sub, mul, div, divNoNan, floorDiv, mod, pow, maximum, minimum, squaredDifference, atan2, neg, abs, square, sqrt,
  rsqrt, exp, expm1, log, log1p, floor, ceil, round, sign, reciprocal, sin, cos, tan, clipByValue, isNaNOp as isNaN, isFiniteOp as isFinite,
  isInf, relu, relu6, elu, selu, leakyRelu, sigmoid, tanh, softplus, logSigmoid, softmax, logSoftmax, equal, notEqual,
  greater, greaterEqual, less, lessEqual, logicalAnd, logicalOr, logicalXor, logicalNot, where, sum, prod, mean, max,
  min, any, all, logSumExp, argMax, argMin, moments, norm, cumsum, cast, reshape, expandDims, squeeze, transpose,
  concat, stack, unstack, slice, split, gather, tile, pad, reverse, matMul, dot, outerProduct, oneHot, topk, image,
  broadcastShapes as broadcastShapesOf,
} from './ops';
export { randomUniform, randomUniformInt, randomNormal, randomStandardNormal, truncatedNormal } from './random';
export {
  tidy, keep, dispose, memory, setBackend, getBackend, ready, nextFrame, env, enableProdMode, enableDebugMode,
  engineApi as engine, Environment, type TensorContainer,
} from './memory';
export { util, browser } from './util';
export { losses, metrics, Reduction } from './losses';
export * from './aliases';
export { layers, input, initializers, regularizers, Initializer, Regularizer, type LayerArgs } from './layers';
export { LayersModel, Sequential, sequential, model, loadLayersModel, train, callbacks, type History } from './models';
export { SymbolicTensor } from './nn';
export { data, Dataset, type CSVConfig, type ColumnConfig } from './data';
export { io } from './io';
