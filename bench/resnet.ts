// A ResNet-style graph model: neurite (wasm, 1 and 2 threads) against TF.js's cpu and wasm backends, forward
// (predict) and training, side by side in interleaved rounds on synthetic 32×32×3 images.
//
//   conv 3x3 'same' 16 → bn → relu → 3 × [conv 3x3 'same' 16 → bn → relu → conv 3x3 'same' 16 → bn, add the
//   block's input, relu] → global average pooling → dense 10 softmax; Adam 1e-3, categorical cross-entropy,
//   batch 32; random images in [0, 1) and random labels, seeded.
//
// A round measures every contender once, in an order that alternates between rounds; each measurement is one
// predict call (or a few) on 64 images, or a few training batches, timed by wall clock (performance.now): the
// two-thread rows need it, process CPU time would add up both threads. The ratios are medians over rounds of
// per-round ratios, so a busy stretch of the shared machine hits the contenders of a round alike. Each
// measurement also records process CPU ÷ wall seconds. The neurite models trained on 1 and on 2 threads start
// from the same seed, train on the same batches, and end with the same bits (checked); TF.js predicts with
// neurite's initial weights copied into it, to check both compute the same function (max |Δ| of the scores).
import * as nn from '../src/index';
import { useTf, version, type Tf } from './peers';
import { type Contender, interleaved, type RoundsRow, roundsTable, settle } from './rounds';
import { mulberry32, type BenchOptions } from './util';

type TfModel = import('@tensorflow/tfjs').LayersModel;
type TfTensor = import('@tensorflow/tfjs').Tensor;
type TfSymbolic = import('@tensorflow/tfjs').SymbolicTensor;

const SIDE = 32;
const CHANNELS = 3;
const PIXELS = SIDE * SIDE * CHANNELS;
const FILTERS = 16;
const BLOCKS = 3;
const CLASSES = 10;
const BATCH = 32;
const LR = 1e-3;
const SEED = 42;
/** Images of one predict call. */
const PREDICT_ROWS = 64;

/** Multiply-adds ×2 of one sample's forward pass in the convolutions and the dense layer. */
const FORWARD_FLOPS = 2 * SIDE * SIDE * 9 * FILTERS * (CHANNELS + 2 * BLOCKS * FILTERS) + 2 * FILTERS * CLASSES;

/** A row of bench/rounds.ts with its task. */
export interface ResnetRow extends RoundsRow {
  /** 'predict' or 'train'. */
  task: 'predict' | 'train';
}

export interface ResnetResult {
  model: string;
  params: number;
  forwardMflop: number;
  rounds: { predict: number; train: number };
  versions: Record<string, string>;
  rows: ResnetRow[];
  /** Max |Δ| of TF.js's softmax scores (cpu, wasm) against neurite's, from the same weights. */
  check: Record<string, number>;
  /** The models trained on 1 and on 2 threads ended with the same weight bits. */
  sameBits: boolean | null;
}

/** The bench's residual network in neurite, compiled. */
export function neuriteResnet(): nn.LayersModel {
  const x = nn.input({ shape: [SIDE, SIDE, CHANNELS], name: 'image' });
  const conv = (name: string) => nn.layers.conv2d({ filters: FILTERS, kernelSize: 3, padding: 'same', useBias: false, name });
  const bn = (name: string) => nn.layers.batchNormalization({ name });
  const relu = (name: string) => nn.layers.activation({ activation: 'relu', name });
  let h = relu('stem_relu').apply(bn('stem_bn').apply(conv('stem').apply(x)));
  for (let b = 1; b <= BLOCKS; b++) {
    let y = relu(`b${b}_relu_a`).apply(bn(`b${b}_bn_a`).apply(conv(`b${b}_conv_a`).apply(h)));
    y = bn(`b${b}_bn_b`).apply(conv(`b${b}_conv_b`).apply(y));
    h = relu(`b${b}_relu`).apply(nn.layers.add({ name: `b${b}_add` }).apply([y, h]));
  }
  const out = nn.layers.dense({ units: CLASSES, activation: 'softmax', name: 'head' })
    .apply(nn.layers.globalAveragePooling2d({ name: 'gap' }).apply(h));
  const model = nn.model({ inputs: x, outputs: out, seed: SEED });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: LR }), loss: 'categoricalCrossentropy' });
  return model;
}

function tfjsResnet(tf: Tf): TfModel {
  const x = tf.input({ shape: [SIDE, SIDE, CHANNELS], name: 'image' });
  const ap = (l: { apply: (t: TfSymbolic | TfSymbolic[]) => unknown }, t: TfSymbolic | TfSymbolic[]) => l.apply(t) as TfSymbolic;
  const conv = (name: string) => tf.layers.conv2d({ filters: FILTERS, kernelSize: 3, padding: 'same', useBias: false, name });
  const bn = (name: string) => tf.layers.batchNormalization({ name });
  const relu = (name: string) => tf.layers.activation({ activation: 'relu', name });
  let h = ap(relu('stem_relu'), ap(bn('stem_bn'), ap(conv('stem'), x)));
  for (let b = 1; b <= BLOCKS; b++) {
    let y = ap(relu(`b${b}_relu_a`), ap(bn(`b${b}_bn_a`), ap(conv(`b${b}_conv_a`), h)));
    y = ap(bn(`b${b}_bn_b`), ap(conv(`b${b}_conv_b`), y));
    h = ap(relu(`b${b}_relu`), ap(tf.layers.add({ name: `b${b}_add` }), [y, h]));
  }
  const out = ap(tf.layers.dense({ units: CLASSES, activation: 'softmax', name: 'head' }), ap(tf.layers.globalAveragePooling2d({ name: 'gap' }), h));
  const model = tf.model({ inputs: x, outputs: out });
  model.compile({ optimizer: tf.train.adam(LR), loss: 'categoricalCrossentropy' });
  return model;
}

/** neurite's weights copied into a TF.js model, matched by layer and weight name. */
function copyWeights(tf: Tf, from: nn.LayersModel, to: TfModel): void {
  const ws = from.getWeights();
  const names = from.layers.flatMap((l) => l.params().map((p) => `${l.name}/${p.name}`));
  const byName = new Map(names.map((n, i) => [n, ws[i]]));
  to.setWeights(to.weights.map((v) => {
    const w = byName.get(v.originalName);
    if (!w) throw new Error(`no neurite weight for ${v.originalName}`);
    return tf.tensor(w.data, [...w.shape]);
  }));
}

interface Data { x: Float32Array; y: Float32Array; n: number }

function synthetic(n: number): Data {
  const r = mulberry32(SEED);
  const x = Float32Array.from({ length: n * PIXELS }, () => r());
  const y = new Float32Array(n * CLASSES);
  for (let i = 0; i < n; i++) y[i * CLASSES + Math.floor(r() * CLASSES)] = 1;
  return { x, y, n };
}

export async function benchResnet(opts: BenchOptions, log: (line: string) => void): Promise<ResnetResult> {
  const rounds = { predict: opts.quick ? 3 : 5, train: opts.quick ? 2 : 3 };
  const neuriteBatches = opts.quick ? 2 : 4;   // training batches per round, each neurite contender
  const data = synthetic(Math.max(PREDICT_ROWS, neuriteBatches * BATCH * rounds.train));
  const px = nn.tensor(data.x.subarray(0, PREDICT_ROWS * PIXELS), [PREDICT_ROWS, SIDE, SIDE, CHANNELS]);
  const slice = (from: number, count: number) => ({
    x: nn.tensor(data.x.subarray(from * PIXELS, (from + count) * PIXELS), [count, SIDE, SIDE, CHANNELS]),
    y: nn.tensor(data.y.subarray(from * CLASSES, (from + count) * CLASSES), [count, CLASSES]),
  });

  await nn.setBackend('wasm');
  const reference = neuriteResnet();
  const scores = (reference.predict(px) as nn.Tensor).data;
  const check: Record<string, number> = {};
  const tfModels: Record<string, TfModel> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    const tf = await useTf(backend);
    const m = tfjsResnet(tf);
    copyWeights(tf, reference, m);
    const theirs = tf.tidy(() => (m.predict(tf.tensor4d(data.x.subarray(0, 8 * PIXELS), [8, SIDE, SIDE, CHANNELS])) as TfTensor).dataSync());
    let d = 0;
    for (let i = 0; i < theirs.length; i++) d = Math.max(d, Math.abs(theirs[i] - scores[i]));
    check[`tfjs-${backend}`] = d;
    tfModels[backend] = m;
    log(`  tfjs-${backend} scores from neurite's weights: max |Δ| ${d.toExponential(1)}`);
  }

  const neuritePredict = (threads: number): Contender => ({
    library: `neurite wasm, ${threads} thread${threads > 1 ? 's' : ''}`, perRound: 2 * PREDICT_ROWS,
    prepare: () => settle(threads, () => reference.predict(px)),
    warmUp: async () => { reference.predict(px, { batchSize: PREDICT_ROWS }); },
    run: async () => { for (let i = 0; i < 2; i++) reference.predict(px, { batchSize: PREDICT_ROWS }); },
  });
  const tfPredict = (backend: 'cpu' | 'wasm'): Contender => {
    let tf: Tf;
    const rows = backend === 'cpu' ? PREDICT_ROWS / 4 : PREDICT_ROWS;
    return {
      library: `tfjs-${backend}`, perRound: rows,
      prepare: async () => { tf = await useTf(backend); },
      warmUp: async () => { await run(); },
      run: async () => { await run(); },
    };
    async function run() {
      tf.tidy(() => (tfModels[backend].predict(tf.tensor4d(data.x.subarray(0, rows * PIXELS), [rows, SIDE, SIDE, CHANNELS]),
        { batchSize: rows }) as TfTensor).dataSync());
    }
  };
  const trained: Record<number, nn.LayersModel> = {};
  const neuriteTrain = (threads: number): Contender => {
    const model = neuriteResnet();
    trained[threads] = model;
    let batch: { x: nn.Tensor; y: nn.Tensor } | undefined;
    return {
      library: `neurite wasm, ${threads} thread${threads > 1 ? 's' : ''}`, perRound: neuriteBatches * BATCH,
      prepare: () => settle(threads, () => model.predict(px)),
      warmUp: async () => {
        const w = slice(0, BATCH);
        await neuriteResnet().fit(w.x, w.y, { epochs: 1, batchSize: BATCH });
      },
      run: async (r) => {
        batch = slice(r * neuriteBatches * BATCH, neuriteBatches * BATCH);
        await model.fit(batch.x, batch.y, { epochs: 1, batchSize: BATCH, shuffle: false });
      },
    };
  };
  const tfTrain = (backend: 'cpu' | 'wasm'): Contender => {
    let tf: Tf;
    let model: TfModel;
    // tfjs-cpu trains this network at well under one image per second: one batch of 2 images, in the first round,
    // untimed warm-up skipped (its JIT is nothing next to seconds per image)
    const cpu = backend === 'cpu';
    const rows = cpu ? 2 : BATCH;
    return {
      library: `tfjs-${backend}`, perRound: rows, firstRoundOnly: cpu,
      prepare: async () => {
        tf = await useTf(backend);
        model ??= tfjsResnet(tf);
      },
      warmUp: async () => {
        if (cpu) return;
        const m = tfjsResnet(tf);
        try {
          await batch(m, 0, 4);
        } finally {
          m.dispose();
        }
      },
      run: (r) => batch(model, r * rows, rows),
    };
    async function batch(m: TfModel, from: number, rows: number) {
      const xs = tf.tensor4d(data.x.subarray(from * PIXELS, (from + rows) * PIXELS), [rows, SIDE, SIDE, CHANNELS]);
      const ys = tf.tensor2d(data.y.subarray(from * CLASSES, (from + rows) * CLASSES), [rows, CLASSES]);
      try {
        await m.trainOnBatch(xs, ys);
      } finally {
        tf.dispose([xs, ys]);
      }
    }
  };

  const rows: ResnetRow[] = [];
  for (const [task, contenders] of [
    ['predict', [neuritePredict(1), neuritePredict(2), tfPredict('cpu'), tfPredict('wasm')]],
    ['train', [neuriteTrain(1), neuriteTrain(2), tfTrain('cpu'), tfTrain('wasm')]],
  ] as const) {
    rows.push(...(await interleaved(task, [...contenders], rounds[task], log)) as ResnetRow[]);
  }
  await nn.ready({ threads: 1 });
  await nn.setBackend('wasm');
  const bits = (m: nn.LayersModel) => m.getWeights().flatMap((w) => Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length)));
  const trainRows = rows.filter((row) => row.task === 'train');
  let sameBits: boolean | null = null;
  if (!trainRows[0].error && !trainRows[1].error) {
    const a = bits(trained[1]), b = bits(trained[2]);
    sameBits = a.length === b.length && a.every((v, i) => v === b[i]);
  }
  for (const m of Object.values(tfModels)) m.dispose();
  return {
    model: `conv 3x3 'same' ${FILTERS} → bn → relu → ${BLOCKS} × [conv 3x3 'same' ${FILTERS} → bn → relu → conv 3x3 'same' ${FILTERS} → bn, ` +
      `add, relu] → global average pooling → dense ${CLASSES} softmax (convolutions without bias); Adam ${LR}, categorical ` +
      `cross-entropy, batch ${BATCH}; synthetic ${SIDE}×${SIDE}×${CHANNELS} images`,
    params: reference.getWeights().reduce((s, w) => s + w.data.length, 0),
    forwardMflop: FORWARD_FLOPS / 1e6,
    rounds,
    versions: { '@tensorflow/tfjs': version('@tensorflow/tfjs'), '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm') },
    rows,
    check,
    sameBits,
  };
}

export function resnetReport(r: ResnetResult): string[] {
  const out = ['## ResNet-style graph model: predict and training', '', ...roundsTable(r.rows)];
  out.push('', `Model: ${r.model}; ${r.params.toLocaleString('en-US')} weights, ${r.forwardMflop.toFixed(1)} MFLOP per sample forward. ` +
    `${r.rounds.predict} predict rounds and ${r.rounds.train} training rounds, interleaved (the order alternates), wall clock; ratios are ` +
    'medians of per-round ratios. neurite predicts 64 images per call (two calls a round) and trains 32-image batches; tfjs-cpu ' +
    'predicts 16 images a round and trains one batch of 2 images, in the first round only (at seconds per image); tfjs-wasm predicts 64. ' +
    `TF.js ${r.versions['@tensorflow/tfjs']} (wasm backend ${r.versions['@tensorflow/tfjs-backend-wasm']}, single-threaded in Node). ` +
    `From neurite's initial weights, TF.js's softmax scores differ by at most ${Object.entries(r.check).map(([k, v]) => `${v.toExponential(1)} (${k})`).join(' and ')}. ` +
    (r.sameBits === null ? '' : `The models trained on 1 and on 2 threads ended with ${r.sameBits ? 'the same' : 'DIFFERENT'} weight bits.`), '');
  return out;
}
