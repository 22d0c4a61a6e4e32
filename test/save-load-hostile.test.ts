// Hostile model files: each problem is refused with a FormatError (a NeuriteError) that says what is wrong and
// where, before anything large is allocated, without touching files outside the model's folder or Object.prototype.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { nodeFileOps, type FileOps } from '../src/io/file-target';
import { LIMITS } from '../src/io/format';

type Json = Record<string, any>;
let base: { json: Json; weights: Uint8Array; trained: Json; trainedWeights: Uint8Array };
let root = '';

beforeAll(async () => {
  await nn.setBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'neurite-hostile-'));
  const m = nn.sequential({ seed: 3, name: 'victim', layers: [
    nn.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }),
    nn.layers.batchNormalization(),
    nn.layers.dense({ units: 2, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit([[1, 2, 3], [3, 2, 1]], [[1, 0], [0, 1]], { epochs: 1 });
  const plain = await nn.io.toArtifacts(m);
  const trained = await nn.io.toArtifacts(m, { includeOptimizer: true });
  const asJson = (a: nn.ModelArtifacts) => ({ modelTopology: a.modelTopology, format: a.format, weightSpecs: a.weightSpecs, trainingConfig: a.trainingConfig });
  base = { json: asJson(plain), weights: new Uint8Array(plain.weightData), trained: asJson(trained), trainedWeights: new Uint8Array(trained.weightData) };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** Loads artifacts after `edit` changes a copy of them; returns the error message (or fails if it loads). */
async function refusal(edit: (a: Json) => void, weights?: Uint8Array, trained = false): Promise<string> {
  const a = clone(trained ? base.trained : base.json);
  edit(a);
  try {
    await nn.loadModel(nn.io.fromMemory({ ...a, weightData: weights ?? (trained ? base.trainedWeights : base.weights) }));
  } catch (e) {
    expect(e).toBeInstanceOf(nn.NeuriteError);
    return (e as Error).message;
  }
  throw new Error('the model loaded');
}

const layers = (a: Json) => a.modelTopology.config.layers;

describe('hostile model files', () => {
  it('the untouched file loads (the cases below each change one thing)', async () => {
    const m = await nn.loadModel(nn.io.fromMemory({ ...base.trained, weightData: base.trainedWeights }));
    expect(m.compileConfig!.optimizer.name).toBe('adam');
  });

  it('invalid JSON text, in a string, a model.json file and the binary blob', async () => {
    await expect(nn.loadModel('{"modelTopology": ')).rejects.toThrow(/model JSON: invalid JSON/);
    const dir = join(root, 'badjson');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": {]');
    await expect(nn.loadModel(`file://${dir}`)).rejects.toThrow(/model\.json: invalid JSON/);
    writeFileSync(join(dir, 'model.json'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    await expect(nn.loadModel(`file://${dir}`)).rejects.toThrow(/not valid UTF-8/);
    const blob = await nn.io.saveToBytes(await nn.loadModel(nn.io.fromMemory({ ...base.json, weightData: base.weights })));
    blob[16] = 0x5d; // the first character of the embedded JSON
    await expect(nn.loadModel(blob)).rejects.toThrow(/model bytes model\.json: invalid JSON/);
    await expect(nn.loadModel(new Uint8Array([1, 2, 3]))).rejects.toThrow(/neither a neurite binary model/);
  });

  it('JSON nested too deep is refused before it is parsed', async () => {
    const deep = `{"modelTopology": ${'['.repeat(100000)}${']'.repeat(100000)}}`;
    await expect(nn.loadModel(deep)).rejects.toThrow(/nests deeper than 64 levels/);
  });

  it('missing or mistyped fields name the field', async () => {
    expect(await refusal((a) => { delete a.modelTopology; })).toMatch(/modelTopology must be an object/);
    expect(await refusal((a) => { a.modelTopology = 'Sequential'; })).toMatch(/modelTopology must be an object/);
    expect(await refusal((a) => { a.modelTopology.class_name = 'Functional'; })).toMatch(/config.input_layers: must be a list of \[layerName, nodeIndex, tensorIndex\]/);
    expect(await refusal((a) => { a.modelTopology.class_name = 'Graph'; })).toMatch(/"Graph" models are not supported/);
    expect(await refusal((a) => { a.modelTopology.config.layers = {}; })).toMatch(/config\.layers must be a non-empty array/);
    expect(await refusal((a) => { layers(a)[0] = 7; })).toMatch(/config\.layers\[0\]: expected \{ class_name, config \}/);
    expect(await refusal((a) => { delete layers(a)[1].class_name; })).toMatch(/layers\[1\]: class_name must be a string/);
    expect(await refusal((a) => { layers(a)[0].config.units = '4'; })).toMatch(/layer "dense_\d+" \(Dense\).*units must be a positive integer, got "4"/);
    expect(await refusal((a) => { layers(a)[0].config.activation = 'swish'; })).toMatch(/layers\[0\].*unknown activation "swish"/);
    expect(await refusal((a) => { layers(a)[0].config.batch_input_shape = [null, 'x']; })).toMatch(/batch_input_shape.*positive integers/);
    expect(await refusal((a) => { delete layers(a)[0].config.batch_input_shape; })).toMatch(/first layer needs a batch_input_shape/);
    expect(await refusal((a) => { layers(a)[2].config.name = layers(a)[0].config.name; })).toMatch(/name "dense_\d+" is used twice/);
    expect(await refusal((a) => { a.weightSpecs = 'all'; })).toMatch(/weightSpecs must be an array/);
    expect(await refusal((a) => { a.weightSpecs[1].name = 5; })).toMatch(/weightSpecs\[1\]: name must be a non-empty string/);
    expect(await refusal((a) => { a.weightSpecs[1].dtype = 'float16'; })).toMatch(/weight "dense_\d+\/bias": has dtype "float16"/);
    expect(await refusal((a) => { a.weightSpecs.push({ ...a.weightSpecs[0] }); })).toMatch(/kernel": appears twice/);
    expect(await refusal((a) => { a.weightSpecs[0].name = 'other/kernel'; })).toMatch(/weight "dense_\d+\/kernel" of layer 'dense_\d+' \(Dense\) is missing/);
    expect(await refusal((a) => { a.format = 'graph-model'; })).toMatch(/format "graph-model" is not supported/);
  });

  it('bad quantization fields name the weight and the field', async () => {
    const q = (quantization: unknown, dtype?: string) => refusal((a) => {
      a.weightSpecs[1].quantization = quantization;
      if (dtype) a.weightSpecs[1].dtype = dtype;
    });
    const bias = 'weight "dense_\\d+/bias": ';
    expect(await q('uint8')).toMatch(new RegExp(`${bias}quantization must be an object such as \\{ dtype: 'uint8', scale, min \\}, got "uint8"`));
    expect(await q([1])).toMatch(new RegExp(`${bias}quantization must be an object`));
    expect(await q({ dtype: 'int8', scale: 1, min: 0 })).toMatch(new RegExp(`${bias}quantization.dtype must be 'float16', 'uint8' or 'uint16', got "int8"`));
    expect(await q({ scale: 1, min: 0 })).toMatch(new RegExp(`${bias}quantization.dtype must be .* got undefined`));
    expect(await q({ dtype: 'uint8', min: 0 })).toMatch(new RegExp(`${bias}quantization.scale must be a finite number for "uint8" codes, got undefined`));
    expect(await q({ dtype: 'uint16', scale: '0.5', min: 0 })).toMatch(new RegExp(`${bias}quantization.scale must be a finite number for "uint16" codes, got "0.5"`));
    expect(await q({ dtype: 'uint8', scale: 1, min: null })).toMatch(new RegExp(`${bias}quantization.min must be a finite number for "uint8" codes, got null`));
    expect(await q({ dtype: 'uint8', scale: 1, min: 0, original_dtype: 'int32' })).toMatch(new RegExp(`${bias}quantization.original_dtype is "int32", but the weight's dtype is "float32"`));
    // TF.js's rule: halves hold float32 weights only (here the trained file's int32 step counter)
    const iter = await refusal((a) => {
      const i = a.weightSpecs.findIndex((s: Json) => s.dtype === 'int32');
      a.weightSpecs[i].quantization = { dtype: 'float16' };
    }, undefined, true);
    expect(iter).toMatch(/weight "[^"]*iter": quantization.dtype 'float16' needs a float32 weight, but the weight's dtype is "int32"/);
  });

  it('quantized values that decode to non-finite numbers or a negative variance are refused by weight and index', async () => {
    // the first dense layer: kernel [3, 4] stored as float16 (24 bytes), the rest float32
    const specs = clone(base.json.weightSpecs) as Json[];
    const floats = new Float32Array(base.weights.buffer.slice(base.weights.byteOffset, base.weights.byteOffset + base.weights.length));
    const halves = new Uint16Array(12).fill(0x3c00); // 1.0
    const stored = (h: Uint16Array, rest = new Uint8Array(floats.buffer, 48)) => {
      const out = new Uint8Array(24 + rest.length);
      out.set(new Uint8Array(h.buffer), 0);
      out.set(rest, 24);
      return out;
    };
    const load = (edit: (a: Json) => void, bytes: Uint8Array) => refusal((a) => {
      a.weightSpecs = clone(specs);
      a.weightSpecs[0].quantization = { dtype: 'float16', original_dtype: 'float32' };
      edit(a);
    }, bytes);
    // the untouched quantized file loads, with the kernel all ones
    const ok = clone(base.json);
    ok.weightSpecs[0].quantization = { dtype: 'float16' };
    const m = await nn.loadModel(nn.io.fromMemory({ ...ok, weightData: stored(halves) }));
    expect(Array.from(m.getWeights()[0].data)).toEqual(new Array(12).fill(1));
    const inf = halves.slice(); inf[5] = 0x7c00;
    expect(await load(() => {}, stored(inf))).toMatch(/weight "dense_\d+\/kernel": holds Infinity at index 5; weights must be finite/);
    const nan = halves.slice(); nan[7] = 0xfe00;
    expect(await load(() => {}, stored(nan))).toMatch(/weight "dense_\d+\/kernel": holds NaN at index 7/);
    // uint8 codes with a scale so large that 255·scale overflows float32
    const codes = new Uint8Array(12).fill(255);
    const u8 = () => { const o = new Uint8Array(12 + floats.length * 4 - 48); o.set(codes); o.set(new Uint8Array(floats.buffer, 48), 12); return o; };
    expect(await load((a) => { a.weightSpecs[0].quantization = { dtype: 'uint8', scale: 1e37, min: 0 }; }, u8()))
      .toMatch(/weight "dense_\d+\/kernel": holds Infinity at index 0/);
    // a moving variance stored as uint8 whose min is negative
    const vi = specs.findIndex((s) => s.name.endsWith('moving_variance'));
    expect(vi).toBeGreaterThan(0);
    expect(await refusal((a) => {
      a.weightSpecs[vi].quantization = { dtype: 'uint8', scale: 0.5, min: -1 };
    }, (() => {
      const before = specs.slice(0, vi).reduce((n, s) => n + 4 * s.shape.reduce((p: number, d: number) => p * d, 1), 0);
      const n = specs[vi].shape.reduce((p: number, d: number) => p * d, 1);
      const out = new Uint8Array(base.weights.length - 3 * n);
      out.set(base.weights.subarray(0, before));
      out.set(new Uint8Array(n).fill(1), before); // codes 1: 1·0.5 - 1 = -0.5
      out.set(base.weights.subarray(before + 4 * n), before + n);
      return out;
    })())).toMatch(/moving_variance": holds -0.5 at index 0; a variance cannot be negative/);
  });

  it('unknown layer classes and unsupported options are refused by name', async () => {
    expect(await refusal((a) => { layers(a)[1].class_name = 'Lambda'; })).toMatch(/unsupported layer class "Lambda"; neurite supports: Dense, Activation, Conv2D/);
    expect(await refusal((a) => { layers(a)[0].config.kernel_constraint = { class_name: 'MaxNorm', config: { max_value: 2 } }; })).toMatch(/option kernelConstraint \("MaxNorm"\) is not supported/);
    expect(await refusal((a) => { layers(a)[0].config.activity_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: 1 } }; })).toMatch(/option activityRegularizer = .* is not supported by neurite's Dense/);
    expect(await refusal((a) => { layers(a)[0].config.kernel_regularizer = { class_name: 'L1L2', config: { l1: 0.1, l2: 0 } }; })).toMatch(/L1 penalty .* not supported/);
    expect(await refusal((a) => { layers(a)[0].config.trainable = 'no'; })).toMatch(/trainable must be true or false, got "no"/);
    expect(await refusal((a) => { layers(a)[1].config.scale = false; })).toMatch(/option scale = false is not supported \(neurite's BatchNormalization uses true\)/);
    expect(await refusal((a) => { layers(a)[0].config.units_extra = 1; })).toMatch(/option unitsExtra = 1 is not supported/);
  });

  it('weight data shorter or longer than the manifest says', async () => {
    const n = base.weights.length;
    expect(await refusal(() => {}, base.weights.subarray(0, n - 3))).toMatch(new RegExp(`has ${n - 3} bytes but the manifest describes ${n}: weight "dense_\\d+/bias" needs bytes`));
    expect(await refusal(() => {}, new Uint8Array(n + 8))).toMatch(new RegExp(`has ${n + 8} bytes, 8 more than the ${n}`));
    expect(await refusal(() => {}, new Uint8Array(0))).toMatch(/has 0 bytes/);
  });

  it('negative, fractional and absurd shapes, and 1e9 units, are refused before anything is allocated', async () => {
    expect(await refusal((a) => { a.weightSpecs[1].shape = [-4]; })).toMatch(/shape \[-4\] must hold positive integers/);
    expect(await refusal((a) => { a.weightSpecs[1].shape = [2.5]; })).toMatch(/shape \[2.5\] must hold positive integers/);
    expect(await refusal((a) => { a.weightSpecs[1].shape = [1e9, 1e9]; })).toMatch(/holds more than \d+ values, the most allowed/);
    expect(await refusal((a) => { a.weightSpecs[1].shape = new Array(20).fill(1); })).toMatch(/rank 20/);
    expect(await refusal((a) => { layers(a)[0].config.units = 1e9; a.weightSpecs[0].shape = [3, 1e9]; })).toMatch(/more than 67108864 values/);
    expect(await refusal((a) => { layers(a)[0].config.units = 1e9; })).toMatch(/layers\[0\]: layer 'dense_\d+': units 1000000000 is more than the 268435456/);
    expect(await refusal((a) => { layers(a)[0].config.units = 2e7; })).toMatch(/more than 67108864 weights, the most allowed \(loadModel option maxParams\)/);
    expect(await refusal((a) => { layers(a)[0].config.batch_input_shape = [null, 1e9]; })).toMatch(/more than 67108864/);
    expect(await refusal((a) => { layers(a)[0].config.units = 1e300; })).toMatch(/layers\[0\]: layer 'dense_\d+': units must be a positive integer, got 1e\+300/);
    const memory = process.memoryUsage().rss;
    for (let i = 0; i < 20; i++) await refusal((a) => { layers(a)[0].config.units = 2 ** 40; });
    expect(process.memoryUsage().rss - memory).toBeLessThan(200 * 2 ** 20);
  });

  it('NaN and Infinity weights are refused, naming the weight and index', async () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const w = base.weights.slice();
      new DataView(w.buffer).setFloat32(4 * 5, bad, true);
      expect(await refusal(() => {}, w)).toMatch(new RegExp(`kernel": holds ${bad} at index 5; weights must be finite`));
    }
    const w = base.weights.slice();
    const specs = base.json.weightSpecs as { name: string; shape: number[] }[];
    const offset = specs.slice(0, specs.findIndex((s) => s.name.endsWith('moving_variance'))).reduce((a, s) => a + 4 * s.shape.reduce((x, y) => x * y, 1), 0);
    new DataView(w.buffer).setFloat32(offset, -1, true);
    expect(await refusal(() => {}, w)).toMatch(/moving_variance": holds -1 at index 0; a variance cannot be negative/);
  });

  it('__proto__, constructor and prototype keys are refused, and Object.prototype stays clean', async () => {
    const text = JSON.stringify({ ...base.json, weightData: Buffer.from(base.weights).toString('base64') });
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const evil = text.replace('"units":4', `"units":4,"${key}":{"polluted":true,"units":99}`);
      await expect(nn.loadModel(evil)).rejects.toThrow(new RegExp(`the key "${key}" at modelTopology\\.config\\.layers\\[0\\]\\.config is not allowed`));
    }
    const evil = text.replace('"format":', '"__proto__":{"polluted":1},"format":');
    await expect(nn.loadModel(evil)).rejects.toThrow(/"__proto__" at the top level/);
    // in-memory artifacts built with such keys are checked the same way
    const a = JSON.parse(text.replace('"units":4', '"units":4,"__proto__":{"polluted":true}'));
    await expect(nn.loadModel(nn.io.fromMemory(a))).rejects.toThrow(/"__proto__" at topology\.config\.layers\[0\]\.config/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    // a loss named after an Object.prototype property is just an unknown loss
    expect(await refusal((t) => { t.trainingConfig.loss = 'constructor'; }, undefined, true)).toMatch(/loss "constructor" is neither a built-in loss/);
  });

  it('manifest paths with .., absolute paths, backslashes or links out of the folder are never read', async () => {
    const outside = join(root, 'secret.bin');
    writeFileSync(outside, base.weights);
    const reads: string[] = [];
    const real = await nodeFileOps();
    const ops = { ...real, readFile: (p: string, max: number) => { reads.push(p); return real.readFile(p, max); }, size: (p: string) => { reads.push(p); return real.size(p); } };
    for (const [path, message] of [
      ['../secret.bin', /leads outside the model's folder/], [outside, /must be a relative path/], ['..\\secret.bin', /must be a relative path/],
      ['sub/../../secret.bin', /leads outside/], ['C:/secret.bin', /must be a relative path/], ['link.bin', /resolves outside the model's folder/],
      ['', /must be a relative file name/], ['a//b', /is not a file name/],
    ] as const) {
      const dir = join(root, `paths-${reads.length}-${Math.random().toString(36).slice(2)}`);
      mkdirSync(dir);
      symlinkSync(outside, join(dir, 'link.bin'));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: base.json.modelTopology,
        weightsManifest: [{ paths: [path], weights: base.json.weightSpecs }] }));
      reads.length = 0;
      await expect(nn.loadModel(nn.io.fileSystem(dir, { ops }))).rejects.toThrow(message);
      expect(reads.filter((p) => p.includes('secret'))).toEqual([]);
    }
  });

  it('training configurations that do not fit the model are refused', async () => {
    const t = (edit: (a: Json) => void) => refusal(edit, undefined, true);
    expect(await t((a) => { a.trainingConfig.neurite.optimizer.name = 'lion'; })).toMatch(/unknown optimizer "lion"/);
    expect(await t((a) => { a.trainingConfig.neurite.optimizer.config.beta1 = 2; })).toMatch(/neurite\.optimizer \(adam\): beta1 must be a number in \[0, 1\)/);
    expect(await t((a) => { a.trainingConfig.neurite.optimizer.config.learningRate = { schedule: 'warp', config: {} }; })).toMatch(/unknown learning-rate schedule "warp"/);
    expect(await t((a) => { a.trainingConfig.neurite.epochsTrained = -1; })).toMatch(/epochsTrained: must be an integer in \[0/);
    expect(await t((a) => { a.trainingConfig.neurite.iterations = 7; })).toMatch(/iterations: is 7 but the optimizer's iter weight is 1/);
    expect(await t((a) => { a.trainingConfig.neurite.shuffleState = [1, 2, 3]; })).toMatch(/shuffleState: must be four 32-bit unsigned integers/);
    expect(await t((a) => { a.trainingConfig.neurite.format = 2; })).toMatch(/format 2 is not one this neurite reads/);
    expect(await t((a) => { a.trainingConfig.loss = ['mse', 'mse']; })).toMatch(/loss: has 2 losses but the model has 1 output\(s\) \(dense_\d+\)/);
    expect(await t((a) => { a.trainingConfig.loss = { nothing: 'mse' }; })).toMatch(/loss: names output "nothing"/);
    expect(await t((a) => { a.trainingConfig.metrics = ['auc']; })).toMatch(/metric "auc" is not supported/);
    expect(await t((a) => { a.weightSpecs.pop(); })).toMatch(/has \d+ bytes, \d+ more than/);
    expect(await t((a) => { a.weightSpecs = a.weightSpecs.filter((s: Json) => !s.name.endsWith('/v')); }, )).toMatch(/more than/);
    // a consistent file whose optimizer state has the wrong layout
    const a = clone(base.trained);
    const specs = a.weightSpecs.filter((s: Json) => !s.name.endsWith('/v'));
    const bytes = specs.reduce((n: number, s: Json) => n + 4 * s.shape.reduce((x: number, y: number) => x * y, 1), 0);
    await expect(nn.loadModel(nn.io.fromMemory({ ...a, weightSpecs: specs, weightData: base.trainedWeights.slice(0, bytes) })))
      .rejects.toThrow(/adam optimizer state has \d+ tensors after iter; expected 2 per trainable weight/);
  });

  it('a binary blob whose header lies is refused', async () => {
    const blob = await nn.io.saveToBytes(await nn.loadModel(nn.io.fromMemory({ ...base.json, weightData: base.weights })));
    const lie = (offset: number, value: number) => { const b = blob.slice(); new DataView(b.buffer).setUint32(offset, value, true); return b; };
    await expect(nn.loadModel(lie(4, 9))).rejects.toThrow(/format version 9/);
    await expect(nn.loadModel(lie(8, 2 ** 32 - 1))).rejects.toThrow(/header describes/);
    await expect(nn.loadModel(lie(12, 3))).rejects.toThrow(/header describes/);
    await expect(nn.loadModel(blob.subarray(0, 10))).rejects.toThrow(/shorter than the 16-byte header/);
  });

  it('a handler whose load() throws, or returns garbage, gives a NeuriteError', async () => {
    await expect(nn.loadModel({ load: async () => { throw new TypeError('boom'); } })).rejects.toThrow(/load\(\) failed \(boom\)/);
    await expect(nn.loadModel({ load: async () => 42 })).rejects.toThrow(nn.FormatError);
    const cyclic: Json = { modelTopology: {}, weightSpecs: [] };
    cyclic.modelTopology.self = cyclic;
    await expect(nn.loadModel(nn.io.fromMemory(cyclic))).rejects.toThrow(/cannot be read as JSON/);
    await expect(nn.loadModel(nn.io.fromMemory({ ...base.json, weightData: 'not base64!' }))).rejects.toThrow(/not valid base64/);
    await expect(nn.loadModel(nn.io.fromMemory({ ...base.json, weightData: { length: 3 } }))).rejects.toThrow(/weightData must be an ArrayBuffer/);
  });

  /** File operations that record every path looked at (sized, resolved) and every path read. */
  async function watched() {
    const real = await nodeFileOps();
    const looked: string[] = [], read: string[] = [];
    const ops: FileOps = { ...real,
      readFile: (p, max) => { read.push(p); return real.readFile(p, max); },
      size: (p) => { looked.push(p); return real.size(p); },
      realpath: (p) => { looked.push(p); return real.realpath(p); } };
    return { ops, looked, read, weightsRead: () => read.filter((p) => !p.endsWith('model.json')) };
  }
  const folderWith = (name: string, json: unknown, files: Record<string, Uint8Array> = {}) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
    for (const [f, b] of Object.entries(files)) writeFileSync(join(dir, f), b);
    return dir;
  };

  it('a 1.1 MB model.json naming 300,000 weight files is refused before any file is looked at', async () => {
    const paths = Array.from({ length: 300_000 }, (_, i) => `${i}`);
    const json = { modelTopology: base.json.modelTopology, weightsManifest: [{ paths, weights: base.json.weightSpecs }] };
    expect(JSON.stringify(json).length).toBeGreaterThan(1.1e6);
    const dir = folderWith('many-paths', json);
    const w = await watched();
    await expect(nn.loadModel(nn.io.fileSystem(dir, { ops: w.ops })))
      .rejects.toThrow(new RegExp(`the weightsManifest names 300000 weight files, more than the ${LIMITS.maxPaths} allowed`));
    expect(w.looked).toEqual([]);
    // spread over many groups, and in memory, the same
    const groups = Array.from({ length: 50 }, (_, i) => ({ paths: paths.slice(100 * i, 100 * i + 100), weights: [] }));
    await expect(nn.loadModel(nn.io.fromMemory({ modelTopology: base.json.modelTopology, weightsManifest: groups })))
      .rejects.toThrow(/names 5000 weight files/);
    const specs = Array.from({ length: 60_000 }, (_, i) => ({ name: `w${i}`, shape: [1], dtype: 'float32' }));
    await expect(nn.loadModel(nn.io.fromMemory({ modelTopology: base.json.modelTopology, weightsManifest: [{ paths: [], weights: specs }, { paths: [], weights: specs }] })))
      .rejects.toThrow(new RegExp(`lists 120000 weights, more than the ${LIMITS.maxEntries} allowed`));
  });

  it('file sizes are checked before reading: sparse files count by their length, and are never read', async () => {
    const manifest = (weights: unknown[]) => ({ modelTopology: base.json.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights }] });
    // a sparse 4 GB weights file (it takes no disk space) behind a manifest that fits the model
    let dir = folderWith('sparse-weights', manifest(base.json.weightSpecs), { 'weights.bin': base.weights });
    truncateSync(join(dir, 'weights.bin'), 4 * 2 ** 30);
    let w = await watched();
    await expect(nn.loadModel(nn.io.fileSystem(dir, { ops: w.ops })))
      .rejects.toThrow(new RegExp(`the weight data has ${4 * 2 ** 30} bytes, \\d+ more than the ${base.weights.length} the manifest describes`));
    expect(w.weightsRead()).toEqual([]);
    // a manifest (and a sparse file to match) describing 256 MiB that no layer of the model uses
    const huge = [...base.json.weightSpecs, { name: 'extra/kernel', shape: [2 ** 26], dtype: 'float32' }];
    dir = folderWith('sparse-unused', manifest(huge), { 'weights.bin': base.weights });
    truncateSync(join(dir, 'weights.bin'), base.weights.length + 2 ** 28);
    w = await watched();
    await expect(nn.loadModel(nn.io.fileSystem(dir, { ops: w.ops }))).rejects.toThrow(/"extra\/kernel" that no layer uses|weight\(s\) that no layer uses: "extra\/kernel"/);
    expect(w.weightsRead()).toEqual([]);
    expect(w.looked).toEqual([]);
    // optimizer state far larger than any optimizer keeps for this model's weights
    const state = [...base.json.weightSpecs, { name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' },
      { name: 'dense/kernel/m', shape: [2 ** 25], dtype: 'float32', group: 'optimizer' }];
    dir = folderWith('sparse-state', manifest(state), { 'weights.bin': base.weights });
    truncateSync(join(dir, 'weights.bin'), base.weights.length + 4 + 2 ** 27);
    w = await watched();
    await expect(nn.loadModel(nn.io.fileSystem(dir, { ops: w.ops }))).rejects.toThrow(/the optimizer state holds 33554433 values, more than any optimizer keeps for \d+ weights/);
    expect(w.weightsRead()).toEqual([]);
    // a sparse 1 GB model.json
    dir = folderWith('sparse-json', '{}');
    truncateSync(join(dir, 'model.json'), 2 ** 30);
    await expect(nn.loadModel(`file://${dir}`)).rejects.toThrow(new RegExp(`model\\.json: is larger than the ${LIMITS.maxJsonChars} bytes allowed for model\\.json`));
  });

  it('JSON parse errors say where the text is wrong, never what it holds', async () => {
    const secret = 'password=hunter2 api_key=AKIA0000SECRET';
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => nn.loadModel(`{"modelTopology": "${secret}" x}`), /^model JSON: invalid JSON at line 1, column \d+ \(character \d+\)$/],
      [() => nn.loadModel(`file://${folderWith('secret-json', `${secret}\n`)}`), /model\.json: invalid JSON at line 1, column 1 \(character 0\)$/],
      [() => nn.loadModel(`file://${folderWith('secret-json-2', `{\n  "a": 1,\n  "b": ${secret}\n}`)}`), /invalid JSON at line 3, column 8 \(character 19\)$/],
      [() => nn.loadModel(`file://${folderWith('secret-json-3', `{"a": "${secret}`)}`), /invalid JSON \(the text ends early, at line 1, column \d+ \(character \d+\)\)$/],
      [() => nn.loadModel(nn.io.fromMemory({ ...base.json, weightData: `AAAA${secret}` })), /not valid base64 \(a character outside the base64 alphabet at offset 12\)/],
    ];
    for (const [load, message] of cases) {
      const err = await load().catch((e: Error) => e) as Error;
      expect(err).toBeInstanceOf(nn.FormatError);
      expect(err.message).toMatch(message);
      for (const part of ['hunter2', 'AKIA', 'password']) expect(err.message).not.toContain(part);
    }
  });
});
