// The public face of a model: LayersModel (graph models) and Sequential (chains) with TF.js's methods. What they
// do lives in train/: params.ts (the parameter block, optimizer slots, shared weights), head.ts (losses, the fused
// softmax, metrics, logs), edge.ts (checking and loading x and y), step.ts (one training step), loop.ts (fit's
// epochs and callbacks). This file holds the model's own state (graph, plan, residency, training position) and
// ties them together.
import { runtime, type Runtime } from './backend/index';
import { type Callback, callbackList, type CallbackHooks, type Logs, type TrainingTarget } from './callbacks';
import { MemoryError, ShapeError, StateError, ValueError } from './errors';
import { type BoundPlan, GraphPlan, MODES, type PlanMode } from './graph/plan';
import { Network } from './graph/network';
import type { SaveOptions, SaveTarget } from './io/artifacts';
import type { SaveResult } from './io/format';
import { functionalToTfjs } from './io/functional';
import { saveModel } from './io/save';
import { topologyToTfjs } from './io/topology';
import { InputLayer } from './layers/input';
import { Layer, SymbolicTensor, type WeightHolder } from './layers/layer';
import type { ModelMemory } from './memory/residency';
import type { CustomLoss, LossName } from './losses';
import type { MetricSpec } from './metrics';
import { type Optimizer, toOptimizer } from './optimizers';
import { boolOption, intOption, nameOption, numberOption, optionsOf, show } from './options';
import { Rng } from './random';
import { Tensor, type TensorLike } from './tensor';
import { DataEdge, floats, type Staged, type Target, unstage } from './train/edge';
import { LossHeads, type PerOutput, type SampleWeights } from './train/head';
import { type BatchSource, type History, runEpochs, stagedSource } from './train/loop';
import { batchParts, type BatchReader, checkDataset, isDataset, openBatches, readBatch } from './train/stream';
import { type ClassWeight, sampleWeights } from './train/weights';
import { Params } from './train/params';
import {
  type ModelSnapshot, optimizerToSnapshot, type TrainingSnapshot, type TrainingState,
} from './train/state';
import { type Position, Step } from './train/step';

export { History } from './train/loop';
export type { TrainingState } from './train/state';

const F32 = 4;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Running sums of an evaluation (see LayersModel.evalAdd). */
interface EvalTotals {
  lossSum: number;
  eachSums: number[];
  states: ReturnType<LossHeads['metricStates']>;
  each: number[];
  n: number;
}

/** One batch of a dataset, checked against the model: per input, per output, its rows and sample weights. */
interface StreamBatch {
  xs: Tensor[];
  ys: Target[];
  rows: number;
  weights: SampleWeights | undefined;
  /** How messages name its inputs ('xs of batch 3'). */
  label: string;
}

/**
 * What {@link LayersModel.compile} takes. Required: optimizer and loss; an unknown key, name or type is a ValueError
 * (UnknownNameError for a misspelt optimizer or loss) naming the closest valid one.
 *
 * @example
 * model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 * // a model with two outputs named 'digit' and 'parity':
 * model.compile({ optimizer: 'adam', loss: { digit: 'sparseCategoricalCrossentropy', parity: 'binaryCrossentropy' },
 *                 lossWeights: { digit: 1, parity: 0.5 }, metrics: ['accuracy'] });
 */
export interface CompileConfig {
  /**
   * An optimizer from nn.optimizers (with its own settings), or a name for one with TF.js's defaults: 'sgd',
   * 'momentum', 'adam', 'adamw', 'adamax', 'adadelta', 'rmsprop', 'adagrad'. Required.
   */
  optimizer: Optimizer | string;
  /**
   * The loss to minimize: a name (see {@link LossName}: 'meanSquaredError' (alias 'mse'), 'binaryCrossentropy',
   * 'categoricalCrossentropy', 'sparseCategoricalCrossentropy' (integer labels; needs at least 2 output units), ...)
   * or a loss from nn.losses (custom ones). Required. A softmax output with a cross-entropy loss runs one fused,
   * numerically stable kernel. For a model with several outputs: one loss for all, a list in output order, or a
   * map by output layer name.
   */
  // `string & {}` keeps the names' completion in editors while taking the aliases (checked when compiling)
  loss: PerOutput<LossName | (string & {}) | CustomLoss>;
  /**
   * How much each output's loss counts in the total that training minimizes: a list in output order or a map by
   * output name. Default 1 for every output.
   */
  lossWeights?: number[] | Record<string, number>;
  /**
   * Extra numbers fit and evaluate report (and `val_` ones for validation), per output for a model of several
   * (a list for every output, or a map by output name): `'accuracy'` (or `'acc'`, resolved from the loss as Keras
   * does: label match for sparseCategoricalCrossentropy, output ≥ 0.5 for one unit or binaryCrossentropy, argmax
   * match else), `'binaryAccuracy'`, `'categoricalAccuracy'`, `'sparseCategoricalAccuracy'`,
   * `'topKCategoricalAccuracy'` and `'sparseTopKCategoricalAccuracy'` (k = 5; other k with
   * nn.metrics.topKCategoricalAccuracy), `'precision'` and `'recall'` (output > 0.5, counted over the whole pass),
   * `'mae'`, `'mse'`, and `nn.metrics.custom(...)`. Default: none.
   */
  metrics?: MetricSpec[] | Record<string, MetricSpec[]>;
}

/**
 * What {@link LayersModel.fit} takes; every field is optional. A wrong key, type or range is a ValueError naming
 * the option (and the closest valid key for a misspelt one).
 *
 * @example
 * await model.fit(x, y, { epochs: 5, batchSize: 64, validationSplit: 0.1, verbose: 1 });
 */
export interface FitConfig {
  /** Passes over the training samples, an integer ≥ 1; default 1. */
  epochs?: number;
  /**
   * Samples per optimizer step, an integer ≥ 1; default 32. The last batch of an epoch may be smaller (it is
   * trained, not dropped); a batchSize above the sample count trains all samples in one step.
   */
  batchSize?: number;
  /** Shuffle the training samples before each epoch (seeded by the model's seed); default true. */
  shuffle?: boolean;
  /**
   * Fraction of the samples in [0, 1), taken from the end before shuffling, held out for validation (adds
   * `val_loss`, and `val_accuracy` with metrics, to the epoch logs); default 0. Both parts need at least one
   * sample. Ignored when validationData is given.
   */
  validationSplit?: number;
  /**
   * `[x, y]` to evaluate at each epoch's end, in the same forms as fit's x and y (adds `val_loss` and
   * `val_accuracy` to the logs); default none. Takes precedence over validationSplit.
   */
  validationData?: [unknown, unknown];
  /** 1 draws a progress bar (a redrawn line in a terminal, plain lines otherwise); default 0 (silent). */
  verbose?: 0 | 1;
  /**
   * Hooks fit calls: an object such as `{ onEpochEnd(epoch, logs) {...} }`, a callback from nn.callbacks, or an
   * array of them, called in order; a hook may return a promise, which fit awaits. Default none. See
   * {@link CallbackHooks}.
   */
  callbacks?: CallbackHooks | Callback | (CallbackHooks | Callback)[];
  /** Epoch to start counting from (for resuming: fit runs epochs initialEpoch … epochs − 1), an integer ≥ 0; default 0. */
  initialEpoch?: number;
  /**
   * A weight per class label, `{ 0: 1, 1: 5 }`: each training sample's loss (and its gradient) is multiplied by
   * its class's weight, and a batch's loss is Σ wᵢ·lossᵢ / batch size (Keras's and TF.js's definition). The class of
   * a sample is its label (sparseCategoricalCrossentropy, or one-column targets, which must then be integers), or
   * the argmax of its target row. Every class in y needs a weight (ValueError naming the missing one). For several
   * outputs: a list in output order or a map by output name (outputs left out are not weighted). Validation is not
   * weighted, and metrics are not (as in TF.js). Default none.
   */
  classWeight?: ClassWeight | ClassWeight[] | Record<string, ClassWeight>;
  /**
   * A weight per sample, as Keras's sample_weight: n finite numbers ≥ 0 (an array, Float32Array or a tensor of
   * shape [n] or [n, 1]) that multiply the samples' losses and gradients as classWeight does; with classWeight too,
   * the two multiply. A weight of 0 removes a sample from training (it still counts in the batch's size). For
   * several outputs: one list for all, or a list of lists / map by output name. Default none (every sample 1).
   */
  sampleWeight?: unknown;
}

/**
 * What {@link sequential} takes; every field is optional.
 *
 * @example
 * nn.sequential({ seed: 1, name: 'mlp', layers: [nn.layers.dense({ units: 10, inputShape: [4] })] });
 */
export interface SequentialConfig {
  /**
   * The layers in order, from nn.layers; default none (add them with {@link Sequential.add}). The first needs an
   * inputShape. Names must be unique within a model (ValueError); a layer used by several models shares its weights.
   */
  layers?: Layer[];
  /**
   * Seed for weight initialization, shuffling and dropout, a safe integer; default random. Same seed + same data +
   * same backend ⇒ same weights, bit for bit.
   */
  seed?: number;
  /** The model's name in messages, summary and saved files, a non-empty string of at most 256 characters; default 'sequential'. */
  name?: string;
}

/**
 * Options of {@link model}.
 *
 * @example
 * const x = nn.input({ shape: [4] });
 * nn.model({ inputs: x, outputs: nn.layers.dense({ units: 2 }).apply(x), name: 'tiny', seed: 7 });
 */
export interface ModelConfig {
  /** The model's inputs: symbolic tensors from nn.input(), one or a list. Required. */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** The model's outputs: symbolic tensors from layer.apply(), one or a list. Required. */
  outputs: SymbolicTensor | SymbolicTensor[];
  /** Seed for weight initialization and shuffling. Default: a random seed. */
  seed?: number;
  /** The model's name. Default 'model'. */
  name?: string;
}

/**
 * What predict and evaluate take.
 *
 * @example
 * model.predict(x, { batchSize: 1024 });
 */
export interface PredictConfig {
  /** Samples per forward pass, an integer ≥ 1; default 256. Only memory use depends on it. */
  batchSize?: number;
}

/**
 * What {@link LayersModel.evaluate} takes.
 *
 * @example
 * model.evaluate(x, y, { batchSize: 1024, sampleWeight: weights });
 */
export interface EvaluateConfig {
  /** Samples per forward pass, an integer ≥ 1; default 256. Only memory use depends on it. */
  batchSize?: number;
  /** One weight per sample (see {@link FitConfig.sampleWeight}); default none (every sample 1). */
  sampleWeight?: unknown;
}

/**
 * What {@link LayersModel.fitDataset} takes; every field is optional. A wrong key, type or range is a ValueError
 * naming the option (and the closest valid key for a misspelt one).
 *
 * @example
 * await model.fitDataset(trainBatches, { epochs: 10, validationData: valBatches, callbacks: nn.callbacks.earlyStopping() });
 * await model.fitDataset(endless, { epochs: 5, batchesPerEpoch: 100 });   // endless = ds.repeat()
 */
export interface FitDatasetConfig {
  /** Passes over the dataset (or of batchesPerEpoch batches each), an integer ≥ 1; default 1. */
  epochs?: number;
  /**
   * Batches per epoch, an integer ≥ 1; default none: an epoch runs until the dataset ends, and each epoch starts a
   * new iteration of it. With batchesPerEpoch, one iteration runs through all epochs (use repeat() for an endless
   * one); if it ends early, the epoch ends there and training stops, with a warning, as in TF.js.
   */
  batchesPerEpoch?: number;
  /**
   * Data to evaluate at each epoch's end (adds `val_loss`, `val_accuracy`, ... to the logs): a dataset of
   * `{ xs, ys }` batches (read anew each epoch) or `[x, y]` as fit's validationData. Default none.
   */
  validationData?: unknown;
  /** Samples per forward pass for `[x, y]` validation data, an integer ≥ 1; default 32, as in TF.js. Only memory use depends on it. */
  validationBatchSize?: number;
  /** How many batches of a validation dataset to evaluate, an integer ≥ 1; default all of them. */
  validationBatches?: number;
  /** 1 draws a progress bar (samples counted, no total); default 0 (silent). */
  verbose?: 0 | 1;
  /** Hooks, as fit's (see {@link FitConfig.callbacks}); default none. */
  callbacks?: CallbackHooks | Callback | (CallbackHooks | Callback)[];
  /** Epoch to start counting from, an integer ≥ 0; default 0. */
  initialEpoch?: number;
  /** A weight per class label, as fit's (see {@link FitConfig.classWeight}), applied to every batch; default none. */
  classWeight?: ClassWeight | ClassWeight[] | Record<string, ClassWeight>;
}

/**
 * What {@link LayersModel.evaluateDataset} takes.
 *
 * @example
 * await model.evaluateDataset(testBatches, { batches: 10 });
 */
export interface EvaluateDatasetConfig {
  /** How many batches to evaluate, an integer ≥ 1; default all of them (the dataset must end). */
  batches?: number;
  /** 0 only (TF.js has no progress display for it either); default 0. */
  verbose?: 0;
}

function positiveInt(what: string, v: unknown): number {
  return intOption(what, v, 1);
}

/** The options of sequential, model, compile, fit, predict and evaluate. */
export const SEQUENTIAL_OPTIONS = ['layers', 'seed', 'name'] as const;
export const MODEL_OPTIONS = ['inputs', 'outputs', 'seed', 'name'] as const;
export const COMPILE_OPTIONS = ['optimizer', 'loss', 'lossWeights', 'metrics'] as const;
export const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'verbose', 'callbacks',
  'initialEpoch', 'classWeight', 'sampleWeight'] as const;
export const PREDICT_OPTIONS = ['batchSize'] as const;
export const EVALUATE_OPTIONS = ['batchSize', 'sampleWeight'] as const;
export const FIT_DATASET_OPTIONS = ['epochs', 'batchesPerEpoch', 'validationData', 'validationBatchSize', 'validationBatches', 'verbose',
  'callbacks', 'initialEpoch', 'classWeight'] as const;
export const EVALUATE_DATASET_OPTIONS = ['batches', 'verbose'] as const;

/**
 * A network of layers, trained with compile + fit like a TF.js LayersModel. Build one from symbolic tensors with
 * {@link model} (any graph: several inputs and outputs, shared layers, residual connections), or a chain with
 * {@link sequential}.
 *
 * @example
 * const input = nn.input({ shape: [2] });
 * const hidden = nn.layers.dense({ units: 16, activation: 'relu' }).apply(input);
 * const output = nn.layers.dense({ units: 1, activation: 'sigmoid' }).apply(hidden);
 * const model = nn.model({ inputs: input, outputs: output, seed: 42 });
 * model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
 * await model.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 200 });
 */
export class LayersModel implements TrainingTarget, WeightHolder {
  /** The model's name (the `name` option; default 'model', or 'sequential' for a Sequential). */
  readonly name: string;
  /** The seed the weights, shuffling and dropout were drawn from (given, or drawn at random). */
  readonly seed: number;
  /** Set to true (from a callback) to end fit after the current batch. */
  stopTraining = false;

  /** The graph; set by the constructor (graph models) or by build (Sequential). */
  protected net: Network | undefined;
  private readonly initRng: Rng;
  private readonly shuffleRng: Rng;
  /** The parameter block, its gradients and optimizer slots (set by build). */
  private params: Params | undefined;
  /** Checks and loads x and y (set by build). */
  private edge!: DataEdge;
  /** compile's loss heads and optimizer. */
  private compiled: Step | undefined;
  /** Optimizer steps since compile and epochs completed. */
  private readonly pos: Position = { iterations: 0, epochsTrained: 0 };
  /** The plan in use; valid while planGeneration equals the memory's generation. */
  private plan: BoundPlan | undefined;
  private planGeneration = -1;
  /** The runtime of the fit in progress: a model stays on its backend until its fit ends. */
  private fitRt: Runtime | undefined;
  /** True while a fitDataset reads its first batch, before its fit begins. */
  private fitStarting = false;
  private disposed = false;

  /** Use {@link model} or {@link sequential}. @internal */
  constructor(config: ModelConfig | undefined, kind: 'model' | 'sequential', defaultName: string, options: readonly string[]) {
    const c = optionsOf<ModelConfig>(kind, config, options);
    this.name = c.name === undefined ? defaultName : nameOption(`${kind}: name`, c.name);
    const seed = c.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isSafeInteger(seed)) throw new ValueError(`seed must be an integer (at most 2^53 − 1 in size), got ${show(seed)}`);
    this.seed = seed;
    this.initRng = new Rng(seed);
    this.shuffleRng = new Rng(seed).fork();
    if (kind === 'model') {
      if (c.inputs === undefined) throw new ValueError(`model '${this.name}': inputs is required (symbolic tensors from nn.input())`);
      if (c.outputs === undefined) throw new ValueError(`model '${this.name}': outputs is required (symbolic tensors from layer.apply())`);
      const net = new Network(Array.isArray(c.inputs) ? c.inputs : [c.inputs], Array.isArray(c.outputs) ? c.outputs : [c.outputs],
        `model '${this.name}'`);
      this.checkNames(net.layers);
      this.net = net;
    }
  }

  /** Throws unless `layer` is a layer. */
  protected checkLayer(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new ValueError(`${this.name}.add expects a layer from nn.layers, got ${show(layer)}`);
  }

  /** A saved model refers to weights by layer name, so two layers with one name could not be loaded again. */
  protected checkNames(layers: readonly Layer[]): void {
    layers.forEach((l, i) => {
      const j = layers.findIndex((o) => o.name === l.name);
      if (j < i) throw this.duplicateName(l, j, layers[j]);
    });
  }

  protected duplicateName(layer: Layer, at: number, other: Layer): ValueError {
    return new ValueError(`model '${this.name}' already has a layer named '${layer.name}' (layer ${at + 1}, ${other.className}); layer names must be unique`);
  }

  /**
   * The model's layers in order: for a graph model its InputLayers first, then each layer at its first use.
   *
   * @example
   * model.layers.map((l) => l.name);   // ['input_1', 'dense_1', 'dense_2']
   */
  get layers(): Layer[] {
    return [...this.network().layers];
  }

  /**
   * A layer by name, or by index in {@link layers}. Throws ValueError naming the layers when there is none.
   *
   * @example
   * const features = nn.model({ inputs: base.inputs, outputs: base.getLayer('flatten_1').output });
   */
  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      if (!Number.isInteger(nameOrIndex) || nameOrIndex < 0 || nameOrIndex >= layers.length) {
        throw new ValueError(`model '${this.name}' has ${layers.length} layers (indices 0 to ${layers.length - 1}), got index ${show(nameOrIndex)}`);
      }
      return layers[nameOrIndex];
    }
    const l = layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new ValueError(`model '${this.name}' has no layer named ${show(nameOrIndex)}; its layers are: ${layers.map((x) => x.name).join(', ')}`);
    return l;
  }

  /** The symbolic inputs (for building other models on this one's layers). */
  get inputs(): SymbolicTensor[] {
    return [...this.network().inputs];
  }
  /** The symbolic outputs. */
  get outputs(): SymbolicTensor[] {
    return [...this.network().outputs];
  }

  /**
   * Applies the whole model to symbolic inputs, as a layer of a bigger graph: each of its layers is applied again
   * to the new inputs, with the same weights (training the bigger model trains this one's layers). The model's
   * layers then appear one by one in the bigger model's `layers` (and in its saved file), not as one nested layer.
   *
   * @example
   * const encoder = nn.model({ inputs: x, outputs: code });
   * const a = nn.input({ shape: [784] });
   * const b = nn.input({ shape: [784] });
   * const distance = nn.layers.subtract().apply([encoder.apply(a) as nn.SymbolicTensor, encoder.apply(b) as nn.SymbolicTensor]);
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    const net = this.network();
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== net.inputs.length) {
      throw new ValueError(`model '${this.name}' has ${net.inputs.length} inputs, so apply takes ${net.inputs.length} symbolic tensors, got ${list.length}`);
    }
    list.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor)) {
        throw new ValueError(`model '${this.name}'.apply takes symbolic tensors from nn.input() or layer.apply(), but input ${i} is ${show(t)}`);
      }
      const want = net.inputs[i].shape;
      if (t.shape.length !== want.length || t.shape.some((d, j) => d !== want[j])) {
        throw new ShapeError(`model '${this.name}' input ${i} ('${net.inputs[i].sourceLayer.name}') has shape [${want.join(', ')}], ` +
          `but apply was given [${t.shape.join(', ')}]`);
      }
    });
    const value = new Map<number, SymbolicTensor>(list.map((t, i) => [i, t]));
    for (const s of net.steps) value.set(s.output, s.node.layer.connect(s.inputs.map((v) => value.get(v)!)).output);
    const outs = net.outputIds.map((v) => value.get(v)!);
    return outs.length === 1 ? outs[0] : outs;
  }

  /** The graph, built first for a Sequential model. @internal */
  protected network(): Network {
    this.live('be used');
    if (!this.net) this.buildNetwork();
    return this.net!;
  }

  /** Builds the chain of a Sequential model; graph models have theirs from the start. @internal */
  protected buildNetwork(): void {
    throw new StateError(`model '${this.name}' has no graph`);
  }

  /** Shape of one input sample (the first input's, for a model of several), e.g. `[784]`; builds the model. */
  get inputShape(): number[] {
    return [...this.network().inputs[0].shape];
  }
  /** Shape of one output sample (the first output's, for a model of several), e.g. `[10]`; builds the model. */
  get outputShape(): number[] {
    return [...this.network().outputs[0].shape];
  }

  /** Throws StateError while a fit runs: `what` would change what the fit is using. */
  private notInFit(what: string): void {
    if (this.fitRt) {
      throw new StateError(`${what} cannot be called on model '${this.name}' while its fit runs; call it after the fit resolves ` +
        '(or stop the fit with model.stopTraining = true)');
    }
  }

  protected live(what: string): void {
    if (this.disposed) throw new StateError(`model '${this.name}' was disposed and cannot ${what}`);
  }

  /**
   * Fixes the shapes, lays out the parameters and initializes them from the seed, on the JS heap: no backend
   * memory is taken until the model's first call. Called by compile, fit, predict and the weight methods, so
   * calling it yourself is optional. ShapeError when the first layer has no inputShape or shapes do not fit;
   * MemoryError past 2^28 weights.
   *
   * @example
   * model.build();
   * model.countParams();   // now known
   */
  build(): void {
    this.built();
  }

  /** Builds the model if it is not yet (see build) and returns its parameters; follows the current backend. */
  private built(): Params {
    this.live('be used');
    if (this.params) {
      this.follow();
      return this.params;
    }
    const net = this.network();
    // a layer another model uses already has its random stream and its weights: they are shared, not drawn again
    for (const layer of net.layers) {
      if (!layer.usesRng) continue;
      const rng = this.initRng.fork();
      layer.rng ??= rng;
    }
    const params = new Params(net, this, this.initRng);
    this.edge = new DataEdge(net, this.name);
    this.params = params;
    params.sync(false);
    return params;
  }

  /** The memory of a built model. */
  private get mem(): ModelMemory {
    return this.params!.mem;
  }

  /** True while the model's fit runs (its weights are changing). @internal */
  get training(): boolean {
    return this.fitRt !== undefined;
  }

  /** A copy of one layer's weights as this model holds them. @internal */
  readLayer(layer: Layer): Float32Array[] {
    const p = this.params!;
    return p.read(p.byLayer.get(layer) ?? []).map((t) => t.data);
  }

  /** Replaces one layer's weights in this model's copy. @internal */
  writeLayer(layer: Layer, values: Float32Array[]): void {
    this.notInFit(`setWeights of layer '${layer.name}'`);
    const p = this.params!;
    p.write(p.byLayer.get(layer) ?? [], values);
  }

  /**
   * Follows the current backend: a model resident on another one (after nn.setBackend) copies its state home, to
   * be made resident on the current one by its next call. A model in a fit stays on its backend until the fit ends.
   */
  private follow(): void {
    const m = this.mem;
    if (m.rt && !this.fitRt && m.rt !== runtime()) m.evict();
  }

  /** The runtime the model's memory is on (its resident copy, or where it was last). Valid inside a call. */
  private get rt(): Runtime {
    return (this.mem.rt as Runtime | undefined) ?? runtime();
  }

  /** The arena plan for `rows` samples and what `mode` needs, placed but not allocated. */
  private planFor(rows: number, mode: PlanMode): GraphPlan {
    return new GraphPlan(this.network(), rows, mode, {
      trains: (layer) => (this.params!.byLayer.get(layer) ?? []).some((e) => e.trainable),
      sizes: (layer) => (this.params!.byLayer.get(layer) ?? []).map((e) => e.size),
    });
  }

  /** True when the plan in place serves a call of `mode` on `rows` samples. */
  private planServes(rows: number, mode: PlanMode): boolean {
    const p = this.plan;
    return !!p && this.planGeneration === this.mem.generation && p.plan.rows >= rows && MODES.indexOf(p.plan.mode) >= MODES.indexOf(mode);
  }

  /**
   * Starts a call that needs the model resident on the current backend with a plan for `rows` samples, and
   * `extraBytes` more for the call's own blocks. The whole size is checked first; the model is then pinned
   * (never evicted until `leave`), made resident (evicting idle models if memory is short) and planned. Throws
   * MemoryError, with nothing changed and nothing pinned, when the memory cannot hold it.
   */
  private enter(what: string, rows: number, extraBytes: number, batchSize: number, mode: PlanMode): Runtime {
    const params = this.built();
    const rt = this.fitRt ?? runtime();
    const m = this.mem;
    if (m.rt && m.rt !== rt) m.evict(); // to another backend: the state goes home, then into the new memory
    // a call nested in a fit (from its hooks) must leave a plan the fit can go on with
    const train: PlanMode = this.fitRt !== undefined ? 'train' : mode;
    m.pins++;
    try {
      const resident = m.residentOn(rt);
      const replan = !resident || !this.planServes(rows, train);
      const planned = replan ? this.planFor(Math.max(rows, this.keptRows(resident)), train) : undefined;
      const need = extraBytes + (resident ? 0 : m.coreBytes) + (planned ? planned.bytes : 0);
      // a call nested in another (a fit's hook) keeps the old plan until the new one is allocated
      const available = rt.heap.available + (resident && replan && m.pins === 1 ? m.planBytes : 0);
      if (need > available) throw new MemoryError(`${need} bytes needed, ${available} available`, need, available);
      m.restore(rt);
      params.bind();
      params.sync(mode === 'train');
      if (!this.planServes(rows, train)) this.place(planned ?? this.planFor(rows, train));
    } catch (e) {
      m.pins--;
      throw this.memoryError(e, what, batchSize, rows, extraBytes, rt, train);
    }
    return rt;
  }

  /** Rows a replan nested in a fit must keep (the fit's batch), else 0. */
  private keptRows(resident: boolean): number {
    return resident && this.fitRt && this.plan ? this.plan.plan.rows : 0;
  }

  /** Ends a call begun by enter. */
  private leave(): void {
    this.mem.pins--;
  }

  /**
   * A MemoryError that names the model, the call, the batch size, the bytes needed and available, and what would
   * fit; other errors pass through.
   */
  private memoryError(e: unknown, what: string, batchSize: number, rows: number, extraBytes: number, rt: Runtime, mode: PlanMode): unknown {
    if (!(e instanceof MemoryError)) return e;
    const heap = rt.heap;
    const m = this.mem;
    const held = m.pinned ? m.residentBytes : 0; // what the call in progress holds already
    const available = heap.available + held;
    const fixed = m.coreBytes + extraBytes;
    const planBytes = (r: number) => this.planFor(r, mode).bytes;
    let need = fixed;
    try {
      need += planBytes(rows);
    } catch {
      need = Infinity;
    }
    need = Math.max(need, e.needed);
    const cap = heap.capacity === rt.backend.memory.maxBytes
      ? `the ${rt.backend.name} backend's limit of ${heap.capacity} bytes`
      : `the cap of ${heap.capacity} bytes set by nn.ready({ maxMemoryBytes })`;
    let hint: string;
    if (fixed + planBytes(1) > available) {
      hint = `its weights, gradients and optimizer state${extraBytes ? ' with the call\'s data' : ''} alone need ${fixed} bytes: ` +
        'use a smaller model or less data per call, or raise maxMemoryBytes';
    } else {
      let lo = 1;
      let hi = rows;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fixed + planBytes(mid) <= available) lo = mid;
        else hi = mid - 1;
      }
      hint = `try a smaller batchSize (${lo} fits)`;
    }
    return new MemoryError(`model '${this.name}' cannot ${what} with batchSize ${batchSize}: it needs ${need} bytes ` +
      `of ${rt.backend.name} memory and ${available} are available (${cap}, after evicting every model not in a call); ${hint}`,
      need, available);
  }

  /** Allocates the plan block and binds the network's steps to it (one block, kept while the model is resident). */
  private place(plan: GraphPlan): void {
    const base = this.mem.replan(plan.bytes, this.mem.pins > 1);
    this.plan = plan.bind(base, (layer) => {
      const p = this.params!;
      const mine = p.byLayer.get(layer) ?? [];
      return { ptrs: mine.map((e) => p.paramPtr + e.offset), grads: mine.map((e) => p.gradPtr + e.offset) };
    });
    this.planGeneration = this.mem.generation;
  }

  /**
   * Bytes of the activation memory (values, gradients, workspace, the batch's data) for a batch of `rows`, to
   * train (`true`) or to predict (`false`): what summary() reports.
   */
  planBytes(rows: number, training: boolean): number {
    this.built();
    return this.planFor(rows, training ? 'train' : 'predict').bytes;
  }

  /**
   * Chooses the optimizer, loss and metrics. Compiling again resets the optimizer state, and applies changes of
   * layers' `trainable` flags. StateError during a fit.
   *
   * @example
   * model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy',
   *                 metrics: ['accuracy'] });
   */
  compile(c: CompileConfig): void {
    this.live('compile');
    this.notInFit('compile');
    optionsOf<CompileConfig>('compile', c ?? null, COMPILE_OPTIONS);
    const optimizer = toOptimizer(c.optimizer);
    const params = this.built();
    const heads = LossHeads.resolve(this.network(), c.loss, c.lossWeights, c.metrics);
    if (params.relayout()) {
      this.plan = undefined;
      this.planGeneration = -1;
    }
    this.mem.resetSlots(optimizer.slots, optimizer.initialState());
    this.compiled = new Step(heads, optimizer);
    this.pos.iterations = 0;
  }

  /** Runs the forward pass of every step on `rows` samples; the loss heads' fused softmaxes are left out when `fused`. */
  private forward(rows: number, training: boolean, fused: boolean): void {
    const steps = fused ? this.compiled!.heads.fusedSteps : (this.plainSteps ??= this.network().steps.map(() => false));
    this.plan!.forward(this.rt.backend.kernels, rows, training, steps);
  }
  private plainSteps: boolean[] | undefined;

  /** Loss and metrics over rows [from, from+n) of xs and ys, `batch` rows at a time through the input buffers. */
  private evaluateRows(xs: Tensor[], ys: Target[], from: number, n: number, batch: number, what: string, weights?: SampleWeights): Logs {
    const t = this.evalTotals();
    this.evalAdd(t, xs, ys, from, n, batch, what, weights);
    return this.evalLogs(t);
  }

  /** Running sums of an evaluation over several calls of evalAdd. */
  private evalTotals(): EvalTotals {
    const heads = this.compiled!.heads;
    return { lossSum: 0, eachSums: heads.heads.map(() => 0), states: heads.metricStates(), each: heads.heads.map(() => 0), n: 0 };
  }

  /** Adds rows [from, from+n) of xs and ys to `t`, `batch` rows at a time through the input buffers. */
  private evalAdd(t: EvalTotals, xs: Tensor[], ys: Target[], from: number, n: number, batch: number, what: string, weights?: SampleWeights): void {
    const step = this.compiled!;
    const heads = step.heads;
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      const rt = this.rt;
      const p = this.plan!;
      this.edge.load(rt, p, xs, ys, heads.heads, from + start, rows, what);
      this.forward(rows, false, true);
      const w = weights?.map((v) => v?.subarray(from + start, from + start + rows));
      t.lossSum += step.loss(rt.backend.kernels, rt.backend.memory, p, this.params!, rows, false, t.each, w) * rows;
      for (let o = 0; o < t.each.length; o++) t.eachSums[o] += t.each[o] * rows;
      heads.addMetrics(rt.backend.kernels, rt.backend.memory, p, t.states, rows);
    }
    t.n += n;
  }

  /** The logs of an evaluation's sums. */
  private evalLogs(t: EvalTotals): Logs {
    return this.compiled!.heads.logsOf(t.lossSum / t.n, t.eachSums.map((v) => v / t.n), t.states);
  }

  private requireCompiled(what: string): Step {
    if (!this.compiled) throw new StateError(`${what} called before compile: call model.compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  /**
   * Trains the model. x: [n, ...inputShape]; y: targets [n, ...outputShape], or integer labels [n] for
   * sparseCategoricalCrossentropy. Nested arrays or nn.Tensor; for several inputs or outputs, a list in order or
   * a map by input / output layer name. The last partial batch is trained too.
   * Resolves when training ends (after `epochs`, `model.stopTraining = true` or a hook's 'stop'); it yields to the
   * event loop at least every 50 ms. StateError before compile or while another fit of this model runs; ShapeError for
   * shapes that do not match the model; ValueError for non-finite inputs or bad options; TrainingError when the
   * loss becomes non-finite.
   *
   * @example
   * const history = await model.fit(x, y, { epochs: 3, batchSize: 64, validationSplit: 0.1,
   *   callbacks: { onEpochEnd(epoch, logs) { console.log(epoch, logs.loss, logs.val_accuracy); } } });
   */
  async fit(x: unknown, y: unknown, options?: FitConfig): Promise<History> {
    this.live('fit');
    const step = this.requireCompiled('fit');
    if (this.fitRt || this.fitStarting) {
      throw new StateError(`model '${this.name}' is already in a fit: one fit at a time per model (await the fit in progress first)`);
    }
    const config = optionsOf<FitConfig>('fit', options, FIT_OPTIONS);
    const epochs = positiveInt('epochs', config.epochs ?? 1);
    const batchSize = positiveInt('batchSize', config.batchSize ?? 32);
    const initialEpoch = intOption('initialEpoch', config.initialEpoch ?? 0, 0);
    const split = numberOption('validationSplit', config.validationSplit ?? 0, { min: 0, max: 1, maxOpen: true });
    const shuffle = boolOption('shuffle', config.shuffle, true);
    if (config.verbose !== undefined && config.verbose !== 0 && config.verbose !== 1) {
      throw new ValueError(`verbose must be 0 (silent) or 1 (a progress bar), got ${show(config.verbose)}`);
    }
    const hooks = callbackList(config.callbacks);
    const params = this.built();
    const edge = this.edge;
    const heads = step.heads.heads;
    const X = edge.checkXs(x, 'x');
    const N = X[0].shape[0];
    const Y = edge.checkYs(y, heads, N, 'y');
    const W = sampleWeights(config.classWeight, config.sampleWeight, Y, heads, N, 'y');
    let nTrain = N;
    let valX: Tensor[] | undefined;
    let valY: Target[] | undefined;
    if (config.validationData !== undefined && config.validationData !== null) {
      if (!Array.isArray(config.validationData) || config.validationData.length !== 2) {
        throw new ValueError('validationData must be [x, y]');
      }
      valX = edge.checkXs(config.validationData[0], 'validationData x');
      valY = edge.checkYs(config.validationData[1], heads, valX[0].shape[0], 'validationData y');
    } else if (split > 0) {
      nTrain = N - Math.floor(N * split);
      if (nTrain <= 0 || nTrain === N) {
        throw new ValueError(`validationSplit ${split} of ${N} samples leaves ${nTrain} for training and ${N - nTrain} for validation; both need at least one`);
      }
      valX = X;
      valY = Y;
    }
    // validation rows stream through the input buffers at each epoch's end: check them before any training
    const valFrom = valX === X ? nTrain : 0;
    const valN = valX ? (valX === X ? N - nTrain : valX[0].shape[0]) : 0;
    const valWhat = valX === X ? 'x' : 'validationData x';
    if (valX) edge.checkFinite(valX, valFrom, valN, valWhat);

    // the plan holds min(batchSize, samples) rows; the training set and a backup of the weights are the call's own
    const extra = edge.stageBytes(nTrain, Y, heads) + floats(Math.max(params.bytes / F32, 4));
    const rt = this.enter('fit', Math.min(batchSize, nTrain), extra, batchSize, 'train');
    this.fitRt = rt;
    this.stopTraining = false;
    let train: Staged | undefined;
    let backupPtr = 0;
    try {
      try {
        train = edge.stage(rt, this.mem, X, Y, heads, 0, nTrain, 'x');
        backupPtr = this.mem.allocTemp(Math.max(params.bytes, 16));
      } catch (e) {
        throw this.memoryError(e, 'fit', batchSize, Math.min(batchSize, nTrain), extra, rt, 'train');
      }
      const rtOf = () => this.rt;
      const planOf = () => this.plan!;
      const source = stagedSource(rtOf, planOf, edge, train, heads, Y, batchSize, shuffle ? this.shuffleRng : undefined, W);
      return await runEpochs({
        target: this, name: this.name, rt: rtOf, plan: planOf, step, params, pos: this.pos, source,
        backupPtr, hooks, epochs, initialEpoch, verbose: config.verbose === 1,
        validate: valX && (() => this.evaluateRows(valX, valY!, valFrom, valN, this.plan!.plan.rows, valWhat)),
      });
    } finally {
      unstage(this.mem, train);
      if (backupPtr) this.mem.releaseTemp(backupPtr);
      this.fitRt = undefined;
      this.leave();
    }
  }

  /**
   * Trains the model on a dataset of batches, as TF.js's fitDataset: `dataset` is an nn.data Dataset, any sync or
   * async iterable (a generator object, a list), or a TF.js dataset, whose elements are `{ xs, ys }` batches (xs
   * and ys as fit's x and y: tensors or nested arrays, a list in input / output order or a map by name for several).
   * The batches are read one at a time, each copied into the model's memory for its step, so the data never has
   * to fit in memory. Each batch is one optimizer step, the same step fit takes: the same data in the same batches
   * gives fit's weights and History bit for bit. Without batchesPerEpoch an epoch runs to the dataset's end and
   * the next epoch iterates it anew (an iterable that cannot restart, such as a generator object, is a ValueError
   * in its second epoch). Batches may differ in size; the memory is planned for the largest one so far. Callbacks,
   * logs and History as fit's. An error thrown while reading the dataset (in the user's generator or map) is a
   * DataError naming the epoch and batch, with the error as its `cause`; a malformed batch is a ValueError or
   * ShapeError naming the batch. Other errors as fit's.
   *
   * @example
   * const ds = nn.data.generator(function* () {
   *   for (let i = 0; i < 10_000; i++) yield { xs: sample(i), ys: label(i) };
   * }).shuffle(1000, 1).batch(64);
   * const history = await model.fitDataset(ds, { epochs: 3, validationData: [valX, valY] });
   */
  async fitDataset(dataset: unknown, options?: FitDatasetConfig): Promise<History> {
    this.live('fit');
    const step = this.requireCompiled('fitDataset');
    if (this.fitRt || this.fitStarting) {
      throw new StateError(`model '${this.name}' is already in a fit: one fit at a time per model (await the fit in progress first)`);
    }
    if (options && typeof options === 'object' && 'validationSplit' in options) throw new ValueError('fitDataset: validationSplit is not supported; pass validationData');
    const config = optionsOf<FitDatasetConfig>('fitDataset', options, FIT_DATASET_OPTIONS);
    checkDataset(dataset, 'fitDataset: dataset');
    const epochs = positiveInt('fitDataset: epochs', config.epochs ?? 1);
    const perEpoch = config.batchesPerEpoch === undefined ? undefined : positiveInt('fitDataset: batchesPerEpoch', config.batchesPerEpoch);
    const initialEpoch = intOption('fitDataset: initialEpoch', config.initialEpoch ?? 0, 0);
    const valBatchSize = positiveInt('fitDataset: validationBatchSize', config.validationBatchSize ?? 32);
    const valBatches = config.validationBatches === undefined ? undefined : positiveInt('fitDataset: validationBatches', config.validationBatches);
    if (config.verbose !== undefined && config.verbose !== 0 && config.verbose !== 1) {
      throw new ValueError(`fitDataset: verbose must be 0 (silent) or 1 (a progress bar), got ${show(config.verbose)}`);
    }
    const hooks = callbackList(config.callbacks);
    const params = this.built();
    const heads = step.heads.heads;
    // validation: a dataset read at each epoch's end, or [x, y] checked now
    let valX: Tensor[] | undefined;
    let valY: Target[] | undefined;
    let valData: unknown;
    const vd = config.validationData;
    if (Array.isArray(vd) && vd.length === 2) {
      valX = this.edge.checkXs(vd[0], 'validationData x');
      valY = this.edge.checkYs(vd[1], heads, valX[0].shape[0], 'validationData y');
      this.edge.checkFinite(valX, 0, valX[0].shape[0], 'validationData x');
      if (valBatches !== undefined) throw new ValueError('fitDataset: validationBatches is for a validation dataset');
    } else if (isDataset(vd) && !Array.isArray(vd)) {
      valData = vd;
    } else if (vd !== undefined && vd !== null) {
      throw new ValueError(`fitDataset: validationData must be a dataset of { xs, ys } batches or [x, y], got ${show(vd)}`);
    }

    // the first batch is read before anything is planned: the memory is planned for its rows
    this.fitStarting = true;
    let reader: BatchReader | undefined;
    let first: StreamBatch | undefined;
    const extra = floats(Math.max(params.bytes / F32, 4));
    let rt: Runtime;
    try {
      reader = await openBatches(dataset);
      const r = await readBatch(reader, 'fitDataset', initialEpoch, 0);
      if (r.done) throw new ValueError('fitDataset: the dataset gave no batches');
      first = this.streamBatch(r.value, 'fitDataset', 0, config.classWeight);
      rt = this.enter('fit', first.rows, extra, first.rows, 'train');
    } catch (e) {
      await reader?.close().catch(() => {});
      throw e;
    } finally {
      this.fitStarting = false;
    }
    this.fitRt = rt;
    this.stopTraining = false;
    let backupPtr = 0;
    try {
      try {
        backupPtr = this.mem.allocTemp(Math.max(params.bytes, 16));
      } catch (e) {
        throw this.memoryError(e, 'fit', first!.rows, first!.rows, extra, rt, 'train');
      }
      let current: StreamBatch | undefined;
      let batches = 0;
      let complete = false;
      let more = true;
      const source: BatchSource = {
        samples: 0,
        get weights() { return current?.weights; },
        get complete() { return complete; },
        get more() { return more; },
        beginEpoch: async () => {
          batches = 0;
          complete = false;
          if (perEpoch === undefined && !first && !reader) reader = await openBatches(dataset);
        },
        next: async (epoch, b) => {
          if (perEpoch !== undefined && b >= perEpoch) {
            complete = true;
            return 0;
          }
          let batch: StreamBatch;
          if (first) {
            batch = first;
            first = undefined;
          } else {
            const r = await readBatch(reader!, 'fitDataset', epoch, b);
            if (r.done) {
              complete = true;
              if (perEpoch !== undefined) {
                more = false;
                console.warn(`fitDataset: the dataset ran out of data after ${b} batches of epoch ${epoch + 1} (batchesPerEpoch ${perEpoch}); training stops (try repeat())`);
              } else {
                reader = undefined;
                if (batches === 0) {
                  throw new ValueError(`fitDataset: the dataset gave no batches in epoch ${epoch + 1}; an iterable that cannot start again ` +
                    '(a generator object) serves one epoch: use nn.data.generator(fn)');
                }
              }
              return 0;
            }
            batch = this.streamBatch(r.value, 'fitDataset', b, config.classWeight);
          }
          // a batch larger than any before: plan for it (between steps; the plan holds no training state)
          if (batch.rows > this.plan!.plan.rows) this.planRows('fit', batch.rows, 'train');
          current = batch;
          batches++;
          return batch.rows;
        },
        load: () => {
          const c = current!;
          this.edge.load(this.rt, this.plan!, c.xs, c.ys, heads, 0, c.rows, c.label);
        },
      };
      const rowsNow = () => this.plan!.plan.rows;
      return await runEpochs({
        target: this, name: this.name, rt: () => this.rt, plan: () => this.plan!, step, params, pos: this.pos, source,
        backupPtr, hooks, epochs, initialEpoch, verbose: config.verbose === 1,
        validate: valX ? () => this.evaluateRows(valX, valY!, 0, valX[0].shape[0], Math.min(valBatchSize, rowsNow()), 'validationData x')
          : valData !== undefined ? () => this.evaluateStream(valData, valBatches, 'fitDataset (validationData)') : undefined,
      });
    } finally {
      if (reader) await reader.close().catch(() => {});
      if (backupPtr) this.mem.releaseTemp(backupPtr);
      this.fitRt = undefined;
      this.leave();
    }
  }

  /**
   * Loss and metrics over a dataset of `{ xs, ys }` batches (as fitDataset takes), as TF.js's evaluateDataset:
   * resolves to the logs evaluate returns, each the mean over all the samples read. `batches` limits how many
   * batches are read (default: until the dataset ends). Errors as fitDataset's; StateError before compile.
   *
   * @example
   * const { loss, accuracy } = await model.evaluateDataset(nn.data.zip({ xs, ys }).batch(256));
   */
  async evaluateDataset(dataset: unknown, options?: EvaluateDatasetConfig): Promise<Logs> {
    this.live('evaluate');
    const config = optionsOf<EvaluateDatasetConfig>('evaluateDataset', options, EVALUATE_DATASET_OPTIONS);
    this.requireCompiled('evaluateDataset');
    checkDataset(dataset, 'evaluateDataset: dataset');
    const limit = config.batches === undefined ? undefined : positiveInt('evaluateDataset: batches', config.batches);
    if (config.verbose) throw new ValueError(`evaluateDataset: verbose must be 0, got ${show(config.verbose)}`);
    this.built();
    return this.evaluateStream(dataset, limit, 'evaluateDataset');
  }

  /** The checked batch `value` (batch index b of the dataset) of a fitDataset or evaluateDataset call. */
  private streamBatch(value: unknown, call: string, b: number, classWeight?: unknown): StreamBatch {
    const { xs, ys } = batchParts(value, call, b);
    const heads = this.compiled!.heads.heads;
    const X = this.edge.checkXs(xs, `xs of batch ${b}`);
    const rows = X[0].shape[0];
    const Y = this.edge.checkYs(ys, heads, rows, `ys of batch ${b}`);
    return { xs: X, ys: Y, rows, weights: sampleWeights(classWeight, undefined, Y, heads, rows, `ys of batch ${b}`), label: `xs of batch ${b}` };
  }

  /** Replans for `rows` rows within a call in progress (the model is pinned and resident). */
  private planRows(what: string, rows: number, mode: PlanMode): void {
    this.enter(what, rows, 0, rows, mode);
    this.leave();
  }

  /**
   * Loss and metrics over the batches of `dataset` (at most `limit`), each through the plan in pieces of its rows.
   * Outside a fit the model is made resident for the call, planned for the first batch's rows.
   */
  private async evaluateStream(dataset: unknown, limit: number | undefined, call: string): Promise<Logs> {
    const inFit = this.fitRt !== undefined;
    const reader = await openBatches(dataset);
    let entered = false;
    try {
      const t = this.evalTotals();
      for (let b = 0; limit === undefined || b < limit; b++) {
        const r = await readBatch(reader, call, -1, b);
        if (r.done) break;
        const batch = this.streamBatch(r.value, call, b);
        if (!inFit && !entered) {
          this.enter('evaluate', batch.rows, 0, batch.rows, 'evaluate');
          entered = true;
        } else if (!this.planServes(1, inFit ? 'train' : 'evaluate')) {
          // another call made while this one awaited its data replanned the model
          this.planRows('evaluate', batch.rows, 'evaluate');
        }
        this.evalAdd(t, batch.xs, batch.ys, 0, batch.rows, this.plan!.plan.rows, batch.label);
      }
      if (t.n === 0) throw new ValueError(`${call}: the dataset gave no batches`);
      return this.evalLogs(t);
    } finally {
      await reader.close().catch(() => {});
      if (entered) this.leave();
    }
  }

  /**
   * One optimizer step on the batch (x, y), all of it at once, as TF.js's trainOnBatch: resolves to the batch's
   * loss, or, when there is more to report, to the list TF.js returns: the total loss, each output's loss (several
   * outputs), then the metrics in {@link metricsNames} order, all measured before the step changed the weights.
   * Counts as an optimizer iteration (schedules, Adam's bias correction), not as an epoch. Dropout is on and batch
   * normalization updates its moving statistics. Errors as fit's (StateError during a fit of this model).
   *
   * @example
   * const loss = await model.trainOnBatch(xBatch, yBatch);               // compiled without metrics
   * const [loss2, accuracy] = await other.trainOnBatch(xBatch, yBatch) as number[];   // metrics: ['accuracy']
   */
  async trainOnBatch(x: unknown, y: unknown): Promise<number | number[]> {
    this.live('train on a batch');
    const step = this.requireCompiled('trainOnBatch');
    this.notInFit('trainOnBatch');
    const params = this.built();
    const heads = step.heads;
    const X = this.edge.checkXs(x, 'x');
    const n = X[0].shape[0];
    const Y = this.edge.checkYs(y, heads.heads, n, 'y');
    const extra = floats(Math.max(params.bytes / F32, 4));
    const rt = this.enter('train on a batch', n, extra, n, 'train');
    let backupPtr = 0;
    let logs: Logs;
    try {
      try {
        backupPtr = this.mem.allocTemp(Math.max(params.bytes, 16));
      } catch (e) {
        throw this.memoryError(e, 'train on a batch', n, n, extra, rt, 'train');
      }
      const k = rt.backend.kernels;
      const p = this.plan!;
      k.f32_copy(params.paramPtr, backupPtr, params.bytes / F32);
      this.edge.load(rt, p, X, Y, heads.heads, 0, n, 'x');
      const each = heads.heads.map(() => 0);
      const states = heads.metricStates();
      const loss = step.train(k, rt.backend.memory, p, params, this.pos, n, -1, 0, each, backupPtr, this.name);
      heads.addMetrics(k, rt.backend.memory, p, states, n);
      logs = heads.logsOf(loss, each, states);
    } finally {
      if (backupPtr) this.mem.releaseTemp(backupPtr);
      this.leave();
    }
    const values = Object.values(logs);
    return values.length === 1 ? values[0] : values;
  }

  /**
   * The loss and metrics on the batch (x, y) without training, as Keras's test_on_batch (TF.js has none): the
   * loss, or the list in {@link metricsNames} order (the total loss, each output's loss for several outputs, the
   * metrics), as trainOnBatch returns them. evaluate with the whole batch at once; StateError before compile.
   *
   * @example
   * const [loss, accuracy] = model.testOnBatch(xBatch, yBatch) as number[];
   */
  testOnBatch(x: unknown, y: unknown): number | number[] {
    this.live('test on a batch');
    this.requireCompiled('testOnBatch');
    this.built();
    const n = this.edge.checkXs(x, 'x')[0].shape[0];
    const values = Object.values(this.evaluate(x, y, { batchSize: n }));
    return values.length === 1 ? values[0] : values;
  }

  /**
   * The model's outputs for the batch x in one forward pass, as TF.js's predictOnBatch (predict with the whole
   * batch at once): [n, ...outputShape], or one tensor per output.
   *
   * @example
   * const probs = model.predictOnBatch(xBatch) as nn.Tensor;
   */
  predictOnBatch(x: unknown): Tensor | Tensor[] {
    this.live('predict on a batch');
    this.built();
    const n = this.edge.checkXs(x, 'x')[0].shape[0];
    return this.predict(x, { batchSize: n });
  }

  /**
   * The names of what trainOnBatch, testOnBatch and the logs report, in their order, as TF.js's metricsNames:
   * 'loss', then each output's loss for several outputs ('digit_loss', ...), then the metrics ('accuracy' or, for
   * several outputs, 'digit_accuracy'). StateError before compile.
   *
   * @example
   * model.metricsNames;   // ['loss', 'accuracy']
   */
  get metricsNames(): string[] {
    const heads = this.requireCompiled('metricsNames').heads;
    return Object.keys(heads.logsOf(0, heads.heads.map(() => 0), heads.heads.map((h) => h.metrics.map(() => 0))));
  }

  /**
   * Runs the model on x ([n, ...inputShape]: nested arrays, a Float32Array with the model's input size per sample
   * or an nn.Tensor; a list or name map for several inputs) and returns [n, ...outputShape], or one tensor per
   * output for a model of several. Dropout is off and batch normalization uses its moving averages. ShapeError for
   * a shape the model does not take, ValueError for NaN or ±Infinity in x.
   *
   * @example
   * const probs = model.predict([[0, 1]]);   // nn.Tensor of shape [1, units]
   */
  predict(x: unknown, config?: PredictConfig): Tensor | Tensor[] {
    config = optionsOf<{ batchSize: number }>('predict', config, PREDICT_OPTIONS);
    this.built();
    const X = this.edge.checkXs(x, 'x');
    const n = X[0].shape[0];
    const batchSize = Math.min(positiveInt('batchSize', config.batchSize ?? 256), n);
    const net = this.network();
    const sizes = net.outputs.map((t) => product(t.shape));
    const outs = sizes.map((s) => new Float32Array(n * s));
    this.enter('predict', batchSize, 0, batchSize, 'predict');
    try {
      for (let start = 0; start < n; start += batchSize) {
        const rows = Math.min(batchSize, n - start);
        const p = this.plan!;
        this.edge.load(this.rt, p, X, undefined, undefined, start, rows, 'x');
        this.forward(rows, false, false);
        const mem = this.rt.backend.memory.f32();
        for (let o = 0; o < outs.length; o++) {
          const at = p.outputPtrs[o] / F32;
          outs[o].set(mem.subarray(at, at + rows * sizes[o]), start * sizes[o]);
        }
      }
    } finally {
      this.leave();
    }
    const tensors = outs.map((out, o) => new Tensor(out, [n, ...net.outputs[o].shape]));
    return tensors.length === 1 ? tensors[0] : tensors;
  }

  /**
   * Loss (and accuracy when compiled with metrics: ['accuracy']) over x and y; for several outputs also each
   * output's (`dense_3_loss`, `dense_3_accuracy`), as the mean over all samples. x and y take the same forms as in
   * fit. `sampleWeight` (as fit's, Keras's sample_weight) weights each sample's loss: Σ wᵢ·lossᵢ / n; metrics
   * are not weighted. StateError before compile.
   *
   * @example
   * const { loss, accuracy } = model.evaluate(testX, testY);
   * model.evaluate(testX, testY, { sampleWeight: [1, 0, 2, 1] });   // four samples, the second left out
   */
  evaluate(x: unknown, y: unknown, config?: EvaluateConfig): Logs {
    this.live('evaluate');
    config = optionsOf<EvaluateConfig>('evaluate', config, EVALUATE_OPTIONS);
    const step = this.requireCompiled('evaluate');
    this.built();
    const X = this.edge.checkXs(x, 'x');
    const Y = this.edge.checkYs(y, step.heads.heads, X[0].shape[0], 'y');
    const W = sampleWeights(undefined, config.sampleWeight, Y, step.heads.heads, X[0].shape[0], 'y');
    const batchSize = Math.min(positiveInt('batchSize', config.batchSize ?? 256), X[0].shape[0]);
    this.enter('evaluate', batchSize, 0, batchSize, 'evaluate');
    try {
      return this.evaluateRows(X, Y, 0, X[0].shape[0], batchSize, 'x', W);
    } finally {
      this.leave();
    }
  }

  /**
   * The loss on (x, y) and its gradient w.r.t. every weight (same order as getWeights), without changing the
   * weights or the optimizer state. Weights that are not trained (frozen layers, batch-norm moving statistics)
   * get zeros.
   *
   * @example
   * const { loss, grads } = model.computeGradients(x, y);
   */
  computeGradients(x: unknown, y: unknown): {
    /** The loss on (x, y), as fit and evaluate compute it. */
    loss: number;
    /** The gradient of `loss` for each weight tensor, shaped like it, in getWeights order. */
    grads: Tensor[];
  } {
    this.live('compute gradients');
    const step = this.requireCompiled('computeGradients');
    const params = this.built();
    const X = this.edge.checkXs(x, 'x');
    const n = X[0].shape[0];
    const Y = this.edge.checkYs(y, step.heads.heads, n, 'y');
    this.enter('compute gradients', n, 0, n, 'train');
    try {
      const rt = this.rt;
      const p = this.plan!;
      this.edge.load(rt, p, X, Y, step.heads.heads, 0, n, 'x');
      // the forward pass runs as in training: batch normalization updates its moving statistics, which this call
      // must leave as they were
      const kept = rt.backend.memory.f32().slice((params.paramPtr + params.trainableBytes) / F32, (params.paramPtr + params.bytes) / F32);
      const loss = step.gradients(rt.backend.kernels, rt.backend.memory, p, params, n);
      const mem = rt.backend.memory.f32();
      mem.set(kept, (params.paramPtr + params.trainableBytes) / F32);
      const grads = params.entries.map((e) => {
        const at = (params.gradPtr + e.offset) / F32;
        return new Tensor(e.trainable ? mem.slice(at, at + e.size) : new Float32Array(e.size), e.spec.shape);
      });
      return { loss, grads };
    } finally {
      this.leave();
    }
  }

  // ---------------------------------------------------------------- weights

  /**
   * The weights in TF.js order: per layer, kernel [inputDim, units] then bias [units].
   *
   * @example
   * const [kernel, bias] = model.getWeights();
   */
  getWeights(): Tensor[] {
    const params = this.built();
    params.sync(false);
    return params.read(params.entries);
  }

  /**
   * Replaces the weights; the list must match getWeights() in count and shapes, with finite values.
   *
   * @example
   * model.setWeights(otherModel.getWeights());
   */
  setWeights(weights: (Tensor | TensorLike)[]): void {
    const params = this.built();
    params.sync(true);
    params.writeChecked(params.entries, weights, `model '${this.name}'`);
  }

  /**
   * All parameters as one flat copy of the parameter block (used to restore best weights): trainable weights
   * first, then non-trainable ones (frozen layers, batch-norm moving statistics), each padded to 4 floats.
   *
   * @example
   * const saved = model.getWeightsFlat();
   * // ... train ...
   * model.setWeightsFlat(saved);
   */
  getWeightsFlat(): Float32Array {
    const params = this.built();
    params.sync(false);
    return params.readFlat();
  }
  /**
   * Puts back a copy from getWeightsFlat of this model (same length, else ShapeError).
   *
   * @example
   * model.setWeightsFlat(model.getWeightsFlat());
   */
  setWeightsFlat(w: Float32Array): void {
    const params = this.built();
    if (w.length !== params.bytes / F32) throw new ShapeError(`flat weights need ${params.bytes / F32} values, got ${w.length}`);
    params.sync(true);
    params.writeFlat(w);
  }

  /**
   * Number of weights (trainable and non-trainable, as TF.js's countParams).
   *
   * @example
   * nn.sequential({ layers: [nn.layers.dense({ units: 10, inputShape: [784] })] }).countParams();   // 7850
   */
  countParams(): number {
    return this.built().count();
  }

  /**
   * Prints (and returns) a table of layers, output shapes and parameter counts (and, for graph models, each
   * layer's inputs), the trainable and non-trainable totals, the bytes of the activations' plan and the backend,
   * one line at a time through `print` (default console.log; ValueError if it is not a function).
   *
   * @example
   * model.summary();
   */
  summary(print: (line: string) => void = console.log): string {
    if (typeof print !== 'function') throw new ValueError(`summary takes a function that prints one line, got ${show(print)}`);
    const params = this.built();
    const net = this.network();
    const graph = !(this instanceof Sequential);
    const rows = [['Layer (type)', 'Output shape', 'Param #', ...(graph ? ['Connected to'] : [])]];
    const count = (l: Layer) => params.count(l);
    const listed = graph ? net.layers : net.layers.filter((l) => !(l instanceof InputLayer));
    for (const l of listed) {
      const steps = net.steps.filter((s) => s.node.layer === l);
      const shapes = l instanceof InputLayer ? [l.outShape] : steps.map((s) => net.values[s.output].shape);
      const from = steps.flatMap((s) => s.node.inputs.map((t) => t.name)).join(', ');
      rows.push([`${l.name} (${l.className})`, shapes.map((s) => `[null, ${s.join(', ')}]`).join(' '), String(count(l)),
        ...(graph ? [from] : [])]);
    }
    const cols = rows[0].length;
    const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)) + 3);
    const line = (r: string[]) => r.map((c, i) => (i === cols - 1 ? c : c.padEnd(w[i]))).join('');
    const rule = '_'.repeat(w.reduce((a, b) => a + b, 0));
    const trainable = params.count(undefined, true);
    const batch = this.plan?.plan.rows ?? 32;
    const text = [rule, line(rows[0]), '='.repeat(rule.length), ...rows.slice(1).map(line), '='.repeat(rule.length),
      `Total params: ${this.countParams()}`, `Trainable params: ${trainable}`, `Non-trainable params: ${this.countParams() - trainable}`,
      `Activation memory for batch ${batch}: ${this.planBytes(batch, true)} bytes training, ${this.planBytes(batch, false)} bytes predicting`,
      `Backend: ${this.rt.backend.name}`, rule].join('\n');
    for (const l of text.split('\n')) print(l);
    return text;
  }

  /**
   * Where this model lives in its backend's memory; for diagnostics and tests of the allocation-free step.
   *
   * @example
   * const { backend, modelBytes } = model.arenaInfo();
   */
  arenaInfo(): {
    /** The backend's name, 'wasm' or 'js'. */
    backend: string;
    /** The size of the backend's memory in bytes. */
    memoryBytes: number;
    /** Byte offset of the resident parameter block (0 when not resident). */
    paramPtr: number;
    /** Byte offset of the plan (activations and gradients; 0 when none). */
    planPtr: number;
    /** Samples the plan holds per call (0 when none). */
    capacity: number;
    /** Bytes the model takes in the backend's memory while resident. */
    modelBytes: number;
  } {
    this.built();
    const m = this.mem;
    return { backend: this.rt.backend.name, memoryBytes: this.rt.backend.memory.byteLength, paramPtr: m.paramPtr,
      planPtr: m.plan, capacity: m.plan && this.plan ? this.plan.plan.rows : 0, modelBytes: m.residentBytes };
  }

  /**
   * Frees the model's memory now instead of when the collector reclaims the model (optional: idle models are
   * also evicted when memory runs short). Idempotent; any later use of the model throws StateError. Its layers
   * keep their weights for the other models that use them.
   *
   * @example
   * model.dispose();
   */
  dispose(): void {
    if (this.disposed) return;
    if (this.fitRt) throw new StateError(`model '${this.name}' cannot be disposed while its fit runs; set model.stopTraining = true and dispose after the fit resolves`);
    // the layers it holds keep their weights, for the other models that use them
    this.params?.release();
    this.disposed = true;
  }

  /** Optimizer updates applied since compile (0 before). */
  get optimizerIterations(): number {
    return this.pos.iterations;
  }

  /**
   * What compile was given (resolved), or undefined before compile. `loss` is one name for a model of one output,
   * else a list in output order.
   */
  get compileConfig(): {
    /** The optimizer in use. */
    optimizer: Optimizer;
    /** The (first output's) loss, by its canonical name ('mse' resolves to 'meanSquaredError'), or a custom loss. */
    loss: LossName | CustomLoss;
    /** Each output's loss, in output order. */
    losses: (LossName | CustomLoss)[];
    /** Each output's weight in the total loss. */
    lossWeights: number[];
    /** The metrics given by name ('acc' as 'accuracy'), of the first output. */
    metrics: string[];
  } | undefined {
    const c = this.compiled;
    const heads = c?.heads.heads;
    return c && heads && { optimizer: c.optimizer, loss: heads[0].custom ?? heads[0].loss as LossName,
      losses: heads.map((h) => h.custom ?? h.loss as LossName),
      lossWeights: heads.map((h) => h.weight), metrics: [...c.heads.metricNames] };
  }

  /**
   * The optimizer's state as tensors shaped like the weights, named `layer/param/slot` (e.g. `dense_1/kernel/m`),
   * in getWeights order for each slot in turn; trained weights only. Empty for plain SGD; StateError before compile.
   *
   * @example
   * model.getOptimizerWeights().map((w) => w.name);   // ['dense_1/kernel/m', ..., 'dense_1/bias/v']
   */
  getOptimizerWeights(): {
    /** `layer/param/slot`, e.g. 'dense_1/kernel/m'. */
    name: string;
    /** The slot's values, shaped like the weight. */
    tensor: Tensor;
  }[] {
    this.live('get its optimizer weights');
    const c = this.requireCompiled('getOptimizerWeights');
    return this.built().readSlots(c.optimizer.slotNames);
  }

  /**
   * Restores state from getOptimizerWeights(): same count, order and shapes (else ShapeError), finite values (else
   * ValueError). StateError before compile.
   *
   * @example
   * copy.setOptimizerWeights(model.getOptimizerWeights());
   */
  setOptimizerWeights(list: { name: string; tensor: Tensor }[]): void {
    this.live('set its optimizer weights');
    const c = this.requireCompiled('setOptimizerWeights');
    this.built().writeSlots(c.optimizer.slotNames, c.optimizer.name, list);
  }

  /**
   * Where training stands: epochs completed, optimizer steps, and the shuffling and dropout streams.
   *
   * @example
   * const state = model.getTrainingState();   // { epochsTrained, iterations, shuffleState, layerRngStates }
   */
  getTrainingState(): TrainingState {
    this.built();
    return { epochsTrained: this.pos.epochsTrained, iterations: this.pos.iterations, shuffleState: this.shuffleRng.getState(),
      layerRngStates: this.rngLayers().map((l) => l.rng?.getState() ?? null) };
  }

  /** The layers whose random streams the training state records: every layer but the InputLayers. */
  private rngLayers(): Layer[] {
    return this.network().layers.filter((l) => !(l instanceof InputLayer));
  }

  /**
   * Restores getTrainingState(), so that the next fit continues exactly as if training had not stopped.
   * ValueError for a malformed state; StateError during a fit.
   *
   * @example
   * copy.setTrainingState(model.getTrainingState());
   */
  setTrainingState(s: TrainingState): void {
    this.built();
    this.notInFit('setTrainingState');
    if (!s || !Number.isInteger(s.epochsTrained) || s.epochsTrained < 0 || !Number.isInteger(s.iterations) || s.iterations < 0) {
      throw new ValueError(`training state needs integer epochsTrained and iterations ≥ 0, got ${JSON.stringify(s)}`);
    }
    const layers = this.rngLayers();
    const layerStates = s.layerRngStates ?? [];
    if (!Array.isArray(layerStates) || (layerStates.length !== 0 && layerStates.length !== layers.length)) {
      throw new ValueError(`training state: layerRngStates must have one entry per layer (${layers.length})`);
    }
    try {
      this.shuffleRng.setState(s.shuffleState);
      layerStates.forEach((st, i) => { if (st && layers[i].rng) layers[i].rng!.setState(st); });
    } catch (e) {
      throw new ValueError(`training state: ${(e as Error).message}`);
    }
    this.pos.epochsTrained = s.epochsTrained;
    this.pos.iterations = s.iterations;
  }

  /**
   * The model as data (train/state.ts): its TF.js topology, weights and seed, and, when `withTraining` and the
   * model is compiled, what compile was given, the optimizer's state and the training position. What io writes
   * and fitInWorker sends. Fails (ValueError) for a training part whose learning-rate schedule has no config.
   *
   * @example
   * const s = model.snapshot();
   * s.weights.map((w) => w.name);   // ['dense_1/kernel', 'dense_1/bias', ...]
   */
  snapshot(withTraining = true): ModelSnapshot {
    const params = this.built();
    const names = params.entries.map((e) => `${e.layer.name}/${e.spec.name}`);
    const weights = this.getWeights().map((t, i) => ({ name: names[i], data: t.data, shape: [...t.shape] }));
    const c = this.compiled;
    let training: TrainingSnapshot | undefined;
    if (withTraining && c) {
      const heads = c.heads.heads;
      training = {
        optimizer: optimizerToSnapshot(c.optimizer, `model '${this.name}'`),
        losses: heads.map((h) => h.custom ?? h.loss as LossName), lossWeights: heads.map((h) => h.weight), metrics: [...c.heads.metricNames],
        slots: this.getOptimizerWeights().map((w) => ({ name: w.name, data: w.tensor.data, shape: [...w.tensor.shape] })),
        position: this.getTrainingState(),
      };
    }
    return { topology: this.tfjsTopology(), name: this.name, seed: this.seed, weights, ...(training ? { training } : {}) };
  }

  /**
   * Puts a snapshot's weights, and its optimizer state and training position when it has a training part, into
   * this model (of the same topology and compile, as fitInWorker's worker sends them back). ShapeError or
   * ValueError as setWeights gives.
   *
   * @example
   * copy.restore(model.snapshot());
   */
  restore(s: Pick<ModelSnapshot, 'weights' | 'training'>): void {
    this.setWeights(s.weights.map((w) => new Tensor(w.data, w.shape)));
    if (!s.training) return;
    this.setOptimizerWeights(s.training.slots.map((w) => ({ name: w.name, tensor: new Tensor(w.data, w.shape) })));
    this.setTrainingState(s.training.position);
  }

  /** The topology in TF.js's file format: a functional model (Sequential overrides it). */
  protected tfjsTopology(): Record<string, unknown> {
    return functionalToTfjs(this.name, this.inputs, this.outputs);
  }

  /**
   * The model's topology as Keras / TF.js JSON: `{ className: 'Functional', config: { name, layers, inputLayers,
   * outputLayers } }`, each layer with its `inboundNodes` (Sequential: `{ className: 'Sequential', config: { name,
   * layers } }`).
   */
  toJSON(): Record<string, unknown> {
    const net = this.network();
    // a layer's nodes are numbered among those in this model, as Keras does
    const nodeIndex = new Map<object, number>();
    for (const l of net.layers) {
      let k = 0;
      for (const node of l.inboundNodes) {
        if (l instanceof InputLayer ? net.inputs.includes(node.output) : net.steps.some((s) => s.node === node)) nodeIndex.set(node, k++);
      }
    }
    const ref = (t: SymbolicTensor) => [t.sourceLayer.name, nodeIndex.get(t.node) ?? 0, 0];
    const layers = net.layers.map((l) => {
      const steps = net.steps.filter((s) => s.node.layer === l);
      return { ...l.toJSON(), name: l.name, inboundNodes: steps.map((s) => s.node.inputs.map((t) => [...ref(t), {}])) };
    });
    return { className: 'Functional', config: { name: this.name, layers, inputLayers: net.inputs.map(ref), outputLayers: net.outputs.map(ref) } };
  }

  /**
   * Saves the model in the TF.js Layers format (src/io/save.ts): 'file://dir' (Node, atomic), 'indexeddb://name',
   * 'localstorage://name', 'downloads://name', or a handler such as nn.io.withSaveHandler. `includeOptimizer: true`
   * also stores what nn.loadModel needs to continue training exactly. Resolves to what was written (sizes, date);
   * rejects with FormatError or the target's error (e.g. a full disk or a storage quota); 'file://' writes atomically.
   *
   * @example
   * await model.save('file://./my-model', { includeOptimizer: true });
   * const resumed = await nn.loadModel('file://./my-model');
   */
  async save(target: SaveTarget, options?: SaveOptions): Promise<SaveResult> {
    return saveModel(this, target, options);
  }
}

/**
 * A linear stack of layers, trained with compile + fit like a TF.js Sequential: a chain built on the same graph
 * engine as {@link model}.
 *
 * @example
 * const model = nn.sequential({ seed: 42, layers: [
 *   nn.layers.dense({ units: 16, activation: 'relu', inputShape: [2] }),
 *   nn.layers.dense({ units: 1, activation: 'sigmoid' }) ] });
 * model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
 * await model.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 200 });
 * model.predict([[1, 0]]).data; // ≈ [1]
 */
export class Sequential extends LayersModel {
  private readonly chain: Layer[] = [];

  constructor(config?: SequentialConfig) {
    const c = optionsOf<SequentialConfig>('sequential', config, SEQUENTIAL_OPTIONS);
    super({ seed: c.seed, name: c.name } as ModelConfig, 'sequential', 'sequential', ['seed', 'name']);
    const layers = c.layers ?? [];
    if (!Array.isArray(layers)) throw new ValueError(`sequential: layers must be an array of layers from nn.layers, got ${show(layers)}`);
    // check every layer before claiming any, so that a refused list leaves every layer free
    layers.forEach((l, i) => {
      this.checkLayer(l);
      if (layers.indexOf(l) !== i) throw new ValueError(`layer '${l.name}' is given twice to model '${this.name}'`);
      const j = layers.findIndex((o) => o.name === l.name);
      if (j < i) throw this.duplicateName(l, j, layers[j]);
    });
    for (const l of layers) this.add(l);
  }

  /** The layers, first to last (without an InputLayer, as TF.js's Sequential). */
  override get layers(): Layer[] {
    return [...this.chain];
  }

  /**
   * Appends a layer (before the model is first used; StateError after). ValueError for something that is not a
   * layer, a layer given twice or a duplicate name; StateError for a layer another model owns.
   *
   * @example
   * const model = nn.sequential();
   * model.add(nn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }));
   * model.add(nn.layers.dense({ units: 3, activation: 'softmax' }));
   */
  add(layer: Layer): void {
    this.live('add a layer');
    this.checkLayer(layer);
    if (this.net) throw new StateError(`cannot add layer '${layer.name}': model '${this.name}' is already built`);
    if (layer instanceof InputLayer) throw new ValueError(`model '${this.name}': a Sequential model makes its own input; give the first layer an inputShape instead of adding an InputLayer`);
    if (this.chain.includes(layer)) throw new ValueError(`layer '${layer.name}' is already in model '${this.name}'`);
    const i = this.chain.findIndex((l) => l.name === layer.name);
    if (i >= 0) throw this.duplicateName(layer, i, this.chain[i]);
    this.chain.push(layer);
  }

  /**
   * Runs the model on x ([n, ...inputShape]) and returns [n, ...outputShape] (see {@link LayersModel.predict}).
   *
   * @example
   * const probs = model.predict([[0, 1]]);   // nn.Tensor of shape [1, units]
   */
  override predict(x: unknown, config?: PredictConfig): Tensor {
    return super.predict(x, config) as Tensor;
  }

  /** Applies the layers in turn to an input of the first one's inputShape; a failure leaves every layer as it was. */
  protected override buildNetwork(): void {
    if (this.chain.length === 0) throw new StateError(`model '${this.name}' has no layers`);
    const first = this.chain[0];
    if (!first.inputShape) {
      throw new ShapeError(`the first layer '${first.name}' needs an inputShape, e.g. inputShape: [784]`);
    }
    const before = this.chain.map((l) => ({ built: l.built, nodes: l.inboundNodes.length }));
    try {
      const input = new InputLayer(first.inputShape, undefined).tensor;
      let t = input;
      for (const l of this.chain) t = l.connect([t]).output;
      this.net = new Network([input], [t], `model '${this.name}'`);
    } catch (e) {
      this.chain.forEach((l, i) => {
        l.inboundNodes.length = before[i].nodes;
        if (!before[i].built) {
          l.inShapes = [];
          l.inShape = [];
          l.outShape = [];
        }
      });
      throw e;
    }
  }

  /** The topology in TF.js's file format: a Sequential chain. */
  protected override tfjsTopology(): Record<string, unknown> {
    return topologyToTfjs(this.name, this.chain);
  }

  /**
   * The Keras-style `{ className: 'Sequential', config: { name, layers } }` that a saved model.json holds as its
   * topology (JSON.stringify uses it).
   *
   * @example
   * JSON.stringify(model);   // '{"className":"Sequential","config":{"name":"sequential","layers":[...]}}'
   */
  override toJSON(): Record<string, unknown> {
    return { className: 'Sequential', config: { name: this.name, layers: this.chain.map((l) => l.toJSON()) } };
  }
}

/**
 * Creates a Sequential model: a linear stack of layers (see {@link SequentialConfig}). ValueError for bad options.
 *
 * @example
 * const model = nn.sequential({ seed: 42, layers: [nn.layers.dense({ units: 10, inputShape: [784], activation: 'softmax' })] });
 */
export function sequential(c?: SequentialConfig): Sequential {
  return new Sequential(c);
}

/**
 * Creates a graph model from symbolic inputs and outputs (TF.js's `tf.model`): any acyclic graph of layers,
 * several inputs and outputs, layers applied at several places (shared weights).
 *
 * @example
 * const a = nn.input({ shape: [8], name: 'a' });
 * const b = nn.input({ shape: [8], name: 'b' });
 * const shared = nn.layers.dense({ units: 4, activation: 'relu' });
 * const sum = nn.layers.add().apply([shared.apply(a), shared.apply(b)]);
 * const out = nn.layers.dense({ units: 1, activation: 'sigmoid', name: 'same' }).apply(sum);
 * const model = nn.model({ inputs: [a, b], outputs: out });
 */
export function model(c: ModelConfig): LayersModel {
  return new LayersModel(c, 'model', 'model', MODEL_OPTIONS);
}
