// tf.util and tf.browser: the helpers TF.js programs call around their data.
import { ValueError } from './nn';
import { asTensor, type DataType, sizeOf, Tensor, type TypedArray } from './tensor';

type Flat = number | boolean | string;
type Nested<T> = T | Nested<T>[] | ArrayLike<T>;

/** Shuffles an array in place (Fisher-Yates, Math.random). @example tf.util.shuffle(indices); */
function shuffle<T>(array: T[] | TypedArray): void {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = array[i];
    array[i] = array[j];
    array[j] = t as never;
  }
}
/** Shuffles two arrays of one length in the same order. @example tf.util.shuffleCombo(xs, ys); */
function shuffleCombo<T, U>(a: T[] | TypedArray, b: U[] | TypedArray): void {
  if (a.length !== b.length) throw new ValueError(`Array sizes must match to be shuffled together First array length was ${a.length}Second array length was ${b.length}`);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t as never;
    const u = b[i];
    b[i] = b[j];
    b[j] = u as never;
  }
}
/** Throws an Error with msg() unless expr. @example tf.util.assert(x > 0, () => 'x must be positive'); */
function assert(expr: boolean, msg: () => string): void {
  if (!expr) throw new Error(typeof msg === 'string' ? msg : msg());
}
/** Nested arrays flattened into one array. @example tf.util.flatten([[1, 2], [3]]); */
function flatten<T extends Flat>(arr: Nested<T>, result: T[] = [], skipTypedArray = false): T[] {
  if (Array.isArray(arr) || (ArrayBuffer.isView(arr) && !skipTypedArray)) {
    const a = arr as ArrayLike<Nested<T>>;
    for (let i = 0; i < a.length; i++) flatten(a[i], result, skipTypedArray);
  } else result.push(arr as T);
  return result;
}
const arraysEqual = (a: ArrayLike<unknown>, b: ArrayLike<unknown>) => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);
const now = () => performance.now();
const clamp = (min: number, x: number, max: number) => Math.max(min, Math.min(x, max));
const isTypedArray = (a: unknown) => a instanceof Float32Array || a instanceof Int32Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray;
const createShuffledIndices = (n: number) => {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  shuffle(a as unknown as number[]);
  return a;
};
const bytesPerElement = (dtype: DataType) => (dtype === 'bool' ? 1 : 4);
const encodeString = (s: string) => new TextEncoder().encode(s);
const decodeString = (b: Uint8Array) => new TextDecoder().decode(b);
function fetchUrl(url: string, init?: RequestInit): Promise<Response> {
  return fetch(url, init);
}

/**
 * tf.util: shuffle, shuffleCombo, assert, sizeFromShape, flatten, arraysEqual, now, clamp, isTypedArray,
 * createShuffledIndices, encodeString, decodeString, fetch.
 *
 * @example
 * tf.util.sizeFromShape([2, 3]);   // 6
 */
export const util = {
  shuffle, shuffleCombo, assert, flatten, arraysEqual, now, clamp, isTypedArray, createShuffledIndices, bytesPerElement,
  encodeString, decodeString, fetch: fetchUrl, sizeFromShape: (shape: number[]) => sizeOf(shape),
  range: (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i),
};

interface PixelData { width: number; height: number; data: ArrayLike<number> }
type Drawable = { width: number; height: number };

function readImage(pixels: unknown): PixelData {
  const p = pixels as Partial<PixelData>;
  if (p && typeof p.width === 'number' && typeof p.height === 'number' && p.data && typeof (p.data as ArrayLike<number>).length === 'number') {
    return p as PixelData;
  }
  const g = globalThis as unknown as { OffscreenCanvas?: new (w: number, h: number) => { getContext(k: '2d'): CanvasRenderingContext2D }; document?: Document };
  const src = pixels as Drawable & { videoWidth?: number; videoHeight?: number; naturalWidth?: number; naturalHeight?: number };
  if (!src || typeof src !== 'object') throw new ValueError(`pixels passed to tf.browser.fromPixels() can not be null`);
  const w = src.videoWidth || src.naturalWidth || src.width;
  const h = src.videoHeight || src.naturalHeight || src.height;
  const ctx = g.OffscreenCanvas ? new g.OffscreenCanvas(w, h).getContext('2d')
    : (() => { const c = g.document!.createElement('canvas'); c.width = w; c.height = h; return c.getContext('2d')!; })();
  ctx.drawImage(src as unknown as CanvasImageSource, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

/** [h, w, numChannels] int32 pixels (0-255) of ImageData, a canvas, an image, a video or a bitmap. @example tf.browser.fromPixels(canvas); */
function fromPixels(pixels: unknown, numChannels = 3): Tensor {
  if (numChannels > 4 || numChannels < 1) throw new ValueError('Cannot construct Tensor with more than 4 channels from pixels.');
  const img = readImage(pixels);
  const n = img.width * img.height;
  const src = img.data;
  const per = src.length / n;
  const out = new Int32Array(n * numChannels);
  for (let i = 0; i < n; i++) for (let c = 0; c < numChannels; c++) out[i * numChannels + c] = src[i * per + c];
  return new Tensor(out, [img.height, img.width, numChannels], 'int32');
}

/** RGBA bytes of a [h, w] or [h, w, 1|3|4] image (float32 in [0, 1] or int32 in [0, 255]), drawn on canvas if given. */
async function toPixels(img: Tensor, canvas?: { width: number; height: number; getContext(k: '2d'): unknown }): Promise<Uint8ClampedArray> {
  const t = asTensor(img, 'img', 'toPixels');
  if (t.rank !== 2 && t.rank !== 3) throw new ValueError(`toPixels only supports rank 2 or 3 tensors, got rank ${t.rank}.`);
  const [h, w] = t.shape;
  const depth = t.rank === 2 ? 1 : t.shape[2];
  if (depth > 4 || depth === 2) throw new ValueError(`toPixels only supports depth of size 1, 3 or 4 but got ${depth}`);
  const v = t.values;
  const scale = t.dtype === 'float32' ? 255 : 1;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const px = [0, 0, 0, 255];
    for (let d = 0; d < depth; d++) {
      const value = v[i * depth + d];
      if (t.dtype === 'float32' ? value < 0 || value > 1 : value < 0 || value > 255) {
        throw new ValueError(`Tensor values for a ${t.dtype} Tensor must be in the range [0 - ${t.dtype === 'float32' ? 1 : 255}] but encountered ${value}.`);
      }
      px[d] = Math.round(value * scale);
    }
    if (depth === 1) px[1] = px[2] = px[0];
    out.set(px, i * 4);
  }
  if (canvas) {
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const ImageDataCtor = (globalThis as { ImageData?: new (d: Uint8ClampedArray, w: number, h: number) => ImageData }).ImageData;
    if (ImageDataCtor) ctx.putImageData(new ImageDataCtor(out, w, h), 0, 0);
  }
  return out;
}

/** tf.browser: fromPixels, fromPixelsAsync, toPixels. @example tf.browser.fromPixels(imageData, 1); */
export const browser = { fromPixels, fromPixelsAsync: async (p: unknown, c?: number) => fromPixels(p, c), toPixels };
