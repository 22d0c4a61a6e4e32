// Pixels from the browser (ImageData, canvases, images, bitmaps) into NHWC tensors. Nothing here touches a
// DOM global until fromPixels is called with a DOM source, so importing neurite in Node is unaffected.
import { NeuriteError, ShapeError, ValueError } from '../errors';
import { Tensor } from '../tensor';
import { checkChannels, checkSize, resizePixels, type Pixels } from './resize';

/**
 * Anything shaped like ImageData: width, height and width*height*channels bytes (RGBA for real ImageData).
 *
 * @example
 * const pixel: nn.ImageDataLike = { width: 1, height: 1, data: [255, 0, 0, 255] };
 * nn.fromPixels(pixel);
 */
export interface ImageDataLike {
  /** Pixels per row, an integer ≥ 1. */
  width: number;
  /** Rows, an integer ≥ 1. */
  height: number;
  /** Row-major interleaved bytes with 4 (RGBA), 3 (RGB), 2 (gray+alpha) or 1 (gray) values per pixel. */
  data: ArrayLike<number>;
}

/**
 * The instance type of a DOM class, or never where the DOM types are absent. The published typings name
 * no DOM type directly, so they compile in Node projects that have no "DOM" lib (skipLibCheck off too).
 */
type Dom<K extends string> = typeof globalThis extends Record<K, { prototype: infer T }> ? T : never;

/**
 * What {@link fromPixels} reads. Only ImageData-like objects work outside a browser.
 *
 * @example
 * const source: nn.PixelSource = document.querySelector('canvas')!;
 * nn.fromPixels(source, { size: [28, 28], channels: 1 });
 */
export type PixelSource =
  | ImageDataLike
  | Dom<'HTMLCanvasElement'>
  | Dom<'OffscreenCanvas'>
  | Dom<'HTMLImageElement'>
  | Dom<'HTMLVideoElement'>
  | Dom<'ImageBitmap'>;
type DomSource = HTMLCanvasElement | OffscreenCanvas | HTMLImageElement | HTMLVideoElement | ImageBitmap;

/**
 * Options of {@link fromPixels}; every field is optional. A bad value is a ValueError.
 *
 * @example
 * nn.fromPixels(canvas, { size: [28, 28], channels: 1 });
 */
export interface FromPixelsOptions {
  /** [height, width] to resize to (bilinear, stretched); default: the source's own size. */
  size?: readonly [number, number];
  /** 3 for RGB (default), 1 for grayscale (ITU-R BT.601 luma). */
  channels?: 1 | 3;
}

/**
 * Turns pixels into a [1, height, width, channels] tensor in [0, 1], ready for `model.predict`. Takes
 * ImageData (or any `{ width, height, data }`), a canvas, an OffscreenCanvas, a loaded `<img>`, a
 * `<video>` frame or an ImageBitmap. Canvas-like sources are drawn at their own size and read back;
 * the resize is then neurite's own bilinear one (the same as `loadImage` in Node), so a picture gives
 * the same numbers in every browser and in Node. Alpha is composited over black.
 *
 * In Node, only ImageData-like objects work; other sources throw a NeuriteError.
 *
 * @example
 * const img = document.querySelector('img')!;
 * await img.decode();
 * const x = nn.fromPixels(img, { size: [64, 64] });   // Tensor [1, 64, 64, 3]
 * const probs = model.predict(x).data;
 *
 * nn.fromPixels({ width: 1, height: 1, data: [255, 0, 0, 255] }).data; // Float32Array [1, 0, 0]
 */
export function fromPixels(source: PixelSource, options: FromPixelsOptions = {}): Tensor {
  const fn = 'fromPixels';
  if (options === null || typeof options !== 'object') throw new ValueError(`${fn}: options must be an object, got ${String(options)}`);
  const channels = checkChannels(options.channels, fn);
  if (options.size !== undefined) checkSize(options.size, fn);
  const pixels = readPixels(source, fn);
  const [h, w] = checkSize(options.size, fn, [pixels.height, pixels.width]);
  return new Tensor(resizePixels(pixels, { size: [h, w], channels }), [1, h, w, channels]);
}

function readPixels(input: PixelSource, fn: string): Pixels {
  const source = input as ImageDataLike | DomSource;
  if (source === null || typeof source !== 'object') {
    throw new ValueError(`${fn}: expected ImageData, a canvas, an image, a video or an ImageBitmap, got ${source === null ? 'null' : typeof source}`);
  }
  if ('data' in source) {
    const { width, height, data } = source;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new ShapeError(`${fn}: ImageData needs a positive integer width and height, got ${width}x${height}`);
    }
    const c = data?.length / (width * height);
    if (!(c === 1 || c === 2 || c === 3 || c === 4)) {
      throw new ShapeError(
        `${fn}: a ${width}x${height} ImageData needs ${width * height * 4} bytes (RGBA), or 3, 2 or 1 per pixel; got ${data?.length}`,
      );
    }
    return { width, height, data, channels: c };
  }

  const kind = 'naturalWidth' in source ? 'an <img>' : 'videoWidth' in source ? 'a <video>' : 'a canvas or ImageBitmap';
  const width = 'naturalWidth' in source ? source.naturalWidth : 'videoWidth' in source ? source.videoWidth : source.width;
  const height = 'naturalHeight' in source ? source.naturalHeight : 'videoHeight' in source ? source.videoHeight : source.height;
  const hasOffscreen = typeof OffscreenCanvas !== 'undefined';
  if (!hasOffscreen && typeof document === 'undefined') {
    throw new NeuriteError(
      `${fn}: reading ${kind} needs a browser (OffscreenCanvas or a document); in Node, pass an ImageData-like ` +
        '{ width, height, data } or load files with nn.loadImage',
    );
  }
  if (!(width > 0 && height > 0)) {
    throw new NeuriteError(
      `${fn}: ${kind} has size ${width}x${height}; ` +
        ('naturalWidth' in source ? 'wait until it has loaded (await img.decode())' : 'it must have pixels to read'),
    );
  }
  const canvas = hasOffscreen ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as
    | CanvasRenderingContext2D
    | OffscreenCanvasRenderingContext2D
    | null;
  if (!ctx) throw new NeuriteError(`${fn}: this browser gave no 2D canvas context to read pixels with`);
  ctx.drawImage(source as CanvasImageSource, 0, 0, width, height);
  let data: Uint8ClampedArray;
  try {
    data = ctx.getImageData(0, 0, width, height).data;
  } catch (e) {
    if ((e as { name?: string }).name === 'SecurityError') {
      throw new NeuriteError(`${fn}: the browser will not reveal the pixels of a cross-origin image; serve it with CORS and set img.crossOrigin = 'anonymous'`);
    }
    throw e;
  }
  return { width, height, data, channels: 4 };
}
