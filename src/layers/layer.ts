import type { Kernels } from '../backend/types';
import { MemoryError, ShapeError, StateError, ValueError } from '../errors';
import type { InitializerName } from '../initializers';
import { MAX_RANK, MAX_VALUES, nameOption, optionsOf, show } from '../options';
import type { Rng } from '../random';
import { Tensor, type TensorLike, toTensor } from '../tensor';

/**
 * Where a layer's data lives in the arena for one run: byte offsets, fixed once the model is planned.
 *
 * @internal
 */
export interface LayerBinding {
  /** Input activations, [rows, inSize] (the first input: `xs[0]`). */
  x: number;
  /** Every input's activations, in the order the layer was applied to them (merge layers read these). */
  xs: number[];
  /** Every input's gradient, or 0 for an input that needs none (the first: `dx`). */
  dxs: number[];
  /** Output activations, [rows, outSize]. */
  y: number;
  /** Gradient w.r.t. the (first) input, or 0 when no layer below needs it. Always written, never added to. */
  dx: number;
  /** Gradient w.r.t. the output (the layer may overwrite it). */
  dy: number;
  /** One pointer per entry of params(), and the matching gradients. */
  params: number[];
  /** One pointer per entry of params(): the gradient of that parameter. */
  grads: number[];
  /** The layer's own scratch memory (workspaceBytes(rows) bytes, 16-byte aligned), kept from forward to backward. */
  ws: number;
  /**
   * True when fit trains some weight of this layer; false for a layer frozen when the model was compiled (a frozen
   * batch normalization runs in inference mode, as in Keras) and for a layer without weights.
   */
  trains: boolean;
}

/**
 * One weight a layer owns, as the model allocates and initializes it.
 *
 * @internal
 */
export interface ParamSpec {
  /** Keras weight name within the layer: 'kernel', 'bias', 'gamma', 'moving_mean', ... */
  readonly name: string;
  /** Shape of the weight, e.g. [inputDim, units] for a dense kernel. */
  readonly shape: readonly number[];
  /** How the model fills the weight when it is built. */
  readonly initializer: InitializerName;
  /** L2 regularization factor λ (loss += λ·Σw²), 0 for none. */
  readonly l2: number;
  /** False for state the optimizer must not touch (batch-norm moving statistics). Default true. */
  readonly trainable?: boolean;
  /**
   * A 1-D weight filled in consecutive parts, each with its own initializer (an LSTM's bias with unitForgetBias: the
   * forget gate's part ones); `initializer` is then the one the layer's config names. Default: one part.
   */
  readonly parts?: readonly { readonly initializer: InitializerName; readonly size: number }[];
}

/**
 * Options every layer takes.
 *
 * @example
 * nn.layers.flatten({ inputShape: [28, 28, 1], name: 'flat' });
 */
export interface LayerConfig {
  /**
   * Shape of one input sample, without the batch axis, e.g. `[784]` or `[28, 28, 1]`. Required on a model's first
   * layer and ignored on the others (the model infers their input shapes). Positive integers only; no default.
   */
  inputShape?: number[];
  /**
   * The layer's name in summaries, errors and saved models. Default: the layer kind and a counter unique in the
   * process, e.g. `dense_1`, `dense_2`, `conv2d_1`.
   */
  name?: string;
}

const counters = new Map<string, number>();
/** Names given explicitly (by users or files): generated names skip them, so the two never collide in a model. */
const given = new Set<string>();
function uniqueName(prefix: string): string {
  let n = counters.get(prefix) ?? 0;
  do n++; while (given.has(`${prefix}_${n}`));
  counters.set(prefix, n);
  return `${prefix}_${n}`;
}

/** A config's `batchInputShape: [null, ...inputShape]` when the layer was given an input shape, else nothing. */
export const inputConfig = (l: { readonly inputShape: number[] | undefined }) => (l.inputShape ? { batchInputShape: [null, ...l.inputShape] } : {});

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A non-empty shape of positive integers holding at most MAX_VALUES values. */
export function checkShape(layer: string, what: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || shape.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new ShapeError(`layer '${layer}': ${what} must be a non-empty array of at most ${MAX_RANK} positive integers, got ${show(shape)}`);
  }
  if (sizeOf(shape) > MAX_VALUES) {
    throw new MemoryError(`layer '${layer}': ${what} [${shape.join(', ')}] holds ${sizeOf(shape)} values per sample, more than the ${MAX_VALUES} (2^28) neurite supports`,
      sizeOf(shape) * 4, MAX_VALUES * 4);
  }
  return [...shape];
}

/** A positive integer option such as units or filters, at most MAX_VALUES. */
export function checkPositiveInt(layer: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new ValueError(`layer '${layer}': ${what} must be a positive integer, got ${show(v)}`);
  }
  if (v > MAX_VALUES) {
    throw new MemoryError(`layer '${layer}': ${what} ${v} is more than the ${MAX_VALUES} (2^28) values neurite supports per sample and per layer`,
      v * 4, MAX_VALUES * 4);
  }
  return v;
}

/** The weights a model may hold: its parameter block and their gradients must fit in wasm32's 4 GiB. */
export const MAX_WEIGHTS = MAX_VALUES;

/** Throws when `count` weights (of the layer or model described by `who`) are more than MAX_WEIGHTS. */
export function checkWeightCount(who: string, count: number, detail = ''): void {
  if (count > MAX_WEIGHTS) {
    throw new MemoryError(`${who} would have ${count} weights${detail}, more than the ${MAX_WEIGHTS} (2^28, 1 GiB of float32) a model can hold`,
      count * 4, MAX_WEIGHTS * 4);
  }
}

/**
 * A value in a graph being built: what `nn.input` or `layer.apply` returns. It holds no data; pass it to other
 * layers' `apply` and to {@link model}. `shape` is one sample's shape, without the batch axis.
 *
 * @example
 * const x = nn.input({ shape: [784] });          // SymbolicTensor, shape [784]
 * const h = nn.layers.dense({ units: 32 }).apply(x);
 * h.shape;                                       // [32]
 */
export class SymbolicTensor {
  /** @internal */
  constructor(
    /** Shape of one sample, without the batch axis. */
    readonly shape: readonly number[],
    /** The application of a layer that produces it. @internal */
    readonly node: Node,
    /** `layerName/k`: the k-th application of the layer that produced it. */
    readonly name: string,
  ) {}
  /** The layer that produced this value (an InputLayer for `nn.input`). */
  get sourceLayer(): Layer {
    return this.node.layer;
  }
}

/**
 * One application of a layer to its inputs: the connection and its shapes live here, so one layer can be applied
 * at several places (a shared layer) with its weights in one place.
 *
 * @internal
 */
export class Node {
  /** The value this application produces. */
  readonly output: SymbolicTensor;
  constructor(readonly layer: Layer, readonly inputs: readonly SymbolicTensor[], outShape: readonly number[], readonly index: number) {
    this.output = new SymbolicTensor([...outShape], this, `${layer.name}/${index}`);
  }
  /** The shapes of the inputs, one sample each. */
  get inShapes(): number[][] {
    return this.inputs.map((t) => [...t.shape]);
  }
}

/**
 * A model that holds the current copy of a layer's weights.
 *
 * @internal
 */
export interface WeightHolder {
  readonly name: string;
  /** True while its fit runs: its copy is changing, and only it may write. */
  readonly training: boolean;
  /** A copy of the layer's weights, in params() order. */
  readLayer(layer: Layer): Float32Array[];
  /** Replaces the layer's weights (StateError while the holder trains). */
  writeLayer(layer: Layer, values: Float32Array[]): void;
}

/**
 * Where a layer's weights are. A layer used by several models has one set of weights: the model that last used
 * it holds the current copy, and another model takes it over (copying it in) when it next runs; a disposed model
 * hands its copies to `home`.
 *
 * @internal
 */
export interface WeightStore {
  holder: WeightHolder | undefined;
  home: Float32Array[] | undefined;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
/**
 * The values of weight `label` (`layer/param`) from `w`, checked: the shape of `shape`, finite values. The array
 * may be the caller's own (copy it to keep it).
 *
 * @internal
 */
export function checkedWeight(label: string, shape: readonly number[], w: unknown): Float32Array {
  const t = toTensor(w, label);
  if (!sameShape(t.shape, shape)) throw new ShapeError(`weight ${label} has shape [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
  const bad = t.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ValueError(`weight ${label} contains ${t.data[bad]} at index ${bad}`);
  return t.data;
}
const showShapes = (s: readonly (readonly number[])[]) => s.map((x) => `[${x.join(', ')}]`).join(', ');

/**
 * The base class of every layer. A layer knows its shapes and which kernels to call; the model plans where its
 * data lives. Shapes exclude the batch axis. `forward` and `backward` run on `rows` samples and must not allocate.
 * Create layers with the {@link layers} factories.
 *
 * @example
 * const layer: nn.Layer = nn.layers.dense({ units: 4, inputShape: [3] });
 * const model = nn.sequential({ layers: [layer] });
 * model.outputShape;   // [4]; the model is built now, so layer.outShape is [4] too
 * layer.toJSON();      // { className: 'Dense', config: { name: 'dense_1', units: 4, ... } }
 */
export abstract class Layer {
  /** The Keras / TF.js class name, as written to saved models: 'Dense', 'Conv2D', ... */
  abstract readonly className: string;
  /** The layer's name (see {@link LayerConfig.name}). */
  readonly name: string;
  /** The `inputShape` option as given, or undefined when the model infers it. */
  readonly inputShape: number[] | undefined;
  /** Shape of one input sample once the model is built (by compile, fit, predict, summary, ...); `[]` before. */
  inShape: number[] = [];
  /** Shape of one output sample once the model is built; `[]` before. */
  outShape: number[] = [];
  /** The input shapes the layer was built for (one per input); `[]` before it is built. */
  inShapes: number[][] = [];
  /**
   * False freezes the layer: `fit` leaves its weights unchanged, computes no gradient for them and keeps no
   * optimizer state for them. Saved as TF.js's `trainable: false`. As in Keras, a change after `compile` takes
   * effect at the next `compile`. Default true.
   *
   * @example
   * base.trainable = false;       // freeze a pretrained base
   * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
   */
  trainable = true;
  /**
   * Every application of this layer (`apply`, or its place in a Sequential model), oldest first.
   *
   * @internal
   */
  readonly inboundNodes: Node[] = [];
  /**
   * Where the weights are, once a model using the layer was built; undefined before.
   *
   * @internal
   */
  store: WeightStore | undefined;

  /**
   * The layer's weights in TF.js order (dense: kernel [inputDim, units], then bias [units]), as Float32Array
   * copies with their shapes. Shared by every model that uses the layer. StateError before a model using the
   * layer was built (the weights do not exist yet); `[]` for a layer without weights.
   *
   * @example
   * const [kernel, bias] = model.getLayer('dense_1').getWeights();
   */
  getWeights(): Tensor[] {
    const specs = this.params();
    if (specs.length === 0) return [];
    const st = this.store;
    if (!st) throw new StateError(`layer '${this.name}' has no weights yet: they are made when a model using it is built (by compile, fit, predict or summary)`);
    const values = st.holder ? st.holder.readLayer(this) : st.home!.map((v) => v.slice());
    return values.map((data, i) => new Tensor(data, [...specs[i].shape]));
  }

  /**
   * Replaces the layer's weights (in getWeights order and shapes, finite values), for every model that uses it.
   * StateError before a model using the layer was built, or while a model using it trains.
   *
   * @example
   * layer.setWeights(otherLayer.getWeights());
   */
  setWeights(weights: readonly (Tensor | TensorLike)[]): void {
    const specs = this.params();
    if (!Array.isArray(weights) || weights.length !== specs.length) {
      throw new ShapeError(`layer '${this.name}' has ${specs.length} weight tensors (${specs.map((p) => p.name).join(', ')}), but ` +
        `${Array.isArray(weights) ? weights.length : 'no array'} were given`);
    }
    const values = weights.map((w, i) => checkedWeight(`${this.name}/${specs[i].name}`, specs[i].shape, w));
    const st = this.store;
    if (!st) throw new StateError(`layer '${this.name}' has no weights yet: they are made when a model using it is built (by compile, fit, predict or summary)`);
    if (st.holder) st.holder.writeLayer(this, values);
    else st.home = values.map((v) => v.slice());
  }

  /** @param prefix the start of a generated name, e.g. 'dense' */
  constructor(config: LayerConfig | undefined, prefix: string) {
    const c = optionsOf<LayerConfig>(prefix, config);
    if (c.name !== undefined) given.add(nameOption(`${prefix}: name`, c.name));
    this.name = c.name ?? uniqueName(prefix);
    this.inputShape = c.inputShape === undefined ? undefined : checkShape(this.name, 'inputShape', c.inputShape);
  }

  /**
   * Fixes the input shape and returns the output shape. Refuses a layer whose output per sample, workspace per
   * sample or weights are more than neurite can hold, before any memory is asked for.
   *
   * @internal
   */
  build(inShape: number[]): number[] {
    this.inShape = inShape;
    const out = this.computeOutputShape(inShape);
    const who = `layer '${this.name}' (${this.className})`;
    if (sizeOf(out) > MAX_VALUES) {
      throw new MemoryError(`${who} would output [${out.join(', ')}], ${sizeOf(out)} values per sample, more than the ${MAX_VALUES} (2^28) neurite supports`,
        sizeOf(out) * 4, MAX_VALUES * 4);
    }
    this.outShape = out;
    const params = this.params();
    const count = params.reduce((a, p) => a + sizeOf(p.shape), 0);
    checkWeightCount(who, count, ` (${params.map((p) => `${p.name} [${p.shape.join(', ')}]`).join(', ')})`);
    const ws = this.workspaceBytes(1) / 4;
    if (ws > MAX_VALUES) {
      throw new MemoryError(`${who} would need ${ws * 4} bytes of workspace per sample, more than the ${MAX_VALUES * 4} (1 GiB) neurite supports`,
        ws * 4, MAX_VALUES * 4);
    }
    return out;
  }
  protected abstract computeOutputShape(inShape: number[]): number[];

  /**
   * Builds the layer for its inputs' shapes (one per input) and returns the output shape. Layers of one input
   * refuse several; merge layers override this.
   *
   * @internal
   */
  buildInputs(shapes: number[][]): number[] {
    if (shapes.length !== 1) {
      throw new ShapeError(`layer '${this.name}' (${this.className}) takes one input, but was applied to ${shapes.length} (${showShapes(shapes)})`);
    }
    const out = this.build(shapes[0]);
    this.inShapes = [[...shapes[0]]];
    return out;
  }

  /** True once the layer's shapes are fixed (by `apply` or a model's build). */
  get built(): boolean {
    return this.inShapes.length > 0;
  }

  /**
   * Applies the layer to symbolic inputs (from {@link input} or other layers' `apply`) and returns its symbolic
   * output, for building graph models with {@link model}. Applying one layer several times shares its weights; the
   * inputs must then have the shapes of the first application.
   *
   * @example
   * const input = nn.input({ shape: [8] });
   * const shared = nn.layers.dense({ units: 4, activation: 'relu' });
   * const a = shared.apply(input);
   * const b = shared.apply(a);                  // the same weights, applied twice
   * const model = nn.model({ inputs: input, outputs: b });
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    list.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor)) {
        throw new ValueError(`layer '${this.name}' (${this.className}).apply takes symbolic tensors from nn.input() or another layer's ` +
          `apply(), but input ${i} is ${show(t)}; to run a layer on data, put it in a model and call predict`);
      }
    });
    if (list.length === 0) throw new ValueError(`layer '${this.name}' (${this.className}).apply needs at least one input`);
    return this.connect(list).output;
  }

  /**
   * Records an application of the layer to `inputs`: builds the layer on the first one, checks the shapes on later
   * ones.
   *
   * @internal
   */
  connect(inputs: readonly SymbolicTensor[]): Node {
    const shapes = inputs.map((t) => [...t.shape]);
    let out: number[];
    if (!this.built) {
      out = this.buildInputs(shapes);
    } else {
      if (shapes.length !== this.inShapes.length || !shapes.every((s, i) => sameShape(s, this.inShapes[i]))) {
        throw new ShapeError(`layer '${this.name}' (${this.className}) was built for input shape ${showShapes(this.inShapes)} and ` +
          `cannot be applied to ${showShapes(shapes)}: a shared layer takes the same shapes at every application`);
      }
      out = this.outShape;
    }
    const node = new Node(this, inputs, out, this.inboundNodes.length);
    this.inboundNodes.push(node);
    return node;
  }

  /**
   * The symbolic input of the layer's first application (a list for merge layers).
   *
   * @example
   * const features = nn.model({ inputs: base.inputs, outputs: base.getLayer('dense_2').output });
   */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const node = this.firstNode('input');
    return node.inputs.length === 1 ? node.inputs[0] : [...node.inputs];
  }
  /**
   * The symbolic output of the layer's first application: use it to build a model that ends at this layer
   * (a feature extractor sharing the weights).
   *
   * @example
   * const features = nn.model({ inputs: base.inputs, outputs: base.getLayer('flatten_1').output });
   */
  get output(): SymbolicTensor {
    return this.firstNode('output').output;
  }
  private firstNode(what: string): Node {
    const node = this.inboundNodes[0];
    if (!node) throw new StateError(`layer '${this.name}' has no ${what} yet: it was not applied to anything nor used in a built model`);
    return node;
  }

  /**
   * The weights the layer owns, in TF.js order (dense: kernel, then bias); empty for layers without weights.
   *
   * @internal
   */
  params(): ParamSpec[] { return []; }

  /**
   * Bytes of scratch memory the layer needs for `rows` samples (im2col columns, pooling argmax, masks).
   *
   * @internal
   */
  workspaceBytes(_rows: number): number { return 0; }

  /**
   * Checks the samples of a model input that feeds this layer directly, as they enter fit, evaluate or predict
   * (an embedding's ids: integers in range). `data` holds whole samples of the layer's input shape; `what` names
   * the data in messages. Nothing to check by default.
   *
   * @internal
   */
  checkInputData(_data: Float32Array, _what: string): void {}

  /**
   * A seeded stream for layers that draw random numbers while training (dropout); set by the model at build.
   *
   * @internal
   */
  rng: Rng | undefined;
  /**
   * True for layers that need `rng`.
   *
   * @internal
   */
  get usesRng(): boolean { return false; }

  /**
   * Runs the layer. A softmax activation (softmaxOutput) is not the layer's to apply: the plan applies it to the
   * output afterwards, unless the loss head fuses it with a cross-entropy.
   *
   * @internal
   */
  abstract forward(k: Kernels, b: LayerBinding, rows: number, training: boolean): void;
  /**
   * Gradients: of the params into b.grads (overwritten), of the input into b.dx when it is not 0.
   *
   * @internal
   */
  abstract backward(k: Kernels, b: LayerBinding, rows: number): void;

  /**
   * True when the layer's activation is a softmax over its output's last axis. The layer leaves it out: the plan
   * applies it after forward and its gradient before backward (b.dy then holds the gradient of the softmax's
   * input), or the loss head fuses it with a cross-entropy.
   *
   * @internal
   */
  get softmaxOutput(): boolean { return false; }

  /**
   * The layer's options in Keras / TF.js spelling, defaults filled in (without `name`), as saved in a model's
   * topology. `inputShape` appears as `batchInputShape: [null, ...inputShape]`.
   *
   * @example
   * nn.layers.dense({ units: 3 }).getConfig();
   * // { units: 3, activation: 'linear', useBias: true, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros' }
   */
  abstract getConfig(): Record<string, unknown>;
  /**
   * `{ className, config }` with the name included: what {@link layerFromJSON} reads back.
   *
   * @example
   * const copy = nn.layerFromJSON(model.layers[0].toJSON());
   */
  toJSON(): Record<string, unknown> {
    return { className: this.className, config: { name: this.name, ...this.getConfig() } };
  }
}
