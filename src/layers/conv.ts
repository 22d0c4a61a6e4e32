import { activationConfig, activationSpec, type ActivationName, type ActivationSpec } from '../activations';
import { Act, type Kernels } from '../backend/types';
import { checkName, ShapeError, ValueError } from '../errors';
import { INITIALIZER_NAMES, type InitializerName } from '../initializers';
import { boolOption, MAX_VALUES, optionsOf, show } from '../options';
import { checkPositiveInt, Layer, type LayerBinding, type LayerConfig, type ParamSpec } from './layer';
import { l2Factor, type Regularizer } from './regularizers';

/**
 * How a convolution or pooling window treats the borders: `'valid'` uses only positions where the window fits
 * (the output shrinks), `'same'` pads with zeros so that the output is ceil(input / stride), as in TF.js.
 *
 * @example
 * nn.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' });
 */
export type Padding = 'valid' | 'same';
const PADDINGS: readonly Padding[] = ['valid', 'same'];

/** A number or a pair of positive integers, as Keras takes kernelSize, strides, poolSize. */
export function pair(layer: string, what: string, v: unknown, fallback?: [number, number]): [number, number] {
  if (v === undefined && fallback) return fallback;
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isSafeInteger(d) && d > 0 && d <= MAX_VALUES)) {
    throw new ValueError(`layer '${layer}': ${what} must be a positive integer or a pair of them, got ${show(v)}`);
  }
  return [p[0], p[1]];
}

/** Output size and leading padding along one axis, as TF computes them. */
export function outputGeometry(size: number, k: number, stride: number, dilation: number, padding: Padding): { out: number; pad: number } {
  const span = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.max(0, Math.ceil((size - span + 1) / stride)), pad: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, pad: Math.floor(total / 2) };
}

/** An image shape [height, width, channels], or a ShapeError naming the layer. */
export function imageShape(layer: Layer, inShape: number[]): [number, number, number] {
  if (inShape.length !== 3) {
    throw new ShapeError(`layer '${layer.name}' (${layer.className}) expects images [height, width, channels], got input shape [${inShape.join(', ')}]`);
  }
  return [inShape[0], inShape[1], inShape[2]];
}

/** The options nn.layers.conv2d takes. */
export const CONV2D_OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'alpha',
  'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'inputShape', 'name'] as const;
/** The options nn.layers.maxPooling2d and averagePooling2d take. */
export const POOLING2D_OPTIONS = ['poolSize', 'strides', 'padding', 'inputShape', 'name'] as const;

/** Options every convolution takes: what it computes per window, not the window's geometry. */
export interface ConvolutionConfig extends LayerConfig {
  /** Number of output channels: a positive integer. Required. */
  filters: number;
  /** Activation applied to the convolution plus bias. Default `'linear'` (none). */
  activation?: ActivationName;
  /** Whether the layer adds one bias per filter. Default `true`. */
  useBias?: boolean;
  /** How the kernel is initialized. Default `'glorotUniform'`. */
  kernelInitializer?: InitializerName;
  /** How the bias is initialized. Default `'zeros'`. */
  biasInitializer?: InitializerName;
  /** A weight penalty on the kernel, e.g. `nn.regularizers.l2({ l2: 1e-4 })`. Default: none. */
  kernelRegularizer?: Regularizer;
  /** Slope for leakyRelu (default 0.2) or scale for elu (default 1); the other activations do not use it. */
  alpha?: number;
}

/**
 * Options of {@link layers}.conv2d. Sizes are a number (the same along both axes) or `[height, width]`.
 *
 * @example
 * nn.layers.conv2d({ filters: 16, kernelSize: [3, 3], strides: 2, padding: 'same', activation: 'relu' });
 */
export interface Conv2DConfig extends ConvolutionConfig {
  /** Size of the convolution window: a positive integer or a pair. Required. */
  kernelSize: number | [number, number];
  /** Step between windows. Default `1`. */
  strides?: number | [number, number];
  /** Border handling (see {@link Padding}). Default `'valid'`. */
  padding?: Padding;
  /** Spacing between the kernel's taps (atrous convolution). Default `1`; above 1 only with strides 1, as in Keras. */
  dilationRate?: number | [number, number];
}

/**
 * Where a convolution's windows are, as an NHWC 2-D convolution (a 1-D one is an image of height 1): input
 * h×w×c, output oh×ow, kernel kh×kw, strides sh, sw, dilations dh, dw, leading padding padTop, padLeft.
 */
export interface ConvGeometry {
  h: number; w: number; c: number; oh: number; ow: number; padTop: number; padLeft: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
}

/**
 * What conv2d and conv1d share: the kernel's weights, and the run as im2col + matrix multiply with bias and
 * activation fused (or the direct one-channel kernels), over the geometry the subclass fixes at build.
 */
export abstract class Convolution extends Layer {
  /** Number of output channels. */
  readonly filters: number;
  /** @internal */
  readonly act: ActivationSpec;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  /** The kernel's initializer. */
  readonly kernelInitializer: InitializerName;
  /** The bias's initializer. */
  readonly biasInitializer: InitializerName;
  /** The kernel's L2 factor (loss += l2·Σw²); 0 without a regularizer. */
  readonly l2: number;
  /** @internal */
  protected g: ConvGeometry = { h: 0, w: 0, c: 0, oh: 0, ow: 0, padTop: 0, padLeft: 0, kh: 0, kw: 0, sh: 1, sw: 1, dh: 1, dw: 1 };

  constructor(c: Partial<ConvolutionConfig>, prefix: string) {
    super(c, prefix);
    this.filters = checkPositiveInt(this.name, 'filters', c.filters);
    this.act = activationSpec(c.activation, c.alpha, `layer '${this.name}'`);
    this.useBias = boolOption(`layer '${this.name}': useBias`, c.useBias, true);
    this.kernelInitializer = checkName('initializer', c.kernelInitializer ?? 'glorotUniform', INITIALIZER_NAMES);
    this.biasInitializer = checkName('initializer', c.biasInitializer ?? 'zeros', INITIALIZER_NAMES);
    this.l2 = l2Factor(this.name, c.kernelRegularizer);
  }

  /** The kernel's shape in TF.js layout (its values are [kh, kw, c, filters] in row-major order either way). */
  protected abstract kernelShape(): number[];

  override params(): ParamSpec[] {
    const p: ParamSpec[] = [{ name: 'kernel', shape: this.kernelShape(), initializer: this.kernelInitializer, l2: this.l2 }];
    if (this.useBias) p.push({ name: 'bias', shape: [this.filters], initializer: this.biasInitializer, l2: 0 });
    return p;
  }

  protected get patch(): number {
    return this.g.kh * this.g.kw * this.g.c;
  }

  /** The im2col columns, reused for their gradient in backward. */
  override workspaceBytes(rows: number): number {
    return rows * this.g.oh * this.g.ow * this.patch * 4;
  }

  override get softmaxOutput(): boolean { return this.act.softmax; }

  /** im2col (back = false) or its adjoint col2im (back = true) over the geometry g. */
  protected cols(k: Kernels, from: number, to: number, rows: number, back: boolean): void {
    const { h, w, c, oh, ow, padTop, padLeft, kh, kw, sh, sw, dh, dw } = this.g;
    const f = back ? k.f32_col2im : k.f32_im2col;
    f(from, to, rows, h, w, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow);
  }

  /**
   * One input channel, stride 1, no dilation or padding, outputs at least 5 wide: f32_conv2d_direct reads the
   * image in place and f32_conv2d_direct_dw its kernel gradient (the same bits as im2col + gemm_nn and gemm_tn;
   * no columns), which measured faster than the columns and products on the LeNet's first layer.
   */
  private get direct(): boolean {
    const { h, w, c, oh, ow, kh, kw, sh, sw, dh, dw } = this.g;
    // the output of a 'valid' window at stride 1 without dilation ('same' with a 1x1 kernel too)
    return c === 1 && ow >= 5 && oh === h - kh + 1 && ow === w - kw + 1 && this.patch <= 4096 &&
      [sh, sw, dh, dw].every((v) => v === 1);
  }

  forward(k: Kernels, b: LayerBinding, rows: number, _training: boolean): void {
    const pixels = rows * this.g.oh * this.g.ow;
    if (this.direct) {
      const { h, w, c, kh, kw } = this.g;
      k.f32_conv2d_direct(b.x, b.params[0], this.useBias ? b.params[1] : 0, b.y, rows, h, w, c, kh, kw, this.filters,
        this.act.code, this.act.alpha);
    } else {
      this.cols(k, b.x, b.ws, rows, false);
      k.f32_gemm_nn(b.ws, b.params[0], this.useBias ? b.params[1] : 0, b.y, pixels, this.filters, this.patch, 0,
        this.act.code, this.act.alpha);
    }
  }

  backward(k: Kernels, b: LayerBinding, rows: number): void {
    const pixels = rows * this.g.oh * this.g.ow;
    if (this.act.code !== Act.Linear) {
      k.f32_activation_grad(b.y, b.dy, b.dy, pixels * this.filters, this.act.code, this.act.alpha);
    }
    if (this.direct) {
      const { h, w, c, kh, kw } = this.g;
      k.f32_conv2d_direct_dw(b.x, b.dy, b.grads[0], rows, h, w, c, kh, kw, this.filters);
    } else {
      k.f32_gemm_tn(b.ws, b.dy, 0, b.grads[0], this.patch, this.filters, pixels, 0, Act.Linear, 0);
    }
    if (this.useBias) k.f32_col_sum(b.dy, b.grads[1], pixels, this.filters, 0);
    if (b.dx !== 0) {
      k.f32_gemm_nt(b.dy, b.params[0], 0, b.ws, pixels, this.patch, this.filters, 0, Act.Linear, 0);
      this.cols(k, b.ws, b.dx, rows, true);
    }
  }

  /** The config keys after the geometry's: activation, bias, initializers, regularizer, input shape. */
  protected convConfig(): Record<string, unknown> {
    return {
      ...activationConfig(this.act), useBias: this.useBias,
      kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer,
      ...(this.l2 > 0 ? { kernelRegularizer: { l2: this.l2 } } : {}),
      ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}),
    };
  }
}

/**
 * 2-D convolution over NHWC images: kernel [kh, kw, inChannels, filters] as in TF.js, run as im2col + matrix
 * multiply with bias and activation fused.
 *
 * @example
 * nn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] });
 */
export class Conv2D extends Convolution {
  /** 'Conv2D' (or a subclass's name). */
  readonly className: string = 'Conv2D';
  /** Window size `[height, width]`. */
  readonly kernelSize: [number, number];
  /** Step between windows `[height, width]`. */
  readonly strides: [number, number];
  /** Border handling. */
  readonly padding: Padding;
  /** Spacing between kernel taps `[height, width]`. */
  readonly dilationRate: [number, number];

  /** @param prefix the start of a generated name; factory, the factory's name in errors (a subclass's) */
  constructor(config: Conv2DConfig, prefix = 'conv2d', factory = 'conv2d') {
    const c = optionsOf<Conv2DConfig>(factory, config);
    super(c, prefix);
    this.kernelSize = pair(this.name, 'kernelSize', c.kernelSize);
    this.strides = pair(this.name, 'strides', c.strides, [1, 1]);
    this.padding = checkName('padding', c.padding ?? 'valid', PADDINGS);
    this.dilationRate = pair(this.name, 'dilationRate', c.dilationRate, [1, 1]);
    if ((this.dilationRate[0] > 1 || this.dilationRate[1] > 1) && (this.strides[0] > 1 || this.strides[1] > 1)) {
      throw new ValueError(`layer '${this.name}': dilationRate ${this.dilationRate.join('x')} cannot be combined with strides ${this.strides.join('x')} (as in Keras)`);
    }
  }

  protected computeOutputShape(inShape: number[]): number[] {
    const [h, w, c] = imageShape(this, inShape);
    const [kh, kw] = this.kernelSize;
    const [dh, dw] = this.dilationRate;
    const [sh, sw] = this.strides;
    const gy = outputGeometry(h, kh, sh, dh, this.padding);
    const gx = outputGeometry(w, kw, sw, dw, this.padding);
    if (gy.out <= 0 || gx.out <= 0) {
      throw new ShapeError(`layer '${this.name}': kernel ${kh}x${kw} (dilated span ${(kh - 1) * dh + 1}x${(kw - 1) * dw + 1}) is larger than its ${h}x${w} input with padding '${this.padding}'`);
    }
    this.g = { h, w, c, oh: gy.out, ow: gx.out, padTop: gy.pad, padLeft: gx.pad, kh, kw, sh, sw, dh, dw };
    return [gy.out, gx.out, this.filters];
  }

  protected kernelShape(): number[] {
    return [this.kernelSize[0], this.kernelSize[1], this.g.c, this.filters];
  }

  getConfig(): Record<string, unknown> {
    return {
      filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dilationRate: this.dilationRate, ...this.convConfig(),
    };
  }
}

/**
 * Options of {@link layers}.maxPooling2d and {@link layers}.averagePooling2d. Sizes are a number (the same along
 * both axes) or `[height, width]`.
 *
 * @example
 * nn.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' });
 */
export interface Pooling2DConfig extends LayerConfig {
  /** Window size. Default `2`. */
  poolSize?: number | [number, number];
  /** Step between windows. Default: the pool size (windows do not overlap). */
  strides?: number | [number, number];
  /** Border handling (see {@link Padding}). Default `'valid'`. */
  padding?: Padding;
}

abstract class Pooling2D extends Layer {
  /** Window size `[height, width]`. */
  readonly poolSize: [number, number];
  /** Step between windows `[height, width]`. */
  readonly strides: [number, number];
  /** Border handling. */
  readonly padding: Padding;
  protected g = { h: 0, w: 0, c: 0, oh: 0, ow: 0, padTop: 0, padLeft: 0 };
  constructor(config: Pooling2DConfig | undefined, prefix: string) {
    const c = optionsOf<Pooling2DConfig>(prefix, config);
    super(c, prefix);
    this.poolSize = pair(this.name, 'poolSize', c.poolSize, [2, 2]);
    this.strides = pair(this.name, 'strides', c.strides ?? undefined, this.poolSize);
    this.padding = checkName('padding', c.padding ?? 'valid', PADDINGS);
  }
  protected computeOutputShape(inShape: number[]): number[] {
    const [h, w, c] = imageShape(this, inShape);
    const gy = outputGeometry(h, this.poolSize[0], this.strides[0], 1, this.padding);
    const gx = outputGeometry(w, this.poolSize[1], this.strides[1], 1, this.padding);
    if (gy.out <= 0 || gx.out <= 0) {
      throw new ShapeError(`layer '${this.name}': pool ${this.poolSize.join('x')} is larger than its ${h}x${w} input with padding '${this.padding}'`);
    }
    this.g = { h, w, c, oh: gy.out, ow: gx.out, padTop: gy.pad, padLeft: gx.pad };
    return [gy.out, gx.out, c];
  }
  getConfig(): Record<string, unknown> {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding,
      ...(this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}) };
  }
}

/**
 * Max pooling over NHWC images.
 *
 * @example
 * nn.layers.maxPooling2d({ poolSize: 2 });
 */
export class MaxPooling2D extends Pooling2D {
  /** Always 'MaxPooling2D'. */
  readonly className = 'MaxPooling2D';
  constructor(c?: Pooling2DConfig) { super(c, 'max_pooling2d'); }
  /** The winners' indices (i32), for backward. */
  override workspaceBytes(rows: number): number {
    return rows * this.g.oh * this.g.ow * this.g.c * 4;
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const { h, w, c, oh, ow, padTop, padLeft } = this.g;
    k.f32_maxpool2d(b.x, b.y, b.ws, rows, h, w, c, this.poolSize[0], this.poolSize[1], this.strides[0], this.strides[1],
      padTop, padLeft, oh, ow);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    const { h, w, c, oh, ow } = this.g;
    k.f32_maxpool2d_grad(b.dy, b.ws, b.dx, rows, oh * ow * c, h * w * c);
  }
}

/**
 * Average pooling over NHWC images (padding excluded from the averages).
 *
 * @example
 * nn.layers.averagePooling2d({ poolSize: 2 });
 */
export class AveragePooling2D extends Pooling2D {
  /** Always 'AveragePooling2D'. */
  readonly className = 'AveragePooling2D';
  constructor(c?: Pooling2DConfig) { super(c, 'average_pooling2d'); }
  private run(k: Kernels, from: number, to: number, rows: number, back: boolean): void {
    const { h, w, c, oh, ow, padTop, padLeft } = this.g;
    const f = back ? k.f32_avgpool2d_grad : k.f32_avgpool2d;
    f(from, to, rows, h, w, c, this.poolSize[0], this.poolSize[1], this.strides[0], this.strides[1], padTop, padLeft, oh, ow);
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void { this.run(k, b.x, b.y, rows, false); }
  backward(k: Kernels, b: LayerBinding, rows: number): void { if (b.dx !== 0) this.run(k, b.dy, b.dx, rows, true); }
}

/**
 * Mean over the spatial positions of NHWC images: [h, w, c] → [c].
 *
 * @example
 * nn.layers.globalAveragePooling2d();
 */
export class GlobalAveragePooling2D extends Layer {
  /** Always 'GlobalAveragePooling2D'. */
  readonly className = 'GlobalAveragePooling2D';
  private hw = 0;
  private c = 0;
  constructor(c?: LayerConfig) { super(c, 'global_average_pooling2d'); }
  protected computeOutputShape(inShape: number[]): number[] {
    const [h, w, c] = imageShape(this, inShape);
    this.hw = h * w;
    this.c = c;
    return [c];
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void { k.f32_global_avgpool(b.x, b.y, rows, this.hw, this.c); }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx !== 0) k.f32_global_avgpool_grad(b.dy, b.dx, rows, this.hw, this.c);
  }
  getConfig(): Record<string, unknown> { return this.inputShape ? { batchInputShape: [null, ...this.inputShape] } : {}; }
}
