// Training on more data than the memory holds: a generator makes 40,000 noisy signals of 256 samples (two
// classes: a slow or a fast wave), 40 MiB a pass, and the model trains on them through a 16 MiB memory cap with
// nn.data and fitDataset, one batch in memory at a time. Run it with `npx tsx examples/data-bigger-than-memory.ts`.
import * as nn from '../src/index'; // in your project: import * as nn from 'neurite';

const LENGTH = 256; // samples per signal
const MiB = 2 ** 20;

/** `count` signals drawn from `seed`: { xs: a wave with noise, ys: one-hot [slow, fast] }, made one at a time. */
function signals(count: number, seed: number) {
  return nn.data.generator(function* () {
    const rng = new nn.Rng(seed); // the same signals on every pass
    for (let i = 0; i < count; i++) {
      const fast = rng.next() < 0.5;
      const freq = (fast ? 7 : 6) + rng.next(); // cycles per signal
      const phase = rng.next() * 2 * Math.PI;
      const xs = new Float32Array(LENGTH);
      for (let t = 0; t < LENGTH; t++) xs[t] = Math.sin((2 * Math.PI * freq * t) / LENGTH + phase) + 2 * rng.normal();
      yield { xs: nn.tensor(xs), ys: fast ? [0, 1] : [1, 0] };
    }
  });
}

await nn.ready({ maxMemoryBytes: 16 * MiB });
const train = signals(40_000, 1).shuffle(1024, 7).batch(64).prefetch(2);
const validation = signals(2_000, 2).batch(500);

const model = nn.sequential({ seed: 3, layers: [
  nn.layers.dense({ units: 32, activation: 'relu', inputShape: [LENGTH] }),
  nn.layers.dense({ units: 2, activation: 'softmax' }),
] });
model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

let peak = 0;
await model.fitDataset(train, {
  epochs: 2,
  validationData: validation,
  callbacks: {
    onBatchEnd: () => { peak = Math.max(peak, nn.memory().usedBytes); },
    onEpochEnd: (epoch, logs) => console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}, validation accuracy ${logs.val_accuracy.toFixed(3)}`),
  },
});
const { accuracy } = await model.evaluateDataset(signals(2_000, 3).batch(500));
console.log(`test accuracy ${accuracy.toFixed(3)}`);
console.log(`streamed ${((2 * 40_000 * LENGTH * 4) / MiB).toFixed(0)} MiB of signals; the memory held at most ${(peak / MiB).toFixed(1)} MiB of its 16 MiB cap`);
