// A first program: a small network learns XOR (1 when exactly one of two inputs is 1) from its four samples,
// then predicts them. Run it with `npx tsx examples/first.ts`; the README shows the same program.
import * as nn from '../src/index'; // in your project: import * as nn from 'neurite';

const x = [[0, 0], [0, 1], [1, 0], [1, 1]]; // four samples of two inputs
const y = [[0], [1], [1], [0]]; // the target of each

await nn.ready(); // the wasm backend where WebAssembly SIMD exists, else js
const model = nn.sequential({ seed: 42, layers: [
  nn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }),
  nn.layers.dense({ units: 1, activation: 'sigmoid' }),
] });
model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
const history = await model.fit(x, y, { epochs: 300, batchSize: 4 });
console.log(`trained ${history.epoch.length} epochs, loss ${history.history.loss[history.epoch.length - 1].toFixed(4)}`);

const p = model.predict(x); // an nn.Tensor of shape [4, 1]
x.forEach(([a, b], i) => console.log(`${a} xor ${b} -> ${p.data[i].toFixed(3)}`));
const { accuracy } = model.evaluate(x, y);
console.log(`accuracy ${accuracy}`);
