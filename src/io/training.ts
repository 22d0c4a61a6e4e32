// Training configuration and optimizer state in the TF.js Layers format.
//
// `trainingConfig` holds what TF.js understands (loss, metrics, optimizer_config: the nearest TF.js optimizer with
// the current learning rate) and, under `trainingConfig.neurite`, what neurite needs to continue exactly: its own
// optimizer config (schedules, clipNorm, weight decay), epochs trained, optimizer steps and the random streams.
// TF.js ignores that key, and drops it when it re-saves the model, so a file TF.js has re-saved is read from the
// TF.js fields alone.
//
// Optimizer state goes in weights with `group: 'optimizer'`, laid out as TF.js's optimizers read them: `iter`
// (int32), then one block per slot over the trainable weights, named `<weight>/<slot>` as TF.js names them
// (m, v, momentum, rms, mg, accumulator, accum_grad, accum_var). neurite's optimizers follow tf.train.*'s
// formulas, so the state means the same in both. Files from earlier neurite versions, which also wrote a
// `<w>/velocity` block after TF.js's momentum accumulation, load through that accumulation.
import { FormatError, NeuriteError, ValueError } from '../errors';
import { CustomLoss, isLossName, LOSS_NAMES, lossName, type LossName } from '../losses';
import { InputLayer } from '../layers/input';
import type { Layer } from '../layers/layer';
import { type Optimizer, OPTIMIZER_NAMES, optimizers, type OptimizerName } from '../optimizers';
import { optimizerFromSnapshot, type TrainingSnapshot, type TrainingState } from '../train/state';
import { fromScheduleConfig, type Schedule } from '../schedules';
import { Tensor } from '../tensor';
import { fail, isObject, own, readFinite, readInt32, show, type JsonObject, type WeightEntry } from './format';
import { pythonicToTs, toCamel, toSnake } from './topology';

/** Version of the `trainingConfig.neurite` block. */
const TRAINING_FORMAT = 1;

/** A tensor to write into the weight data. */
export interface NamedValues {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
  group?: 'optimizer';
}

// ------------------------------------------------------------------------------------------------ saving

function scheduleToJson(lr: number | Schedule, opt: string): unknown {
  if (typeof lr === 'number') return lr;
  if (!lr.config) {
    throw new ValueError(`the ${opt} optimizer's learning-rate schedule '${lr.kind}' has no config, so it cannot be saved ` +
      '(use nn.schedules.stepDecay, exponentialDecay or cosineDecay)');
  }
  return { schedule: lr.kind, config: lr.config };
}

/** TF.js's optimizer closest to a neurite optimizer, with the learning rate of the next step. */
function tfjsOptimizer(opt: Optimizer, lr: number): JsonObject {
  const c = opt.getConfig() as Record<string, number | boolean>;
  switch (opt.name) {
    case 'sgd': return { class_name: 'SGD', config: { learningRate: lr } };
    case 'momentum': return { class_name: 'Momentum', config: { learningRate: lr, momentum: c.momentum, useNesterov: c.nesterov } };
    case 'adam':
    case 'adamw': // TF.js has no AdamW: it continues as Adam (same moments, no decoupled weight decay)
      return { class_name: 'Adam', config: { learningRate: lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon } };
    case 'adamax':
      return { class_name: 'Adamax', config: { learningRate: lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, decay: 0 } };
    case 'adadelta': return { class_name: 'Adadelta', config: { learningRate: lr, rho: c.rho, epsilon: c.epsilon } };
    case 'rmsprop':
      return { class_name: 'RMSProp', config: { learningRate: lr, decay: c.rho, momentum: c.momentum, epsilon: c.epsilon, centered: c.centered } };
    case 'adagrad': return { class_name: 'Adagrad', config: { learningRate: lr, initialAccumulatorValue: c.initialAccumulatorValue } };
  }
}

/**
 * The trainingConfig and optimizer-state tensors of a snapshot's training part; `seed` is the model's.
 */
export function trainingToTfjs(t: TrainingSnapshot, seed: number): { trainingConfig: JsonObject; weights: NamedValues[] } {
  const opt = optimizerFromSnapshot(t.optimizer);
  const state = t.position;
  const lr = opt.rateAt(state.iterations);
  const config: JsonObject = {};
  for (const [k, v] of Object.entries(opt.getConfig())) config[k] = k === 'learningRate' ? scheduleToJson(v as number | Schedule, opt.name) : v;
  if (opt.clipNorm !== undefined) config.clipNorm = opt.clipNorm;
  const trainingConfig: JsonObject = {
    // one loss for a model of one output, else one per output in order (TF.js and Keras read both)
    // a custom loss by its name, as Keras records one (loadModel's customObjects supplies it again)
    loss: t.losses.length === 1 ? lossToJson(t.losses[0]) : t.losses.map(lossToJson),

    metrics: t.metrics.map(() => 'accuracy'),
    optimizer_config: tfjsOptimizer(opt, lr),
    neurite: {
      format: TRAINING_FORMAT,
      optimizer: { name: opt.name, config },
      seed,
      // TF.js refuses a training config with loss_weights, so they live here (Keras files have them at the top)
      ...(t.lossWeights.some((w) => w !== 1) ? { lossWeights: [...t.lossWeights] } : {}),
      epochsTrained: state.epochsTrained,
      iterations: state.iterations,
      shuffleState: state.shuffleState.map((v) => (Number.isFinite(v) ? v : null)),
      layerRngStates: (state.layerRngStates ?? []).map((s) => (s === null ? null : s.map((v) => (Number.isFinite(v) ? v : null)))),
    },
  };

  const weights: NamedValues[] = [{ name: 'iter', shape: [], dtype: 'int32', values: Int32Array.of(state.iterations), group: 'optimizer' }];
  for (const s of t.slots) weights.push({ name: s.name, shape: [...s.shape], dtype: 'float32', values: s.data, group: 'optimizer' });
  return { trainingConfig, weights };
}

// ------------------------------------------------------------------------------------------------ loading

const lossToJson = (l: LossName | CustomLoss) => (l instanceof CustomLoss ? l.name : toSnake(l));

/** What loadModel's customObjects may hold: custom losses and metrics, by the names a file records. */
export type CustomObjects = Record<string, unknown>;

/** A checked non-negative integer field. */
function count(v: unknown, where: string, max = 2 ** 31 - 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) fail(where, `must be an integer in [0, ${max}], got ${show(v)}`);
  return v as number;
}

/** A checked random-stream state: four 32-bit unsigned integers and a spare normal (a number or null). */
function rngState(v: unknown, where: string): number[] {
  if (!Array.isArray(v) || v.length !== 5 || !v.slice(0, 4).every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32) ||
    !(v[4] === null || (typeof v[4] === 'number' && Number.isFinite(v[4])))) {
    return fail(where, `must be four 32-bit unsigned integers and a number or null, got ${show(v)}`);
  }
  return v.map((x) => (x === null ? NaN : x)) as number[];
}

/**
 * The loss of each output: one name for all, a list in output order, or a map keyed by output layer name (as Keras
 * and TF.js write them).
 */
function readLosses(v: unknown, names: readonly string[], where: string, custom: CustomObjects | undefined): (LossName | CustomLoss)[] {
  if (Array.isArray(v)) {
    if (v.length !== names.length) fail(where, `has ${v.length} losses but the model has ${names.length} output(s) (${names.join(', ')})`);
    return v.map((x, i) => readLoss(x, `${where}[${i}]`, custom));
  }
  if (isObject(v)) {
    for (const k of Object.keys(v)) if (!names.includes(k)) fail(where, `names output ${show(k)}, but the outputs are ${names.join(', ')}`);
    return names.map((n) => {
      if (own(v, n) === undefined) fail(where, `has no loss for output ${show(n)}`);
      return readLoss(own(v, n), `${where}.${n}`, custom);
    });
  }
  const one = readLoss(v, where, custom);
  return names.map(() => one);
}

/** loss_weights: undefined (all 1), a list in output order or a map keyed by output layer name. */
function readLossWeights(v: unknown, names: readonly string[], where: string): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  const check = (x: unknown, at: string) => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) fail(at, `must be a finite number ≥ 0, got ${show(x)}`);
    return x as number;
  };
  if (Array.isArray(v)) {
    if (v.length !== names.length) fail(where, `has ${v.length} weights but the model has ${names.length} output(s)`);
    return v.map((x, i) => check(x, `${where}[${i}]`));
  }
  if (isObject(v)) {
    for (const k of Object.keys(v)) if (!names.includes(k)) fail(where, `names output ${show(k)}, but the outputs are ${names.join(', ')}`);
    return names.map((n) => (own(v, n) === undefined ? 1 : check(own(v, n), `${where}.${n}`)));
  }
  return fail(where, `must be a list or a map of numbers, got ${show(v)}`);
}

/** The loss (Keras snake_case, TF.js camelCase or a short alias such as 'mae') as a neurite loss name. */
function readLoss(v: unknown, where: string, custom: CustomObjects | undefined): LossName | CustomLoss {
  if (typeof v !== 'string') return fail(where, `loss must be a loss name, got ${show(v)}`);
  const camel = toCamel(v);
  const name = isLossName(v) ? v : isLossName(camel) ? camel : undefined;
  if (name !== undefined) return lossName(name);
  const given = custom && Object.hasOwn(custom, v) ? custom[v] : undefined;
  if (given instanceof CustomLoss) return given;
  if (given !== undefined) return fail(where, `customObjects[${show(v)}] must be a loss from nn.losses.custom, got ${show(given)}`);
  return fail(where, `loss ${show(v)} is neither a built-in loss (${LOSS_NAMES.join(', ')}) nor in customObjects: if it is a custom loss, ` +
    `pass it as loadModel(source, { customObjects: { ${JSON.stringify(v)}: nn.losses.custom({ name: ${JSON.stringify(v)}, compute }) } }), ` +
    'or load with { compile: false }');
}

const ACCURACY_NAMES = new Set(['accuracy', 'acc', 'categoricalAccuracy', 'binaryAccuracy', 'sparseCategoricalAccuracy']);

function readMetrics(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : fail(where, `metrics must be a list, got ${show(v)}`);
  for (const m of list) {
    if (typeof m !== 'string' || !ACCURACY_NAMES.has(toCamel(m))) {
      fail(where, `metric ${show(m)} is not supported; neurite reports accuracy (load with { compile: false } to skip training settings)`);
    }
  }
  return list.length > 0 ? ['accuracy'] : [];
}

/** neurite's own optimizer record: `{ name, config }`, schedules as `{ schedule, config }`. */
function neuriteOptimizer(v: unknown, where: string): Optimizer {
  if (!isObject(v)) return fail(where, `expected { name, config }, got ${show(v)}`);
  const name = own(v, 'name');
  if (typeof name !== 'string' || !(OPTIMIZER_NAMES as readonly string[]).includes(name)) {
    return fail(where, `unknown optimizer ${show(name)}; neurite has ${OPTIMIZER_NAMES.join(', ')}`);
  }
  const cfg = own(v, 'config') ?? {};
  if (!isObject(cfg)) return fail(where, `config must be an object, got ${show(cfg)}`);
  const args: Record<string, unknown> = { ...cfg };
  const lr = own(cfg, 'learningRate');
  try {
    if (isObject(lr)) {
      const kind = own(lr, 'schedule');
      const sc = own(lr, 'config');
      if (typeof kind !== 'string' || !isObject(sc)) fail(where, `learningRate schedule must be { schedule, config }, got ${show(lr)}`);
      args.learningRate = fromScheduleConfig(kind as string, { ...(sc as JsonObject) });
    }
    return optimizers[name as OptimizerName](args as never);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${where} (${name}): ${(e as Error).message}`);
  }
}

/** TF.js's optimizer_config → the neurite optimizer that continues the same way, or a refusal naming what differs. */
function tfjsOptimizerFrom(v: unknown, where: string): Optimizer {
  if (!isObject(v)) return fail(where, `optimizer_config must be { class_name, config }, got ${show(v)}`);
  const t = pythonicToTs(v) as JsonObject;
  const cls = own(t, 'className');
  const cfg = own(t, 'config') ?? {};
  if (typeof cls !== 'string' || !isObject(cfg)) return fail(where, `optimizer_config must be { class_name, config }, got ${show(v)}`);
  const get = (k: string, dflt?: unknown) => own(cfg, k) ?? dflt;
  const lr = get('learningRate', get('lr'));
  const unsupported = (what: string) => fail(where, `${cls} optimizer with ${what} is not supported (load with { compile: false } to skip training settings)`);
  const ignorable = (k: string, neutral: unknown[]) => {
    const x = get(k);
    if (x !== undefined && x !== null && !neutral.includes(x)) unsupported(`${k} = ${show(x)}`);
  };
  // Keras' `decay` is a learning-rate decay, except in TF.js's RMSProp where it is rho
  if (cls !== 'RMSProp') ignorable('decay', [0]);
  ignorable('amsgrad', [false]);
  ignorable('clipnorm', []);
  ignorable('clipvalue', []);
  try {
    switch (cls) {
      case 'SGD': {
        ignorable('momentum', [0]);
        ignorable('nesterov', [false]);
        return optimizers.sgd({ learningRate: lr as number });
      }
      case 'Momentum':
        return optimizers.momentum({ learningRate: lr as number, momentum: get('momentum') as number, nesterov: !!get('useNesterov') });
      case 'Adam':
        return optimizers.adam({ learningRate: lr as number, beta1: get('beta1') as number, beta2: get('beta2') as number,
          epsilon: get('epsilon') as number });
      case 'Adamax':
        return optimizers.adamax({ learningRate: lr as number, beta1: get('beta1') as number, beta2: get('beta2') as number,
          epsilon: get('epsilon') as number });
      case 'Adadelta':
        return optimizers.adadelta({ learningRate: lr as number, rho: get('rho') as number, epsilon: get('epsilon') as number });
      case 'RMSProp':
      case 'RMSprop':
        return optimizers.rmsprop({ learningRate: lr as number, rho: (cls === 'RMSProp' ? get('decay', get('rho')) : get('rho')) as number,
          momentum: get('momentum') as number, epsilon: get('epsilon') as number, centered: get('centered') as boolean });
      case 'Adagrad':
        return optimizers.adagrad({ learningRate: lr as number, initialAccumulatorValue: get('initialAccumulatorValue') as number });
      default:
        return fail(where, `optimizer ${show(cls)} is not supported; neurite has SGD, Momentum, Adam, Adamax, Adadelta, RMSProp, Adagrad ` +
          '(load with { compile: false } to skip training settings)');
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${where} (${cls}): ${(e as Error).message}`);
  }
}

/** What compileFromTfjs needs of a freshly built model (io/load.ts passes a LayersModel). */
export interface CompilableModel {
  readonly outputs: readonly { readonly sourceLayer: { readonly name: string } }[];
  readonly layers: readonly Layer[];
  compile(c: { optimizer: Optimizer; loss: LossName | CustomLoss | (LossName | CustomLoss)[]; metrics: string[]; lossWeights?: number[] }): void;
  getTrainingState(): TrainingState;
  setTrainingState(s: TrainingState): void;
  setOptimizerWeights(list: { name: string; tensor: Tensor }[]): void;
}

/**
 * Compiles a freshly loaded model from a trainingConfig and restores the optimizer state and training position.
 * `optimizerEntries` are the manifest's `group: 'optimizer'` weights, in order.
 */
export function compileFromTfjs(model: CompilableModel, tc: unknown, optimizerEntries: WeightEntry[], bytes: Uint8Array, where: string,
  custom?: CustomObjects): void {
  // biome-ignore lint/correctness/noVoidTypeReturn: fail() never returns; the return narrows tc
  if (!isObject(tc)) return fail(where, `trainingConfig must be an object, got ${show(tc)}`);
  for (const k of ['weighted_metrics', 'sample_weight_mode']) {
    if (own(tc, k) !== undefined && own(tc, k) !== null) fail(where, `trainingConfig.${k} is not supported`);
  }
  const block = own(tc, 'neurite');
  const nb = block === undefined ? undefined : isObject(block) ? block : fail(`${where}.neurite`, `must be an object, got ${show(block)}`);
  if (nb && own(nb, 'format') !== TRAINING_FORMAT) fail(`${where}.neurite`, `format ${show(own(nb, 'format'))} is not one this neurite reads (${TRAINING_FORMAT})`);
  const outputs = model.outputs.map((t) => t.sourceLayer.name);
  const losses = readLosses(own(tc, 'loss'), outputs, `${where}.loss`, custom);
  const lossWeights = nb && own(nb, 'lossWeights') !== undefined ? readLossWeights(own(nb, 'lossWeights'), outputs, `${where}.neurite.lossWeights`)
    : readLossWeights(own(tc, 'loss_weights'), outputs, `${where}.loss_weights`);
  const metrics = readMetrics(own(tc, 'metrics'), `${where}.metrics`);
  const optimizer = nb ? neuriteOptimizer(own(nb, 'optimizer'), `${where}.neurite.optimizer`)
    : tfjsOptimizerFrom(own(tc, 'optimizer_config'), `${where}.optimizer_config`);
  try {
    model.compile({ optimizer, loss: losses.length === 1 ? losses[0] : losses, metrics, ...(lossWeights ? { lossWeights } : {}) });
  } catch (e) {
    throw new FormatError(`${where}: ${(e as Error).message}`);
  }

  const iterations = restoreOptimizerState(model, optimizer, !!nb, optimizerEntries, bytes, where);
  const current = model.getTrainingState();
  const state = {
    epochsTrained: nb ? count(own(nb, 'epochsTrained'), `${where}.neurite.epochsTrained`) : 0,
    iterations: nb ? count(own(nb, 'iterations'), `${where}.neurite.iterations`) : iterations ?? 0,
    shuffleState: nb ? rngState(own(nb, 'shuffleState'), `${where}.neurite.shuffleState`) : current.shuffleState,
    layerRngStates: current.layerRngStates,
  };
  if (nb && iterations !== undefined && state.iterations !== iterations) {
    fail(`${where}.neurite.iterations`, `is ${state.iterations} but the optimizer's iter weight is ${iterations}`);
  }
  if (nb && own(nb, 'layerRngStates') !== undefined) {
    const ls = own(nb, 'layerRngStates');
    // one per layer, InputLayers aside
    const layers = model.layers.filter((l) => !(l instanceof InputLayer));
    if (!Array.isArray(ls) || ls.length !== layers.length) fail(`${where}.neurite.layerRngStates`, `must have one entry per layer (${layers.length})`);
    state.layerRngStates = (ls as unknown[]).map((s, i) => {
      if (s === null) return null;
      const st = rngState(s, `${where}.neurite.layerRngStates[${i}]`);
      if (!layers[i].usesRng) fail(`${where}.neurite.layerRngStates[${i}]`, `layer '${layers[i].name}' has no random stream`);
      return st;
    });
  }
  try {
    model.setTrainingState(state);
  } catch (e) {
    throw new FormatError(`${where}.neurite: ${e instanceof NeuriteError ? e.message : String(e)}`);
  }
}

/**
 * How many blocks of optimizer state (one tensor per trainable weight each) a file holds after `iter`: one per
 * slot, as TF.js writes them. A momentum state may carry a second block: earlier neurite versions wrote their
 * velocity after TF.js's accumulation, and TF.js keeps and re-saves the extra block.
 */
function blocksAccepted(optimizer: Optimizer, blocks: number): boolean {
  return blocks === optimizer.slots || (optimizer.name === 'momentum' && blocks === 2);
}

/** Slots whose values are sums of squares, so never negative. */
const NON_NEGATIVE = new Set(['v', 'rms', 'accumulator', 'accum_grad', 'accum_var']);

/**
 * Sets the compiled model's optimizer state from the `group: 'optimizer'` weights: `iter`, then slot blocks.
 * Returns the step count from `iter`, or undefined when the file has no optimizer weights (fresh state).
 */
function restoreOptimizerState(model: CompilableModel, optimizer: Optimizer, neuriteFile: boolean, entries: WeightEntry[],
  bytes: Uint8Array, where: string): number | undefined {
  if (entries.length === 0) return undefined;
  const iter = entries[0];
  if (iter.name !== 'iter' && !iter.name.endsWith('/iter')) fail(iter.where, 'the first optimizer weight must be the step counter iter');
  if (iter.size !== 1) fail(iter.where, `iter must be a scalar, got shape [${iter.shape.join(', ')}]`);
  const iterations = iter.dtype === 'int32' ? readInt32(bytes, iter) : readFinite(bytes, iter)[0];
  if (!Number.isSafeInteger(iterations) || iterations < 0) fail(iter.where, `the step count must be an integer ≥ 0, got ${iterations}`);
  const rest = entries.slice(1);
  if (rest.length === 0) return iterations;

  const trainable = model.layers.flatMap((l) => (l.trainable ? l.params() : []).filter((p) => p.trainable ?? true)
    .map((p) => ({ name: `${l.name}/${p.name}`, shape: p.shape })));
  const blocks = trainable.length === 0 ? NaN : rest.length / trainable.length;
  if (!blocksAccepted(optimizer, blocks)) {
    fail(where, `the ${optimizer.name} optimizer state has ${rest.length} tensors after iter; expected ${optimizer.slots} per trainable weight ` +
      `(${trainable.length} trainable weights)`);
  }
  const list = optimizer.slotNames.flatMap((slot, s) => trainable.map((w, i) => {
    const e = rest[s * trainable.length + i];
    if (e.dtype !== 'float32' || e.shape.length !== w.shape.length || e.shape.some((d, j) => d !== w.shape[j])) {
      fail(e.where, `must be float32 of shape [${w.shape.join(', ')}] to hold the ${slot} state of ${w.name}`);
    }
    if (neuriteFile && e.name !== `${w.name}/${slot}`) fail(e.where, `expected the optimizer state ${w.name}/${slot} here`);
    const v = readFinite(bytes, e);
    if (NON_NEGATIVE.has(slot)) {
      const neg = v.findIndex((a) => a < 0);
      if (neg >= 0) fail(e.where, `holds ${v[neg]} at index ${neg}, but the ${slot} state is never negative`);
    }
    return { name: `${w.name}/${slot}`, tensor: new Tensor(v, w.shape) };
  }));
  try {
    model.setOptimizerWeights(list);
  } catch (e) {
    throw new FormatError(`${where}: ${(e as Error).message}`);
  }
  return iterations;
}

/** The seed stored with the training state, if any (used as the loaded model's seed). */
export function seedFrom(tc: unknown): number | undefined {
  if (!isObject(tc) || !isObject(own(tc, 'neurite'))) return undefined;
  const s = own(own(tc, 'neurite') as JsonObject, 'seed');
  return typeof s === 'number' && Number.isFinite(s) ? s : undefined;
}
