// One MLP training step, wasm vs js: a 784-128-64-10 model (relu, relu, softmax; Adam; categorical
// cross-entropy) trained with batch 64. One timed iteration is `model.fit(x, y, { epochs: 1, batchSize: 64 })`
// over `steps` batches of random data, so fit's per-call staging (validating and copying the samples into
// the arena, shuffling the index) is amortised over those steps.
import * as nn from '../src/index';
import { errorMessage, mulberry32, runDeferred, type BenchOptions, type Timing } from './util';

export const BATCH = 64;
const IN = 784;
const CLASSES = 10;

export type MlpOutcome =
  | {
      status: 'ok';
      timing: Timing;
      /** Mean seconds per fit ÷ steps. */
      msPerStep: number;
      /** Median seconds per fit ÷ steps. */
      msPerStepMedian: number;
      samplesPerSecond: number;
      /** Loss reported by the last timed fit (a finite number shows the step really ran). */
      lastLoss: number;
    }
  | { status: 'error'; reason: string };

export interface MlpResult {
  model: string;
  batchSize: number;
  steps: number;
  samples: number;
  wasm: MlpOutcome;
  js: MlpOutcome;
  /** wasm samples/s ÷ js samples/s, when both ran. */
  ratio: number | null;
}

function randomData(samples: number): { x: nn.Tensor; y: nn.Tensor } {
  const rand = mulberry32(0xda7a);
  const x = new Float32Array(samples * IN);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  const y = new Float32Array(samples * CLASSES);
  for (let r = 0; r < samples; r++) y[r * CLASSES + Math.floor(rand() * CLASSES)] = 1;
  return { x: nn.tensor(x, [samples, IN]), y: nn.tensor(y, [samples, CLASSES]) };
}

function makeModel(): nn.Sequential {
  const model = nn.sequential({ seed: 42, layers: [
    nn.layers.dense({ units: 128, activation: 'relu', inputShape: [IN] }),
    nn.layers.dense({ units: 64, activation: 'relu' }),
    nn.layers.dense({ units: CLASSES, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
  return model;
}

async function measure(backend: nn.BackendName, data: { x: nn.Tensor; y: nn.Tensor }, steps: number,
  opts: BenchOptions): Promise<MlpOutcome> {
  try {
    await nn.setBackend(backend);
    const model = makeModel();
    const config = { epochs: 1, batchSize: BATCH };
    let lastLoss = NaN;
    const fit = async () => {
      const h = await model.fit(data.x, data.y, config);
      lastLoss = h.history.loss[0];
    };
    await fit(); // warm-up: plans the arena, moves the weights in, lets the JIT settle
    const timing = await runDeferred(`${backend} mlp fit`, fit, opts);
    const samples = steps * BATCH;
    return {
      status: 'ok',
      timing,
      msPerStep: (timing.mean / steps) * 1e3,
      msPerStepMedian: (timing.median / steps) * 1e3,
      samplesPerSecond: samples / timing.mean,
      lastLoss,
    };
  } catch (e) {
    return { status: 'error', reason: errorMessage(e) };
  }
}

export async function benchMlp(opts: BenchOptions, log: (line: string) => void): Promise<MlpResult> {
  const steps = opts.quick ? 20 : 50;
  const data = randomData(steps * BATCH);
  const wasm = await measure('wasm', data, steps, opts);
  log(`  wasm: ${describe(wasm)}`);
  const js = await measure('js', data, steps, opts);
  log(`  js: ${describe(js)}`);
  return {
    model: '784-128-64-10 (relu, relu, softmax), adam 1e-3, categoricalCrossentropy',
    batchSize: BATCH,
    steps,
    samples: steps * BATCH,
    wasm,
    js,
    ratio: wasm.status === 'ok' && js.status === 'ok' ? wasm.samplesPerSecond / js.samplesPerSecond : null,
  };
}

function describe(o: MlpOutcome): string {
  if (o.status === 'error') return `error (${o.reason})`;
  return `${o.msPerStep.toFixed(2)} ms/step ±${o.timing.rme.toFixed(1)}%, ${Math.round(o.samplesPerSecond)} samples/s, loss ${o.lastLoss.toFixed(3)}`;
}
