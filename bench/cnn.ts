// MNIST CNN training: the same small convolutional network in neurite (wasm), ConvNetJS and TF.js (cpu; and
// wasm, whose backend lacks a kernel that training this network needs), trained side by side in
// interleaved rounds on real MNIST (nn.loadMnist(), images [n, 28, 28, 1]).
//
//   conv 5x5, 8 filters, relu (valid padding, stride 1) → max pool 2 (stride 2) → conv 5x5, 16 filters, relu →
//   max pool 2 → dense 10 softmax; Adam 1e-3, categorical cross-entropy, batch 64.
//
// Every library trains on the same seeded shuffle of the training set, in that order. In each round, neurite
// trains one third of a full epoch and the slow peers a few batches; every contender's CPU time is taken
// per round, and the ratios neurite ÷ peer are per-round ratios of samples/s, then their median, so a busy
// stretch of the shared machine hits every contender of a round alike. The slow peers train a fixed subset
// (their first N shuffled images), so their samples/s is a rate over that subset.
//
// Test accuracy on the 10,000 test images: neurite predicts with its own model. The peers would need many
// seconds (ConvNetJS, one image at a time) to minutes (tfjs-cpu) for the whole test set, so their trained
// weights are copied into a neurite model of the same architecture, which predicts; the peer's own
// predictions on the first test images are compared with neurite's to show the copy is exact.
import * as nn from '../src/index';
import { ConvnetAdam } from './convnet-adam';
import { loadConvnet, useTf, version, type Tf } from './peers';
import { cpuSeconds } from './timing';
import { errorMessage, median, type BenchOptions } from './util';

type TfModel = import('@tensorflow/tfjs').LayersModel;
type TfTensor = import('@tensorflow/tfjs').Tensor;

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASSES = 10;
const BATCH = 64;
const LR = 1e-3;
const SEED = 42;
/** Test images each peer predicts itself, to check the weights copied into neurite give the same scores. */
const CHECK_IMAGES = 256;

export interface CnnRow {
  library: string;
  /** Images trained in the timed rounds. */
  samples: number;
  /** 'full epoch' or 'first N'. */
  scope: string;
  /** Images trained per round. */
  perRound: number[];
  /** CPU seconds per round. */
  roundCpuSeconds: number[];
  cpuSeconds: number;
  wallSeconds: number;
  /** samples ÷ CPU seconds over all rounds. */
  samplesPerSecond: number;
  /** Median over rounds of (neurite wasm samples/s ÷ this library's samples/s) in the same round. */
  neuriteRatio: number | null;
  /** Accuracy on the 10k test images after this training. */
  testAccuracy: number;
  /**
   * Peers only: their own class scores on the first `images` test images against those of their weights
   * copied into neurite (same argmax count, max |Δ| of the softmax outputs).
   */
  check?: { images: number; sameClass: number; maxAbsDiff: number };
  note?: string;
  /** Set when the library could not train this network (e.g. 'cannot train (missing kernel: X)'). */
  error?: string;
}

export interface CnnResult {
  model: string;
  trainCount: number;
  testCount: number;
  rounds: number;
  versions: Record<string, string>;
  train: CnnRow[];
  /** The two headline ratios (medians of per-round ratios), or null when that peer did not run. */
  neuriteVsConvnet: number | null;
  neuriteVsTfjsCpu: number | null;
}

interface Data {
  x: Float32Array;
  oneHot: Float32Array;
  labels: Int32Array;
  n: number;
  tx: Float32Array;
  tlabels: Int32Array;
  tn: number;
  /** The seeded shuffle every library trains in. */
  order: Int32Array;
}

/** One library training the CNN: `train(from, count)` trains the next `count` images of the shared order. */
interface Contender {
  library: string;
  note?: string;
  /** Untimed, on a throwaway model: JIT, wasm tier-up, kernel setup. */
  warmUp(d: Data): Promise<void>;
  /** Work done before a round's clock starts (neurite copies its slice of the shuffled images). */
  prepare?(d: Data, from: number, count: number): void;
  train(d: Data, from: number, count: number): Promise<void>;
  /** The trained weights in TF.js order and layout ([kh, kw, in, out] kernels, NHWC flatten). */
  weights(): Float32Array[];
  /** The library's own softmax scores for the first `count` test images, flat [count, 10]. */
  predict(x: Float32Array, count: number): Float32Array;
}

/** The bench's CNN in neurite, compiled (the threads suite trains it too). */
export function neuriteModel(): nn.Sequential {
  const model = nn.sequential({ seed: SEED, layers: [
    nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [SIDE, SIDE, 1] }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.flatten(),
    nn.layers.dense({ units: CLASSES, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: LR }), loss: 'categoricalCrossentropy' });
  return model;
}

/** Rows `order[from, from + count)` of a [n, width] array, gathered into a new array. */
function gather(src: Float32Array, width: number, order: Int32Array, from: number, count: number): Float32Array {
  const out = new Float32Array(count * width);
  for (let i = 0; i < count; i++) {
    const r = order[from + i];
    out.set(src.subarray(r * width, (r + 1) * width), i * width);
  }
  return out;
}

function neuriteWasm(): Contender {
  let model: nn.Sequential | undefined;
  let slice: { x: nn.Tensor; y: nn.Tensor } | undefined;
  return {
    library: 'neurite wasm',
    async warmUp(d) {
      await nn.setBackend('wasm');
      const n = 640;
      const m = neuriteModel();
      await m.fit(nn.tensor(gather(d.x, PIXELS, d.order, 0, n), [n, SIDE, SIDE, 1]),
        nn.tensor(gather(d.oneHot, CLASSES, d.order, 0, n), [n, CLASSES]), { epochs: 1, batchSize: BATCH });
      model = neuriteModel();
    },
    prepare(d, from, count) {
      slice = { x: nn.tensor(gather(d.x, PIXELS, d.order, from, count), [count, SIDE, SIDE, 1]),
        y: nn.tensor(gather(d.oneHot, CLASSES, d.order, from, count), [count, CLASSES]) };
    },
    async train() {
      // The images are already in the shared shuffled order.
      await model!.fit(slice!.x, slice!.y, { epochs: 1, batchSize: BATCH, shuffle: false });
      slice = undefined;
    },
    weights: () => model!.getWeights().map((t) => t.data),
    predict: (x, count) => model!.predict(nn.tensor(x.subarray(0, count * PIXELS), [count, SIDE, SIDE, 1]), { batchSize: 256 }).data,
  };
}

function convnetLayers(): object[] {
  return [
    { type: 'input', out_sx: SIDE, out_sy: SIDE, out_depth: 1 },
    { type: 'conv', sx: 5, filters: 8, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'softmax', num_classes: CLASSES },
  ];
}

/**
 * ConvNetJS's weights in TF.js layout. Its volumes index (x, y, d) as ((width·y) + x)·depth + d, i.e. NHWC
 * with y the row, so a conv filter's values are [kh, kw, in] and a fully connected layer's inputs come in
 * NHWC flatten order; TF.js puts the filter (or unit) index last.
 */
function convnetWeights(net: any): Float32Array[] {
  const out: Float32Array[] = [];
  for (const layer of net.layers) {
    if (layer.layer_type !== 'conv' && layer.layer_type !== 'fc') continue;
    const filters = layer.filters as { w: Float64Array }[];
    const per = filters[0].w.length;
    const kernel = new Float32Array(per * filters.length);
    filters.forEach((f, o) => { for (let i = 0; i < per; i++) kernel[i * filters.length + o] = f.w[i]; });
    out.push(kernel, Float32Array.from(layer.biases.w as Float64Array));
  }
  return out;
}

function convnet(): Contender {
  const cn = loadConvnet();
  let net: any;
  let trainer: ConvnetAdam | undefined;
  const vol = new cn.Vol(SIDE, SIDE, 1, 0);
  const make = () => {
    const n = new cn.Net();
    n.makeLayers(convnetLayers());
    return n;
  };
  const run = (t: ConvnetAdam, d: Data, from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      const r = d.order[i];
      vol.w.set(d.x.subarray(r * PIXELS, (r + 1) * PIXELS));
      t.train(vol, d.labels[r]);
    }
  };
  return {
    library: 'ConvNetJS',
    note: 'Adam step in bench/convnet-adam.ts',
    async warmUp(d) {
      run(new ConvnetAdam(make(), LR, BATCH), d, 0, BATCH);
      net = make();
      trainer = new ConvnetAdam(net, LR, BATCH);
    },
    async train(d, from, count) {
      run(trainer!, d, from, count);
    },
    weights: () => convnetWeights(net),
    predict(x, count) {
      const out = new Float32Array(count * CLASSES);
      for (let i = 0; i < count; i++) {
        vol.w.set(x.subarray(i * PIXELS, (i + 1) * PIXELS));
        out.set(net.forward(vol, false).w as Float64Array, i * CLASSES);
      }
      return out;
    },
  };
}

function tfjsModel(tf: Tf): TfModel {
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [SIDE, SIDE, 1] }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: tf.train.adam(LR), loss: 'categoricalCrossentropy' });
  return model;
}

/** One trainOnBatch per batch of the shared order, the batch's images copied into fresh tensors. */
async function tfjsTrain(tf: Tf, model: TfModel, d: Data, from: number, count: number): Promise<void> {
  for (let b = from; b < from + count; b += BATCH) {
    const rows = Math.min(BATCH, from + count - b);
    const xs = tf.tensor4d(gather(d.x, PIXELS, d.order, b, rows), [rows, SIDE, SIDE, 1]);
    const ys = tf.tensor2d(gather(d.oneHot, CLASSES, d.order, b, rows), [rows, CLASSES]);
    try {
      await model.trainOnBatch(xs, ys);
    } finally {
      xs.dispose();
      ys.dispose();
    }
  }
}

function tfjs(backend: 'cpu' | 'wasm'): Contender {
  let tf: Tf;
  let model: TfModel | undefined;
  return {
    library: `tfjs-${backend}`,
    async warmUp(d) {
      tf = await useTf(backend);
      // A throwaway model and one small batch: enough to run every kernel once.
      const m = tfjsModel(tf);
      await tfjsTrain(tf, m, d, 0, 8);
      m.dispose();
      model = tfjsModel(tf);
    },
    train: (d, from, count) => tfjsTrain(tf, model!, d, from, count),
    weights: () => model!.getWeights().map((w) => w.dataSync() as Float32Array),
    predict: (x, count) => tf.tidy(() => {
      const t = tf.tensor4d(x.subarray(0, count * PIXELS), [count, SIDE, SIDE, 1]);
      return (model!.predict(t, { batchSize: 256 }) as TfTensor).dataSync() as Float32Array;
    }),
  };
}

function accuracy(scores: ArrayLike<number>, labels: Int32Array, count: number): number {
  let ok = 0;
  for (let i = 0; i < count; i++) if (argmax(scores, i) === labels[i]) ok++;
  return ok / count;
}

function argmax(scores: ArrayLike<number>, row: number): number {
  let best = 0;
  for (let c = 1; c < CLASSES; c++) if (scores[row * CLASSES + c] > scores[row * CLASSES + best]) best = c;
  return best;
}

/** A neurite model holding `weights`; predicts the test set for a peer. */
function evaluateWeights(weights: Float32Array[], d: Data): { scores: Float32Array; accuracy: number } {
  const model = neuriteModel();
  const shapes = model.getWeights().map((t) => t.shape);
  model.setWeights(weights.map((w, i) => nn.tensor(w, shapes[i])));
  const scores = model.predict(nn.tensor(d.tx, [d.tn, SIDE, SIDE, 1]), { batchSize: 256 }).data;
  return { scores, accuracy: accuracy(scores, d.tlabels, d.tn) };
}

/** 'cannot train (missing kernel: X)' when TF.js lacks a kernel, else the error's message. */
function trainingError(e: unknown): string {
  const msg = errorMessage(e);
  const kernel = /Kernel '([^']+)' not registered/.exec(msg);
  return kernel ? `cannot train (missing kernel: ${kernel[1]})` : `error: ${msg}`;
}

interface Plan {
  rounds: number;
  /** Images per round for each library. */
  neurite: number[];
  convnet: number;
  tfjsCpu: number;
}

/**
 * neurite: one full epoch (the 938 batches of 60,000 images) split over the rounds at batch boundaries, or
 * 6,400 images in quick runs; ConvNetJS 3 batches and tfjs-cpu 1 batch a round (1 each in quick runs).
 */
function plan(n: number, quick: boolean): Plan {
  const rounds = quick ? 2 : 3;
  const total = quick ? Math.min(n, 6400) : n;
  const batches = Math.ceil(total / BATCH);
  const neurite: number[] = [];
  let done = 0;
  for (let r = 0; r < rounds; r++) {
    const upto = Math.min(total, Math.round((batches * (r + 1)) / rounds) * BATCH);
    neurite.push(upto - done);
    done = upto;
  }
  return { rounds, neurite, convnet: (quick ? 1 : 3) * BATCH, tfjsCpu: BATCH };
}

export async function benchCnn(opts: BenchOptions, log: (line: string) => void): Promise<CnnResult> {
  const { train, test } = await nn.loadMnist();
  const order = new Int32Array(train.count).map((_, i) => i);
  new nn.Rng(7).shuffle(order);
  const d: Data = { x: train.images, oneHot: train.oneHot, labels: train.labels, n: train.count,
    tx: test.images, tlabels: test.labels, tn: test.count, order };
  const p = plan(d.n, opts.quick);
  const contenders = [neuriteWasm(), convnet(), tfjs('cpu')];
  const perRound = (c: Contender) => (c.library === 'neurite wasm' ? p.neurite : Array(p.rounds).fill(c.library === 'ConvNetJS' ? p.convnet : p.tfjsCpu));
  const rows: CnnRow[] = [];
  const live: { c: Contender; row: CnnRow; at: number }[] = [];
  for (const c of contenders) {
    const counts = perRound(c);
    const samples = counts.reduce((a: number, b: number) => a + b, 0);
    const row: CnnRow = { library: c.library, samples, scope: samples === d.n ? 'full epoch' : `first ${samples.toLocaleString('en-US')}`,
      perRound: counts, roundCpuSeconds: [], cpuSeconds: 0, wallSeconds: 0, samplesPerSecond: NaN, neuriteRatio: null,
      testAccuracy: NaN, note: c.note };
    rows.push(row);
    try {
      await c.warmUp(d);
      live.push({ c, row, at: 0 });
    } catch (e) {
      row.error = trainingError(e);
      log(`  ${c.library}: ${row.error}`);
    }
  }

  for (let r = 0; r < p.rounds; r++) {
    for (const l of live) {
      if (l.row.error) continue;
      const count = l.row.perRound[r];
      try {
        l.c.prepare?.(d, l.at, count);
        const c0 = cpuSeconds(), w0 = performance.now();
        await l.c.train(d, l.at, count);
        const cpu = cpuSeconds() - c0;
        l.row.roundCpuSeconds.push(cpu);
        l.row.cpuSeconds += cpu;
        l.row.wallSeconds += (performance.now() - w0) / 1e3;
        l.at += count;
        log(`  round ${r + 1}/${p.rounds} ${l.c.library}: ${count} images in ${cpu.toFixed(2)} s CPU, ${Math.round(count / cpu)} samples/s`);
      } catch (e) {
        l.row.error = trainingError(e);
        log(`  ${l.c.library}: ${l.row.error}`);
      }
    }
  }

  const ours = rows[0];
  const rate = (row: CnnRow, r: number) => row.perRound[r] / row.roundCpuSeconds[r];
  for (const { c, row } of live) {
    if (row.error) continue;
    row.samplesPerSecond = row.samples / row.cpuSeconds;
    if (!ours.error) row.neuriteRatio = median(row.roundCpuSeconds.map((_, r) => rate(ours, r) / rate(row, r)));
    if (c === contenders[0]) {
      row.testAccuracy = accuracy(c.predict(d.tx, d.tn), d.tlabels, d.tn);
    } else {
      const { scores, accuracy: acc } = evaluateWeights(c.weights(), d);
      row.testAccuracy = acc;
      const own = c.predict(d.tx, CHECK_IMAGES);
      let same = 0, diff = 0;
      for (let i = 0; i < CHECK_IMAGES; i++) if (argmax(own, i) === argmax(scores, i)) same++;
      for (let i = 0; i < CHECK_IMAGES * CLASSES; i++) diff = Math.max(diff, Math.abs(own[i] - scores[i]));
      row.check = { images: CHECK_IMAGES, sameClass: same, maxAbsDiff: diff };
    }
    log(`  ${c.library}: ${Math.round(row.samplesPerSecond)} samples/s over ${row.samples} images, test accuracy ` +
      `${(row.testAccuracy * 100).toFixed(2)} %${row.neuriteRatio !== null ? `, neurite ÷ this ${row.neuriteRatio.toFixed(1)}×` : ''}` +
      (row.check ? `, own scores match on ${row.check.sameClass}/${row.check.images} (max |Δ| ${row.check.maxAbsDiff.toExponential(1)})` : ''));
  }

  rows.push(await tfjsWasm(d, ours, log));
  await nn.setBackend('wasm');
  const ratio = (name: string) => rows.find((r) => r.library === name && !r.error)?.neuriteRatio ?? null;
  return {
    model: 'conv 5x5x8 relu → max pool 2 → conv 5x5x16 relu → max pool 2 → dense 10 softmax (valid padding, stride 1); ' +
      'Adam 1e-3, categorical cross-entropy, batch 64',
    trainCount: d.n,
    testCount: d.tn,
    rounds: p.rounds,
    versions: {
      '@tensorflow/tfjs': version('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
      convnetjs: version('convnetjs'),
    },
    train: rows,
    neuriteVsConvnet: ratio('ConvNetJS'),
    neuriteVsTfjsCpu: ratio('tfjs-cpu'),
  };
}

/**
 * TF.js's wasm backend, after the interleaved rounds: it has no Conv2DBackpropFilter kernel (4.22), so
 * training this network throws on the first batch and the row says which kernel is missing. Should a
 * version train it, it trains 3 batches here (not interleaved) and its ratio is against neurite's overall rate.
 */
async function tfjsWasm(d: Data, ours: CnnRow, log: (line: string) => void): Promise<CnnRow> {
  const c = tfjs('wasm');
  const row: CnnRow = { library: 'tfjs-wasm', samples: 0, scope: '–', perRound: [], roundCpuSeconds: [], cpuSeconds: 0,
    wallSeconds: 0, samplesPerSecond: NaN, neuriteRatio: null, testAccuracy: NaN };
  try {
    await c.warmUp(d);
    const count = 3 * BATCH;
    const c0 = cpuSeconds(), w0 = performance.now();
    await c.train(d, 0, count);
    row.cpuSeconds = cpuSeconds() - c0;
    row.wallSeconds = (performance.now() - w0) / 1e3;
    Object.assign(row, { samples: count, scope: `first ${count}`, perRound: [count], roundCpuSeconds: [row.cpuSeconds],
      samplesPerSecond: count / row.cpuSeconds, note: 'timed after the interleaved rounds' });
    if (!ours.error) row.neuriteRatio = ours.samplesPerSecond / row.samplesPerSecond;
    row.testAccuracy = evaluateWeights(c.weights(), d).accuracy;
    log(`  tfjs-wasm: ${Math.round(row.samplesPerSecond)} samples/s over ${count} images`);
  } catch (e) {
    row.error = trainingError(e);
    log(`  tfjs-wasm: ${row.error}`);
  }
  return row;
}
