// Bilinear resizing and channel conversion of 8-bit pixels into [0, 1] floats. Shared by the Node image
// loader and fromPixels, so one picture gives the same numbers on every platform.
import { ShapeError, ValueError } from '../errors';

/**
 * 8-bit pixels, row-major and interleaved: 1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA (as ImageData).
 *
 * @example
 * const gray: nn.Pixels = { width: 2, height: 1, channels: 1, data: [0, 255] };
 */
export interface Pixels {
  /** Pixels per row, an integer ≥ 1. */
  width: number;
  /** Rows, an integer ≥ 1. */
  height: number;
  /** width * height * channels bytes (0..255). */
  data: ArrayLike<number>;
  /** Values per pixel: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
}

/**
 * Options of {@link resizePixels}; every field is optional.
 *
 * @example
 * nn.resizePixels(pixels, { size: [28, 28], channels: 1 });
 */
export interface ResizeOptions {
  /** Output [height, width]; default: the source's own size. The image is stretched (aspect ratio not kept). */
  size?: readonly [number, number];
  /** 1 for grayscale (ITU-R BT.601 luma), 3 for RGB. Default 3. */
  channels?: 1 | 3;
}

/** BT.601 luma weights, as in JPEG/JFIF, PIL's convert('L') and TF's rgb_to_grayscale. */
const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

/**
 * Resizes 8-bit pixels with bilinear interpolation and converts them to RGB or grayscale floats in
 * [0, 1], laid out HWC (height, width, channels), the layout of one sample of an NHWC tensor.
 *
 * - Sampling uses pixel centres (source x = (x + 0.5) * srcWidth / width - 0.5, clamped to the edge),
 *   as Keras' and TF's `resize(method='bilinear')` and PIL do. There is no antialiasing: shrinking by a
 *   large factor reads only the pixels nearest to each output pixel.
 * - The image is stretched to `size`; the aspect ratio is not kept.
 * - Alpha is composited over black (each colour is multiplied by alpha/255) before resizing, so hidden
 *   colours under transparent pixels never bleed in; an opaque image is unchanged.
 * - Grayscale is the BT.601 luma 0.299 R + 0.587 G + 0.114 B; a gray source becomes RGB by repeating it.
 *
 * Writes into `out` at `offset` when given (for filling one sample of a batch), else into a new array.
 *
 * @example
 * const red = { width: 2, height: 1, channels: 4, data: [255, 0, 0, 255, 255, 0, 0, 255] } as const;
 * nn.resizePixels(red, { size: [2, 2], channels: 1 }); // Float32Array(4) all 0.2990 (the luma of red)
 */
export function resizePixels(src: Pixels, options: ResizeOptions = {}, out?: Float32Array, offset = 0): Float32Array {
  const { width: sw, height: sh, channels: sc, data } = src;
  if (!isPositiveInt(sw) || !isPositiveInt(sh)) {
    throw new ShapeError(`resizePixels: the source must have a positive integer width and height, got ${sw}x${sh}`);
  }
  if (sc !== 1 && sc !== 2 && sc !== 3 && sc !== 4) {
    throw new ValueError(`resizePixels: source channels must be 1, 2, 3 or 4, got ${String(sc)}`);
  }
  if (!data || data.length !== sw * sh * sc) {
    throw new ShapeError(
      `resizePixels: a ${sw}x${sh} source with ${sc} channels needs ${sw * sh * sc} bytes, got ${data?.length}`,
    );
  }
  const [dh, dw] = checkSize(options.size, 'resizePixels', [sh, sw]);
  const dc = checkChannels(options.channels, 'resizePixels');
  const need = dh * dw * dc;
  if (out === undefined) out = new Float32Array(need);
  else if (!Number.isInteger(offset) || offset < 0 || offset + need > out.length) {
    throw new ShapeError(`resizePixels: out has ${out.length} values; ${need} do not fit at offset ${offset}`);
  }

  const xs = taps(sw, dw);
  const ys = taps(sh, dh);
  // Each tap contributes weight * (converted source value); 1/255 is applied once at the end.
  const pixel = new Float64Array(dc);
  const acc = new Float64Array(dc);
  const add = (i: number, w: number) => {
    convert(data, i * sc, sc, dc, pixel);
    for (let k = 0; k < dc; k++) acc[k] += w * pixel[k]!;
  };
  let o = offset;
  for (let y = 0; y < dh; y++) {
    const y0 = ys.i0[y]!, y1 = ys.i1[y]!, fy = ys.f[y]!;
    for (let x = 0; x < dw; x++) {
      const x0 = xs.i0[x]!, x1 = xs.i1[x]!, fx = xs.f[x]!;
      acc.fill(0);
      add(y0 * sw + x0, (1 - fy) * (1 - fx));
      if (fx !== 0) add(y0 * sw + x1, (1 - fy) * fx);
      if (fy !== 0) {
        add(y1 * sw + x0, fy * (1 - fx));
        if (fx !== 0) add(y1 * sw + x1, fy * fx);
      }
      for (let k = 0; k < dc; k++) out[o++] = acc[k]! / 255;
    }
  }
  return out;
}

/** For each output coordinate: the two source coordinates and the weight of the second (half-pixel centres). */
function taps(src: number, dst: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const f = new Float64Array(dst);
  const scale = src / dst;
  for (let d = 0; d < dst; d++) {
    const s = Math.max(0, (d + 0.5) * scale - 0.5);
    const lo = Math.floor(s);
    if (lo >= src - 1) {
      i0[d] = i1[d] = src - 1;
    } else {
      i0[d] = lo;
      i1[d] = lo + 1;
      f[d] = s - lo;
    }
  }
  return { i0, i1, f };
}

/** One source pixel (at byte index i) as dc values in 0..255: alpha composited over black, then gray or RGB. */
function convert(data: ArrayLike<number>, i: number, sc: number, dc: number, px: Float64Array): void {
  let r: number, g: number, b: number;
  if (sc <= 2) {
    r = g = b = data[i]!;
    if (sc === 2) r = g = b = (r * data[i + 1]!) / 255;
  } else {
    r = data[i]!;
    g = data[i + 1]!;
    b = data[i + 2]!;
    if (sc === 4) {
      const a = data[i + 3]! / 255;
      r *= a;
      g *= a;
      b *= a;
    }
  }
  if (dc === 1) px[0] = sc <= 2 ? r : LUMA_R * r + LUMA_G * g + LUMA_B * b;
  else {
    px[0] = r;
    px[1] = g;
    px[2] = b;
  }
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Validates a [height, width] option (or returns the fallback when it is undefined). */
export function checkSize(size: unknown, fn: string, fallback?: [number, number]): [number, number] {
  if (size === undefined && fallback) return fallback;
  if (!Array.isArray(size) || size.length !== 2 || !isPositiveInt(size[0]) || !isPositiveInt(size[1])) {
    throw new ValueError(`${fn}: size must be [height, width] with two positive integers, got ${JSON.stringify(size)}`);
  }
  return [size[0], size[1]];
}

/** Validates a channels option: 1 (grayscale) or 3 (RGB); undefined means 3. */
export function checkChannels(channels: unknown, fn: string): 1 | 3 {
  if (channels === undefined) return 3;
  if (channels !== 1 && channels !== 3) {
    throw new ValueError(`${fn}: channels must be 1 (grayscale) or 3 (RGB), got ${JSON.stringify(channels)}`);
  }
  return channels;
}
