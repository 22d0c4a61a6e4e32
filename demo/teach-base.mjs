// The "teach it" page's frozen base, trained at build time: no pretrained network can be downloaded, so the demo
// ships a small MobileNet-style one (rescaling, a strided convolution, two depthwise-separable blocks, global
// pooling named 'features', a softmax over the six shapes of demo/shapes.mjs) trained here on drawn shapes and
// saved as a TF.js Layers model.json with its weights. The page cuts it at 'features' and trains a new head.
// Batch normalization keeps moving statistics with momentum 0.9: at Keras's 0.99 they lag the few hundred steps of
// this short training, and the base predicts from stale statistics (0.28 accuracy instead of 0.83 on held-out
// drawings, the same in TF.js loading the file).

import { pathToFileURL } from 'node:url';
import { drawShape, rng, SHAPES } from './shapes.mjs';

/** Input side of the base, in pixels. */
export const BASE_SIZE = 32;

/**
 * Builds, trains and saves the base with `nn` (the neurite package) to `dir` (model.json, weights.bin).
 * Returns its accuracy on held-out drawings.
 */
export async function trainTeachBase(nn, dir, { perClass = 160, epochs = 8, seed = 1 } = {}) {
  const next = rng(seed);
  const make = (n) => {
    const x = new Float32Array(n * SHAPES.length * BASE_SIZE * BASE_SIZE * 3);
    const labels = new Int32Array(n * SHAPES.length);
    for (let i = 0; i < n * SHAPES.length; i++) {
      labels[i] = i % SHAPES.length;
      x.set(drawShape(SHAPES[labels[i]], BASE_SIZE, next), i * BASE_SIZE * BASE_SIZE * 3);
    }
    return { x: nn.tensor(x, [n * SHAPES.length, BASE_SIZE, BASE_SIZE, 3]), labels };
  };
  const train = make(perClass);
  const test = make(20);
  const L = nn.layers;
  const input = nn.input({ shape: [BASE_SIZE, BASE_SIZE, 3], name: 'image' });
  let h = L.rescaling({ scale: 1 / 127.5, offset: -1, name: 'to_unit_range' }).apply(input);
  h = L.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'conv1' }).apply(h);
  h = L.reLU({ maxValue: 6, name: 'conv1_relu' }).apply(L.batchNormalization({ momentum: 0.9, name: 'conv1_bn' }).apply(h));
  for (const [i, filters, strides] of [[1, 32, 1], [2, 64, 2]]) {
    h = L.depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', useBias: false, name: `conv_dw_${i}` }).apply(h);
    h = L.reLU({ maxValue: 6, name: `conv_dw_${i}_relu` }).apply(L.batchNormalization({ momentum: 0.9, name: `conv_dw_${i}_bn` }).apply(h));
    h = L.conv2d({ filters, kernelSize: 1, useBias: false, name: `conv_pw_${i}` }).apply(h);
    h = L.reLU({ maxValue: 6, name: `conv_pw_${i}_relu` }).apply(L.batchNormalization({ momentum: 0.9, name: `conv_pw_${i}_bn` }).apply(h));
  }
  const features = L.globalAveragePooling2d({ name: 'features' }).apply(h);
  const out = L.dense({ units: SHAPES.length, activation: 'softmax', name: 'shapes' }).apply(features);
  const model = nn.model({ inputs: input, outputs: out, name: 'teach_base', seed });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 3e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(train.x, train.labels, { epochs, batchSize: 32 });
  const { accuracy } = model.evaluate(test.x, test.labels);
  await model.save(pathToFileURL(dir).href);
  return { accuracy, classes: SHAPES, params: model.countParams() };
}
