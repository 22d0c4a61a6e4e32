// Image augmentation and cropping layers with Keras's names, options and semantics (keras.layers.RandomFlip,
// RandomRotation, RandomTranslation, RandomZoom, RandomContrast, RandomCrop, CenterCrop). The random ones change
// images only while training (fit, trainOnBatch) and pass them through unchanged in predict and evaluate, drawing
// from a seeded stream: the layer's `seed`, else one the model derives from its own seed. The geometric ones build
// one affine map per image (output pixel → input pixel, as Keras's transform matrices do) and resample with
// f32_image_transform; their input gradient is its adjoint, so they may sit anywhere in a network.
import type { Kernels } from '../backend/types';
import { ShapeError, ValueError } from '../errors';
import { intOption, numberOption, optionsOf, show } from '../options';
import { Rng } from '../random';
import { imageShape } from './conv';
import { copyBlock } from './image';
import { inputConfig, Layer, type LayerBinding, type LayerConfig } from './layer';

/**
 * How a geometric augmentation fills the pixels it brings in from outside the image (Keras's fill_mode).
 *
 * @example
 * const mode: nn.FillMode = 'constant';
 */
export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';
/**
 * How a geometric augmentation reads between pixels.
 *
 * @example
 * const how: nn.Interpolation = 'nearest';
 */
export type Interpolation = 'bilinear' | 'nearest';

const FILL_CODES: Record<FillMode, number> = { constant: 0, reflect: 1, wrap: 2, nearest: 3 };
/** Bytes of the per-image transforms (6 f32 each), kept from forward for backward. */
const transformBytes = (rows: number) => Math.ceil((rows * 24) / 16) * 16;

/**
 * Keras's smart_resize window: the largest central window of an h × w image with the aspect ratio of th × tw
 * (height ⌊w·th / tw⌋, width ⌊h·tw / th⌋, each at most the image's and at least 1), starting at ⌊(h − ch) / 2⌋,
 * ⌊(w − cw) / 2⌋.
 */
export function centralWindow(h: number, w: number, th: number, tw: number): { top: number; left: number; ch: number; cw: number } {
  const ch = Math.max(1, Math.min(h, Math.floor((w * th) / tw)));
  const cw = Math.max(1, Math.min(w, Math.floor((h * tw) / th)));
  return { top: Math.floor((h - ch) / 2), left: Math.floor((w - cw) / 2), ch, cw };
}

/** A factor as Keras takes it: a number f means [-f, f] (or [1 − f, 1 + f] style ranges, per layer), a pair [lo, hi]. */
function range(layer: string, option: string, v: unknown, limit?: [number, number]): [number, number] | undefined {
  if (v === undefined || v === null) return undefined;
  const bad = (why: string) => new ValueError(`layer '${layer}': ${option} ${why}, got ${show(v)}`);
  let lo: number, hi: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw bad('must be a finite number or a pair [lower, upper] of them');
    [lo, hi] = [-Math.abs(v), Math.abs(v)];
  } else if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    [lo, hi] = v as [number, number];
    if (lo > hi) throw bad('needs lower ≤ upper');
  } else {
    throw bad('must be a finite number or a pair [lower, upper] of them');
  }
  if (limit && (lo < limit[0] || hi > limit[1])) throw bad(`must lie within [${limit[0]}, ${limit[1]}]`);
  return [lo, hi];
}

/** One of `allowed` (or an alias of one); undefined gives the fallback. */
export function choice<T extends string>(layer: string, option: string, v: unknown, allowed: readonly T[], fallback: T,
  aliases: Record<string, T> = {}): T {
  if (v === undefined) return fallback;
  if (typeof v === 'string' && aliases[v] !== undefined) return aliases[v];
  if (!allowed.includes(v as T)) throw new ValueError(`layer '${layer}': ${option} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`);
  return v as T;
}

/**
 * The options every random layer takes.
 *
 * @example
 * nn.layers.randomFlip({ seed: 7 });
 */
export interface RandomConfig extends LayerConfig {
  /** Seed of the layer's own random stream. Default: a stream derived from the model's seed. */
  seed?: number;
}

/**
 * The options of the geometric augmentations that bring in pixels from outside the image.
 *
 * @example
 * nn.layers.randomRotation({ factor: 0.1, fillMode: 'constant', fillValue: 0.5, interpolation: 'nearest' });
 */
export interface FillConfig extends RandomConfig {
  /** How pixels from outside the image are filled: 'reflect', 'wrap', 'constant' (fillValue) or 'nearest'. Default 'reflect'. */
  fillMode?: FillMode;
  /** 'bilinear' or 'nearest'. Default 'bilinear'. */
  interpolation?: Interpolation;
  /** The value of pixels from outside the image with fillMode 'constant'. Default 0. */
  fillValue?: number;
}

/** A layer that resamples each image by its own affine map while training, and passes images through otherwise. */
abstract class Resampling extends Layer {
  /** Seed of the layer's stream, if one was given. */
  readonly seed: number | undefined;
  protected s: [number, number, number] = [0, 0, 0];
  protected interp = 1;
  /** The interpolation code in training (true) or in predict and evaluate (false). */
  protected interpolationFor(_training: boolean): number { return this.interp; }
  protected fill = 0;
  protected fillWith = 0;

  constructor(c: RandomConfig, prefix: string) {
    super(c, prefix);
    if (c.seed !== undefined) {
      this.seed = intOption(`layer '${this.name}': seed`, c.seed, 0);
      this.rng = new Rng(this.seed);
    }
  }
  override get usesRng(): boolean { return true; }
  protected computeOutputShape(inShape: number[]): number[] {
    this.s = imageShape(this, inShape);
    return inShape;
  }
  override workspaceBytes(rows: number): number { return transformBytes(rows); }
  /** Image b's map [t0..t5] while training. */
  protected abstract transform(rng: Rng, h: number, w: number): number[];
  /** The output's [height, width]. */
  protected get outSize(): [number, number] { return [this.s[0], this.s[1]]; }
  /** In predict and evaluate: the map of every image, or undefined to pass images through. */
  protected inferenceTransform(): number[] | undefined { return undefined; }

  private write(k: Kernels, ws: number, rows: number, training: boolean): boolean {
    const [h, w] = this.s;
    const fixed = training ? undefined : this.inferenceTransform();
    if (!training && !fixed) return false;
    for (let r = 0; r < rows; r++) {
      const t = fixed ?? this.transform(this.rng!, h, w);
      for (let j = 0; j < 6; j++) k.f32_fill(ws + 4 * (6 * r + j), 1, t[j]);
    }
    return true;
  }
  forward(k: Kernels, b: LayerBinding, rows: number, training: boolean): void {
    const [h, w, c] = this.s;
    const [oh, ow] = this.outSize;
    if (!this.write(k, b.ws, rows, training)) {
      k.f32_copy(b.x, b.y, rows * h * w * c);
      return;
    }
    k.f32_image_transform(b.x, b.y, rows, h, w, c, oh, ow, b.ws, this.interpolationFor(training), this.fill, this.fillWith);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    const [h, w, c] = this.s;
    const [oh, ow] = this.outSize;
    k.f32_image_transform_dx(b.dy, b.dx, rows, h, w, c, oh, ow, b.ws, this.interpolationFor(true), this.fill);
  }
  protected randomConfig(): Record<string, unknown> {
    return { ...(this.seed !== undefined ? { seed: this.seed } : {}), ...inputConfig(this) };
  }
}

/** A resampling layer with fillMode, interpolation and fillValue. */
abstract class Filling extends Resampling {
  /** How pixels from outside the image are filled. */
  readonly fillMode: FillMode;
  /** How it reads between pixels. */
  readonly interpolation: Interpolation;
  /** The fill value of fillMode 'constant'. */
  readonly fillValue: number;
  constructor(c: FillConfig, prefix: string) {
    super(c, prefix);
    this.fillMode = choice(this.name, 'fillMode', c.fillMode, ['reflect', 'wrap', 'constant', 'nearest'], 'reflect');
    this.interpolation = choice(this.name, 'interpolation', c.interpolation, ['bilinear', 'nearest'], 'bilinear');
    this.fillValue = c.fillValue === undefined ? 0 : numberOption(`layer '${this.name}': fillValue`, c.fillValue, { f32: true });
    this.interp = this.interpolation === 'nearest' ? 0 : 1;
    this.fill = FILL_CODES[this.fillMode];
    this.fillWith = this.fillValue;
  }
  protected fillConfig(): Record<string, unknown> {
    return { fillMode: this.fillMode, interpolation: this.interpolation, fillValue: this.fillValue, ...this.randomConfig() };
  }
}

/**
 * Options of {@link layers}.randomFlip.
 *
 * @example
 * nn.layers.randomFlip({ mode: 'vertical' });
 */
export interface RandomFlipConfig extends RandomConfig {
  /** 'horizontal' (left-right), 'vertical' (up-down) or 'horizontal_and_vertical' (each on its own). Default 'horizontal_and_vertical'. */
  mode?: 'horizontal' | 'vertical' | 'horizontal_and_vertical';
}
/** The options nn.layers.randomFlip takes. */
export const RANDOM_FLIP_OPTIONS = ['mode', 'seed', 'inputShape', 'name'] as const;

/**
 * Flips each image left-right and/or up-down with probability 1/2 while training (Keras's RandomFlip); identity in
 * predict and evaluate.
 *
 * @example
 * nn.layers.randomFlip({ mode: 'horizontal', seed: 1 });
 */
export class RandomFlip extends Resampling {
  /** Always 'RandomFlip'. */
  readonly className = 'RandomFlip';
  /** Which flips it makes. */
  readonly mode: 'horizontal' | 'vertical' | 'horizontal_and_vertical';
  constructor(config?: RandomFlipConfig) {
    const c = optionsOf<RandomFlipConfig>('randomFlip', config);
    super(c, 'random_flip');
    this.mode = choice(this.name, 'mode', c.mode, ['horizontal', 'vertical', 'horizontal_and_vertical'], 'horizontal_and_vertical',
      { horizontalAndVertical: 'horizontal_and_vertical' });
    this.interp = 0;
  }
  protected transform(rng: Rng, h: number, w: number): number[] {
    const fx = this.mode !== 'vertical' && rng.next() < 0.5;
    const fy = this.mode !== 'horizontal' && rng.next() < 0.5;
    return [fx ? -1 : 1, 0, fx ? w - 1 : 0, 0, fy ? -1 : 1, fy ? h - 1 : 0];
  }
  getConfig(): Record<string, unknown> { return { mode: this.mode, ...this.randomConfig() }; }
}

/**
 * Options of {@link layers}.randomRotation.
 *
 * @example
 * nn.layers.randomRotation({ factor: [-0.05, 0.05] });
 */
export interface RandomRotationConfig extends FillConfig {
  /** The angle's range as a fraction of a full turn: f means [-f, f]·2π, [lo, hi] means [lo, hi]·2π. Required. */
  factor: number | [number, number];
}
/** The options nn.layers.randomRotation takes. */
export const RANDOM_ROTATION_OPTIONS = ['factor', 'fillMode', 'interpolation', 'fillValue', 'seed', 'inputShape', 'name'] as const;

/**
 * Rotates each image about its centre by a random angle while training (Keras's RandomRotation); identity in
 * predict and evaluate.
 *
 * @example
 * nn.layers.randomRotation({ factor: 0.1 });   // up to ±36°
 */
export class RandomRotation extends Filling {
  /** Always 'RandomRotation'. */
  readonly className = 'RandomRotation';
  /** [lower, upper] fractions of a full turn. */
  readonly factor: [number, number];
  constructor(config: RandomRotationConfig) {
    const c = optionsOf<RandomRotationConfig>('randomRotation', config);
    super(c, 'random_rotation');
    const f = range(this.name, 'factor', c.factor);
    if (!f) throw new ValueError(`layer '${this.name}': factor is required (a fraction of a full turn, or [lower, upper])`);
    this.factor = f;
  }
  protected transform(rng: Rng, h: number, w: number): number[] {
    const a = 2 * Math.PI * (this.factor[0] + (this.factor[1] - this.factor[0]) * rng.next());
    const cos = Math.cos(a), sin = Math.sin(a);
    // Keras's rotation about the image centre, as a map from output to input pixels
    const x0 = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2;
    const y0 = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2;
    return [cos, -sin, x0, sin, cos, y0];
  }
  getConfig(): Record<string, unknown> { return { factor: [...this.factor], ...this.fillConfig() }; }
}

/**
 * Options of {@link layers}.randomTranslation.
 *
 * @example
 * nn.layers.randomTranslation({ heightFactor: 0.2, widthFactor: [-0.1, 0.3] });
 */
export interface RandomTranslationConfig extends FillConfig {
  /** Vertical shift as a fraction of the height: f means [-f, f], or [lo, hi], within [-1, 1]. Required. */
  heightFactor: number | [number, number];
  /** Horizontal shift as a fraction of the width, likewise. Required. */
  widthFactor: number | [number, number];
}
/** The options nn.layers.randomTranslation takes. */
export const RANDOM_TRANSLATION_OPTIONS = ['heightFactor', 'widthFactor', 'fillMode', 'interpolation', 'fillValue', 'seed', 'inputShape', 'name'] as const;

/**
 * Shifts each image by a random fraction of its height and width while training (Keras's RandomTranslation);
 * identity in predict and evaluate.
 *
 * @example
 * nn.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1, fillMode: 'constant' });
 */
export class RandomTranslation extends Filling {
  /** Always 'RandomTranslation'. */
  readonly className = 'RandomTranslation';
  /** [lower, upper] fractions of the height. */
  readonly heightFactor: [number, number];
  /** [lower, upper] fractions of the width. */
  readonly widthFactor: [number, number];
  constructor(config: RandomTranslationConfig) {
    const c = optionsOf<RandomTranslationConfig>('randomTranslation', config);
    super(c, 'random_translation');
    const need = (o: string, v: unknown) => {
      const r = range(this.name, o, v, [-1, 1]);
      if (!r) throw new ValueError(`layer '${this.name}': ${o} is required (a fraction in [-1, 1], or [lower, upper])`);
      return r;
    };
    this.heightFactor = need('heightFactor', c.heightFactor);
    this.widthFactor = need('widthFactor', c.widthFactor);
  }
  protected transform(rng: Rng, h: number, w: number): number[] {
    const [hl, hh] = this.heightFactor, [wl, wh] = this.widthFactor;
    const dy = (hl + (hh - hl) * rng.next()) * h;
    const dx = (wl + (wh - wl) * rng.next()) * w;
    return [1, 0, -dx, 0, 1, -dy];
  }
  getConfig(): Record<string, unknown> {
    return { heightFactor: [...this.heightFactor], widthFactor: [...this.widthFactor], ...this.fillConfig() };
  }
}

/**
 * Options of {@link layers}.randomZoom.
 *
 * @example
 * nn.layers.randomZoom({ heightFactor: 0.1, widthFactor: 0.2 });
 */
export interface RandomZoomConfig extends FillConfig {
  /**
   * Vertical zoom: f means [-f, f], or [lo, hi], each at least -1; positive zooms out (the image shrinks), negative
   * zooms in, as in Keras. Required.
   */
  heightFactor: number | [number, number];
  /** Horizontal zoom, likewise. Default: the vertical zoom (the aspect ratio is kept). */
  widthFactor?: number | [number, number];
}
/** The options nn.layers.randomZoom takes. */
export const RANDOM_ZOOM_OPTIONS = ['heightFactor', 'widthFactor', 'fillMode', 'interpolation', 'fillValue', 'seed', 'inputShape', 'name'] as const;

/**
 * Zooms each image in or out about its centre by a random factor while training (Keras's RandomZoom); identity in
 * predict and evaluate.
 *
 * @example
 * nn.layers.randomZoom({ heightFactor: 0.2 });   // zoom between 80 % and 120 %, aspect kept
 */
export class RandomZoom extends Filling {
  /** Always 'RandomZoom'. */
  readonly className = 'RandomZoom';
  /** [lower, upper] vertical zoom. */
  readonly heightFactor: [number, number];
  /** [lower, upper] horizontal zoom, or undefined to follow the vertical one. */
  readonly widthFactor: [number, number] | undefined;
  constructor(config: RandomZoomConfig) {
    const c = optionsOf<RandomZoomConfig>('randomZoom', config);
    super(c, 'random_zoom');
    const h = range(this.name, 'heightFactor', c.heightFactor, [-1, Infinity]);
    if (!h) throw new ValueError(`layer '${this.name}': heightFactor is required (a fraction ≥ -1, or [lower, upper])`);
    this.heightFactor = h;
    this.widthFactor = range(this.name, 'widthFactor', c.widthFactor, [-1, Infinity]);
  }
  protected transform(rng: Rng, h: number, w: number): number[] {
    const [hl, hh] = this.heightFactor;
    const zy = 1 + hl + (hh - hl) * rng.next();
    const zx = this.widthFactor ? 1 + this.widthFactor[0] + (this.widthFactor[1] - this.widthFactor[0]) * rng.next() : zy;
    return [zx, 0, ((w - 1) / 2) * (1 - zx), 0, zy, ((h - 1) / 2) * (1 - zy)];
  }
  getConfig(): Record<string, unknown> {
    return { heightFactor: [...this.heightFactor], ...(this.widthFactor ? { widthFactor: [...this.widthFactor] } : {}), ...this.fillConfig() };
  }
}

/**
 * Options of {@link layers}.randomCrop.
 *
 * @example
 * nn.layers.randomCrop({ height: 24, width: 24 });
 */
export interface RandomCropConfig extends RandomConfig {
  /** Height of the crop, at most the input's. Required. */
  height: number;
  /** Width of the crop, at most the input's. Required. */
  width: number;
}
/** The options nn.layers.randomCrop takes. */
export const RANDOM_CROP_OPTIONS = ['height', 'width', 'seed', 'inputShape', 'name'] as const;

/**
 * Crops a random height × width window of each image while training; in predict and evaluate, as Keras does, the
 * largest central window with the crop's aspect ratio, resized to height × width (bilinear, half-pixel centres).
 *
 * @example
 * nn.layers.randomCrop({ height: 24, width: 24, inputShape: [28, 28, 1] });
 */
export class RandomCrop extends Resampling {
  /** Always 'RandomCrop'. */
  readonly className = 'RandomCrop';
  /** Output height. */
  readonly height: number;
  /** Output width. */
  readonly width: number;
  constructor(config: RandomCropConfig) {
    const c = optionsOf<RandomCropConfig>('randomCrop', config);
    super(c, 'random_crop');
    this.height = intOption(`layer '${this.name}': height`, c.height, 1, 1 << 24);
    this.width = intOption(`layer '${this.name}': width`, c.width, 1, 1 << 24);
    this.fill = FILL_CODES.nearest;
  }
  protected override computeOutputShape(inShape: number[]): number[] {
    this.s = imageShape(this, inShape);
    if (this.height > this.s[0] || this.width > this.s[1]) {
      throw new ShapeError(`layer '${this.name}' (RandomCrop): a ${this.height}x${this.width} crop does not fit in images of ` +
        `${this.s[0]}x${this.s[1]}; resize them first (nn.layers.resizing) or crop less`);
    }
    return [this.height, this.width, this.s[2]];
  }
  protected override get outSize(): [number, number] { return [this.height, this.width]; }
  /** Training reads whole pixels (an exact crop); predict resizes a window bilinearly. */
  protected override interpolationFor(training: boolean): number { return training ? 0 : 1; }
  protected transform(rng: Rng, h: number, w: number): number[] {
    return [1, 0, rng.int(w - this.width + 1), 0, 1, rng.int(h - this.height + 1)];
  }
  protected override inferenceTransform(): number[] {
    // Keras's smart_resize: the largest central window with the target's aspect ratio, resized with half-pixel
    // centres; every coordinate stays inside that window, so one map reads exactly what crop-then-resize reads
    const [h, w] = this.s;
    const { top, left, ch, cw } = centralWindow(h, w, this.height, this.width);
    const sy = ch / this.height, sx = cw / this.width;
    return [sx, 0, left + 0.5 * sx - 0.5, 0, sy, top + 0.5 * sy - 0.5];
  }
  getConfig(): Record<string, unknown> { return { height: this.height, width: this.width, ...this.randomConfig() }; }
}

/**
 * Options of {@link layers}.centerCrop.
 *
 * @example
 * nn.layers.centerCrop({ height: 24, width: 24 });
 */
export interface CenterCropConfig extends LayerConfig {
  /** Height of the crop, at most the input's. Required. */
  height: number;
  /** Width of the crop, at most the input's. Required. */
  width: number;
}
/** The options nn.layers.centerCrop takes. */
export const CENTER_CROP_OPTIONS = ['height', 'width', 'inputShape', 'name'] as const;

/**
 * Crops the central height × width window of each image, always (Keras's CenterCrop: the window starts at
 * floor((H − height) / 2), floor((W − width) / 2)). TF.js 4.22's CenterCrop samples the window with cropAndResize,
 * which can pick a neighbouring pixel; neurite crops exactly, as Keras does.
 *
 * @example
 * nn.layers.centerCrop({ height: 224, width: 224 });
 */
export class CenterCrop extends Layer {
  /** Always 'CenterCrop'. */
  readonly className = 'CenterCrop';
  /** Output height. */
  readonly height: number;
  /** Output width. */
  readonly width: number;
  private s: [number, number, number] = [0, 0, 0];
  constructor(config: CenterCropConfig) {
    const c = optionsOf<CenterCropConfig>('centerCrop', config);
    super(c, 'center_crop');
    this.height = intOption(`layer '${this.name}': height`, c.height, 1, 1 << 24);
    this.width = intOption(`layer '${this.name}': width`, c.width, 1, 1 << 24);
  }
  protected computeOutputShape(inShape: number[]): number[] {
    this.s = imageShape(this, inShape);
    if (this.height > this.s[0] || this.width > this.s[1]) {
      throw new ShapeError(`layer '${this.name}' (CenterCrop): a ${this.height}x${this.width} crop does not fit in images of ` +
        `${this.s[0]}x${this.s[1]}; resize them first or crop less`);
    }
    return [this.height, this.width, this.s[2]];
  }
  private get offsets(): [number, number] {
    return [Math.floor((this.s[0] - this.height) / 2), Math.floor((this.s[1] - this.width) / 2)];
  }
  forward(k: Kernels, b: LayerBinding, rows: number): void {
    const [h, w, c] = this.s;
    const [top, left] = this.offsets;
    copyBlock(k, b.y, b.x, rows, this.height, this.width, c, h, w, top, left, false);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    const [h, w, c] = this.s;
    const [top, left] = this.offsets;
    k.f32_fill(b.dx, rows * h * w * c, 0);
    copyBlock(k, b.dy, b.dx, rows, this.height, this.width, c, h, w, top, left, true);
  }
  getConfig(): Record<string, unknown> { return { height: this.height, width: this.width, ...inputConfig(this) }; }
}

/**
 * Options of {@link layers}.randomContrast.
 *
 * @example
 * nn.layers.randomContrast({ factor: [0.1, 0.4] });
 */
export interface RandomContrastConfig extends RandomConfig {
  /**
   * The contrast factor's range: f means [1 − f, 1 + f], [lo, hi] means [1 − lo, 1 + hi] (Keras's convention), each
   * bound in [0, 1] below. Required.
   */
  factor: number | [number, number];
}
/** The options nn.layers.randomContrast takes. */
export const RANDOM_CONTRAST_OPTIONS = ['factor', 'seed', 'inputShape', 'name'] as const;

/**
 * Scales each image's contrast by a random factor while training (Keras's RandomContrast, as
 * tf.image.adjust_contrast: per image and channel, y = mean + factor·(x − mean), computed as factor·x +
 * (1 − factor)·mean; values are not clipped, where Keras 3 clips to its value_range); identity in predict and
 * evaluate.
 *
 * @example
 * nn.layers.randomContrast({ factor: 0.2 });
 */
export class RandomContrast extends Layer {
  /** Always 'RandomContrast'. */
  readonly className = 'RandomContrast';
  /** The bounds [lower, upper]; the factor is drawn from [1 − lower, 1 + upper]. */
  readonly factor: [number, number];
  /** Seed of the layer's stream, if one was given. */
  readonly seed: number | undefined;
  private s: [number, number, number] = [0, 0, 0];
  private factors: number[] = [];
  constructor(config: RandomContrastConfig) {
    const c = optionsOf<RandomContrastConfig>('randomContrast', config);
    super(c, 'random_contrast');
    const f = typeof c.factor === 'number' ? [c.factor, c.factor] : c.factor;
    const ok = Array.isArray(f) && f.length === 2 && f.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) && f[0] <= 1;
    if (!ok) {
      throw new ValueError(`layer '${this.name}': factor must be a number in [0, 1] or a pair [lower, upper] with lower in [0, 1] ` +
        `and upper ≥ 0 (the contrast factor is drawn from [1 − lower, 1 + upper]), got ${show(c.factor)}`);
    }
    this.factor = [f[0], f[1]];
    if (c.seed !== undefined) {
      this.seed = intOption(`layer '${this.name}': seed`, c.seed, 0);
      this.rng = new Rng(this.seed);
    }
  }
  override get usesRng(): boolean { return true; }
  protected computeOutputShape(inShape: number[]): number[] {
    this.s = imageShape(this, inShape);
    return inShape;
  }
  /** Per image: its channels' means (or gradient sums). */
  override workspaceBytes(rows: number): number { return Math.ceil((rows * this.s[2] * 4) / 16) * 16; }
  forward(k: Kernels, b: LayerBinding, rows: number, training: boolean): void {
    const [h, w, c] = this.s;
    const n = h * w * c;
    k.f32_copy(b.x, b.y, rows * n);
    if (!training) return;
    const [lo, hi] = this.factor;
    this.factors.length = rows;
    for (let r = 0; r < rows; r++) this.factors[r] = 1 - lo + (lo + hi) * this.rng!.next();
    for (let r = 0; r < rows; r++) this.mix(k, b.x + r * n * 4, b.y + r * n * 4, b.ws + r * c * 4, this.factors[r]);
  }
  /** y = f·y + (1 − f)·mean(x) per channel, for one image. */
  private mix(k: Kernels, x: number, y: number, m: number, f: number): void {
    const [h, w, c] = this.s;
    k.f32_col_sum(x, m, h * w, c, 0);
    k.f32_scale(m, c, (1 - f) / (h * w));
    k.f32_scale(y, h * w * c, f);
    k.f32_bias_add(y, m, y, h * w, c);
  }
  backward(k: Kernels, b: LayerBinding, rows: number): void {
    if (b.dx === 0) return;
    const [h, w, c] = this.s;
    const n = h * w * c;
    // the map is symmetric in the pixels of a channel: dx = f·dy + (1 − f)·mean(dy)
    k.f32_copy(b.dy, b.dx, rows * n);
    for (let r = 0; r < rows; r++) this.mix(k, b.dy + r * n * 4, b.dx + r * n * 4, b.ws + r * c * 4, this.factors[r]);
  }
  getConfig(): Record<string, unknown> {
    return { factor: [...this.factor], ...(this.seed !== undefined ? { seed: this.seed } : {}), ...inputConfig(this) };
  }
}
