// neurite/tfjs as a drop-in: the MNIST CNN program of TF.js's "handwritten digit recognition" tutorial, written as a
// TF.js user writes it (tf.sequential, tf.layers.conv2d / maxPooling2d / flatten / dense with 'varianceScaling',
// tf.train.adam(), tf.tensor4d, tf.oneHot, tf.tidy, fit with validationData and shuffle, predict, argMax,
// dataSync), run unchanged on `@tensorflow/tfjs` (its cpu backend: tfjs-wasm has no Conv2DBackpropFilter and cannot
// train it) and on `neurite/tfjs`, the only difference being the module passed in. Both start from the same
// initial weights (TF.js's, copied over with setWeights). Interleaved rounds, wall clock; the ratio is the median
// of per-round ratios.
//
// TF.js's cpu backend trains it at about a fifth of a second per image, so the side-by-side rounds use a slice of
// MNIST; neurite/tfjs then runs the tutorial's own settings alone (5,500 training and 1,000 test images, 10 epochs)
// for the accuracy a reader of the tutorial expects.
//
//   npx tsx bench/tfjs-dropin.ts [--rounds 2] [--train 1024] [--test 500] [--epochs 1]
import * as nn from '../src/index';
import * as neuriteTfjs from '../src/tfjs/index';
import { useTf, version } from './peers';
import { median, type BenchOptions } from './util';

// the program below is the same for both libraries: a module with TF.js's API
type TF = any;

/** The tutorial's network, as a TF.js user builds it. */
function getModel(tf: TF) {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], kernelSize: 5, filters: 8, strides: 1, activation: 'relu', kernelInitializer: 'varianceScaling' }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));
  model.add(tf.layers.conv2d({ kernelSize: 5, filters: 16, strides: 1, activation: 'relu', kernelInitializer: 'varianceScaling' }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 10, kernelInitializer: 'varianceScaling', activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

interface Digits { images: Float32Array; labels: Int32Array; count: number }

/** The tutorial's training and test code, as a TF.js user writes it; returns the test accuracy and last losses. */
async function trainAndTest(tf: TF, model: TF, train: Digits, test: Digits, epochs: number) {
  const [trainXs, trainYs] = tf.tidy(() => [
    tf.tensor4d(train.images, [train.count, 28, 28, 1]),
    tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10),
  ]);
  const [testXs, testYs] = tf.tidy(() => [
    tf.tensor4d(test.images, [test.count, 28, 28, 1]),
    tf.oneHot(tf.tensor1d(test.labels, 'int32'), 10),
  ]);
  const history = await model.fit(trainXs, trainYs, { batchSize: 512, validationData: [testXs, testYs], epochs, shuffle: true });
  const predicted = tf.tidy(() => model.predict(testXs).argMax(-1)).dataSync();
  let correct = 0;
  for (let i = 0; i < test.count; i++) if (predicted[i] === test.labels[i]) correct++;
  tf.dispose([trainXs, trainYs, testXs, testYs]);
  const last = (key: string) => history.history[key][history.history[key].length - 1] as number;
  return { accuracy: correct / test.count, loss: last('loss'), valLoss: last('val_loss') };
}

export interface DropinRow {
  library: string;
  /** Wall seconds of the whole program per round. */
  seconds: number[];
  accuracy: number[];
  loss: number[];
  valLoss: number[];
  /** Median over rounds of (this library's seconds ÷ neurite/tfjs's). */
  vsNeurite: number | null;
  error?: string;
}

export interface DropinResult {
  /** neurite/tfjs alone on the tutorial's settings: 5,500 training and 1,000 test images, 10 epochs. */
  tutorial: { seconds: number; accuracy: number; valLoss: number };
  train: number;
  test: number;
  epochs: number;
  rounds: number;
  versions: Record<string, string>;
  rows: DropinRow[];
}

export async function benchDropin(o: { rounds: number; train: number; test: number; epochs: number }, log: (line: string) => void): Promise<DropinResult> {
  const { train, test } = await nn.loadMnist({ trainLimit: o.train, testLimit: o.test });
  await nn.setBackend('wasm');
  const contenders: { library: string; tf: () => Promise<TF> }[] = [
    { library: 'neurite/tfjs (wasm)', tf: async () => { await neuriteTfjs.setBackend('wasm'); return neuriteTfjs; } },
    { library: '@tensorflow/tfjs (cpu)', tf: () => useTf('cpu') },
    { library: '@tensorflow/tfjs (wasm)', tf: () => useTf('wasm') },
  ];
  const rows: DropinRow[] = contenders.map((c) => ({ library: c.library, seconds: [], accuracy: [], loss: [], valLoss: [], vsNeurite: null }));
  for (let r = 0; r < o.rounds; r++) {
    // the same initial weights for every library in a round: TF.js's initializers draw them
    const tfjs = await useTf('cpu');
    const init = tfjs.tidy(() => getModel(tfjs).getWeights().map((w: TF) => ({ data: w.dataSync().slice(), shape: w.shape })));
    const order = contenders.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) {
      if (rows[i].error) continue;
      try {
        const tf = await contenders[i].tf();
        const model = getModel(tf);
        model.setWeights(init.map((w: { data: Float32Array; shape: number[] }) => tf.tensor(w.data, w.shape)));
        const t0 = performance.now();
        const res = await trainAndTest(tf, model, train, test, o.epochs);
        const s = (performance.now() - t0) / 1e3;
        rows[i].seconds.push(s);
        rows[i].accuracy.push(res.accuracy);
        rows[i].loss.push(res.loss);
        rows[i].valLoss.push(res.valLoss);
        log(`  round ${r + 1}/${o.rounds} ${contenders[i].library}: ${s.toFixed(2)} s, test accuracy ${res.accuracy.toFixed(3)}, val loss ${res.valLoss.toFixed(4)}`);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        const kernel = /Kernel '([^']+)' not registered/.exec(msg);
        rows[i].error = kernel ? `cannot train it (missing kernel: ${kernel[1]})` : `error: ${msg}`;
        log(`  ${contenders[i].library}: ${rows[i].error}`);
      }
    }
  }
  for (const row of rows) {
    if (!row.error && !rows[0].error) row.vsNeurite = median(row.seconds.map((s, r) => s / rows[0].seconds[r]));
  }
  const full = await nn.loadMnist({ trainLimit: 5500, testLimit: 1000 });
  const t0 = performance.now();
  const res = await trainAndTest(neuriteTfjs, getModel(neuriteTfjs), full.train, full.test, 10);
  const tutorial = { seconds: (performance.now() - t0) / 1e3, accuracy: res.accuracy, valLoss: res.valLoss };
  log(`  the tutorial's settings, neurite/tfjs alone: ${tutorial.seconds.toFixed(1)} s, test accuracy ${res.accuracy.toFixed(3)}`);
  return {
    tutorial, train: train.count, test: test.count, epochs: o.epochs, rounds: o.rounds, rows,
    versions: { '@tensorflow/tfjs': version('@tensorflow/tfjs'), '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm') },
  };
}

export function dropinReport(r: DropinResult): string[] {
  const out = ['## neurite/tfjs as a drop-in: TF.js\'s MNIST CNN tutorial program, unchanged', '',
    '| library | seconds (median) | ÷ neurite/tfjs | test accuracy | loss | val loss |', '|---|---:|---:|---:|---:|---:|'];
  for (const row of r.rows) {
    out.push(row.error ? `| ${row.library} | ${row.error} | | | | |`
      : `| ${row.library} | ${median(row.seconds).toFixed(2)} | ${row.vsNeurite === null ? '–' : `${row.vsNeurite.toFixed(1)}×`} | ` +
        `${median(row.accuracy).toFixed(3)} | ${median(row.loss).toFixed(4)} | ${median(row.valLoss).toFixed(4)} |`);
  }
  out.push('', `The whole program (tensors, fit with validation, predict, argMax) on ${r.train.toLocaleString('en-US')} MNIST training and ` +
    `${r.test.toLocaleString('en-US')} test images, ${r.epochs} epoch${r.epochs > 1 ? 's' : ''} of batches of 512, ${r.rounds} interleaved rounds, wall ` +
    `clock, medians; both libraries start each round from the same initial weights. TF.js ${r.versions['@tensorflow/tfjs']} ` +
    `(wasm backend ${r.versions['@tensorflow/tfjs-backend-wasm']}). With the tutorial's own settings (5,500 training and 1,000 test ` +
    `images, 10 epochs) neurite/tfjs alone ran the program in ${r.tutorial.seconds.toFixed(1)} s to a test accuracy of ` +
    `${r.tutorial.accuracy.toFixed(3)} (val loss ${r.tutorial.valLoss.toFixed(4)}).`, '');
  return out;
}

export async function benchDropinSuite(opts: BenchOptions, log: (line: string) => void): Promise<DropinResult> {
  return benchDropin({ rounds: opts.quick ? 1 : 2, train: opts.quick ? 512 : 1024, test: 500, epochs: 1 }, log);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, def: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? def : Number(process.argv[i + 1]);
  };
  const result = await benchDropin({ rounds: arg('rounds', 2), train: arg('train', 1024), test: arg('test', 500), epochs: arg('epochs', 1) },
    (line) => console.error(line));
  console.log(dropinReport(result).join('\n'));
}
