// Seeded fuzzing of model loading: valid files (neurite's own with optimizer state, a TF.js-style one, a CNN) are
// mutated thousands of ways (JSON structure, JSON text, weight bytes, binary-blob headers, files and paths) and
// loaded through every form. Every outcome must be a NeuriteError, or a model that predicts numbers of the right
// shape, finite whenever the loaded weights are small enough that float32 cannot overflow (see `mayOverflow`).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index';
import { jsonErrorOffset } from '../src/io/format';
import { mulberry32 } from './helpers';

type Json = any;

/** The fuzzer's only source of randomness: a seeded mulberry32 stream. */
function prng(seed: number) {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

interface Base { name: string; json: Json; weights: Uint8Array }
let bases: Base[] = [];
let root = '';

const HOSTILE_VALUES: unknown[] = [
  null, true, false, 0, -1, 1, 2, 0.5, -0.5, 3, 7, 1e9, -1e9, 1e300, -1e300, 2 ** 31, 2 ** 53, 2 ** 64, 1e-300,
  '', 'x', '__proto__', 'constructor', 'prototype', '../weights.bin', '/etc/passwd', 'C:\\weights.bin', 'a/../../b',
  'relu', 'leaky_relu', 'softmax', 'selu', 'linear', 'Dense', 'Conv2D', 'LeakyReLU', 'Lambda', 'InputLayer', 'float16',
  'int32', 'optimizer', 'same', 'valid', 'channels_first', 'Adam', 'SGD', 'Adamax', 'mean_squared_error', 'x'.repeat(3000),
  [], [null], [1], [-1], [0.5], [1e9, 1e9], [null, 4], [null, 1e9], [2, 2, 2, 2, 2, 2, 2, 2, 2, 2], {}, { class_name: 'L1L2', config: { l1: 1 } },
  { class_name: 'VarianceScaling', config: { scale: 9 } }, { class_name: 'MaxNorm', config: {} }, [[[[[[]]]]]],
];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'units', 'class_name', 'config', 'kernel_constraint',
  'activity_regularizer', 'trainable', 'dtype', 'group', 'quantization', 'neurite', 'model_config', 'batch_input_shape', 'extra'];

/** Every [container, key] in a JSON value, to pick a node to mutate. */
function slots(v: Json, out: [Json, string | number][] = []): [Json, string | number][] {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); slots(x, out); });
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) { out.push([v, k]); slots(v[k], out); }
  return out;
}

function mutateJson(j: Json, r: Rng): void {
  const all = slots(j);
  if (all.length === 0) return;
  const [parent, key] = r.pick(all);
  const value = parent[key];
  switch (r.int(9)) {
    case 0: if (Array.isArray(parent)) parent.splice(key as number, 1); else delete parent[key]; break;
    case 1: parent[key] = structuredClone(r.pick(HOSTILE_VALUES)); break;
    case 2: if (typeof value === 'number') parent[key] = r.pick([-value, value + 1, value - 1, value * 1e9, value / 3, 0, -0]); else parent[key] = r.pick(HOSTILE_VALUES); break;
    case 3: if (Array.isArray(value) && value.length) value.push(structuredClone(value[r.int(value.length)])); else parent[key] = [value]; break;
    case 4: if (Array.isArray(value) && value.length > 1) { const a = r.int(value.length), b = r.int(value.length); [value[a], value[b]] = [value[b], value[a]]; } break;
    case 5: if (value && typeof value === 'object' && !Array.isArray(value)) value[r.pick(HOSTILE_KEYS)] = structuredClone(r.pick(HOSTILE_VALUES)); break;
    case 6: if (typeof value === 'string') parent[key] = r.pick([value.toUpperCase(), `${value}_`, value.slice(1), value.replace(/_/g, ''), `${value}/../x`]); break;
    case 7: if (Array.isArray(parent)) parent.splice(r.int(parent.length + 1), 0, structuredClone(r.pick(all)[0])); break;
    default: parent[key] = { class_name: r.pick(['Dense', 'Zeros', 'L1L2', 'Adam']), config: structuredClone(value) }; break;
  }
}

function mutateText(t: string, r: Rng): string {
  const at = r.int(t.length + 1);
  switch (r.int(7)) {
    case 0: return t.slice(0, at) + t.slice(at + 1 + r.int(20));
    case 1: return t.slice(0, at) + r.pick(['{', '}', '[', ']', '"', ',', ':', '-', '1e999', 'null', '"__proto__":{}', '\\u0000', '\uffff']) + t.slice(at);
    case 2: return t.slice(0, at);
    case 3: { const b = r.int(t.length); return t.slice(0, at) + t.slice(b, b + 50) + t.slice(at); }
    case 4: return t.replace(/\d/g, (d) => (r.next() < 0.05 ? String(r.int(10)) : d));
    case 5: return t.slice(0, at) + String.fromCharCode(r.int(128)) + t.slice(at + 1);
    default: return t.replace(/"(units|filters|kernel_size|shape|pool_size|rate|epsilon)":/, (m) => `${m}${r.pick(['-', '1e9*', '0.', ''])}`);
  }
}

function mutateBytes(b: Uint8Array, r: Rng, header = false): Uint8Array {
  const out = b.slice();
  switch (r.int(header ? 7 : 6)) {
    case 0: return out.subarray(0, r.int(out.length));
    case 1: { const longer = new Uint8Array(out.length + 1 + r.int(64)); longer.set(out); return longer; }
    case 2: for (let i = 0, n = 1 + r.int(8); i < n && out.length; i++) out[r.int(out.length)] ^= 1 << r.int(8); return out;
    case 3: if (out.length >= 4) new DataView(out.buffer).setFloat32(4 * r.int(out.length >> 2), r.pick([NaN, Infinity, -Infinity, 3e38, -1e20, 1e-40]), true); return out;
    case 4: for (let i = 0; i < out.length; i++) if (r.next() < 0.01) out[i] = r.int(256); return out;
    case 5: return out.subarray(r.int(Math.min(8, out.length)));
    default: if (out.length >= 16) new DataView(out.buffer).setUint32(4 * r.int(4), r.pick([0, 1, 2, 3, 7, 2 ** 31, 2 ** 32 - 1, out.length]), true); return out;
  }
}

/** The loaded model's weights are so large (or a batch-norm epsilon so small) that float32 overflow is possible. */
function mayOverflow(m: nn.LayersModel): boolean {
  let max = 0;
  for (const w of m.getWeights()) for (const v of w.data) max = Math.max(max, Math.abs(v));
  return max > 1e4 || m.layers.some((l) => l instanceof nn.BatchNormalization && l.epsilon < 1e-6);
}

const stats = { cases: 0, refused: 0, loaded: 0, overflowed: 0, messages: new Set<string>(), failures: [] as string[] };

async function check(label: string, load: () => Promise<nn.LayersModel>): Promise<void> {
  stats.cases++;
  let m: nn.LayersModel;
  try {
    m = await load();
  } catch (e) {
    if (e instanceof nn.NeuriteError) {
      stats.refused++;
      stats.messages.add((e as Error).message.replace(/\d+/g, '#').replace(/"[^"]*"/g, '"…"').slice(0, 100));
    } else {
      stats.failures.push(`${label}: ${(e as Error)?.constructor?.name} ${(e as Error)?.message ?? e}`);
    }
    return;
  }
  stats.loaded++;
  try {
    const xs = m.inputs.map((t) => {
      const n = t.shape.reduce((a, b) => a * b, 1);
      return nn.tensor(Float32Array.from({ length: 2 * n }, (_, i) => Math.sin(i * 1.7)), [2, ...t.shape]);
    });
    const out = m.predict(xs.length === 1 ? xs[0] : xs);
    const ys = Array.isArray(out) ? out : [out];
    expect(ys.map((y) => y.shape)).toEqual(m.outputs.map((t) => [2, ...t.shape]));
    if (!ys.every((y) => y.data.every(Number.isFinite))) {
      if (mayOverflow(m)) stats.overflowed++;
      else stats.failures.push(`${label}: predicted non-finite numbers with small weights`);
    }
  } catch (e) {
    stats.failures.push(`${label}: loaded, but predict threw ${(e as Error)?.constructor?.name} ${(e as Error)?.message}`);
  }
}

beforeAll(async () => {
  await nn.setBackend('wasm');
  root = mkdtempSync(join(tmpdir(), 'neurite-fuzz-'));
  const r = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.37));
  const mlp = nn.sequential({ seed: 1, layers: [
    nn.layers.dense({ units: 6, activation: 'leakyRelu', alpha: 0.2, inputShape: [4], kernelRegularizer: nn.regularizers.l2({ l2: 0.01 }) }),
    nn.layers.dense({ units: 5, activation: 'tanh' }),
    nn.layers.activation({ activation: 'relu' }),
    nn.layers.dense({ units: 3, activation: 'softmax' })] });
  mlp.compile({ optimizer: nn.optimizers.adam({ learningRate: nn.schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 5 }) }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await mlp.fit(nn.tensor(r(24), [6, 4]), nn.tensor([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1], [6, 3]), { epochs: 1, batchSize: 3 });
  const cnn = nn.sequential({ seed: 2, layers: [
    nn.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [5, 5, 1] }),
    nn.layers.batchNormalization(),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.dropout({ rate: 0.5 }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 2, activation: 'sigmoid' })] });
  cnn.compile({ optimizer: nn.optimizers.momentum({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
  await cnn.fit(nn.tensor(r(100), [4, 5, 5, 1]), nn.tensor([1, 0, 0, 1, 1, 1, 0, 0], [4, 2]), { epochs: 1, batchSize: 2 });
  // a graph: two inputs, a shared dense layer, a residual add, a concatenation, two outputs
  const a = nn.input({ shape: [4], name: 'a' });
  const b = nn.input({ shape: [4], name: 'b' });
  const shared = nn.layers.dense({ units: 4, activation: 'tanh', name: 'shared' });
  const sa = shared.apply(a);
  const sb = shared.apply(b);
  const res = nn.layers.add({ name: 'res' }).apply([sa, a]);
  const cat = nn.layers.concatenate({ name: 'cat' }).apply([res, sb]);
  const out1 = nn.layers.dense({ units: 3, activation: 'softmax', name: 'out1' }).apply(cat);
  const out2 = nn.layers.dense({ units: 1, activation: 'leakyRelu', name: 'out2' }).apply(shared.apply(res));
  const graph = nn.model({ inputs: [a, b], outputs: [out1, out2], seed: 5 });
  graph.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'meanSquaredError'], lossWeights: [1, 0.5] });
  await graph.fit([nn.tensor(r(12), [3, 4]), nn.tensor(r(12).reverse(), [3, 4])],
    [nn.tensor([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3]), nn.tensor([0.5, -1, 2], [3, 1])], { epochs: 1, batchSize: 2 });
  const asBase = async (name: string, m: nn.LayersModel, includeOptimizer: boolean, tfjsStyle = false): Promise<Base> => {
    const a = await nn.io.toArtifacts(m, { includeOptimizer });
    const json: Json = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: null,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }], trainingConfig: a.trainingConfig };
    if (tfjsStyle) {
      // what TF.js writes: every option spelled out, no neurite block
      for (const l of json.modelTopology.config.layers) {
        if (l.class_name === 'Dense') Object.assign(l.config, { bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null });
      }
      delete json.trainingConfig.neurite;
    }
    return { name, json, weights: new Uint8Array(a.weightData) };
  };
  bases = [await asBase('mlp+adam', mlp, true), await asBase('cnn+momentum', cnn, true), await asBase('tfjs-style mlp', mlp, true, true),
    await asBase('plain cnn', cnn, false), await asBase('graph+adam', graph, true)];
  for (const b of bases) await expect(nn.loadModel(nn.io.fromMemory({ ...b.json, weightData: b.weights }))).resolves.toBeInstanceOf(nn.LayersModel);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const blobOf = (json: Json, weights: Uint8Array) => {
  const text = new TextEncoder().encode(JSON.stringify({ ...json, weightsManifest: json.weightsManifest?.map?.((g: Json) => (g && typeof g === 'object' ? { ...g, paths: [] } : g)) ?? json.weightsManifest }));
  const pad = (4 - (text.length % 4)) % 4;
  const out = new Uint8Array(16 + text.length + pad + weights.length);
  out.set([0x4e, 0x52, 0x54, 0x4d]);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, 1, true); dv.setUint32(8, text.length, true); dv.setUint32(12, weights.length, true);
  out.set(text, 16);
  out.set(weights, 16 + text.length + pad);
  return out;
};

describe('fuzzing the loader', () => {
  it('thousands of mutated files: every outcome is a NeuriteError or a model that predicts', async () => {
    const CASES = 6000;
    const r = prng(20240611);
    for (let c = 0; c < CASES; c++) {
      const base = bases[c % bases.length];
      const json = structuredClone(base.json);
      let weights = base.weights;
      const form = r.int(4);
      const edits = 1 + r.int(3);
      const label = `case ${c} (${base.name}, form ${form})`;
      if (form === 0) {
        // structure, then artifacts in memory with the manifest's weights
        for (let i = 0; i < edits; i++) mutateJson(json, r);
        if (r.next() < 0.3) weights = mutateBytes(weights, r);
        await check(label, () => nn.loadModel(nn.io.fromMemory({ ...json, weightData: weights })));
      } else if (form === 1) {
        // JSON text with the weights inline
        let text = JSON.stringify({ ...json, weightData: Buffer.from(r.next() < 0.3 ? mutateBytes(weights, r) : weights).toString('base64') });
        for (let i = 0; i < edits; i++) text = mutateText(text, r);
        await check(label, () => nn.loadModel(text));
      } else if (form === 2) {
        // the one-file binary: structure, header or bytes
        if (r.next() < 0.5) mutateJson(json, r);
        let blob: Uint8Array = blobOf(json, weights);
        if (r.next() < 0.7) blob = mutateBytes(blob, r, true);
        await check(label, () => nn.loadModel(blob));
      } else {
        // weights only: bit flips, NaN/Inf, truncation and extension
        for (let i = 0; i < edits; i++) weights = mutateBytes(weights, r);
        await check(label, () => nn.loadModel(nn.io.fromMemory({ ...json, weightData: weights })));
      }
    }
    // a few hundred through real folders: model.json text, paths and weights.bin
    const FILES = 300;
    for (let c = 0; c < FILES; c++) {
      const base = bases[c % bases.length];
      const dir = join(root, `f${c % 8}`);
      mkdirSync(dir, { recursive: true });
      const json = structuredClone(base.json);
      if (r.next() < 0.3) json.weightsManifest[0].paths = [r.pick(['../weights.bin', '/etc/passwd', 'weights.bin', './weights.bin', 'sub/../weights.bin', 'missing.bin', 'C:\\w.bin', ''])];
      let text = JSON.stringify(json);
      if (r.next() < 0.5) text = mutateText(text, r);
      else { mutateJson(json, r); text = JSON.stringify(json); }
      writeFileSync(join(dir, 'model.json'), text);
      writeFileSync(join(dir, 'weights.bin'), r.next() < 0.5 ? mutateBytes(base.weights, r) : base.weights);
      await check(`file case ${c} (${base.name})`, () => nn.loadModel(`file://${dir}`));
    }

    console.log(`fuzz: ${stats.cases} cases (${CASES} in memory, ${FILES} through files): ${stats.refused} refused with a NeuriteError ` +
      `(${stats.messages.size} distinct messages), ${stats.loaded} loaded and predicted (${stats.overflowed} of them with weights large ` +
      `enough to overflow float32, predicting non-finite numbers)`);
    expect(stats.failures.slice(0, 10)).toEqual([]);
    expect(stats.cases).toBe(CASES + FILES);
    expect(stats.refused).toBeGreaterThan(stats.cases / 3);
    expect(stats.loaded).toBeGreaterThan(stats.cases / 20);
    expect(stats.messages.size).toBeGreaterThan(100);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('JSON syntax errors: the locator agrees with JSON.parse on mutated texts, and messages never quote the text', async () => {
    const r = prng(77);
    const texts = bases.map((b) => JSON.stringify(b.json));
    let invalid = 0;
    for (let c = 0; c < 3000; c++) {
      let t = r.pick(texts).slice(0, 3000);
      if (c % 2 === 1) t = JSON.stringify(JSON.parse(JSON.stringify(bases[c % bases.length].json.weightsManifest)));
      for (let i = 1 + r.int(3); i > 0; i--) t = mutateText(t, r);
      let valid = true;
      try { JSON.parse(t); } catch { valid = false; }
      const at = jsonErrorOffset(t);
      expect(at === -1, `case ${c}: ${JSON.stringify(t.slice(Math.max(0, at - 20), at + 20))}`).toBe(valid);
      if (valid) continue;
      invalid++;
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThanOrEqual(t.length);
      if (c < 300) {
        // the engine's own message quotes the start of the text; neurite's must not
        const marked = `{"__marker_${c}": ${t}`;
        const err = await nn.loadModel(marked).catch((e: Error) => e) as Error;
        expect(err).toBeInstanceOf(nn.FormatError);
        expect(err.message).not.toContain(`__marker_${c}`);
      }
    }
    expect(invalid).toBeGreaterThan(1000);
  });
});
