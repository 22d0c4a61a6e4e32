import type { Kernels } from '../backend/types';
import { ShapeError, ValueError } from '../errors';
import { numberOption, optionsOf, show } from '../options';
import { imageShape } from './conv';
import { inputConfig, Layer, type LayerBinding, type LayerConfig, sizeOf } from './layer';


/** [[top, bottom], [left, right]] from a number, a pair (symmetric per axis) or the pair of pairs (Keras's forms). */
function borders(layer: string, option: string, v: unknown, fallback: number): [[number, number], [number, number]] {
  const ok = (d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0 && (d as number) <= 1 << 24;
  const bad = () => new ValueError(`layer '${layer}': ${option} must be an integer ≥ 0, a pair [height, width] of them or ` +
    `[[top, bottom], [left, right]], got ${show(v)}`);
  if (v === undefined) return [[fallback, fallback], [fallback, fallback]];
  if (typeof v === 'number') {
    if (!ok(v)) throw bad();
    return [[v, v], [v, v]];
  }
  if (!Array.isArray(v) || v.length !== 2) throw bad();
  if (v.every(ok)) return [[v[0], v[0]], [v[1], v[1]]];
  if (v.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) return [[v[0][0], v[0][1]], [v[1][0], v[1][1]]];
  throw bad();
}

/** Copies every image's h×w×c block between a smaller and a larger image, at row `top`, column `left` of the larger. */
export function copyBlock(k: Kernels, small: number, large: number, rows: number, h: number, w: number, c: number,
  lh: number, lw: number, top: number, left: number, toLarge: boolean): void {
  for (let b = 0; b < rows; b++) {
    const s = small + b * h * w * c * 4;
    const l = large + (b * lh * lw * c + (top * lw + left) * c) * 4;
    if (toLarge) k.f32_copy_strided(s, w * c, l, lw * c, h, w * c);
    else k.f32_copy_strided(l, lw * c, s, w * c, h, w * c);
  }
}

/**
 * Options of {@link layers}.zeroPadding2d.
 *
 * @example
 * nn.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] });
 */
export interface ZeroPadding2DConfig extends LayerConfig {
  /**
   * Zeros added around each image: a number (every side), `[height, width]` (top and bottom, left and right) or
   * `[[top, bottom], [left, right]]`. Default `1`.
   */
  padding?: number | [number, number] | [[number, number], [number, number]];
}
/** The options nn.layers.zeroPadding2d takes. */
export const ZERO_PADDING2D_OPTIONS = ['padding', 'inputShape', 'name'] as const;

/**
 * Adds rows and columns of zeros around NHWC images (TF.js's ZeroPadding2D).
 *
 * @example
 * nn.layers.zeroPadding2d({ padding: 1 });   // [h, w, c] → [h + 2, w + 2, c]
 */
export class ZeroPadding2D extends Layer {
  /** Always 'ZeroPadding2D'. */
  readonly className = 'ZeroPadding2D';
  /** `[[top, bottom], [left, right]]`. */
  readonly padding: [[number, number], [number, number]];
  private s = [0, 0, 0];
  constructor(config?: ZeroPadding2DConfig) {
    const c = optionsOf<ZeroPadding2DConfig>('zeroPadding2d', config);
    super(c, 'zero_padding2d');
    this.padding = borders(this.name, 'padding', c.padding, 1);
  }
  protected computeOutputShape(inShape: number[]): number[] {
    this.s = imageShape(this, inShape);
    const [[t, bt], [l, r]] = this.padding;
    return [this.s[0] + t + bt, this.s[1] + l + r, this.s[2]];
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const [h, w, c] = this.s;
    const [oh, ow] = this.outShape;
    k.f32_fill(b.y, rows * sizeOf(this.outShape), 0);
    copyBlock(k, b.x, b.y, rows, h, w, c, oh, ow, this.padding[0][0], this.padding[1][0], true);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    const [h, w, c] = this.s;
    const [oh, ow] = this.outShape;
    copyBlock(k, b.dx, b.dy, rows, h, w, c, oh, ow, this.padding[0][0], this.padding[1][0], false);
  }
  getConfig(): Record<string, unknown> { return { padding: this.padding, ...inputConfig(this) }; }
}

/**
 * Options of {@link layers}.cropping2d.
 *
 * @example
 * nn.layers.cropping2d({ cropping: [[2, 2], [4, 4]] });
 */
export interface Cropping2DConfig extends LayerConfig {
  /**
   * Rows and columns removed from each image's borders: a number (every side), `[height, width]` or
   * `[[top, bottom], [left, right]]`. Default `0`.
   */
  cropping?: number | [number, number] | [[number, number], [number, number]];
}
/** The options nn.layers.cropping2d takes. */
export const CROPPING2D_OPTIONS = ['cropping', 'inputShape', 'name'] as const;

/**
 * Removes rows and columns from the borders of NHWC images (TF.js's Cropping2D).
 *
 * @example
 * nn.layers.cropping2d({ cropping: 1 });   // [h, w, c] → [h − 2, w − 2, c]
 */
export class Cropping2D extends Layer {
  /** Always 'Cropping2D'. */
  readonly className = 'Cropping2D';
  /** `[[top, bottom], [left, right]]`. */
  readonly cropping: [[number, number], [number, number]];
  private s = [0, 0, 0];
  constructor(config?: Cropping2DConfig) {
    const c = optionsOf<Cropping2DConfig>('cropping2d', config);
    super(c, 'cropping2d');
    this.cropping = borders(this.name, 'cropping', c.cropping, 0);
  }
  protected computeOutputShape(inShape: number[]): number[] {
    this.s = imageShape(this, inShape);
    const [[t, bt], [l, r]] = this.cropping;
    const oh = this.s[0] - t - bt, ow = this.s[1] - l - r;
    if (oh <= 0 || ow <= 0) {
      throw new ShapeError(`layer '${this.name}': cropping ${show(this.cropping)} leaves nothing of its ${this.s[0]}x${this.s[1]} input`);
    }
    return [oh, ow, this.s[2]];
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const [oh, ow, c] = this.outShape;
    copyBlock(k, b.y, b.x, rows, oh, ow, c, this.s[0], this.s[1], this.cropping[0][0], this.cropping[1][0], false);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    const [oh, ow, c] = this.outShape;
    k.f32_fill(b.dx, rows * sizeOf(this.s), 0);
    copyBlock(k, b.dy, b.dx, rows, oh, ow, c, this.s[0], this.s[1], this.cropping[0][0], this.cropping[1][0], true);
  }
  getConfig(): Record<string, unknown> { return { cropping: this.cropping, ...inputConfig(this) }; }
}

/**
 * The maximum over the spatial positions of NHWC images: [h, w, c] → [c] (TF.js's GlobalMaxPooling2D). The
 * gradient goes to the first position holding the maximum.
 *
 * @example
 * nn.layers.globalMaxPooling2d();
 */
export class GlobalMaxPooling2D extends Layer {
  /** Always 'GlobalMaxPooling2D'. */
  readonly className = 'GlobalMaxPooling2D';
  private s = [0, 0, 0];
  constructor(c?: LayerConfig) { super(c, 'global_max_pooling2d'); }
  protected computeOutputShape(inShape: number[]): number[] {
    this.s = imageShape(this, inShape);
    return [this.s[2]];
  }
  /** The winners' indices (i32), for backward. */
  override workspaceBytes(rows: number): number { return rows * this.s[2] * 4; }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const [h, w, c] = this.s;
    k.f32_maxpool2d(b.x, b.y, b.ws, rows, h, w, c, h, w, h, w, 0, 0, 1, 1);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx !== 0) k.f32_maxpool2d_grad(b.dy, b.ws, b.dx, rows, this.s[2], sizeOf(this.s));
  }
  getConfig(): Record<string, unknown> { return inputConfig(this); }
}

/**
 * Options of {@link layers}.rescaling.
 *
 * @example
 * nn.layers.rescaling({ scale: 1 / 127.5, offset: -1 });
 */
export interface RescalingConfig extends LayerConfig {
  /** The factor every value is multiplied by: a finite number float32 holds. Required. */
  scale: number;
  /** Added after the scaling. Default `0`. */
  offset?: number;
}
/** The options nn.layers.rescaling takes. */
export const RESCALING_OPTIONS = ['scale', 'offset', 'inputShape', 'name'] as const;

/**
 * y = x·scale + offset, elementwise, in f32 (TF.js's Rescaling): pixels in [0, 255] to [0, 1] with scale 1/255,
 * or to [−1, 1] with scale 1/127.5 and offset −1, as MobileNet expects. Any input shape.
 *
 * @example
 * nn.layers.rescaling({ scale: 1 / 255, inputShape: [96, 96, 3] });
 */
export class Rescaling extends Layer {
  /** Always 'Rescaling'. */
  readonly className = 'Rescaling';
  /** The factor. */
  readonly scale: number;
  /** The offset. */
  readonly offset: number;
  private size = 0;
  constructor(config: RescalingConfig) {
    const c = optionsOf<RescalingConfig>('rescaling', config);
    super(c, 'rescaling');
    if (c.scale === undefined) throw new ValueError(`layer '${this.name}': scale is required (e.g. 1 / 255)`);
    this.scale = numberOption(`layer '${this.name}': scale`, c.scale, { f32: true });
    this.offset = numberOption(`layer '${this.name}': offset`, c.offset ?? 0, { f32: true });
  }
  protected computeOutputShape(inShape: number[]): number[] {
    this.size = sizeOf(inShape);
    return [...inShape];
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    // offset + f32(scale·x): TF.js's add(mul(x, scale), offset), bit for bit
    k.f32_fill(b.y, rows * this.size, this.offset);
    k.f32_axpy(b.x, b.y, rows * this.size, this.scale);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    k.f32_copy(b.dy, b.dx, rows * this.size);
    k.f32_scale(b.dx, rows * this.size, this.scale);
  }
  getConfig(): Record<string, unknown> { return { scale: this.scale, offset: this.offset, ...inputConfig(this) }; }
}

/**
 * Options of {@link layers}.reLU (Keras's ReLU layer; TF.js's has maxValue only).
 *
 * @example
 * nn.layers.reLU({ maxValue: 6 });
 */
export interface ReLUConfig extends LayerConfig {
  /** The largest output (≥ 0), e.g. 6 for MobileNet's ReLU6. Default: none (unbounded). */
  maxValue?: number | null;
  /** The slope below the threshold (≥ 0). Default `0`. */
  negativeSlope?: number;
  /** Inputs above it pass (≥ 0). Default `0`. */
  threshold?: number;
}
/** The options nn.layers.reLU takes. */
export const RELU_OPTIONS = ['maxValue', 'negativeSlope', 'threshold', 'inputShape', 'name'] as const;

/**
 * The rectifier as a layer, with Keras's options: y = x > threshold ? min(x, maxValue) : negativeSlope·(x −
 * threshold), in f32 (a NaN stays NaN). The gradient is 1 for threshold < x ≤ maxValue, negativeSlope at and below
 * the threshold, 0 above maxValue.
 *
 * @example
 * nn.layers.reLU({ maxValue: 6 });                 // ReLU6
 * nn.layers.reLU({ negativeSlope: 0.1 });          // a leaky ReLU
 */
export class ReLU extends Layer {
  /** Always 'ReLU'. */
  readonly className = 'ReLU';
  /** The largest output, or undefined for none. */
  readonly maxValue: number | undefined;
  /** The slope below the threshold. */
  readonly negativeSlope: number;
  /** The threshold. */
  readonly threshold: number;
  private size = 0;
  constructor(config?: ReLUConfig) {
    const c = optionsOf<ReLUConfig>('reLU', config);
    super(c, 're_lu');
    const opt = (k: string, v: unknown) => numberOption(`layer '${this.name}': ${k}`, v, { min: 0, f32: true });
    this.maxValue = c.maxValue === undefined || c.maxValue === null ? undefined : opt('maxValue', c.maxValue);
    this.negativeSlope = opt('negativeSlope', c.negativeSlope ?? 0);
    this.threshold = opt('threshold', c.threshold ?? 0);
  }
  protected computeOutputShape(inShape: number[]): number[] {
    this.size = sizeOf(inShape);
    return [...inShape];
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    k.f32_relu_clipped(b.x, b.y, rows * this.size, this.maxValue ?? Infinity, this.negativeSlope, this.threshold);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx !== 0) k.f32_relu_clipped_grad(b.x, b.dy, b.dx, rows * this.size, this.maxValue ?? Infinity, this.negativeSlope, this.threshold);
  }
  getConfig(): Record<string, unknown> {
    return {
      ...(this.maxValue !== undefined ? { maxValue: this.maxValue } : {}),
      ...(this.negativeSlope !== 0 ? { negativeSlope: this.negativeSlope } : {}),
      ...(this.threshold !== 0 ? { threshold: this.threshold } : {}),
      ...inputConfig(this),
    };
  }
}
