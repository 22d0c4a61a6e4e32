// Augmentation and crop layers (randomFlip, randomRotation, randomTranslation, randomZoom, randomContrast,
// randomCrop, centerCrop): identity in predict; what each does while training (exact flips, quarter turns, integer
// shifts and windows; contrast about each channel's mean); the resampling against TF.js 4.22's tf.image.transform
// and resizeBilinear with the transforms the layer drew; input gradients by central differences; wasm = js bits;
// seeded streams; save and load; errors.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, bitDiff, Mem, rand } from './helpers';

const H = 6, W = 7, C = 3;
const image = (n: number, seed: number, h = H, w = W, c = C) => rand(seed)(n * h * w * c);

/** Runs one layer's forward (and backward for dy) on `rows` images with its stream reset to `seed`. */
function run(backend: nn.BackendName, layer: nn.Layer, x: Float32Array, rows: number, training: boolean, seed: number,
  shape: number[] = [H, W, C], dy?: Float32Array) {
  const mem = new Mem(backend);
  const out = layer.build(shape);
  const outSize = out.reduce((a, b) => a * b, 1);
  const ws = mem.f32(Math.max(4, layer.workspaceBytes(rows) / 4));
  const px = mem.f32(x), py = mem.f32(rows * outSize);
  const pdy = dy ? mem.f32(dy) : 0, pdx = dy ? mem.f32(x.length) : 0;
  const b = { x: px, xs: [px], dx: pdx, dxs: [pdx], y: py, dy: pdy, params: [], grads: [], ws, trains: false };
  layer.rng = new nn.Rng(seed);
  layer.forward(mem.k, b, rows, training);
  const y = mem.read(py, rows * outSize);
  const transforms = mem.read(ws, rows * 6);
  let dx: Float32Array | undefined;
  if (dy) { layer.backward(mem.k, b, rows); dx = mem.read(pdx, x.length); }
  mem.free();
  return { y, dx, transforms, out };
}

const px = (a: Float32Array, b: number, y: number, x: number, ch: number, h = H, w = W, c = C) => a[((b * h + y) * w + x) * c + ch];
const sameImage = (a: Float32Array, b: Float32Array, i: number, f: (y: number, x: number) => [number, number]) => {
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let ch = 0; ch < C; ch++) {
    const [sy, sx] = f(y, x);
    if (px(a, i, y, x, ch) !== px(b, i, sy, sx, ch)) return false;
  }
  return true;
};

const RANDOM = (): nn.Layer[] => [
  nn.layers.randomFlip(), nn.layers.randomRotation({ factor: 0.2 }), nn.layers.randomTranslation({ heightFactor: 0.3, widthFactor: 0.3 }),
  nn.layers.randomZoom({ heightFactor: 0.3 }), nn.layers.randomContrast({ factor: 0.5 }),
];

describe.each(BACKENDS)('augmentation layers on %s', (backend) => {
  it('are the identity in predict and evaluate, bit for bit', () => {
    const x = image(4, 1);
    for (const layer of RANDOM()) expect(bitDiff(run(backend, layer, x, 4, false, 1).y, x), layer.className).toBe(0);
  });

  it('randomFlip: every image comes out as itself or one of its three flips, and all four occur', () => {
    const n = 40, x = image(n, 2);
    const { y } = run(backend, nn.layers.randomFlip(), x, n, true, 3);
    const kinds = new Set<number>();
    for (let i = 0; i < n; i++) {
      const k = [(r: number, c: number): [number, number] => [r, c], (r: number, c: number): [number, number] => [r, W - 1 - c],
        (r: number, c: number): [number, number] => [H - 1 - r, c], (r: number, c: number): [number, number] => [H - 1 - r, W - 1 - c]]
        .findIndex((f) => sameImage(y, x, i, f));
      expect(k, `image ${i}`).toBeGreaterThanOrEqual(0);
      kinds.add(k);
    }
    expect(kinds.size).toBe(4);
    const horizontal = run(backend, nn.layers.randomFlip({ mode: 'horizontal' }), x, n, true, 3).y;
    for (let i = 0; i < n; i++) expect(sameImage(horizontal, x, i, (r, c) => [r, c]) || sameImage(horizontal, x, i, (r, c) => [r, W - 1 - c])).toBe(true);
  });

  it('randomRotation by exactly a quarter turn (nearest) is the exact quarter rotation of a square image', () => {
    const S = 5, x = image(2, 4, S, S, 2);
    const { y } = run(backend, nn.layers.randomRotation({ factor: [0.25, 0.25], interpolation: 'nearest' }), x, 2, true, 1, [S, S, 2]);
    for (let b = 0; b < 2; b++) for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) for (let ch = 0; ch < 2; ch++) {
      // output (row r, column c) reads input (row c, column S - 1 - r)
      expect(px(y, b, r, c, ch, S, S, 2)).toBe(px(x, b, c, S - 1 - r, ch, S, S, 2));
    }
  });

  it('randomTranslation by a whole number of pixels shifts exactly and fills with fillValue', () => {
    const x = image(1, 5, 4, 8, 1);
    const layer = nn.layers.randomTranslation({ heightFactor: [0.25, 0.25], widthFactor: [-0.25, -0.25], fillMode: 'constant', fillValue: 9 });
    const { y } = run(backend, layer, x, 1, true, 1, [4, 8, 1]);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 8; c++) {
      const sr = r - 1, sc = c + 2;   // down by 1 row, left by 2 columns
      expect(px(y, 0, r, c, 0, 4, 8, 1)).toBe(sr >= 0 && sc < 8 ? px(x, 0, sr, sc, 0, 4, 8, 1) : 9);
    }
  });

  it('randomRotation, randomTranslation and randomZoom resample as TF.js 4.22 tf.image.transform does with the same maps', () => {
    const n = 3, x = image(n, 6);
    const layers = [nn.layers.randomRotation({ factor: 0.3 }), nn.layers.randomRotation({ factor: 0.3, fillMode: 'constant', fillValue: 0.5 }),
      nn.layers.randomTranslation({ heightFactor: 0.4, widthFactor: 0.4, fillMode: 'nearest' }),
      nn.layers.randomZoom({ heightFactor: [-0.5, 0.6], widthFactor: 0.4 }), nn.layers.randomZoom({ heightFactor: 0.5, interpolation: 'nearest', fillMode: 'constant' })];
    for (const layer of layers) {
      const { y, transforms } = run(backend, layer, x, n, true, 11);
      const l = layer as nn.RandomRotation;
      for (let b = 0; b < n; b++) {
        // TF.js's cpu transform computes only the first image of a batch: one image per call
        const img = tf.tensor4d(x.slice(b * H * W * C, (b + 1) * H * W * C), [1, H, W, C]);
        const t = tf.tensor2d([[...transforms.slice(6 * b, 6 * b + 6), 0, 0]]);
        const want = tf.image.transform(img, t, l.interpolation, l.fillMode, l.fillValue).dataSync();
        const got = y.slice(b * H * W * C, (b + 1) * H * W * C);
        for (let i = 0; i < got.length; i++) {
          expect(Math.abs(got[i] - want[i]), `${layer.className} ${l.fillMode} image ${b} value ${i}`).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('randomCrop: a window of each image while training; in predict the central window resized as Keras (TF.js resizeBilinear, half-pixel)', () => {
    const n = 6, x = image(n, 7, 8, 10, 2);
    const layer = nn.layers.randomCrop({ height: 4, width: 6 });
    const { y, out } = run(backend, layer, x, n, true, 2, [8, 10, 2]);
    expect(out).toEqual([4, 6, 2]);
    const offsets = new Set<string>();
    for (let b = 0; b < n; b++) {
      let found = '';
      for (let top = 0; top <= 4 && !found; top++) for (let left = 0; left <= 4 && !found; left++) {
        let ok = true;
        for (let r = 0; r < 4 && ok; r++) for (let c = 0; c < 6 && ok; c++) for (let ch = 0; ch < 2; ch++) {
          if (px(y, b, r, c, ch, 4, 6, 2) !== px(x, b, top + r, left + c, ch, 8, 10, 2)) ok = false;
        }
        if (ok) found = `${top},${left}`;
      }
      expect(found, `image ${b} is a window`).not.toBe('');
      offsets.add(found);
    }
    expect(offsets.size).toBeGreaterThan(1);
    const predicted = run(backend, layer, x, n, false, 2, [8, 10, 2]).y;
    // the largest 4:6 window of 8x10 is 6x10 from row 1; resized to 4x6
    const window = tf.tensor4d(x, [n, 8, 10, 2]).slice([0, 1, 0, 0], [n, 6, 10, 2]);
    const want = tf.image.resizeBilinear(window as tf.Tensor4D, [4, 6], false, true).dataSync();
    for (let i = 0; i < want.length; i++) expect(Math.abs(predicted[i] - want[i]), `value ${i}`).toBeLessThan(1e-5);
  });

  it('centerCrop is the exact central window, in training and predict', () => {
    const x = image(2, 8, 7, 9, 3);
    for (const training of [true, false]) {
      const { y } = run(backend, nn.layers.centerCrop({ height: 4, width: 4 }), x, 2, training, 1, [7, 9, 3]);
      for (let b = 0; b < 2; b++) for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) for (let ch = 0; ch < 3; ch++) {
        expect(px(y, b, r, c, ch, 4, 4, 3)).toBe(px(x, b, 1 + r, 2 + c, ch, 7, 9, 3));
      }
    }
  });

  it('randomContrast keeps each channel\'s mean and scales its deviations by one factor per image, within its range', () => {
    const n = 8, x = image(n, 9);
    const { y } = run(backend, nn.layers.randomContrast({ factor: [0.2, 0.5] }), x, n, true, 4);
    const factors = new Set<string>();
    for (let b = 0; b < n; b++) {
      let f = NaN;
      for (let ch = 0; ch < C; ch++) {
        let mx = 0, my = 0;
        for (let p = 0; p < H * W; p++) { mx += x[(b * H * W + p) * C + ch]; my += y[(b * H * W + p) * C + ch]; }
        mx /= H * W; my /= H * W;
        expect(Math.abs(my - mx)).toBeLessThan(1e-5);
        const i = (b * H * W + 3) * C + ch;
        const fc = (y[i] - my) / (x[i] - mx);
        if (Number.isNaN(f)) f = fc;
        expect(Math.abs(fc - f)).toBeLessThan(1e-4);
      }
      expect(f).toBeGreaterThanOrEqual(0.8 - 1e-4);
      expect(f).toBeLessThanOrEqual(1.5 + 1e-4);
      factors.add(f.toFixed(3));
    }
    expect(factors.size).toBe(n);
  });

  it('input gradients match central differences (each layer is linear in its input for fixed draws)', () => {
    const cases: [nn.Layer, number[]][] = [
      [nn.layers.randomFlip(), [H, W, C]], [nn.layers.randomRotation({ factor: 0.2, fillMode: 'reflect' }), [H, W, C]],
      [nn.layers.randomRotation({ factor: 0.2, fillMode: 'constant', fillValue: 0 }), [H, W, C]],
      [nn.layers.randomTranslation({ heightFactor: 0.3, widthFactor: 0.3, fillMode: 'wrap' }), [H, W, C]],
      [nn.layers.randomZoom({ heightFactor: 0.4, fillMode: 'nearest' }), [H, W, C]], [nn.layers.randomContrast({ factor: 0.5 }), [H, W, C]],
      [nn.layers.randomCrop({ height: 4, width: 5 }), [H, W, C]], [nn.layers.centerCrop({ height: 3, width: 5 }), [H, W, C]],
    ];
    for (const [layer, shape] of cases) {
      const n = 2, x = Float64Array.from(image(n, 12));
      const outSize = layer.build(shape).reduce((a, b) => a * b, 1);
      const g = rand(13)(n * outSize);
      const loss = (v: Float64Array) => {
        const { y } = run(backend, layer, Float32Array.from(v), n, true, 21, shape);
        let s = 0;
        for (let i = 0; i < y.length; i++) s += y[i] * g[i];
        return s;
      };
      const { dx } = run(backend, layer, Float32Array.from(x), n, true, 21, shape, g);
      for (const i of [0, 5, 17, 40, 77, 101, x.length - 1]) {
        const e = 1e-2, up = Float64Array.from(x), down = Float64Array.from(x);
        up[i] += e; down[i] -= e;
        const numeric = (loss(up) - loss(down)) / (2 * e);
        expect(Math.abs(numeric - dx![i]), `${layer.className} x[${i}]: numeric ${numeric} vs ${dx![i]}`).toBeLessThan(2e-3 + 1e-2 * Math.abs(numeric));
      }
    }
  });

  it('train inside a model: seeded, saved and loaded with their options, predict untouched', async () => {
    const build = (seed: number) => nn.sequential({ seed, layers: [
      nn.layers.randomFlip({ mode: 'horizontal', inputShape: [H, W, C] }), nn.layers.randomRotation({ factor: 0.05, fillMode: 'nearest' }),
      nn.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 }), nn.layers.randomZoom({ heightFactor: [-0.1, 0.1], widthFactor: 0.1 }),
      nn.layers.randomContrast({ factor: 0.1, seed: 3 }), nn.layers.randomCrop({ height: 5, width: 5 }), nn.layers.flatten(),
      nn.layers.dense({ units: 2, activation: 'softmax' })] });
    const x = nn.tensor(image(16, 14), [16, H, W, C]);
    const y = nn.tensor(Array.from({ length: 16 }, (_, i) => (i % 2 ? [1, 0] : [0, 1])));
    const [a, b] = [build(1), build(1)];
    for (const m of [a, b]) {
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      await m.fit(x, y, { epochs: 2, batchSize: 8 });
    }
    const bits = (m: nn.Sequential) => m.getWeights().map((t) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)));
    expect(bits(a)).toEqual(bits(b));
    const back = await nn.loadModel(await nn.io.saveToJSON(a));
    expect(back.layers.map((l) => l.className)).toEqual(a.layers.map((l) => l.className));
    expect(back.layers.map((l) => l.getConfig())).toEqual(a.layers.map((l) => l.getConfig()));
    expect(bitDiff((back.predict(x) as nn.Tensor).data, a.predict(x).data)).toBe(0);
  });
});

describe('augmentation layers: wasm and js give the same bits', () => {
  it.each(RANDOM().concat([nn.layers.randomCrop({ height: 4, width: 4 })]).map((l) => [l.className, l] as const))('%s', (_n, layer) => {
    const n = 4, x = image(n, 15);
    const out = layer.build([H, W, C]).reduce((a, b) => a * b, 1);
    const dy = rand(16)(n * out);
    const [a, b] = BACKENDS.map((be) => run(be, layer, x, n, true, 5, [H, W, C], dy));
    expect(bitDiff(a.y, b.y)).toBe(0);
    expect(bitDiff(a.dx!, b.dx!)).toBe(0);
  });
});

describe('augmentation layer options are checked', () => {
  it('errors name the layer, the option and the value', () => {
    expect(() => nn.layers.randomFlip({ mode: 'sideways' as never })).toThrow(/mode must be one of 'horizontal', 'vertical', 'horizontal_and_vertical', got "sideways"/);
    expect(() => nn.layers.randomRotation({} as never)).toThrow(/factor is required/);
    expect(() => nn.layers.randomRotation({ factor: [0.2, 0.1] })).toThrow(/factor needs lower ≤ upper/);
    expect(() => nn.layers.randomRotation({ factor: 0.1, fillMode: 'mirror' as never })).toThrow(/fillMode must be one of 'reflect', 'wrap', 'constant', 'nearest'/);
    expect(() => nn.layers.randomTranslation({ heightFactor: 1.5, widthFactor: 0 })).toThrow(/heightFactor must lie within \[-1, 1\]/);
    expect(() => nn.layers.randomTranslation({ heightFactor: 0.1 } as never)).toThrow(/widthFactor is required/);
    expect(() => nn.layers.randomZoom({ heightFactor: [-1.5, 0] })).toThrow(/heightFactor must lie within \[-1, Infinity\]/);
    expect(() => nn.layers.randomContrast({ factor: 1.5 })).toThrow(/factor must be a number in \[0, 1\]/);
    expect(() => nn.layers.randomContrast({ factor: -0.1 })).toThrow(/factor must be a number in \[0, 1\]/);
    expect(() => nn.layers.randomFlip({ seed: -1 })).toThrow(/seed must be an integer ≥ 0, got -1/);
    expect(() => nn.layers.randomCrop({ height: 0, width: 3 })).toThrow(/height must be an integer in \[1, 16777216\], got 0/);
    expect(() => nn.layers.randomZoom({ heightFactor: 0.1, fillMod: 'x' } as never)).toThrow(/unknown option "fillMod"; did you mean "fillMode"/);
    expect(() => nn.layers.randomCrop({ height: 30, width: 3 }).apply(nn.input({ shape: [28, 28, 1] })))
      .toThrow(/a 30x3 crop does not fit in images of 28x28/);
    expect(() => nn.layers.randomFlip().apply(nn.input({ shape: [28, 28] }))).toThrow(/expects images \[height, width, channels\]/);
  });
});
