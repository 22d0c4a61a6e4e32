import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, NeuriteError, ShapeError, ValueError } from '../src/errors';
import { fromPixels } from '../src/io/browser-images';
import { decodeImage, jpegOrientation, loadImage, loadImageFolder, MAX_IMAGE_FILE_BYTES, optionalModules, orient } from '../src/io/images';
import { Rng } from '../src/random';
import { rgbJpeg, rgbPng, shapeImage, solidRgb, writeShapes } from './image-helpers';
import { rejects } from './helpers';

const luma = (r: number, g: number, b: number) => (0.299 * r + 0.587 * g + 0.114 * b) / 255;

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'neurite-images-'));
  temps.push(d);
  return d;
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

/** Writes files (path relative to a new temp folder -> bytes) and returns the folder. */
async function folder(files: Record<string, Uint8Array | string>): Promise<string> {
  const dir = await tempDir();
  for (const [rel, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), bytes);
  }
  return dir;
}

let shapes = '';
let written: Record<string, string[]> = {};
beforeAll(async () => {
  shapes = await tempDir();
  written = await writeShapes(shapes, 16, 24, 7);
  // files that are not images are skipped
  await writeFile(join(shapes, 'circles', 'notes.txt'), 'not an image');
  await writeFile(join(shapes, 'squares', '.DS_Store'), 'x');
  await writeFile(join(shapes, 'README.md'), 'top-level files are not classes');
});

describe('loadImageFolder', () => {
  it('reads every PNG and JPEG, labels by sorted class folder, NHWC in [0, 1]', async () => {
    const data = await loadImageFolder(shapes, { size: [16, 16] });
    expect(data.classNames).toEqual(['circles', 'squares']);
    expect(data.validation).toBeUndefined();
    const { x, labels, oneHot, files } = data.train;
    expect(x.shape).toEqual([32, 16, 16, 3]);
    expect(oneHot.shape).toEqual([32, 2]);
    expect(labels).toBeInstanceOf(Int32Array);
    expect(files).toHaveLength(32);
    expect(labels.filter((l) => l === 0)).toHaveLength(16);
    for (let i = 0; i < 32; i++) {
      expect(basename(dirname(files[i]!))).toBe(data.classNames[labels[i]!]);
      expect([oneHot.data[2 * i], oneHot.data[2 * i + 1]]).toEqual(labels[i] === 0 ? [1, 0] : [0, 1]);
    }
    const all = [...written.circles!.map((f) => join(shapes, 'circles', f)), ...written.squares!.map((f) => join(shapes, 'squares', f))];
    expect([...files].sort()).toEqual(all.sort());
    expect(files.filter((f) => f.endsWith('.jpg'))).toHaveLength(10);
    expect(Math.min(...x.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x.data)).toBeLessThanOrEqual(1);
    // shuffled: not all circles first
    expect(Array.from(labels.subarray(0, 16))).not.toEqual(new Array(16).fill(0));
  });

  it('gives back a PNG exactly at its own size, and a JPEG closely', async () => {
    const data = await loadImageFolder(shapes, { size: [24, 24] });
    const rng = new Rng(7); // writeShapes draws circles 0..15, then squares 0..15, from this stream
    const drawn = new Map<string, Uint8Array>();
    for (const kind of ['circle', 'square'] as const) {
      for (let i = 0; i < 16; i++) drawn.set(`${kind}-${i}`, shapeImage(kind, 24, rng));
    }
    const per = 24 * 24 * 3;
    for (let i = 0; i < 32; i++) {
      const file = data.train.files[i]!;
      const src = drawn.get(basename(file).replace(/\.(png|jpg)$/, ''))!;
      const got = data.train.x.data.subarray(i * per, (i + 1) * per);
      if (file.endsWith('.png')) {
        expect(Array.from(got)).toEqual(Array.from(src, (v) => Math.fround(v / 255)));
      } else {
        let err = 0;
        for (let k = 0; k < per; k++) err += Math.abs(got[k]! - src[k]! / 255);
        expect(err / per).toBeLessThan(0.03);
      }
    }
  });

  it('splits by seed: sizes, no overlap, the same split for the same seed', async () => {
    const a = await loadImageFolder(shapes, { size: [8, 8], validationSplit: 0.25, seed: 3 });
    const b = await loadImageFolder(shapes, { size: [8, 8], validationSplit: 0.25, seed: 3 });
    const c = await loadImageFolder(shapes, { size: [8, 8], validationSplit: 0.25, seed: 4 });
    expect(a.train.x.shape).toEqual([24, 8, 8, 3]);
    expect(a.validation!.x.shape).toEqual([8, 8, 8, 3]);
    expect(a.validation!.oneHot.shape).toEqual([8, 2]);
    expect(a.validation!.labels).toHaveLength(8);
    expect(new Set([...a.train.files, ...a.validation!.files]).size).toBe(32);
    expect(b.train.files).toEqual(a.train.files);
    expect(b.validation!.files).toEqual(a.validation!.files);
    expect(Array.from(b.train.x.data)).toEqual(Array.from(a.train.x.data));
    expect(Array.from(b.validation!.labels)).toEqual(Array.from(a.validation!.labels));
    expect(c.validation!.files).not.toEqual(a.validation!.files);
    // the default seed is 0, so a call without one is repeatable too
    const d = await loadImageFolder(shapes, { size: [8, 8] });
    const e = await loadImageFolder(shapes, { size: [8, 8], seed: 0 });
    expect(d.train.files).toEqual(e.train.files);
    // floor(32 * 0.1) = 3 for validation
    const f = await loadImageFolder(shapes, { size: [8, 8], validationSplit: 0.1 });
    expect([f.train.files.length, f.validation!.files.length]).toEqual([29, 3]);
  });

  it('converts a solid colour to the right RGB and BT.601 gray values after resizing', async () => {
    const rgb: [number, number, number] = [200, 120, 30];
    const dir = await folder({
      'a/solid.png': rgbPng(5, 3, solidRgb(5, 3, rgb)),
      'b/solid.jpg': rgbJpeg(16, 16, solidRgb(16, 16, rgb), 95),
    });
    const gray = await loadImageFolder(dir, { size: [4, 6], channels: 1 });
    expect(gray.train.x.shape).toEqual([2, 4, 6, 1]);
    const png = gray.train.labels[0] === 0 ? 0 : 1;
    for (let i = 0; i < 24; i++) {
      expect(gray.train.x.data[png * 24 + i]).toBeCloseTo(luma(...rgb), 6); // 0.52416
      expect(Math.abs(gray.train.x.data[(1 - png) * 24 + i]! - luma(...rgb))).toBeLessThan(3 / 255);
    }
    const color = await loadImageFolder(dir, { size: [7, 2], channels: 3 });
    expect(color.train.x.shape).toEqual([2, 7, 2, 3]);
    for (let i = 0; i < 14 * 3; i++) {
      expect(color.train.x.data[png * 42 + i]).toBeCloseTo(rgb[i % 3]! / 255, 6);
      expect(Math.abs(color.train.x.data[(1 - png) * 42 + i]! - rgb[i % 3]! / 255)).toBeLessThan(4 / 255);
    }
  });

  it('reads nested folders inside a class, skips other files, and can limit extensions', async () => {
    const img = rgbPng(2, 2, solidRgb(2, 2, [1, 2, 3]));
    const dir = await folder({
      'x/1.png': img, 'x/deeper/2.PNG': img, 'x/skip.gif': 'GIF89a', 'x/.hidden.png': 'junk',
      'y/1.jpg': rgbJpeg(2, 2, solidRgb(2, 2, [1, 2, 3])), 'y/2.png': img, '.git/3.png': img,
    });
    const all = await loadImageFolder(dir, { size: [2, 2] });
    expect(all.classNames).toEqual(['x', 'y']);
    expect(all.train.files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['x/1.png', 'x/deeper/2.PNG', 'y/1.jpg', 'y/2.png']);
    const pngOnly = await loadImageFolder(dir, { size: [2, 2], extensions: ['PNG'] });
    expect(pngOnly.train.files).toHaveLength(3);
  });

  it('refuses a missing folder, too few classes, an empty class and bad options', async () => {
    const img = rgbPng(2, 2, solidRgb(2, 2, [9, 9, 9]));
    await rejects(loadImageFolder(join(shapes, 'nope'), { size: [8, 8] }), NeuriteError, 'folder not found', 'nope');
    await rejects(loadImageFolder(join(shapes, 'README.md'), { size: [8, 8] }), NeuriteError, 'is not a folder');
    await rejects(loadImageFolder(await folder({ 'only/1.png': img }), { size: [8, 8] }), FormatError, /at least 2, but has 1 \(only\)/);
    await rejects(loadImageFolder(await folder({ 'loose.png': img }), { size: [8, 8] }), FormatError, 'but has 0');
    const empty = await folder({ 'a/1.png': img, 'b/readme.txt': 'no images' });
    await rejects(loadImageFolder(empty, { size: [8, 8] }), FormatError, join(empty, 'b'), 'holds no image files (.png, .jpg, .jpeg)');
    await rejects(loadImageFolder(shapes, { size: [8, 8], extensions: ['.gif'] }), ValueError, 'unsupported extension ".gif"');
    await rejects(loadImageFolder(shapes, { size: [8, 8], extensions: [] }), ValueError, 'non-empty array');
    await rejects(loadImageFolder(shapes, { size: [8, 0] }), ValueError, 'size must be [height, width]');
    await rejects(loadImageFolder(shapes, {} as never), ValueError, 'size must be [height, width]');
    await rejects(loadImageFolder(shapes, undefined as never), ValueError, 'options { size: [height, width] } are required');
    await rejects(loadImageFolder(shapes, { size: [8, 8], channels: 4 as 3 }), ValueError, 'channels must be 1 (grayscale) or 3 (RGB), got 4');
    await rejects(loadImageFolder(shapes, { size: [8, 8], validationSplit: 1 }), ValueError, 'validationSplit must be a number in [0, 1), got 1');
    await rejects(loadImageFolder(shapes, { size: [8, 8], validationSplit: 0.01 }), ValueError, 'validationSplit 0.01 of 32 images leaves none');
    await rejects(loadImageFolder(shapes, { size: [8, 8], seed: NaN }), ValueError, 'seed must be a finite number');
    await rejects(loadImageFolder(42 as never, { size: [8, 8] }), ValueError, 'dir must be a folder path');
  });

  it('names a file that does not decode', async () => {
    const img = rgbPng(2, 2, solidRgb(2, 2, [9, 9, 9]));
    const jpg = rgbJpeg(24, 24, shapeImage('square', 24, new Rng(2)));
    const cases: [string, Uint8Array | string, RegExp][] = [
      ['b/broken.png', 'definitely not a picture', /b\/broken\.png: not a PNG or JPEG file \(it starts with bytes 64 65 66 69\)/],
      ['b/empty.jpg', '', /empty\.jpg: not a PNG or JPEG file \(it starts with bytes \(none: the file is empty\)\)/],
      ['b/cut.png', img.subarray(0, 45), /cut\.png: not a valid PNG file/],
      ['b/bad.jpg', Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 3, 1, 2, 3), /bad\.jpg: not a valid JPEG file/],
      ['b/half.jpg', jpg.subarray(0, jpg.length >> 1), /half\.jpg: not a valid JPEG file/],
    ];
    for (const [rel, bytes, why] of cases) {
      const dir = await folder({ 'a/ok.png': img, [rel]: bytes });
      await rejects(loadImageFolder(dir, { size: [2, 2] }), FormatError, why);
    }
  });

  it('says which package to install when jpeg-js is missing, and needs none for PNG', async () => {
    const saved = optionalModules.jpegJs;
    optionalModules.jpegJs = () => Promise.reject(Object.assign(new Error("Cannot find package 'jpeg-js'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    try {
      const pngs = await loadImageFolder(shapes, { size: [4, 4], extensions: ['.png'] });
      expect(pngs.train.files).toHaveLength(22);
      await rejects(loadImageFolder(shapes, { size: [4, 4] }), NeuriteError, /\.jpg is a JPEG; .* needs the optional package jpeg-js: run `npm install jpeg-js`/);
    } finally {
      optionalModules.jpegJs = saved;
    }
  });
});

describe('loadImage', () => {
  it('gives the same pixels as loadImageFolder, as one [1, h, w, c] sample', async () => {
    const data = await loadImageFolder(shapes, { size: [10, 12], channels: 1 });
    for (const i of [0, 5, 17]) {
      const file = data.train.files[i]!;
      const x = await loadImage(file, { size: [10, 12], channels: 1 });
      expect(x.shape).toEqual([1, 10, 12, 1]);
      expect(Array.from(x.data)).toEqual(Array.from(data.train.x.data.subarray(i * 120, (i + 1) * 120)));
    }
    const native = await loadImage(join(shapes, 'circles', written.circles![0]!));
    expect(native.shape).toEqual([1, 24, 24, 3]);
  });

  it('refuses missing files, folders and bad options', async () => {
    await rejects(loadImage(join(shapes, 'missing.png')), NeuriteError, 'file not found', 'missing.png');
    await rejects(loadImage(shapes), NeuriteError, 'is a folder');
    await rejects(loadImage(join(shapes, 'circles', 'notes.txt')), FormatError, 'notes.txt: not a PNG or JPEG file');
    await rejects(loadImage(join(shapes, 'circles', written.circles![0]!), { size: [-1, 2] }), ValueError, 'size');
    await rejects(loadImage(join(shapes, 'circles', written.circles![0]!), { channels: 2 as 1 }), ValueError, 'channels');
  });

  it('checks the file size before reading: a sparse 4 GB file is refused by its length', async () => {
    const dir = await tempDir();
    const file = join(dir, 'sparse.png');
    await writeFile(file, rgbPng(2, 2, new Uint8Array(12).fill(7)));
    await truncate(file, 4 * 2 ** 30); // takes no disk space: the length is all that is set
    await rejects(loadImage(file), FormatError, `sparse.png: ${4 * 2 ** 30} bytes is more than the ${MAX_IMAGE_FILE_BYTES} an image file may have`);
    const classes = await folder({ 'a/x.png': rgbPng(2, 2, new Uint8Array(12).fill(7)), 'b/y.png': rgbPng(2, 2, new Uint8Array(12).fill(7)) });
    await truncate(join(classes, 'b', 'y.png'), 4 * 2 ** 30);
    await rejects(loadImageFolder(classes, { size: [2, 2] }), FormatError, 'y.png', 'more than the');
  });
});

describe('EXIF orientation', () => {
  // a 3x2 image, pixel values 1..6 row by row:  1 2 3 / 4 5 6
  const p = { width: 3, height: 2, channels: 1 as const, data: Uint8Array.of(1, 2, 3, 4, 5, 6) };
  it.each([
    [1, 3, [1, 2, 3, 4, 5, 6]],
    [2, 3, [3, 2, 1, 6, 5, 4]], // mirrored
    [3, 3, [6, 5, 4, 3, 2, 1]], // rotated 180
    [4, 3, [4, 5, 6, 1, 2, 3]], // flipped
    [5, 2, [1, 4, 2, 5, 3, 6]], // transposed
    [6, 2, [4, 1, 5, 2, 6, 3]], // rotated 90 clockwise
    [7, 2, [6, 3, 5, 2, 4, 1]], // transversed
    [8, 2, [3, 6, 2, 5, 1, 4]], // rotated 90 counter-clockwise
  ])('orientation %i', (o, width, want) => {
    const out = orient(p, o);
    expect([out.width, out.height]).toEqual([width, 6 / width]);
    expect(Array.from(out.data)).toEqual(want);
  });

  /** A JPEG with an APP1 Exif segment holding one IFD0 entry: orientation. */
  function withOrientation(jpegBytes: Uint8Array, o: number, littleEndian: boolean): Uint8Array {
    const tiff = new Uint8Array(8 + 2 + 12 + 4);
    const v = new DataView(tiff.buffer);
    tiff.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]);
    v.setUint16(2, 42, littleEndian);
    v.setUint32(4, 8, littleEndian);
    v.setUint16(8, 1, littleEndian);
    v.setUint16(10, 0x0112, littleEndian);
    v.setUint16(12, 3, littleEndian);
    v.setUint32(14, 1, littleEndian);
    v.setUint16(18, o, littleEndian);
    const app1 = new Uint8Array(4 + 6 + tiff.length);
    new DataView(app1.buffer).setUint16(0, 0xffe1);
    new DataView(app1.buffer).setUint16(2, app1.length - 2);
    app1.set([0x45, 0x78, 0x69, 0x66, 0, 0], 4);
    app1.set(tiff, 10);
    return Buffer.concat([jpegBytes.subarray(0, 2), app1, jpegBytes.subarray(2)]);
  }

  it('reads the tag and turns JPEGs upright', async () => {
    // 16x8: left half red, right half blue (8x8 blocks keep JPEG error small)
    const img = new Uint8Array(16 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) img.set(x < 8 ? [255, 0, 0] : [0, 0, 255], 3 * (y * 16 + x));
    const plain = rgbJpeg(16, 8, img, 95);
    expect(jpegOrientation(plain)).toBe(1);
    expect(jpegOrientation(withOrientation(plain, 6, true))).toBe(6);
    expect(jpegOrientation(withOrientation(plain, 8, false))).toBe(8);
    const upright = await decodeImage(withOrientation(plain, 6, false), 'rotated.jpg');
    expect([upright.width, upright.height]).toEqual([8, 16]);
    // orientation 6: the stored left half (red) is shown on top
    const at = (x: number, y: number) => Array.from(upright.data as Uint8Array).slice(3 * (y * 8 + x), 3 * (y * 8 + x) + 3);
    expect(at(4, 2)[0]).toBeGreaterThan(240);
    expect(at(4, 2)[2]).toBeLessThan(15);
    expect(at(4, 13)[2]).toBeGreaterThan(240);
    expect(at(4, 13)[0]).toBeLessThan(15);
  });
});

describe('fromPixels', () => {
  it('reads ImageData-like RGBA, RGB and gray objects as [1, h, w, c]', () => {
    const rgba = { width: 2, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255, 0, 51, 255, 255]) };
    const t = fromPixels(rgba);
    expect(t.shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(t.data)).toEqual([1, 0, 0, 0, 0.2, 1].map(Math.fround));
    const g = fromPixels(rgba, { channels: 1 });
    expect(g.shape).toEqual([1, 1, 2, 1]);
    expect(g.data[0]).toBeCloseTo(0.299, 6);
    expect(g.data[1]).toBeCloseTo(luma(0, 51, 255), 6);
    expect(Array.from(fromPixels({ width: 1, height: 2, data: [10, 20, 30, 40, 50, 60] }).data)).toEqual([10, 20, 30, 40, 50, 60].map((v) => Math.fround(v / 255)));
    expect(fromPixels({ width: 2, height: 2, data: [0, 0, 0, 0] }).shape).toEqual([1, 2, 2, 3]);
  });

  it('resizes with the same bilinear sampling as loadImage', async () => {
    const rng = new Rng(11);
    const src = shapeImage('circle', 20, rng);
    const dir = await folder({ 'c.png': rgbPng(20, 20, src) });
    const fromFile = await loadImage(join(dir, 'c.png'), { size: [7, 9] });
    const rgba = new Uint8ClampedArray(20 * 20 * 4);
    for (let p = 0; p < 400; p++) rgba.set([...src.subarray(3 * p, 3 * p + 3), 255], 4 * p);
    const fromData = fromPixels({ width: 20, height: 20, data: rgba }, { size: [7, 9] });
    expect(fromData.shape).toEqual([1, 7, 9, 3]);
    expect(Array.from(fromData.data)).toEqual(Array.from(fromFile.data));
  });

  it('throws a NeuriteError in Node for DOM sources, and refuses malformed input', () => {
    expect(typeof OffscreenCanvas).toBe('undefined');
    const canvasLike = { width: 4, height: 4, getContext: () => null } as unknown as HTMLCanvasElement;
    expect(() => fromPixels(canvasLike)).toThrow(NeuriteError);
    expect(() => fromPixels(canvasLike)).toThrow(/reading a canvas or ImageBitmap needs a browser .* ImageData-like/);
    const imgLike = { naturalWidth: 4, naturalHeight: 4 } as unknown as HTMLImageElement;
    expect(() => fromPixels(imgLike)).toThrow(/reading an <img> needs a browser/);
    expect(() => fromPixels(null as never)).toThrow(ValueError);
    expect(() => fromPixels({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(ShapeError);
    expect(() => fromPixels({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(/needs 16 bytes \(RGBA\), or 3, 2 or 1 per pixel; got 15/);
    expect(() => fromPixels({ width: 0, height: 2, data: [] })).toThrow(/positive integer width and height/);
    expect(() => fromPixels({ width: 1, height: 1, data: [1, 2, 3] }, { size: [1, 1.5] })).toThrow(ValueError);
    expect(() => fromPixels({ width: 1, height: 1, data: [1, 2, 3] }, { channels: 4 as 3 })).toThrow(/channels must be 1/);
  });
});
