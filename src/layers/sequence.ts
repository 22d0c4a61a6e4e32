// Layers over sequences [steps, channels] and over the axes of a sample: conv1d, the 1-D poolings, repeatVector and
// permute. The 1-D convolution and poolings are the 2-D kernels on images of height 1 (TF.js runs them on a dummy
// axis too), so they share those kernels' tests and their bits on both backends.
import type { Kernels } from '../backend/types';
import { checkName, ShapeError, ValueError } from '../errors';
import { MAX_VALUES, optionsOf, show } from '../options';
import { Convolution, outputGeometry, type ConvolutionConfig, type Padding } from './conv';
import { checkPositiveInt, inputConfig, Layer, sizeOf, type LayerBinding, type LayerConfig } from './layer';

/** The options nn.layers.conv1d takes. */
export const CONV1D_OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'alpha',
  'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'inputShape', 'name'] as const;
/** The options nn.layers.maxPooling1d and averagePooling1d take. */
export const POOLING1D_OPTIONS = ['poolSize', 'strides', 'padding', 'inputShape', 'name'] as const;
/** The options nn.layers.repeatVector takes. */
export const REPEAT_VECTOR_OPTIONS = ['n', 'inputShape', 'name'] as const;
/** The options nn.layers.permute takes. */
export const PERMUTE_OPTIONS = ['dims', 'inputShape', 'name'] as const;

/**
 * Border handling of a 1-D convolution: `'valid'` and `'same'` as in 2-D (see {@link Padding}); `'causal'` pads
 * (kernelSize − 1)·dilationRate zeros before the sequence only, so output step t sees input steps ≤ t (Keras; TF.js
 * 4.22 has the option but cannot run it, so such a model does not run in TF.js).
 *
 * @example
 * nn.layers.conv1d({ filters: 8, kernelSize: 3, padding: 'causal' });
 */
export type Padding1D = Padding | 'causal';
const PADDINGS_1D: readonly Padding1D[] = ['valid', 'same', 'causal'];
const PADDINGS: readonly Padding[] = ['valid', 'same'];

/** A positive integer or an array of one, as TF.js takes a 1-D kernelSize, strides, poolSize. */
function single(layer: string, what: string, v: unknown, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  const d = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (!Number.isSafeInteger(d) || (d as number) <= 0 || (d as number) > MAX_VALUES) {
    throw new ValueError(`layer '${layer}': ${what} must be a positive integer or an array of one, got ${show(v)}`);
  }
  return d as number;
}

function sequence(layer: Layer, inShape: number[]): [number, number] {
  if (inShape.length !== 2) {
    throw new ShapeError(`layer '${layer.name}' (${layer.className}) expects sequences [steps, channels], got input shape [${inShape.join(', ')}]`);
  }
  return [inShape[0], inShape[1]];
}


/**
 * Options of {@link layers}.conv1d. Sizes are a number or an array of one number.
 *
 * @example
 * nn.layers.conv1d({ filters: 16, kernelSize: 5, activation: 'relu', inputShape: [100, 1] });
 */
export interface Conv1DConfig extends ConvolutionConfig {
  /** Length of the convolution window: a positive integer. Required. */
  kernelSize: number | [number];
  /** Step between windows. Default `1`. */
  strides?: number | [number];
  /** Border handling (see {@link Padding1D}). Default `'valid'`. */
  padding?: Padding1D;
  /** Spacing between the kernel's taps. Default `1`; above 1 only with strides 1, as in Keras. */
  dilationRate?: number | [number];
}

/**
 * 1-D convolution over sequences [steps, channels]: kernel [kernelSize, inChannels, filters] as in TF.js. It is the
 * 2-D convolution of an image of height 1 (im2col + matrix multiply, bias and activation fused).
 *
 * @example
 * nn.layers.conv1d({ filters: 8, kernelSize: 3, padding: 'same', inputShape: [64, 4] });
 */
export class Conv1D extends Convolution {
  /** Always 'Conv1D'. */
  readonly className = 'Conv1D';
  /** Window length. */
  readonly kernelSize: number;
  /** Step between windows. */
  readonly strides: number;
  /** Border handling. */
  readonly padding: Padding1D;
  /** Spacing between kernel taps. */
  readonly dilationRate: number;

  constructor(config: Conv1DConfig) {
    const c = optionsOf<Conv1DConfig>('conv1d', config);
    super(c, 'conv1d');
    this.kernelSize = single(this.name, 'kernelSize', c.kernelSize);
    this.strides = single(this.name, 'strides', c.strides, 1);
    this.padding = checkName('padding', c.padding ?? 'valid', PADDINGS_1D);
    this.dilationRate = single(this.name, 'dilationRate', c.dilationRate, 1);
    if (this.dilationRate > 1 && this.strides > 1) {
      throw new ValueError(`layer '${this.name}': dilationRate ${this.dilationRate} cannot be combined with strides ${this.strides} (as in Keras)`);
    }
  }

  protected computeOutputShape(inShape: number[]): number[] {
    const [steps, c] = sequence(this, inShape);
    const k = this.kernelSize, s = this.strides, d = this.dilationRate;
    const span = (k - 1) * d + 1;
    const g = this.padding === 'causal'
      ? { out: Math.ceil(steps / s), pad: span - 1 }
      : outputGeometry(steps, k, s, d, this.padding);
    if (g.out <= 0) {
      throw new ShapeError(`layer '${this.name}': kernel ${k} (dilated span ${span}) is longer than its ${steps} steps with padding '${this.padding}'`);
    }
    this.g = { h: 1, w: steps, c, oh: 1, ow: g.out, padTop: 0, padLeft: g.pad, kh: 1, kw: k, sh: 1, sw: s, dh: 1, dw: d };
    return [g.out, this.filters];
  }

  protected kernelShape(): number[] {
    return [this.kernelSize, this.g.c, this.filters];
  }

  getConfig(): Record<string, unknown> {
    return {
      filters: this.filters, kernelSize: [this.kernelSize], strides: [this.strides], padding: this.padding,
      dilationRate: [this.dilationRate], ...this.convConfig(),
    };
  }
}

/**
 * Options of {@link layers}.maxPooling1d and {@link layers}.averagePooling1d.
 *
 * @example
 * nn.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' });
 */
export interface Pooling1DConfig extends LayerConfig {
  /** Window length. Default `2`. */
  poolSize?: number | [number];
  /** Step between windows. Default: the pool size (windows do not overlap). */
  strides?: number | [number];
  /** Border handling (see {@link Padding}). Default `'valid'`. */
  padding?: Padding;
}

abstract class Pooling1D extends Layer {
  /** Window length. */
  readonly poolSize: number;
  /** Step between windows. */
  readonly strides: number;
  /** Border handling. */
  readonly padding: Padding;
  protected g = { steps: 0, c: 0, out: 0, pad: 0 };
  constructor(config: Pooling1DConfig | undefined, prefix: string) {
    const c = optionsOf<Pooling1DConfig>(prefix, config);
    super(c, prefix);
    this.poolSize = single(this.name, 'poolSize', c.poolSize, 2);
    this.strides = single(this.name, 'strides', c.strides ?? undefined, this.poolSize);
    this.padding = checkName('padding', c.padding ?? 'valid', PADDINGS);
  }
  protected computeOutputShape(inShape: number[]): number[] {
    const [steps, c] = sequence(this, inShape);
    const g = outputGeometry(steps, this.poolSize, this.strides, 1, this.padding);
    if (g.out <= 0) throw new ShapeError(`layer '${this.name}': pool ${this.poolSize} is longer than its ${steps} steps with padding '${this.padding}'`);
    this.g = { steps, c, out: g.out, pad: g.pad };
    return [g.out, c];
  }
  getConfig(): Record<string, unknown> {
    return { poolSize: [this.poolSize], strides: [this.strides], padding: this.padding, ...inputConfig(this) };
  }
}

/**
 * Max pooling over sequences [steps, channels] (the gradient goes to the first maximum of each window).
 *
 * @example
 * nn.layers.maxPooling1d({ poolSize: 2 });
 */
export class MaxPooling1D extends Pooling1D {
  /** Always 'MaxPooling1D'. */
  readonly className = 'MaxPooling1D';
  constructor(c?: Pooling1DConfig) { super(c, 'max_pooling1d'); }
  /** The winners' indices (i32), for backward. */
  override workspaceBytes(rows: number): number { return rows * this.g.out * this.g.c * 4; }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const { steps, c, out, pad } = this.g;
    k.f32_maxpool2d(b.x, b.y, b.ws, rows, 1, steps, c, 1, this.poolSize, 1, this.strides, 0, pad, 1, out);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx !== 0) k.f32_maxpool2d_grad(b.dy, b.ws, b.dx, rows, this.g.out * this.g.c, this.g.steps * this.g.c);
  }
}

/**
 * Average pooling over sequences [steps, channels] (padding excluded from the averages, as TF.js).
 *
 * @example
 * nn.layers.averagePooling1d({ poolSize: 4, strides: 2 });
 */
export class AveragePooling1D extends Pooling1D {
  /** Always 'AveragePooling1D'. */
  readonly className = 'AveragePooling1D';
  constructor(c?: Pooling1DConfig) { super(c, 'average_pooling1d'); }
  private run(k: Kernels, from: number, to: number, rows: number, back: boolean): void {
    const { steps, c, out, pad } = this.g;
    (back ? k.f32_avgpool2d_grad : k.f32_avgpool2d)(from, to, rows, 1, steps, c, 1, this.poolSize, 1, this.strides, 0, pad, 1, out);
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void { this.run(k, b.x, b.y, rows, false); }
  backward(k: Kernels, b: LayerBinding, rows: number): void { if (b.dx !== 0) this.run(k, b.dy, b.dx, rows, true); }
}

/**
 * The mean over the steps of each channel: [steps, c] → [c].
 *
 * @example
 * nn.layers.globalAveragePooling1d();
 */
export class GlobalAveragePooling1D extends Layer {
  /** Always 'GlobalAveragePooling1D'. */
  readonly className = 'GlobalAveragePooling1D';
  private steps = 0;
  private c = 0;
  constructor(c?: LayerConfig) { super(c, 'global_average_pooling1d'); }
  protected computeOutputShape(inShape: number[]): number[] {
    [this.steps, this.c] = sequence(this, inShape);
    return [this.c];
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void { k.f32_global_avgpool(b.x, b.y, rows, this.steps, this.c); }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx !== 0) k.f32_global_avgpool_grad(b.dy, b.dx, rows, this.steps, this.c);
  }
  getConfig(): Record<string, unknown> { return inputConfig(this); }
}

/**
 * The maximum over the steps of each channel: [steps, c] → [c], as max pooling with one window of all the steps
 * (the gradient goes to the first maximum; TF.js splits it among tied maxima, which only differs on exact ties).
 *
 * @example
 * nn.layers.globalMaxPooling1d();
 */
export class GlobalMaxPooling1D extends Layer {
  /** Always 'GlobalMaxPooling1D'. */
  readonly className = 'GlobalMaxPooling1D';
  private steps = 0;
  private c = 0;
  constructor(c?: LayerConfig) { super(c, 'global_max_pooling1d'); }
  protected computeOutputShape(inShape: number[]): number[] {
    [this.steps, this.c] = sequence(this, inShape);
    return [this.c];
  }
  /** The winners' indices (i32), for backward. */
  override workspaceBytes(rows: number): number { return rows * this.c * 4; }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    k.f32_maxpool2d(b.x, b.y, b.ws, rows, 1, this.steps, this.c, 1, this.steps, 1, this.steps, 0, 0, 1, 1);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx !== 0) k.f32_maxpool2d_grad(b.dy, b.ws, b.dx, rows, this.c, this.steps * this.c);
  }
  getConfig(): Record<string, unknown> { return inputConfig(this); }
}

/**
 * Options of {@link layers}.repeatVector.
 *
 * @example
 * nn.layers.repeatVector({ n: 10 });
 */
export interface RepeatVectorConfig extends LayerConfig {
  /** How many times the vector is repeated: a positive integer. Required. */
  n: number;
}

/**
 * Repeats each 1-D sample n times: [d] → [n, d] (the gradient is the sum over the n copies).
 *
 * @example
 * nn.layers.repeatVector({ n: 4, inputShape: [8] });   // output shape [4, 8]
 */
export class RepeatVector extends Layer {
  /** Always 'RepeatVector'. */
  readonly className = 'RepeatVector';
  /** How many copies. */
  readonly n: number;
  private d = 0;
  constructor(config: RepeatVectorConfig) {
    const c = optionsOf<RepeatVectorConfig>('repeatVector', config);
    super(c, 'repeat_vector');
    this.n = checkPositiveInt(this.name, 'n', c.n);
  }
  protected computeOutputShape(inShape: number[]): number[] {
    if (inShape.length !== 1) {
      throw new ShapeError(`layer '${this.name}' (RepeatVector) expects 1-D samples [features], got input shape [${inShape.join(', ')}]`);
    }
    this.d = inShape[0];
    return [this.n, this.d];
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const { n, d } = this;
    for (let r = 0; r < rows; r++) k.f32_copy_strided(b.x + r * d * 4, 0, b.y + r * n * d * 4, d, n, d);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    const { n, d } = this;
    for (let r = 0; r < rows; r++) k.f32_col_sum(b.dy + r * n * d * 4, b.dx + r * d * 4, n, d, 0);
  }
  getConfig(): Record<string, unknown> { return { n: this.n, ...inputConfig(this) }; }
}

/**
 * Options of {@link layers}.permute.
 *
 * @example
 * nn.layers.permute({ dims: [2, 1] });
 */
export interface PermuteConfig extends LayerConfig {
  /** A permutation of 1 … rank of the sample's axes (1-based, the batch axis excluded), as TF.js. Required. */
  dims: number[];
}

/** One strided copy of a sample: `rows` blocks of `cols` values, offsets and strides in elements. */
interface Copy { src: number; dst: number; srcStride: number; dstStride: number; rows: number; cols: number }

/**
 * The copies that move one sample of `shape` to the axis order `perm` (0-based: output axis i is input axis
 * perm[i]): the trailing axes that stay in place are one contiguous block, the next output axis a strided run of
 * such blocks, one copy per position of the axes before it.
 */
function permutePlan(shape: readonly number[], perm: readonly number[]): Copy[] {
  const k = shape.length;
  const inStride = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  let t = 0;
  while (t < k && perm[k - 1 - t] === k - 1 - t) t++;
  if (t === k) return [{ src: 0, dst: 0, srcStride: 0, dstStride: 0, rows: 1, cols: sizeOf(shape) }];
  const cols = sizeOf(shape.slice(k - t));
  const j = k - 1 - t;
  const out = perm.map((p) => shape[p]);
  const outer = out.slice(0, j);
  const outStride = out.map((_, i) => sizeOf(out.slice(i + 1)));
  const plan: Copy[] = [];
  const idx = outer.map(() => 0);
  for (let n = sizeOf(outer); n > 0; n--) {
    let src = 0, dst = 0;
    idx.forEach((v, i) => { src += v * inStride[perm[i]]; dst += v * outStride[i]; });
    plan.push({ src, dst, srcStride: inStride[perm[j]], dstStride: cols, rows: out[j], cols });
    for (let i = idx.length - 1; i >= 0 && ++idx[i] === outer[i]; i--) idx[i] = 0;
  }
  return plan;
}

/**
 * Reorders the axes of each sample (TF.js's transpose with the batch axis fixed): `dims` is 1-based, so
 * `{ dims: [2, 1] }` turns [steps, features] into [features, steps].
 *
 * @example
 * nn.layers.permute({ dims: [2, 1], inputShape: [10, 64] });   // output shape [64, 10]
 */
export class Permute extends Layer {
  /** Always 'Permute'. */
  readonly className = 'Permute';
  /** The permutation, 1-based. */
  readonly dims: number[];
  private size = 0;
  private fwd: Copy[] = [];
  private back: Copy[] = [];
  constructor(config: PermuteConfig) {
    const c = optionsOf<PermuteConfig>('permute', config);
    super(c, 'permute');
    const d = c.dims;
    if (!Array.isArray(d) || d.length === 0 || ![...d].sort((a, b) => a - b).every((v, i) => v === i + 1)) {
      throw new ValueError(`layer '${this.name}': dims must be a permutation of 1 … rank (1-based, without the batch axis), got ${show(d)}`);
    }
    this.dims = [...d];
  }
  protected computeOutputShape(inShape: number[]): number[] {
    if (inShape.length !== this.dims.length) {
      throw new ShapeError(`layer '${this.name}' (Permute): dims [${this.dims.join(', ')}] permute ${this.dims.length} axes, but the input shape [${inShape.join(', ')}] has ${inShape.length}`);
    }
    const perm = this.dims.map((v) => v - 1);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const out = perm.map((p) => inShape[p]);
    this.size = sizeOf(inShape);
    this.fwd = permutePlan(inShape, perm);
    this.back = permutePlan(out, inverse);
    return out;
  }
  private run(k: Kernels, plan: Copy[], from: number, to: number, rows: number): void {
    for (let r = 0; r < rows; r++) {
      const base = r * this.size * 4;
      for (const p of plan) k.f32_copy_strided(from + base + p.src * 4, p.srcStride, to + base + p.dst * 4, p.dstStride, p.rows, p.cols);
    }
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void { this.run(k, this.fwd, b.x, b.y, rows); }
  backward(k: Kernels, b: LayerBinding, rows: number): void { if (b.dx !== 0) this.run(k, this.back, b.dy, b.dx, rows); }
  getConfig(): Record<string, unknown> { return { dims: this.dims, ...inputConfig(this) }; }
}
