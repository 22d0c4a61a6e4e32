// The main job: trains a 784-128-64-10 MLP on the 60,000 MNIST training images and reports its accuracy on
// the 10,000 test images.  npm start -- [--backend wasm|js] [--epochs N] [--batch-size N] [--seed N]
import * as nn from '../src/index';

function parseArgs(argv: string[]): { backend: nn.BackendName; epochs: number; batchSize: number; seed: number } {
  const opts = { backend: 'wasm' as nn.BackendName, epochs: 3, batchSize: 64, seed: 42 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const int = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer, got ${value}`);
      return n;
    };
    if (flag === '--backend') {
      if (value !== 'wasm' && value !== 'js') throw new Error(`--backend must be wasm or js, got ${value}`);
      opts.backend = value;
    } else if (flag === '--epochs') opts.epochs = int();
    else if (flag === '--batch-size') opts.batchSize = int();
    else if (flag === '--seed') opts.seed = Number.isFinite(Number(value)) ? Number(value) : int();
    else throw new Error(`unknown option ${flag}; options: --backend wasm|js, --epochs N, --batch-size N, --seed N`);
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  await nn.ready({ backend: opts.backend });
  const { train, test } = await nn.loadMnist();
  const x = nn.tensor(train.images, [train.count, 784]);
  const y = nn.tensor(train.oneHot, [train.count, 10]);
  const model = nn.sequential({ seed: opts.seed, layers: [
    nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
    nn.layers.dense({ units: 64, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  console.log(`MNIST MLP 784-128-64-10 · backend ${nn.getBackend()} · ${opts.epochs} epochs · batch ${opts.batchSize} · seed ${opts.seed}`);
  const times: number[] = [];
  let t0 = 0;
  await model.fit(x, y, {
    epochs: opts.epochs, batchSize: opts.batchSize, shuffle: true, verbose: 1,
    callbacks: {
      onEpochBegin() { t0 = performance.now(); },
      onEpochEnd() { times.push((performance.now() - t0) / 1000); },
    },
  });
  const perEpoch = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(`seconds per epoch: ${perEpoch.toFixed(2)} (${times.map((t) => t.toFixed(2)).join(', ')})`);
  console.log(`training samples/s: ${Math.round(train.count / perEpoch)}`);
  const { accuracy } = model.evaluate(nn.tensor(test.images, [test.count, 784]), nn.tensor(test.oneHot, [test.count, 10]));
  console.log(`test accuracy: ${accuracy.toFixed(4)}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
