// MobileNet v2 (alpha 1.0, 224×224×3, 1000 classes, Keras's architecture built with TF.js's layers in
// bench/mobilenet-models.ts, random weights): neurite (wasm, 1 and 2 threads) against TF.js's wasm backend
// (XNNPACK) and its cpu backend, in interleaved rounds (bench/rounds.ts), wall clock:
//   - predict one image per call, and a batch of 16 images in one call;
//   - fine-tuning a new head (dense 2 softmax on the pooled 1280 features) on the frozen base: Adam 1e-3,
//     categorical cross-entropy, batches of 16, every step running the whole base forward.
// Every library runs the same model from the same file: TF.js saves it once, neurite and each TF.js backend load
// it; the scores of one image are compared across libraries to check they compute the same function.
import { runtimeFor } from '../src/backend/index';
import { Act } from '../src/backend/types';
import * as nn from '../src/index';
import { mobilenetV2, randomize } from './mobilenet-models';
import { loadPeak } from './peak';
import { useTf, version, type Tf } from './peers';
import { type Contender, interleaved, type RoundsRow, roundsTable, settle } from './rounds';
import { interleaved as interleavedCpu, medianRatio } from './timing';
import { median, mulberry32, type BenchOptions } from './util';

type TfModel = import('@tensorflow/tfjs').LayersModel;
type TfTensor = import('@tensorflow/tfjs').Tensor;
type Artifacts = import('@tensorflow/tfjs').io.ModelArtifacts;

const SIZE = 224;
const PIXELS = SIZE * SIZE * 3;
const CLASSES = 1000;
const HEAD_CLASSES = 2;
const BATCH = 16;
const LR = 1e-3;
const SEED = 11;
/** tfjs-wasm's fine-tuning batch: at 16 images its wasm memory runs out (Aborted()); at 4 it trains. */
const WASM_TRAIN_BATCH = 4;
/** One-image predict calls per round (neurite, tfjs-wasm; tfjs-cpu makes one). */
const SINGLE_CALLS = 4;

export type MobilenetRow = RoundsRow;

export interface MobilenetResult {
  model: string;
  params: number;
  rounds: number;
  versions: Record<string, string>;
  rows: MobilenetRow[];
  /** Max |Δ| of one image's 1000 scores, each TF.js backend against neurite. */
  check: Record<string, number>;
  /** The heads fine-tuned on 1 and on 2 threads ended with the same weight bits. */
  sameBits: boolean | null;
  kernels: KernelRow[];
}

/** One of MobileNet v2's convolutions (one image at 224×224) run alone by its kernel, against the SIMD peak. */
export interface KernelRow {
  kernel: 'f32_depthwise_conv2d' | 'f32_gemm_nn';
  /** The layer it is: input size, channels, stride. */
  layer: string;
  flops: number;
  /** Median GFLOP/s (process CPU time, one thread). */
  gflops: number;
  /** Median over rounds of (kernel rate ÷ peak rate). */
  ofPeak: number;
}

/** Depthwise 3x3 layers of MobileNet v2 at 224: [input side, channels, stride]. */
const DEPTHWISE: [number, number, number][] = [[112, 32, 1], [112, 96, 2], [56, 144, 1], [28, 192, 1], [14, 576, 1], [7, 960, 1]];
/** Pointwise (1x1) layers of MobileNet v2 at 224: [side, input channels, output channels]; a product [side², in]·[in, out]. */
const POINTWISE: [number, number, number][] = [[112, 32, 16], [56, 24, 144], [28, 192, 32], [14, 384, 64], [14, 96, 576], [7, 960, 160]];

/**
 * The depthwise and pointwise convolutions of MobileNet v2 run alone on neurite's wasm kernels (one thread,
 * process CPU time), interleaved with the register-only SIMD peak of bench/peak.ts: what fraction of it each reaches.
 */
export async function benchMobilenetKernels(opts: BenchOptions, log: (line: string) => void): Promise<KernelRow[]> {
  const peak = await loadPeak();
  const rt = runtimeFor('wasm');
  const k = rt.backend.kernels;
  const r = mulberry32(SEED);
  const buffer = (n: number) => {
    const p = rt.heap.alloc(n * 4);
    const f = rt.backend.memory.f32();
    for (let i = 0; i < n; i++) f[p / 4 + i] = r() * 2 - 1;
    return p;
  };
  const cases: { row: Omit<KernelRow, 'gflops' | 'ofPeak'>; fn: () => void }[] = [];
  for (const [side, c, stride] of DEPTHWISE) {
    const out = stride === 1 ? side : side / 2;
    // stride 1: 'same' (one pixel of padding each side); stride 2: after Keras's ZeroPadding2D, 'valid' on side + 1
    const inSide = stride === 1 ? side : side + 1;
    const pad = stride === 1 ? 1 : 0;
    const x = buffer(inSide * inSide * c), w = buffer(9 * c), y = buffer(out * out * c);
    cases.push({
      row: { kernel: 'f32_depthwise_conv2d', layer: `${side}×${side}×${c}, 3x3, stride ${stride}`, flops: 2 * out * out * c * 9 },
      fn: () => k.f32_depthwise_conv2d(x, w, 0, y, 1, inSide, inSide, c, 1, 3, 3, stride, stride, 1, 1, pad, pad, out, out, Act.Linear, 0),
    });
  }
  for (const [side, cin, cout] of POINTWISE) {
    const m = side * side;
    const a = buffer(m * cin), b = buffer(cin * cout), c = buffer(m * cout);
    cases.push({
      row: { kernel: 'f32_gemm_nn', layer: `${side}×${side}×${cin} → ${cout}, 1x1`, flops: 2 * m * cin * cout },
      fn: () => k.f32_gemm_nn(a, b, 0, c, m, cout, cin, 0, Act.Linear, 0),
    });
  }
  const rounds = opts.quick ? 3 : 7;
  const rows: KernelRow[] = [];
  for (const { row, fn } of cases) {
    const [tp, tk] = interleavedCpu([{ name: 'peak', fn: peak.fn }, { name: row.kernel, fn }], rounds, opts.quick ? 0.01 : 0.02);
    const rate = tk.map((t) => row.flops / t);
    const ofPeak = medianRatio(rate, tp.map((t) => peak.flops / t));
    rows.push({ ...row, gflops: median(rate) / 1e9, ofPeak });
    log(`  ${row.kernel} ${row.layer}: ${(median(rate) / 1e9).toFixed(1)} GFLOP/s, ${(100 * ofPeak).toFixed(0)} % of peak`);
  }
  return rows;
}

async function saveArtifacts(tf: Tf, m: TfModel): Promise<Artifacts> {
  let saved: Artifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!saved) throw new Error('TF.js saved no artifacts');
  return saved;
}

/** The name of the model's global average pooling layer: the head goes on its output. */
const poolName = (names: string[]) => {
  const name = names.find((n) => n.startsWith('global_average_pooling2d'));
  if (!name) throw new Error('MobileNet v2 without a global average pooling layer');
  return name;
};

function neuriteHead(base: nn.LayersModel): nn.LayersModel {
  const pool = base.getLayer(poolName(base.layers.map((l) => l.name))).output as nn.SymbolicTensor;
  const out = nn.layers.dense({ units: HEAD_CLASSES, activation: 'softmax', name: 'head' }).apply(pool) as nn.SymbolicTensor;
  const model = nn.model({ inputs: base.inputs, outputs: out, seed: SEED });
  for (const layer of base.layers) layer.trainable = false;
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: LR }), loss: 'categoricalCrossentropy' });
  return model;
}

function tfHead(tf: Tf, base: TfModel): TfModel {
  const pool = base.getLayer(poolName(base.layers.map((l) => l.name))).output as import('@tensorflow/tfjs').SymbolicTensor;
  const out = tf.layers.dense({ units: HEAD_CLASSES, activation: 'softmax', name: 'head' }).apply(pool) as import('@tensorflow/tfjs').SymbolicTensor;
  const model = tf.model({ inputs: base.inputs, outputs: out });
  for (const layer of base.layers) layer.trainable = false;
  model.compile({ optimizer: tf.train.adam(LR), loss: 'categoricalCrossentropy' });
  return model;
}

export async function benchMobilenet(opts: BenchOptions, log: (line: string) => void): Promise<MobilenetResult> {
  const rounds = opts.quick ? 2 : 5;
  const r = mulberry32(SEED);
  const images = Float32Array.from({ length: BATCH * rounds * PIXELS }, () => r() * 2 - 1);
  const labels = new Float32Array(BATCH * rounds * HEAD_CLASSES);
  for (let i = 0; i < BATCH * rounds; i++) labels[i * HEAD_CLASSES + Math.floor(r() * HEAD_CLASSES)] = 1;
  const one = nn.tensor(images.subarray(0, PIXELS), [1, SIZE, SIZE, 3]);
  const sixteen = nn.tensor(images.subarray(0, BATCH * PIXELS), [BATCH, SIZE, SIZE, 3]);
  const batchAt = (round: number) => ({
    x: images.subarray(round * BATCH * PIXELS, (round + 1) * BATCH * PIXELS),
    y: labels.subarray(round * BATCH * HEAD_CLASSES, (round + 1) * BATCH * HEAD_CLASSES),
  });

  let tf = await useTf('cpu');
  const built = mobilenetV2(tf, { alpha: 1, classes: CLASSES, size: SIZE });
  randomize(tf, built, SEED);
  const artifacts = await saveArtifacts(tf, built);
  const params = built.countParams();
  built.dispose();

  await nn.setBackend('wasm');
  const model = await nn.loadModel(nn.io.fromMemory(artifacts));
  const scores = (model.predict(one) as nn.Tensor).data;
  const tfModels: Record<string, TfModel> = {};
  const check: Record<string, number> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    tf = await useTf(backend);
    const m = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const theirs = tf.tidy(() => (m.predict(tf.tensor4d(images.subarray(0, PIXELS), [1, SIZE, SIZE, 3])) as TfTensor).dataSync());
    let d = 0;
    for (let i = 0; i < theirs.length; i++) d = Math.max(d, Math.abs(theirs[i] - scores[i]));
    check[`tfjs-${backend}`] = d;
    tfModels[backend] = m;
    log(`  tfjs-${backend} scores of one image against neurite's: max |Δ| ${d.toExponential(1)}`);
  }

  const threadsName = (threads: number) => `neurite wasm, ${threads} thread${threads > 1 ? 's' : ''}`;
  const neuritePredict = (threads: number, x: nn.Tensor, calls: number): Contender => ({
    library: threadsName(threads), perRound: calls * x.shape[0],
    prepare: () => settle(threads, () => model.predict(one)),
    warmUp: async () => { model.predict(x); },
    run: async () => { for (let i = 0; i < calls; i++) model.predict(x); },
  });
  const tfPredict = (backend: 'cpu' | 'wasm', rows: number, calls: number, firstRoundOnly = false): Contender => {
    let t: Tf;
    const run = async () => {
      for (let i = 0; i < calls; i++) {
        t.tidy(() => (tfModels[backend].predict(t.tensor4d(images.subarray(0, rows * PIXELS), [rows, SIZE, SIZE, 3]), { batchSize: rows }) as TfTensor).dataSync());
      }
    };
    return {
      library: `tfjs-${backend}`, perRound: rows * calls, firstRoundOnly,
      prepare: async () => { t = await useTf(backend); },
      warmUp: run,
      run,
    };
  };

  const heads: Record<number, nn.LayersModel> = {};
  const neuriteTrain = (threads: number): Contender => {
    // each thread count fine-tunes its own copy of the head from the same seed on the same batches
    let head: nn.LayersModel | undefined;
    return {
      library: threadsName(threads), perRound: BATCH,
      prepare: async () => {
        await settle(threads, () => model.predict(one));
        head ??= heads[threads] = neuriteHead(await nn.loadModel(nn.io.fromMemory(artifacts)));
      },
      warmUp: async () => {
        const w = neuriteHead(await nn.loadModel(nn.io.fromMemory(artifacts)));
        const b = batchAt(0);
        await w.fit(nn.tensor(b.x, [BATCH, SIZE, SIZE, 3]), nn.tensor(b.y, [BATCH, HEAD_CLASSES]), { epochs: 1, batchSize: BATCH });
      },
      run: async (round) => {
        const b = batchAt(round);
        await head?.fit(nn.tensor(b.x, [BATCH, SIZE, SIZE, 3]), nn.tensor(b.y, [BATCH, HEAD_CLASSES]), { epochs: 1, batchSize: BATCH, shuffle: false });
      },
    };
  };
  const tfTrain = (backend: 'cpu' | 'wasm', rows: number): Contender => {
    let t: Tf;
    let head: TfModel | undefined;
    const step = async (m: TfModel, round: number) => {
      const b = batchAt(round);
      const xs = t.tensor4d(b.x.subarray(0, rows * PIXELS), [rows, SIZE, SIZE, 3]);
      const ys = t.tensor2d(b.y.subarray(0, rows * HEAD_CLASSES), [rows, HEAD_CLASSES]);
      try {
        await m.trainOnBatch(xs, ys);
      } finally {
        t.dispose([xs, ys]);
      }
    };
    const cpu = backend === 'cpu';
    return {
      library: `tfjs-${backend}`, perRound: rows, firstRoundOnly: cpu,
      prepare: async () => {
        t = await useTf(backend);
        head ??= tfHead(t, tfModels[backend]);
      },
      // tfjs-cpu takes seconds per image: its one timed step is its warm-up too
      warmUp: async () => { if (!cpu && head) await step(head, 0); },
      run: async (round) => { if (head) await step(head, round); },
    };
  };

  const rows: MobilenetRow[] = [];
  rows.push(...await interleaved('predict, 1 image', [neuritePredict(1, one, SINGLE_CALLS), neuritePredict(2, one, SINGLE_CALLS),
    tfPredict('wasm', 1, SINGLE_CALLS), tfPredict('cpu', 1, 1)], rounds, log));
  rows.push(...await interleaved(`predict, batch of ${BATCH}`, [neuritePredict(1, sixteen, 1), neuritePredict(2, sixteen, 1),
    tfPredict('wasm', BATCH, 1), tfPredict('cpu', BATCH, 1, true)], rounds, log));
  rows.push(...await interleaved('fine-tune head, frozen base', [neuriteTrain(1), neuriteTrain(2), tfTrain('wasm', WASM_TRAIN_BATCH), tfTrain('cpu', BATCH)], rounds, log));

  await nn.ready({ threads: 1 });
  await nn.setBackend('wasm');
  const bits = (m: nn.LayersModel) => m.getLayer('head').getWeights().flatMap((w) => Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length)));
  let sameBits: boolean | null = null;
  if (heads[1] && heads[2]) {
    const a = bits(heads[1]), b = bits(heads[2]);
    sameBits = a.length === b.length && a.every((v, i) => v === b[i]);
  }
  for (const m of Object.values(tfModels)) m.dispose();
  const kernels = await benchMobilenetKernels(opts, log);
  return {
    kernels,
    model: `MobileNet v2 (alpha 1.0, ${SIZE}×${SIZE}×3, ${CLASSES} classes; Keras's architecture built with TF.js's layers, random weights)`,
    params,
    rounds,
    versions: { '@tensorflow/tfjs': version('@tensorflow/tfjs'), '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm') },
    rows,
    check,
    sameBits,
  };
}

export function mobilenetReport(r: MobilenetResult): string[] {
  return ['## MobileNet v2: predict and fine-tuning a head on the frozen base', '', ...roundsTable(r.rows), '',
    `Model: ${r.model}; ${r.params.toLocaleString('en-US')} weights. ${r.rounds} interleaved rounds (the order alternates), wall clock; ` +
    `ratios are medians of per-round ratios. One image: ${SINGLE_CALLS} predict calls a round (tfjs-cpu: one). Batch: one call on ` +
    `${BATCH} images (tfjs-cpu: in the first round only). Fine-tuning: dense ${HEAD_CLASSES} softmax on the pooled features, Adam ` +
    `${LR}, one batch of ${BATCH} a round (tfjs-cpu: first round only; tfjs-wasm: batches of ${WASM_TRAIN_BATCH}, since at ${BATCH} ` +
    'its wasm memory runs out and it aborts), the base frozen (its forward runs every step). ' +
    `TF.js ${r.versions['@tensorflow/tfjs']} (wasm backend ${r.versions['@tensorflow/tfjs-backend-wasm']}, single-threaded in Node). ` +
    `From the same file, TF.js's scores of one image differ from neurite's by at most ${Object.entries(r.check).map(([k, v]) => `${v.toExponential(1)} (${k})`).join(' and ')}. ` +
    (r.sameBits === null ? '' : `The heads fine-tuned on 1 and on 2 threads ended with ${r.sameBits ? 'the same' : 'DIFFERENT'} weight bits.`), '',
    '### Its depthwise and pointwise convolutions against the SIMD peak', '',
    '| kernel | layer (one image) | MFLOP | GFLOP/s (median) | of peak |', '|---|---|---:|---:|---:|',
    ...r.kernels.map((k) => `| ${k.kernel} | ${k.layer} | ${(k.flops / 1e6).toFixed(1)} | ${k.gflops.toFixed(1)} | ${(100 * k.ofPeak).toFixed(0)} % |`), '',
    'Each kernel alone on one thread, process CPU time, interleaved with the register-only f32x4 peak of bench/peak.ts ' +
    '(multiplies and adds with no memory traffic); "of peak" is the median of per-round ratios. A depthwise convolution ' +
    'has 9 multiply-adds per output and no sum over channels, so each f32x4 multiply-add loads its own input and weight ' +
    'vectors (a matrix product reuses each load across a register tile): loads, not arithmetic, bound it. ' +
    'A pointwise convolution is one matrix product [pixels, in]·[in, out].', ''];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const result = await benchMobilenet({ quick, maxTime: 1 }, (line) => console.error(line));
  console.log(mobilenetReport(result).join('\n'));
}
