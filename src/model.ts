import { runtime, type Runtime } from './backend/index';
import { Callback, callbackList, type CallbackHooks, type Logs, type TrainingTarget } from './callbacks';
import { MemoryError, ShapeError, StateError, TrainingError, ValueError } from './errors';
import { initialize } from './initializers';
import type { SaveOptions, SaveResult, SaveTarget } from './io/model-io';
import { checkWeightCount, Layer, type LayerBinding, type ParamSpec } from './layers/layer';
import { alignBytes } from './memory/heap';
import { ModelMemory } from './memory/residency';
import { isSparse, lossName, type LossName } from './losses';
import { type Optimizer, toOptimizer } from './optimizers';
import { boolOption, intOption, nameOption, numberOption, optionsOf, show } from './options';
import { ProgressBar } from './progress';
import { Rng } from './random';
import { Tensor, toTensor, type TensorLike } from './tensor';


const F32 = 4;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** Bytes of `count` floats, 16-byte aligned, in checked arithmetic. */
const floats = (count: number) => alignBytes(count * F32);

/** The model each layer belongs to (a WeakMap, so a layer carries no reference to its model). */
const owners = new WeakMap<Layer, Sequential>();

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
}

interface Compiled {
  readonly optimizer: Optimizer;
  readonly loss: LossName;
  readonly metrics: readonly string[];
  /** Softmax output trained through the fused softmax + cross-entropy kernel. */
  readonly fused: boolean;
  readonly accuracy: 'none' | 'argmax' | 'label' | 'binary';
}

/** Data copied into the arena for a fit or evaluate call. */
interface Staged {
  x: number;
  /** f32 targets [n, outSize] or i32 labels [n]. */
  y: number;
  idx: number;
  n: number;
}

/**
 * What {@link Sequential.compile} takes. Required: optimizer and loss; an unknown key, name or type is a ValueError
 * (UnknownNameError for a misspelt optimizer or loss) naming the closest valid one.
 *
 * @example
 * model.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
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
   * with a cross-entropy loss runs one fused, numerically stable kernel.
   */
  loss: string;
  /**
   * Extra numbers fit and evaluate report: `['accuracy']` (or `'acc'`) adds `accuracy` (and `val_accuracy`) to the
   * logs: argmax match for several outputs, output ≥ 0.5 for one output or binaryCrossentropy. Default: none.
   */
  metrics?: string[];
}

/**
 * What {@link Sequential.fit} takes; every field is optional. A wrong key, type or range is a ValueError naming
 * the option (and the closest valid key for a misspelt one).
 *
 * @example
 * await model.fit(x, y, { epochs: 10, batchSize: 16, validationSplit: 0.2, verbose: 1 });
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
 * Where training stands (see {@link Sequential.getTrainingState}); plain JSON.
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
 * const model = nn.sequential({ name: 'xor', seed: 1, layers: [nn.layers.dense({ units: 1, inputShape: [2] })] });
 */
export interface SequentialConfig {
  /**
   * The layers in order, from nn.layers; default none (add them with {@link Sequential.add}). The first needs an
   * inputShape. A layer belongs to one model, and names must be unique within it (ValueError, StateError).
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

function positiveInt(what: string, v: unknown): number {
  return intOption(what, v, 1);
}

/** The options of sequential, compile, fit, predict and evaluate. */
export const SEQUENTIAL_OPTIONS = ['layers', 'seed', 'name'] as const;
export const COMPILE_OPTIONS = ['optimizer', 'loss', 'metrics'] as const;
export const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'verbose', 'callbacks',
  'initialEpoch'] as const;
export const PREDICT_OPTIONS = ['batchSize'] as const;

const nextTick = () => new Promise<void>((r) => setTimeout(r, 0));
const isThenable = (v: unknown): v is Promise<unknown> => !!v && typeof (v as Promise<unknown>).then === 'function';

/**
 * A linear stack of layers, trained with compile + fit like a TF.js LayersModel.
 *
 * @example
 * const model = nn.sequential({ seed: 42, layers: [
 *   nn.layers.dense({ units: 16, activation: 'relu', inputShape: [2] }),
 *   nn.layers.dense({ units: 1, activation: 'sigmoid' }) ] });
 * model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
 * await model.fit([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 200 });
 * model.predict([[1, 0]]).data; // ≈ [1]
 */
export class Sequential implements TrainingTarget {
  /** The model's name (SequentialConfig.name; default 'sequential'). */
  readonly name: string;
  /** The layers in order (read-only: change them with add before first use). */
  readonly layers: Layer[] = [];
  /** The seed the weights, shuffling and dropout were drawn from (given, or drawn at random). */
  readonly seed: number;
  /** Set to true (from a callback) to end fit after the current batch. */
  stopTraining = false;

  private readonly initRng: Rng;
  private readonly shuffleRng: Rng;
  private built = false;
  /** The parameters' home on the JS heap and their resident copy (set by build). */
  private mem!: ModelMemory;
  private entries: ParamEntry[] = [];
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
  /** Rows the plan holds; valid while planGeneration equals the memory's generation. */
  private capacity = 0;
  private planGeneration = -1;
  /** During fit: a copy of the weights at the start of the epoch, restored if an update overflows. */
  private backupPtr = 0;
  private bindings: LayerBinding[] = [];
  private inputPtr = 0;
  private targetPtr = 0;
  private labelPtr = 0;
  private inSize = 0;
  private outSize = 0;
  /** The runtime of the fit in progress: a model stays on its backend until its fit ends. */
  private fitRt: Runtime | undefined;
  private disposed = false;

  constructor(config?: SequentialConfig) {
    const c = optionsOf<SequentialConfig>('sequential', config, SEQUENTIAL_OPTIONS);
    this.name = c.name === undefined ? 'sequential' : nameOption('sequential: name', c.name);
    const seed = c.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isSafeInteger(seed)) throw new ValueError(`seed must be an integer (at most 2^53 − 1 in size), got ${show(seed)}`);
    this.seed = seed;
    this.initRng = new Rng(seed);
    this.shuffleRng = new Rng(seed).fork();
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

  /** Throws unless `layer` is a layer that no other model owns. */
  private checkLayer(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new ValueError(`${this.name}.add expects a layer from nn.layers, got ${show(layer)}`);
    const owner = owners.get(layer);
    if (owner && owner !== this) {
      throw new StateError(`layer '${layer.name}' belongs to model '${owner.name}' and cannot be added to model '${this.name}': ` +
        'a layer belongs to one model (create a new layer, or dispose the other model first)');
    }
  }

  /** A saved model refers to weights by layer name, so two layers with one name could not be loaded again. */
  private duplicateName(layer: Layer, at: number, other: Layer): ValueError {
    return new ValueError(`model '${this.name}' already has a layer named '${layer.name}' (layer ${at + 1}, ${other.className}); layer names must be unique`);
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
    if (this.built) throw new StateError(`cannot add layer '${layer.name}': model '${this.name}' is already built`);
    if (this.layers.includes(layer)) throw new ValueError(`layer '${layer.name}' is already in model '${this.name}'`);
    const i = this.layers.findIndex((l) => l.name === layer.name);
    if (i >= 0) throw this.duplicateName(layer, i, this.layers[i]);
    owners.set(layer, this);
    this.layers.push(layer);
  }

  /** Shape of one input sample (the first layer's inputShape), e.g. `[784]`; builds the model. */
  get inputShape(): number[] {
    this.build();
    return [...this.layers[0].inShape];
  }
  /** Shape of one output sample (the last layer's output), e.g. `[10]`; builds the model. */
  get outputShape(): number[] {
    this.build();
    return [...this.layers[this.layers.length - 1].outShape];
  }

  /** Throws StateError while a fit runs: `what` would change what the fit is using. */
  private notInFit(what: string): void {
    if (this.fitRt) {
      throw new StateError(`${what} cannot be called on model '${this.name}' while its fit runs; call it after the fit resolves ` +
        '(or stop the fit with model.stopTraining = true)');
    }
  }

  private live(what: string): void {
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
    this.live('be used');
    if (this.built) {
      this.follow();
      return;
    }
    if (this.layers.length === 0) throw new StateError(`model '${this.name}' has no layers`);
    const first = this.layers[0];
    if (!first.inputShape) {
      throw new ShapeError(`the first layer '${first.name}' needs an inputShape, e.g. inputShape: [784]`);
    }
    let shape = first.inputShape;
    for (const l of this.layers) shape = l.build(shape);
    // Trainable parameters first, so the optimizer updates one contiguous block; non-trainable state after it.
    // `entries` stays in TF.js weight order (per layer, as params() lists them).
    const specs = this.layers.flatMap((layer) => layer.params().map((spec) => ({ layer, spec, size: product(spec.shape) })));
    checkWeightCount(`model '${this.name}'`, specs.reduce((a, e) => a + e.size, 0));
    const offsets = new Map<object, number>();
    let offset = 0;
    let trainable = 0;
    for (const pass of [true, false]) {
      for (const e of specs) {
        if ((e.spec.trainable ?? true) !== pass) continue;
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
    let mem: ModelMemory;
    try {
      mem = new ModelMemory(offset, trainable);
    } catch (e) {
      throw new MemoryError(`model '${this.name}' needs ${offset} bytes for its weights, which the JS heap refused (${(e as Error).message})`, offset, 0);
    }
    this.trainableBytes = trainable;
    this.entries = specs.map((e) => ({ ...e, offset: offsets.get(e)! }));
    this.paramBytes = offset;
    for (const l of this.layers) if (l.usesRng) l.rng = this.initRng.fork();
    this.inSize = product(this.layers[0].inShape);
    this.outSize = product(this.layers[this.layers.length - 1].outShape);
    for (const e of this.entries) initialize(e.spec.initializer, e.spec.shape, mem.params.subarray(e.offset / F32, e.offset / F32 + e.size), this.initRng);
    this.mem = mem;
    this.built = true;
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

  private writeEntries(values: Float32Array[]): void {
    const [f, at] = this.paramsView();
    this.entries.forEach((e, i) => f.set(values[i], at + e.offset / F32));
  }

  /**
   * Starts a call that needs the model resident on the current backend with a plan for `rows` samples, and
   * `extraBytes` more for the call's own blocks. The whole size is checked first; the model is then pinned
   * (never evicted until `leave`), made resident (evicting idle models if memory is short) and planned. Throws
   * MemoryError, with nothing changed and nothing pinned, when the memory cannot hold it.
   */
  private enter(what: string, rows: number, extraBytes: number, batchSize: number): Runtime {
    this.build();
    const rt = this.fitRt ?? runtime();
    const m = this.mem;
    if (m.rt && m.rt !== rt) m.evict(); // to another backend: the state goes home, then into the new memory
    m.pins++;
    try {
      const resident = m.residentOn(rt);
      const replan = !resident || this.planGeneration !== m.generation || this.capacity < rows;
      const need = extraBytes + (resident ? 0 : m.coreBytes) + (replan ? this.planLayout(rows).bytes : 0);
      // a call nested in another (a fit's hook) keeps the old plan until the new one is allocated
      const available = rt.heap.available + (resident && replan && m.pins === 1 ? m.planBytes : 0);
      if (need > available) throw new MemoryError(`${need} bytes needed, ${available} available`, need, available);
      m.restore(rt);
      this.bind();
      if (this.planGeneration !== m.generation || this.capacity < rows) this.plan(rows);
    } catch (e) {
      m.pins--;
      throw this.memoryError(e, what, batchSize, rows, extraBytes, rt);
    }
    return rt;
  }

  /** Ends a call begun by enter. */
  private leave(): void {
    this.mem.pins--;
  }

  /**
   * A MemoryError that names the model, the call, the batch size, the bytes needed and available, and what would
   * fit; other errors pass through.
   */
  private memoryError(e: unknown, what: string, batchSize: number, rows: number, extraBytes: number, rt: Runtime): unknown {
    if (!(e instanceof MemoryError)) return e;
    const heap = rt.heap;
    const m = this.mem;
    const held = m.pinned ? m.residentBytes : 0; // what the call in progress holds already
    const available = heap.available + held;
    const fixed = m.coreBytes + extraBytes;
    let need = fixed;
    try {
      need += this.planLayout(rows).bytes;
    } catch {
      need = Infinity;
    }
    need = Math.max(need, e.needed);
    const cap = heap.capacity === rt.backend.memory.maxBytes
      ? `the ${rt.backend.name} backend's limit of ${heap.capacity} bytes`
      : `the cap of ${heap.capacity} bytes set by nn.ready({ maxMemoryBytes })`;
    let hint: string;
    if (fixed + this.planLayout(1).bytes > available) {
      hint = `its weights, gradients and optimizer state${extraBytes ? ' with the call\'s data' : ''} alone need ${fixed} bytes: ` +
        'use a smaller model or less data per call, or raise maxMemoryBytes';
    } else {
      let lo = 1;
      let hi = rows;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fixed + this.planLayout(mid).bytes <= available) lo = mid;
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

  /**
   * Chooses the optimizer, loss and metrics. Compiling again resets the optimizer state. StateError during a fit.
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
    const loss = lossName(c.loss);
    const metrics = c.metrics ?? [];
    if (!Array.isArray(metrics)) throw new ValueError(`metrics must be an array such as ['accuracy'], got ${show(metrics)}`);
    for (const m of metrics) {
      if (m !== 'accuracy' && m !== 'acc') throw new ValueError(`unknown metric ${show(m)}; valid metrics are: accuracy, acc`);
    }
    this.build();
    const last = this.layers[this.layers.length - 1];
    if (isSparse(loss) && this.outSize < 2) {
      throw new ShapeError(`sparseCategoricalCrossentropy needs at least 2 output units, but layer '${last.name}' has ${this.outSize}`);
    }
    let accuracy: Compiled['accuracy'] = 'none';
    if (metrics.length > 0) {
      if (isSparse(loss)) accuracy = 'label';
      else if (loss === 'binaryCrossentropy' || this.outSize === 1) accuracy = 'binary';
      else accuracy = 'argmax';
    }
    const fused = last.softmaxOutput && (loss === 'categoricalCrossentropy' || isSparse(loss));
    this.mem.resetSlots(optimizer.slots, optimizer.initialState());
    this.compiled = { optimizer, loss, metrics: metrics.map(() => 'accuracy'), fused, accuracy };
    this.iterations = 0;
  }

  /** Where each buffer of a plan for `rows` samples sits, as offsets from its start, and its size; checked sizes. */
  private planLayout(rows: number): { bytes: number; at: number[] } {
    const at: number[] = [];
    let bytes = 0;
    const take = (b: number) => { at.push(bytes); bytes += b; };
    take(floats(rows * this.inSize));
    for (const l of this.layers) {
      const out = floats(rows * product(l.outShape));
      take(out);
      take(out);
      take(alignBytes(l.workspaceBytes(rows)));
    }
    take(floats(rows * this.outSize));
    take(floats(rows));
    if (!Number.isSafeInteger(bytes)) throw new MemoryError(`a plan of ${bytes} bytes cannot be allocated`, bytes, 0);
    return { bytes, at };
  }

  /** Lays out activations and gradients for `rows` samples per call (one block, kept while the model is resident). */
  private plan(rows: number): void {
    const { bytes, at } = this.planLayout(rows);
    const base = this.mem.replan(bytes, this.mem.pins > 1);
    const ptr = (i: number) => base + at[i];
    const n = this.layers.length;
    this.capacity = rows;
    this.planGeneration = this.mem.generation;
    this.inputPtr = ptr(0);
    this.targetPtr = ptr(1 + 3 * n);
    this.labelPtr = ptr(2 + 3 * n);
    this.bindings = this.layers.map((layer, i) => {
      const mine = this.entries.filter((e) => e.layer === layer);
      return {
        x: i === 0 ? this.inputPtr : ptr(1 + 3 * (i - 1)),
        dx: i === 0 ? 0 : ptr(2 + 3 * (i - 1)),
        y: ptr(1 + 3 * i),
        dy: ptr(2 + 3 * i),
        params: mine.map((e) => this.paramPtr + e.offset),
        grads: mine.map((e) => this.gradPtr + e.offset),
        ws: ptr(3 + 3 * i),
      };
    });
  }

  private forward(rows: number, training: boolean, logits: boolean): void {
    const k = this.rt.backend.kernels;
    const last = this.layers.length - 1;
    for (let i = 0; i <= last; i++) this.layers[i].forward(k, this.bindings[i], rows, training, logits && i === last);
  }

  /** Loss over `rows` samples whose output is in the last layer; writes the output gradient when grad. */
  private lossOf(rows: number, target: number, grad: boolean): number {
    const k = this.rt.backend.kernels;
    const c = this.compiled!;
    const b = this.bindings[this.bindings.length - 1];
    const g = grad ? b.dy : 0;
    const cols = this.outSize;
    let loss: number;
    switch (c.loss) {
      case 'meanSquaredError': loss = k.f32_mse(b.y, target, g, rows, cols); break;
      case 'binaryCrossentropy': loss = k.f32_bce(b.y, target, g, rows, cols); break;
      case 'categoricalCrossentropy':
        loss = c.fused ? k.f32_softmax_cce(b.y, target, b.y, g, rows, cols) : k.f32_cce(b.y, target, g, rows, cols);
        break;
      default:
        loss = c.fused ? k.f32_softmax_sparse_cce(b.y, target, b.y, g, rows, cols) : k.f32_sparse_cce(b.y, target, g, rows, cols);
    }
    for (const e of this.entries) {
      if (e.spec.l2 > 0) loss += e.spec.l2 * k.f32_sum_squares(this.paramPtr + e.offset, e.size);
    }
    return loss;
  }

  private correct(rows: number, target: number): number {
    const k = this.rt.backend.kernels;
    const y = this.bindings[this.bindings.length - 1].y;
    switch (this.compiled!.accuracy) {
      case 'argmax': return k.f32_count_argmax_match(y, target, rows, this.outSize);
      case 'label': return k.f32_count_argmax_label(y, target, rows, this.outSize);
      case 'binary': return k.f32_count_binary_match(y, target, rows * this.outSize, 0.5);
      default: return 0;
    }
  }

  private accuracyDenominator(rows: number): number {
    return this.compiled!.accuracy === 'binary' ? rows * this.outSize : rows;
  }

  /** Forward, loss and backward on the `rows` samples in the input buffer and `target`; gradients land in the grad block. */
  private gradients(rows: number, target: number): number {
    const k = this.rt.backend.kernels;
    const c = this.compiled!;
    this.forward(rows, true, c.fused);
    const loss = this.lossOf(rows, target, true);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      this.layers[i].backward(k, this.bindings[i], rows, c.fused && i === this.layers.length - 1);
    }
    return loss;
  }

  /** One optimizer step on the `rows` samples in the input and target buffers; returns the loss. */
  private trainStep(rows: number, epoch: number, batch: number): number {
    const k = this.rt.backend.kernels;
    const c = this.compiled!;
    const loss = this.gradients(rows, isSparse(c.loss) ? this.labelPtr : this.targetPtr);
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
    opt.apply(k, this.paramPtr, this.gradPtr, this.statePtrs, count, lr, this.iterations);
    if (!k.f32_all_finite(this.paramPtr, this.paramBytes / F32)) {
      if (this.backupPtr) k.f32_copy(this.backupPtr, this.paramPtr, this.paramBytes / F32);
      throw new TrainingError(`the weights overflowed to non-finite values at epoch ${epoch + 1}, batch ${batch + 1} of model ` +
        `'${this.name}' (learning rate ${lr}); they were restored to their values at the start of epoch ${epoch + 1} ` +
        '(try a lower learning rate or clipNorm)');
    }
    return loss;
  }

  // ---------------------------------------------------------------- data at the edge

  private checkX(x: unknown, what: string): Tensor {
    const t = toTensor(x, what);
    const want = this.layers[0].inShape;
    const got = t.shape;
    const okRank = got.length === want.length + 1 && want.every((d, i) => got[i + 1] === d);
    if (!okRank) {
      throw new ShapeError(`layer '${this.layers[0].name}' expects samples of shape [${want.join(', ')}], ` +
        `so ${what} should have shape [n, ${want.join(', ')}], but it has shape [${got.join(', ')}]`);
    }
    if (got[0] === 0) throw new ShapeError(`${what} has no samples`);
    return t;
  }

  private checkY(y: unknown, n: number, what: string): Tensor | Int32Array {
    const c = this.compiled!;
    const last = this.layers[this.layers.length - 1];
    if (isSparse(c.loss)) {
      const t = y instanceof Int32Array ? new Tensor(Float32Array.from(y), [y.length]) : toTensor(y, what);
      if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) {
        throw new ShapeError(`sparseCategoricalCrossentropy takes ${what} as one integer label per sample (shape [n] or [n, 1]), got shape [${t.shape.join(', ')}]`);
      }
      if (t.shape[0] !== n) throw new ShapeError(`x has ${n} samples but ${what} has ${t.shape[0]}`);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = t.data[i];
        if (!Number.isInteger(v) || v < 0 || v >= this.outSize) {
          throw new ValueError(`${what}[${i}] is ${v}, but labels must be integers in [0, ${this.outSize - 1}] for the ${this.outSize} units of layer '${last.name}'`);
        }
        labels[i] = v;
      }
      return labels;
    }
    const t = toTensor(y, what);
    if (t.shape[0] !== n) throw new ShapeError(`x has ${n} samples but ${what} has ${t.shape[0]}`);
    const per = product(t.shape.slice(1));
    if (per !== this.outSize || t.shape.length < 2) {
      throw new ShapeError(`layer '${last.name}' outputs shape [${last.outShape.join(', ')}] per sample, so ${what} should have shape ` +
        `[${n}, ${last.outShape.join(', ')}], but it has shape [${t.shape.join(', ')}]` +
        (c.loss === 'categoricalCrossentropy' && t.shape.length === 1 ? ' (for integer labels use sparseCategoricalCrossentropy)' : ''));
    }
    const bad = firstNonFinite(t.data);
    if (bad >= 0) throw new ValueError(`${what} contains ${t.data[bad]} at sample ${Math.floor(bad / per)}, index ${bad % per}`);
    if (c.loss === 'binaryCrossentropy' || c.loss === 'categoricalCrossentropy') {
      for (let i = 0; i < t.data.length; i++) {
        if (t.data[i] < 0 || t.data[i] > 1) {
          throw new ValueError(`${c.loss} needs targets in [0, 1], but ${what} has ${t.data[i]} at sample ${Math.floor(i / per)}, index ${i % per}`);
        }
      }
    }
    return t;
  }

  /** Bytes that staging n samples of x and y (with the row order) takes. */
  private stageBytes(n: number, y: Tensor | Int32Array | undefined): number {
    if (n === 0) return 0;
    return floats(n * this.inSize) + (y === undefined ? 0 : floats(n * (y instanceof Int32Array ? 1 : this.outSize)) + floats(n));
  }

  /** Copies x and y rows [from, from+n) into the arena, for the duration of the call (fit's training set). */
  private stage(x: Tensor, y: Tensor | Int32Array | undefined, from: number, n: number, what: string): Staged {
    const a = this.mem;
    const xp = a.allocTemp(n * this.inSize * F32);
    let yp = 0;
    let idx = 0;
    try {
      yp = y === undefined ? 0 : a.allocTemp(n * (y instanceof Int32Array ? 1 : this.outSize) * F32);
      // the row order for gathering batches
      idx = y === undefined ? 0 : a.allocTemp(n * F32);
    } catch (e) {
      this.unstage({ x: xp, y: yp, idx, n });
      throw e;
    }
    const mem = this.rt.backend.memory;
    mem.f32().set(x.data.subarray(from * this.inSize, (from + n) * this.inSize), xp / F32);
    if (y instanceof Int32Array) mem.i32().set(y.subarray(from, from + n), yp / F32);
    else if (y) mem.f32().set(y.data.subarray(from * this.outSize, (from + n) * this.outSize), yp / F32);
    if (y !== undefined) {
      const ix = mem.i32();
      for (let i = 0; i < n; i++) ix[idx / F32 + i] = i;
    }
    if (!this.rt.backend.kernels.f32_all_finite(xp, n * this.inSize)) {
      this.unstage({ x: xp, y: yp, idx, n });
      this.nonFinite(x, from, n, what);
    }
    return { x: xp, y: yp, idx, n };
  }

  /** Throws the ValueError for the first non-finite value of x's rows [from, from+n). */
  private nonFinite(x: Tensor, from: number, n: number, what: string): never {
    const bad = firstNonFinite(x.data.subarray(from * this.inSize, (from + n) * this.inSize));
    const s = Math.floor(bad / this.inSize);
    throw new ValueError(`${what} contains ${x.data[from * this.inSize + bad]} at sample ${from + s}, feature ${bad % this.inSize}; inputs must be finite`);
  }

  private unstage(s: Staged | undefined): void {
    if (!s) return;
    const a = this.mem;
    a.releaseTemp(s.x);
    if (s.y) a.releaseTemp(s.y);
    if (s.idx) a.releaseTemp(s.idx);
  }

  /**
   * Copies x rows [from, from+rows) into the input buffer (and y's into the target or label buffer), checking
   * that the inputs are finite; returns the target pointer.
   */
  private load(x: Tensor, y: Tensor | Int32Array | undefined, from: number, rows: number, what: string): number {
    const mem = this.rt.backend.memory;
    mem.f32().set(x.data.subarray(from * this.inSize, (from + rows) * this.inSize), this.inputPtr / F32);
    if (!this.rt.backend.kernels.f32_all_finite(this.inputPtr, rows * this.inSize)) this.nonFinite(x, from, rows, what);
    if (y instanceof Int32Array) {
      mem.i32().set(y.subarray(from, from + rows), this.labelPtr / F32);
      return this.labelPtr;
    }
    if (y) mem.f32().set(y.data.subarray(from * this.outSize, (from + rows) * this.outSize), this.targetPtr / F32);
    return this.targetPtr;
  }

  /** Loss and accuracy over rows [from, from+n) of x and y, `batch` rows at a time through the input buffer. */
  private evaluateRows(x: Tensor, y: Tensor | Int32Array, from: number, n: number, batch: number, what: string): Logs {
    const c = this.compiled!;
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      const target = this.load(x, y, from + start, rows, what);
      this.forward(rows, false, c.fused);
      lossSum += this.lossOf(rows, target, false) * rows;
      if (c.accuracy !== 'none') correct += this.correct(rows, target);
    }
    const logs: Logs = { loss: lossSum / n };
    if (c.accuracy !== 'none') logs.accuracy = correct / this.accuracyDenominator(n);
    return logs;
  }

  private requireCompiled(what: string): Compiled {
    if (!this.compiled) throw new StateError(`${what} called before compile: call model.compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  /**
   * Trains the model. x: [n, ...inputShape]; y: targets [n, ...outputShape], or integer labels [n] for
   * sparseCategoricalCrossentropy. Nested arrays or nn.Tensor. The last partial batch is trained too.
   * Resolves when training ends (after `epochs`, `model.stopTraining = true` or a hook's 'stop'); it yields to the
   * event loop at least every 50 ms. StateError before compile or while another fit of this model runs; ShapeError for
   * shapes that do not match the model; ValueError for non-finite inputs or bad options; TrainingError when the
   * loss becomes non-finite.
   *
   * @example
   * const history = await model.fit(x, y, { epochs: 3, batchSize: 64, validationSplit: 0.1,
   *   callbacks: { onEpochEnd(epoch, logs) { console.log(epoch, logs.loss, logs.val_accuracy); } } });
   */
  async fit(x: TensorLike, y: TensorLike | Int32Array | number[], options?: FitConfig): Promise<History> {
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
    const X = this.checkX(x, 'x');
    const N = X.shape[0];
    const Y = this.checkY(y, N, 'y');
    let nTrain = N;
    let valX: Tensor | undefined;
    let valY: Tensor | Int32Array | undefined;
    if (config.validationData !== undefined && config.validationData !== null) {
      if (!Array.isArray(config.validationData) || config.validationData.length !== 2) {
        throw new ValueError('validationData must be [x, y]');
      }
      valX = this.checkX(config.validationData[0], 'validationData x');
      valY = this.checkY(config.validationData[1], valX.shape[0], 'validationData y');
    } else if (split > 0) {
      nTrain = N - Math.floor(N * split);
      if (nTrain <= 0 || nTrain === N) {
        throw new ValueError(`validationSplit ${split} of ${N} samples leaves ${nTrain} for training and ${N - nTrain} for validation; both need at least one`);
      }
      valX = X;
      valY = Y;
    }
    // validation rows stream through the input buffer at each epoch's end: check them before any training
    const valFrom = valX === X ? nTrain : 0;
    const valN = valX ? (valX === X ? N - nTrain : valX.shape[0]) : 0;
    const valWhat = valX === X ? 'x' : 'validationData x';
    if (valX && firstNonFinite(valX.data.subarray(valFrom * this.inSize, (valFrom + valN) * this.inSize)) >= 0) this.nonFinite(valX, valFrom, valN, valWhat);
    for (const h of hooks) if (h instanceof Callback) h.setModel(this);
    const history = new History();
    const bar = config.verbose === 1 ? new ProgressBar(epochs, nTrain) : undefined;
    const sparse = isSparse(c.loss);
    // the kernels in use now: read after every await, since a hook may change the threads (nn.ready, nn.shutdown)
    const kern = () => this.rt.backend.kernels;

    let train: Staged | undefined;
    // the plan holds min(batchSize, samples) rows; the training set and a backup of the weights are the call's own
    const extra = this.stageBytes(nTrain, Y) + floats(Math.max(this.paramBytes / F32, 4));
    const rt = this.enter('fit', Math.min(batchSize, nTrain), extra, batchSize);
    this.fitRt = rt;
    this.stopTraining = false;
    try {
      try {
        train = this.stage(X, Y, 0, nTrain, 'x');
        this.backupPtr = this.mem.allocTemp(Math.max(this.paramBytes, 16));
      } catch (e) {
        throw this.memoryError(e, 'fit', batchSize, Math.min(batchSize, nTrain), extra, rt);
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
        let correct = 0;
        let seen = 0;
        for (let b = 0; b < batches; b++) {
          const start = b * batchSize;
          const rows = Math.min(batchSize, nTrain - start);
          if (batchHooks.length) await call('onBatchBegin', b, { batch: b, size: rows });
          const k = kern();
          k.f32_gather_rows(train.x, train.idx, start, this.inputPtr, rows, this.inSize);
          if (sparse) k.i32_gather(train.y, train.idx, start, this.labelPtr, rows);
          else k.f32_gather_rows(train.y, train.idx, start, this.targetPtr, rows, this.outSize);
          const loss = this.trainStep(rows, epoch, b);
          lossSum += loss * rows;
          seen += rows;
          let acc = 0;
          if (c.accuracy !== 'none') {
            const right = this.correct(rows, sparse ? this.labelPtr : this.targetPtr);
            correct += right;
            acc = right / this.accuracyDenominator(rows);
          }
          if (batchHooks.length) {
            const logs: Logs = { batch: b, size: rows, loss };
            if (c.accuracy !== 'none') logs.accuracy = acc;
            for (const h of batchHooks) {
              if (typeof h.onBatchEnd !== 'function') continue;
              let r = h.onBatchEnd(b, logs);
              if (isThenable(r)) r = await r;
              if (r === 'stop') this.stopTraining = true;
            }
          }
          if (bar?.due()) {
            const logs: Logs = { loss: lossSum / seen };
            if (c.accuracy !== 'none') logs.accuracy = correct / this.accuracyDenominator(seen);
            bar.update(epoch, seen, logs);
          }
          if (this.stopTraining) break;
          const now = performance.now();
          if (now - lastYield > 50) {
            await nextTick();
            lastYield = performance.now();
          }
        }
        const logs: Logs = { loss: lossSum / seen };
        if (c.accuracy !== 'none') logs.accuracy = correct / this.accuracyDenominator(seen);
        if (valX) {
          const v = this.evaluateRows(valX, valY!, valFrom, valN, this.capacity, valWhat);
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
   * or an nn.Tensor) and returns [n, ...outputShape]. Dropout is off and batch normalization uses its moving
   * averages. ShapeError for a shape the model does not take, ValueError for NaN or ±Infinity in x.
   *
   * @example
   * const probs = model.predict([[0, 1]]);   // nn.Tensor of shape [1, units]
   */
  predict(x: TensorLike, config?: {
    /** Samples per forward pass, an integer ≥ 1; default 256. Only memory use depends on it. */
    batchSize?: number;
  }): Tensor {
    config = optionsOf<{ batchSize: number }>('predict', config, PREDICT_OPTIONS);
    this.build();
    const X = this.checkX(x, 'x');
    const n = X.shape[0];
    const batchSize = Math.min(positiveInt('batchSize', config.batchSize ?? 256), n);
    const out = new Float32Array(n * this.outSize);
    this.enter('predict', batchSize, 0, batchSize);
    try {
      const last = this.bindings[this.bindings.length - 1];
      for (let start = 0; start < n; start += batchSize) {
        const rows = Math.min(batchSize, n - start);
        this.load(X, undefined, start, rows, 'x');
        this.forward(rows, false, false);
        const mem = this.rt.backend.memory.f32();
        out.set(mem.subarray(last.y / F32, last.y / F32 + rows * this.outSize), start * this.outSize);
      }
    } finally {
      this.leave();
    }
    return new Tensor(out, [n, ...this.layers[this.layers.length - 1].outShape]);
  }

  /**
   * Loss (and accuracy when compiled with metrics: ['accuracy']) over x and y, as the mean over all samples.
   * x and y take the same forms as in fit. StateError before compile.
   *
   * @example
   * const { loss, accuracy } = model.evaluate(testX, testY);
   */
  evaluate(x: TensorLike, y: TensorLike | Int32Array | number[], config?: {
    /** Samples per pass, an integer ≥ 1; default 256. Only memory use depends on it. */
    batchSize?: number;
  }): Logs {
    this.live('evaluate');
    config = optionsOf<{ batchSize: number }>('evaluate', config, PREDICT_OPTIONS);
    this.requireCompiled('evaluate');
    this.build();
    const X = this.checkX(x, 'x');
    const Y = this.checkY(y, X.shape[0], 'y');
    const batchSize = Math.min(positiveInt('batchSize', config.batchSize ?? 256), X.shape[0]);
    this.enter('evaluate', batchSize, 0, batchSize);
    try {
      return this.evaluateRows(X, Y, 0, X.shape[0], batchSize, 'x');
    } finally {
      this.leave();
    }
  }

  /**
   * The loss on (x, y) and its gradient w.r.t. every weight (same order as getWeights), without changing the
   * weights or the optimizer state.
   *
   * @example
   * const { loss, grads } = model.computeGradients(x, y);
   */
  computeGradients(x: TensorLike, y: TensorLike | Int32Array | number[]): {
    /** The loss on (x, y), as fit and evaluate compute it. */
    loss: number;
    /** The gradient of `loss` for each weight tensor, shaped like it, in getWeights order. */
    grads: Tensor[];
  } {
    this.live('compute gradients');
    this.requireCompiled('computeGradients');
    this.build();
    const X = this.checkX(x, 'x');
    const Y = this.checkY(y, X.shape[0], 'y');
    const n = X.shape[0];
    this.enter('compute gradients', n, 0, n);
    try {
      const loss = this.gradients(n, this.load(X, Y, 0, n, 'x'));
      const mem = this.rt.backend.memory.f32();
      const grads = this.entries.map((e) => {
        const at = (this.gradPtr + e.offset) / F32;
        return new Tensor(mem.slice(at, at + e.size), e.spec.shape);
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
    const [f, base] = this.paramsView();
    return this.entries.map((e) => {
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
    if (!Array.isArray(weights) || weights.length !== this.entries.length) {
      throw new ShapeError(`model '${this.name}' has ${this.entries.length} weight tensors (${this.entries.map((e) => `${e.layer.name}/${e.spec.name}`).join(', ')}), but ${Array.isArray(weights) ? weights.length : 'no array'} were given`);
    }
    const values = weights.map((w, i) => {
      const e = this.entries[i];
      const label = `${e.layer.name}/${e.spec.name}`;
      const t = toTensor(w, label);
      if (t.shape.length !== e.spec.shape.length || t.shape.some((d, j) => d !== e.spec.shape[j])) {
        throw new ShapeError(`weight ${label} has shape [${e.spec.shape.join(', ')}], got [${t.shape.join(', ')}]`);
      }
      const bad = firstNonFinite(t.data);
      if (bad >= 0) throw new ValueError(`weight ${label} contains ${t.data[bad]} at index ${bad}`);
      return t.data;
    });
    this.writeEntries(values);
  }

  /**
   * All parameters as one flat copy of the parameter block (used to restore best weights): trainable weights
   * first, then non-trainable state (batch-norm moving statistics), each padded to 4 floats.
   *
   * @example
   * const saved = model.getWeightsFlat();
   * // ... train ...
   * model.setWeightsFlat(saved);
   */
  getWeightsFlat(): Float32Array {
    this.build();
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
   * Prints (and returns) a table of layers, output shapes and parameter counts, the total and the backend, one
   * line at a time through `print` (default console.log; ValueError if it is not a function).
   *
   * @example
   * model.summary();
   */
  summary(print: (line: string) => void = console.log): string {
    if (typeof print !== 'function') throw new ValueError(`summary takes a function that prints one line, got ${show(print)}`);
    this.build();
    const rows = [['Layer (type)', 'Output shape', 'Param #']];
    for (const l of this.layers) {
      const n = this.entries.filter((e) => e.layer === l).reduce((a, e) => a + e.size, 0);
      rows.push([`${l.name} (${l.className})`, `[null, ${l.outShape.join(', ')}]`, String(n)]);
    }
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)) + 3);
    const line = (r: string[]) => r[0].padEnd(w[0]) + r[1].padEnd(w[1]) + r[2];
    const rule = '_'.repeat(w[0] + w[1] + w[2]);
    const text = [rule, line(rows[0]), '='.repeat(rule.length), ...rows.slice(1).map(line), '='.repeat(rule.length),
      `Total params: ${this.countParams()}`, `Backend: ${this.rt.backend.name}`, rule].join('\n');
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
      planPtr: m.plan, capacity: m.plan ? this.capacity : 0, modelBytes: m.residentBytes };
  }

  /**
   * Frees the model's memory now instead of when the collector reclaims the model (optional: idle models are
   * also evicted when memory runs short). Idempotent; any later use of the model throws StateError, and its
   * layers may be added to another model.
   *
   * @example
   * model.dispose();
   */
  dispose(): void {
    if (this.disposed) return;
    if (this.fitRt) throw new StateError(`model '${this.name}' cannot be disposed while its fit runs; set model.stopTraining = true and dispose after the fit resolves`);
    this.disposed = true;
    if (this.built) {
      this.mem.release();
      finalizer?.unregister(this);
    }
    for (const l of this.layers) if (owners.get(l) === this) owners.delete(l);
  }

  /** Optimizer updates applied since compile (0 before). */
  get optimizerIterations(): number {
    return this.iterations;
  }

  /**
   * What compile was given (resolved: an Optimizer object, the canonical loss name, metrics as 'accuracy'), or
   * undefined before compile.
   */
  get compileConfig(): {
    /** The optimizer in use. */
    optimizer: Optimizer;
    /** The loss, by its canonical name ('mse' resolves to 'meanSquaredError'). */
    loss: LossName;
    /** The metrics, each 'accuracy'. */
    metrics: string[];
  } | undefined {
    const c = this.compiled;
    return c && { optimizer: c.optimizer, loss: c.loss, metrics: [...c.metrics] };
  }

  /**
   * The optimizer's state as tensors shaped like the weights, named `layer/param/slot` (e.g. `dense_1/kernel/m`),
   * in getWeights order for each slot in turn. Empty for plain SGD; StateError before compile.
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
    return this.entries.filter((e) => e.spec.trainable ?? true);
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
      layerRngStates: this.layers.map((l) => l.rng?.getState() ?? null) };
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
    const layerStates = s.layerRngStates ?? [];
    if (!Array.isArray(layerStates) || (layerStates.length !== 0 && layerStates.length !== this.layers.length)) {
      throw new ValueError(`training state: layerRngStates must have one entry per layer (${this.layers.length})`);
    }
    try {
      this.shuffleRng.setState(s.shuffleState);
      layerStates.forEach((st, i) => { if (st && this.layers[i].rng) this.layers[i].rng!.setState(st); });
    } catch (e) {
      throw new ValueError(`training state: ${(e as Error).message}`);
    }
    this.epochsTrained = s.epochsTrained;
    this.iterations = s.iterations;
  }

  /**
   * The Keras-style `{ className: 'Sequential', config: { name, layers } }` that a saved model.json holds as its
   * topology (JSON.stringify uses it).
   *
   * @example
   * JSON.stringify(model);   // '{"className":"Sequential","config":{"name":"sequential","layers":[...]}}'
   */
  toJSON(): Record<string, unknown> {
    return { className: 'Sequential', config: { name: this.name, layers: this.layers.map((l) => l.toJSON()) } };
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
    return saveModel(this, target, options);
  }
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

