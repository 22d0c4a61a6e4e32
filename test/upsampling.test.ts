// upSampling2d and resizing: forward against TF.js 4.22 (tf.layers.upSampling2d itself; for resizing, Keras's
// computation as tf.image.resizeBilinear / resizeNearestNeighbor with half-pixel centres of the image or its central
// window), nearest as exact copies, input gradients by central differences of <y, g>, the adjoint identity, wasm = js
// bits, files both ways with TF.js, and errors for bad options.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { BACKENDS, bitDiff, Mem, rand } from './helpers';

tf.env().set('PROD', true);
tf.setBackend('cpu');

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** One layer's forward (and backward for dy) on `rows` samples of `shape`. */
function run(backend: nn.BackendName, layer: nn.Layer, x: Float32Array, rows: number, shape: number[], dy?: Float32Array) {
  const mem = new Mem(backend);
  const out = layer.build(shape);
  const ws = mem.f32(Math.max(4, layer.workspaceBytes(rows) / 4));
  const px = mem.f32(x), py = mem.f32(rows * size(out));
  const pdy = dy ? mem.f32(dy) : 0, pdx = dy ? mem.f32(x.length) : 0;
  const b = { x: px, xs: [px], dx: pdx, dxs: [pdx], y: py, dy: pdy, params: [], grads: [], ws, trains: false };
  layer.forward(mem.k, b, rows, false);
  const y = mem.read(py, rows * size(out));
  let dx: Float32Array | undefined;
  if (dy) { layer.backward(mem.k, b, rows); dx = mem.read(pdx, x.length); }
  mem.free();
  return { y, dx, out };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const UP_CASES: { size: [number, number]; interpolation: 'nearest' | 'bilinear'; shape: number[]; dataFormat?: nn.DataFormat }[] = [
  { size: [2, 2], interpolation: 'nearest', shape: [3, 4, 3] },
  { size: [3, 2], interpolation: 'nearest', shape: [5, 3, 5] },
  // o / 41 − ½ computed in f32 rounds the wrong way at o = 41 unless the map is shifted off the boundaries
  { size: [41, 2], interpolation: 'nearest', shape: [2, 3, 1] },
  { size: [2, 2], interpolation: 'bilinear', shape: [3, 4, 3] },
  { size: [3, 5], interpolation: 'bilinear', shape: [4, 3, 6] },
  { size: [1, 4], interpolation: 'bilinear', shape: [2, 5, 1] },
  { size: [2, 3], interpolation: 'bilinear', shape: [2, 4, 3], dataFormat: 'channelsFirst' },
  { size: [3, 2], interpolation: 'nearest', shape: [3, 2, 5], dataFormat: 'channelsFirst' },
];
const upLabel = (c: (typeof UP_CASES)[number]) => `${c.interpolation} ${c.size.join('x')} on [${c.shape.join(', ')}]${c.dataFormat === 'channelsFirst' ? ' channelsFirst' : ''}`;

/** resizing cases: input [h, w, c] → height × width; crop: Keras's central window (top, left, height, width). */
const RESIZE_CASES: { shape: number[]; height: number; width: number; interpolation: 'nearest' | 'bilinear'; crop?: boolean }[] = [
  { shape: [6, 7, 3], height: 4, width: 10, interpolation: 'bilinear' },
  { shape: [9, 5, 5], height: 13, width: 3, interpolation: 'bilinear' },
  { shape: [10, 4, 2], height: 3, width: 9, interpolation: 'nearest' },   // (o + ½)·10/3 is exactly 5 at o = 1
  { shape: [7, 12, 4], height: 5, width: 5, interpolation: 'nearest' },
  { shape: [14, 6, 2], height: 11, width: 4, interpolation: 'nearest' },   // likewise at o = 5 (14 → 11)
  { shape: [8, 12, 3], height: 5, width: 5, interpolation: 'bilinear', crop: true },
  { shape: [6, 10, 2], height: 9, width: 7, interpolation: 'bilinear', crop: true },   // the window is enlarged
  { shape: [9, 6, 3], height: 4, width: 6, interpolation: 'nearest', crop: true },
];
const resizeLabel = (c: (typeof RESIZE_CASES)[number]) => `${c.interpolation} [${c.shape.join(', ')}] → ${c.height}x${c.width}${c.crop ? ' cropped' : ''}`;
const makeResize = (c: (typeof RESIZE_CASES)[number]) =>
  nn.layers.resizing({ height: c.height, width: c.width, interpolation: c.interpolation, cropToAspectRatio: c.crop });

/** What Keras's Resizing computes, by TF.js's ops: the central window (smart_resize) resized with half-pixel centres. */
function kerasResize(x: Float32Array, n: number, c: (typeof RESIZE_CASES)[number]): Float32Array {
  const [h, w, ch] = c.shape;
  return tf.tidy(() => {
    let img = tf.tensor4d(x, [n, h, w, ch]);
    if (c.crop) {
      const wh = Math.min(h, Math.floor((w * c.height) / c.width)), ww = Math.min(w, Math.floor((h * c.width) / c.height));
      img = img.slice([0, Math.floor((h - wh) / 2), Math.floor((w - ww) / 2), 0], [n, wh, ww, ch]);
    }
    const out = c.interpolation === 'bilinear'
      ? tf.image.resizeBilinear(img, [c.height, c.width], false, true)
      : tf.image.resizeNearestNeighbor(img, [c.height, c.width], false, true);
    return out.dataSync() as Float32Array;
  });
}

describe.each(BACKENDS)('upSampling2d and resizing on %s', (backend) => {
  it.each(UP_CASES.map((c) => [upLabel(c), c] as const))('upSampling2d %s: TF.js 4.22 tf.layers.upSampling2d predicts the same', (_l, c) => {
    const n = 2, x = rand(size(c.shape) + c.size[0])(n * size(c.shape), -2, 2);
    const tm = tf.sequential({ layers: [tf.layers.upSampling2d({ size: c.size, interpolation: c.interpolation, dataFormat: c.dataFormat, inputShape: c.shape })] });
    const want = tf.tidy(() => (tm.predict(tf.tensor(x, [n, ...c.shape])) as tf.Tensor).dataSync() as Float32Array);
    const { y, out } = run(backend, nn.layers.upSampling2d({ size: c.size, interpolation: c.interpolation, dataFormat: c.dataFormat }), x, n, c.shape);
    expect([null, ...out]).toEqual(tm.outputs[0].shape);
    if (c.interpolation === 'nearest') expect(bitDiff(y, Float32Array.from(want))).toBe(0);
    else expect(maxAbs(y, want)).toBeLessThan(1e-5);
    tm.dispose();
  });

  it('nearest upSampling2d repeats each pixel size times along each axis, exactly', () => {
    const [h, w, ch] = [3, 4, 2], [sh, sw] = [4, 3], n = 2;
    const x = rand(3)(n * h * w * ch);
    const { y } = run(backend, nn.layers.upSampling2d({ size: [sh, sw] }), x, n, [h, w, ch]);
    for (let b = 0; b < n; b++) for (let r = 0; r < h * sh; r++) for (let q = 0; q < w * sw; q++) for (let k = 0; k < ch; k++) {
      expect(y[((b * h * sh + r) * w * sw + q) * ch + k]).toBe(x[((b * h + Math.floor(r / sh)) * w + Math.floor(q / sw)) * ch + k]);
    }
  });

  it('size 49: neurite repeats exactly, where TF.js 4.22\'s float64 index ⌊o·(1/49)⌋ reads the pixel before at rows 49 and 98', () => {
    const x = Float32Array.from([1, 2, 3]);
    const { y } = run(backend, nn.layers.upSampling2d({ size: [49, 1] }), x, 1, [3, 1, 1]);
    expect(Array.from(y)).toEqual(Array.from({ length: 147 }, (_, r) => 1 + Math.floor(r / 49)));
    const tm = tf.sequential({ layers: [tf.layers.upSampling2d({ size: [49, 1], inputShape: [3, 1, 1] })] });
    const t = tf.tidy(() => (tm.predict(tf.tensor4d(x, [1, 3, 1, 1])) as tf.Tensor).dataSync());
    expect(Array.from(y.keys()).filter((r) => y[r] !== t[r])).toEqual([49, 98]);
    tm.dispose();
  });

  it.each(RESIZE_CASES.map((c) => [resizeLabel(c), c] as const))('resizing %s: Keras\'s resize (TF.js ops, half-pixel centres)', (_l, c) => {
    const n = 3, x = rand(size(c.shape) + c.height)(n * size(c.shape), -2, 2);
    const want = kerasResize(x, n, c);
    const { y, out } = run(backend, makeResize(c), x, n, c.shape);
    expect(out).toEqual([c.height, c.width, c.shape[2]]);
    if (c.interpolation === 'nearest') expect(bitDiff(y, Float32Array.from(want))).toBe(0);
    else expect(maxAbs(y, want)).toBeLessThan(1e-5);
  });

  it('input gradients: central differences of <y, g>, and <Ax, g> = <x, Aᵀg> in float64', () => {
    const layers: [string, () => nn.Layer, number[]][] = [
      ...UP_CASES.map((c) => [upLabel(c), () => nn.layers.upSampling2d({ size: c.size, interpolation: c.interpolation, dataFormat: c.dataFormat }), c.shape] as [string, () => nn.Layer, number[]]),
      ...RESIZE_CASES.map((c) => [resizeLabel(c), () => makeResize(c), c.shape] as [string, () => nn.Layer, number[]]),
    ];
    for (const [label, make, shape] of layers) {
      const n = 2, layer = make();
      const x = rand(size(shape))(n * size(shape));
      const outSize = size(layer.build(shape));
      const g = rand(size(shape) + 1)(n * outSize);
      const dot = (v: ArrayLike<number>) => { let s = 0; for (let i = 0; i < v.length; i++) s += v[i] * g[i]; return s; };
      const { y, dx } = run(backend, layer, x, n, shape, g);
      let xdx = 0;
      for (let i = 0; i < x.length; i++) xdx += x[i] * dx![i];
      expect(Math.abs(dot(y) - xdx), `${label}: <Ax, g> vs <x, Aᵀg>`).toBeLessThan(1e-4 * (1 + Math.abs(xdx)));
      for (let i = 0; i < x.length; i += Math.max(1, Math.floor(x.length / 23))) {
        const e = 1e-2, up = Float32Array.from(x), down = Float32Array.from(x);
        up[i] += e; down[i] -= e;
        const numeric = (dot(run(backend, layer, up, n, shape).y) - dot(run(backend, layer, down, n, shape).y)) / (up[i] - down[i]);
        expect(Math.abs(numeric - dx![i]), `${label} x[${i}]: numeric ${numeric} vs ${dx![i]}`).toBeLessThan(1e-3 + 1e-3 * Math.abs(numeric));
      }
    }
  });

  it('train in a model: gradients through upSampling2d and resizing reach the conv2d below (central differences on its weights)', () => {
    nn.setBackend(backend);
    const model = nn.sequential({ seed: 3, layers: [
      nn.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'tanh', inputShape: [4, 5, 2] }),
      nn.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }),
      nn.layers.resizing({ height: 5, width: 6, cropToAspectRatio: true }),
      nn.layers.flatten(), nn.layers.dense({ units: 2 })] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = nn.tensor(rand(4)(2 * 40), [2, 4, 5, 2]), t = nn.tensor(rand(5)(4), [2, 2]);
    const { grads } = model.computeGradients(x, t);
    const w = model.getWeights(), values = w.map((v) => new Float32Array(v.data));
    let checked = 0;
    for (let i = 0; i < values[0].length; i++) {
      const at = (d: number) => {
        const v = values.map((a) => a.slice());
        v[0][i] += d;
        model.setWeights(v.map((a, j) => nn.tensor(a, w[j].shape)));
        return model.computeGradients(x, t).loss;
      };
      const numeric = (at(1e-2) - at(-1e-2)) / 2e-2;
      expect(Math.abs(numeric - grads[0].data[i]), `kernel[${i}]`).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
      checked++;
    }
    expect(checked).toBe(6);
  });
});

describe('upSampling2d and resizing: wasm and js give the same bits', () => {
  const cases: [string, () => nn.Layer, number[]][] = [
    ...UP_CASES.map((c) => [upLabel(c), () => nn.layers.upSampling2d({ size: c.size, interpolation: c.interpolation, dataFormat: c.dataFormat }), c.shape] as [string, () => nn.Layer, number[]]),
    ...RESIZE_CASES.map((c) => [resizeLabel(c), () => makeResize(c), c.shape] as [string, () => nn.Layer, number[]]),
  ];
  it.each(cases)('%s', (_l, make, shape) => {
    const n = 3, x = rand(7)(n * size(shape));
    const layer = make();
    const dy = rand(8)(n * size(layer.build(shape)));
    const [a, b] = BACKENDS.map((be) => run(be, layer, x, n, shape, dy));
    expect(bitDiff(a.y, b.y)).toBe(0);
    expect(bitDiff(a.dx!, b.dx!)).toBe(0);
  });
});

async function tfjsArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return saved!;
}
async function neuriteArtifacts(model: nn.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: nn.ModelArtifacts | undefined;
  await model.save(nn.io.withSaveHandler((a) => { saved = a; }));
  return saved as tf.io.ModelArtifacts;
}

describe.each(BACKENDS)('upSampling2d and resizing files, both ways with TF.js 4.22 (%s)', (backend) => {
  it('TF.js\'s model with upSampling2d (nearest, bilinear, channelsFirst) and conv2d loads in neurite and predicts the same; neurite\'s file predicts the same in TF.js', async () => {
    await nn.setBackend(backend);
    const tm = tf.sequential({ layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', biasInitializer: 'randomNormal', inputShape: [5, 6, 3] }),
      tf.layers.upSampling2d({ size: [2, 3] }),
      tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2 }),
      tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
      tf.layers.permute({ dims: [3, 1, 2] }),
      tf.layers.upSampling2d({ size: [1, 2], interpolation: 'bilinear', dataFormat: 'channelsFirst' }),
    ] });
    const n = 2, x = rand(11)(n * 90, -1, 1);
    const want = tf.tidy(() => (tm.predict(tf.tensor(x, [n, 5, 6, 3])) as tf.Tensor).dataSync() as Float32Array);
    const model = await nn.loadModel(nn.io.fromMemory(await tfjsArtifacts(tm)));
    expect(model.layers.map((l) => l.className)).toEqual(tm.layers.map((l) => l.getClassName()));
    expect(model.layers.filter((l) => l instanceof nn.UpSampling2D).map((l) => l.getConfig())).toEqual([
      { size: [2, 3], dataFormat: 'channelsLast', interpolation: 'nearest' },
      { size: [2, 2], dataFormat: 'channelsLast', interpolation: 'bilinear' },
      { size: [1, 2], dataFormat: 'channelsFirst', interpolation: 'bilinear' }]);
    const got = (model.predict(nn.tensor(x, [n, 5, 6, 3])) as nn.Tensor).data;
    expect(maxAbs(got, want)).toBeLessThan(1e-5);
    const back = await tf.loadLayersModel(tf.io.fromMemory(await neuriteArtifacts(model)));
    expect(back.layers.map((l) => (l.getConfig() as { size?: unknown }).size)).toEqual([undefined, [2, 3], undefined, [2, 2], undefined, [1, 2]]);
    const again = tf.tidy(() => (back.predict(tf.tensor(x, [n, 5, 6, 3])) as tf.Tensor).dataSync() as Float32Array);
    expect(maxAbs(again, got)).toBeLessThan(1e-5);
    tm.dispose();
    back.dispose();
  });

  it('resizing: TF.js\'s file loads with its options and predicts Keras\'s resize; neurite\'s file gives TF.js the same layer config', async () => {
    await nn.setBackend(backend);
    // TF.js 4.22's Resizing cannot predict inside a model (its output shape drops the batch axis): compare configs
    const tm = tf.sequential({ layers: [tf.layers.resizing({ height: 5, width: 5, interpolation: 'nearest', cropToAspectRatio: true, inputShape: [9, 6, 3] })] });
    const model = await nn.loadModel(nn.io.fromMemory(await tfjsArtifacts(tm)));
    const layer = model.layers[0] as nn.Resizing;
    expect(layer.className).toBe('Resizing');
    expect(layer.getConfig()).toEqual({ height: 5, width: 5, interpolation: 'nearest', cropToAspectRatio: true, batchInputShape: [null, 9, 6, 3] });
    const c = { shape: [9, 6, 3], height: 5, width: 5, interpolation: 'nearest' as const, crop: true };
    const x = rand(12)(2 * 162);
    expect(bitDiff((model.predict(nn.tensor(x, [2, 9, 6, 3])) as nn.Tensor).data, Float32Array.from(kerasResize(x, 2, c)))).toBe(0);
    const mine = nn.sequential({ layers: [nn.layers.resizing({ height: 7, width: 4, inputShape: [8, 8, 2] })] });
    const back = await tf.loadLayersModel(tf.io.fromMemory(await neuriteArtifacts(mine)));
    expect(back.layers[0].getClassName()).toBe('Resizing');
    const cfg = back.layers[0].getConfig();
    expect([cfg.height, cfg.width, cfg.interpolation, cfg.cropToAspectRatio]).toEqual([7, 4, 'bilinear', false]);
    tm.dispose();
    back.dispose();
  });

  it('save and load in neurite keep configs and predictions bit for bit', async () => {
    await nn.setBackend(backend);
    const m = nn.sequential({ seed: 2, layers: [
      nn.layers.upSampling2d({ size: [2, 1], interpolation: 'bilinear', inputShape: [3, 4, 2] }),
      nn.layers.resizing({ height: 5, width: 3, interpolation: 'nearest', cropToAspectRatio: true }),
      nn.layers.upSampling2d({ dataFormat: 'channelsFirst' }), nn.layers.flatten(), nn.layers.dense({ units: 3 })] });
    const x = nn.tensor(rand(13)(4 * 24), [4, 3, 4, 2]);
    const back = await nn.loadModel(await nn.io.saveToJSON(m));
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect(bitDiff((back.predict(x) as nn.Tensor).data, m.predict(x).data)).toBe(0);
  });
});

describe('upSampling2d and resizing options', () => {
  it('defaults in TF.js / Keras spelling', () => {
    expect(nn.layers.upSampling2d().getConfig()).toEqual({ size: [2, 2], dataFormat: 'channelsLast', interpolation: 'nearest' });
    expect(nn.layers.upSampling2d({ size: 3 }).getConfig().size).toEqual([3, 3]);
    expect(nn.layers.resizing({ height: 4, width: 6 }).getConfig()).toEqual({ height: 4, width: 6, interpolation: 'bilinear', cropToAspectRatio: false });
    expect(nn.layers.upSampling2d().name).toMatch(/^up_sampling2d_\d+$/);
    expect(nn.layers.resizing({ height: 1, width: 1 }).name).toMatch(/^resizing_\d+$/);
  });

  it('refuses bad options naming the layer, the option and the value', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => nn.layers.upSampling2d({ size: 0, name: 'u1' }), /layer 'u1': size must be a positive integer or a pair of them, got 0/],
      [() => nn.layers.upSampling2d({ size: [2, 1.5] as never, name: 'u2' }), /layer 'u2': size must be a positive integer or a pair of them, got \[2, 1.5\]/],
      [() => nn.layers.upSampling2d({ interpolation: 'bicubic' as never, name: 'u3' }), /layer 'u3': interpolation must be one of 'nearest', 'bilinear', got "bicubic"/],
      [() => nn.layers.upSampling2d({ dataFormat: 'channels_first' as never, name: 'u4' }), /layer 'u4': dataFormat must be one of 'channelsLast', 'channelsFirst', got "channels_first"/],
      [() => nn.layers.upSampling2d({ sizes: 2 } as never), /unknown option "sizes"; did you mean "size"/],
      [() => nn.layers.resizing({ width: 3, name: 'r1' } as never), /layer 'r1': height must be an integer in \[1, 16777216\], got undefined/],
      [() => nn.layers.resizing({ height: 3, width: 0, name: 'r2' }), /layer 'r2': width must be an integer in \[1, 16777216\], got 0/],
      [() => nn.layers.resizing({ height: 3, width: 3, interpolation: 'area' as never, name: 'r3' }), /layer 'r3': interpolation must be one of 'bilinear', 'nearest', got "area"/],
      [() => nn.layers.resizing({ height: 3, width: 3, cropToAspectRatio: 1 as never, name: 'r4' }), /layer 'r4': cropToAspectRatio must be true or false, got 1/],
      [() => nn.layers.resizing({ height: 3, width: 3, antialias: false } as never), /unknown option "antialias"/],
      [() => nn.layers.upSampling2d({ name: 'flat' }).apply(nn.input({ shape: [8] })), /layer 'flat' \(UpSampling2D\) expects images \[height, width, channels\], got input shape \[8\]/],
      [() => nn.layers.resizing({ height: 2, width: 2, name: 'seq' }).apply(nn.input({ shape: [8, 3] })), /layer 'seq' \(Resizing\) expects images/],
    ];
    for (const [make, message] of cases) expect(make).toThrow(message);
  });
});
