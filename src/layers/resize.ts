// Resampling layers: UpSampling2D (TF.js's: each axis times `size`, nearest or bilinear as tf.image's
// resizeNearestNeighbor and resizeBilinear compute with alignCorners and halfPixelCenters false) and Resizing (Keras's:
// any height × width with half-pixel centres, optionally from the central window with the target's aspect ratio).
// Each image is one f32_image_transform with a fixed scale-and-shift map per axis (edges clamped); the input gradient
// is its adjoint, f32_image_transform_dx.
import type { Kernels } from '../backend/types';
import { ShapeError } from '../errors';
import { boolOption, intOption, optionsOf } from '../options';
import { centralWindow, choice, type Interpolation } from './augment';
import { imageShape, pair } from './conv';
import { copyBlock } from './image';
import { inputConfig, Layer, type LayerBinding, type LayerConfig } from './layer';

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;
/** f32_image_transform's fill code that clamps coordinates to the edge pixels. */
const CLAMP = 3;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The map from output to input coordinates along one axis of n input and m output pixels, c = scale·o + offset, as
 * f32_image_transform takes it: TF's o·n/m, or with half-pixel centres (o + ½)·n/m − ½. Bilinear reads around c
 * (clamped to the edge pixels, as TF clamps its neighbours). Nearest: TF picks ⌊(o + ½)·n/m⌋ (or ⌊o·n/m⌋); the kernel
 * rounds c half away from zero, so c = x − ½ + δ with δ half the spacing 1/q of the fractions x can take (x is a
 * multiple of 1/q), which keeps c δ away from every rounding boundary; every output's index is then checked as the
 * kernel computes it, in f32.
 */
export function axisMap(layer: string, n: number, m: number, halfPixel: boolean, nearest: boolean): [number, number] {
  const ratio = n / m;
  if (!nearest) return [ratio, halfPixel ? 0.5 * ratio - 0.5 : 0];
  const q = halfPixel ? (2 * m) / gcd(n, 2 * m) : m / gcd(n, m);
  const offset = (halfPixel ? 0.5 * ratio : 0) - 0.5 + 0.5 / q;
  const s32 = Math.fround(ratio), o32 = Math.fround(offset);
  for (let o = 0; o < m; o++) {
    const exact = Math.min(n - 1, Math.floor(((halfPixel ? 2 * o + 1 : 2 * o) * n) / (2 * m)));
    const c = Math.min(Math.max(Math.fround(Math.fround(s32 * o) + o32), 0), n - 1);
    if (Math.floor(Math.fround(c + 0.5)) !== exact) {
      throw new ShapeError(`layer '${layer}': resizing ${n} pixels to ${m} with nearest sampling is beyond float32 coordinates (output ${o})`);
    }
  }
  return [ratio, offset];
}

/** What a resampling layer fixes at build: the kernel's images, the output and the per-axis maps. */
interface Plan {
  /** Images per sample the kernel sees (channelsFirst: one per channel), their height, width and channels. */
  per: number; h: number; w: number; c: number;
  oh: number; ow: number;
  /** The map [sx, 0, ox, 0, sy, oy] of every image. */
  t: number[];
  /** Nearest (0) or bilinear (1). */
  interp: number;
  /** A window [top, left, height, width] of each image that is resized instead of the whole image. */
  crop?: [number, number, number, number];
}

/** A layer that resizes every image by one fixed map per axis. */
abstract class Resampler extends Layer {
  protected p: Plan = { per: 1, h: 0, w: 0, c: 0, oh: 0, ow: 0, t: [1, 0, 0, 0, 1, 0], interp: 0 };

  private transformBytes(rows: number): number { return align16(rows * this.p.per * 24); }
  override workspaceBytes(rows: number): number {
    const crop = this.p.crop;
    return this.transformBytes(rows) + (crop ? align16(rows * crop[2] * crop[3] * this.p.c * 4) : 0);
  }

  /** The images the kernel reads: the input, or each image's window copied into the workspace. */
  private source(k: Kernels, b: LayerBinding, rows: number): { src: number; h: number; w: number } {
    const { crop, h, w, c } = this.p;
    if (!crop) return { src: b.x, h, w };
    const src = b.ws + this.transformBytes(rows);
    copyBlock(k, src, b.x, rows, crop[2], crop[3], c, h, w, crop[0], crop[1], false);
    return { src, h: crop[2], w: crop[3] };
  }

  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const { per, c, oh, ow, t, interp } = this.p;
    const n = rows * per;
    // the first map, then doubling copies of it
    for (let j = 0; j < 6; j++) k.f32_fill(b.ws + 4 * j, 1, t[j]);
    for (let done = 6; done < 6 * n; done *= 2) k.f32_copy(b.ws, b.ws + 4 * done, Math.min(done, 6 * n - done));
    const { src, h, w } = this.source(k, b, rows);
    k.f32_image_transform(src, b.y, n, h, w, c, oh, ow, b.ws, interp, CLAMP, 0);
  }

  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    const { per, c, oh, ow, interp, crop, h, w } = this.p;
    if (!crop) {
      k.f32_image_transform_dx(b.dy, b.dx, rows * per, h, w, c, oh, ow, b.ws, interp, CLAMP);
      return;
    }
    const win = b.ws + this.transformBytes(rows);
    k.f32_image_transform_dx(b.dy, win, rows, crop[2], crop[3], c, oh, ow, b.ws, interp, CLAMP);
    k.f32_fill(b.dx, rows * h * w * c, 0);
    copyBlock(k, win, b.dx, rows, crop[2], crop[3], c, h, w, crop[0], crop[1], true);
  }
}

/**
 * Where an image layer's channels are: `'channelsLast'` ([height, width, channels], TF.js's default) or
 * `'channelsFirst'` ([channels, height, width]).
 *
 * @example
 * nn.layers.upSampling2d({ dataFormat: 'channelsFirst', inputShape: [3, 8, 8] });
 */
export type DataFormat = 'channelsLast' | 'channelsFirst';

/**
 * Options of {@link layers}.upSampling2d.
 *
 * @example
 * nn.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' });
 */
export interface UpSampling2DConfig extends LayerConfig {
  /** How many times each axis grows: a positive integer or `[height, width]`. Default `[2, 2]`. */
  size?: number | [number, number];
  /**
   * `'nearest'` repeats each pixel; `'bilinear'` interpolates as TF.js's resizeBilinear (alignCorners and
   * halfPixelCenters false: output pixel o reads input o / size, clamped at the last pixel). Default `'nearest'`.
   */
  interpolation?: Interpolation;
  /** Where the channels are (see {@link DataFormat}). Default `'channelsLast'`. */
  dataFormat?: DataFormat;
}
/** The options nn.layers.upSampling2d takes. */
export const UP_SAMPLING2D_OPTIONS = ['size', 'interpolation', 'dataFormat', 'inputShape', 'name'] as const;

/**
 * Enlarges images by whole factors, as TF.js's UpSampling2D computes it: nearest repeats each pixel `size` times
 * along each axis (exactly; TF.js's float64 index ⌊o·(1/size)⌋ falls one pixel short at a few sizes, e.g. rows 49
 * and 98 with size 49), bilinear is tf.image.resizeBilinear without half-pixel centres. Input `[h, w, c]` (or `[c, h, w]`
 * with dataFormat 'channelsFirst'), output `[h·size[0], w·size[1], c]`.
 *
 * @example
 * nn.layers.upSampling2d({ size: 2, inputShape: [7, 7, 16] });   // → [14, 14, 16]
 */
export class UpSampling2D extends Resampler {
  /** Always 'UpSampling2D'. */
  readonly className = 'UpSampling2D';
  /** Growth `[height, width]`. */
  readonly size: [number, number];
  /** 'nearest' or 'bilinear'. */
  readonly interpolation: Interpolation;
  /** Where the channels are. */
  readonly dataFormat: DataFormat;

  constructor(config?: UpSampling2DConfig) {
    const c = optionsOf<UpSampling2DConfig>('upSampling2d', config);
    super(c, 'up_sampling2d');
    this.size = pair(this.name, 'size', c.size, [2, 2]);
    this.interpolation = choice(this.name, 'interpolation', c.interpolation, ['nearest', 'bilinear'], 'nearest');
    this.dataFormat = choice(this.name, 'dataFormat', c.dataFormat, ['channelsLast', 'channelsFirst'], 'channelsLast');
  }

  protected computeOutputShape(inShape: number[]): number[] {
    const s = imageShape(this, inShape);
    const first = this.dataFormat === 'channelsFirst';
    const [ch, h, w] = first ? s : [s[2], s[0], s[1]];
    const oh = h * this.size[0], ow = w * this.size[1];
    const nearest = this.interpolation === 'nearest';
    const [sy, oy] = axisMap(this.name, h, oh, false, nearest);
    const [sx, ox] = axisMap(this.name, w, ow, false, nearest);
    this.p = { per: first ? ch : 1, h, w, c: first ? 1 : ch, oh, ow, t: [sx, 0, ox, 0, sy, oy], interp: nearest ? 0 : 1 };
    return first ? [ch, oh, ow] : [oh, ow, ch];
  }

  getConfig(): Record<string, unknown> {
    return { size: [...this.size], dataFormat: this.dataFormat, interpolation: this.interpolation, ...inputConfig(this) };
  }
}

/**
 * Options of {@link layers}.resizing.
 *
 * @example
 * nn.layers.resizing({ height: 224, width: 224, cropToAspectRatio: true });
 */
export interface ResizingConfig extends LayerConfig {
  /** Output height: a positive integer. Required. */
  height: number;
  /** Output width: a positive integer. Required. */
  width: number;
  /** `'bilinear'` or `'nearest'`, both with half-pixel centres (as Keras's tf.image.resize). Default `'bilinear'`. */
  interpolation?: Interpolation;
  /**
   * Resize the largest central window with the output's aspect ratio (Keras's smart_resize crop) instead of the
   * whole image, so the image is not stretched. Default `false`.
   */
  cropToAspectRatio?: boolean;
}
/** The options nn.layers.resizing takes. */
export const RESIZING_OPTIONS = ['height', 'width', 'interpolation', 'cropToAspectRatio', 'inputShape', 'name'] as const;

/**
 * Resizes images to height × width as Keras's Resizing does: tf.image.resize with half-pixel centres (bilinear or
 * nearest, no antialiasing), optionally from the central window with the target's aspect ratio. TF.js 4.22 has a
 * Resizing layer with these options that neurite reads and writes, but it passes `!cropToAspectRatio` as
 * alignCorners, never crops, and gives a wrong output shape, so a TF.js model containing it cannot predict; neurite
 * computes what Keras computes.
 *
 * @example
 * nn.layers.resizing({ height: 96, width: 96, inputShape: [120, 160, 3] });
 */
export class Resizing extends Resampler {
  /** Always 'Resizing'. */
  readonly className = 'Resizing';
  /** Output height. */
  readonly height: number;
  /** Output width. */
  readonly width: number;
  /** 'bilinear' or 'nearest'. */
  readonly interpolation: Interpolation;
  /** Whether the central window with the output's aspect ratio is resized instead of the whole image. */
  readonly cropToAspectRatio: boolean;

  constructor(config: ResizingConfig) {
    const c = optionsOf<ResizingConfig>('resizing', config);
    super(c, 'resizing');
    this.height = intOption(`layer '${this.name}': height`, c.height, 1, 1 << 24);
    this.width = intOption(`layer '${this.name}': width`, c.width, 1, 1 << 24);
    this.interpolation = choice(this.name, 'interpolation', c.interpolation, ['bilinear', 'nearest'], 'bilinear');
    this.cropToAspectRatio = boolOption(`layer '${this.name}': cropToAspectRatio`, c.cropToAspectRatio, false);
  }

  protected computeOutputShape(inShape: number[]): number[] {
    const [h, w, ch] = imageShape(this, inShape);
    const win = this.cropToAspectRatio ? centralWindow(h, w, this.height, this.width) : { top: 0, left: 0, ch: h, cw: w };
    const nearest = this.interpolation === 'nearest';
    const [sy, oy] = axisMap(this.name, win.ch, this.height, true, nearest);
    const [sx, ox] = axisMap(this.name, win.cw, this.width, true, nearest);
    const crop: [number, number, number, number] | undefined = win.ch === h && win.cw === w ? undefined : [win.top, win.left, win.ch, win.cw];
    this.p = { per: 1, h, w, c: ch, oh: this.height, ow: this.width, t: [sx, 0, ox, 0, sy, oy], interp: nearest ? 0 : 1, crop };
    return [this.height, this.width, ch];
  }

  getConfig(): Record<string, unknown> {
    return { height: this.height, width: this.width, interpolation: this.interpolation, cropToAspectRatio: this.cropToAspectRatio, ...inputConfig(this) };
  }
}
