// Image datasets from folders (Node only). Node built-ins and the optional JPEG decoder are imported inside
// the functions through a specifier bundlers do not follow, so a browser bundle of neurite neither loads
// nor tries to resolve them. PNG is decoded by neurite itself (png.ts on node:zlib); JPEG needs the
// optional peer dependency jpeg-js.
import { FormatError, NeuriteError, ValueError } from '../errors';
import { Dataset } from '../data/dataset';
import { Rng } from '../random';
import { Tensor } from '../tensor';
import { oneHot } from './labels';
import { decodePng, isPng } from './png';
import { checkChannels, checkSize, resizePixels, type Pixels } from './resize';

/**
 * Options of {@link loadImageFolder}; `size` is required. A bad value is a ValueError.
 *
 * @example
 * await nn.loadImageFolder('pets', { size: [32, 32], channels: 1, validationSplit: 0.2, seed: 7, extensions: ['.png'] });
 */
export interface ImageFolderOptions {
  /** [height, width] in pixels, each an integer ≥ 1, that every image is resized to (bilinear, stretched: the aspect ratio is not kept). Required. */
  size: readonly [number, number];
  /** 3 for RGB (default), 1 for grayscale (ITU-R BT.601 luma). */
  channels?: 1 | 3;
  /** Fraction of the images, in [0, 1), held out as `validation` after the seeded shuffle. Default 0. */
  validationSplit?: number;
  /** Seed of the shuffle (and so of the split). Default 0: the same split on every run. */
  seed?: number;
  /** File extensions to read, from .png, .jpg, .jpeg (the default: all three), case-insensitive. */
  extensions?: readonly string[];
}

/**
 * Options of {@link loadImage}; every field is optional.
 *
 * @example
 * await nn.loadImage('digit.png', { size: [28, 28], channels: 1 });
 */
export interface LoadImageOptions {
  /** [height, width] to resize to; default: the image's own size. */
  size?: readonly [number, number];
  /** 3 for RGB (default), 1 for grayscale. */
  channels?: 1 | 3;
}

/**
 * One part of an image dataset; sample i of every field is the same image.
 *
 * @example
 * const { train } = await nn.loadImageFolder('pets', { size: [64, 64] });
 * console.log(train.files[0], train.labels[0]);
 */
export interface ImageSplit {
  /** [n, height, width, channels] (NHWC), values in [0, 1]. */
  x: Tensor;
  /** n class indices into classNames. */
  labels: Int32Array;
  /** [n, classes] one-hot rows. */
  oneHot: Tensor;
  /** n file paths (the folder path joined with class folder and file name). */
  files: string[];
}

/**
 * What {@link loadImageFolder} returns.
 *
 * @example
 * const data: nn.ImageFolder = await nn.loadImageFolder('pets', { size: [64, 64], validationSplit: 0.2 });
 * data.classNames[data.validation!.labels[0]];   // e.g. 'cats'
 */
export interface ImageFolder {
  /** Class folder names, sorted; label i is classNames[i]. */
  classNames: string[];
  /** The images not held out: all of them when validationSplit is 0. */
  train: ImageSplit;
  /** Present when validationSplit > 0. */
  validation?: ImageSplit;
}

const EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/**
 * Largest image file read, in bytes (checked with stat before reading; a sparse file counts by its length): a
 * 100-megapixel PNG stored without compression, the largest image decoded, fits.
 */
export const MAX_IMAGE_FILE_BYTES = 512 * 2 ** 20;

/** Reads an image file after checking its size; file-system problems are NeuriteErrors naming the file. */
async function readImageFile(fs: typeof import('node:fs/promises'), file: string, fn: string): Promise<Uint8Array> {
  let size: number;
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw new NeuriteError(`${fn}: ${file} is a folder, not an image file`);
    size = st.size;
  } catch (e) {
    if (e instanceof NeuriteError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NeuriteError(`${fn}: file not found: ${file}`);
    throw new NeuriteError(`${fn}: ${file} cannot be read (${code ?? (e as Error).message})`);
  }
  if (size > MAX_IMAGE_FILE_BYTES) {
    throw new FormatError(`${file}: ${size} bytes is more than the ${MAX_IMAGE_FILE_BYTES} an image file may have`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new NeuriteError(`${fn}: ${file} cannot be read (${code ?? (e as Error).message})`);
  }
  // the file may have grown between stat and read
  if (bytes.length > MAX_IMAGE_FILE_BYTES) throw new FormatError(`${file}: more than the ${MAX_IMAGE_FILE_BYTES} bytes an image file may have`);
  return bytes;
}

/**
 * import() of a Node built-in or an optional package. The specifier is a variable on purpose: esbuild,
 * Vite and webpack would otherwise try to resolve it for the browser and fail the whole bundle.
 */
const dynamicImport = <T>(specifier: string): Promise<T> => import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);

type JpegDecode = (
  bytes: Uint8Array,
  opts: { useTArray: true; formatAsRGBA: false },
) => { width: number; height: number; data: Uint8Array };

/** How jpeg-js is loaded; tests replace it to see the message for a missing package. */
export const optionalModules = {
  jpegJs: (): Promise<unknown> => dynamicImport('jpeg-js'),
};

/**
 * Loads a folder of images as a classification dataset, in Node. The folder holds one sub-folder per
 * class; class names are sorted (plain string order) and label i is classNames[i]. PNG and JPEG files
 * anywhere inside a class folder are read (the format comes from the file's first bytes), resized to
 * `size` with bilinear sampling (stretched, aspect ratio not kept), converted to RGB or BT.601 grayscale,
 * and scaled to [0, 1]. Alpha is composited over black. JPEGs follow their EXIF orientation.
 *
 * The images are shuffled with `seed`, then the last floor(n * validationSplit) become `validation`.
 * Files with other extensions, and names starting with a dot, are skipped; so are files directly in
 * `dir`. PNG needs nothing installed; JPEG needs the optional package jpeg-js (`npm install jpeg-js`).
 *
 * Throws NeuriteError for a missing folder, FormatError for fewer than 2 class folders, an empty class
 * or a file that does not decode (naming it), and ValueError for bad options.
 *
 * @example
 * // photos/cats/*.jpg, photos/dogs/*.png
 * const data = await nn.loadImageFolder('photos', { size: [64, 64], validationSplit: 0.2, seed: 1 });
 * data.classNames;         // ['cats', 'dogs']
 * data.train.x.shape;      // [n, 64, 64, 3]
 * await model.fit(data.train.x, data.train.oneHot, { validationData: [data.validation!.x, data.validation!.oneHot] });
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions): Promise<ImageFolder> {
  const f = await listImageFolder(dir, options, 'loadImageFolder');
  const { classNames, files, labels, size, channels } = f;
  const load = async (idx: Int32Array): Promise<ImageSplit> => {
    const [h, w] = size;
    const per = h * w * channels;
    const x = new Float32Array(idx.length * per);
    const lab = new Int32Array(idx.length);
    const names: string[] = [];
    for (let i = 0; i < idx.length; i++) {
      const file = files[idx[i]!]!;
      await f.read(file, x, i * per);
      lab[i] = labels[idx[i]!]!;
      names.push(file);
    }
    return {
      x: new Tensor(x, [idx.length, h, w, channels]),
      labels: lab,
      oneHot: new Tensor(oneHot(lab, classNames.length), [idx.length, classNames.length]),
      files: names,
    };
  };
  const result: ImageFolder = { classNames, train: await load(f.train) };
  if (f.validation) result.validation = await load(f.validation);
  return result;
}

/** A folder of class folders, listed and split (no image read yet): what loadImageFolder and data.imageFolder share. */
interface ListedFolder {
  classNames: string[];
  files: string[];
  labels: number[];
  size: [number, number];
  channels: 1 | 3;
  /** Indices into files of the training part and (validationSplit > 0) of the validation part, in shuffled order. */
  train: Int32Array;
  validation: Int32Array | undefined;
  /** Reads, decodes and resizes one file into out[offset ...]. */
  read(file: string, out: Float32Array, offset: number): Promise<void>;
}

/** Checks the options, lists the class folders and their image files, and splits them (see loadImageFolder). */
async function listImageFolder(dir: string, options: ImageFolderOptions, fn: string): Promise<ListedFolder> {
  if (typeof dir !== 'string' || dir === '') throw new ValueError(`${fn}: dir must be a folder path, got ${JSON.stringify(dir)}`);
  if (options === null || typeof options !== 'object') {
    throw new ValueError(`${fn}: options { size: [height, width] } are required, got ${String(options)}`);
  }
  const size = checkSize(options.size, fn);
  const channels = checkChannels(options.channels, fn);
  const split = options.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) {
    throw new ValueError(`${fn}: validationSplit must be a number in [0, 1), got ${JSON.stringify(split)}`);
  }
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new ValueError(`${fn}: seed must be a finite number, got ${String(seed)}`);
  const extensions = checkExtensions(options.extensions, fn);

  const fs = await dynamicImport<typeof import('node:fs/promises')>('node:fs/promises');
  const path = await dynamicImport<typeof import('node:path')>('node:path');
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) throw new NeuriteError(`${fn}: folder not found: ${dir}`);
  if (!stat.isDirectory()) throw new NeuriteError(`${fn}: ${dir} is not a folder`);

  const classNames: string[] = [];
  for (const entry of await fs.readdir(dir)) {
    if (entry.startsWith('.')) continue;
    const st = await fs.stat(path.join(dir, entry)).catch(() => undefined); // follows symlinks
    if (st?.isDirectory()) classNames.push(entry);
  }
  classNames.sort();
  if (classNames.length < 2) {
    throw new FormatError(
      `${fn}: ${dir} must hold one sub-folder per class, at least 2, but has ${classNames.length}` +
        (classNames.length ? ` (${classNames[0]})` : ''),
    );
  }
  const files: string[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classNames.length; c++) {
    const folder = path.join(dir, classNames[c]!);
    const found = (await listFiles(fs, path, folder)).filter((f) => extensions.includes(path.extname(f).toLowerCase()));
    if (found.length === 0) {
      throw new FormatError(`${fn}: class folder ${folder} holds no image files (${extensions.join(', ')})`);
    }
    for (const f of found) {
      files.push(f);
      labels.push(c);
    }
  }

  const n = files.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(seed).shuffle(order);
  const nVal = Math.floor(n * split);
  if (split > 0 && nVal === 0) {
    throw new ValueError(`${fn}: validationSplit ${split} of ${n} images leaves none for validation`);
  }
  return {
    classNames, files, labels, size, channels,
    train: order.subarray(0, n - nVal),
    validation: nVal > 0 ? order.subarray(n - nVal) : undefined,
    read: async (file, out, offset) => {
      resizePixels(await decodeImage(await readImageFile(fs, file, fn), file), { size, channels }, out, offset);
    },
  };
}

/**
 * Options of {@link imageFolder}: those of {@link loadImageFolder} (`size` required), and how labels are given.
 *
 * @example
 * await nn.data.imageFolder('pets', { size: [64, 64], validationSplit: 0.2, labels: 'index' });
 */
export interface ImageFolderDatasetOptions extends ImageFolderOptions {
  /**
   * The form of each element's `ys`: 'oneHot' (default), a one-hot tensor [classes] for categoricalCrossentropy,
   * or 'index', the class index as a number for sparseCategoricalCrossentropy.
   */
  labels?: 'oneHot' | 'index';
}

/**
 * One element of {@link imageFolder}'s datasets.
 *
 * @example
 * const [first] = await data.train.take(1).toArray();   // { xs: Tensor [64, 64, 3], ys: Tensor [2] }
 */
export interface ImageElement {
  /** The image, [height, width, channels], values in [0, 1]. */
  xs: Tensor;
  /** Its class: a one-hot tensor [classes], or the class index with `labels: 'index'`. */
  ys: Tensor | number;
}

/**
 * What {@link imageFolder} resolves to: the class names and lazy datasets of the images.
 *
 * @example
 * const { classNames, train, validation } = await nn.data.imageFolder('pets', { size: [64, 64], validationSplit: 0.2 });
 */
export interface ImageFolderDatasets {
  /** Class folder names, sorted; label i is classNames[i]. */
  classNames: string[];
  /**
   * The images not held out, as elements `{ xs: Tensor [height, width, channels] in [0, 1], ys }`, in the seeded
   * order; each image is read and decoded only when the dataset reaches it, again on each pass.
   */
  train: Dataset<ImageElement>;
  /** The images held out by validationSplit, as `train`; present when validationSplit > 0. */
  validation?: Dataset<ImageElement>;
  /** The files of train and validation, in their datasets' order. */
  files: {
    /** The files of `train`, in its order. */
    train: string[];
    /** The files of `validation`, in its order; present when validationSplit > 0. */
    validation?: string[];
  };
}

/**
 * A folder of images as lazy datasets, in Node: the folder is listed, split and shuffled as by
 * {@link loadImageFolder} (same options, same classes, same split and order for the same seed), but no image is
 * read until the dataset reaches it, so a folder of any size trains through model.fitDataset with one batch of
 * images in memory. Each element is `{ xs: Tensor [height, width, channels], ys }` (ys one-hot, or the class index
 * with `labels: 'index'`); batch() stacks them. Errors as loadImageFolder's; a file that does not decode is a
 * FormatError when the dataset reaches it.
 *
 * @example
 * const data = await nn.data.imageFolder('photos', { size: [64, 64], validationSplit: 0.2, seed: 1 });
 * await model.fitDataset(data.train.shuffle(256, 1).batch(32).prefetch(2), { epochs: 5, validationData: data.validation!.batch(64) });
 */
export async function imageFolder(dir: string, options: ImageFolderDatasetOptions): Promise<ImageFolderDatasets> {
  const fn = 'data.imageFolder';
  const mode = options && typeof options === 'object' ? options.labels ?? 'oneHot' : 'oneHot';
  if (mode !== 'oneHot' && mode !== 'index') throw new ValueError(`${fn}: labels must be 'oneHot' or 'index', got ${JSON.stringify(mode)}`);
  const f = await listImageFolder(dir, options, fn);
  const [h, w] = f.size;
  const classes = f.classNames.length;
  const of = (idx: Int32Array) => {
    const list = Array.from(idx, (i) => i);
    return new Dataset<ImageElement>(async function* () {
      for (const i of list) {
        const x = new Float32Array(h * w * f.channels);
        await f.read(f.files[i]!, x, 0);
        const label = f.labels[i]!;
        const ys = mode === 'index' ? label : new Tensor(oneHot(Int32Array.of(label), classes), [classes]);
        yield { xs: new Tensor(x, [h, w, f.channels]), ys };
      }
    }, list.length);
  };
  const names = (idx: Int32Array) => Array.from(idx, (i) => f.files[i]!);
  const out: ImageFolderDatasets = { classNames: f.classNames, train: of(f.train), files: { train: names(f.train) } };
  if (f.validation) {
    out.validation = of(f.validation);
    out.files.validation = names(f.validation);
  }
  return out;
}

/**
 * Loads one PNG or JPEG file as a [1, height, width, channels] tensor in [0, 1], in Node, converted as
 * {@link loadImageFolder} does: ready for `model.predict`.
 *
 * @example
 * const x = await nn.loadImage('photos/test/cat.jpg', { size: [64, 64] });  // Tensor [1, 64, 64, 3]
 * const probs = model.predict(x).data;
 */
export async function loadImage(file: string, options: LoadImageOptions = {}): Promise<Tensor> {
  const fn = 'loadImage';
  if (typeof file !== 'string' || file === '') throw new ValueError(`${fn}: expected a file path, got ${JSON.stringify(file)}`);
  if (options === null || typeof options !== 'object') throw new ValueError(`${fn}: options must be an object, got ${String(options)}`);
  const channels = checkChannels(options.channels, fn);
  if (options.size !== undefined) checkSize(options.size, fn);
  const fs = await dynamicImport<typeof import('node:fs/promises')>('node:fs/promises');
  const pixels = await decodeImage(await readImageFile(fs, file, fn), file);
  const [h, w] = checkSize(options.size, fn, [pixels.height, pixels.width]);
  return new Tensor(resizePixels(pixels, { size: [h, w], channels }), [1, h, w, channels]);
}

/** Decodes PNG or JPEG bytes (told apart by their signature); `name` is used in errors. */
export async function decodeImage(bytes: Uint8Array, name: string): Promise<Pixels> {
  if (isPng(bytes)) {
    const zlib = await dynamicImport<typeof import('node:zlib')>('node:zlib');
    return decodePng(bytes, (data, maxOutputLength) => zlib.inflateSync(data, { maxOutputLength }), name);
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const decode = await jpegDecoder(name);
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = decode(bytes, { useTArray: true, formatAsRGBA: false });
    } catch (e) {
      throw new FormatError(`${name}: not a valid JPEG file (${(e as Error).message})`);
    }
    if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 3) {
      throw new FormatError(`${name}: not a valid JPEG file (decoded to ${img.width}x${img.height} pixels)`);
    }
    return orient({ width: img.width, height: img.height, data: img.data, channels: 3 }, jpegOrientation(bytes));
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(`${name}: not a PNG or JPEG file (it starts with bytes ${head || '(none: the file is empty)'})`);
}

async function jpegDecoder(name: string): Promise<JpegDecode> {
  let mod: { decode?: JpegDecode; default?: { decode?: JpegDecode } };
  try {
    mod = (await optionalModules.jpegJs()) as typeof mod;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    throw new NeuriteError(
      `${name} is a JPEG; reading JPEG files in Node needs the optional package jpeg-js: run \`npm install jpeg-js\` ` +
        '(PNG files need nothing more)',
    );
  }
  const decode = mod.decode ?? mod.default?.decode;
  if (typeof decode !== 'function') throw new NeuriteError('the jpeg-js package has no decode function; reinstall it with `npm install jpeg-js`');
  return decode;
}

/** Files below a folder, recursively, skipping names that start with a dot; sorted for a stable order. */
async function listFiles(
  fs: typeof import('node:fs/promises'), path: typeof import('node:path'), folder: string,
): Promise<string[]> {
  const out: string[] = [];
  const names = (await fs.readdir(folder)).sort();
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const full = path.join(folder, name);
    const st = await fs.stat(full).catch(() => undefined); // follows symlinks; a broken one is skipped
    if (st?.isDirectory()) out.push(...(await listFiles(fs, path, full)));
    else if (st?.isFile()) out.push(full);
  }
  return out;
}

function checkExtensions(ext: unknown, fn: string): string[] {
  if (ext === undefined) return EXTENSIONS;
  if (!Array.isArray(ext) || ext.length === 0) {
    throw new ValueError(`${fn}: extensions must be a non-empty array such as ['.png', '.jpg'], got ${JSON.stringify(ext)}`);
  }
  return ext.map((e) => {
    const norm = typeof e === 'string' ? (e.startsWith('.') ? e : '.' + e).toLowerCase() : '';
    if (!EXTENSIONS.includes(norm)) {
      throw new ValueError(`${fn}: unsupported extension ${JSON.stringify(e)}; neurite reads ${EXTENSIONS.join(', ')}`);
    }
    return norm;
  });
}

/** The EXIF orientation (1..8) of a JPEG, or 1 when it has none. */
export function jpegOrientation(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 2;
  while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1]!;
    if (marker === 0xda || marker === 0xd9) break; // image data starts: no more metadata
    const len = view.getUint16(pos + 2);
    const exif = pos + 4;
    if (marker === 0xe1 && len >= 8 && exif + 6 <= bytes.length &&
        String.fromCharCode(...bytes.subarray(exif, exif + 4)) === 'Exif' && bytes[exif + 4] === 0) {
      return tiffOrientation(view, exif + 6, Math.min(bytes.length, pos + 2 + len));
    }
    pos += 2 + len;
  }
  return 1;
}

function tiffOrientation(view: DataView, tiff: number, end: number): number {
  if (tiff + 8 > end) return 1;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const le = order === 0x4949;
  const ifd = tiff + view.getUint32(tiff + 4, le);
  if (ifd + 2 > end) return 1;
  const count = view.getUint16(ifd, le);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > end) break;
    if (view.getUint16(entry, le) === 0x0112) {
      const v = view.getUint16(entry + 8, le);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

/** Turns stored pixels into displayed pixels for an EXIF orientation (2..8 mirror and/or rotate). */
export function orient(p: Pixels, orientation: number): Pixels {
  if (orientation <= 1 || orientation > 8) return p;
  const { width: W, height: H, channels: c, data } = p;
  const swap = orientation >= 5;
  const w = swap ? H : W;
  const h = swap ? W : H;
  const out = new Uint8Array(W * H * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // the stored pixel (sx, sy) shown at (x, y)
      let sx: number, sy: number;
      switch (orientation) {
        case 2: sx = W - 1 - x; sy = y; break;
        case 3: sx = W - 1 - x; sy = H - 1 - y; break;
        case 4: sx = x; sy = H - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = H - 1 - x; break;
        case 7: sx = W - 1 - y; sy = H - 1 - x; break;
        default: sx = W - 1 - y; sy = x; break; // 8
      }
      const s = (sy * W + sx) * c;
      const o = (y * w + x) * c;
      for (let k = 0; k < c; k++) out[o + k] = data[s + k]!;
    }
  }
  return { width: w, height: h, data: out, channels: c };
}
