// A frozen batch normalization (trainable = false at compile) runs in inference mode while training, as Keras's does:
// it normalizes with its moving statistics, leaves them as they are, and passes dy·gamma/√(var + ε) down to the
// layers below. TF.js 4.22 instead keeps normalizing with the batch's statistics and updating the moving ones.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, centralDifferences, rand } from './helpers';

const bits = (ts: nn.Tensor[]) => ts.map((t) => Array.from(new Uint32Array(t.data.slice().buffer)));

function build(): { model: nn.Sequential; bn: nn.Layer } {
  const bn = nn.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
  const model = nn.sequential({ seed: 4, layers: [nn.layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }), bn,
    nn.layers.dense({ units: 3 })] });
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  // moving statistics far from a batch's own (mean 0, variance 1 after tanh would be close to them)
  const r = rand(11);
  bn.setWeights([nn.tensor(r(6, 0.5, 1.5)), nn.tensor(r(6, -0.3, 0.3)), nn.tensor(r(6, -0.5, 0.5)), nn.tensor(r(6, 0.2, 2))]);
  return { model, bn };
}

describe.each(BACKENDS)('a frozen batch normalization (%s)', (backend) => {
  beforeAll(async () => { await nn.setBackend(backend); });
  const r = rand(3);
  const x = nn.tensor(r(8 * 4, -1, 1), [8, 4]);
  const y = nn.tensor(r(8 * 3, -1, 1), [8, 3]);

  it('keeps all four of its weights bit for bit through fit while the layers around it train', async () => {
    const { model, bn } = build();
    bn.trainable = false;
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const before = bits(bn.getWeights()), dense = bits(model.layers[0].getWeights());
    await model.fit(x, y, { epochs: 3, batchSize: 4 });
    expect(bits(bn.getWeights())).toEqual(before);
    expect(bits(model.layers[0].getWeights())).not.toEqual(dense);
  });

  it('trains on the loss evaluate reports: the moving statistics normalize in training too', () => {
    const { model, bn } = build();
    bn.trainable = false;
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(model.computeGradients(x, y).loss).toBe((model.evaluate(x, y) as { loss: number }).loss);
    // a trainable one normalizes with the batch's statistics instead
    bn.trainable = true;
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(Math.abs(model.computeGradients(x, y).loss - (model.evaluate(x, y) as { loss: number }).loss)).toBeGreaterThan(1e-3);
  });

  it('passes the inference-mode gradient to the layers below (central differences)', () => {
    const { model, bn } = build();
    bn.trainable = false;
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const { grads } = model.computeGradients(x, y);
    // weights 2..5 are the frozen layer's: no gradient is computed for them
    for (const g of grads.slice(2, 6)) expect(Array.from(g.data).every((v) => v === 0)).toBe(true);
    const checked = centralDifferences(model, grads, () => model.computeGradients(x, y).loss, 8, 1e-2, (t, i, numeric, analytic) => {
      if (t >= 2 && t < 6) return false;
      expect(Math.abs(numeric - analytic), `weight ${t}[${i}]: numeric ${numeric} vs analytic ${analytic}`)
        .toBeLessThanOrEqual(2e-3 + 3e-2 * Math.abs(numeric));
    });
    expect(checked).toBeGreaterThan(20);
  });
});

it('a frozen batch normalization trains to the same bits on wasm and js', async () => {
  const r = rand(3);
  const x = nn.tensor(r(8 * 4, -1, 1), [8, 4]);
  const y = nn.tensor(r(8 * 3, -1, 1), [8, 3]);
  const out: number[][][] = [];
  for (const backend of BACKENDS) {
    await nn.setBackend(backend);
    const { model, bn } = build();
    bn.trainable = false;
    model.compile({ optimizer: 'adam', loss: 'mse' });
    await model.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false });
    out.push(bits(model.getWeights()));
  }
  expect(out[1]).toEqual(out[0]);
});
