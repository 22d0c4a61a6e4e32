import { runtime, type Runtime } from './backend/index';
import { Callback, callbackList, type CallbackHooks, type Logs, type TrainingTarget } from './callbacks';
import { MemoryError, ShapeError, StateError, TrainingError, ValueError } from './errors';
import { type BoundPlan, GraphPlan, MODES, type PlanMode } from './graph/plan';
import { Network } from './graph/network';
import { initialize } from './initializers';
import type { SaveOptions, SaveResult, SaveTarget } from './io/model-io';
import { InputLayer } from './layers/input';
import { checkedWeight, checkWeightCount, Layer, type ParamSpec, SymbolicTensor, type WeightHolder } from './layers/layer';
import { alignBytes } from './memory/heap';
import { ModelMemory } from './memory/residency';
import { isSparse, lossName, type LossName } from './losses';
import { type Metric, type MetricSpec, type MetricState, resolveMetric } from './metrics';
import { type Optimizer, toOptimizer } from './optimizers';
import { boolOption, intOption, nameOption, numberOption, optionsOf, show } from './options';
import { ProgressBar } from './progress';
import { Rng } from './random';
import { Tensor, toTensor, type TensorLike } from './tensor';

const F32 = 4;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** Bytes of `count` floats, 16-byte aligned, in checked arithmetic. */
const floats = (count: number) => alignBytes(count * F32);

/** Frees a dropped model's blocks in linear memory once the collector reclaims it (eviction is the backstop). */
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<ModelMemory>((m) => m.release())
  : undefined;

interface ParamEntry {
  readonly layer: Layer;
  readonly spec: ParamSpec;
  /** Byte offset from the start of the parameter block. */
  readonly offset: number;
  readonly size: number;
  /** In the trainable part of the block (the optimizer updates it). */
  readonly trainable: boolean;
}


/** The loss head of one output: its loss, its weight in the total, and its metric. */
interface Head {
  /** The output's name in logs and name maps: its layer's name. */
  readonly name: string;
  readonly loss: LossName;
  readonly weight: number;
  /** A softmax output trained through the fused softmax + cross-entropy kernel. */
  readonly fused: boolean;
  /** The metrics compile asked for on this output. */
  readonly metrics: readonly Metric[];
  /** Floats per sample, and the sample shape. */
  readonly size: number;
  readonly shape: readonly number[];
  readonly layer: Layer;
}

interface Compiled {
  readonly optimizer: Optimizer;
  readonly heads: readonly Head[];
  /** compile's metrics by name (custom ones by their name), for saving the training configuration. */
  readonly metrics: readonly string[];
  /** Per step of the network: true when the loss head owns that step's softmax (left out of its forward). */
  readonly logits: readonly boolean[];
}

/** Data copied into the arena for a fit call: per input, per output, and the row order. */
interface Staged {
  xs: number[];
  /** Per output: f32 targets [n, size] or i32 labels [n]. */
  ys: number[];
  idx: number;
  n: number;
}

/** Per output: float targets, or integer labels for sparseCategoricalCrossentropy. */
type Target = Tensor | Int32Array;

/** A value per output: one for all, a list in output order, or a map by output name. */
type PerOutput<T> = T | T[] | Record<string, T>;

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
   * The loss to minimize, by name: 'meanSquaredError' (alias 'mse'), 'binaryCrossentropy', 'categoricalCrossentropy'
   * or 'sparseCategoricalCrossentropy' (integer labels; needs at least 2 output units). Required. A softmax output
   * with a cross-entropy loss runs one fused, numerically stable kernel. For a model with several outputs: one name
   * for all, a list in output order, or a map by output layer name.
   */
  loss: PerOutput<string>;
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
}

/**
 * What fit returns: per-epoch logs, as TF.js' History.
 *
 * @example
 * const h = await model.fit(x, y, { epochs: 5, validationSplit: 0.2 });
 * h.epoch;                 // [0, 1, 2, 3, 4]
 * h.history.val_loss[4];   // the last epoch's validation loss
 */
export class History {
  /** The epoch numbers that ran, in order (from initialEpoch). */
  readonly epoch: number[] = [];
  /** Each log key ('loss', 'accuracy', 'val_loss', ...) with one value per epoch, in the order of `epoch`. */
  readonly history: Record<string, number[]> = {};
  /** @internal */
  push(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/**
 * Where training stands (see {@link LayersModel.getTrainingState}); plain JSON.
 *
 * @example
 * const state = model.getTrainingState();
 * other.setTrainingState(JSON.parse(JSON.stringify(state)));
 */
export interface TrainingState {
  /** Epochs completed by fit over the model's life, an integer ≥ 0. */
  epochsTrained: number;
  /** Optimizer steps since compile, an integer ≥ 0 (drives schedules and Adam's bias correction). */
  iterations: number;
  /** The state of the stream that shuffles the samples, as the Rng's getState gives it. */
  shuffleState: number[];
  /** Per layer, the state of its random stream (dropout), or null. */
  layerRngStates?: (number[] | null)[];
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

function positiveInt(what: string, v: unknown): number {
  return intOption(what, v, 1);
}

/** The options of sequential, model, compile, fit, predict and evaluate. */
export const SEQUENTIAL_OPTIONS = ['layers', 'seed', 'name'] as const;
export const MODEL_OPTIONS = ['inputs', 'outputs', 'seed', 'name'] as const;
export const COMPILE_OPTIONS = ['optimizer', 'loss', 'lossWeights', 'metrics'] as const;
export const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'verbose', 'callbacks',
  'initialEpoch'] as const;
export const PREDICT_OPTIONS = ['batchSize'] as const;

const nextTick = () => new Promise<void>((r) => setTimeout(r, 0));
const isThenable = (v: unknown): v is Promise<unknown> => !!v && typeof (v as Promise<unknown>).then === 'function';

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
  private built = false;
  /** The parameters' home on the JS heap and their resident copy (set by build). */
  private mem!: ModelMemory;
  private entries: ParamEntry[] = [];
  private byLayer = new Map<Layer, ParamEntry[]>();
  /** The layers that have weights, in order. */
  private weighted: Layer[] = [];
  private paramBytes = 0;
  /** Bytes of the leading trainable part of the parameter block (what the optimizer updates). */
  private trainableBytes = 0;
  private paramPtr = 0;
  private gradPtr = 0;
  private statePtrs: number[] = [];
  private compiled: Compiled | undefined;
  private iterations = 0;
  /** Epochs completed by fit over the model's life. */
  private epochsTrained = 0;
  /** The plan in use; valid while planGeneration equals the memory's generation. */
  private plan: BoundPlan | undefined;
  private planGeneration = -1;
  /** During fit: a copy of the weights at the start of the epoch, restored if an update overflows. */
  private backupPtr = 0;
  private inSizes: number[] = [];
  /** The runtime of the fit in progress: a model stays on its backend until its fit ends. */
  private fitRt: Runtime | undefined;
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

  /** The parameter layout for the layers' current `trainable` flags: trainable weights first, in one block. */
  private layout(net: Network): { entries: ParamEntry[]; bytes: number; trainable: number } {
    const specs = net.layers.flatMap((layer) => layer.params().map((spec) => ({ layer, spec, size: product(spec.shape),
      trainable: (spec.trainable ?? true) && layer.trainable })));
    checkWeightCount(`model '${this.name}'`, specs.reduce((a, e) => a + e.size, 0));
    const offsets = new Map<object, number>();
    let offset = 0;
    let trainable = 0;
    for (const pass of [true, false]) {
      for (const e of specs) {
        if (e.trainable !== pass) continue;
        offsets.set(e, offset);
        offset += floats(e.size);
      }
      if (pass) trainable = offset;
    }
    // with its gradients the block must fit in the largest linear memory (wasm32: 4 GiB)
    if (2 * offset > 2 ** 32) {
      throw new MemoryError(`model '${this.name}' has ${specs.reduce((a, e) => a + e.size, 0)} weights: with their gradients they need ` +
        `${2 * offset} bytes, more than the 4 GiB of wasm32 memory`, 2 * offset, 2 ** 32);
    }
    // `entries` stays in TF.js weight order (per layer, as params() lists them)
    return { entries: specs.map((e) => ({ ...e, offset: offsets.get(e)! })), bytes: offset, trainable };
  }

  private newMemory(bytes: number, trainable: number): ModelMemory {
    try {
      return new ModelMemory(bytes, trainable);
    } catch (e) {
      throw new MemoryError(`model '${this.name}' needs ${bytes} bytes for its weights, which the JS heap refused (${(e as Error).message})`, bytes, 0);
    }
  }

  private setLayout(l: { entries: ParamEntry[]; bytes: number; trainable: number }): void {
    this.entries = l.entries;
    this.paramBytes = l.bytes;
    this.trainableBytes = l.trainable;
    this.byLayer = new Map();
    for (const e of l.entries) {
      const list = this.byLayer.get(e.layer) ?? [];
      list.push(e);
      this.byLayer.set(e.layer, list);
    }
    this.weighted = [...this.byLayer.keys()];
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
    this.live('be used');
    if (this.built) {
      this.follow();
      return;
    }
    const net = this.network();
    const l = this.layout(net);
    const mem = this.newMemory(l.bytes, l.trainable);
    this.setLayout(l);
    // a layer another model uses already has its random stream and its weights: they are shared, not drawn again
    for (const layer of net.layers) {
      if (!layer.usesRng) continue;
      const rng = this.initRng.fork();
      layer.rng ??= rng;
    }
    this.inSizes = net.inputs.map((t) => product(t.shape));
    for (const e of this.entries) {
      if (e.layer.store) continue;
      initialize(e.spec.initializer, e.spec.shape, mem.params.subarray(e.offset / F32, e.offset / F32 + e.size), this.initRng);
    }
    this.mem = mem;
    this.built = true;
    for (const layer of this.byLayer.keys()) layer.store ??= { holder: this, home: undefined };
    finalizer?.register(this, mem, this);
    this.sync(false);
  }

  /** True while the model's fit runs (its weights are changing). @internal */
  get training(): boolean {
    return this.fitRt !== undefined;
  }

  /**
   * Takes over the current copy of every shared layer's weights that another model holds (or that a disposed one
   * left home), so that this model computes with them. A holder in its fit keeps its copy (this model reads it);
   * writing then is a StateError.
   */
  private sync(write: boolean): void {
    for (const layer of this.weighted) {
      const st = layer.store!;
      if (st.holder === this) continue;
      const entries = this.byLayer.get(layer)!;
      const holder = st.holder;
      if (holder?.training && write) {
        throw new StateError(`layer '${layer.name}' is shared with model '${holder.name}', whose fit is running: model '${this.name}' ` +
          'cannot change its weights until that fit resolves');
      }
      this.writeEntries(entries, holder ? holder.readLayer(layer) : st.home!);
      if (holder?.training) continue;
      st.holder = this;
      st.home = undefined;
    }
  }

  /** A copy of one layer's weights as this model holds them. @internal */
  readLayer(layer: Layer): Float32Array[] {
    return this.readEntries(this.byLayer.get(layer) ?? []).map((t) => t.data);
  }

  /** Replaces one layer's weights in this model's copy. @internal */
  writeLayer(layer: Layer, values: Float32Array[]): void {
    this.notInFit(`setWeights of layer '${layer.name}'`);
    this.writeEntries(this.byLayer.get(layer) ?? [], values);
  }

  /**
   * Moves the weights to a new layout when layers' `trainable` flags changed since the last one (at compile, as in
   * Keras). Optimizer state is reset by compile anyway.
   */
  private relayout(): void {
    const l = this.layout(this.network());
    if (l.trainable === this.trainableBytes && l.entries.every((e, i) => e.offset === this.entries[i].offset)) return;
    const values = this.getWeights().map((t) => t.data);
    const mem = this.newMemory(l.bytes, l.trainable);
    l.entries.forEach((e, i) => mem.params.set(values[i], e.offset / F32));
    finalizer?.unregister(this);
    this.mem.release();
    this.mem = mem;
    this.setLayout(l);
    this.plan = undefined;
    this.planGeneration = -1;
    finalizer?.register(this, mem, this);
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

  /** The parameter block as floats, and the index of its first: the resident copy when there is one, else the home. */
  private paramsView(): [Float32Array, number] {
    const m = this.mem;
    return m.core && m.rt ? [m.rt.backend.memory.f32(), m.paramPtr / F32] : [m.params, 0];
  }
  /** Optimizer slot `s` as floats, and the index of its first. */
  private slotView(s: number): [Float32Array, number] {
    const m = this.mem;
    return m.core && m.rt ? [m.rt.backend.memory.f32(), m.statePtr(s) / F32] : [m.state[s], 0];
  }

  private readParams(): Float32Array {
    const [f, at] = this.paramsView();
    return f.slice(at, at + this.paramBytes / F32);
  }

  private writeEntries(entries: readonly ParamEntry[], values: Float32Array[]): void {
    const [f, at] = this.paramsView();
    entries.forEach((e, i) => f.set(values[i], at + e.offset / F32));
  }

  /** The arena plan for `rows` samples and what `mode` needs, placed but not allocated. */
  private planFor(rows: number, mode: PlanMode): GraphPlan {
    return new GraphPlan(this.network(), rows, mode, {
      trains: (layer) => (this.byLayer.get(layer) ?? []).some((e) => e.trainable),
      sizes: (layer) => (this.byLayer.get(layer) ?? []).map((e) => e.size),
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
    this.build();
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
      this.bind();
      this.sync(mode === 'train');
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

  /** Re-reads the core block's pointers after the model became resident. */
  private bind(): void {
    const m = this.mem;
    this.paramPtr = m.paramPtr;
    this.gradPtr = m.gradPtr;
    this.statePtrs = m.state.map((_, s) => m.statePtr(s));
  }

  /** Allocates the plan block and binds the network's steps to it (one block, kept while the model is resident). */
  private place(plan: GraphPlan): void {
    const base = this.mem.replan(plan.bytes, this.mem.pins > 1);
    this.plan = plan.bind(base, (layer) => {
      const mine = this.byLayer.get(layer) ?? [];
      return { ptrs: mine.map((e) => this.paramPtr + e.offset), grads: mine.map((e) => this.gradPtr + e.offset) };
    });
    this.planGeneration = this.mem.generation;
  }

  /**
   * Bytes of the activation memory (values, gradients, workspace, the batch's data) for a batch of `rows`, to
   * train (`true`) or to predict (`false`): what summary() reports.
   */
  planBytes(rows: number, training: boolean): number {
    this.build();
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
    this.build();
    const net = this.network();
    const names = net.outputs.map((t) => t.sourceLayer.name);
    // a list applies to every output; a map by output name gives each its own (outputs it leaves out get none)
    let metricLists: unknown[] = names.map((): unknown[] => []);
    if (Array.isArray(c.metrics)) metricLists = names.map(() => c.metrics);
    else if (isNameMap(c.metrics)) {
      const map = c.metrics;
      for (const k of Object.keys(map)) {
        if (!names.includes(k)) throw new ValueError(`compile: metrics names output ${show(k)}, but the outputs are: ${names.join(', ')}`);
      }
      metricLists = names.map((n) => (Object.hasOwn(map, n) ? map[n] : []));
    } else if (c.metrics !== undefined) metricLists = [c.metrics];
    metricLists.forEach((list, i) => {
      if (!Array.isArray(list)) {
        throw new ValueError(`metrics must be a list such as ['accuracy']${names.length > 1 ? ' or a map of such lists by output name' : ''}, ` +
          `got ${show(list)}${names.length > 1 ? ` for output '${names[i]}'` : ''}`);
      }
    });
    const losses = perOutput('loss', c.loss, names, true).map((l) => lossName(l));
    const weights = c.lossWeights === undefined ? names.map(() => 1)
      : perOutput('lossWeights', c.lossWeights, names, false).map((w, i) =>
        numberOption(`lossWeights for output '${names[i]}'`, w, { min: 0 }));
    const heads = net.outputs.map((t, i): Head => {
      const loss = losses[i];
      const size = product(t.shape);
      const layer = t.sourceLayer;
      if (isSparse(loss) && size < 2) {
        throw new ShapeError(`sparseCategoricalCrossentropy needs at least 2 output units, but layer '${layer.name}' has ${size}`);
      }
      const metrics = (metricLists[i] as unknown[]).map((m) => resolveMetric(m, loss, size, layer.name));
      metrics.forEach((m, j) => {
        if (metrics.findIndex((o) => o.key === m.key) < j) throw new ValueError(`compile: metric ${m.key} is given twice for output '${layer.name}'`);
      });
      // the loss head takes over the softmax when nothing else reads the output
      const v = net.outputIds[i];
      const fused = layer.softmaxOutput && (loss === 'categoricalCrossentropy' || isSparse(loss)) && net.consumers[v].length === 0;
      return { name: layer.name, loss, weight: weights[i], fused, metrics, size, shape: [...t.shape], layer };
    });
    const logits = net.steps.map((s) => heads.some((h, i) => h.fused && net.outputIds[i] === s.output));
    this.relayout();
    this.mem.resetSlots(optimizer.slots, optimizer.initialState());
    const metricNames = (metricLists[0] as unknown[]).filter((m) => typeof m === 'string').map((m) => (m === 'acc' ? 'accuracy' : m as string));
    this.compiled = { optimizer, heads, metrics: metricNames, logits };
    this.iterations = 0;
  }

  private forward(rows: number, training: boolean, logits: readonly boolean[] | undefined): void {
    const p = this.plan!;
    p.forward(this.rt.backend.kernels, rows, training, logits ?? this.noLogits());
  }

  /** No step's softmax left out: what predict runs. */
  private noLogits(): readonly boolean[] {
    this.plainSteps ??= this.network().steps.map(() => false);
    return this.plainSteps;
  }
  private plainSteps: boolean[] | undefined;

  /** The loss of output `o` over `rows` samples; writes its gradient when `grad`. */
  private headLoss(o: number, rows: number, target: number, grad: boolean): number {
    const k = this.rt.backend.kernels;
    const h = this.compiled!.heads[o];
    const p = this.plan!;
    const y = p.outputPtrs[o];
    const g = grad ? p.outputGrads[o] : 0;
    const cols = h.size;
    let loss: number;
    switch (h.loss) {
      case 'meanSquaredError': loss = k.f32_mse(y, target, g, rows, cols); break;
      case 'binaryCrossentropy': loss = k.f32_bce(y, target, g, rows, cols); break;
      case 'meanAbsoluteError': loss = k.f32_mae(y, target, g, rows, cols); break;
      case 'huber': loss = k.f32_huber(y, target, g, rows, cols, 1); break;
      case 'logcosh': loss = k.f32_logcosh(y, target, g, rows, cols); break;
      case 'hinge': loss = k.f32_hinge(y, target, g, rows, cols); break;
      case 'squaredHinge': loss = k.f32_squared_hinge(y, target, g, rows, cols); break;
      case 'categoricalHinge': loss = k.f32_categorical_hinge(y, target, g, rows, cols); break;
      case 'kullbackLeiblerDivergence': loss = k.f32_kld(y, target, g, rows, cols); break;
      case 'poisson': loss = k.f32_poisson(y, target, g, rows, cols); break;
      case 'meanAbsolutePercentageError': loss = k.f32_mape(y, target, g, rows, cols); break;
      case 'meanSquaredLogarithmicError': loss = k.f32_msle(y, target, g, rows, cols); break;
      case 'cosineProximity': loss = k.f32_cosine_proximity(y, target, g, rows, cols); break;
      case 'categoricalCrossentropy':
        loss = h.fused ? k.f32_softmax_cce(y, target, y, g, rows, cols) : k.f32_cce(y, target, g, rows, cols);
        break;
      default:
        loss = h.fused ? k.f32_softmax_sparse_cce(y, target, y, g, rows, cols) : k.f32_sparse_cce(y, target, g, rows, cols);
    }
    if (grad && h.weight !== 1) k.f32_scale(g, rows * cols, h.weight);
    return loss;
  }

  /** `loss` plus the regularization loss, Σ λ·Σw² over the regularized weights. */
  private regularized(loss: number): number {
    const k = this.rt.backend.kernels;
    for (const e of this.entries) {
      if (e.spec.l2 > 0) loss += e.spec.l2 * k.f32_sum_squares(this.paramPtr + e.offset, e.size);
    }
    return loss;
  }

  /** The total loss (weighted outputs plus regularization) and each output's, writing gradients when `grad`. */
  private lossOf(rows: number, grad: boolean, each?: number[]): number {
    const heads = this.compiled!.heads;
    const p = this.plan!;
    let loss = 0;
    for (let o = 0; o < heads.length; o++) {
      const h = heads[o];
      const l = this.headLoss(o, rows, isSparse(h.loss) ? p.labelPtrs[o] : p.targetPtrs[o], grad);
      if (each) each[o] = l;
      loss = o === 0 && h.weight === 1 ? l : loss + h.weight * l;
    }
    return this.regularized(loss);
  }

  /** Fresh accumulators for a pass: per output, one per metric. */
  private metricStates(): MetricState[][] {
    return this.compiled!.heads.map((h) => h.metrics.map((m) => m.make()));
  }

  /** Adds the batch in the plan's buffers (`rows` samples) to every metric of every output; `into[o][j]` gets its value. */
  private addMetrics(states: MetricState[][], rows: number, into?: number[][]): void {
    const heads = this.compiled!.heads;
    const p = this.plan!;
    const mem = this.rt.backend.memory;
    for (let o = 0; o < heads.length; o++) {
      if (states[o].length === 0) continue;
      const h = heads[o];
      const sparse = isSparse(h.loss);
      const view = { k: this.rt.backend.kernels, memory: mem, pred: p.outputPtrs[o],
        target: sparse ? 0 : p.targetPtrs[o], labels: sparse ? p.labelPtrs[o] : 0, rows, cols: h.size };
      for (let j = 0; j < states[o].length; j++) {
        const v = states[o][j].add(view);
        if (into) into[o][j] = v;
      }
    }
  }

  /** Forward, loss and backward on the `rows` samples in the input and target buffers; gradients land in the grad block. */
  private gradients(rows: number, each?: number[]): number {
    const k = this.rt.backend.kernels;
    const c = this.compiled!;
    this.forward(rows, true, c.logits);
    const loss = this.lossOf(rows, true, each);
    this.plan!.backward(k, rows, c.logits);
    for (const e of this.entries) {
      if (e.spec.l2 > 0 && e.trainable) k.f32_l2_grad(this.paramPtr + e.offset, this.gradPtr + e.offset, e.size, e.spec.l2);
    }
    return loss;
  }

  /** One optimizer step on the `rows` samples in the input and target buffers; returns the loss. */
  private trainStep(rows: number, epoch: number, batch: number, each: number[]): number {
    const k = this.rt.backend.kernels;
    const c = this.compiled!;
    const loss = this.gradients(rows, each);
    if (!Number.isFinite(loss)) {
      throw new TrainingError(`the loss became ${loss} at epoch ${epoch + 1}, batch ${batch + 1} of model '${this.name}'; ` +
        'training stopped before that batch changed the weights (try a lower learning rate, clipNorm, or check the data)');
    }
    const count = this.trainableBytes / F32;
    if (!k.f32_all_finite(this.gradPtr, count)) {
      throw new TrainingError(`the gradients became non-finite at epoch ${epoch + 1}, batch ${batch + 1} of model '${this.name}' ` +
        `(loss ${loss}); training stopped before that batch changed the weights (try a lower learning rate or clipNorm)`);
    }
    const opt = c.optimizer;
    if (opt.clipNorm !== undefined) {
      const norm = Math.sqrt(k.f32_sum_squares(this.gradPtr, count));
      if (norm > opt.clipNorm) k.f32_scale(this.gradPtr, count, opt.clipNorm / norm);
    }
    const lr = opt.rateAt(this.iterations);
    this.iterations++;
    if (count > 0) opt.apply(k, this.paramPtr, this.gradPtr, this.statePtrs, count, lr, this.iterations);
    if (!k.f32_all_finite(this.paramPtr, this.paramBytes / F32)) {
      if (this.backupPtr) k.f32_copy(this.backupPtr, this.paramPtr, this.paramBytes / F32);
      throw new TrainingError(`the weights overflowed to non-finite values at epoch ${epoch + 1}, batch ${batch + 1} of model ` +
        `'${this.name}' (learning rate ${lr}); they were restored to their values at the start of epoch ${epoch + 1} ` +
        '(try a lower learning rate or clipNorm)');
    }
    return loss;
  }

  // ---------------------------------------------------------------- data at the edge

  /** Names of the inputs and of the outputs (their layers' names), for name maps and messages. */
  private ioNames(kind: 'input' | 'output'): readonly string[] {
    const net = this.network();
    this.names ??= { input: net.inputs.map((t) => t.sourceLayer.name), output: net.outputs.map((t) => t.sourceLayer.name) };
    return this.names[kind];
  }
  private names: { input: string[]; output: string[] } | undefined;

  /** How `what` names element i of a per-input or per-output value in messages. */
  private static part(what: string, names: readonly string[], i: number): string {
    return names.length === 1 ? what : `${what}['${names[i]}']`;
  }

  /** The samples of every input, checked: one tensor per input, all with the same number of samples. */
  private checkXs(x: unknown, what: string): Tensor[] {
    const names = this.ioNames('input');
    const list = splitIO(x, names, 'input', what, this.name);
    const xs: Tensor[] = [];
    for (let i = 0; i < list.length; i++) xs.push(this.checkInput(list[i], i, LayersModel.part(what, names, i)));
    for (let i = 1; i < xs.length; i++) {
      if (xs[i].shape[0] !== xs[0].shape[0]) {
        throw new ShapeError(`${LayersModel.part(what, names, 0)} has ${xs[0].shape[0]} samples but ${LayersModel.part(what, names, i)} has ${xs[i].shape[0]}`);
      }
    }
    return xs;
  }

  /** The samples of input i, checked against its shape. */
  private checkInput(v: unknown, i: number, label: string): Tensor {
    const net = this.network();
    const t = toTensor(v, label);
    const want = net.inputs[i].shape;
    const got = t.shape;
    const okRank = got.length === want.length + 1 && want.every((d, j) => got[j + 1] === d);
    if (!okRank) {
      const first = net.steps.find((s) => s.inputs.includes(i))?.node.layer ?? net.inputs[i].sourceLayer;
      throw new ShapeError(`layer '${first.name}' expects samples of shape [${want.join(', ')}], ` +
        `so ${label} should have shape [n, ${want.join(', ')}], but it has shape [${got.join(', ')}]`);
    }
    if (got[0] === 0) throw new ShapeError(`${label} has no samples`);
    return t;
  }

  /** The targets of every output, checked against its loss: `n` samples each. */
  private checkYs(y: unknown, n: number, what: string): Target[] {
    const names = this.ioNames('output');
    return splitIO(y, names, 'output', what, this.name).map((v, o) => this.checkY(v, o, n, LayersModel.part(what, names, o)));
  }

  private checkY(y: unknown, o: number, n: number, what: string): Target {
    const h = this.compiled!.heads[o];
    const last = h.layer;
    if (isSparse(h.loss)) {
      const t = y instanceof Int32Array ? new Tensor(Float32Array.from(y), [y.length]) : toTensor(y, what);
      if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) {
        throw new ShapeError(`sparseCategoricalCrossentropy takes ${what} as one integer label per sample (shape [n] or [n, 1]), got shape [${t.shape.join(', ')}]`);
      }
      if (t.shape[0] !== n) throw new ShapeError(`x has ${n} samples but ${what} has ${t.shape[0]}`);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = t.data[i];
        if (!Number.isInteger(v) || v < 0 || v >= h.size) {
          throw new ValueError(`${what}[${i}] is ${v}, but labels must be integers in [0, ${h.size - 1}] for the ${h.size} units of layer '${last.name}'`);
        }
        labels[i] = v;
      }
      return labels;
    }
    const t = toTensor(y, what);
    if (t.shape[0] !== n) throw new ShapeError(`x has ${n} samples but ${what} has ${t.shape[0]}`);
    const per = product(t.shape.slice(1));
    if (per !== h.size || t.shape.length < 2) {
      throw new ShapeError(`layer '${last.name}' outputs shape [${h.shape.join(', ')}] per sample, so ${what} should have shape ` +
        `[${n}, ${h.shape.join(', ')}], but it has shape [${t.shape.join(', ')}]` +
        (h.loss === 'categoricalCrossentropy' && t.shape.length === 1 ? ' (for integer labels use sparseCategoricalCrossentropy)' : ''));
    }
    const bad = firstNonFinite(t.data);
    if (bad >= 0) throw new ValueError(`${what} contains ${t.data[bad]} at sample ${Math.floor(bad / per)}, index ${bad % per}`);
    if (h.loss === 'binaryCrossentropy' || h.loss === 'categoricalCrossentropy') {
      for (let i = 0; i < t.data.length; i++) {
        if (t.data[i] < 0 || t.data[i] > 1) {
          throw new ValueError(`${h.loss} needs targets in [0, 1], but ${what} has ${t.data[i]} at sample ${Math.floor(i / per)}, index ${i % per}`);
        }
      }
    }
    return t;
  }

  /** Floats per sample of output o's targets (1 for labels). */
  private targetSize(o: number, y: Target): number {
    return y instanceof Int32Array ? 1 : this.compiled!.heads[o].size;
  }

  /** Bytes that staging n samples of xs and ys (with the row order) takes. */
  private stageBytes(n: number, ys: Target[]): number {
    if (n === 0) return 0;
    let b = this.inSizes.reduce((a, s) => a + floats(n * s), 0);
    ys.forEach((y, o) => { b += floats(n * this.targetSize(o, y)); });
    return b + floats(n);
  }

  /** Copies rows [from, from+n) of every input and target into the arena, for the duration of the call (fit's training set). */
  private stage(xs: Tensor[], ys: Target[], from: number, n: number, what: string): Staged {
    const a = this.mem;
    const s: Staged = { xs: [], ys: [], idx: 0, n };
    try {
      xs.forEach((_, i) => s.xs.push(a.allocTemp(n * this.inSizes[i] * F32)));
      ys.forEach((y, o) => s.ys.push(a.allocTemp(n * this.targetSize(o, y) * F32)));
      // the row order for gathering batches
      s.idx = a.allocTemp(n * F32);
    } catch (e) {
      this.unstage(s);
      throw e;
    }
    const mem = this.rt.backend.memory;
    xs.forEach((x, i) => mem.f32().set(x.data.subarray(from * this.inSizes[i], (from + n) * this.inSizes[i]), s.xs[i] / F32));
    ys.forEach((y, o) => {
      if (y instanceof Int32Array) mem.i32().set(y.subarray(from, from + n), s.ys[o] / F32);
      else mem.f32().set(y.data.subarray(from * this.targetSize(o, y), (from + n) * this.targetSize(o, y)), s.ys[o] / F32);
    });
    const ix = mem.i32();
    for (let i = 0; i < n; i++) ix[s.idx / F32 + i] = i;
    xs.forEach((x, i) => {
      if (!this.rt.backend.kernels.f32_all_finite(s.xs[i], n * this.inSizes[i])) {
        this.unstage(s);
        this.nonFinite(x, i, from, n, LayersModel.part(what, this.ioNames('input'), i));
      }
    });
    return s;
  }

  /** Throws the ValueError for the first non-finite value of input i's rows [from, from+n). */
  private nonFinite(x: Tensor, i: number, from: number, n: number, what: string): never {
    const size = this.inSizes[i];
    const bad = firstNonFinite(x.data.subarray(from * size, (from + n) * size));
    const s = Math.floor(bad / size);
    throw new ValueError(`${what} contains ${x.data[from * size + bad]} at sample ${from + s}, feature ${bad % size}; inputs must be finite`);
  }

  private unstage(s: Staged | undefined): void {
    if (!s) return;
    const a = this.mem;
    for (const p of [...s.xs, ...s.ys, s.idx]) if (p) a.releaseTemp(p);
  }

  /**
   * Copies rows [from, from+rows) of every input into its input buffer (and of every target into its target or
   * label buffer), checking that the inputs are finite.
   */
  private load(xs: Tensor[], ys: Target[] | undefined, from: number, rows: number, what: string): void {
    const mem = this.rt.backend.memory;
    const p = this.plan!;
    for (let i = 0; i < xs.length; i++) {
      const size = this.inSizes[i];
      mem.f32().set(xs[i].data.subarray(from * size, (from + rows) * size), p.inputPtrs[i] / F32);
      if (!this.rt.backend.kernels.f32_all_finite(p.inputPtrs[i], rows * size)) {
        this.nonFinite(xs[i], i, from, rows, LayersModel.part(what, this.ioNames('input'), i));
      }
    }
    if (!ys) return;
    for (let o = 0; o < ys.length; o++) {
      const y = ys[o];
      if (y instanceof Int32Array) mem.i32().set(y.subarray(from, from + rows), p.labelPtrs[o] / F32);
      else {
        const size = this.compiled!.heads[o].size;
        mem.f32().set(y.data.subarray(from * size, (from + rows) * size), p.targetPtrs[o] / F32);
      }
    }
  }

  /**
   * The logs of a pass: the mean loss, each output's mean loss (several outputs) and the metrics' values
   * (`values[o][j]`, or the accumulators' values so far).
   */
  private logsOf(loss: number, each: readonly number[], values: readonly (readonly number[])[] | MetricState[][]): Logs {
    const heads = this.compiled!.heads;
    const logs: Logs = { loss };
    const value = (o: number, j: number) => {
      const v = values[o][j];
      return typeof v === 'number' ? v : v.value();
    };
    if (heads.length === 1) {
      heads[0].metrics.forEach((m, j) => { logs[m.key] = value(0, j); });
      return logs;
    }
    heads.forEach((h, o) => { logs[`${h.name}_loss`] = each[o]; });
    heads.forEach((h, o) => h.metrics.forEach((m, j) => { logs[`${h.name}_${m.key}`] = value(o, j); }));
    return logs;
  }

  /** Loss and metrics over rows [from, from+n) of xs and ys, `batch` rows at a time through the input buffers. */
  private evaluateRows(xs: Tensor[], ys: Target[], from: number, n: number, batch: number, what: string): Logs {
    const c = this.compiled!;
    const heads = c.heads;
    let lossSum = 0;
    const eachSums = heads.map(() => 0);
    const states = this.metricStates();
    const each = heads.map(() => 0);
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      this.load(xs, ys, from + start, rows, what);
      this.forward(rows, false, c.logits);
      lossSum += this.lossOf(rows, false, each) * rows;
      for (let o = 0; o < heads.length; o++) eachSums[o] += each[o] * rows;
      this.addMetrics(states, rows);
    }
    return this.logsOf(lossSum / n, eachSums.map((v) => v / n), states);
  }

  private requireCompiled(what: string): Compiled {
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
    const c = this.requireCompiled('fit');
    if (this.fitRt) {
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
    this.build();
    const X = this.checkXs(x, 'x');
    const N = X[0].shape[0];
    const Y = this.checkYs(y, N, 'y');
    let nTrain = N;
    let valX: Tensor[] | undefined;
    let valY: Target[] | undefined;
    if (config.validationData !== undefined && config.validationData !== null) {
      if (!Array.isArray(config.validationData) || config.validationData.length !== 2) {
        throw new ValueError('validationData must be [x, y]');
      }
      valX = this.checkXs(config.validationData[0], 'validationData x');
      valY = this.checkYs(config.validationData[1], valX[0].shape[0], 'validationData y');
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
    valX?.forEach((t, i) => {
      const size = this.inSizes[i];
      if (firstNonFinite(t.data.subarray(valFrom * size, (valFrom + valN) * size)) >= 0) {
        this.nonFinite(t, i, valFrom, valN, LayersModel.part(valWhat, this.ioNames('input'), i));
      }
    });
    for (const h of hooks) if (h instanceof Callback) h.setModel(this);
    const history = new History();
    const bar = config.verbose === 1 ? new ProgressBar(epochs, nTrain) : undefined;
    const heads = c.heads;
    // the kernels in use now: read after every await, since a hook may change the threads (nn.ready, nn.shutdown)
    const kern = () => this.rt.backend.kernels;

    let train: Staged | undefined;
    // the plan holds min(batchSize, samples) rows; the training set and a backup of the weights are the call's own
    const extra = this.stageBytes(nTrain, Y) + floats(Math.max(this.paramBytes / F32, 4));
    const rt = this.enter('fit', Math.min(batchSize, nTrain), extra, batchSize, 'train');
    this.fitRt = rt;
    this.stopTraining = false;
    try {
      try {
        train = this.stage(X, Y, 0, nTrain, 'x');
        this.backupPtr = this.mem.allocTemp(Math.max(this.paramBytes, 16));
      } catch (e) {
        throw this.memoryError(e, 'fit', batchSize, Math.min(batchSize, nTrain), extra, rt, 'train');
      }
      const call = async (name: keyof CallbackHooks, ...args: unknown[]) => {
        for (const h of hooks) {
          const f = (h as Record<string, unknown>)[name];
          if (typeof f === 'function') {
            const r = f.apply(h, args);
            if (isThenable(r)) await r;
          }
        }
      };
      const batchHooks = hooks.filter((h) => typeof h.onBatchEnd === 'function' || typeof h.onBatchBegin === 'function');
      await call('onTrainBegin', {});
      let lastYield = performance.now();
      const batches = Math.ceil(nTrain / batchSize);
      const each = heads.map(() => 0);
      const right = heads.map((h) => h.metrics.map(() => 0));
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        await call('onEpochBegin', epoch, {});
        bar?.epochBegin();
        kern().f32_copy(this.paramPtr, this.backupPtr, this.paramBytes / F32);
        if (shuffle) {
          // each epoch's order depends only on the shuffle stream, so a resumed fit shuffles the same way
          const ix = this.rt.backend.memory.i32();
          const at = train.idx / F32;
          for (let i = 0; i < nTrain; i++) ix[at + i] = i;
          this.shuffleRng.shuffle(ix, at, nTrain);
        }
        let lossSum = 0;
        const eachSums = heads.map(() => 0);
        const states = this.metricStates();
        let seen = 0;
        for (let b = 0; b < batches; b++) {
          const start = b * batchSize;
          const rows = Math.min(batchSize, nTrain - start);
          if (batchHooks.length) await call('onBatchBegin', b, { batch: b, size: rows });
          const k = kern();
          const p = this.plan!;
          for (let i = 0; i < train.xs.length; i++) k.f32_gather_rows(train.xs[i], train.idx, start, p.inputPtrs[i], rows, this.inSizes[i]);
          for (let o = 0; o < Y.length; o++) {
            if (Y[o] instanceof Int32Array) k.i32_gather(train.ys[o], train.idx, start, p.labelPtrs[o], rows);
            else k.f32_gather_rows(train.ys[o], train.idx, start, p.targetPtrs[o], rows, heads[o].size);
          }
          const loss = this.trainStep(rows, epoch, b, each);
          lossSum += loss * rows;
          seen += rows;
          for (let o = 0; o < heads.length; o++) eachSums[o] += each[o] * rows;
          this.addMetrics(states, rows, right);
          if (batchHooks.length) {
            const logs: Logs = { batch: b, size: rows, ...this.logsOf(loss, each, right) };
            for (const h of batchHooks) {
              if (typeof h.onBatchEnd !== 'function') continue;
              let r = h.onBatchEnd(b, logs);
              if (isThenable(r)) r = await r;
              if (r === 'stop') this.stopTraining = true;
            }
          }
          if (bar?.due()) bar.update(epoch, seen, this.logsOf(lossSum / seen, eachSums.map((v) => v / seen), states));
          if (this.stopTraining) break;
          const now = performance.now();
          if (now - lastYield > 50) {
            await nextTick();
            lastYield = performance.now();
          }
        }
        const logs: Logs = this.logsOf(lossSum / seen, eachSums.map((v) => v / seen), states);
        if (valX) {
          const v = this.evaluateRows(valX, valY!, valFrom, valN, this.plan!.plan.rows, valWhat);
          for (const [key, value] of Object.entries(v)) logs[`val_${key}`] = value;
        }
        if (!this.stopTraining || seen === nTrain) this.epochsTrained++;
        history.push(epoch, logs);
        bar?.epochEnd(epoch, logs);
        await call('onEpochEnd', epoch, logs);
      }
      await call('onTrainEnd', {});
    } finally {
      this.unstage(train);
      if (this.backupPtr) this.mem.releaseTemp(this.backupPtr);
      this.backupPtr = 0;
      this.fitRt = undefined;
      this.leave();
    }
    return history;
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
    this.build();
    const X = this.checkXs(x, 'x');
    const n = X[0].shape[0];
    const batchSize = Math.min(positiveInt('batchSize', config.batchSize ?? 256), n);
    const net = this.network();
    const sizes = net.outputs.map((t) => product(t.shape));
    const outs = sizes.map((s) => new Float32Array(n * s));
    this.enter('predict', batchSize, 0, batchSize, 'predict');
    try {
      for (let start = 0; start < n; start += batchSize) {
        const rows = Math.min(batchSize, n - start);
        this.load(X, undefined, start, rows, 'x');
        this.forward(rows, false, undefined);
        const mem = this.rt.backend.memory.f32();
        const p = this.plan!;
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
   * fit. StateError before compile.
   *
   * @example
   * const { loss, accuracy } = model.evaluate(testX, testY);
   */
  evaluate(x: unknown, y: unknown, config?: PredictConfig): Logs {
    this.live('evaluate');
    config = optionsOf<{ batchSize: number }>('evaluate', config, PREDICT_OPTIONS);
    this.requireCompiled('evaluate');
    this.build();
    const X = this.checkXs(x, 'x');
    const Y = this.checkYs(y, X[0].shape[0], 'y');
    const batchSize = Math.min(positiveInt('batchSize', config.batchSize ?? 256), X[0].shape[0]);
    this.enter('evaluate', batchSize, 0, batchSize, 'evaluate');
    try {
      return this.evaluateRows(X, Y, 0, X[0].shape[0], batchSize, 'x');
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
    this.requireCompiled('computeGradients');
    this.build();
    const X = this.checkXs(x, 'x');
    const n = X[0].shape[0];
    const Y = this.checkYs(y, n, 'y');
    this.enter('compute gradients', n, 0, n, 'train');
    try {
      this.load(X, Y, 0, n, 'x');
      // the forward pass runs as in training: batch normalization updates its moving statistics, which this call
      // must leave as they were
      const kept = this.rt.backend.memory.f32().slice((this.paramPtr + this.trainableBytes) / F32, (this.paramPtr + this.paramBytes) / F32);
      const loss = this.gradients(n);
      const mem = this.rt.backend.memory.f32();
      mem.set(kept, (this.paramPtr + this.trainableBytes) / F32);
      const grads = this.entries.map((e) => {
        const at = (this.gradPtr + e.offset) / F32;
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
    this.build();
    this.sync(false);
    return this.readEntries(this.entries);
  }

  private readEntries(entries: readonly ParamEntry[]): Tensor[] {
    const [f, base] = this.paramsView();
    return entries.map((e) => {
      const at = base + e.offset / F32;
      return new Tensor(f.slice(at, at + e.size), e.spec.shape);
    });
  }

  /**
   * Replaces the weights; the list must match getWeights() in count and shapes, with finite values.
   *
   * @example
   * model.setWeights(otherModel.getWeights());
   */
  setWeights(weights: (Tensor | TensorLike)[]): void {
    this.build();
    this.sync(true);
    this.writeChecked(this.entries, weights, `model '${this.name}'`);
  }

  private writeChecked(entries: readonly ParamEntry[], weights: unknown, who: string): void {
    if (!Array.isArray(weights) || weights.length !== entries.length) {
      throw new ShapeError(`${who} has ${entries.length} weight tensors (${entries.map((e) => `${e.layer.name}/${e.spec.name}`).join(', ')}), but ${Array.isArray(weights) ? weights.length : 'no array'} were given`);
    }
    const values = weights.map((w, i) => checkedWeight(`${entries[i].layer.name}/${entries[i].spec.name}`, entries[i].spec.shape, w));
    this.writeEntries(entries, values);
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
    this.build();
    this.sync(false);
    return this.readParams();
  }
  /**
   * Puts back a copy from getWeightsFlat of this model (same length, else ShapeError).
   *
   * @example
   * model.setWeightsFlat(model.getWeightsFlat());
   */
  setWeightsFlat(w: Float32Array): void {
    this.build();
    if (w.length !== this.paramBytes / F32) throw new ShapeError(`flat weights need ${this.paramBytes / F32} values, got ${w.length}`);
    this.sync(true);
    const [f, at] = this.paramsView();
    f.set(w, at);
  }

  /**
   * Number of weights (trainable and non-trainable, as TF.js's countParams).
   *
   * @example
   * nn.sequential({ layers: [nn.layers.dense({ units: 10, inputShape: [784] })] }).countParams();   // 7850
   */
  countParams(): number {
    this.build();
    return this.entries.reduce((a, e) => a + e.size, 0);
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
    this.build();
    const net = this.network();
    const graph = !(this instanceof Sequential);
    const rows = [['Layer (type)', 'Output shape', 'Param #', ...(graph ? ['Connected to'] : [])]];
    const count = (l: Layer, trainable?: boolean) => (this.byLayer.get(l) ?? [])
      .filter((e) => trainable === undefined || e.trainable === trainable).reduce((a, e) => a + e.size, 0);
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
    const trainable = net.layers.reduce((a, l) => a + count(l, true), 0);
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
    this.build();
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
    if (this.built) {
      // the layers it holds keep their weights, for the other models that use them
      for (const [layer] of this.byLayer) {
        const st = layer.store!;
        if (st.holder !== this) continue;
        st.home = this.readLayer(layer);
        st.holder = undefined;
      }
      this.mem.release();
      finalizer?.unregister(this);
    }
    this.disposed = true;
  }

  /** Optimizer updates applied since compile (0 before). */
  get optimizerIterations(): number {
    return this.iterations;
  }

  /**
   * What compile was given (resolved), or undefined before compile. `loss` is one name for a model of one output,
   * else a list in output order.
   */
  get compileConfig(): {
    /** The optimizer in use. */
    optimizer: Optimizer;
    /** The (first output's) loss, by its canonical name ('mse' resolves to 'meanSquaredError'). */
    loss: LossName;
    /** Each output's loss, in output order. */
    losses: LossName[];
    /** Each output's weight in the total loss. */
    lossWeights: number[];
    /** The metrics given by name ('acc' as 'accuracy'), of the first output. */
    metrics: string[];
  } | undefined {
    const c = this.compiled;
    return c && { optimizer: c.optimizer, loss: c.heads[0].loss, losses: c.heads.map((h) => h.loss),
      lossWeights: c.heads.map((h) => h.weight), metrics: [...c.metrics] };
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
    this.build();
    const out: { name: string; tensor: Tensor }[] = [];
    c.optimizer.slotNames.forEach((slot, s) => {
      const [f, base] = this.slotView(s);
      for (const e of this.trainableEntries()) {
        const at = base + e.offset / F32;
        out.push({ name: `${e.layer.name}/${e.spec.name}/${slot}`, tensor: new Tensor(f.slice(at, at + e.size), e.spec.shape) });
      }
    });
    return out;
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
    this.build();
    const trainable = this.trainableEntries();
    const want = c.optimizer.slotNames.length * trainable.length;
    if (!Array.isArray(list) || list.length !== want) {
      throw new ShapeError(`optimizer ${c.optimizer.name} of model '${this.name}' has ${want} state tensors, got ${Array.isArray(list) ? list.length : 'none'}`);
    }
    const values: [number, number, Float32Array][] = [];
    c.optimizer.slotNames.forEach((slot, s) => {
      trainable.forEach((e, i) => {
        const item = list[s * trainable.length + i];
        const name = `${e.layer.name}/${e.spec.name}/${slot}`;
        const t = item?.tensor;
        if (!(t instanceof Tensor) || t.size !== e.size || t.shape.some((d, j) => d !== e.spec.shape[j])) {
          throw new ShapeError(`optimizer state ${name} must have shape [${e.spec.shape.join(', ')}], got ${t instanceof Tensor ? `[${t.shape.join(', ')}]` : String(t)}`);
        }
        const bad = firstNonFinite(t.data);
        if (bad >= 0) throw new ValueError(`optimizer state ${name} contains ${t.data[bad]} at index ${bad}`);
        values.push([s, e.offset / F32, t.data]);
      });
    });
    for (const [s, at, data] of values) {
      const [f, base] = this.slotView(s);
      f.set(data, base + at);
    }
  }

  private trainableEntries(): ParamEntry[] {
    return this.entries.filter((e) => e.trainable);
  }

  /**
   * Where training stands: epochs completed, optimizer steps, and the shuffling and dropout streams.
   *
   * @example
   * const state = model.getTrainingState();   // { epochsTrained, iterations, shuffleState, layerRngStates }
   */
  getTrainingState(): TrainingState {
    this.build();
    return { epochsTrained: this.epochsTrained, iterations: this.iterations, shuffleState: this.shuffleRng.getState(),
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
    this.build();
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
    this.epochsTrained = s.epochsTrained;
    this.iterations = s.iterations;
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
   * Saves the model in the TF.js Layers format (src/io/model-io.ts): 'file://dir' (Node, atomic), 'indexeddb://name',
   * 'localstorage://name', 'downloads://name', or a handler such as nn.io.withSaveHandler. `includeOptimizer: true`
   * also stores what nn.loadModel needs to continue training exactly. Resolves to what was written (sizes, date);
   * rejects with FormatError or the target's error (e.g. a full disk or a storage quota); 'file://' writes atomically.
   *
   * @example
   * await model.save('file://./my-model', { includeOptimizer: true });
   * const resumed = await nn.loadModel('file://./my-model');
   */
  async save(target: SaveTarget, options?: SaveOptions): Promise<SaveResult> {
    // loaded on first use: io/model-io imports this module, so a static import would make a cycle
    const { saveModel } = await import('./io/model-io');
    return saveModel(this as never, target, options);
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

/** Splits a per-input (or per-output) value: the value itself for one, a list in order or a map by name for several. */
function splitIO(v: unknown, names: readonly string[], kind: 'input' | 'output', what: string, model: string): unknown[] {
  if (names.length === 1) {
    // a list of one tensor, as TF.js takes it
    if (Array.isArray(v) && v.length === 1 && v[0] instanceof Tensor) return [v[0]];
    if (isNameMap(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === names[0]) return [v[names[0]]];
    }
    return [v];
  }
  const expect = `model '${model}' has ${names.length} ${kind}s (${names.map((n) => `'${n}'`).join(', ')}): pass ${what} as a list of ` +
    `${names.length} tensors in that order or as an object keyed by ${kind} name`;
  if (Array.isArray(v)) {
    if (v.length !== names.length) throw new ValueError(`${expect}; got a list of ${v.length}`);
    return v;
  }
  if (isNameMap(v)) {
    for (const k of Object.keys(v)) if (!names.includes(k)) throw new ValueError(`${expect}; ${show(k)} is not one of them`);
    return names.map((n) => {
      if (!Object.hasOwn(v, n)) throw new ValueError(`${expect}; '${n}' is missing`);
      return v[n];
    });
  }
  throw new ValueError(`${expect}; got ${show(v)}`);
}

function isNameMap(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Tensor) &&
    Object.getPrototypeOf(v) === Object.prototype;
}

/** A compile option per output: one value for all (when `single` allows it), a list in order, or a map by name. */
function perOutput<T>(what: string, v: PerOutput<T>, names: readonly string[], single: boolean): T[] {
  if (Array.isArray(v)) {
    if (v.length !== names.length) {
      throw new ValueError(`compile: ${what} has ${v.length} entries but the model has ${names.length} outputs (${names.join(', ')})`);
    }
    return v;
  }
  if (isNameMap(v)) {
    for (const k of Object.keys(v)) {
      if (!names.includes(k)) throw new ValueError(`compile: ${what} names output ${show(k)}, but the outputs are: ${names.join(', ')}`);
    }
    return names.map((n) => {
      if (!Object.hasOwn(v, n)) throw new ValueError(`compile: ${what} has no entry for output '${n}'`);
      return v[n] as T;
    });
  }
  if (!single && names.length > 1) {
    throw new ValueError(`compile: ${what} must be a list or an object keyed by output name for a model of ${names.length} outputs`);
  }
  return names.map(() => v as T);
}

function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
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
