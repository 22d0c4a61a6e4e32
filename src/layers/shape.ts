import type { Kernels } from '../backend/types';
import { checkName, ShapeError, ValueError } from '../errors';
import { INITIALIZER_NAMES, type InitializerName } from '../initializers';
import { boolOption, MAX_RANK, MAX_VALUES, numberOption, optionsOf, show } from '../options';
import { Layer, sizeOf, type LayerBinding, type LayerConfig, type ParamSpec } from './layer';

/** The options nn.layers.flatten and globalAveragePooling2d take. */
export const BASE_OPTIONS = ['inputShape', 'name'] as const;
/** The options nn.layers.reshape takes. */
export const RESHAPE_OPTIONS = ['targetShape', 'inputShape', 'name'] as const;
/** The options nn.layers.dropout takes. */
export const DROPOUT_OPTIONS = ['rate', 'inputShape', 'name'] as const;
/** The options nn.layers.batchNormalization takes. */
export const BATCH_NORMALIZATION_OPTIONS = ['momentum', 'epsilon', 'inputShape', 'name'] as const;
/** The options nn.layers.layerNormalization takes. */
export const LAYER_NORMALIZATION_OPTIONS = ['axis', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
  'inputShape', 'name'] as const;

/**
 * Flattens each sample to one dimension: [h, w, c] → [h·w·c] (row-major, as TF.js).
 *
 * @example
 * nn.layers.flatten();
 */
export class Flatten extends Layer {
  /** Always 'Flatten'. */
  readonly className = 'Flatten';
  private size = 0;
  constructor(c?: LayerConfig) { super(c, 'flatten'); }
  protected computeOutputShape(inShape: number[]): number[] {
    this.size = sizeOf(inShape);
    return [this.size];
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void { k.f32_copy(b.x, b.y, rows * this.size); }
  backward(k: Kernels, b: LayerBinding, rows: number): void { if (b.dx !== 0) k.f32_copy(b.dy, b.dx, rows * this.size); }
  getConfig(): Record<string, unknown> { return this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}; }
}

/**
 * Options of {@link layers}.reshape.
 *
 * @example
 * nn.layers.reshape({ targetShape: [7, 7, -1] });
 */
export interface ReshapeConfig extends LayerConfig {
  /** The new shape of one sample, without the batch axis: positive integers, at most one -1 (inferred). Required. */
  targetShape: number[];
}

/**
 * Options of {@link layers}.dropout.
 *
 * @example
 * nn.layers.dropout({ rate: 0.5 });
 */
export interface DropoutConfig extends LayerConfig {
  /** Fraction of the values zeroed while training, in [0, 1). Required. */
  rate: number;
}

/**
 * Gives each sample a new shape with the same number of values; one dimension may be -1 (inferred).
 *
 * @example
 * nn.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] });
 */
export class Reshape extends Layer {
  /** Always 'Reshape'. */
  readonly className = 'Reshape';
  /** The target shape as given (-1 included). */
  readonly targetShape: number[];
  private size = 0;
  constructor(config: ReshapeConfig) {
    const c = optionsOf<ReshapeConfig>('reshape', config);
    super(c, 'reshape');
    const t = c.targetShape;
    if (!Array.isArray(t) || t.length === 0 || t.length > MAX_RANK ||
      !t.every((d) => d === -1 || (Number.isSafeInteger(d) && d > 0 && d <= MAX_VALUES)) || t.filter((d) => d === -1).length > 1) {
      throw new ShapeError(`layer '${this.name}': targetShape must be up to ${MAX_RANK} positive integers with at most one -1, got ${show(t)}`);
    }
    this.targetShape = [...t];
  }
  protected computeOutputShape(inShape: number[]): number[] {
    this.size = sizeOf(inShape);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = this.targetShape.map((d) => (d === -1 ? this.size / known : d));
    if (!out.every((d) => Number.isInteger(d) && d > 0) || sizeOf(out) !== this.size) {
      throw new ShapeError(`layer '${this.name}': cannot reshape [${inShape.join(', ')}] (${this.size} values) to [${this.targetShape.join(', ')}]`);
    }
    return out;
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void { k.f32_copy(b.x, b.y, rows * this.size); }
  backward(k: Kernels, b: LayerBinding, rows: number): void { if (b.dx !== 0) k.f32_copy(b.dy, b.dx, rows * this.size); }
  getConfig(): Record<string, unknown> {
    return { targetShape: this.targetShape, ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}) };
  }
}

/**
 * Inverted dropout: while training, zeroes each value with probability `rate` and scales the rest by
 * 1/(1 − rate); identity in predict and evaluate. Masks come from the model's seed.
 *
 * @example
 * nn.layers.dropout({ rate: 0.25 });
 */
export class Dropout extends Layer {
  /** Always 'Dropout'. */
  readonly className = 'Dropout';
  /** Fraction of the values zeroed while training. */
  readonly rate: number;
  private size = 0;
  constructor(config: DropoutConfig) {
    const c = optionsOf<DropoutConfig>('dropout', config);
    super(c, 'dropout');
    this.rate = numberOption(`layer '${this.name}': rate`, c.rate, { min: 0, max: 1, maxOpen: true });
  }
  override get usesRng(): boolean { return true; }
  protected computeOutputShape(inShape: number[]): number[] {
    this.size = sizeOf(inShape);
    return inShape;
  }
  /** The mask (0 or 1/(1 − rate) per value). */
  override workspaceBytes(rows: number): number { return rows * this.size * 4; }
  forward(k: Kernels, b: LayerBinding, rows: number, training: boolean): void {
    const n = rows * this.size;
    if (training && this.rate > 0) k.f32_dropout(b.x, b.y, b.ws, n, this.rate, this.rng!.u32());
    else if (training) { k.f32_fill(b.ws, n, 1); k.f32_copy(b.x, b.y, n); }
    else k.f32_copy(b.x, b.y, n);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx !== 0) k.f32_mul(b.dy, b.ws, b.dx, rows * this.size);
  }
  getConfig(): Record<string, unknown> {
    return { rate: this.rate, ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}) };
  }
}

/**
 * Options of {@link layers}.batchNormalization.
 *
 * @example
 * nn.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
 */
export interface BatchNormalizationConfig extends LayerConfig {
  /** Weight of the old moving statistics in each update, in [0, 1). Default `0.99` (Keras). */
  momentum?: number;
  /** Added to the variance before the square root: a positive number. Default `1e-3` (Keras). */
  epsilon?: number;
}

/**
 * Batch normalization over the last axis (channels). Training normalizes with the batch's statistics and updates
 * moving averages; predict and evaluate use the moving averages. A frozen layer (`trainable = false` when the model
 * is compiled) runs as in predict while training too, leaving its moving averages as they are: Keras's rule for
 * fine-tuning a pretrained base (TF.js 4.22 keeps updating them). Weights in TF.js order: gamma, beta,
 * movingMean, movingVariance (the last two are not trained).
 *
 * @example
 * nn.layers.batchNormalization({ momentum: 0.9 });
 */
export class BatchNormalization extends Layer {
  /** Always 'BatchNormalization'. */
  readonly className = 'BatchNormalization';
  /** Weight of the old moving statistics in each update. */
  readonly momentum: number;
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  private c = 0;
  private spatial = 0;
  constructor(config?: BatchNormalizationConfig) {
    const c = optionsOf<BatchNormalizationConfig>('batchNormalization', config);
    super(c, 'batch_normalization');
    this.momentum = numberOption(`layer '${this.name}': momentum`, c.momentum ?? 0.99, { min: 0, max: 1, maxOpen: true });
    this.epsilon = numberOption(`layer '${this.name}': epsilon`, c.epsilon ?? 1e-3, { min: 0, minOpen: true, f32: true });
  }
  protected computeOutputShape(inShape: number[]): number[] {
    this.c = inShape[inShape.length - 1];
    this.spatial = sizeOf(inShape) / this.c;
    return inShape;
  }
  override params(): ParamSpec[] {
    const s = [this.c];
    return [
      { name: 'gamma', shape: s, initializer: 'ones', l2: 0 },
      { name: 'beta', shape: s, initializer: 'zeros', l2: 0 },
      { name: 'moving_mean', shape: s, initializer: 'zeros', l2: 0, trainable: false },
      { name: 'moving_variance', shape: s, initializer: 'ones', l2: 0, trainable: false },
    ];
  }
  /** The batch mean and 1/std per channel, kept for backward. */
  override workspaceBytes(): number { return 2 * this.stats; }
  private get stats(): number { return Math.ceil((this.c * 4) / 16) * 16; }
  forward(k: Kernels, b: LayerBinding, rows: number, training: boolean): void {
    const [gamma, beta, mean, variance] = b.params;
    const n = rows * this.spatial;
    // a frozen batch normalization keeps its moving statistics and normalizes with them, as in Keras
    if (training && b.trains) {
      k.f32_batchnorm_train(b.x, b.y, gamma, beta, b.ws, b.ws + this.stats, mean, variance, n, this.c, this.momentum, this.epsilon);
    } else {
      k.f32_batchnorm_infer(b.x, b.y, gamma, beta, mean, variance, n, this.c, this.epsilon);
    }
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (!b.trains) {
      // frozen, so inference mode: y = (x − mean)·gamma/√(var + ε) + beta, and dx = dy·gamma/√(var + ε), which is
      // the same kernel with a zero mean and a zero beta
      if (b.dx === 0) return;
      k.f32_fill(b.ws, this.c, 0);
      k.f32_batchnorm_infer(b.dy, b.dx, b.params[0], b.ws, b.ws, b.params[3], rows * this.spatial, this.c, this.epsilon);
      return;
    }
    k.f32_batchnorm_grad(b.x, b.dy, b.dx !== 0 ? b.dx : b.dy, b.params[0], b.ws, b.ws + this.stats, b.grads[0], b.grads[1],
      rows * this.spatial, this.c);
  }
  getConfig(): Record<string, unknown> {
    return { axis: -1, momentum: this.momentum, epsilon: this.epsilon, center: true, scale: true,
      ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}) };
  }
}

/**
 * Options of {@link layers}.layerNormalization.
 *
 * @example
 * nn.layers.layerNormalization({ epsilon: 1e-5 });
 */
export interface LayerNormalizationConfig extends LayerConfig {
  /**
   * The axis normalized over: the last one, as `-1` or its index counting the batch axis (TF.js writes `[rank]`).
   * Default `-1`; other axes are refused.
   */
  axis?: number | number[];
  /** Added to the variance before the square root: a positive number. Default `1e-3` (Keras). */
  epsilon?: number;
  /** Whether a learned offset beta is added. Default `true`. */
  center?: boolean;
  /** Whether the result is multiplied by a learned gamma. Default `true`. */
  scale?: boolean;
  /** How beta is initialized. Default `'zeros'`. */
  betaInitializer?: InitializerName;
  /** How gamma is initialized. Default `'ones'`. */
  gammaInitializer?: InitializerName;
}

/**
 * Layer normalization: each position of each sample normalized over its last axis (its own mean and biased
 * variance, in training and predict alike), then scaled by gamma and shifted by beta, one of each per feature.
 * Weights in TF.js order: gamma, beta (each present when scale and center are).
 *
 * @example
 * nn.layers.layerNormalization({ inputShape: [16, 32] });   // normalizes each of the 16 steps over its 32 features
 */
export class LayerNormalization extends Layer {
  /** Always 'LayerNormalization'. */
  readonly className = 'LayerNormalization';
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** Whether beta is added. */
  readonly center: boolean;
  /** Whether gamma multiplies. */
  readonly scale: boolean;
  /** beta's initializer. */
  readonly betaInitializer: InitializerName;
  /** gamma's initializer. */
  readonly gammaInitializer: InitializerName;
  private readonly axis: number;
  private c = 0;
  private positions = 0;
  constructor(config?: LayerNormalizationConfig) {
    const c = optionsOf<LayerNormalizationConfig>('layerNormalization', config);
    super(c, 'layer_normalization');
    const a = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis ?? -1;
    if (!Number.isSafeInteger(a)) {
      throw new ValueError(`layer '${this.name}': axis must be -1 (the last axis) or its index, got ${show(c.axis)}`);
    }
    this.axis = a as number;
    this.epsilon = numberOption(`layer '${this.name}': epsilon`, c.epsilon ?? 1e-3, { min: 0, minOpen: true, f32: true });
    this.center = boolOption(`layer '${this.name}': center`, c.center, true);
    this.scale = boolOption(`layer '${this.name}': scale`, c.scale, true);
    this.betaInitializer = checkName('initializer', c.betaInitializer ?? 'zeros', INITIALIZER_NAMES);
    this.gammaInitializer = checkName('initializer', c.gammaInitializer ?? 'ones', INITIALIZER_NAMES);
  }
  protected computeOutputShape(inShape: number[]): number[] {
    if (this.axis !== -1 && this.axis !== inShape.length) {
      throw new ValueError(`layer '${this.name}' (LayerNormalization): axis ${this.axis} is not the last axis of input shape ` +
        `[${inShape.join(', ')}] (-1 or ${inShape.length} counting the batch axis); neurite normalizes over the last axis only`);
    }
    this.c = inShape[inShape.length - 1];
    this.positions = sizeOf(inShape) / this.c;
    return inShape;
  }
  override params(): ParamSpec[] {
    const p: ParamSpec[] = [];
    if (this.scale) p.push({ name: 'gamma', shape: [this.c], initializer: this.gammaInitializer, l2: 0 });
    if (this.center) p.push({ name: 'beta', shape: [this.c], initializer: this.betaInitializer, l2: 0 });
    return p;
  }
  private statsBytes(rows: number): number { return Math.ceil((rows * this.positions * 4) / 16) * 16; }
  /** Each normalized row's mean and 1/std, kept for backward. */
  override workspaceBytes(rows: number): number { return 2 * this.statsBytes(rows); }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const gamma = this.scale ? b.params[0] : 0, beta = this.center ? b.params[this.scale ? 1 : 0] : 0;
    k.f32_layernorm(b.x, b.y, gamma, beta, b.ws, b.ws + this.statsBytes(rows), rows * this.positions, this.c, this.epsilon);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const gamma = this.scale ? b.params[0] : 0;
    const dgamma = this.scale ? b.grads[0] : 0, dbeta = this.center ? b.grads[this.scale ? 1 : 0] : 0;
    k.f32_layernorm_grad(b.x, b.dy, b.dx, gamma, b.ws, b.ws + this.statsBytes(rows), dgamma, dbeta, rows * this.positions, this.c);
  }
  getConfig(): Record<string, unknown> {
    return { axis: -1, epsilon: this.epsilon, center: this.center, scale: this.scale, betaInitializer: this.betaInitializer,
      gammaInitializer: this.gammaInitializer, ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}) };
  }
}
