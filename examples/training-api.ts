// The training API beyond the defaults, on one small task: a custom loss (and checking its gradient), a custom
// metric next to built-in ones, class weights for a rare class, a TF.js-exact optimizer, and a saved model that
// used the custom loss reloaded with customObjects. Run it with `npx tsx examples/training-api.ts`; it is seeded,
// so it prints the same on every run, and test/training-api-example.test.ts checks what it prints.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as nn from '../src/index'; // in your project: import * as nn from 'neurite';

await nn.ready();

// Data: two inputs; the rare class (1 in 10) lies in one corner of the square.
const rng = new nn.Rng(3);
const n = 400;
const x = Array.from({ length: n }, () => [rng.next() * 2 - 1, rng.next() * 2 - 1]);
const labels = x.map(([a, b]) => (a > 0.35 && b > 0.35 ? 1 : 0));
const y = labels.map((l) => [l]);
console.log(`data: ${n} samples, ${labels.filter((l) => l === 1).length} of the rare class`);

// 1. A custom loss: mean absolute error written by hand, with its gradient, checked by central differences.
const myMae = nn.losses.custom({
  name: 'myMae',
  compute(yTrue, yPred, grad, rows, cols) {
    let sum = 0;
    for (let i = 0; i < yTrue.length; i++) {
      const d = yPred[i] - yTrue[i];
      sum += Math.abs(d);
      grad[i] = Math.sign(d) / (rows * cols);
    }
    return sum / (rows * cols);
  },
});
const wrong = nn.losses.custom({
  name: 'wrongMae',
  compute(yTrue, yPred, grad, rows, cols) {
    let sum = 0;
    for (let i = 0; i < yTrue.length; i++) {
      sum += Math.abs(yPred[i] - yTrue[i]);
      grad[i] = Math.sign(yPred[i] - yTrue[i]); // forgot to divide by the batch size
    }
    return sum / (rows * cols);
  },
});
const probe = { yTrue: [[0], [1], [1]], yPred: [[0.2], [0.7], [0.4]] };
console.log(`checkGradients: myMae ok ${nn.checkGradients(myMae, probe).ok}, wrongMae ok ${nn.checkGradients(wrong, probe).ok}`);

const model = (seed: number) => nn.sequential({ seed, layers: [
  nn.layers.dense({ units: 16, activation: 'relu', inputShape: [2] }),
  nn.layers.dense({ units: 1, activation: 'sigmoid' }),
] });

// The custom loss trains exactly as the built-in one.
const trained: Float32Array[][] = [];
for (const loss of [myMae, 'meanAbsoluteError'] as const) {
  const m = model(1);
  m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5 }), loss });
  await m.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false });
  trained.push(m.getWeights().map((w) => w.data));
}
const same = trained[0].every((w, i) => w.every((v, j) => Object.is(v, trained[1][i][j])));
console.log(`custom MAE and built-in MAE after 3 epochs: ${same ? 'the same weights, bit for bit' : 'different weights'}`);

// 2. A custom metric beside built-in ones, in History; 3. class weights for the rare class; a TF.js-exact Adam.
const meanProbability = nn.metrics.custom({
  name: 'meanProbability',
  compute: (_yTrue, yPred) => yPred.reduce((s, v) => s + v, 0) / yPred.length,
});
for (const classWeight of [undefined, { 0: 1, 1: 9 }]) {
  const m = model(2);
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy',
    metrics: ['accuracy', 'recall', meanProbability] });
  const h = await m.fit(x, y, { epochs: 30, batchSize: 32, validationSplit: 0.25, ...(classWeight ? { classWeight } : {}) });
  const last = (k: string) => h.history[k][h.history[k].length - 1].toFixed(3);
  console.log(`${classWeight ? 'class weights 1:9' : 'no class weights'}: val recall of the rare class ${last('val_recall')}, ` +
    `val accuracy ${last('val_accuracy')}, mean probability ${last('meanProbability')}`);
}

// 4. A model compiled with the custom loss, saved with its training configuration (includeOptimizer), and loaded
// again: customObjects supplies the loss by its name.
const m = model(3);
m.compile({ optimizer: 'adam', loss: myMae });
await m.fit(x, y, { epochs: 2, batchSize: 32 });
const dir = pathToFileURL(join(mkdtempSync(join(tmpdir(), 'neurite-training-api-')), 'model')).href;
await m.save(dir, { includeOptimizer: true });
try {
  await nn.loadModel(`${dir}/model.json`);
} catch (e) {
  console.log(`loading without customObjects: ${(e as Error).name} (${(e as Error).message.includes('myMae') ? 'names myMae' : 'no name'})`);
}
const back = await nn.loadModel(`${dir}/model.json`, { customObjects: { myMae } });
const before = (m.predict([[0.5, 0.5]]) as nn.Tensor).data[0];
const after = (back.predict([[0.5, 0.5]]) as nn.Tensor).data[0];
console.log(`reloaded with customObjects: the same prediction ${before === after}, and it trains on: ` +
  `${(await back.fit(x, y, { epochs: 1, batchSize: 32 })).history.loss.length} epoch`);
