// Trains a small convolutional network on your own images and predicts one file.
//   npx tsx examples/images.ts <folder> [--size 32] [--epochs 10] [--channels 3] [--batch-size 32]
//                              [--validation 0.2] [--seed 42] [--predict file]
// <folder> holds one sub-folder of PNG/JPEG images per class, e.g. pets/cats/*.jpg and pets/dogs/*.jpg.
import * as nn from '../src/index';

interface Options {
  folder: string; size: number; epochs: number; channels: 1 | 3; batchSize: number; validation: number; seed: number;
  predict?: string;
}

const USAGE = 'usage: npx tsx examples/images.ts <folder> [--size 32] [--epochs 10] [--channels 1|3] ' +
  '[--batch-size 32] [--validation 0.2] [--seed 42] [--predict file]';

function parseArgs(argv: string[]): Options {
  const opts: Partial<Options> = { size: 32, epochs: 10, channels: 3, batchSize: 32, validation: 0.2, seed: 42 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      if (opts.folder !== undefined) throw new Error(`one folder only (got ${opts.folder} and ${arg})\n${USAGE}`);
      opts.folder = arg;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
    const int = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${arg} needs a positive integer, got ${value}`);
      return n;
    };
    if (arg === '--size') opts.size = int();
    else if (arg === '--epochs') opts.epochs = int();
    else if (arg === '--batch-size') opts.batchSize = int();
    else if (arg === '--seed') opts.seed = int();
    else if (arg === '--predict') opts.predict = value;
    else if (arg === '--channels') {
      if (value !== '1' && value !== '3') throw new Error(`--channels must be 1 or 3, got ${value}`);
      opts.channels = Number(value) as 1 | 3;
    } else if (arg === '--validation') {
      opts.validation = Number(value);
      if (!(opts.validation >= 0 && opts.validation < 1)) throw new Error(`--validation must be in [0, 1), got ${value}`);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (opts.folder === undefined) throw new Error(USAGE);
  return opts as Options;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  await nn.ready();
  const size: [number, number] = [opts.size, opts.size];
  const data = await nn.loadImageFolder(opts.folder, {
    size, channels: opts.channels, validationSplit: opts.validation, seed: opts.seed,
  });
  const classes = data.classNames.length;
  const counts = data.classNames.map((name, c) => `${name} ${data.train.labels.filter((l) => l === c).length}`);
  console.log(`${data.train.files.length} training images (${counts.join(', ')}), ` +
    `${data.validation?.files.length ?? 0} for validation, ${opts.size}x${opts.size}x${opts.channels}`);

  // Two conv + pool stages, then a small dense head. 'same' padding keeps the sizes simple: 32 -> 16 -> 8.
  const model = nn.sequential({ seed: opts.seed, layers: [
    nn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [opts.size, opts.size, opts.channels] }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 64, activation: 'relu' }),
    nn.layers.dense({ units: classes, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  model.summary();

  const t0 = performance.now();
  await model.fit(data.train.x, data.train.oneHot, {
    epochs: opts.epochs, batchSize: opts.batchSize, shuffle: true, verbose: 1,
    validationData: data.validation ? [data.validation.x, data.validation.oneHot] : undefined,
  });
  console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (data.validation) {
    const { accuracy } = model.evaluate(data.validation.x, data.validation.oneHot);
    console.log(`validation accuracy: ${accuracy.toFixed(4)} on ${data.validation.files.length} images`);
  }

  if (opts.predict) {
    const x = await nn.loadImage(opts.predict, { size, channels: opts.channels });
    const probs = Array.from(model.predict(x).data);
    const ranked = probs.map((p, c) => [p, c] as const).sort((a, b) => b[0] - a[0]);
    console.log(`${opts.predict}: ${data.classNames[ranked[0]![1]]}`);
    for (const [p, c] of ranked.slice(0, 5)) console.log(`  ${data.classNames[c]!.padEnd(20)} ${(100 * p).toFixed(1)}%`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
