// The main job: trains a network on the 60,000 MNIST training images and reports its accuracy on the 10,000 test
// images. The default is a 784-128-64-10 MLP; --model cnn trains a LeNet-style convolutional network.
//   npm start -- [--model mlp|cnn] [--backend wasm|js] [--epochs N] [--batch-size N] [--seed N]   (--help lists them)
import * as nn from '../src/index';

const USAGE = `Trains a network on the 60,000 MNIST training images, then reports its accuracy on the 10,000 test images.

usage: npm start -- [options]

options:
  --model mlp|cnn      mlp: a 784-128-64-10 dense network (default); cnn: conv-pool-conv-pool-dense-dense
  --backend wasm|js    the kernels: WebAssembly SIMD (default) or plain JavaScript
  --epochs N           passes over the training set (default 3)
  --batch-size N       samples per training step (default 64 for mlp, 32 for cnn)
  --seed N             seed of the initial weights and the shuffle (default 42)
  -h, --help           print this list and exit

Options take their value as the next argument or after '=' (--epochs 2, --epochs=2).`;

/** A mistake on the command line: main prints it with the list of options and exits with status 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

function parseArgs(argv: string[]) {
  const opts = { model: 'mlp' as 'mlp' | 'cnn', backend: 'wasm' as nn.BackendName, epochs: 3, batchSize: 0, seed: 42, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      opts.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!['--model', '--backend', '--epochs', '--batch-size', '--seed'].includes(flag)) {
      throw new UsageError(`unknown option ${arg}`);
    }
    const value = flag !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    const int = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} needs a positive integer, got ${value}`);
      return n;
    };
    if (flag === '--model') {
      if (value !== 'mlp' && value !== 'cnn') throw new UsageError(`--model must be mlp or cnn, got ${value}`);
      opts.model = value;
    } else if (flag === '--backend') {
      if (value !== 'wasm' && value !== 'js') throw new UsageError(`--backend must be wasm or js, got ${value}`);
      opts.backend = value;
    } else if (flag === '--epochs') opts.epochs = int();
    else if (flag === '--batch-size') opts.batchSize = int();
    else {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--seed needs a number, got ${value}`);
      opts.seed = n;
    }
  }
  // default batch: 64 for the MLP, 32 for the CNN
  opts.batchSize ||= opts.model === 'cnn' ? 32 : 64;
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  await nn.ready({ backend: opts.backend });
  const { train, test } = await nn.loadMnist();
  const cnn = opts.model === 'cnn';
  const sample = cnn ? [28, 28, 1] : [784];
  const x = nn.tensor(train.images, [train.count, ...sample]);
  const y = nn.tensor(train.oneHot, [train.count, 10]);
  const model = nn.sequential({ seed: opts.seed, layers: cnn ? [
    nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 128, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ] : [
    nn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
    nn.layers.dense({ units: 64, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
  // The MLP uses plain Adam (1e-3); the CNN starts at 2e-3 and follows a cosine decay over the whole run.
  const steps = opts.epochs * Math.ceil(train.count / opts.batchSize);
  const learningRate = cnn ? nn.schedules.cosineDecay({ initialLearningRate: 2e-3, decaySteps: steps, alpha: 0.02 }) : 1e-3;
  model.compile({ optimizer: nn.optimizers.adam({ learningRate }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  console.log(`MNIST ${cnn ? 'CNN conv5x5x8-pool-conv5x5x16-pool-dense128-10' : 'MLP 784-128-64-10'} · backend ${nn.getBackend()} · ${opts.epochs} epochs · batch ${opts.batchSize} · seed ${opts.seed}`);
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
  const { accuracy } = model.evaluate(nn.tensor(test.images, [test.count, ...sample]), nn.tensor(test.oneHot, [test.count, 10]));
  console.log(`test accuracy: ${accuracy.toFixed(4)}`);
}

main().catch((e) => {
  if (e instanceof UsageError) {
    console.error(`error: ${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
