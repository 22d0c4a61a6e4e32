// Conv2DTranspose (TF.js's and Keras's): the input gradient of a 2-D convolution, run forward. Its output is the
// "input" of a convolution whose output is this layer's input, so it runs on the convolution's kernels with the
// roles swapped: forward = x·Wᵀ then col2im (what conv2d's backward does for dx), backward = im2col of dy, then
// that times W for dx (conv2d's forward) and its transpose times x for the kernel gradient. No kernel of its own.
import { Act, type Kernels } from '../backend/types';
import { ValueError } from '../errors';
import { optionsOf, show } from '../options';
import { Conv2D, type Conv2DConfig, CONV2D_OPTIONS, imageShape, outputGeometry, type Padding } from './conv';
import type { LayerBinding } from './layer';

/**
 * Options of {@link layers}.conv2dTranspose. Sizes are a number (the same along both axes) or `[height, width]`.
 *
 * @example
 * nn.layers.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' });
 */
export interface Conv2DTransposeConfig extends Conv2DConfig {
  /** Size of the window: a positive integer or a pair. Required. */
  kernelSize: number | [number, number];
  /** How far apart neighbouring input pixels land in the output (the upsampling factor). Default `1`. */
  strides?: number | [number, number];
  /**
   * `'valid'`: output h·stride + max(kernel − stride, 0); `'same'`: output h·stride (TF.js's deconvLength), the
   * window's overhang cropped as TF.js's 'same' padding puts it (an odd total has the extra row or column at the
   * bottom or right). Default `'valid'`.
   */
  padding?: Padding;
  /**
   * Spacing between the kernel's taps. Default `1`; above 1 only with strides 1, as in Keras. TF.js 4.22's
   * Conv2DTranspose neither saves nor applies it.
   */
  dilationRate?: number | [number, number];
  /** Where the channels are: `'channelsLast'` only (neurite's convolutions run on NHWC images). Default `'channelsLast'`. */
  dataFormat?: 'channelsLast';
}
/** The options nn.layers.conv2dTranspose takes. */
export const CONV2D_TRANSPOSE_OPTIONS = [...CONV2D_OPTIONS, 'dataFormat'] as const;

/**
 * The transposed 2-D convolution over NHWC images (TF.js's Conv2DTranspose, sometimes called a deconvolution): each
 * input pixel adds kernel-weighted copies of its channels into a window of the output, windows `strides` apart, then
 * bias and activation. Kernel `[kh, kw, filters, inChannels]` as TF.js stores it; output
 * `[h·sh + max(kh − sh, 0), w·sw + max(kw − sw, 0), filters]` ('valid') or `[h·sh, w·sw, filters]` ('same').
 *
 * @example
 * nn.layers.conv2dTranspose({ filters: 8, kernelSize: 4, strides: 2, padding: 'same', inputShape: [7, 7, 16] });   // → [14, 14, 8]
 */
export class Conv2DTranspose extends Conv2D {
  /** Always 'Conv2DTranspose'. */
  override readonly className = 'Conv2DTranspose';
  /** Input channels, once built. */
  private inC = 0;

  constructor(config: Conv2DTransposeConfig) {
    const { dataFormat, ...c } = optionsOf<Conv2DTransposeConfig>('conv2dTranspose', config);
    super(c as Conv2DConfig, 'conv2d_transpose', 'conv2dTranspose');
    if (dataFormat !== undefined && dataFormat !== 'channelsLast') {
      throw new ValueError(`layer '${this.name}': dataFormat must be 'channelsLast' (neurite's convolutions are NHWC), got ${show(dataFormat)}`);
    }
  }

  protected override computeOutputShape(inShape: number[]): number[] {
    const [h, w, c] = imageShape(this, inShape);
    const [kh, kw] = this.kernelSize, [sh, sw] = this.strides, [dh, dw] = this.dilationRate;
    // TF.js's deconvLength (Keras's deconv_output_length with the dilated span)
    const length = (n: number, k: number, s: number, d: number) => n * s + (this.padding === 'valid' ? Math.max((k - 1) * d + 1 - s, 0) : 0);
    const oh = length(h, kh, sh, dh), ow = length(w, kw, sw, dw);
    // the convolution this layer transposes, from the output [oh, ow, filters] to the input [h, w, c] (its output)
    const gy = outputGeometry(oh, kh, sh, dh, this.padding), gx = outputGeometry(ow, kw, sw, dw, this.padding);
    this.inC = c;
    this.g = { h: oh, w: ow, c: this.filters, oh: gy.out, ow: gx.out, padTop: gy.pad, padLeft: gx.pad, kh, kw, sh, sw, dh, dw };
    return [oh, ow, this.filters];
  }

  protected override kernelShape(): number[] {
    return [this.kernelSize[0], this.kernelSize[1], this.filters, this.inC];
  }

  /**
   * x·Wᵀ into the columns, col2im into the output, then bias and activation.
   *
   * @internal
   */
  override forward(k: Kernels, b: LayerBinding, rows: number): void {
    const { h, w, c, oh, ow } = this.g;
    const patch = this.patch, outValues = rows * h * w * c;
    // the columns of every input pixel, x·Wᵀ, then scattered into the output (f32_col2im zeroes it first)
    k.f32_gemm_nt(b.x, b.params[0], 0, b.ws, rows * oh * ow, patch, this.inC, 0, Act.Linear, 0);
    this.cols(k, b.ws, b.y, rows, true);
    if (this.useBias) k.f32_bias_add(b.y, b.params[1], b.y, rows * h * w, c);
    if (this.act.code !== Act.Linear) k.f32_activation(b.y, b.y, outValues, this.act.code, this.act.alpha);
  }

  /**
   * im2col of dy; the kernel gradient is its transpose times x, the input gradient it times W.
   *
   * @internal
   */
  override backward(k: Kernels, b: LayerBinding, rows: number): void {
    const { h, w, c, oh, ow } = this.g;
    const patch = this.patch, pixels = rows * oh * ow;
    if (this.act.code !== Act.Linear) k.f32_activation_grad(b.y, b.dy, b.dy, rows * h * w * c, this.act.code, this.act.alpha);
    this.cols(k, b.dy, b.ws, rows, false);
    k.f32_gemm_tn(b.ws, b.x, 0, b.grads[0], patch, this.inC, pixels, 0, Act.Linear, 0);
    if (this.useBias) k.f32_col_sum(b.dy, b.grads[1], rows * h * w, c, 0);
    if (b.dx !== 0) k.f32_gemm_nn(b.ws, b.params[0], 0, b.dx, pixels, this.inC, patch, 0, Act.Linear, 0);
  }
}
