import type { Kernels } from '../backend/types';
import { MemoryError, ShapeError, ValueError } from '../errors';
import type { InitializerName } from '../initializers';
import { MAX_RANK, MAX_VALUES, nameOption, optionsOf, show } from '../options';
import type { Rng } from '../random';

/**
 * Where a layer's data lives in the arena for one run: byte offsets, fixed once the model is planned.
 *
 * @internal
 */
export interface LayerBinding {
  /** Input activations, [rows, inSize]. */
  x: number;
  /** Output activations, [rows, outSize]. */
  y: number;
  /** Gradient w.r.t. the input, or 0 when no layer below needs it. */
  dx: number;
  /** Gradient w.r.t. the output (the layer may overwrite it). */
  dy: number;
  /** One pointer per entry of params(), and the matching gradients. */
  params: number[];
  /** One pointer per entry of params(): the gradient of that parameter. */
  grads: number[];
  /** The layer's own scratch memory (workspaceBytes(rows) bytes, 16-byte aligned), kept from forward to backward. */
  ws: number;
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
   * layer and ignored on the others (the model infers their input shapes). Positive integers only.
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
   * Runs the layer. With `logits`, a softmax output activation is left out (the model fuses it with the
   * cross-entropy loss).
   *
   * @internal
   */
  abstract forward(k: Kernels, b: LayerBinding, rows: number, training: boolean, logits: boolean): void;
  /**
   * Gradients: of the params into b.grads (overwritten), of the input into b.dx when it is not 0.
   *
   * @internal
   */
  abstract backward(k: Kernels, b: LayerBinding, rows: number, logits: boolean): void;

  /**
   * True when the output is a softmax that the model may fuse with a cross-entropy loss.
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
