// Graph (functional) models in the TF.js Layers format, both ways: neurite's saves load in TF.js 4.22
// (tf.loadLayersModel) and predict the same; TF.js's functional models with shared layers and nested models, and
// files as tensorflowjs_converter writes them from Keras ('Functional', 'InputLayer'), load in neurite and predict
// the same; a graph saved with its optimizer state resumes to the same bits; malformed graphs are FormatErrors.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { rand } from './helpers';

tf.env().set('PROD', true);

const bits = (t: { data: Float32Array }) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex');
const weightBits = (m: nn.LayersModel) => m.getWeights().map(bits).join('|');
const stateBits = (m: nn.LayersModel) => m.getOptimizerWeights().map((w) => `${w.name}:${bits(w.tensor)}`).join('|');
const list = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

async function artifactsOf(model: nn.LayersModel, includeOptimizer = false): Promise<nn.ModelArtifacts> {
  let saved: nn.ModelArtifacts | undefined;
  await model.save(nn.io.withSaveHandler((a) => { saved = a; }), { includeOptimizer });
  return saved!;
}

async function tfArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}

/** One batch of data per model input. */
function inputsFor(shapes: readonly (readonly number[])[], n: number, seed: number): Float32Array[] {
  const r = rand(seed);
  return shapes.map((s) => r(n * size(s)));
}

const nnPredict = (m: nn.LayersModel, xs: Float32Array[], n: number) => {
  const ts = m.inputs.map((t, i) => nn.tensor(xs[i], [n, ...t.shape]));
  return list(m.predict(ts.length === 1 ? ts[0] : ts)).map((t) => t.data);
};
const tfPredict = (m: tf.LayersModel, xs: Float32Array[], n: number) => tf.tidy(() => {
  const ts = m.inputs.map((t, i) => tf.tensor(xs[i], [n, ...(t.shape.slice(1) as number[])]));
  return list(m.predict(ts.length === 1 ? ts[0] : ts) as tf.Tensor | tf.Tensor[]).map((t) => t.dataSync() as Float32Array);
});

/** neurite graph models covering what the functional format has to carry. */
const GRAPHS: { name: string; build: () => nn.LayersModel }[] = [
  {
    name: 'residual block (conv, batch norm, relu, conv, add the input)',
    build: () => {
      const x = nn.input({ shape: [6, 6, 3], name: 'image' });
      const c1 = nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(x);
      const bn = nn.layers.batchNormalization().apply(c1);
      const act = nn.layers.activation({ activation: 'relu' }).apply(bn);
      const c2 = nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(act);
      const sum = nn.layers.add().apply([c2, x]);
      const out = nn.layers.dense({ units: 4, activation: 'softmax' }).apply(nn.layers.flatten().apply(sum));
      return nn.model({ inputs: x, outputs: out, seed: 11, name: 'resblock' });
    },
  },
  {
    name: 'inception-style branches joined by concatenate',
    build: () => {
      const x = nn.input({ shape: [5, 5, 2] });
      const b1 = nn.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu' }).apply(x);
      const b2 = nn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(x);
      const b3 = nn.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(x);
      const cat = nn.layers.concatenate({ axis: -1 }).apply([b1, b2, b3]);
      const out = nn.layers.dense({ units: 3 }).apply(nn.layers.globalAveragePooling2d().apply(cat));
      return nn.model({ inputs: x, outputs: out, seed: 12 });
    },
  },
  {
    name: 'two inputs, two outputs, a shared dense layer, leakyRelu and every merge',
    build: () => {
      const a = nn.input({ shape: [4], name: 'left' });
      const b = nn.input({ shape: [4], name: 'right' });
      const shared = nn.layers.dense({ units: 4, activation: 'leakyRelu', alpha: 0.1, name: 'shared' });
      const sa = shared.apply(a);
      const sb = shared.apply(b);
      // every merge but subtract, which TF.js 4.22 lacks
      const merged = [nn.layers.add(), nn.layers.multiply(), nn.layers.average(), nn.layers.maximum(), nn.layers.minimum()]
        .map((l) => l.apply([sa, sb]));
      const cat = nn.layers.concatenate().apply(merged);
      const p = nn.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(cat);
      const v = nn.layers.dense({ units: 1, name: 'value' }).apply(shared.apply(nn.layers.add().apply([sa, sb])));
      return nn.model({ inputs: [a, b], outputs: [p, v], seed: 13 });
    },
  },
  {
    // L's second application waits for M, listed after L: TF.js's loader recreates L's third one first
    name: 'a shared layer applied before and after another layer, and again to the input',
    build: () => {
      const x = nn.input({ shape: [3], name: 'x' });
      const L = nn.layers.dense({ units: 3, activation: 'tanh', name: 'L' });
      const M = nn.layers.dense({ units: 3, name: 'M' });
      const l1 = L.apply(M.apply(L.apply(x)));
      const l2 = L.apply(x);
      return nn.model({ inputs: x, outputs: nn.layers.concatenate({ name: 'c' }).apply([l1, l2]), seed: 15 });
    },
  },
  {
    name: 'a model applied as a layer of another (one encoder for two inputs), and the feature extractor of a layer',
    build: () => {
      const x = nn.input({ shape: [6] });
      const code = nn.layers.dense({ units: 3, activation: 'tanh', name: 'code' }).apply(nn.layers.dense({ units: 5, activation: 'relu', name: 'enc' }).apply(x));
      const encoder = nn.model({ inputs: x, outputs: code, name: 'encoder' });
      const a = nn.input({ shape: [6], name: 'first' });
      const b = nn.input({ shape: [6], name: 'second' });
      const joined = nn.layers.concatenate().apply([encoder.apply(a) as nn.SymbolicTensor, encoder.apply(b) as nn.SymbolicTensor]);
      const pair = nn.model({ inputs: [a, b], outputs: nn.layers.dense({ units: 1, activation: 'sigmoid', name: 'same' }).apply(joined), seed: 14 });
      // the layers are shared with `encoder`, whose own nodes must not leak into the pair's file
      expect(nn.model({ inputs: encoder.inputs, outputs: encoder.getLayer('enc').output }).outputShape).toEqual([5]);
      return pair;
    },
  },
];

beforeAll(async () => {
  await nn.setBackend('wasm');
});

describe('neurite → TF.js', () => {
  it.each(GRAPHS)('$name: tf.loadLayersModel predicts the same, nn.loadModel the same bits', async ({ build }) => {
    const m = build();
    m.build();
    // weights off their initial values (batch-norm statistics too)
    m.setWeights(m.getWeights().map((w, i) => nn.tensor(rand(40 + i)(w.size, 0.1, 0.9), [...w.shape])));
    const a = await artifactsOf(m);
    expect((a.modelTopology as { class_name: string }).class_name).toBe('Model');
    const n = 3;
    const xs = inputsFor(m.inputs.map((t) => t.shape), n, 5);
    const mine = nnPredict(m, xs, n);

    const tm = await tf.loadLayersModel(tf.io.fromMemory(a as tf.io.ModelArtifacts));
    expect(tm.outputs.length).toBe(m.outputs.length);
    const theirs = tfPredict(tm, xs, n);
    theirs.forEach((t, i) => expect(maxAbsDiff(t, mine[i])).toBeLessThanOrEqual(1e-5));
    // TF.js names the weights as neurite does
    expect(tm.weights.map((w) => w.originalName).sort()).toEqual(a.weightSpecs.map((s) => s.name).sort());

    const back = await nn.loadModel(nn.io.fromMemory(a));
    expect(back).not.toBeInstanceOf(nn.Sequential);
    expect(back.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    expect(weightBits(back)).toBe(weightBits(m));
    nnPredict(back, xs, n).forEach((t, i) => expect(bits({ data: t })).toBe(bits({ data: mine[i] })));
    // and TF.js's own save of what it loaded comes back too
    const again = await nn.loadModel(nn.io.fromMemory(await tfArtifacts(tm)));
    nnPredict(again, xs, n).forEach((t, i) => expect(maxAbsDiff(t, mine[i])).toBeLessThanOrEqual(1e-6));
  });

  it('a frozen layer is saved as trainable: false and comes back frozen (TF.js too)', async () => {
    const x = nn.input({ shape: [3] });
    const base = nn.layers.dense({ units: 4, name: 'base' });
    const head = nn.layers.dense({ units: 2, name: 'head' }).apply(base.apply(x));
    const m = nn.model({ inputs: x, outputs: head, seed: 3 });
    base.trainable = false;
    const a = await artifactsOf(m);
    const back = await nn.loadModel(nn.io.fromMemory(a));
    expect(back.getLayer('base').trainable).toBe(false);
    expect(back.getLayer('head').trainable).toBe(true);
    const tm = await tf.loadLayersModel(tf.io.fromMemory(a as tf.io.ModelArtifacts));
    expect(tm.getLayer('base').trainable).toBe(false);
  });
});

describe('TF.js → neurite', () => {
  it('a functional model with shared layers, a nested functional model and a nested Sequential predicts the same', async () => {
    const x = tf.input({ shape: [4], name: 'x' });
    const innerIn = tf.input({ shape: [3], name: 'inner_in' });
    const innerHidden = tf.layers.dense({ units: 3, activation: 'tanh', name: 'inner_hidden' }).apply(innerIn) as tf.SymbolicTensor;
    const inner = tf.model({ inputs: innerIn, outputs: [
      tf.layers.dense({ units: 2, activation: 'relu', name: 'inner_a' }).apply(innerHidden) as tf.SymbolicTensor,
      tf.layers.dense({ units: 2, name: 'inner_b' }).apply(innerHidden) as tf.SymbolicTensor], name: 'inner' });
    const seq = tf.sequential({ name: 'tower', layers: [
      tf.layers.dense({ units: 5, activation: 'sigmoid', inputShape: [3], name: 'tower_1' }),
      tf.layers.leakyReLU({ alpha: 0.2, name: 'tower_act' }),
      tf.layers.dense({ units: 2, name: 'tower_2' })] });
    const shared = tf.layers.dense({ units: 3, activation: 'elu', name: 'shared' });
    const s1 = shared.apply(tf.layers.dense({ units: 3, name: 'pre' }).apply(x)) as tf.SymbolicTensor;
    const s2 = shared.apply(s1) as tf.SymbolicTensor;
    const [ia, ib] = inner.apply(s2) as tf.SymbolicTensor[];
    const [ja] = inner.apply(s1) as tf.SymbolicTensor[]; // the nested model applied twice: its weights are shared
    const t = seq.apply(s1) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([ia, t, ja]) as tf.SymbolicTensor;
    const out = tf.layers.concatenate({ name: 'joined' }).apply([sum, ib]) as tf.SymbolicTensor;
    const tm = tf.model({ inputs: x, outputs: [out, s2], name: 'outer' });
    tm.compile({ optimizer: tf.train.sgd(0.1), loss: ['meanSquaredError', 'meanSquaredError'] });
    const r = rand(9);
    const n = 6;
    await tm.fit(tf.tensor(r(n * 4), [n, 4]), [tf.tensor(r(n * 4), [n, 4]), tf.tensor(r(n * 3), [n, 3])], { epochs: 2, batchSize: 3, verbose: 0 });
    const a = await tfArtifacts(tm);
    const json = JSON.stringify(a.modelTopology);
    expect(json).toContain('"class_name":"Model"');
    expect(json).toContain('"class_name":"Sequential"');

    const m = await nn.loadModel(nn.io.fromMemory(a));
    // the nested models are flattened: their layers are the outer model's, once each
    expect(m.layers.map((l) => l.name).sort()).toEqual(
      ['x', 'pre', 'shared', 'inner_hidden', 'inner_a', 'inner_b', 'tower_1', 'tower_act', 'tower_2', 'sum', 'joined'].sort());
    expect(m.getLayer('tower_1').toJSON().config).toMatchObject({ activation: 'sigmoid' });
    const xs = inputsFor([[4]], 5, 21);
    const mine = nnPredict(m, xs, 5);
    const theirs = tfPredict(tm, xs, 5);
    expect(mine.length).toBe(2);
    theirs.forEach((v, i) => expect(maxAbsDiff(mine[i], v)).toBeLessThanOrEqual(1e-5));
    // and back to TF.js, flattened
    const tm2 = await tf.loadLayersModel(tf.io.fromMemory((await artifactsOf(m)) as tf.io.ModelArtifacts));
    tfPredict(tm2, xs, 5).forEach((v, i) => expect(maxAbsDiff(mine[i], v)).toBeLessThanOrEqual(1e-5));
  });

  it('a file as tensorflowjs_converter writes it from Keras (Functional, InputLayer, Keras 2 initializers) loads', async () => {
    const dense = (name: string, units: number, activation: string, inbound: unknown[]) => ({
      class_name: 'Dense', name, inbound_nodes: [inbound],
      config: { name, trainable: true, dtype: 'float32', units, activation, use_bias: true,
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null,
        activity_regularizer: null, kernel_constraint: null, bias_constraint: null },
    });
    const topology = {
      class_name: 'Functional',
      config: {
        name: 'model',
        layers: [
          { class_name: 'InputLayer', name: 'input_1', inbound_nodes: [],
            config: { batch_input_shape: [null, 3], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' } },
          dense('dense', 4, 'relu', [['input_1', 0, 0, {}]]),
          dense('dense_1', 3, 'linear', [['dense', 0, 0, {}]]),
          { class_name: 'Add', name: 'add', inbound_nodes: [[['dense_1', 0, 0, {}], ['input_1', 0, 0, {}]]],
            config: { name: 'add', trainable: true, dtype: 'float32' } },
          dense('dense_2', 2, 'softmax', [['add', 0, 0, {}]]),
        ],
        input_layers: [['input_1', 0, 0]],
        output_layers: [['dense_2', 0, 0]],
      },
      keras_version: '2.15.0',
      backend: 'tensorflow',
    };
    const shapes: [string, number[]][] = [['dense/kernel', [3, 4]], ['dense/bias', [4]], ['dense_1/kernel', [4, 3]], ['dense_1/bias', [3]],
      ['dense_2/kernel', [3, 2]], ['dense_2/bias', [2]]];
    const r = rand(4);
    const values = shapes.map(([, s]) => r(size(s)));
    const weightData = new Uint8Array(values.reduce((a, v) => a + v.byteLength, 0));
    let at = 0;
    for (const v of values) { weightData.set(new Uint8Array(v.buffer), at); at += v.byteLength; }
    const json = {
      format: 'layers-model', generatedBy: 'keras v2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology: topology,
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: shapes.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }],
    };
    const m = await nn.loadModel(nn.io.fromMemory({ ...json, weightData: weightData.buffer }));
    const tm = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: json.weightsManifest[0].weights as tf.io.WeightsManifestEntry[],
      weightData: weightData.buffer }));
    const xs = inputsFor([[3]], 4, 8);
    expect(maxAbsDiff(nnPredict(m, xs, 4)[0], tfPredict(tm, xs, 4)[0])).toBeLessThanOrEqual(1e-6);
    // by hand: softmax(W2 · (W1 · relu(W0 · x + b0) + b1 + x) + b2)
    const x = xs[0].subarray(0, 3);
    const affine = (v: ArrayLike<number>, w: Float32Array, b: Float32Array, units: number) =>
      Array.from({ length: units }, (_, j) => b[j] + Array.from(v).reduce((s, vi, i) => s + vi * w[i * units + j], 0));
    const h = affine(x, values[0], values[1], 4).map((v) => Math.max(0, v));
    const res = affine(h, values[2], values[3], 3).map((v, i) => v + x[i]);
    const z = affine(res, values[4], values[5], 2);
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const p = e.map((v) => v / (e[0] + e[1]));
    expect(maxAbsDiff(nnPredict(m, xs, 4)[0].subarray(0, 2), p)).toBeLessThanOrEqual(1e-6);
  });

  it('Keras 3 node references ({ args, kwargs } of keras tensors, batch_shape) load too', async () => {
    const kt = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 2], dtype: 'float32', keras_history: [name, 0, 0] } });
    const topology = {
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          { class_name: 'InputLayer', name: 'a', inbound_nodes: [], config: { batch_shape: [null, 2], dtype: 'float32', name: 'a' } },
          { class_name: 'Dense', name: 'd', inbound_nodes: [{ args: [kt('a')], kwargs: {} }], config: { name: 'd', units: 2, activation: 'linear', use_bias: false } },
          { class_name: 'Add', name: 's', inbound_nodes: [{ args: [[kt('d'), kt('a')]], kwargs: {} }], config: { name: 's' } },
        ],
        input_layers: ['a', 0, 0],
        output_layers: ['s', 0, 0],
      },
    };
    const w = Float32Array.of(1, 2, 3, 4);
    const m = await nn.loadModel(nn.io.fromMemory({ modelTopology: topology, weightSpecs: [{ name: 'd/kernel', shape: [2, 2], dtype: 'float32' }],
      weightData: w.buffer }));
    // [1, 1] · [[1, 2], [3, 4]] + [1, 1] = [5, 7]
    expect(Array.from((m.predict([[1, 1]]) as nn.Tensor).data)).toEqual([5, 7]);
  });
});

describe('resume', () => {
  const build = () => {
    const x = nn.input({ shape: [6], name: 'features' });
    const shared = nn.layers.dense({ units: 5, activation: 'relu', name: 'trunk' });
    const h = shared.apply(x);
    const d = nn.layers.dropout({ rate: 0.3, name: 'drop' }).apply(h);
    const h2 = shared.apply(nn.layers.dense({ units: 6, name: 'back' }).apply(d));
    const cls = nn.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(nn.layers.add().apply([h, h2]));
    const reg = nn.layers.dense({ units: 1, name: 'reg' }).apply(h2);
    const m = nn.model({ inputs: x, outputs: [cls, reg], seed: 17 });
    m.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: { cls: 'sparseCategoricalCrossentropy', reg: 'meanSquaredError' },
      lossWeights: { cls: 1, reg: 0.25 }, metrics: ['accuracy'] });
    return m;
  };
  const r = rand(3);
  const n = 10;
  const x = nn.tensor(r(n * 6), [n, 6]);
  const y = { cls: Int32Array.from({ length: n }, (_, i) => i % 3), reg: nn.tensor(r(n), [n, 1]) };
  const fitOpts = { epochs: 1, batchSize: 4, shuffle: true } as const;

  it.each(['memory', 'bytes', 'json'])('two outputs via %s: 2 epochs = 1 epoch, save, load, 1 more (bit-identical weights and state)', async (form) => {
    const straight = build();
    await straight.fit(x, y, { ...fitOpts, epochs: 2 });
    const first = build();
    await first.fit(x, y, fitOpts);
    const resumed = form === 'memory' ? await nn.loadModel(nn.io.fromMemory(await artifactsOf(first, true)))
      : form === 'bytes' ? await nn.loadModel(await nn.io.saveToBytes(first, { includeOptimizer: true }))
        : await nn.loadModel(await nn.io.saveToJSON(first, { includeOptimizer: true }));
    expect(resumed.compileConfig!.losses).toEqual(['sparseCategoricalCrossentropy', 'meanSquaredError']);
    expect(resumed.compileConfig!.lossWeights).toEqual([1, 0.25]);
    expect(resumed.getTrainingState()).toEqual(first.getTrainingState());
    const h = await resumed.fit(x, y, fitOpts);
    expect(weightBits(resumed)).toBe(weightBits(straight));
    expect(stateBits(resumed)).toBe(stateBits(straight));
    expect(resumed.getTrainingState()).toEqual(straight.getTrainingState());
    expect(Object.keys(h.history)).toContain('cls_loss');
  });

  it('TF.js loads the training configuration of a two-output graph (a loss per output) and compiles it', async () => {
    const m = build();
    await m.fit(x, y, fitOpts);
    const a = await artifactsOf(m, true);
    expect(a.trainingConfig).toMatchObject({ loss: ['sparse_categorical_crossentropy', 'mean_squared_error'], neurite: { lossWeights: [1, 0.25] } });
    const tm = await tf.loadLayersModel(tf.io.fromMemory(a as tf.io.ModelArtifacts));
    expect(tm.optimizer).toBeDefined();
    expect(tm.outputs.length).toBe(2);
  });
});

describe('hostile functional files', () => {
  const input = (name: string) => ({ class_name: 'InputLayer', name, inbound_nodes: [], config: { batch_input_shape: [null, 2], name } });
  const dense = (name: string, inbound: unknown[][]) => ({ class_name: 'Dense', name, inbound_nodes: inbound, config: { name, units: 2, use_bias: false } });
  const specsFor = (names: string[]) => names.map((name) => ({ name: `${name}/kernel`, shape: [2, 2], dtype: 'float32' }));
  const load = (layers: unknown[], inputs: unknown, outputs: unknown, weights: string[]) => nn.loadModel(nn.io.fromMemory({
    modelTopology: { class_name: 'Functional', config: { name: 'bad', layers, input_layers: inputs, output_layers: outputs } },
    weightSpecs: specsFor(weights), weightData: new Float32Array(4 * weights.length).buffer,
  }));
  const refuses = async (p: Promise<unknown>, message: RegExp) => {
    const e = await p.then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(nn.FormatError);
    expect((e as Error).message).toMatch(message);
  };

  it('a cycle is refused, not followed', async () => {
    await refuses(load([input('in'), dense('a', [[['b', 0, 0, {}]]]), dense('b', [[['a', 0, 0, {}]]])], [['in', 0, 0]], [['b', 0, 0]], ['a', 'b']),
      /cycle.*'?"?[ab]/);
    // a layer that reads its own output
    await refuses(load([input('in'), dense('a', [[['a', 0, 0, {}]]])], [['in', 0, 0]], [['a', 0, 0]], ['a']), /cycle/);
    // a cycle through a nested model
    const inner = { class_name: 'Functional', name: 'inner', inbound_nodes: [[['a', 0, 0, {}]]],
      config: { name: 'inner', layers: [input('i'), dense('d', [[['i', 0, 0, {}]]])], input_layers: [['i', 0, 0]], output_layers: [['d', 0, 0]] } };
    await refuses(load([input('in'), inner, dense('a', [[['inner', 1, 0, {}]]])], [['in', 0, 0]], [['a', 0, 0]], ['a', 'd']), /cycle/);
  });

  it('unknown layers, missing nodes and tensors, duplicate names, non-input inputs and call arguments are refused by name', async () => {
    await refuses(load([input('in'), dense('a', [[['ghost', 0, 0, {}]]])], [['in', 0, 0]], [['a', 0, 0]], ['a']), /"ghost".*not in/);
    await refuses(load([input('in'), dense('a', [[['in', 0, 0, {}]]])], [['in', 0, 0]], [['a', 3, 0]], ['a']), /"a" has 1 inbound node.*no node 3/);
    await refuses(load([input('in'), dense('a', [[['in', 0, 0, {}]]])], [['in', 0, 0]], [['a', 0, 1]], ['a']), /one output tensor/);
    await refuses(load([input('in'), dense('a', [[['in', 0, 0, {}]]]), dense('a', [[['in', 0, 0, {}]]])], [['in', 0, 0]], [['a', 0, 0]], ['a']),
      /"a" is used twice/);
    await refuses(load([input('in'), dense('a', [[['in', 0, 0, {}]]])], [['a', 0, 0]], [['a', 0, 0]], ['a']), /not an InputLayer/);
    await refuses(load([input('in'), dense('a', [[['in', 0, 0, { training: true }]]])], [['in', 0, 0]], [['a', 0, 0]], ['a']), /training = true/);
    await refuses(load([input('in'), dense('a', [[['in', -1, 0, {}]]])], [['in', 0, 0]], [['a', 0, 0]], ['a']), /node index/);
    await refuses(load([input('in'), input('other'), dense('a', [[['other', 0, 0, {}]]])], [['in', 0, 0]], [['a', 0, 0]], ['a']),
      /"other".*not one of the model's input_layers/);
    await refuses(load([input('in'), dense('a', [[['in', 0, 0, {}]]])], [['in', 0, 0]], [], ['a']), /output_layers.*at least one/);
    // a nested layer named like an outer one: the weight names would collide
    const inner = { class_name: 'Functional', name: 'inner', inbound_nodes: [[['in', 0, 0, {}]]],
      config: { name: 'inner', layers: [input('i'), dense('a', [[['i', 0, 0, {}]]])], input_layers: [['i', 0, 0]], output_layers: [['a', 0, 0]] } };
    await refuses(load([input('in'), inner, dense('a', [[['inner', 1, 0, {}]]])], [['in', 0, 0]], [['a', 0, 0]], ['a']), /"a" is also used/);
    // node 0 of a nested model is its own graph
    const inner2 = { ...inner, config: { ...inner.config, layers: [input('i'), dense('d', [[['i', 0, 0, {}]]])], output_layers: [['d', 0, 0]] } };
    await refuses(load([input('in'), inner2, dense('a', [[['inner', 0, 0, {}]]])], [['in', 0, 0]], [['a', 0, 0]], ['a', 'd']), /no node 0/);
  });

  it('the number of layer applications is bounded, also when nested models multiply them', async () => {
    // each level applies the one below twice: 2^15 applications of the innermost layer from a few hundred bytes
    let def: { class_name: string; config: unknown } = { class_name: 'Functional', config: { name: 'm0', layers: [input('i0'), dense('d', [[['i0', 0, 0, {}]]])],
      input_layers: [['i0', 0, 0]], output_layers: [['d', 0, 0]] } };
    for (let k = 1; k <= 15; k++) {
      const sub = { ...def, name: `m${k - 1}`, inbound_nodes: [[[`i${k}`, 0, 0, {}]], [[`m${k - 1}`, 1, 0, {}]]] };
      def = { class_name: 'Functional', config: { name: `m${k}`, layers: [input(`i${k}`), sub], input_layers: [[`i${k}`, 0, 0]], output_layers: [[`m${k - 1}`, 2, 0]] } };
    }
    await refuses(nn.loadModel(nn.io.fromMemory({ modelTopology: def, weightSpecs: specsFor(['d']), weightData: new Float32Array(4).buffer })),
      /more than 20000 layer applications/);
    // a chain deeper than the call stack would allow for recursion is fine (10,000 layers)
    const layers: unknown[] = [input('in')];
    for (let k = 0; k < 9999; k++) layers.push({ class_name: 'Activation', name: `r${k}`, inbound_nodes: [[[k === 0 ? 'in' : `r${k - 1}`, 0, 0, {}]]], config: { name: `r${k}`, activation: 'relu' } });
    const deep = await nn.loadModel(nn.io.fromMemory({ modelTopology: { class_name: 'Model', config: { name: 'deep', layers, input_layers: [['in', 0, 0]], output_layers: [['r9998', 0, 0]] } },
      weightSpecs: [], weightData: new ArrayBuffer(0) }));
    expect(Array.from((deep.predict([[-1, 2]]) as nn.Tensor).data)).toEqual([0, 2]);
  });
});
