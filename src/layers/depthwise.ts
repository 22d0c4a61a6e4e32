import { activationConfig, activationSpec, type ActivationName, type ActivationSpec } from '../activations';
import { Act, type Kernels } from '../backend/types';
import { checkName, ShapeError, UnknownNameError, ValueError } from '../errors';
import { INITIALIZER_NAMES, type InitializerName } from '../initializers';
import { boolOption, optionsOf, show } from '../options';
import { imageShape, outputGeometry, pair, type Padding } from './conv';
import { checkPositiveInt, Layer, type LayerBinding, type LayerConfig, type ParamSpec } from './layer';
import type { Regularizer } from './regularizers';

const PADDINGS: readonly Padding[] = ['valid', 'same'];

/** checkName with the layer and option in the message. */
export function layerName<T extends string>(layer: string, option: string, v: unknown, valid: readonly T[]): T {
  try {
    return checkName(option, v, valid);
  } catch (e) {
    throw new UnknownNameError(`layer '${layer}': ${(e as Error).message}`);
  }
}

/** An L2 regularizer option (`{ l2 }`, finite, ≥ 0, float32) as its factor; 0 for none. */
export function l2Of(layer: string, option: string, r: Regularizer | undefined): number {
  if (r === undefined) return 0;
  const v = r !== null && typeof r === 'object' ? r.l2 : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || !Number.isFinite(Math.fround(v))) {
    throw new ValueError(`layer '${layer}': ${option} must be nn.regularizers.l2({ l2 }) with a finite l2 ≥ 0, got ${show(r)}`);
  }
  return v;
}


/** Window geometry of a depthwise convolution, as the kernels take it after n. */
interface DwGeometry {
  h: number; w: number; c: number; mult: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  padTop: number; padLeft: number; oh: number; ow: number;
}

/**
 * Options of {@link layers}.depthwiseConv2d (TF.js's DepthwiseConv2D), and the depthwise part of
 * {@link layers}.separableConv2d.
 *
 * @example
 * nn.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 1, useBias: false });
 */
export interface DepthwiseConv2DConfig extends LayerConfig {
  /** Size of the window: a positive integer or a pair `[height, width]`. Required. */
  kernelSize: number | [number, number];
  /** Step between windows. Default `1`. */
  strides?: number | [number, number];
  /** Border handling (see {@link Padding}). Default `'valid'`. */
  padding?: Padding;
  /** Filters per input channel: the output has `channels · depthMultiplier` channels. Default `1`. */
  depthMultiplier?: number;
  /** Spacing between the window's taps. Default `1`; above 1 only with strides 1, as in Keras. */
  dilationRate?: number | [number, number];
  /** Activation applied after the bias. Default `'linear'` (none). */
  activation?: ActivationName;
  /** Slope for leakyRelu (default 0.2) or scale for elu (default 1). */
  alpha?: number;
  /** Whether the layer adds a bias per output channel. Default `true`. */
  useBias?: boolean;
  /** How the depthwise kernel `[kh, kw, channels, depthMultiplier]` is initialized. Default `'glorotUniform'`. */
  depthwiseInitializer?: InitializerName;
  /** How the bias is initialized. Default `'zeros'`. */
  biasInitializer?: InitializerName;
  /** A weight penalty on the depthwise kernel, e.g. `nn.regularizers.l2({ l2: 1e-4 })`. Default: none. */
  depthwiseRegularizer?: Regularizer;
}

/**
 * Options of {@link layers}.separableConv2d (TF.js's SeparableConv2D): a depthwise convolution, then a 1x1
 * convolution to `filters` channels, then the bias and activation.
 *
 * @example
 * nn.layers.separableConv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' });
 */
export interface SeparableConv2DConfig extends DepthwiseConv2DConfig {
  /** Number of output channels. Required. */
  filters: number;
  /** How the pointwise kernel `[1, 1, channels · depthMultiplier, filters]` is initialized. Default `'glorotUniform'`. */
  pointwiseInitializer?: InitializerName;
  /** A weight penalty on the pointwise kernel. Default: none. */
  pointwiseRegularizer?: Regularizer;
}

const DEPTHWISE_COMMON = ['kernelSize', 'strides', 'padding', 'depthMultiplier', 'dilationRate', 'activation', 'alpha',
  'useBias', 'depthwiseInitializer', 'biasInitializer', 'depthwiseRegularizer', 'inputShape', 'name'] as const;
/** The options nn.layers.depthwiseConv2d takes. */
export const DEPTHWISE_CONV2D_OPTIONS = DEPTHWISE_COMMON;
/** The options nn.layers.separableConv2d takes. */
export const SEPARABLE_CONV2D_OPTIONS = [...DEPTHWISE_COMMON, 'filters', 'pointwiseInitializer', 'pointwiseRegularizer'] as const;

/** What depthwiseConv2d and separableConv2d share: the depthwise window, its kernel and its three kernels. */
abstract class DepthwiseBase extends Layer {
  /** Window size `[height, width]`. */
  readonly kernelSize: [number, number];
  /** Step between windows `[height, width]`. */
  readonly strides: [number, number];
  /** Border handling. */
  readonly padding: Padding;
  /** Filters per input channel. */
  readonly depthMultiplier: number;
  /** Spacing between taps `[height, width]`. */
  readonly dilationRate: [number, number];
  /** @internal */
  readonly act: ActivationSpec;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  /** The depthwise kernel's initializer. */
  readonly depthwiseInitializer: InitializerName;
  /** The bias's initializer. */
  readonly biasInitializer: InitializerName;
  /** The depthwise kernel's L2 factor; 0 without a regularizer. */
  readonly depthwiseL2: number;
  protected g: DwGeometry = { h: 0, w: 0, c: 0, mult: 1, kh: 0, kw: 0, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 0, padLeft: 0, oh: 0, ow: 0 };

  constructor(c: Partial<DepthwiseConv2DConfig>, prefix: string) {
    super(c, prefix);
    const n = this.name;
    this.kernelSize = pair(n, 'kernelSize', c.kernelSize);
    this.strides = pair(n, 'strides', c.strides, [1, 1]);
    this.padding = layerName(n, 'padding', c.padding ?? 'valid', PADDINGS);
    this.depthMultiplier = c.depthMultiplier === undefined ? 1 : checkPositiveInt(n, 'depthMultiplier', c.depthMultiplier);
    this.dilationRate = pair(n, 'dilationRate', c.dilationRate, [1, 1]);
    if ((this.dilationRate[0] > 1 || this.dilationRate[1] > 1) && (this.strides[0] > 1 || this.strides[1] > 1)) {
      throw new ValueError(`layer '${n}': dilationRate ${this.dilationRate.join('x')} cannot be combined with strides ${this.strides.join('x')} (as in Keras)`);
    }
    this.act = activationSpec(c.activation, c.alpha, `layer '${n}'`);
    this.useBias = boolOption(`layer '${n}': useBias`, c.useBias, true);
    this.depthwiseInitializer = layerName(n, 'initializer', c.depthwiseInitializer ?? 'glorotUniform', INITIALIZER_NAMES);
    this.biasInitializer = layerName(n, 'initializer', c.biasInitializer ?? 'zeros', INITIALIZER_NAMES);
    this.depthwiseL2 = l2Of(n, 'depthwiseRegularizer', c.depthwiseRegularizer);
  }

  /** Channels of the depthwise output: input channels · depthMultiplier. */
  protected get mid(): number { return this.g.c * this.depthMultiplier; }

  /** Fixes the window geometry for an input shape; returns [oh, ow]. */
  protected geometry(inShape: number[]): [number, number] {
    const [h, w, c] = imageShape(this, inShape);
    const [kh, kw] = this.kernelSize;
    const [dh, dw] = this.dilationRate;
    const gy = outputGeometry(h, kh, this.strides[0], dh, this.padding);
    const gx = outputGeometry(w, kw, this.strides[1], dw, this.padding);
    if (gy.out <= 0 || gx.out <= 0) {
      throw new ShapeError(`layer '${this.name}': kernel ${kh}x${kw} (dilated span ${(kh - 1) * dh + 1}x${(kw - 1) * dw + 1}) is larger than its ${h}x${w} input with padding '${this.padding}'`);
    }
    this.g = { h, w, c, mult: this.depthMultiplier, kh, kw, sh: this.strides[0], sw: this.strides[1], dh, dw,
      padTop: gy.pad, padLeft: gx.pad, oh: gy.out, ow: gx.out };
    return [gy.out, gx.out];
  }

  protected depthwiseSpec(): ParamSpec {
    return { name: 'depthwise_kernel', shape: [...this.kernelSize, this.g.c, this.depthMultiplier], initializer: this.depthwiseInitializer,
      l2: this.depthwiseL2 };
  }

  private geo(): [number, number, number, number, number, number, number, number, number, number, number, number, number, number] {
    const g = this.g;
    return [g.h, g.w, g.c, g.mult, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.oh, g.ow];
  }
  protected depthwise(k: Kernels, x: number, w: number, bias: number, y: number, rows: number, act: number, alpha: number): void {
    k.f32_depthwise_conv2d(x, w, bias, y, rows, ...this.geo(), act, alpha);
  }
  protected depthwiseDx(k: Kernels, dy: number, w: number, dx: number, rows: number): void {
    k.f32_depthwise_conv2d_dx(dy, w, dx, rows, ...this.geo());
  }
  protected depthwiseDw(k: Kernels, x: number, dy: number, dw: number, rows: number): void {
    k.f32_depthwise_conv2d_dw(x, dy, dw, rows, ...this.geo());
  }

  /** The activation's gradient into dy (in place), as conv2d does it. */
  protected activationGrad(k: Kernels, b: LayerBinding, count: number): void {
    if (this.act.code !== Act.Linear) k.f32_activation_grad(b.y, b.dy, b.dy, count, this.act.code, this.act.alpha);
  }

  override get softmaxOutput(): boolean { return this.act.softmax; }

  protected commonConfig(): Record<string, unknown> {
    return {
      kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, depthMultiplier: this.depthMultiplier,
      dilationRate: this.dilationRate, ...activationConfig(this.act), useBias: this.useBias,
      depthwiseInitializer: this.depthwiseInitializer, biasInitializer: this.biasInitializer,
      ...(this.depthwiseL2 > 0 ? { depthwiseRegularizer: { l2: this.depthwiseL2 } } : {}),
    };
  }
}

/**
 * Depthwise 2-D convolution over NHWC images (TF.js's DepthwiseConv2D): each input channel is convolved with
 * `depthMultiplier` filters of its own, so output channel `ch·depthMultiplier + m` sees input channel `ch` only.
 * Weights: `depthwise_kernel` `[kh, kw, channels, depthMultiplier]`, then `bias` `[channels·depthMultiplier]`. Runs on
 * a dedicated SIMD kernel (channels in the lanes), not a matrix product.
 *
 * @example
 * nn.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', inputShape: [96, 96, 16] });
 */
export class DepthwiseConv2D extends DepthwiseBase {
  /** Always 'DepthwiseConv2D'. */
  readonly className = 'DepthwiseConv2D';

  constructor(config: DepthwiseConv2DConfig) {
    super(optionsOf<DepthwiseConv2DConfig>('depthwiseConv2d', config), 'depthwise_conv2d');
  }

  protected computeOutputShape(inShape: number[]): number[] {
    const [oh, ow] = this.geometry(inShape);
    return [oh, ow, this.mid];
  }

  override params(): ParamSpec[] {
    const p = [this.depthwiseSpec()];
    if (this.useBias) p.push({ name: 'bias', shape: [this.mid], initializer: this.biasInitializer, l2: 0 });
    return p;
  }

  forward(k: Kernels, b: LayerBinding, rows: number, _training: boolean): void {
    this.depthwise(k, b.x, b.params[0], this.useBias ? b.params[1] : 0, b.y, rows, this.act.code, this.act.alpha);
  }

  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const pixels = rows * this.g.oh * this.g.ow;
    this.activationGrad(k, b, pixels * this.mid);
    this.depthwiseDw(k, b.x, b.dy, b.grads[0], rows);
    if (this.useBias) k.f32_col_sum(b.dy, b.grads[1], pixels, this.mid, 0);
    if (b.dx !== 0) this.depthwiseDx(k, b.dy, b.params[0], b.dx, rows);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.commonConfig(), ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}) };
  }
}

/**
 * Depthwise separable 2-D convolution (TF.js's SeparableConv2D): a depthwise convolution without bias, then a 1x1
 * convolution to `filters` channels (a matrix product), then the bias and the activation. Weights:
 * `depthwise_kernel` `[kh, kw, channels, depthMultiplier]`, `pointwise_kernel` `[1, 1, channels·depthMultiplier,
 * filters]`, then `bias` `[filters]`.
 *
 * @example
 * nn.layers.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' });
 */
export class SeparableConv2D extends DepthwiseBase {
  /** Always 'SeparableConv2D'. */
  readonly className = 'SeparableConv2D';
  /** Number of output channels. */
  readonly filters: number;
  /** The pointwise kernel's initializer. */
  readonly pointwiseInitializer: InitializerName;
  /** The pointwise kernel's L2 factor; 0 without a regularizer. */
  readonly pointwiseL2: number;

  constructor(config: SeparableConv2DConfig) {
    const c = optionsOf<SeparableConv2DConfig>('separableConv2d', config);
    super(c, 'separable_conv2d');
    this.filters = checkPositiveInt(this.name, 'filters', c.filters);
    this.pointwiseInitializer = layerName(this.name, 'initializer', c.pointwiseInitializer ?? 'glorotUniform', INITIALIZER_NAMES);
    this.pointwiseL2 = l2Of(this.name, 'pointwiseRegularizer', c.pointwiseRegularizer);
  }

  protected computeOutputShape(inShape: number[]): number[] {
    const [oh, ow] = this.geometry(inShape);
    return [oh, ow, this.filters];
  }

  override params(): ParamSpec[] {
    const p: ParamSpec[] = [this.depthwiseSpec(),
      { name: 'pointwise_kernel', shape: [1, 1, this.mid, this.filters], initializer: this.pointwiseInitializer, l2: this.pointwiseL2 }];
    if (this.useBias) p.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, l2: 0 });
    return p;
  }

  /** The depthwise output, kept for backward, and its gradient. */
  override workspaceBytes(rows: number): number {
    return 2 * this.midBytes(rows);
  }
  private midBytes(rows: number): number {
    return Math.ceil((rows * this.g.oh * this.g.ow * this.mid * 4) / 16) * 16;
  }

  forward(k: Kernels, b: LayerBinding, rows: number, _training: boolean): void {
    const pixels = rows * this.g.oh * this.g.ow;
    this.depthwise(k, b.x, b.params[0], 0, b.ws, rows, Act.Linear, 0);
    k.f32_gemm_nn(b.ws, b.params[1], this.useBias ? b.params[2] : 0, b.y, pixels, this.filters, this.mid, 0, this.act.code, this.act.alpha);
  }

  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const pixels = rows * this.g.oh * this.g.ow;
    const dmid = b.ws + this.midBytes(rows);
    this.activationGrad(k, b, pixels * this.filters);
    k.f32_gemm_tn(b.ws, b.dy, 0, b.grads[1], this.mid, this.filters, pixels, 0, Act.Linear, 0);
    if (this.useBias) k.f32_col_sum(b.dy, b.grads[2], pixels, this.filters, 0);
    k.f32_gemm_nt(b.dy, b.params[1], 0, dmid, pixels, this.mid, this.filters, 0, Act.Linear, 0);
    this.depthwiseDw(k, b.x, dmid, b.grads[0], rows);
    if (b.dx !== 0) this.depthwiseDx(k, dmid, b.params[0], b.dx, rows);
  }

  getConfig(): Record<string, unknown> {
    return {
      filters: this.filters, ...this.commonConfig(), pointwiseInitializer: this.pointwiseInitializer,
      ...(this.pointwiseL2 > 0 ? { pointwiseRegularizer: { l2: this.pointwiseL2 } } : {}),
      ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}),
    };
  }
}
