// Trains the bench's MLP and CNN (plus a regularized, batch-normalized, dropout variant) for a slice of MNIST on
// both backends and prints a SHA-256 of the final weights, to compare two versions of the engine.
import { createHash } from 'node:crypto';
import * as nn from '../src/index';

const sha = (ws: nn.Tensor[]) => {
  const h = createHash('sha256');
  for (const w of ws) h.update(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
  return h.digest('hex').slice(0, 16);
};
await nn.ready();
const d = (await nn.loadMnist({ trainLimit: 2048, testLimit: 1 })).train;
const images = nn.tensor(d.images, [d.labels.length, 784]);
const models: Record<string, () => nn.Sequential> = {
  mlp: () => nn.sequential({ seed: 42, layers: [
    nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
    nn.layers.dense({ units: 64, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' })] }),
  cnn: () => nn.sequential({ seed: 42, layers: [
    nn.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
    nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 10, activation: 'softmax' })] }),
  mixed: () => nn.sequential({ seed: 7, layers: [
    nn.layers.dense({ units: 64, activation: 'elu', inputShape: [784], kernelRegularizer: nn.l2({ l2: 1e-3 }) }),
    nn.layers.batchNormalization(),
    nn.layers.dropout({ rate: 0.3 }),
    nn.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: nn.l2({ l2: 1e-4 }) })] }),
};
for (const backend of ['wasm', 'js'] as const) {
  nn.setBackend(backend);
  for (const [name, make] of Object.entries(models)) {
    const m = make();
    m.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: name === 'mixed' ? 'sparseCategoricalCrossentropy' : 'categoricalCrossentropy', metrics: ['accuracy'] });
    const y = name === "mixed" ? d.labels : nn.tensor(d.oneHot, [d.count, 10]);
    const h = await m.fit(images, y, { epochs: 2, batchSize: 64, validationSplit: 0.1 });
    console.log(backend, name, sha(m.getWeights()), JSON.stringify(h.history.loss), JSON.stringify(h.history.val_accuracy));
  }
}
