// Quantized weights as TF.js's converter writes them (--quantize_float16 / _uint8 / _uint16): the manifest entry keeps
// dtype 'float32' and adds quantization { dtype, scale, min, original_dtype }; the bytes hold halves or codes. TF.js's
// JS writer cannot quantize, so the files are written here by the converter's rules (quantization.py: affine range
// nudged so that 0 is a code, round-half-even halves), then read by neurite and by TF.js 4.22.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { decodeWeightData, halfToFloatBits, readWeightSpecs } from '../src/io/format';
import { BACKENDS, rand } from './helpers';

tf.env().set('PROD', true);

const report: Record<string, number | string> = {};

// ------------------------------------------------------------------------------------------------ references

/** The value of half-precision bits h, computed in float64 from the IEEE 754 definition. */
function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  if (e === 0) return s * m * 2 ** -24;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

/** All finite non-negative halves in increasing order (bits 0..0x7bff are increasing values). */
const POSITIVE_HALVES = Float64Array.from({ length: 0x7c00 }, (_, h) => halfValue(h));

/** float32 → half bits, round to nearest, ties to the even code (numpy's astype(float16)), by search over all halves. */
function toHalf(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  const maxHalf = POSITIVE_HALVES[0x7bff];
  if (a >= maxHalf + 2 ** 4) return sign | 0x7c00; // past the rounding boundary of 65504: infinity
  let lo = 0, hi = 0x7bff;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (POSITIVE_HALVES[mid] <= a) lo = mid; else hi = mid;
  }
  if (a >= POSITIVE_HALVES[hi]) return sign | hi;
  const dl = a - POSITIVE_HALVES[lo], dh = POSITIVE_HALVES[hi] - a;
  return sign | (dl < dh || (dl === dh && (lo & 1) === 0) ? lo : hi);
}

/** The converter's affine quantization of float32 values to uint8/uint16 codes (quantization.py's quantize_weights). */
function quantizeAffine(data: Float32Array, bits: 8 | 16): { codes: Uint8Array | Uint16Array; scale: number; min: number } {
  const qmax = bits === 8 ? 255 : 65535;
  let lo = Infinity, hi = -Infinity;
  for (const v of data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const codes = bits === 8 ? new Uint8Array(data.length) : new Uint16Array(data.length);
  if (lo === hi) return { codes, scale: 1, min: lo };
  const scale = (hi - lo) / qmax;
  let min = lo, max = hi;
  if (lo <= 0 && 0 <= hi) {
    const zero = roundHalfEven(-lo / scale);
    min = -zero * scale;
    max = qmax * scale + min;
  }
  for (let i = 0; i < data.length; i++) codes[i] = roundHalfEven((Math.min(Math.max(data[i], min), max) - min) / scale);
  return { codes, scale, min };
}

/** numpy's round: halves go to the even integer. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** TF.js 4.22's decoding of one manifest entry over `bytes` (tf.io.decodeWeights). */
function tfjsDecode(bytes: Uint8Array, spec: tf.io.WeightsManifestEntry): Float32Array {
  const t = tf.io.decodeWeights(bytes.slice().buffer, [spec])[spec.name];
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

const bitsOf = (v: Float32Array) => new Uint32Array(v.buffer, v.byteOffset, v.length);

/** neurite's decoding of one manifest entry over `bytes` (what loadModel does after its checks). */
function neuriteDecode(bytes: Uint8Array, spec: nn.WeightSpec): Float32Array {
  const { entries } = readWeightSpecs([spec], 'test', 2 ** 26);
  const out = decodeWeightData(entries, bytes);
  return new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
}

// ------------------------------------------------------------------------------------------------ value decoding

describe('decoding quantized values', () => {
  it('float16 → float32 is exact for all 65,536 bit patterns: equal to the float64 definition and to TF.js 4.22\'s bits', () => {
    const halves = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const bytes = new Uint8Array(halves.buffer);
    const spec = { name: 'all', shape: [65536], dtype: 'float32' as const, quantization: { dtype: 'float16' as const } };
    const mine = neuriteDecode(bytes, spec);
    const theirs = tfjsDecode(bytes, spec);
    let nans = 0, subnormals = 0, mismatches = 0, bitMismatches = 0;
    for (let h = 0; h < 65536; h++) {
      const ref = halfValue(h);
      if (Number.isNaN(ref)) {
        nans++;
        if (!Number.isNaN(mine[h])) mismatches++;
      } else if (!Object.is(mine[h], ref)) {
        mismatches++; // Object.is: -0 must stay -0; a float32 holding ref exactly compares equal as a double
      }
      if (((h >> 10) & 31) === 0 && (h & 1023) !== 0) subnormals++;
      if (bitsOf(mine)[h] !== halfToFloatBits(h) || bitsOf(theirs)[h] !== halfToFloatBits(h)) bitMismatches++;
    }
    expect(nans).toBe(2 * 1023);
    expect(subnormals).toBe(2 * 1023);
    expect(mismatches).toBe(0);
    expect(bitMismatches).toBe(0);
    // spot values: 1, -2, the largest half, the smallest subnormal, -0, infinity, a NaN's payload
    expect([mine[0x3c00], mine[0xc000], mine[0x7bff], mine[0x0001]]).toEqual([1, -2, 65504, 2 ** -24]);
    expect(Object.is(mine[0x8000], -0)).toBe(true);
    expect(mine[0x7c00]).toBe(Infinity);
    expect(bitsOf(mine)[0x7e01]).toBe(0x7fc02000);
    report['float16 patterns equal to float64 and TF.js'] = 65536 - mismatches - bitMismatches;
  });

  it('uint8 and uint16 codes decode as TF.js computes q·scale + min (double, rounded once to float32), bit for bit', () => {
    const r = rand(11);
    for (const bits of [8, 16] as const) {
      const data = Float32Array.from(r(4099, -0.7, 1.9));
      const { codes, scale, min } = quantizeAffine(data, bits);
      const bytes = new Uint8Array(codes.buffer);
      const spec = { name: `u${bits}`, shape: [data.length], dtype: 'float32' as const,
        quantization: { dtype: (bits === 8 ? 'uint8' : 'uint16') as 'uint8' | 'uint16', scale, min, original_dtype: 'float32' } };
      const mine = neuriteDecode(bytes, spec);
      const theirs = tfjsDecode(bytes, spec);
      expect(Array.from(bitsOf(mine))).toEqual(Array.from(bitsOf(theirs)));
      let single = 0, worst = 0;
      for (let i = 0; i < data.length; i++) {
        // the float32 nearest the exact q·scale + min (the sum in double is within an ulp of double of it)
        expect(mine[i]).toBe(Math.fround(codes[i] * scale + min));
        // float32 arithmetic throughout would give other bits for some codes
        if (Math.fround(Math.fround(codes[i] * Math.fround(scale)) + Math.fround(min)) !== mine[i]) single++;
        worst = Math.max(worst, Math.abs(mine[i] - data[i]));
      }
      // the quantizer works as the converter's: every value within half a step (and float32 rounding) of the original
      expect(worst).toBeLessThanOrEqual(scale / 2 * (1 + 1e-6) + 1e-7);
      report[`uint${bits}: codes whose float32-only arithmetic would differ`] = single;
      report[`uint${bits}: largest |dequantized - original| / scale`] = worst / scale;
    }
  });

  it('uint8 codes of an int32 weight round to the nearest integer, as TF.js does', () => {
    const codes = new Uint8Array([0, 1, 2, 3, 250]);
    const spec = { name: 'iter', shape: [5], dtype: 'int32' as const, quantization: { dtype: 'uint8' as const, scale: 0.5, min: 10.25 } };
    const { entries } = readWeightSpecs([spec], 'test', 2 ** 26);
    const out = decodeWeightData(entries, codes);
    const mine = Array.from(new Int32Array(out.buffer, out.byteOffset, 5));
    const t = tf.io.decodeWeights(codes.slice().buffer, [spec]).iter;
    expect(mine).toEqual(Array.from(t.dataSync()));
    expect(mine).toEqual([10, 11, 11, 12, 135]);
    t.dispose();
  });
});

// ------------------------------------------------------------------------------------------------ a quantized model

const INPUT = [9, 9, 3];

function buildTfjs(): tf.LayersModel {
  const x = tf.input({ shape: INPUT });
  let h = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'stem' }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6, name: 'stem_relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', name: 'dw' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: 5, activation: 'softmax', name: 'head' }).apply(h) as tf.SymbolicTensor;
  const m = tf.model({ inputs: x, outputs: y, name: 'quantized_net' });
  m.setWeights(m.getWeights().map((w, i) => {
    const v = rand(300 + i)(w.size, -0.6, 0.6);
    if (m.weights[i].name.includes('moving_variance')) for (let j = 0; j < v.length; j++) v[j] = 0.4 + Math.abs(v[j]);
    return tf.tensor(v, w.shape);
  }));
  return m;
}

/** How each weight is stored, by its name's ending; the rest stay float32. */
const SCHEME: [RegExp, 'float16' | 'uint8' | 'uint16'][] = [
  [/stem\/kernel/, 'uint8'], [/stem\/bias/, 'float16'], [/gamma/, 'uint16'], [/beta/, 'float16'],
  [/moving_mean/, 'uint8'], [/moving_variance/, 'uint16'], [/dw\/depthwise_kernel/, 'float16'], [/head\/kernel/, 'uint8'],
];

/**
 * Writes the model's weights quantized by SCHEME as the converter lays them out: one group whose bytes are cut into
 * files of `shard` bytes (odd sizes: a uint16 or half may straddle two files or sit at an odd offset).
 */
async function writeQuantized(folder: string, model: tf.LayersModel, shard: number): Promise<string[]> {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  let a: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (x) => { a = x; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const floats = new Float32Array(a!.weightData as ArrayBuffer);
  const parts: Uint8Array[] = [];
  const weights: tf.io.WeightsManifestEntry[] = [];
  let at = 0;
  for (const spec of a!.weightSpecs!) {
    const n = spec.shape.reduce((p, d) => p * d, 1);
    const data = floats.slice(at, at + n);
    at += n;
    const how = SCHEME.find(([re]) => re.test(spec.name))?.[1];
    if (how === undefined) {
      parts.push(new Uint8Array(data.buffer));
      weights.push(spec);
    } else if (how === 'float16') {
      parts.push(new Uint8Array(Uint16Array.from(data, toHalf).buffer));
      weights.push({ ...spec, quantization: { dtype: 'float16', original_dtype: 'float32' } } as tf.io.WeightsManifestEntry);
    } else {
      const { codes, scale, min } = quantizeAffine(data, how === 'uint8' ? 8 : 16);
      parts.push(new Uint8Array(codes.buffer));
      weights.push({ ...spec, quantization: { dtype: how, scale, min, original_dtype: 'float32' } } as tf.io.WeightsManifestEntry);
    }
  }
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { bytes.set(p, o); o += p.length; }
  const n = Math.ceil(bytes.length / shard);
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `group1-shard${i + 1}of${n}.bin`;
    writeFileSync(join(folder, name), bytes.subarray(i * shard, (i + 1) * shard));
    paths.push(name);
  }
  writeFileSync(join(folder, 'model.json'), JSON.stringify({ format: 'layers-model', generatedBy: a!.generatedBy,
    convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology: a!.modelTopology, weightsManifest: [{ paths, weights }] }));
  report['quantized model: bytes stored / float32 bytes'] = `${bytes.length} / ${floats.byteLength}`;
  return paths;
}

/** TF.js's own HTTP loader reading a folder on disk (fetchFunc maps the URL's path into the folder). */
function tfjsFromFolder(folder: string): Promise<tf.LayersModel> {
  const fetchFunc = async (input: RequestInfo | URL) =>
    new Response(readFileSync(join(folder, decodeURIComponent(new URL(String(input)).pathname).replace(/^\/m\//, ''))));
  return tf.loadLayersModel(tf.io.http('http://localhost/m/model.json', { fetchFunc }));
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 0, m = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / (scale || 1);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** A model's weights by name, as its saved artifacts hold them. */
const byName = async (m: nn.LayersModel) => {
  const a = await nn.io.toArtifacts(m);
  const f = new Float32Array(a.weightData);
  let at = 0;
  return new Map(a.weightSpecs.map((s) => {
    const n = s.shape.reduce((p, d) => p * d, 1);
    at += n;
    return [s.name, f.slice(at - n, at)];
  }));
};
const tfjsByName = (m: tf.LayersModel) => new Map(m.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
const sameBits = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [k, v] of a) expect(Array.from(bitsOf(v)), k).toEqual(Array.from(bitsOf(b.get(k)!)));
};

let dir = '';
let tm: tf.LayersModel;
const N = 3;
const X = rand(17)(N * INPUT.reduce((p, d) => p * d, 1), 0, 1);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'neurite-quantized-'));
  tm = buildTfjs();
});
afterAll(async () => {
  tm.dispose();
  rmSync(dir, { recursive: true, force: true });
  await nn.setBackend('wasm');
  console.log(`quantized weights: ${JSON.stringify(report, null, 1)}`);
});

describe('a model quantized as the converter writes it', () => {
  it('neurite loads the same weights as TF.js 4.22 from the same folder, bit for bit, and predicts the same on both backends', async () => {
    const folder = join(dir, 'mixed');
    const paths = await writeQuantized(folder, tm, 301);
    expect(paths.length).toBeGreaterThan(1);
    const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
    const kinds = json.weightsManifest[0].weights.map((w: { quantization?: { dtype: string } }) => w.quantization?.dtype ?? 'float32');
    expect(new Set(kinds)).toEqual(new Set(['float32', 'float16', 'uint8', 'uint16']));

    const theirs = await tfjsFromFolder(folder);
    const theirWeights = tfjsByName(theirs);
    const x = tf.tensor(X, [N, ...INPUT]);
    const theirOut = (theirs.predict(x) as tf.Tensor).dataSync() as Float32Array;
    // quantization changed the predictions (so the comparison below tests the quantized weights, not the originals)
    const original = (tm.predict(x) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelDiff(theirOut, original)).toBeGreaterThan(1e-4);
    report['quantized vs original predictions (TF.js), largest relative difference'] = maxRelDiff(theirOut, original);

    for (const backend of BACKENDS) {
      await nn.setBackend(backend);
      const model = await nn.loadModel(`file://${folder}`);
      sameBits(await byName(model), theirWeights);
      const out = (model.predict(nn.tensor(X, [N, ...INPUT])) as nn.Tensor).data;
      const d = maxRelDiff(out, theirOut);
      report[`predictions vs TF.js (${backend})`] = d;
      expect(d).toBeLessThanOrEqual(1e-5);
      // saved by neurite, the model is float32 and TF.js reads the same weights
      const out2 = join(dir, `resaved-${backend}`);
      await model.save(`file://${out2}`);
      expect(JSON.stringify(JSON.parse(readFileSync(join(out2, 'model.json'), 'utf8')).weightsManifest)).not.toContain('quantization');
      const back = await tfjsFromFolder(out2);
      sameBits(tfjsByName(back), theirWeights);
      back.dispose();
    }
    x.dispose();
    theirs.dispose();
  });

  it('quantized shards that are short or long are FormatErrors with the stored byte counts', async () => {
    const folder = join(dir, 'short');
    const paths = await writeQuantized(folder, tm, 1 << 20);
    expect(paths.length).toBe(1);
    const file = join(folder, paths[0]);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 1));
    await expect(nn.loadModel(`file://${folder}`)).rejects.toThrow(
      new RegExp(`the weight data has ${bytes.length - 1} bytes but the manifest describes ${bytes.length}: weight "[^"]+" needs bytes \\d+\\.\\.${bytes.length}`));
    writeFileSync(file, new Uint8Array([...bytes, 7]));
    await expect(nn.loadModel(`file://${folder}`)).rejects.toThrow(new RegExp(`has ${bytes.length + 1} bytes, 1 more than the ${bytes.length}`));
  });
});
