// Custom losses (nn.losses.custom): a JavaScript MAE trains to the bits of the built-in mae on both backends,
// evaluate reports the same loss, checkGradients accepts a right gradient and catches a wrong one (for losses and
// layers), bad returns are errors naming the loss, and a model saved with a custom loss reloads with
// customObjects and is a FormatError naming the loss without them.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, rand } from './helpers';

/** MAE written as a user would, matching the kernel's float32 gradient sign(d)/n. */
const mae = nn.losses.custom({
  name: 'myMae',
  compute: (yTrue, yPred, grad, rows, cols) => {
    const n = rows * cols;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const d = yPred[i] - yTrue[i];
      s += Math.abs(d);
      grad[i] = Math.sign(d) / n;
    }
    return s / n;
  },
});

/** The same loss with the gradient's sign flipped on the second column. */
const wrongMae = nn.losses.custom({
  name: 'wrongMae',
  compute: (yTrue, yPred, grad, rows, cols) => {
    const v = mae.compute(yTrue, yPred, grad, rows, cols);
    for (let r = 0; r < rows; r++) grad[r * cols + 1] = -grad[r * cols + 1];
    return v;
  },
});

function net(seed = 5) {
  return nn.sequential({ seed, layers: [
    nn.layers.dense({ units: 8, activation: 'tanh', inputShape: [3] }),
    nn.layers.dense({ units: 2 }),
  ] });
}

const r = rand(11);
const x = nn.tensor(r(40 * 3, -1, 1), [40, 3]);
const y = nn.tensor(r(40 * 2, -1, 1), [40, 2]);

describe.each(BACKENDS)('custom losses (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });

  it('a custom MAE trains to the same bits as the built-in mae, and evaluates to the same loss', async () => {
    const a = net();
    const b = net();
    a.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: 'mae' });
    b.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: mae });
    const ha = await a.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const hb = await b.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(b.getWeightsFlat()).toEqual(a.getWeightsFlat());
    expect(hb.history.loss).toEqual(ha.history.loss);
    expect(a.getWeightsFlat()).not.toEqual(net().getWeightsFlat());
    expect(b.evaluate(x, y).loss).toBe(a.evaluate(x, y).loss);
    expect(b.compileConfig!.loss).toBe(mae);
  });

  it('works beside a built-in loss in a two-output model, with its loss weight', async () => {
    const inp = nn.input({ shape: [3] });
    const h = nn.layers.dense({ units: 4, activation: 'relu', name: 'h' }).apply(inp);
    const o1 = nn.layers.dense({ units: 2, name: 'o1' }).apply(h);
    const o2 = nn.layers.dense({ units: 2, name: 'o2' }).apply(h);
    const make = () => {
      const m = nn.model({ inputs: inp, outputs: [o1, o2], seed: 2 });
      return m;
    };
    const a = make();
    a.compile({ optimizer: 'sgd', loss: { o1: 'mse', o2: 'mae' }, lossWeights: [1, 0.5] });
    const la = a.evaluate(x, [y, y]);
    const b = nn.model({ inputs: inp, outputs: [o1, o2], seed: 2 });
    b.setWeights(a.getWeights());
    b.compile({ optimizer: 'sgd', loss: { o1: 'mse', o2: mae }, lossWeights: [1, 0.5] });
    const lb = b.evaluate(x, [y, y]);
    expect(lb).toEqual(la);
    const ga = a.computeGradients(x, [y, y]).grads.map((t) => Array.from(t.data));
    const gb = b.computeGradients(x, [y, y]).grads.map((t) => Array.from(t.data));
    expect(gb).toEqual(ga);
  });

  it('a non-finite loss or gradient is an error naming the loss', async () => {
    const nanLoss = nn.losses.custom({ name: 'nanLoss', compute: () => NaN });
    const m = net();
    m.compile({ optimizer: 'sgd', loss: nanLoss });
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/custom loss 'nanLoss' returned NaN/);
    const before = m.getWeightsFlat();
    const badGrad = nn.losses.custom({ name: 'badGrad', compute: (_t, _p, g) => { g[3] = Infinity; return 1; } });
    m.compile({ optimizer: 'sgd', loss: badGrad });
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/custom loss 'badGrad' wrote Infinity into grad at sample 1, index 1/);
    expect(m.getWeightsFlat()).toEqual(before);
    const text = nn.losses.custom({ name: 'text', compute: () => 'one' as unknown as number });
    m.compile({ optimizer: 'sgd', loss: text });
    expect(() => m.evaluate(x, y)).toThrow(nn.ValueError);
    expect(() => m.evaluate(x, y)).toThrow(/custom loss 'text' returned "one"/);
  });
});

describe('nn.losses.custom options', () => {
  it('refuses bad names, functions and unknown keys', () => {
    expect(() => nn.losses.custom({ name: '', compute: mae.compute })).toThrow(/name must be a non-empty string/);
    expect(() => nn.losses.custom({ name: 'mse', compute: mae.compute })).toThrow(/built-in loss's name/);
    expect(() => nn.losses.custom({ name: 'x', compute: 3 as never })).toThrow(/compute must be a function/);
    expect(() => nn.losses.custom({ name: 'x', compute: mae.compute, computer: 1 } as never)).toThrow(/unknown option "computer"/);
    const m = net();
    expect(() => m.compile({ optimizer: 'sgd', loss: ((a: number) => a) as never })).toThrow(/nn.losses.custom/);
  });

  it('fitInWorker refuses a custom loss, naming it', async () => {
    const m = net();
    m.compile({ optimizer: 'sgd', loss: mae });
    await expect(nn.fitInWorker(m, x, y)).rejects.toThrow(/custom loss 'myMae'/);
  });
});

describe('checkGradients', () => {
  const t = r(6 * 3, -1, 1);
  const p = r(6 * 3, -1, 1);
  const data = { yTrue: nn.tensor(t, [6, 3]), yPred: nn.tensor(p, [6, 3]) };

  it('accepts a right loss gradient and catches a wrong one, naming the entry', () => {
    const good = nn.checkGradients(mae, data);
    expect(good.ok).toBe(true);
    expect(good.checked).toBe(18);
    expect(good.maxRelativeError).toBeLessThan(1e-4);
    const bad = nn.checkGradients(wrongMae, data);
    expect(bad.ok).toBe(false);
    expect(bad.maxRelativeError).toBeCloseTo(2, 5);   // |a − (−a)| / |a|
    expect(bad.worst.name).toBe('yPred');
    expect(bad.worst.index % 3).toBe(1);
    expect(bad.worst.analytic).toBeCloseTo(-bad.worst.numeric, 6);
  });

  it('checks a smooth custom loss to high precision and honours samples', () => {
    const halfMse = nn.losses.custom({ name: 'halfMse', compute: (yt, yp, g, rows, cols) => {
      let s = 0;
      for (let i = 0; i < yt.length; i++) { const d = yp[i] - yt[i]; s += 0.5 * d * d; g[i] = d / (rows * cols); }
      return s / (rows * cols);
    } });
    const res = nn.checkGradients(halfMse, data, { samples: 5 });
    expect(res.checked).toBe(5);
    expect(res.maxRelativeError).toBeLessThan(1e-5);
  });

  it("checks a layer's weight and input gradients", () => {
    const xs = nn.tensor(r(4 * 5, -1, 1), [4, 5]);
    const dense = nn.checkGradients(nn.layers.dense({ units: 3, activation: 'tanh' }), xs);
    expect(dense.ok).toBe(true);
    // input (5), kernel (15), bias (3)
    expect(dense.checked).toBe(23);
    const img = nn.tensor(r(2 * 5 * 5 * 2, -1, 1), [2, 5, 5, 2]);
    const conv = nn.checkGradients(nn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'tanh' }), img, { samples: 12 });
    expect(conv.ok).toBe(true);
    expect(conv.worst.name === 'input' || conv.worst.name === 'kernel' || conv.worst.name === 'bias').toBe(true);
    const pool = nn.checkGradients(nn.layers.averagePooling2d({ poolSize: 2 }), img, { samples: 20 });
    expect(pool.ok).toBe(true);
    expect(pool.checked).toBe(20);
  });

  it('refuses what it cannot check', () => {
    expect(() => nn.checkGradients('mse' as never, data)).toThrow(/a loss from nn.losses.custom or a layer/);
    expect(() => nn.checkGradients(mae, data, { epsilon: 0 })).toThrow(/epsilon/);
    expect(() => nn.checkGradients(mae, data, { tolerence: 1 } as never)).toThrow(/did you mean "tolerance"/);
    expect(() => nn.checkGradients(mae, { yTrue: [[1, 2]], yPred: [[1]] })).toThrow(/shape/);
    expect(() => nn.checkGradients(nn.layers.dropout({ rate: 0.5 }), [[1, 2]])).toThrow(/draws random numbers/);
  });
});

describe('saving a model trained with a custom loss', () => {
  it('reloads with customObjects and continues to the same bits; without them it is a FormatError naming the loss', async () => {
    const m = net();
    m.compile({ optimizer: 'adam', loss: mae });
    await m.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0 });
    const bytes = await nn.io.saveToBytes(m, { includeOptimizer: true });
    await expect(nn.loadModel(bytes)).rejects.toThrow(nn.FormatError);
    await expect(nn.loadModel(bytes)).rejects.toThrow(/loss "myMae" is neither a built-in loss .* customObjects/);
    await expect(nn.loadModel(bytes, { customObjects: { myMae: 'mae' as never } })).rejects.toThrow(/customObjects\["myMae"\] must be a loss/);
    const copy = await nn.loadModel(bytes, { customObjects: { myMae: mae } });
    expect(copy.compileConfig!.loss).toBe(mae);
    const plain = await nn.loadModel(bytes, { compile: false });
    expect(plain.getWeightsFlat()).toEqual(m.getWeightsFlat());
    await m.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0 });
    await copy.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0 });
    expect(copy.getWeightsFlat()).toEqual(m.getWeightsFlat());
  });

  it("records the loss's name in the training config", async () => {
    const m = net();
    m.compile({ optimizer: 'sgd', loss: mae });
    let saved: nn.ModelArtifacts | undefined;
    await m.save(nn.io.withSaveHandler((a) => { saved = a; }), { includeOptimizer: true });
    expect((saved!.trainingConfig as { loss: unknown }).loss).toBe('myMae');
  });

  it('refuses an unknown load option, naming the closest', async () => {
    const bytes = await nn.io.saveToBytes(net());
    await expect(nn.loadModel(bytes, { customObject: {} } as never)).rejects.toThrow(/unknown option "customObject"; did you mean "customObjects"/);
  });
});
