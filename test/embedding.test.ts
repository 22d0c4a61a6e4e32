// Embedding: the lookup and scatter-add kernels against float64 references and wasm = js bit for bit; the layer
// against TF.js 4.22 from the same table (forward and gradients), central differences for the table, files both
// ways, and the errors for bad ids and options.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { initialize } from '../src/initializers';
import { BACKENDS, bitDiff, centralDifferences, Mem, maxRelErr, rand } from './helpers';

tf.env().set('PROD', true);
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Random integer ids in [0, inputDim) as f32 values, every id used when count allows. */
function ids(count: number, inputDim: number, seed: number): Float32Array {
  const r = rand(seed)(count, 0, inputDim);
  return Float32Array.from(r, (v, i) => (i < inputDim && count >= 2 * inputDim ? i : Math.min(inputDim - 1, Math.floor(v))));
}

describe('f32_embedding and f32_embedding_grad', () => {
  const SHAPES = [[1, 1, 1], [5, 3, 2], [9, 4, 7], [17, 5, 3], [40, 8, 9], [33, 9, 64], [65, 17, 5], [7, 63, 2]];
  for (const [count, dim, inputDim] of SHAPES) {
    it(`count ${count}, dim ${dim}, inputDim ${inputDim}: rows exact, gradient = float64 scatter-add, wasm = js bits`, () => {
      const out: Float32Array[][] = [];
      for (const backend of BACKENDS) {
        const m = new Mem(backend);
        try {
          const table = rand(3)(inputDim * dim, -1, 1), id = ids(count, inputDim, 4), dy = rand(5)(count * dim, -1, 1);
          const pt = m.f32(table), pi = m.f32(id), py = m.f32(count * dim + 4), pdy = m.f32(dy), pg = m.f32(rand(6)(inputDim * dim + 4));
          // sentinels after y and the gradient stay untouched
          m.rt.backend.memory.f32().fill(7.5, py / 4 + count * dim, py / 4 + count * dim + 4);
          m.rt.backend.memory.f32().fill(7.5, pg / 4 + inputDim * dim, pg / 4 + inputDim * dim + 4);
          expect(m.k.f32_embedding(pt, pi, py, count, dim, inputDim)).toBe(-1);
          m.k.f32_embedding_grad(pi, pdy, pg, count, dim, inputDim);
          const y = m.read(py, count * dim + 4), g = m.read(pg, inputDim * dim + 4);
          const want = new Float64Array(count * dim), gw = new Float64Array(inputDim * dim);
          for (let i = 0; i < count; i++) {
            for (let j = 0; j < dim; j++) {
              want[i * dim + j] = table[id[i] * dim + j];
              gw[id[i] * dim + j] += dy[i * dim + j];
            }
          }
          expect(Array.from(y.subarray(0, count * dim))).toEqual(Array.from(Float32Array.from(want)));
          expect(maxRelErr(g.subarray(0, inputDim * dim), gw)).toBeLessThan(1e-6 * Math.max(1, count / inputDim));
          expect(Array.from(y.subarray(count * dim))).toEqual([7.5, 7.5, 7.5, 7.5]);
          expect(Array.from(g.subarray(inputDim * dim))).toEqual([7.5, 7.5, 7.5, 7.5]);
          out.push([y, g]);
        } finally {
          m.free();
        }
      }
      expect(bitDiff(out[0][0], out[1][0])).toBe(0);
      expect(bitDiff(out[0][1], out[1][1])).toBe(0);
    });
  }

  it.each(BACKENDS)('returns the index of the first id that is not an integer in range (%s)', (backend) => {
    const m = new Mem(backend);
    try {
      const pt = m.f32(rand(1)(4 * 3)), py = m.f32(6 * 3);
      for (const [bad, at] of [[4, 2], [-1, 0], [1.5, 5], [Number.NaN, 3], [Infinity, 1], [-0.25, 4]] as const) {
        const id = new Float32Array([0, 1, 2, 3, 0, 1]);
        id[at] = bad;
        expect(m.k.f32_embedding(pt, m.f32(id), py, 6, 3, 4), `${bad} at ${at}`).toBe(at);
      }
      // -0 is id 0
      expect(m.k.f32_embedding(pt, m.f32(new Float32Array([-0, 3])), py, 2, 3, 4)).toBe(-1);
    } finally {
      m.free();
    }
  });
});

const INPUT_DIM = 11, OUTPUT_DIM = 6, STEPS = 7;

function tfModel(): tf.Sequential {
  return tf.sequential({ layers: [
    tf.layers.embedding({ inputDim: INPUT_DIM, outputDim: OUTPUT_DIM, inputLength: STEPS }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 3, activation: 'tanh' }),
  ] });
}
function nnModel(): nn.Sequential {
  return nn.sequential({ seed: 3, layers: [
    nn.layers.embedding({ inputDim: INPUT_DIM, outputDim: OUTPUT_DIM, inputLength: STEPS }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 3, activation: 'tanh' }),
  ] });
}
const N = 5;
const X = Float32Array.from(rand(8)(N * STEPS, 0, INPUT_DIM), Math.floor);
// two samples share ids at several positions, so table rows collect several gradients
X.set(X.subarray(0, STEPS), STEPS);
X[3 * STEPS] = X[3 * STEPS + 1] = X[3 * STEPS + 2];
const Y = rand(9)(N * 3, -0.8, 0.8);

describe.each(BACKENDS)('embedding layer (%s)', (backend) => {
  it('forward and gradients match TF.js 4.22 from the same weights; the table gradient passes central differences', async () => {
    await nn.setBackend(backend);
    const tm = tfModel();
    const weights = tm.getWeights().map((w) => nn.tensor(w.dataSync() as Float32Array, w.shape));
    const m = nnModel();
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    // the default initializer draws U(−0.05, 0.05)
    const t0 = m.getWeights()[0].data;
    expect(t0.every((v) => v >= -0.05 && v < 0.05) && t0.some((v) => v < -0.04) && t0.some((v) => v > 0.04)).toBe(true);
    m.setWeights(weights);
    expect(m.getWeights()[0].shape).toEqual([INPUT_DIM, OUTPUT_DIM]);
    expect(m.layers[0].params().map((p) => p.name)).toEqual(['embeddings']);

    const want = (tm.predict(tf.tensor(X, [N, STEPS])) as tf.Tensor).dataSync() as Float32Array;
    // ids as an Int32Array and as floats give the same output
    const got = m.predict(nn.tensor(Int32Array.from(X), [N, STEPS])).data;
    expect(maxRelErr(got, want)).toBeLessThan(1e-6);
    expect(bitDiff(got, m.predict(nn.tensor(X, [N, STEPS])).data)).toBe(0);

    const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(tf.tensor(Y, [N, 3]), tm.apply(tf.tensor(X, [N, STEPS])) as tf.Tensor) as tf.Scalar);
    const tgrads = tm.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name].dataSync() as Float32Array);
    const r = m.computeGradients(nn.tensor(X, [N, STEPS]), nn.tensor(Y, [N, 3]));
    expect(Math.abs(r.loss - (value.dataSync()[0]))).toBeLessThan(1e-6);
    r.grads.forEach((g, i) => expect(maxRelErr(g.data, tgrads[i]), `gradient ${i}`).toBeLessThan(1e-5));
    // rows of ids no sample uses get no gradient
    const used = new Set(Array.from(X));
    for (let id = 0; id < INPUT_DIM; id++) {
      if (!used.has(id)) expect(r.grads[0].data.subarray(id * OUTPUT_DIM, (id + 1) * OUTPUT_DIM).every((v) => v === 0)).toBe(true);
    }

    const x = nn.tensor(X, [N, STEPS]), y = nn.tensor(Y, [N, 3]);
    let worst = 0;
    const checked = centralDifferences(m, r.grads, () => m.computeGradients(x, y).loss, 40, 1e-2, (t, _i, numeric, analytic) => {
      if (t !== 0) return false;
      worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(Math.abs(numeric), Math.abs(analytic), 1e-3));
    });
    expect(checked).toBeGreaterThan(30);
    expect(worst).toBeLessThan(2e-2);
    tm.dispose();
  });

  it('saves to TF.js and loads from TF.js with the same predictions', async () => {
    await nn.setBackend(backend);
    // TF.js → neurite
    const tm = tfModel();
    let saved: tf.io.ModelArtifacts | undefined;
    await tm.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await nn.loadModel(nn.io.fromMemory(saved as never));
    const want = (tm.predict(tf.tensor(X, [N, STEPS])) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelErr((loaded.predict(nn.tensor(X, [N, STEPS])) as nn.Tensor).data, want)).toBeLessThan(1e-6);
    expect(loaded.layers[0]).toBeInstanceOf(nn.Embedding);
    expect((loaded.layers[0] as nn.Embedding).embeddingsInitializer).toBe('randomUniform');

    // a functional TF.js model with an int32 input
    const inp = tf.input({ shape: [STEPS], dtype: 'int32' });
    const emb = tf.layers.embedding({ inputDim: INPUT_DIM, outputDim: 4 }).apply(inp) as tf.SymbolicTensor;
    const fm = tf.model({ inputs: inp, outputs: tf.layers.globalAveragePooling1d().apply(emb) as tf.SymbolicTensor });
    let fsaved: tf.io.ModelArtifacts | undefined;
    await fm.save(tf.io.withSaveHandler(async (a) => {
      fsaved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const floaded = await nn.loadModel(nn.io.fromMemory(fsaved as never));
    const fwant = (fm.predict(tf.tensor(X, [N, STEPS], 'int32')) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelErr((floaded.predict(nn.tensor(Int32Array.from(X), [N, STEPS])) as nn.Tensor).data, fwant)).toBeLessThan(1e-6);
    fm.dispose();

    // neurite → TF.js, and back
    const m = nnModel();
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await m.fit(nn.tensor(X, [N, STEPS]), nn.tensor(Y, [N, 3]), { epochs: 2, batchSize: 2, verbose: 0 });
    let mine: nn.ModelArtifacts | undefined;
    await m.save(nn.io.withSaveHandler((a) => { mine = a; }));
    const topo = JSON.stringify(mine!.modelTopology);
    expect(topo).toContain('"class_name":"Embedding"');
    expect(topo).toContain('"input_dim":11');
    expect(topo).toContain('"class_name":"RandomUniform"');
    const back = await tf.loadLayersModel(tf.io.fromMemory(mine as never));
    const ours = m.predict(nn.tensor(X, [N, STEPS])).data;
    expect(maxRelErr((back.predict(tf.tensor(X, [N, STEPS])) as tf.Tensor).dataSync(), ours)).toBeLessThan(1e-6);
    const again = await nn.loadModel(nn.io.fromMemory(mine!));
    expect(bitDiff((again.predict(nn.tensor(X, [N, STEPS])) as nn.Tensor).data, ours)).toBe(0);
    tm.dispose();
    back.dispose();
  });

  it('refuses ids outside [0, inputDim) or not integers, naming the sample and position', async () => {
    await nn.setBackend(backend);
    const m = nnModel();
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const bad = (v: number, at: number) => { const x = X.slice(); x[at] = v; return nn.tensor(x, [N, STEPS]); };
    expect(() => m.predict(bad(11, 2 * STEPS + 4))).toThrow(/id 11 at sample 2, position 4; ids must be integers in \[0, 11\)/);
    expect(() => m.predict(bad(-1, 0))).toThrow(/id -1 at sample 0, position 0/);
    expect(() => m.predict(bad(2.5, 4 * STEPS + 6))).toThrow(/id 2.5 at sample 4, position 6/);
    expect(() => m.predict(bad(Number.NaN, STEPS))).toThrow(nn.ValueError);
    await expect(m.fit(bad(12, 3), nn.tensor(Y, [N, 3]), { epochs: 1, verbose: 0 })).rejects.toThrow(/layer 'embedding_\d+' \(Embedding\): x has id 12 at sample 0, position 3/);
    // ids for a rank-2 input name both axes
    const m2 = nn.sequential({ layers: [nn.layers.embedding({ inputDim: 4, outputDim: 2, inputShape: [2, 3] }), nn.layers.flatten()] });
    expect(m2.outputShape).toEqual([12]);
    expect(() => m2.predict(nn.tensor([[[0, 1, 2], [3, 4, 0]]]))).toThrow(/id 4 at sample 0, position \[1, 1\]/);
    // ids computed inside the model: the lookup kernel finds the bad one
    const inner = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 3, inputShape: [2], kernelInitializer: 'ones', biasInitializer: 'zeros' }),
      nn.layers.embedding({ inputDim: 5, outputDim: 2 })] });
    expect(inner.predict(nn.tensor([[1, 1]])).data.length).toBe(6);
    expect(() => inner.predict(nn.tensor([[1, 1], [0.5, 0.25]]))).toThrow(/its input in this batch has an id that is not an integer in range at sample 1, position 0/);
  });
});

describe('embedding options', () => {
  it('refuses bad options with errors that name them', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => nn.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true }), /maskZero is not supported yet/],
      [() => nn.layers.embedding({ inputDim: 0, outputDim: 4 }), /inputDim must be a positive integer, got 0/],
      [() => nn.layers.embedding({ inputDim: 10, outputDim: 2.5 }), /outputDim must be a positive integer/],
      [() => nn.layers.embedding({ inputDim: 2 ** 24 + 1, outputDim: 2 }), /more than 16777216/],
      [() => nn.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 0 }), /inputLength must be a positive integer/],
      [() => nn.layers.embedding({ inputDim: 10, outputDim: 4, embeddingsInitializer: 'uniform' as never }), /initializer/],
      [() => nn.layers.embedding({ inputDim: 10, outputDim: 4, embeddingsConstraint: 'maxNorm' as never }), /embeddingsConstraint is not supported/],
      [() => nn.layers.embedding({ inputDim: 10, outputDim: 4, outputDims: 3 } as never), /unknown option "outputDims"; did you mean "outputDim"/],
      [() => nn.sequential({ layers: [nn.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5, inputShape: [6] })] }).outputShape,
        /inputLength \[5\] does not match its input shape \[6\]/],
    ];
    for (const [f, msg] of cases) expect(f).toThrow(msg);
  });

  it('inputLength sets the input shape and is saved; the config is TF.js\'s', () => {
    const e = nn.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5, embeddingsRegularizer: nn.regularizers.l2({ l2: 0.01 }) });
    expect(e.inputShape).toEqual([5]);
    expect(e.getConfig()).toEqual({ inputDim: 10, outputDim: 4, embeddingsInitializer: 'randomUniform', embeddingsRegularizer: { l2: 0.01 },
      maskZero: false, inputLength: 5, batchInputShape: [null, 5] });
    const copy = nn.layerFromJSON(e.toJSON()) as nn.Embedding;
    expect(copy.getConfig()).toEqual(e.getConfig());
  });
});

describe('randomUniform and orthogonal initializers', () => {
  it('orthogonal gives orthonormal columns (rows when the weight is wide), seeded; randomUniform stays in ±0.05', () => {
    for (const shape of [[12, 5], [5, 12], [8, 8], [3, 4, 6]]) {
      const w = new Float32Array(shape.reduce((a, b) => a * b, 1));
      initialize('orthogonal', shape, w, new nn.Rng(7));
      const cols = shape[shape.length - 1], rows = w.length / cols;
      // the Gram matrix of the short side is the identity
      const [n, len, at] = rows >= cols ? [cols, rows, (v: number, i: number) => w[i * cols + v]] : [rows, cols, (v: number, i: number) => w[v * cols + i]];
      let worst = 0;
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          let d = 0;
          for (let i = 0; i < len; i++) d += at(a, i) * at(b, i);
          worst = Math.max(worst, Math.abs(d - (a === b ? 1 : 0)));
        }
      }
      expect(worst, `[${shape}]`).toBeLessThan(1e-6);
      const again = new Float32Array(w.length);
      initialize('orthogonal', shape, again, new nn.Rng(7));
      expect(bitDiff(w, again)).toBe(0);
    }
    const u = new Float32Array(5000);
    initialize('randomUniform', [50, 100], u, new nn.Rng(3));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...u)).toBeLessThan(0.05);
    expect(Math.abs(u.reduce((a, b) => a + b, 0) / u.length)).toBeLessThan(0.003);
  });
});
