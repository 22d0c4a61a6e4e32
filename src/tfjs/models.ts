// TF.js's models over neurite's: tf.sequential, tf.model, tf.loadLayersModel, tf.train and tf.callbacks. A model
// here holds a neurite model (`model.neurite`) and speaks TF.js at its edges: it takes TF.js tensors (and arrays),
// returns TF.js tensors from predict, scalar tensors from evaluate, TF.js's log keys ('acc', 'val_acc') in callbacks
// and History, and a loss or metric given as a tf.losses / tf.metrics function by its name.
import { Dataset } from './data';
import { losses as tfLosses, metrics as tfMetrics } from './losses';
import * as nn from './nn';
import { NotProvidedError, scalar, Tensor } from './tensor';

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A neurite tensor as a TF.js one (the values are shared, not copied). */
const toTf = (t: nn.Tensor) => new Tensor(t.data, t.shape, 'float32');
const toTfList = (t: nn.Tensor | nn.Tensor[]) => (Array.isArray(t) ? t.map(toTf) : toTf(t));

/** neurite's log keys with TF.js's next to them: 'accuracy' is also 'acc', 'val_accuracy' 'val_acc', 'out_accuracy' 'out_acc'. */
function tfLogs(logs: nn.Logs | undefined): nn.Logs {
  const out: nn.Logs = { ...logs };
  for (const [k, v] of Object.entries(out)) {
    if (k === 'accuracy' || k.endsWith('_accuracy')) out[`${k.slice(0, -'accuracy'.length)}acc`] = v;
  }
  return out;
}

/** TF.js's spelling of a log key neurite writes differently ('val_acc' → 'val_accuracy'). */
const neuriteKey = (k: string) => (k === 'acc' || k.endsWith('_acc') ? `${k}uracy` : k);

// tf.losses / tf.metrics functions that are one of neurite's losses or metrics, by the name compile takes
const LOSS_FUNCTIONS = new Map<unknown, string>([
  [tfLosses.meanSquaredError, 'meanSquaredError'], [tfLosses.absoluteDifference, 'meanAbsoluteError'],
  [tfMetrics.meanSquaredError, 'meanSquaredError'], [tfMetrics.meanAbsoluteError, 'meanAbsoluteError'],
  [tfMetrics.meanAbsolutePercentageError, 'meanAbsolutePercentageError'], [tfMetrics.binaryCrossentropy, 'binaryCrossentropy'],
  [tfMetrics.categoricalCrossentropy, 'categoricalCrossentropy'],
  [tfMetrics.sparseCategoricalCrossentropy, 'sparseCategoricalCrossentropy'],
]);
const METRIC_FUNCTIONS = new Map<unknown, string>([
  [tfMetrics.binaryAccuracy, 'binaryAccuracy'], [tfMetrics.categoricalAccuracy, 'categoricalAccuracy'],
  [tfMetrics.sparseCategoricalAccuracy, 'sparseCategoricalAccuracy'], [tfMetrics.precision, 'precision'],
  [tfMetrics.recall, 'recall'], [tfMetrics.meanSquaredError, 'meanSquaredError'], [tfMetrics.meanAbsoluteError, 'meanAbsoluteError'],
]);

const NO_AUTODIFF = 'neurite/tfjs does not differentiate TF.js ops (no tf.grad); for a loss of your own use nn.losses.custom ' +
  'from neurite, which takes the loss and its gradient';

function lossOf(v: unknown, where: string): unknown {
  if (typeof v !== 'function') return v;
  const name = LOSS_FUNCTIONS.get(v);
  if (name) return name;
  throw new NotProvidedError(`${where}: a loss function of TF.js ops is not provided: ${NO_AUTODIFF}; or give the loss by name ('meanSquaredError', ...)`);
}

function metricOf(v: unknown, where: string): unknown {
  if (typeof v !== 'function') return v;
  const name = METRIC_FUNCTIONS.get(v);
  if (name) return name;
  throw new NotProvidedError(`${where}: a metric function of TF.js ops is not provided; give a metric by name (${[...new Set(METRIC_FUNCTIONS.values())].join(', ')}, accuracy)`);
}

const mapValues = (v: unknown, f: (x: unknown, where: string) => unknown, where: string): unknown => {
  if (Array.isArray(v)) return v.map((x, i) => mapValues(x, f, `${where}[${i}]`));
  if (isRecord(v) && !(v instanceof nn.Optimizer)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapValues(x, f, `${where}.${k}`)]));
  return f(v, where);
};

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/** TF.js callbacks (hook objects, tf.callbacks.earlyStopping, a list of them) → neurite's, with TF.js's log keys. */
function callbacksOf(v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v : [v]).map((cb, i) => {
    if (cb instanceof nn.Callback || !isRecord(cb)) return cb;   // neurite's callbacks, or a value fit refuses
    if (typeof cb.onYield === 'function') {
      throw new NotProvidedError(`callbacks[${i}].onYield is not provided: neurite's fit yields to the event loop every 50 ms by itself; use onBatchEnd for work between batches`);
    }
    const hooks: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(cb)) {
      if (!(HOOKS as readonly string[]).includes(k) || typeof f !== 'function') { hooks[k] = f; continue; }
      hooks[k] = k.startsWith('onTrain') ? (logs?: nn.Logs) => f.call(cb, tfLogs(logs)) : (n: number, logs?: nn.Logs) => f.call(cb, n, tfLogs(logs));
    }
    return hooks;
  });
}

const FIT_ARGS = ['epochs', 'batchSize', 'validationSplit', 'validationData', 'shuffle', 'callbacks', 'verbose', 'initialEpoch',
  'classWeight', 'sampleWeight', 'yieldEvery'];

/** evaluate's logs as TF.js gives them: the loss as a scalar tensor, or [loss, ...metrics] in `names`' order. */
function scalarsOf(logs: nn.Logs, names: string[]): Tensor | Tensor[] {
  const values = names.map((n) => scalar(logs[n]));
  return values.length === 1 ? values[0] : values;
}

/** neurite's History as TF.js's: its epochs, the log keys with 'acc' beside 'accuracy', and `params`. */
function historyOf(history: nn.History, params: Record<string, unknown>): History {
  const out: History = { epoch: [...history.epoch], history: {}, params };
  for (const [k, v] of Object.entries(history.history)) {
    out.history[k] = [...v];
    if (k === 'accuracy' || k.endsWith('_accuracy')) out.history[`${k.slice(0, -'accuracy'.length)}acc`] = [...v];
  }
  return out;
}

/** What `fit` resolves to, as TF.js's History: `epoch`, `history` by TF.js's log keys, and `params`. */
export interface History {
  /** The epochs that ran. */
  epoch: number[];
  /** Each log key ('loss', 'acc', 'val_loss', 'val_acc', ... and neurite's 'accuracy' too), one value per epoch. */
  history: Record<string, number[]>;
  /** The settings of the fit: epochs, initialEpoch, batchSize, samples. */
  params: Record<string, unknown>;
}

/**
 * TF.js's LayersModel over a neurite model: `tf.model`, `tf.loadLayersModel` and (as its subclass) `tf.sequential`
 * make one. `model.neurite` is the neurite model inside.
 *
 * @example
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
 * model instanceof tf.LayersModel;   // true
 */
export class LayersModel {
  /** The neurite model this one presents. */
  readonly neurite: nn.LayersModel;
  /** @internal */
  constructor(model: nn.LayersModel) {
    this.neurite = model;
  }
  /** The model's name. @example model.name; */
  get name(): string { return this.neurite.name; }
  /** The layers (neurite's, which take and give neurite tensors). @example model.layers.length; */
  get layers(): nn.Layer[] { return this.neurite.layers; }
  /** The symbolic inputs. @example model.inputs[0]; */
  get inputs(): nn.SymbolicTensor[] { return this.neurite.inputs; }
  /** The symbolic outputs. @example model.outputs[0]; */
  get outputs(): nn.SymbolicTensor[] { return this.neurite.outputs; }
  /** Set true (from a callback) to end fit after the current batch. @example model.stopTraining = true; */
  get stopTraining(): boolean { return this.neurite.stopTraining; }
  set stopTraining(v: boolean) { this.neurite.stopTraining = v; }
  /** Whether fit trains the layers; setting it sets every layer's flag (from the next compile). @example base.trainable = false; */
  get trainable(): boolean { return this.layers.some((l) => l.trainable); }
  set trainable(v: boolean) { for (const l of this.layers) l.trainable = v; }
  /** A layer by name or index. @example model.getLayer('dense_1'); */
  getLayer(name?: string | number, index?: number): nn.Layer {
    return this.neurite.getLayer(name ?? (index as number));
  }
  /** Applies the model to symbolic tensors, as a layer of another model. @example const y = base.apply(x); */
  apply(inputs: nn.SymbolicTensor | nn.SymbolicTensor[]): nn.SymbolicTensor | nn.SymbolicTensor[] {
    return this.neurite.apply(inputs);
  }
  /** Prints the layers, shapes and parameter counts (TF.js's lineLength and positions are accepted and unused). @example model.summary(); */
  summary(_lineLength?: number, _positions?: number[], printFn: (line: string) => void = console.log): void {
    this.neurite.summary(printFn);
  }
  /** The number of weights. @example model.countParams(); */
  countParams(): number { return this.neurite.countParams(); }
  /**
   * TF.js's compile: an optimizer by name or from tf.train, a loss by name or as a tf.losses / tf.metrics function,
   * metrics by name or function.
   *
   * @example
   * model.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.meanSquaredError, metrics: ['acc'] });
   */
  compile(args: { optimizer: unknown; loss: unknown; metrics?: unknown; lossWeights?: unknown }): void {
    if (!isRecord(args)) throw new nn.ValueError(`compile takes { optimizer, loss, metrics? }, got ${show(args)}`);
    const { loss, metrics, ...rest } = args;
    this.neurite.compile({ ...rest, loss: mapValues(loss, lossOf, 'compile: loss'),
      ...(metrics === undefined ? {} : { metrics: mapValues(metrics, metricOf, 'compile: metrics') }) } as nn.CompileConfig);
  }
  /**
   * TF.js's fit: x and y as TF.js tensors or arrays (a list or a map by name for several), resolving to a History
   * with TF.js's log keys. `yieldEvery` is accepted (neurite yields every 50 ms); `stepsPerEpoch` and
   * `validationSteps` (for datasets) are not provided.
   *
   * @example
   * const h = await model.fit(xs, ys, { epochs: 10, validationSplit: 0.2 });
   * h.history.val_acc;
   */
  async fit(x: unknown, y: unknown, args: Record<string, unknown> = {}): Promise<History> {
    if (!isRecord(args)) throw new nn.ValueError(`fit: the third argument takes options such as { epochs, batchSize }, got ${show(args)}`);
    const { yieldEvery: _, callbacks, validationData, ...rest } = args;
    for (const k of Object.keys(rest)) {
      if (FIT_ARGS.includes(k)) continue;
      if (k === 'stepsPerEpoch' || k === 'validationSteps') throw new NotProvidedError(`fit: ${k} is not provided; fit trains on all of x every epoch`);
      throw new nn.ValueError(`fit: unknown option ${show(k)}. Valid options are: ${FIT_ARGS.join(', ')}`);
    }
    if (Array.isArray(validationData) && validationData.length === 3) {
      throw new NotProvidedError('fit: validationData with sample weights ([x, y, weights]) is not provided; give [x, y]');
    }
    const history = await this.neurite.fit(x, y, { ...rest, ...(validationData === undefined ? {} : { validationData }),
      ...(callbacks === undefined ? {} : { callbacks: callbacksOf(callbacks) }) } as nn.FitConfig);
    return historyOf(history, { epochs: rest.epochs ?? 1, initialEpoch: rest.initialEpoch ?? 0, batchSize: rest.batchSize ?? 32 });
  }
  /**
   * TF.js's fitDataset: a tf.data dataset (or any sync or async iterable, or a TF.js dataset) of `{ xs, ys }`
   * batches, resolving to a History with TF.js's log keys. `validationData` is a dataset of batches or `[x, y]`.
   *
   * @example
   * const h = await model.fitDataset(tf.data.zip({ xs, ys }).batch(32), { epochs: 10 });
   * h.history.acc;
   */
  async fitDataset(dataset: unknown, args: Record<string, unknown> = {}): Promise<History> {
    if (!isRecord(args)) throw new nn.ValueError(`fitDataset: the second argument takes options such as { epochs }, got ${show(args)}`);
    const { yieldEvery: _, callbacks, validationData, ...rest } = args;
    const inner = (d: unknown) => (d instanceof Dataset ? d.neurite : d);
    const history = await this.neurite.fitDataset(inner(dataset), { ...rest,
      ...(validationData === undefined ? {} : { validationData: inner(validationData) }),
      ...(callbacks === undefined ? {} : { callbacks: callbacksOf(callbacks) }) } as nn.FitDatasetConfig);
    return historyOf(history, { epochs: rest.epochs ?? 1, initialEpoch: rest.initialEpoch ?? 0,
      ...(rest.batchesPerEpoch === undefined ? {} : { batchesPerEpoch: rest.batchesPerEpoch }) });
  }
  /**
   * TF.js's evaluateDataset: the loss as a scalar tensor, or [loss, ...metrics], over a dataset of batches.
   *
   * @example
   * const [loss, acc] = await model.evaluateDataset(testBatches) as tf.Scalar[];
   */
  async evaluateDataset(dataset: unknown, args?: { batches?: number; verbose?: number }): Promise<Tensor | Tensor[]> {
    const { verbose: _, ...rest } = args ?? {};
    const logs = await this.neurite.evaluateDataset(dataset instanceof Dataset ? dataset.neurite : dataset, rest);
    return scalarsOf(logs, this.neurite.metricsNames);
  }
  /**
   * TF.js's evaluate: the loss as a scalar tensor, or [loss, ...metrics] with metrics.
   *
   * @example
   * const [loss, acc] = model.evaluate(xs, ys) as tf.Scalar[];
   */
  evaluate(x: unknown, y: unknown, args?: { batchSize?: number; verbose?: number; sampleWeight?: unknown }): Tensor | Tensor[] {
    const { verbose: _, ...rest } = args ?? {};
    return scalarsOf(this.neurite.evaluate(x, y, rest), this.neurite.metricsNames);
  }
  /**
   * TF.js's predict: TF.js tensors out (one per output).
   *
   * @example
   * model.predict(tf.tensor2d([[1]])).dataSync();
   */
  predict(x: unknown, args?: { batchSize?: number; verbose?: boolean }): Tensor | Tensor[] {
    const { verbose: _, ...rest } = args ?? {};
    return toTfList(this.neurite.predict(x, rest));
  }
  /** predict on one batch. @example model.predictOnBatch(x); */
  predictOnBatch(x: unknown): Tensor | Tensor[] { return toTfList(this.neurite.predictOnBatch(x)); }
  /** One optimizer step on one batch; resolves to the loss (and metrics). @example await model.trainOnBatch(x, y); */
  trainOnBatch(x: unknown, y: unknown): Promise<number | number[]> { return this.neurite.trainOnBatch(x, y); }
  /** The loss and metrics' names, as evaluate orders them. @example model.metricsNames; */
  get metricsNames(): string[] { return this.neurite.metricsNames; }
  /** The weights as TF.js tensors, in TF.js's order. @example model.getWeights()[0].shape; */
  getWeights(): Tensor[] { return this.neurite.getWeights().map(toTf); }
  /** Sets the weights from TF.js tensors (or arrays), in TF.js's order. @example model.setWeights(other.getWeights()); */
  setWeights(weights: unknown[]): void {
    if (!Array.isArray(weights)) throw new nn.ValueError(`setWeights takes a list of tensors, got ${show(weights)}`);
    this.neurite.setWeights(weights.map((w) => (w instanceof Tensor ? nn.tensor(Float32Array.from(w.dataSync()), w.shape) : w as nn.TensorLike)));
  }
  /** Saves in TF.js's format (file://, localstorage://, indexeddb://, downloads:// or a handler). @example await model.save('file://out'); */
  save(target: nn.SaveTarget, options?: nn.SaveOptions): Promise<unknown> { return this.neurite.save(target, options); }
  /** Frees the model's memory (TF.js's refcount fields are not kept). @example model.dispose(); */
  dispose(): { refCountAfterDispose: number; numDisposedVariables: number } {
    const n = this.neurite.getWeights().length;
    this.neurite.dispose();
    return { refCountAfterDispose: 0, numDisposedVariables: n };
  }
}

/**
 * TF.js's Sequential over neurite's: `add` appends a layer.
 *
 * @example
 * const model = tf.sequential();
 * model.add(tf.layers.dense({ units: 1, inputShape: [1] }));
 */
export class Sequential extends LayersModel {
  declare readonly neurite: nn.Sequential;
  /** Appends a layer. @example model.add(tf.layers.dense({ units: 4 })); */
  add(layer: nn.Layer): void { this.neurite.add(layer); }
}

/**
 * `tf.sequential({ layers?, name? })` (and neurite's `seed`).
 *
 * @example
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
 */
export function sequential(config?: { layers?: nn.Layer[]; name?: string; seed?: number }): Sequential {
  return new Sequential(nn.sequential(config));
}

/**
 * `tf.model({ inputs, outputs, name? })` (and neurite's `seed`).
 *
 * @example
 * const x = tf.input({ shape: [4] });
 * const model = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 1 }).apply(x) as tf.SymbolicTensor });
 */
export function model(config: { inputs: nn.SymbolicTensor | nn.SymbolicTensor[]; outputs: nn.SymbolicTensor | nn.SymbolicTensor[];
  name?: string; seed?: number }): LayersModel {
  return new LayersModel(nn.model(config as nn.ModelConfig));
}

/**
 * `tf.loadLayersModel(url or handler, options)`: a TF.js Layers model from its model.json (file://, http(s)://,
 * localstorage://, indexeddb:// or a handler), as a Sequential when it is one. TF.js's load options work as there:
 * onProgress, fetchFunc, requestInit, weightPathPrefix, and strict (true, TF.js's default: every
 * weight must match; false is not provided). neurite's own load options are taken too.
 *
 * @example
 * const model = await tf.loadLayersModel('file://model/model.json');
 * const remote = await tf.loadLayersModel('https://example.com/model.json', { onProgress: (f) => console.log(f) });
 */
export async function loadLayersModel(source: nn.LoadSource, options?: nn.LoadOptions & { strict?: boolean }): Promise<LayersModel> {
  let opts = options;
  if (opts && typeof opts === 'object' && 'strict' in opts) {
    const { strict, ...rest } = opts;
    if (strict === false) throw new NotProvidedError('tf.loadLayersModel: strict: false is not provided; neurite loads files whose weights all match their layers');
    opts = rest;
  }
  const m = await nn.loadModel(source, opts);
  return m instanceof nn.Sequential ? new Sequential(m) : new LayersModel(m);
}

/**
 * `tf.train`: TF.js's optimizer constructors, with its positional arguments and defaults, making neurite's
 * optimizers (whose updates follow TF.js's formulas).
 *
 * @example
 * model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
 */
export const train = {
  /** @example tf.train.sgd(0.1); */
  sgd: (learningRate: number) => nn.optimizers.sgd({ learningRate }),
  /** @example tf.train.momentum(0.01, 0.9); */
  momentum: (learningRate: number, momentum: number, useNesterov = false) => nn.optimizers.momentum({ learningRate, momentum, nesterov: useNesterov }),
  /** @example tf.train.adam(0.001, 0.9, 0.999, 1e-7); */
  adam: (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number) =>
    nn.optimizers.adam({ learningRate, beta1, beta2, ...(epsilon === undefined ? {} : { epsilon }) }),
  /** @example tf.train.adamax(0.002); */
  adamax(learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon?: number, decay = 0) {
    if (decay !== 0) throw new NotProvidedError('tf.train.adamax: decay is not provided; use a learning-rate schedule from nn.schedules');
    return nn.optimizers.adamax({ learningRate, beta1, beta2, ...(epsilon === undefined ? {} : { epsilon }) });
  },
  /** @example tf.train.rmsprop(0.001, 0.9); */
  rmsprop: (learningRate: number, decay = 0.9, momentum = 0, epsilon?: number, centered = false) =>
    nn.optimizers.rmsprop({ learningRate, rho: decay, momentum, centered, ...(epsilon === undefined ? {} : { epsilon }) }),
  /** @example tf.train.adagrad(0.01); */
  adagrad: (learningRate: number, initialAccumulatorValue = 0.1) => nn.optimizers.adagrad({ learningRate, initialAccumulatorValue }),
  /** @example tf.train.adadelta(1, 0.95); */
  adadelta: (learningRate = 0.001, rho = 0.95, epsilon?: number) =>
    nn.optimizers.adadelta({ learningRate, rho, ...(epsilon === undefined ? {} : { epsilon }) }),
};

/**
 * `tf.callbacks.earlyStopping` with TF.js's defaults and log keys ('val_acc' is neurite's 'val_accuracy').
 *
 * @example
 * await model.fit(xs, ys, { epochs: 100, validationSplit: 0.2, callbacks: tf.callbacks.earlyStopping({ monitor: 'val_acc', patience: 3 }) });
 */
export const callbacks = {
  /** @example tf.callbacks.earlyStopping({ patience: 2 }); */
  earlyStopping(args?: { monitor?: string; minDelta?: number; patience?: number; verbose?: number; mode?: 'auto' | 'min' | 'max';
    baseline?: number; restoreBestWeights?: boolean }): nn.EarlyStopping {
    const { verbose: _, baseline, monitor, ...rest } = args ?? {};
    if (baseline !== undefined) throw new NotProvidedError('tf.callbacks.earlyStopping: baseline is not provided');
    return nn.callbacks.earlyStopping({ ...rest, ...(monitor === undefined ? {} : { monitor: neuriteKey(monitor) }) });
  },
};
