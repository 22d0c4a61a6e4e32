// The model snapshot (src/train/state.ts): one plain-data form of a model that io, fitInWorker and restore share.
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index';

const bits = (ws: nn.Tensor[]) => ws.map((w) => Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length)));

function make(seed: number) {
  const x = nn.input({ shape: [6], name: 'x' });
  const h = nn.layers.dense({ units: 8, activation: 'relu', name: 'h' }).apply(x) as nn.SymbolicTensor;
  const d = nn.layers.dropout({ rate: 0.3, name: 'drop' }).apply(h) as nn.SymbolicTensor;
  const out = nn.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(nn.layers.add().apply([d, h]) as nn.SymbolicTensor);
  const m = nn.model({ inputs: x, outputs: out as nn.SymbolicTensor, seed });
  m.compile({ optimizer: nn.optimizers.adam({ learningRate: nn.schedules.exponentialDecay({ initialLearningRate: 0.01, decaySteps: 5, decayRate: 0.9 }) }),
    loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe.each(['wasm', 'js'] as const)('%s', (backend) => {
  it('survives structured cloning, and a model restored from it continues training to the same bits', async () => {
    await nn.ready({ backend, threads: 1 });
    const r = new nn.Rng(3);
    const x = nn.tensor(Float32Array.from({ length: 40 * 6 }, () => r.normal()), [40, 6]);
    const y = Int32Array.from({ length: 40 }, (_, i) => i % 3);
    const a = make(1);
    await a.fit(x, y, { epochs: 2, batchSize: 8 });
    const s = structuredClone(a.snapshot());
    expect(s.weights.map((w) => w.name)).toEqual(['h/kernel', 'h/bias', 'out/kernel', 'out/bias']);
    expect(s.training?.position.epochsTrained).toBe(2);
    expect(s.training?.position.iterations).toBe(10);
    expect(s.training?.optimizer.name).toBe('adam');
    expect(s.training?.slots.map((w) => w.name)).toContain('out/bias/v');
    const b = make(2);
    expect(bits(b.getWeights())).not.toEqual(bits(a.getWeights()));
    b.restore(s);
    expect(bits(b.getWeights())).toEqual(bits(a.getWeights()));
    await a.fit(x, y, { epochs: 3, batchSize: 8, initialEpoch: 2 });
    await b.fit(x, y, { epochs: 3, batchSize: 8, initialEpoch: 2 });
    expect(bits(b.getWeights())).toEqual(bits(a.getWeights()));
    expect(b.getTrainingState()).toEqual(a.getTrainingState());
  });

  it('without its training part it is weights and topology only, and a restore of it leaves the optimizer state alone', async () => {
    await nn.ready({ backend, threads: 1 });
    const a = make(1);
    const s = a.snapshot(false);
    expect(s.training).toBeUndefined();
    expect(s.topology.class_name).toBe('Model');
    expect(s.seed).toBe(1);
    const b = make(5);
    const slots = b.getOptimizerWeights();
    b.restore(s);
    expect(bits(b.getWeights())).toEqual(bits(a.getWeights()));
    expect(bits(b.getOptimizerWeights().map((w) => w.tensor))).toEqual(bits(slots.map((w) => w.tensor)));
  });

  it('restore refuses weights of other shapes, naming the weight', async () => {
    await nn.ready({ backend, threads: 1 });
    const s = make(1).snapshot();
    s.weights[0] = { ...s.weights[0], shape: [8, 6] };
    expect(() => make(2).restore(s)).toThrow(/h\/kernel/);
  });
});
