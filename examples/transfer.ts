// Transfer learning on MNIST: train a base network on the digits 0-4, then reuse it for the digits 5-9 from a few
// labelled examples: freeze the base, train a new head on its features, then unfreeze and fine-tune everything
// at a low learning rate. Prints the test accuracy of each stage on the new digits.
//   npx tsx examples/transfer.ts [--base-samples 20000] [--new-samples 100] [--seed 1]
import * as nn from '../src/index';

const USAGE = 'usage: npx tsx examples/transfer.ts [--base-samples 20000] [--new-samples 100] [--seed 1]';

function parseArgs(argv: string[]): { baseSamples: number; newSamples: number; seed: number } {
  const opts = { baseSamples: 20000, newSamples: 100, seed: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const [arg, value] = [argv[i], argv[i + 1]];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n <= 0) throw new Error(`${arg} needs a positive integer, got ${value}\n${USAGE}`);
    if (arg === '--base-samples') opts.baseSamples = n;
    else if (arg === '--new-samples') opts.newSamples = n;
    else if (arg === '--seed') opts.seed = n;
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return opts;
}

/** The images (and labels shifted to start at 0) of the digits in [from, from + 5), at most `limit` of them. */
function digits(split: nn.MnistSplit, from: number, limit: number): { x: nn.Tensor; y: Int32Array } {
  const keep: number[] = [];
  for (let i = 0; i < split.count && keep.length < limit; i++) if (split.labels[i] >= from && split.labels[i] < from + 5) keep.push(i);
  const x = new Float32Array(keep.length * 784);
  keep.forEach((s, j) => x.set(split.images.subarray(s * 784, (s + 1) * 784), j * 784));
  return { x: nn.tensor(x, [keep.length, 784]), y: Int32Array.from(keep, (s) => split.labels[s] - from) };
}

const opts = parseArgs(process.argv.slice(2));
await nn.ready();
const { train, test } = await nn.loadMnist();
const oldTrain = digits(train, 0, opts.baseSamples);
const newTrain = digits(train, 5, opts.newSamples);
const newTest = digits(test, 5, 5000);

// 1. the base: a small CNN trained on the digits 0-4
const base = nn.sequential({ seed: opts.seed, name: 'base', layers: [
  nn.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
  nn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', name: 'features_1' }),
  nn.layers.maxPooling2d({ poolSize: 2 }),
  nn.layers.conv2d({ filters: 32, kernelSize: 5, activation: 'relu', name: 'features_2' }),
  nn.layers.maxPooling2d({ poolSize: 2 }),
  nn.layers.flatten({ name: 'features' }),
  nn.layers.dense({ units: 5, activation: 'softmax', name: 'old_digits' })] });
base.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
await base.fit(oldTrain.x, oldTrain.y, { epochs: 2, batchSize: 64 });
console.log(`base: trained on ${oldTrain.y.length} images of the digits 0-4`);

// 2. a new head on the frozen base, trained on a few images of the digits 5-9
for (const name of ['features_1', 'features_2']) base.getLayer(name).trainable = false;
const head = nn.layers.dense({ units: 5, activation: 'softmax', name: 'new_digits' });
const model = nn.model({ inputs: base.inputs, outputs: head.apply(base.getLayer('features').output), seed: opts.seed, name: 'transfer' });
model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-2 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
await model.fit(newTrain.x, newTrain.y, { epochs: 40, batchSize: 32 });
const frozen = model.evaluate(newTest.x, newTest.y);
console.log(`frozen base + new head (${newTrain.y.length} images of 5-9): test accuracy ${frozen.accuracy.toFixed(4)}`);

// 3. fine-tuning: everything trains, at a low learning rate (the change of trainable applies at compile)
for (const name of ['features_1', 'features_2']) base.getLayer(name).trainable = true;
model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-4 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
await model.fit(newTrain.x, newTrain.y, { epochs: 5, batchSize: 32 });
const tuned = model.evaluate(newTest.x, newTest.y);
console.log(`fine-tuned: test accuracy ${tuned.accuracy.toFixed(4)}`);

// the same network trained from scratch on the same few images, for comparison
const scratch = nn.sequential({ seed: opts.seed, layers: [
  nn.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
  nn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
  nn.layers.maxPooling2d({ poolSize: 2 }),
  nn.layers.conv2d({ filters: 32, kernelSize: 5, activation: 'relu' }),
  nn.layers.maxPooling2d({ poolSize: 2 }),
  nn.layers.flatten(),
  nn.layers.dense({ units: 5, activation: 'softmax' })] });
scratch.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
await scratch.fit(newTrain.x, newTrain.y, { epochs: 25, batchSize: 32 });
console.log(`from scratch on the same images: test accuracy ${scratch.evaluate(newTest.x, newTest.y).accuracy.toFixed(4)}`);
