import { runtime, type Runtime } from './backend/index';
import { Callback, type CallbackHooks, type Logs, type TrainingTarget } from './callbacks';
import { ShapeError, StateError, TrainingError, ValueError } from './errors';
import { initialize } from './initializers';
import type { SaveOptions, SaveResult, SaveTarget } from './io/model-io';
import { Layer, type LayerBinding, type ParamSpec } from './layers/layer';
import { isSparse, lossName, type LossName } from './losses';
import { Optimizer, toOptimizer } from './optimizers';
import { ProgressBar } from './progress';
import { Rng } from './random';
import { Tensor, toTensor, type TensorLike } from './tensor';


const F32 = 4;
const align16 = (bytes: number) => (bytes + 15) & ~15;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Heap blocks owned by one model on one runtime; released together when the model is collected. */
class Allocations {
  private readonly ptrs = new Map<number, number>();
  /** Bytes currently held. */
  bytes = 0;
  constructor(readonly rt: Runtime) {}
  alloc(bytes: number): number {
    const p = this.rt.heap.alloc(bytes);
    this.ptrs.set(p, bytes);
    this.bytes += bytes;
    return p;
  }
  release(ptr: number): void {
    const n = this.ptrs.get(ptr);
    if (n === undefined) return;
    this.ptrs.delete(ptr);
    this.bytes -= n;
    this.rt.heap.release(ptr);
  }
  releaseAll(): void {
    for (const p of this.ptrs.keys()) this.rt.heap.release(p);
    this.ptrs.clear();
    this.bytes = 0;
  }
}

const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Allocations>((a) => a.releaseAll())
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

export interface CompileConfig {
  /** An optimizer from nn.optimizers, or a name: 'sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'. */
  optimizer: Optimizer | string;
  /** 'meanSquaredError', 'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy'. */
  loss: string;
  /** ['accuracy'] (or 'acc') to report accuracy. */
  metrics?: string[];
}

export interface FitConfig {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples before each epoch (seeded by the model's seed); default true. */
  shuffle?: boolean;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  validationData?: [unknown, unknown];
  /** 1 draws a progress bar (a redrawn line in a terminal, plain lines otherwise); default 0. */
  verbose?: 0 | 1;
  callbacks?: CallbackHooks | Callback | (CallbackHooks | Callback)[];
  /** Epoch to start counting from (for resuming); default 0. */
  initialEpoch?: number;
}

/** What fit returns: per-epoch logs, as TF.js' History. */
export class History {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  /** @internal */
  push(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/** Where training stands (see getTrainingState); plain JSON. */
export interface TrainingState {
  epochsTrained: number;
  iterations: number;
  shuffleState: number[];
  /** Per layer, the state of its random stream (dropout), or null. */
  layerRngStates?: (number[] | null)[];
}

export interface SequentialConfig {
  layers?: Layer[];
  /** Seed for weight initialization and shuffling; same seed + same data + same backend ⇒ same weights. */
  seed?: number;
  name?: string;
}

function positiveInt(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ValueError(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

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
  readonly name: string;
  readonly layers: Layer[] = [];
  readonly seed: number;
  /** Set to true (from a callback) to end fit after the current batch. */
  stopTraining = false;

  private readonly initRng: Rng;
  private readonly shuffleRng: Rng;
  private built = false;
  private allocs: Allocations | undefined;
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
  private capacity = 0;
  private planPtr = 0;
  /** During fit: a copy of the weights at the start of the epoch, restored if an update overflows. */
  private backupPtr = 0;
  private bindings: LayerBinding[] = [];
  private inputPtr = 0;
  private targetPtr = 0;
  private labelPtr = 0;
  private inSize = 0;
  private outSize = 0;

  constructor(c: SequentialConfig = {}) {
    this.name = c.name ?? 'sequential';
    const seed = c.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new ValueError(`seed must be a finite number, got ${seed}`);
    this.seed = seed;
    this.initRng = new Rng(seed);
    this.shuffleRng = new Rng(seed).fork();
    for (const l of c.layers ?? []) this.add(l);
  }

  /** Appends a layer (before the model is first used). */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new ValueError(`${this.name}.add expects a layer from nn.layers, got ${String(layer)}`);
    if (this.built) throw new StateError(`cannot add layer '${layer.name}': model '${this.name}' is already built`);
    if (this.layers.includes(layer)) throw new ValueError(`layer '${layer.name}' is already in model '${this.name}'`);
    this.layers.push(layer);
  }

  /** Shape of one input sample. */
  get inputShape(): number[] {
    this.build();
    return [...this.layers[0].inShape];
  }
  /** Shape of one output sample. */
  get outputShape(): number[] {
    this.build();
    return [...this.layers[this.layers.length - 1].outShape];
  }

  /** Fixes the shapes, lays out the parameters and initializes them from the seed. */
  build(): void {
    if (this.built) return;
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
    const offsets = new Map<object, number>();
    let offset = 0;
    for (const pass of [true, false]) {
      for (const e of specs) {
        if ((e.spec.trainable ?? true) !== pass) continue;
        offsets.set(e, offset);
        offset += align16(e.size * F32);
      }
      if (pass) this.trainableBytes = offset;
    }
    this.entries = specs.map((e) => ({ ...e, offset: offsets.get(e)! }));
    this.paramBytes = offset;
    for (const l of this.layers) if (l.usesRng) l.rng = this.initRng.fork();
    this.inSize = product(this.layers[0].inShape);
    this.outSize = product(this.layers[this.layers.length - 1].outShape);
    const init: Float32Array[] = this.entries.map((e) => {
      const w = new Float32Array(e.size);
      initialize(e.spec.initializer, e.spec.shape, w, this.initRng);
      return w;
    });
    this.built = true;
    this.attach(runtime());
    this.writeEntries(init);
  }

  /** Allocates the parameter block (params then grads, one layout) on a runtime. */
  private attach(rt: Runtime): void {
    this.allocs = new Allocations(rt);
    finalizer?.register(this, this.allocs);
    const total = Math.max(this.paramBytes, 16);
    this.paramPtr = this.allocs.alloc(2 * total);
    this.gradPtr = this.paramPtr + total;
    rt.backend.kernels.f32_fill(this.paramPtr, (2 * total) / F32, 0);
    this.capacity = 0;
    this.statePtrs = [];
  }

  private get rt(): Runtime {
    return this.allocs!.rt;
  }

  /** Builds if needed and follows the current backend, moving weights and optimizer state across. */
  private ensure(): Runtime {
    this.build();
    const rt = runtime();
    if (rt !== this.rt) {
      const weights = this.getWeightsFlat();
      const state = this.statePtrs.map((p) => this.readBlock(p, this.trainableBytes));
      const old = this.allocs!;
      this.attach(rt);
      old.releaseAll();
      if (old && finalizer) finalizer.unregister(this);
      this.setWeightsFlat(weights);
      if (this.compiled) this.allocState(this.compiled.optimizer, state);
    }
    return rt;
  }

  private readBlock(ptr: number, bytes = this.paramBytes): Float32Array {
    return this.rt.backend.memory.f32().slice(ptr / F32, (ptr + bytes) / F32);
  }

  private writeEntries(values: Float32Array[]): void {
    const mem = this.rt.backend.memory.f32();
    this.entries.forEach((e, i) => mem.set(values[i], (this.paramPtr + e.offset) / F32));
  }

  private allocState(opt: Optimizer, from?: Float32Array[]): void {
    for (const p of this.statePtrs) this.allocs!.release(p);
    this.statePtrs = [];
    const count = this.trainableBytes / F32;
    for (let s = 0; s < opt.slots; s++) {
      const p = this.allocs!.alloc(Math.max(this.trainableBytes, 16));
      if (from?.[s]) this.rt.backend.memory.f32().set(from[s], p / F32);
      else this.rt.backend.kernels.f32_fill(p, count, opt.initialState());
      this.statePtrs.push(p);
    }
  }

  /**
   * Chooses the optimizer, loss and metrics. Compiling again resets the optimizer state.
   *
   * @example
   * model.compile({ optimizer: nn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy',
   *                 metrics: ['accuracy'] });
   */
  compile(c: CompileConfig): void {
    if (!c || typeof c !== 'object') throw new ValueError('compile expects { optimizer, loss, metrics? }');
    const optimizer = toOptimizer(c.optimizer);
    const loss = lossName(c.loss);
    const metrics = c.metrics ?? [];
    if (!Array.isArray(metrics)) throw new ValueError(`metrics must be an array such as ['accuracy'], got ${JSON.stringify(metrics)}`);
    for (const m of metrics) {
      if (m !== 'accuracy' && m !== 'acc') throw new ValueError(`unknown metric ${JSON.stringify(m)}; valid metrics are: accuracy, acc`);
    }
    this.ensure();
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
    this.compiled = { optimizer, loss, metrics: metrics.map(() => 'accuracy'), fused, accuracy };
    this.allocState(optimizer);
    this.iterations = 0;
  }

  /** Lays out activations and gradients for up to `rows` samples per call (one arena, reused). */
  private plan(rows: number): void {
    if (rows <= this.capacity) return;
    if (this.planPtr) this.allocs!.release(this.planPtr);
    const layout: number[] = [];
    let bytes = 0;
    const take = (n: number) => { layout.push(bytes); bytes += align16(n * F32); return layout.length - 1; };
    const input = take(rows * this.inSize);
    const ys = this.layers.map((l) => [take(rows * product(l.outShape)), take(rows * product(l.outShape)),
      take(l.workspaceBytes(rows) / F32)]);
    const target = take(rows * this.outSize);
    const labels = take(rows);
    const base = this.allocs!.alloc(bytes);
    const at = (i: number) => base + layout[i];
    this.planPtr = base;
    this.capacity = rows;
    this.inputPtr = at(input);
    this.targetPtr = at(target);
    this.labelPtr = at(labels);
    this.bindings = this.layers.map((layer, i) => {
      const mine = this.entries.filter((e) => e.layer === layer);
      return {
        x: i === 0 ? this.inputPtr : at(ys[i - 1][0]),
        dx: i === 0 ? 0 : at(ys[i - 1][1]),
        y: at(ys[i][0]),
        dy: at(ys[i][1]),
        params: mine.map((e) => this.paramPtr + e.offset),
        grads: mine.map((e) => this.gradPtr + e.offset),
        ws: at(ys[i][2]),
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

  /** Forward, loss and backward on the `rows` samples at `input`/`target`; gradients land in the grad block. */
  private gradients(rows: number, input: number, target: number): number {
    const k = this.rt.backend.kernels;
    const c = this.compiled!;
    const b0 = this.bindings[0];
    const saved = b0.x;
    b0.x = input;
    this.forward(rows, true, c.fused);
    const loss = this.lossOf(rows, target, true);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      this.layers[i].backward(k, this.bindings[i], rows, c.fused && i === this.layers.length - 1);
    }
    b0.x = saved;
    return loss;
  }

  /** One optimizer step on the `rows` samples in the input and target buffers; returns the loss. */
  private trainStep(rows: number, epoch: number, batch: number): number {
    const k = this.rt.backend.kernels;
    const c = this.compiled!;
    const loss = this.gradients(rows, this.inputPtr, isSparse(c.loss) ? this.labelPtr : this.targetPtr);
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

  /** Copies x and y rows [from, from+n) into the arena. */
  private stage(x: Tensor, y: Tensor | Int32Array | undefined, from: number, n: number, what: string): Staged {
    const a = this.allocs!;
    const xp = a.alloc(n * this.inSize * F32);
    const yp = y === undefined ? 0 : a.alloc(n * (y instanceof Int32Array ? 1 : this.outSize) * F32);
    // the row order for gathering batches; predict reads the rows in place and needs none
    const idx = y === undefined ? 0 : a.alloc(n * F32);
    const mem = this.rt.backend.memory;
    mem.f32().set(x.data.subarray(from * this.inSize, (from + n) * this.inSize), xp / F32);
    if (y instanceof Int32Array) mem.i32().set(y.subarray(from, from + n), yp / F32);
    else if (y) mem.f32().set(y.data.subarray(from * this.outSize, (from + n) * this.outSize), yp / F32);
    if (y !== undefined) {
      const ix = mem.i32();
      for (let i = 0; i < n; i++) ix[idx / F32 + i] = i;
    }
    if (!this.rt.backend.kernels.f32_all_finite(xp, n * this.inSize)) {
      const bad = firstNonFinite(x.data.subarray(from * this.inSize, (from + n) * this.inSize));
      const s = Math.floor(bad / this.inSize);
      this.unstage({ x: xp, y: yp, idx, n });
      throw new ValueError(`${what} contains ${x.data[from * this.inSize + bad]} at sample ${from + s}, feature ${bad % this.inSize}; inputs must be finite`);
    }
    return { x: xp, y: yp, idx, n };
  }

  private unstage(s: Staged | undefined): void {
    if (!s) return;
    const a = this.allocs!;
    a.release(s.x);
    if (s.y) a.release(s.y);
    if (s.idx) a.release(s.idx);
  }

  /** Loss and accuracy over staged data, in batches, pointing the first layer straight at the staged rows. */
  private evaluateStaged(s: Staged, batchSize: number): Logs {
    const c = this.compiled!;
    const sparse = isSparse(c.loss);
    const b0 = this.bindings[0];
    const saved = b0.x;
    let lossSum = 0;
    let correct = 0;
    try {
      for (let start = 0; start < s.n; start += batchSize) {
        const rows = Math.min(batchSize, s.n - start);
        b0.x = s.x + start * this.inSize * F32;
        const target = s.y + start * (sparse ? 1 : this.outSize) * F32;
        this.forward(rows, false, c.fused);
        lossSum += this.lossOf(rows, target, false) * rows;
        if (c.accuracy !== 'none') correct += this.correct(rows, target);
      }
    } finally {
      b0.x = saved;
    }
    const logs: Logs = { loss: lossSum / s.n };
    if (c.accuracy !== 'none') logs.accuracy = correct / this.accuracyDenominator(s.n);
    return logs;
  }

  private requireCompiled(what: string): Compiled {
    if (!this.compiled) throw new StateError(`${what} called before compile: call model.compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  /**
   * Trains the model. x: [n, ...inputShape]; y: targets [n, ...outputShape], or integer labels [n] for
   * sparseCategoricalCrossentropy. Nested arrays or nn.Tensor. The last partial batch is trained too.
   *
   * @example
   * const history = await model.fit(x, y, { epochs: 3, batchSize: 64, validationSplit: 0.1,
   *   callbacks: { onEpochEnd(epoch, logs) { console.log(epoch, logs.loss, logs.val_accuracy); } } });
   */
  async fit(x: TensorLike, y: TensorLike | Int32Array | number[], config: FitConfig = {}): Promise<History> {
    const c = this.requireCompiled('fit');
    if (config === null || typeof config !== 'object') throw new ValueError('fit config must be an object');
    const epochs = positiveInt('epochs', config.epochs ?? 1);
    const batchSize = positiveInt('batchSize', config.batchSize ?? 32);
    const initialEpoch = config.initialEpoch ?? 0;
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new ValueError(`initialEpoch must be an integer ≥ 0, got ${initialEpoch}`);
    const split = config.validationSplit ?? 0;
    if (typeof split !== 'number' || !(split >= 0 && split < 1)) throw new ValueError(`validationSplit must be in [0, 1), got ${split}`);
    const shuffle = config.shuffle ?? true;
    this.ensure();
    const X = this.checkX(x, 'x');
    const N = X.shape[0];
    const Y = this.checkY(y, N, 'y');
    let nTrain = N;
    let valX: Tensor | undefined;
    let valY: Tensor | Int32Array | undefined;
    if (config.validationData) {
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
    const hooks = ([] as (CallbackHooks | Callback)[]).concat(config.callbacks ?? []);
    for (const h of hooks) if (h instanceof Callback) h.setModel(this);
    const history = new History();
    const bar = config.verbose === 1 ? new ProgressBar(epochs, nTrain) : undefined;
    const sparse = isSparse(c.loss);
    // the kernels in use now: read after every await, since a hook may change the threads (nn.ready, nn.shutdown)
    const kern = () => this.rt.backend.kernels;

    let train: Staged | undefined;
    let val: Staged | undefined;
    this.stopTraining = false;
    try {
      train = this.stage(X, Y, 0, nTrain, 'x');
      if (valX) val = this.stage(valX, valY, valX === X ? nTrain : 0, valX === X ? N - nTrain : valX.shape[0], valX === X ? 'x' : 'validationData x');
      this.plan(batchSize);
      this.backupPtr = this.allocs!.alloc(Math.max(this.paramBytes, 16));
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
        if (val) {
          const v = this.evaluateStaged(val, Math.max(batchSize, this.capacity));
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
      this.unstage(val);
      if (this.backupPtr) this.allocs!.release(this.backupPtr);
      this.backupPtr = 0;
    }
    return history;
  }

  /**
   * Runs the model on x ([n, ...inputShape]) and returns [n, ...outputShape].
   *
   * @example
   * const probs = model.predict([[0, 1]]);   // nn.Tensor of shape [1, units]
   */
  predict(x: TensorLike, config: { batchSize?: number } = {}): Tensor {
    this.ensure();
    const X = this.checkX(x, 'x');
    const n = X.shape[0];
    const batchSize = Math.min(positiveInt('batchSize', config.batchSize ?? 256), n);
    const s = this.stage(X, undefined, 0, n, 'x');
    const out = new Float32Array(n * this.outSize);
    try {
      this.plan(batchSize);
      const first = this.bindings[0];
      const last = this.bindings[this.bindings.length - 1];
      const saved = first.x;
      try {
        for (let start = 0; start < n; start += batchSize) {
          const rows = Math.min(batchSize, n - start);
          first.x = s.x + start * this.inSize * F32;
          this.forward(rows, false, false);
          const mem = this.rt.backend.memory.f32();
          out.set(mem.subarray(last.y / F32, last.y / F32 + rows * this.outSize), start * this.outSize);
        }
      } finally {
        first.x = saved;
      }
    } finally {
      this.unstage(s);
    }
    return new Tensor(out, [n, ...this.layers[this.layers.length - 1].outShape]);
  }

  /**
   * Loss (and accuracy when compiled with metrics: ['accuracy']) over x and y.
   *
   * @example
   * const { loss, accuracy } = model.evaluate(testX, testY);
   */
  evaluate(x: TensorLike, y: TensorLike | Int32Array | number[], config: { batchSize?: number } = {}): Logs {
    this.requireCompiled('evaluate');
    this.ensure();
    const X = this.checkX(x, 'x');
    const Y = this.checkY(y, X.shape[0], 'y');
    const batchSize = Math.min(positiveInt('batchSize', config.batchSize ?? 256), X.shape[0]);
    const s = this.stage(X, Y, 0, X.shape[0], 'x');
    try {
      this.plan(batchSize);
      return this.evaluateStaged(s, batchSize);
    } finally {
      this.unstage(s);
    }
  }

  /**
   * The loss on (x, y) and its gradient w.r.t. every weight (same order as getWeights), without changing the
   * weights or the optimizer state.
   *
   * @example
   * const { loss, grads } = model.computeGradients(x, y);
   */
  computeGradients(x: TensorLike, y: TensorLike | Int32Array | number[]): { loss: number; grads: Tensor[] } {
    this.requireCompiled('computeGradients');
    this.ensure();
    const X = this.checkX(x, 'x');
    const Y = this.checkY(y, X.shape[0], 'y');
    const n = X.shape[0];
    const s = this.stage(X, Y, 0, n, 'x');
    try {
      this.plan(n);
      const loss = this.gradients(n, s.x, s.y);
      const mem = this.rt.backend.memory.f32();
      const grads = this.entries.map((e) => {
        const at = (this.gradPtr + e.offset) / F32;
        return new Tensor(mem.slice(at, at + e.size), e.spec.shape);
      });
      return { loss, grads };
    } finally {
      this.unstage(s);
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
    this.ensure();
    const mem = this.rt.backend.memory.f32();
    return this.entries.map((e) => {
      const at = (this.paramPtr + e.offset) / F32;
      return new Tensor(mem.slice(at, at + e.size), e.spec.shape);
    });
  }

  /**
   * Replaces the weights; the list must match getWeights() in count and shapes, with finite values.
   *
   * @example
   * model.setWeights(otherModel.getWeights());
   */
  setWeights(weights: (Tensor | TensorLike)[]): void {
    this.ensure();
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

  /** All parameters as one flat copy of the parameter block (used to restore best weights). */
  getWeightsFlat(): Float32Array {
    this.build();
    return this.readBlock(this.paramPtr);
  }
  setWeightsFlat(w: Float32Array): void {
    this.build();
    if (w.length !== this.paramBytes / F32) throw new ShapeError(`flat weights need ${this.paramBytes / F32} values, got ${w.length}`);
    this.rt.backend.memory.f32().set(w, this.paramPtr / F32);
  }

  /** Number of trainable parameters. */
  countParams(): number {
    this.build();
    return this.entries.reduce((a, e) => a + e.size, 0);
  }

  /**
   * Prints (and returns) a table of layers, output shapes and parameter counts.
   *
   * @example
   * model.summary();
   */
  summary(print: (line: string) => void = console.log): string {
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
   */
  arenaInfo(): { backend: string; memoryBytes: number; paramPtr: number; planPtr: number; capacity: number; modelBytes: number } {
    this.build();
    return { backend: this.rt.backend.name, memoryBytes: this.rt.backend.memory.byteLength, paramPtr: this.paramPtr,
      planPtr: this.planPtr, capacity: this.capacity, modelBytes: this.allocs!.bytes };
  }

  /** Optimizer updates applied since compile. */
  get optimizerIterations(): number {
    return this.iterations;
  }

  /** What compile was given (resolved), or undefined before compile. */
  get compileConfig(): { optimizer: Optimizer; loss: LossName; metrics: string[] } | undefined {
    const c = this.compiled;
    return c && { optimizer: c.optimizer, loss: c.loss, metrics: [...c.metrics] };
  }

  /**
   * The optimizer's state as tensors shaped like the weights, named `layer/param/slot` (e.g. `dense_1/kernel/m`),
   * in getWeights order for each slot in turn.
   */
  getOptimizerWeights(): { name: string; tensor: Tensor }[] {
    const c = this.requireCompiled('getOptimizerWeights');
    this.ensure();
    const mem = this.rt.backend.memory.f32();
    const out: { name: string; tensor: Tensor }[] = [];
    c.optimizer.slotNames.forEach((slot, s) => {
      for (const e of this.trainableEntries()) {
        const at = (this.statePtrs[s] + e.offset) / F32;
        out.push({ name: `${e.layer.name}/${e.spec.name}/${slot}`, tensor: new Tensor(mem.slice(at, at + e.size), e.spec.shape) });
      }
    });
    return out;
  }

  /** Restores state from getOptimizerWeights(): same names, order and shapes, finite values. */
  setOptimizerWeights(list: { name: string; tensor: Tensor }[]): void {
    const c = this.requireCompiled('setOptimizerWeights');
    this.ensure();
    const trainable = this.trainableEntries();
    const want = c.optimizer.slotNames.length * trainable.length;
    if (!Array.isArray(list) || list.length !== want) {
      throw new ShapeError(`optimizer ${c.optimizer.name} of model '${this.name}' has ${want} state tensors, got ${Array.isArray(list) ? list.length : 'none'}`);
    }
    const values: [number, Float32Array][] = [];
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
        values.push([(this.statePtrs[s] + e.offset) / F32, t.data]);
      });
    });
    const mem = this.rt.backend.memory.f32();
    for (const [at, data] of values) mem.set(data, at);
  }

  private trainableEntries(): ParamEntry[] {
    return this.entries.filter((e) => e.spec.trainable ?? true);
  }

  /** Where training stands: epochs completed, optimizer steps, and the shuffling stream. */
  getTrainingState(): TrainingState {
    this.build();
    return { epochsTrained: this.epochsTrained, iterations: this.iterations, shuffleState: this.shuffleRng.getState(),
      layerRngStates: this.layers.map((l) => l.rng?.getState() ?? null) };
  }

  /** Restores getTrainingState(), so that the next fit continues exactly. */
  setTrainingState(s: TrainingState): void {
    this.build();
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

  toJSON(): Record<string, unknown> {
    return { className: 'Sequential', config: { name: this.name, layers: this.layers.map((l) => l.toJSON()) } };
  }

  /**
   * Saves the model in the TF.js Layers format (src/io/model-io.ts): 'file://dir' (Node, atomic), 'indexeddb://name',
   * 'localstorage://name', 'downloads://name', or a handler such as nn.io.withSaveHandler. `includeOptimizer: true`
   * also stores what nn.loadModel needs to continue training exactly.
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
 * Creates a Sequential model.
 *
 * @example
 * const model = nn.sequential({ seed: 42, layers: [nn.layers.dense({ units: 10, inputShape: [784], activation: 'softmax' })] });
 */
export function sequential(c?: SequentialConfig): Sequential {
  return new Sequential(c);
}

