// MobileNet v1 and v2 built with TF.js's own layers as Keras's applications build them (ZeroPadding2D before each
// stride-2 depthwise convolution, ReLU(6), batch normalization, inverted residual blocks with Add), for any width
// multiplier (alpha), input size and class count, and random weights that keep every layer's numbers alive.
// test/mobilenet.test.ts checks neurite against TF.js on them; bench/mobilenet.ts times them.
import type { Tf } from './peers';
import { mulberry32 } from './util';

type TfModel = import('@tensorflow/tfjs').LayersModel;
type Sym = import('@tensorflow/tfjs').SymbolicTensor;

export interface MobileNetOptions {
  /** Width multiplier: every layer's channel count times alpha (Keras's `alpha`). */
  alpha: number;
  /** Classes of the softmax classifier. */
  classes: number;
  /** Height and width of the square RGB input. */
  size: number;
}

/** Keras's _make_divisible: v rounded to a multiple of 8, never below 90 % of v. */
function divisible(v: number, d = 8): number {
  let n = Math.max(d, Math.floor((v + d / 2) / d) * d);
  if (n < 0.9 * v) n += d;
  return n;
}

/** Keras's correct_pad for a 3x3 window on a size×size input: [[top, bottom], [left, right]]. */
const correctPad = (size: number): [[number, number], [number, number]] =>
  size % 2 === 0 ? [[0, 1], [0, 1]] : [[1, 1], [1, 1]];

const apply = (layer: { apply(x: Sym | Sym[]): unknown }, x: Sym | Sym[]) => layer.apply(x) as Sym;

function bnRelu6(tf: Tf, x: Sym, relu = true): Sym {
  const y = apply(tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999 }), x);
  return relu ? apply(tf.layers.reLU({ maxValue: 6 }), y) : y;
}

/** Keras's MobileNet (v1): 13 depthwise-separable blocks, then global pooling and a 1x1 convolution classifier. */
export function mobilenetV1(tf: Tf, { alpha, classes, size }: MobileNetOptions): TfModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = apply(tf.layers.conv2d({ filters: Math.floor(32 * alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false }), input);
  x = bnRelu6(tf, x);
  const blocks: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1],
    [512, 1], [512, 1], [1024, 2], [1024, 1]];
  for (const [filters, stride] of blocks) {
    if (stride === 2) x = apply(tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }), x);
    x = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false }), x);
    x = bnRelu6(tf, x);
    x = apply(tf.layers.conv2d({ filters: Math.floor(filters * alpha), kernelSize: 1, padding: 'same', useBias: false }), x);
    x = bnRelu6(tf, x);
  }
  const c = x.shape[3] as number;
  x = apply(tf.layers.globalAveragePooling2d({}), x);
  x = apply(tf.layers.reshape({ targetShape: [1, 1, c] }), x);
  x = apply(tf.layers.dropout({ rate: 1e-3 }), x);
  x = apply(tf.layers.conv2d({ filters: classes, kernelSize: 1, padding: 'same' }), x);
  x = apply(tf.layers.reshape({ targetShape: [classes] }), x);
  x = apply(tf.layers.activation({ activation: 'softmax' }), x);
  return tf.model({ inputs: input, outputs: x, name: 'mobilenet_v1' });
}

/** Keras's MobileNetV2: 17 inverted residual blocks, a 1x1 convolution to 1280 channels, pooling, a dense softmax. */
export function mobilenetV2(tf: Tf, { alpha, classes, size }: MobileNetOptions): TfModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = bnRelu6(tf, apply(tf.layers.conv2d({ filters: divisible(32 * alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false }), input));
  // (filters, stride, expansion) of Keras's 17 inverted residual blocks
  const blocks: [number, number, number][] = [[16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6],
    [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6], [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6],
    [160, 1, 6], [320, 1, 6]];
  blocks.forEach(([filters, stride, expansion], id) => {
    const inC = x.shape[3] as number;
    const out = divisible(Math.floor(filters * alpha));
    const block = x;
    let y = x;
    if (id > 0) y = bnRelu6(tf, apply(tf.layers.conv2d({ filters: expansion * inC, kernelSize: 1, padding: 'same', useBias: false }), y));
    if (stride === 2) y = apply(tf.layers.zeroPadding2d({ padding: correctPad(y.shape[1] as number) }), y);
    y = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', useBias: false }), y);
    y = bnRelu6(tf, y);
    y = bnRelu6(tf, apply(tf.layers.conv2d({ filters: out, kernelSize: 1, padding: 'same', useBias: false }), y), false);
    x = inC === out && stride === 1 ? apply(tf.layers.add(), [block, y]) : y;
  });
  x = bnRelu6(tf, apply(tf.layers.conv2d({ filters: alpha > 1 ? divisible(1280 * alpha) : 1280, kernelSize: 1, useBias: false }), x));
  x = apply(tf.layers.globalAveragePooling2d({}), x);
  x = apply(tf.layers.dense({ units: classes, activation: 'softmax' }), x);
  return tf.model({ inputs: input, outputs: x, name: 'mobilenet_v2' });
}

/**
 * Random weights: uniform kernels scaled by fan-in, batch-norm gamma, beta, moving mean and variance spread around
 * their identity values, so that every layer changes the numbers and the softmax does not saturate.
 */
export function randomize(tf: Tf, model: TfModel, seed: number): void {
  const next = mulberry32(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * next();
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    const cls = layer.getClassName();
    layer.setWeights(ws.map((w, i) => {
      const n = w.size;
      const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) / (cls === 'DepthwiseConv2D' ? (w.shape[2] as number) : 1) : 1;
      const gen = (f: () => number) => tf.tensor(Float32Array.from({ length: n }, f), w.shape);
      if (cls === 'BatchNormalization') return gen([() => u(0.6, 1.4), () => u(-0.2, 0.2), () => u(-0.2, 0.2), () => u(0.5, 1.5)][i]);
      if (w.shape.length === 1) return gen(() => u(-0.1, 0.1));
      // the classifier narrower, so that the logits span a few units rather than tens (a probability's relative
      // error is its logit's absolute error)
      const a = Math.sqrt(3 / fanIn) * (w.shape[w.shape.length - 1] === 1000 ? 0.5 : 1.5);
      return gen(() => u(-a, a));
    }));
  }
}
