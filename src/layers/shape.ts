import type { Kernels } from '../backend/types';
import { ShapeError } from '../errors';
import { MAX_RANK, MAX_VALUES, numberOption, optionsOf, show } from '../options';
import { Layer, sizeOf, type LayerBinding, type LayerConfig, type ParamSpec } from './layer';

/** The options nn.layers.flatten and globalAveragePooling2d take. */
export const BASE_OPTIONS = ['inputShape', 'name'] as const;
/** The options nn.layers.reshape takes. */
export const RESHAPE_OPTIONS = ['targetShape', 'inputShape', 'name'] as const;
/** The options nn.layers.dropout takes. */
export const DROPOUT_OPTIONS = ['rate', 'inputShape', 'name'] as const;
/** The options nn.layers.batchNormalization takes. */
export const BATCH_NORMALIZATION_OPTIONS = ['momentum', 'epsilon', 'inputShape', 'name'] as const;

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
 * moving averages; predict and evaluate use the moving averages. Weights in TF.js order: gamma, beta,
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
    if (training) {
      k.f32_batchnorm_train(b.x, b.y, gamma, beta, b.ws, b.ws + this.stats, mean, variance, n, this.c, this.momentum, this.epsilon);
    } else {
      k.f32_batchnorm_infer(b.x, b.y, gamma, beta, mean, variance, n, this.c, this.epsilon);
    }
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    k.f32_batchnorm_grad(b.x, b.dy, b.dx !== 0 ? b.dx : b.dy, b.params[0], b.ws, b.ws + this.stats, b.grads[0], b.grads[1],
      rows * this.spatial, this.c);
  }
  getConfig(): Record<string, unknown> {
    return { axis: -1, momentum: this.momentum, epsilon: this.epsilon, center: true, scale: true,
      ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}) };
  }
}
