// Fuzzing the public API's option objects (issue 13): seeded random types and values for every option of every
// layer factory, sequential, compile, fit, predict and evaluate, the optimizers, schedules, earlyStopping and l2.
// Each call must return or throw a NeuriteError (never a TypeError, RangeError or RuntimeError), a layer that
// builds must predict finite numbers, and a model made before the fuzzing must predict the same bits after it.
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, bitDiff, mulberry32 } from './helpers';

let rnd = mulberry32(1);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];

function deep(levels: number): unknown {
  let a: unknown = [1];
  for (let i = 0; i < levels; i++) a = [a];
  return a;
}
const cyclic: unknown[] = [1];
cyclic.push(cyclic);

/** Values of every type, and numbers of every kind: what a confused or hostile caller might pass. */
const HOSTILE: readonly unknown[] = [
  undefined, null, NaN, Infinity, -Infinity, -1, -0, 0, 0.5, 1, 1.5, 2, 3, -2.5, 1e9, 2 ** 31, 2 ** 53, 1e300, 5e-324, 1e-50,
  'abc', '', '2', 'relu', 'same', 'adam', [], [1], [2, 2], [-1, 3], [0.5], [[1]], [3, 3, 3], ['a'], {}, { l2: 0.1 }, { at: 5 },
  { at: () => NaN }, { onEpochEnd: 5 }, () => 1, function hook() { return 'stop'; }, new Float32Array(2), new Int32Array([1, 2]),
  new BigInt64Array(1), new DataView(new ArrayBuffer(4)), true, false, 1n, Symbol('s'), deep(40), cyclic, Object.create(null),
  new Date(0), new Map(), new Error('not an option'),
];

/** The numbers among them, drawn half the time: sizes, counts and rates are where most of the edge cases are. */
const NUMBERS: readonly unknown[] = HOSTILE.filter((v) => typeof v === 'number');

/** Each option with values that are valid (or nearly), so that random mixes get past the first check. */
type Schema = Record<string, readonly unknown[]>;
/** alpha belongs to leakyRelu and elu: a valid alpha stays only with those (a hostile one stays anyway). */
const alphaFix = (c: Record<string, unknown>, hostile: Set<string>) => {
  if (!hostile.has('alpha') && c.activation !== 'leakyRelu' && c.activation !== 'elu') delete c.alpha;
};

const ACT = ['relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'softmax', 'linear', undefined] as const;
const INIT = ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'zeros', 'ones', undefined] as const;
const PAD = ['valid', 'same', undefined] as const;
const size = [1, 2, 3, [1, 2], [2, 1], undefined] as const;
const shared = { name: [undefined, 'a', 'layer name with spaces'] };

const LAYERS: Record<string, { make: (c: unknown) => nn.Layer; schema: Schema; inputShape: number[]; fix?: typeof alphaFix }> = {
  dense: { make: (c) => nn.layers.dense(c as never), inputShape: [3], fix: alphaFix,
    schema: { units: [1, 2, 5], activation: ACT, alpha: [undefined, 0.1, 1, -0.5], useBias: [true, false, undefined],
      kernelInitializer: INIT, biasInitializer: INIT, kernelRegularizer: [undefined, nn.regularizers.l2({ l2: 0.01 })], ...shared } },
  activation: { make: (c) => nn.layers.activation(c as never), inputShape: [4], fix: alphaFix,
    schema: { activation: ACT, alpha: [undefined, 0.3, 2], ...shared } },
  conv2d: { make: (c) => nn.layers.conv2d(c as never), inputShape: [5, 5, 2], fix: alphaFix,
    schema: { filters: [1, 2, 3], kernelSize: [1, 2, 3, [2, 3]], strides: size, padding: PAD, dilationRate: size,
      activation: ACT, alpha: [undefined, 0.2], useBias: [true, false], kernelInitializer: INIT, biasInitializer: INIT,
      kernelRegularizer: [undefined, nn.regularizers.l2()], ...shared } },
  maxPooling2d: { make: (c) => nn.layers.maxPooling2d(c as never), inputShape: [5, 5, 2],
    schema: { poolSize: size, strides: size, padding: PAD, ...shared } },
  averagePooling2d: { make: (c) => nn.layers.averagePooling2d(c as never), inputShape: [5, 5, 2],
    schema: { poolSize: size, strides: size, padding: PAD, ...shared } },
  globalAveragePooling2d: { make: (c) => nn.layers.globalAveragePooling2d(c as never), inputShape: [3, 3, 2], schema: { ...shared } },
  flatten: { make: (c) => nn.layers.flatten(c as never), inputShape: [2, 3], schema: { ...shared } },
  reshape: { make: (c) => nn.layers.reshape(c as never), inputShape: [6],
    schema: { targetShape: [[2, 3], [-1, 2], [6], [3, -1, 1], [4]], ...shared } },
  dropout: { make: (c) => nn.layers.dropout(c as never), inputShape: [4], schema: { rate: [0, 0.1, 0.5, 0.99], ...shared } },
  batchNormalization: { make: (c) => nn.layers.batchNormalization(c as never), inputShape: [4],
    schema: { momentum: [0, 0.5, 0.99, undefined], epsilon: [1e-3, 1e-5, 1, undefined], ...shared } },

};

const LR = [undefined, 0.01, 0.1, 1e-4, nn.schedules.stepDecay({ initialLearningRate: 0.1, dropEvery: 2 })];
const OPTIMIZERS: Record<string, { make: (c: unknown) => nn.Optimizer; schema: Schema }> = {
  sgd: { make: (c) => nn.optimizers.sgd(c as never), schema: { learningRate: LR, clipNorm: [undefined, 1, 0.5] } },
  momentum: { make: (c) => nn.optimizers.momentum(c as never),
    schema: { learningRate: LR, clipNorm: [undefined, 1], momentum: [0, 0.9, undefined], nesterov: [true, false, undefined] } },
  adam: { make: (c) => nn.optimizers.adam(c as never),
    schema: { learningRate: LR, clipNorm: [undefined, 1], beta1: [0, 0.9], beta2: [0.999, 0.5], epsilon: [1e-7, 1e-3] } },
  adamw: { make: (c) => nn.optimizers.adamw(c as never),
    schema: { learningRate: LR, beta1: [0.9], beta2: [0.999], epsilon: [1e-7], weightDecay: [0, 0.004, 0.1] } },
  adamax: { make: (c) => nn.optimizers.adamax(c as never), schema: { learningRate: LR, beta1: [0.9, 0], beta2: [0.999], epsilon: [1e-7] } },
  adadelta: { make: (c) => nn.optimizers.adadelta(c as never), schema: { learningRate: LR, rho: [0.95, 0.5], epsilon: [1e-7, 1e-3] } },
  rmsprop: { make: (c) => nn.optimizers.rmsprop(c as never),
    schema: { learningRate: LR, rho: [0.9, 0], momentum: [0, 0.9], epsilon: [1e-7], centered: [true, false, undefined] } },
  adagrad: { make: (c) => nn.optimizers.adagrad(c as never),
    schema: { learningRate: LR, initialAccumulatorValue: [0.1, 0, 1], epsilon: [1e-7] } },
};
const SCHEDULES: Record<string, { make: (c: unknown) => nn.Schedule; schema: Schema }> = {
  stepDecay: { make: (c) => nn.schedules.stepDecay(c as never), schema: { initialLearningRate: [0.1, 0.01], dropEvery: [1, 3, 0.5], factor: [0.5, 2, undefined] } },
  exponentialDecay: { make: (c) => nn.schedules.exponentialDecay(c as never),
    schema: { initialLearningRate: [0.1], decaySteps: [1, 10], decayRate: [0.5, 0.9], staircase: [true, false, undefined] } },
  cosineDecay: { make: (c) => nn.schedules.cosineDecay(c as never), schema: { initialLearningRate: [0.1], decaySteps: [5], alpha: [0, 0.5, 1, undefined] } },
};
const EARLY: Schema = { monitor: ['loss', 'val_loss', 'accuracy', undefined], patience: [0, 1, 3], minDelta: [0, 0.1, -0.1],
  mode: ['auto', 'min', 'max'], restoreBestWeights: [true, false, undefined] };

const CHECKPOINT: Schema = { path: [nn.io.withSaveHandler(async () => {})], everyEpochs: [1, 2], saveBestOnly: [true, false],
  monitor: ['loss', 'accuracy'], mode: ['auto', 'min', 'max'], includeOptimizer: [true, false, undefined] };

/**
 * A config from `schema`: most options a valid value or left out, and a few (usually one, so that the others let
 * the call get deep) a hostile value; now and then an unknown key, or the whole config replaced by a hostile value.
 */
function config(schema: Schema, fix?: (c: Record<string, unknown>, hostile: Set<string>) => void): unknown {
  if (rnd() < 0.04) return pick(HOSTILE);
  const keys = Object.keys(schema);
  const r = rnd();
  const hostileCount = r < 0.3 ? 0 : r < 0.8 ? 1 : r < 0.92 ? 2 : 3;
  const hostile = new Set(Array.from({ length: hostileCount }, () => pick(keys)));
  const c: Record<string, unknown> = {};
  for (const key of keys) {
    if (hostile.has(key)) c[key] = pick(rnd() < 0.5 ? NUMBERS : HOSTILE);
    else if (rnd() < 0.2) continue;
    else {
      const v = pick(schema[key]);
      if (v !== undefined) c[key] = v;
    }
  }
  fix?.(c, hostile);
  if (rnd() < 0.05) c[pick(['unit', 'epoch', 'learning_rate', 'trainable', 'zzz', 'constructor', 'toString'])] = pick(HOSTILE);
  return c;
}


/** True for a config object that config() made (not one of the shared hostile values, which must not change). */
const fresh = (c: unknown): c is Record<string, unknown> => !HOSTILE.includes(c) && typeof c === 'object' && c !== null;

/** Outcomes of one run of the fuzzer. */
interface Tally { ok: number; refused: number; offenders: string[]; by?: Record<string, [number, number]> }

/** Runs `f`; a throw must be a NeuriteError. Returns the result, or undefined when `f` threw. */
function attempt<T>(tally: Tally, label: string, input: unknown, f: () => T): T | undefined {
  try {
    const r = f();
    tally.ok++;
    ((tally.by ??= {})[label] ??= [0, 0])[0]++;
    return r;
  } catch (e) {
    if (e instanceof nn.NeuriteError) { tally.refused++; ((tally.by ??= {})[label] ??= [0, 0])[1]++; return undefined; }
    tally.offenders.push(`${label} ${describe_(input)}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return undefined;
  }
}
async function attemptAsync<T>(tally: Tally, label: string, input: unknown, f: () => Promise<T>): Promise<T | undefined> {
  try {
    const r = await f();
    tally.ok++;
    ((tally.by ??= {})[label] ??= [0, 0])[0]++;
    return r;
  } catch (e) {
    if (e instanceof nn.NeuriteError) { tally.refused++; ((tally.by ??= {})[label] ??= [0, 0])[1]++; return undefined; }
    tally.offenders.push(`${label} ${describe_(input)}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return undefined;
  }
}
function describe_(v: unknown): string {
  if (v === null || typeof v !== 'object') return typeof v === 'symbol' || typeof v === 'bigint' ? String(v) + (typeof v === 'bigint' ? 'n' : '') : String(v);
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : typeof x === 'function' ? 'fn' : typeof x === 'symbol' ? String(x) : x))?.slice(0, 200) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

const randomData = (n: number, shape: readonly number[]) => {
  const per = shape.reduce((a, b) => a * b, 1);
  return nn.tensor(Float32Array.from({ length: n * per }, () => rnd() * 2 - 1), [n, ...shape]);
};
const finite = (t: nn.Tensor) => t.data.every((v) => Number.isFinite(v));

/** A tiny compiled model for fit, predict and evaluate fuzzing. */
function tiny(seed: number) {
  const m = nn.sequential({ seed, layers: [nn.layers.dense({ units: 3, activation: 'relu', inputShape: [2] }),
    nn.layers.dense({ units: 2, activation: 'softmax' })] });
  m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}
const FX = [[0, 1], [1, 0], [1, 1], [0, 0]];
const FY = [[1, 0], [0, 1], [1, 0], [0, 1]];
/** Data arguments: valid ones, and hostile ones for x and y. */
const DATA: readonly unknown[] = [FX, nn.tensor(FX), new Float32Array(8), [[1, 2, 3]], [[NaN, 1]], [[1, 2], [3]], deep(20_000), cyclic,
  new BigInt64Array(8), new DataView(new ArrayBuffer(32)), 'xy', null, undefined, 5, [], [[]], [['1', '2']], { length: 2 }];

async function fuzz(iterations: number): Promise<Tally> {
  const tally: Tally = { ok: 0, refused: 0, offenders: [] };
  for (let i = 0; i < iterations; i++) {
    const which = rnd();
    if (which < 0.45) {
      // a layer factory, then the layer in a model: predict, and now and then one epoch of fit
      const name = pick(Object.keys(LAYERS));
      const spec = LAYERS[name];
      const c = config({ ...spec.schema, inputShape: [spec.inputShape] }, spec.fix);
      const layer = attempt(tally, `layers.${name}`, c, () => spec.make(c));
      if (!layer) continue;
      const first = layer.inputShape ? [] : [nn.layers.flatten({ inputShape: spec.inputShape }), nn.layers.reshape({ targetShape: spec.inputShape })];
      const model = attempt(tally, `sequential with ${name}`, c, () => nn.sequential({ seed: i, layers: [...first, layer] }));
      if (!model) continue;
      const inShape = first.length ? spec.inputShape : layer.inputShape!;
      const y = attempt(tally, `predict through ${name}`, c, () => model.predict(randomData(2, inShape)));
      if (y && !finite(y)) tally.offenders.push(`layers.${name} ${describe_(c)}: predicted non-finite values`);
      if (y && rnd() < 0.3) {
        attempt(tally, `compile ${name}`, c, () => model.compile({ optimizer: 'adam', loss: 'mse' }));
        await attemptAsync(tally, `fit through ${name}`, c, () => model.fit(randomData(3, inShape), randomData(3, model.outputShape), { epochs: 1, batchSize: 2 }));
      }
    } else if (which < 0.6) {
      // an optimizer (with a fuzzed schedule now and then), compiled and trained for one epoch
      const name = pick(Object.keys(OPTIMIZERS));
      const c = config(OPTIMIZERS[name].schema) as Record<string, unknown>;
      if (rnd() < 0.3 && fresh(c)) {
        const s = pick(Object.keys(SCHEDULES));
        const sc = config(SCHEDULES[s].schema);
        const schedule = attempt(tally, `schedules.${s}`, sc, () => SCHEDULES[s].make(sc));
        if (schedule) c.learningRate = schedule;
      }
      const opt = attempt(tally, `optimizers.${name}`, c, () => OPTIMIZERS[name].make(c));
      if (!opt) continue;
      const m = tiny(i);
      attempt(tally, 'compile', opt, () => m.compile({ optimizer: opt, loss: 'categoricalCrossentropy' }));
      await attemptAsync(tally, `fit with ${name}`, c, () => m.fit(FX, FY, { epochs: 2, batchSize: 2 }));
      for (const w of m.getWeights()) if (!finite(w)) tally.offenders.push(`optimizers.${name} ${describe_(c)}: non-finite weights after fit`);
    } else if (which < 0.72) {
      // compile
      const c = config({ optimizer: ['sgd', 'adam', nn.optimizers.rmsprop()], loss: ['mse', 'meanSquaredError', 'categoricalCrossentropy',
        'binaryCrossentropy', 'sparseCategoricalCrossentropy'], metrics: [['accuracy'], [], ['acc'], undefined] });
      const m = tiny(i);
      attempt(tally, 'compile', c, () => m.compile(c as never));
    } else if (which < 0.88) {
      // fit: every option, callbacks (with an earlyStopping or an l2 now and then) and data
      const early = rnd() < 0.3 ? attempt(tally, 'callbacks.earlyStopping', null, () => nn.callbacks.earlyStopping(config(EARLY) as never))
        : rnd() < 0.2 ? attempt(tally, 'callbacks.modelCheckpoint', null, () => nn.callbacks.modelCheckpoint(config(CHECKPOINT) as never))
          : undefined;
      const c = config({ epochs: [1, 2, 3], batchSize: [1, 2, 3, 64], shuffle: [true, false], validationSplit: [0, 0.25, 0.5],
        validationData: [undefined, [FX, FY]], verbose: [0, undefined], initialEpoch: [0, 1],
        callbacks: [undefined, { onEpochEnd() {} }, [{ onBatchEnd: () => 'stop' }], early] }) as Record<string, unknown>;
      const m = tiny(i);
      // huge but valid epoch counts end after one epoch: a hook of our own asks fit to stop
      const guard = { onEpochEnd: () => { m.stopTraining = true; } };
      if (fresh(c)) {
        c.callbacks = c.callbacks === undefined ? guard : [guard, ...(Array.isArray(c.callbacks) ? c.callbacks : [c.callbacks])];
      }
      const x = rnd() < 0.85 ? FX : pick(DATA);
      const y = rnd() < 0.85 ? FY : pick(DATA);
      await attemptAsync(tally, 'fit', { c, x, y }, () => m.fit(x as never, y as never, c as never));
      for (const w of m.getWeights()) if (!finite(w)) tally.offenders.push(`fit ${describe_(c)}: non-finite weights`);
    } else if (which < 0.96) {
      // predict and evaluate configs and data
      const m = tiny(i);
      const c = config({ batchSize: [1, 2, 256, 1e9, undefined] });
      const x = rnd() < 0.7 ? FX : pick(DATA);
      attempt(tally, 'predict', { c, x }, () => m.predict(x as never, c as never));
      attempt(tally, 'evaluate', { c, x }, () => m.evaluate(x as never, rnd() < 0.7 ? FY : pick(DATA) as never, c as never));
    } else {
      // sequential, l2 and tensor
      const c = config({ layers: ['new', []], seed: [1, 0, -5, 2 ** 40], name: ['m', 'model two'] });
      // a layer belongs to one model: each config gets a layer of its own
      if (fresh(c) && c.layers === 'new') c.layers = [nn.layers.dense({ units: 1, inputShape: [2] })];
      const m = attempt(tally, 'sequential', c, () => nn.sequential(c as never));
      if (m?.layers.length) attempt(tally, 'predict after sequential', c, () => m.predict(FX));
      const l = config({ l2: [0, 0.1, 1e-4] });
      attempt(tally, 'regularizers.l2', l, () => nn.regularizers.l2(l as never));
      const d = pick(DATA);
      const s = pick([undefined, ...HOSTILE]);
      attempt(tally, 'tensor', { d, s }, () => nn.tensor(d as never, s as never));
    }
  }
  return tally;
}

describe('fuzzing the option objects', () => {
  for (const backend of BACKENDS) {
    it(`every call returns or throws a NeuriteError, and a model made before predicts the same bits after (${backend})`, async () => {
      await nn.setBackend(backend);
      rnd = mulberry32(backend === 'wasm' ? 13 : 31);
      const sentinel = nn.sequential({ seed: 99, layers: [
        nn.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu', inputShape: [4, 4, 1] }),
        nn.layers.flatten(),
        nn.layers.dense({ units: 2, activation: 'softmax' }),
      ] });
      const probe = nn.tensor(Float32Array.from({ length: 32 }, (_, i) => Math.sin(i)), [2, 4, 4, 1]);
      const before = sentinel.predict(probe).data;
      const tally = await fuzz(backend === 'wasm' ? 5000 : 2500);
      expect(tally.offenders.slice(0, 10)).toEqual([]);
      // the fuzzer reaches both outcomes in quantity: many calls succeed and many are refused
      expect(tally.ok).toBeGreaterThan(1500);
      expect(tally.refused).toBeGreaterThan(1500);
      // and gets deep: every layer predicts and every optimizer trains in some of the calls
      for (const name of Object.keys(LAYERS)) expect(tally.by?.[`predict through ${name}`]?.[0], name).toBeGreaterThan(0);
      for (const name of Object.keys(OPTIMIZERS)) expect(tally.by?.[`fit with ${name}`]?.[0], name).toBeGreaterThan(0);
      expect(tally.by?.fit?.[0]).toBeGreaterThan(50);
      expect(bitDiff(sentinel.predict(probe).data, before)).toBe(0);
      await nn.setBackend('wasm');
    });
  }
});
