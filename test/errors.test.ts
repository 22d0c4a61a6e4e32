import { describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { rejects as rejectsWith } from './helpers';

function mlp() {
  return nn.sequential({ seed: 1, layers: [
    nn.layers.dense({ units: 4, activation: 'relu', inputShape: [3], name: 'hidden' }),
    nn.layers.dense({ units: 2, activation: 'softmax', name: 'out' }),
  ] });
}
function compiled(loss = 'categoricalCrossentropy') {
  const m = mlp();
  m.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
  return m;
}
const X = [[1, 2, 3], [4, 5, 6]];
const Y = [[1, 0], [0, 1]];

async function rejects(p: Promise<unknown> | (() => unknown), cls: new (...a: never[]) => Error, ...parts: (string | RegExp)[]) {
  expect(await rejectsWith(p, cls, ...parts)).toBeInstanceOf(nn.NeuriteError);
}

describe('errors name the problem', () => {
  it('input width not matching inputShape names the layer and shapes', async () => {
    await rejects(() => compiled().predict([[1, 2]]), nn.ShapeError, "'hidden'", '[3]', '[1, 2]');
    await rejects(compiled().fit([[1, 2, 3, 4]], [[1, 0]]), nn.ShapeError, "'hidden'", '[1, 4]');
  });

  it('x and y row counts differing', async () => {
    await rejects(compiled().fit(X, [[1, 0]]), nn.ShapeError, 'x has 2 samples but y has 1');
    await rejects(() => compiled().evaluate(X, [[1, 0], [0, 1], [1, 0]]), nn.ShapeError, '2 samples', '3');
  });

  it('y width not matching the output layer', async () => {
    await rejects(compiled().fit(X, [[1, 0, 0], [0, 1, 0]]), nn.ShapeError, "'out'", '[2, 2]', '[2, 3]');
  });

  it('labels outside the class range', async () => {
    await rejects(compiled('sparseCategoricalCrossentropy').fit(X, [0, 2]), nn.ValueError, 'y[1] is 2', '[0, 1]', "'out'");
    await rejects(compiled('sparseCategoricalCrossentropy').fit(X, [0, 0.5]), nn.ValueError, 'y[1] is 0.5');
    await rejects(compiled('sparseCategoricalCrossentropy').fit(X, [-1, 0]), nn.ValueError, 'y[0] is -1');
    await rejects(compiled('categoricalCrossentropy').fit(X, [[2, 0], [0, 1]]), nn.ValueError, '[0, 1]', '2 at sample 0');
  });

  it('NaN or Infinity in inputs', async () => {
    await rejects(compiled().fit([[1, 2, 3], [4, NaN, 6]], Y), nn.ValueError, 'NaN', 'sample 1', 'feature 1');
    await rejects(() => compiled().predict([[1, 2, Infinity]]), nn.ValueError, 'Infinity', 'sample 0', 'feature 2');
    await rejects(compiled('meanSquaredError').fit(X, [[1, NaN], [0, 1]]), nn.ValueError, 'y contains NaN');
  });

  it('unknown names list the valid ones', () => {
    expect(() => nn.layers.dense({ units: 3, activation: 'swishy' as never })).toThrow(nn.UnknownNameError);
    expect(() => nn.layers.dense({ units: 3, activation: 'swishy' as never })).toThrow(/unknown activation "swishy".*relu.*softmax/);
    expect(() => mlp().compile({ optimizer: 'adam', loss: 'focal' })).toThrow(/unknown loss "focal".*categoricalCrossentropy/);
    expect(() => mlp().compile({ optimizer: 'lion', loss: 'mse' })).toThrow(/unknown optimizer "lion".*adam.*adagrad/);
    expect(() => nn.layers.dense({ units: 3, kernelInitializer: 'identity' as never })).toThrow(/unknown initializer "identity".*heNormal.*orthogonal/);
    return rejects(nn.setBackend('webgpu' as never), nn.UnknownNameError, 'unknown backend', 'wasm, js');
  });

  it('the list of valid names is spelled as a plural ("losses", not "losss")', () => {
    expect(() => mlp().compile({ optimizer: 'adam', loss: 'focal' })).toThrow(/; valid losses are: meanSquaredError, /);
    expect(() => nn.layers.dense({ units: 3, activation: 'swishy' as never })).toThrow(/; valid activations are: /);
    expect(() => nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/; valid paddings are: /);
  });

  it('a function given as a loss, optimizer or activation is named as a function, not as undefined', () => {
    function focalLoss(a: unknown) { return a; }
    expect(() => mlp().compile({ optimizer: 'adam', loss: focalLoss as never })).toThrow(nn.UnknownNameError);
    expect(() => mlp().compile({ optimizer: 'adam', loss: focalLoss as never }))
      .toThrow(/^loss must be the name of a built-in loss or nn.losses.custom\(\{ name, compute \}\), got a function \(focalLoss\); valid losses are: meanSquaredError/);
    const anonymous = [(a: unknown) => a][0]; // an arrow in an array literal gets no name
    expect(() => mlp().compile({ optimizer: 'adam', loss: anonymous as never })).toThrow(/got a function \(anonymous\)/);
    expect(() => mlp().compile({ optimizer: focalLoss as never, loss: 'mse' }))
      .toThrow(/^optimizer must be a name, got a function \(focalLoss\); valid optimizers are: sgd/);
    expect(() => nn.layers.dense({ units: 3, activation: Math.tanh as never })).toThrow(/activation must be a name, got a function \(tanh\)/);
    expect(() => mlp().compile({ optimizer: 'adam', loss: undefined as never })).toThrow(/loss must be a name, got undefined; valid losses/);
    expect(() => mlp().compile({ optimizer: 'adam', loss: NaN as never })).toThrow(/loss must be a name, got NaN; valid losses/);
  });

  it('fit, evaluate and computeGradients before compile', async () => {
    await rejects(mlp().fit(X, Y), nn.StateError, 'fit called before compile');
    await rejects(() => mlp().evaluate(X, Y), nn.StateError, 'evaluate called before compile');
  });

  it('batchSize, epochs, learning rate not positive', async () => {
    await rejects(compiled().fit(X, Y, { batchSize: 0 }), nn.ValueError, 'batchSize', '0');
    await rejects(compiled().fit(X, Y, { batchSize: 2.5 }), nn.ValueError, 'batchSize', '2.5');
    await rejects(compiled().fit(X, Y, { epochs: -1 }), nn.ValueError, 'epochs', '-1');
    expect(() => nn.optimizers.adam({ learningRate: 0 })).toThrow(/^Adam learningRate must be .* got 0/);
    expect(() => nn.optimizers.rmsprop({ clipNorm: -1 })).toThrow(/^RMSprop clipNorm must be .* got -1/);
    expect(() => nn.optimizers.sgd({ learningRate: -0.1 })).toThrow(nn.ValueError);
    expect(() => nn.optimizers.sgd({ learningRate: NaN })).toThrow(nn.ValueError);
    await rejects(compiled().fit(X, Y, { validationSplit: 1 }), nn.ValueError, 'validationSplit');
  });

  it('a non-finite loss stops fit naming epoch and batch, and keeps the weights finite', async () => {
    const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 1, inputShape: [1] })] });
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e3 }), loss: 'mse' });
    const x = Array.from({ length: 8 }, (_, i) => [i * 100]);
    const y = Array.from({ length: 8 }, (_, i) => [i]);
    await rejects(m.fit(x, y, { epochs: 50, batchSize: 2, shuffle: false }), nn.TrainingError,
      /(loss became (Infinity|NaN)|gradients became non-finite|weights overflowed to non-finite values) at epoch \d+, batch \d+/);
    for (const w of m.getWeights()) for (const v of w.data) expect(Number.isFinite(v)).toBe(true);
  });

  it('an overflowing forward pass reports the non-finite loss with its epoch and batch', async () => {
    // 3e38 + 3e38 overflows f32 in the forward pass, so the loss itself is Infinity
    const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = m.getWeights().map((w) => Array.from(w.data));
    await rejects(m.fit([[1, 1], [2, 2], [3e38, 3e38]], [[0], [0], [0]], { epochs: 1, batchSize: 2, shuffle: false }), nn.TrainingError,
      'loss became Infinity at epoch 1, batch 2', "model 'sequential'");
    // the first batch trained; the second was refused before it changed anything
    expect(m.optimizerIterations).toBe(1);
    expect(m.getWeights().map((w) => Array.from(w.data))).not.toEqual(before);
    for (const w of m.getWeights()) for (const v of w.data) expect(Number.isFinite(v)).toBe(true);
  });

  it('layer and model construction errors', () => {
    expect(() => nn.layers.dense({ units: 0 })).toThrow(/units must be a positive integer, got 0/);
    expect(() => nn.layers.dense({ units: 3, inputShape: [0] })).toThrow(nn.ShapeError);
    expect(() => nn.sequential({ layers: [nn.layers.dense({ units: 3 })] }).predict([[1]])).toThrow(/first layer .* needs an inputShape/);
    expect(() => mlp().setWeights([nn.tensor([1])])).toThrow(/has 4 weight tensors/);
    const m = mlp();
    const w = m.getWeights();
    w[0] = nn.tensor(new Float32Array(12), [4, 3]);
    expect(() => m.setWeights(w)).toThrow(/hidden\/kernel has shape \[3, 4\], got \[4, 3\]/);
    expect(() => nn.tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => nn.tensor(new Float32Array(5), [2, 3])).toThrow(/needs 6 values/);
    expect(() => compiled().predict('abc' as never)).toThrow(/expected an nn.Tensor or nested number arrays/);
  });

  it('earlyStopping on a missing metric says what is there', async () => {
    const m = compiled();
    await rejects(m.fit(X, Y, { epochs: 2, callbacks: nn.callbacks.earlyStopping() }), nn.ValueError, "monitors 'val_loss'", 'loss, accuracy', 'validationSplit');
  });
});
