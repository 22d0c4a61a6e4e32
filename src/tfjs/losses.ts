// tf.losses (weighted and reduced, as TF.js's core losses) and tf.metrics (Keras's per-sample metrics), as
// functions of tensors. compile() takes these functions too: the Layers API maps them to neurite's losses.
import {
  abs, add, argMax, cast, clipByValue, div, equal, greater, log, logSoftmax, maximum, mean, minimum, mul, neg, notEqual,
  relu, square, sub, sum,
} from './ops';
import { asTensor, ones, scalar, type Tensor, type TensorLike } from './tensor';
import { ValueError } from './nn';

/** How a loss is reduced (TF.js's Reduction). */
export enum Reduction { NONE = 0, MEAN = 1, SUM = 2, SUM_BY_NONZERO_WEIGHTS = 3 }

function assertSame(a: Tensor, b: Tensor, what: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ValueError(`Error in ${what}: Shapes ${a.shape} and ${b.shape} must match`);
  }
}

/** Applies weights and a reduction to per-element losses. @example tf.losses.computeWeightedLoss(l); */
export function computeWeightedLoss(losses: TensorLike, weights?: TensorLike, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const L = asTensor(losses, 'losses', 'computeWeightedLoss');
  const W = weights === undefined || weights === null ? null : asTensor(weights, 'weights', 'computeWeightedLoss');
  const weighted = W ? mul(L, W) : L;
  if (reduction === Reduction.NONE) return weighted;
  if (reduction === Reduction.SUM) return sum(weighted);
  if (reduction === Reduction.MEAN) return W ? div(sum(weighted), sum(mul(W, ones(L.shape)))) : mean(weighted);
  if (!W) return div(sum(weighted), scalar(L.size));
  const nonZero = sum(cast(notEqual(mul(W, ones(L.shape)), scalar(0)), 'float32'));
  return div(sum(weighted), nonZero);
}

type Loss = (labels: TensorLike, predictions: TensorLike, weights?: TensorLike, reduction?: Reduction) => Tensor;
const elementwise = (name: string, f: (l: Tensor, p: Tensor) => Tensor): Loss => (labels, predictions, weights, reduction) => {
  const l = asTensor(labels, 'labels', name);
  const p = asTensor(predictions, 'predictions', name);
  assertSame(l, p, name);
  return computeWeightedLoss(f(cast(l, 'float32'), cast(p, 'float32')), weights, reduction);
};

/** Mean of (labels − predictions)². @example tf.losses.meanSquaredError(y, yHat); */
export const meanSquaredError = elementwise('meanSquaredError', (l, p) => square(sub(l, p)));
/** Mean of |labels − predictions|. @example tf.losses.absoluteDifference(y, yHat); */
export const absoluteDifference = elementwise('absoluteDifference', (l, p) => abs(sub(l, p)));
/** Hinge loss with labels in {0, 1}. @example tf.losses.hingeLoss(y, yHat); */
export const hingeLoss = elementwise('hingeLoss', (l, p) => relu(sub(1, mul(sub(mul(2, l), 1), p))));
/** Log loss of probabilities. @example tf.losses.logLoss(y, p); */
export function logLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike, epsilon = 1e-7, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  return elementwise('logLoss', (l, p) => sub(neg(mul(l, log(add(p, epsilon)))), mul(sub(1, l), log(add(sub(1, p), epsilon)))))(labels, predictions, weights, reduction);
}
/** Huber loss. @example tf.losses.huberLoss(y, yHat); */
export function huberLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike, delta = 1, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  return elementwise('huberLoss', (l, p) => {
    const err = abs(sub(p, l));
    const quad = minimum(err, delta);
    return add(mul(0.5, square(quad)), mul(delta, sub(err, quad)));
  })(labels, predictions, weights, reduction);
}
/** 1 − Σ labels·predictions over axis. @example tf.losses.cosineDistance(y, yHat, 0); */
export function cosineDistance(labels: TensorLike, predictions: TensorLike, axis: number, weights?: TensorLike, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const l = asTensor(labels, 'labels', 'cosineDistance');
  const p = asTensor(predictions, 'predictions', 'cosineDistance');
  assertSame(l, p, 'cosineDistance');
  return computeWeightedLoss(sub(1, sum(mul(l, p), axis, true)), weights, reduction);
}
/** Sigmoid cross-entropy on logits. @example tf.losses.sigmoidCrossEntropy(y, logits); */
export function sigmoidCrossEntropy(multiClassLabels: TensorLike, logits: TensorLike, weights?: TensorLike, labelSmoothing = 0, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  let l = cast(asTensor(multiClassLabels, 'multiClassLabels', 'sigmoidCrossEntropy'), 'float32');
  const x = asTensor(logits, 'logits', 'sigmoidCrossEntropy');
  assertSame(l, x, 'sigmoidCrossEntropy');
  if (labelSmoothing > 0) l = add(mul(l, 1 - labelSmoothing), 0.5 * labelSmoothing);
  const per = add(sub(relu(x), mul(x, l)), log(add(1, (neg(abs(x)) as Tensor).exp())));
  return computeWeightedLoss(per, weights, reduction);
}
/** Softmax cross-entropy on logits over the last axis. @example tf.losses.softmaxCrossEntropy(oneHot, logits); */
export function softmaxCrossEntropy(onehotLabels: TensorLike, logits: TensorLike, weights?: TensorLike, labelSmoothing = 0, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  let l = cast(asTensor(onehotLabels, 'onehotLabels', 'softmaxCrossEntropy'), 'float32');
  const x = asTensor(logits, 'logits', 'softmaxCrossEntropy');
  assertSame(l, x, 'softmaxCrossEntropy');
  if (labelSmoothing > 0) {
    const n = x.shape[x.rank - 1];
    l = add(mul(l, 1 - labelSmoothing), labelSmoothing / n);
  }
  const per = neg(sum(mul(l, logSoftmax(x)), -1));
  return computeWeightedLoss(per, weights, reduction);
}

/** tf.losses */
export const losses = {
  absoluteDifference, computeWeightedLoss, cosineDistance, hingeLoss, huberLoss, logLoss, meanSquaredError,
  sigmoidCrossEntropy, softmaxCrossEntropy, Reduction,
};

// ---- tf.metrics: per sample (mean over the last axis), as Keras ----
const EPS = 1e-7;
const pair = (a: TensorLike, b: TensorLike, name: string): [Tensor, Tensor] => {
  const t = asTensor(a, 'yTrue', name);
  const p = asTensor(b, 'yPred', name);
  assertSame(t, p, name);
  return [t, p];
};
/** Per-sample share of outputs on the right side of 0.5. @example tf.metrics.binaryAccuracy(y, p); */
export function binaryAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair(yTrue, yPred, 'binaryAccuracy');
  return mean(cast(equal(t, cast(greater(p, 0.5), t.dtype)), 'float32'), -1);
}
/** 1 where the argmax of yPred is yTrue's. @example tf.metrics.categoricalAccuracy(oneHot, p); */
export function categoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair(yTrue, yPred, 'categoricalAccuracy');
  return cast(equal(argMax(t, -1), argMax(p, -1)), 'float32');
}
/** 1 where yPred's argmax equals the integer label. @example tf.metrics.sparseCategoricalAccuracy(labels, p); */
export function sparseCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const t = asTensor(yTrue, 'yTrue', 'sparseCategoricalAccuracy');
  const p = asTensor(yPred, 'yPred', 'sparseCategoricalAccuracy');
  const labels = t.rank === p.rank ? t.reshape(t.shape.slice(0, -1)) : t;
  return cast(equal(cast(labels, 'float32'), cast(argMax(p, -1), 'float32')), 'float32');
}
function counts(yTrue: TensorLike, yPred: TensorLike, name: string): { tp: number; fp: number; fn: number } {
  const [t, p] = pair(yTrue, yPred, name);
  const tv = t.values;
  const pv = p.values;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < tv.length; i++) {
    // TF.js counts a prediction as positive when it equals 1 (no threshold)
    const pos = pv[i] === 1 ? 1 : 0;
    if (pos && tv[i] === 1) tp++;
    else if (pos && tv[i] === 0) fp++;
    else if (!pos && tv[i] === 1) fn++;
  }
  return { tp, fp, fn };
}
/** tp / (tp + fp), a scalar. @example tf.metrics.precision(y, p); */
export function precision(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const { tp, fp } = counts(yTrue, yPred, 'precision');
  return scalar(tp + fp > 0 ? tp / (tp + fp) : 0);
}
/** tp / (tp + fn), a scalar. @example tf.metrics.recall(y, p); */
export function recall(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const { tp, fn } = counts(yTrue, yPred, 'recall');
  return scalar(tp + fn > 0 ? tp / (tp + fn) : 0);
}
/** Per-sample binary cross-entropy of probabilities. @example tf.metrics.binaryCrossentropy(y, p); */
export function binaryCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair(yTrue, yPred, 'binaryCrossentropy');
  const q = clipByValue(p, EPS, 1 - EPS);
  const logits = log(div(q, sub(1, q)));
  const per = add(sub(relu(logits), mul(logits, t)), log(add(1, (neg(abs(logits)) as Tensor).exp())));
  return mean(per, -1);
}
/** Per-sample categorical cross-entropy of probabilities. @example tf.metrics.categoricalCrossentropy(oneHot, p); */
export function categoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair(yTrue, yPred, 'categoricalCrossentropy');
  const q = clipByValue(div(p, sum(p, -1, true)), EPS, 1 - EPS);
  return neg(sum(mul(cast(t, 'float32'), log(q)), -1));
}
/** Per-sample sparse categorical cross-entropy. @example tf.metrics.sparseCategoricalCrossentropy(labels, p); */
export function sparseCategoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const t = asTensor(yTrue, 'yTrue', 'sparseCategoricalCrossentropy');
  const p = asTensor(yPred, 'yPred', 'sparseCategoricalCrossentropy');
  const n = p.shape[p.rank - 1];
  const labels = cast(t, 'int32').values;
  const q = clipByValue(p, EPS, 1 - EPS).values;
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = -Math.log(q[i * n + labels[i]]);
  return asTensor(Array.from(out), 'out', 'sparseCategoricalCrossentropy').reshape(p.shape.slice(0, -1));
}
/** Per-sample mean squared error. @example tf.metrics.meanSquaredError(y, yHat); */
export function meanSquaredErrorMetric(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair(yTrue, yPred, 'meanSquaredError');
  return mean(square(sub(t, p)), -1);
}
/** Per-sample mean absolute error. @example tf.metrics.meanAbsoluteError(y, yHat); */
export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair(yTrue, yPred, 'meanAbsoluteError');
  return mean(abs(sub(t, p)), -1);
}
/** Per-sample mean absolute percentage error. @example tf.metrics.meanAbsolutePercentageError(y, yHat); */
export function meanAbsolutePercentageError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair(yTrue, yPred, 'meanAbsolutePercentageError');
  return mul(100, mean(abs(div(sub(t, p), maximum(abs(t), EPS))), -1));
}
/** Per-sample negative cosine similarity. @example tf.metrics.cosineProximity(y, yHat); */
export function cosineProximity(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair(yTrue, yPred, 'cosineProximity');
  const unit = (x: Tensor) => div(x, maximum(sum(square(x), -1, true).sqrt(), EPS));
  return neg(sum(mul(unit(t), unit(p)), -1));
}
/** R², a scalar. @example tf.metrics.r2Score(y, yHat); */
export function r2Score(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = pair(yTrue, yPred, 'r2Score');
  const ssRes = sum(square(sub(t, p)));
  const ssTot = sum(square(sub(t, mean(t))));
  return sub(1, div(ssRes, ssTot));
}

/** tf.metrics */
export const metrics = {
  binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, precision, recall, binaryCrossentropy,
  categoricalCrossentropy, sparseCategoricalCrossentropy, meanSquaredError: meanSquaredErrorMetric, MSE: meanSquaredErrorMetric,
  mse: meanSquaredErrorMetric, meanAbsoluteError, MAE: meanAbsoluteError, mae: meanAbsoluteError, meanAbsolutePercentageError,
  MAPE: meanAbsolutePercentageError, mape: meanAbsolutePercentageError, cosineProximity, r2Score,
};
