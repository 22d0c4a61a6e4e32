// Saving and loading models: model ⇄ TF.js Layers artifacts, and the targets they go to (memory, one-blob
// binary or JSON, file:// in Node, indexeddb:// localstorage:// downloads:// in browsers).
import { FormatError, NeuriteError, ValueError } from '../errors';
import { LayersModel, model as graphModel, Sequential } from '../model';
import { Tensor } from '../tensor';
import type { CustomLoss } from '../losses';
import type { CustomMetric } from '../metrics';
import { optionsOf } from '../options';
import {
  checkDataLength, fail, fromBase64, isObject, LIMITS, modelJson, own, parseJson, parseJsonBytes, plainJson,
  readFinite, readManifestGroups, readWeightSpecs, show, toBase64, toBytes, writeLE,
  type JsonObject, type ModelArtifacts, type SaveResult, type WeightEntry, type WeightSpec,
} from './format';
import { browserDownloads, browserIndexedDB, browserLocalStorage } from './browser-targets';
import { fileSystem } from './file-target';
import { functionalToTfjs, topologyFromTfjs } from './functional';
import { topologyToTfjs, type BuiltTopology } from './topology';
import { compileFromTfjs, seedFrom, trainingToTfjs, type NamedValues } from './training';

export type { ModelArtifacts, SaveResult, WeightSpec } from './format';

/**
 * Options of model.save and the nn.io encoders (toArtifacts, saveToBytes, saveToJSON). A non-object or a
 * non-boolean includeOptimizer is a ValueError.
 *
 * @example
 * await model.save('file://./ckpt', { includeOptimizer: true });
 */
export interface SaveOptions {
  /**
   * Also store the training configuration (optimizer, loss, metrics), the optimizer state and the training position,
   * so that nn.loadModel returns a compiled model whose next fit continues exactly. TF.js's option name. Ignored for
   * a model that is not compiled. Default false (weights and topology only, as TF.js).
   */
  includeOptimizer?: boolean;
}

/**
 * Options of nn.loadModel; every field is optional. A bad value is a ValueError.
 *
 * @example
 * const model = await nn.loadModel('file://./my-model', { compile: false, maxParams: 2 ** 20 });
 */
export interface LoadOptions {
  /** Compile the model from the file's training configuration, when it has one (default true). */
  compile?: boolean;
  /** Seed of the loaded model (shuffling, dropout); by default the one saved with the training state, else random. */
  seed?: number;
  /** Refuse models with more weights than this (default 2^26 floats = 256 MiB; at most 2^28). */
  maxParams?: number;
  /**
   * The custom losses (nn.losses.custom) and metrics (nn.metrics.custom) a saved training configuration names,
   * keyed by their names, as TF.js and Keras take them. A file that names one not given here is a FormatError
   * naming it. Default none.
   */
  customObjects?: Record<string, CustomLoss | CustomMetric>;
}

/**
 * Where a model goes or comes from, as in TF.js: an object with save and/or load. TF.js's own handlers
 * (tf.io.*) work here too.
 *
 * @example
 * const memory: nn.IOHandler = {
 *   async save(artifacts) { stored = artifacts; return { modelArtifactsInfo: { dateSaved: new Date(),
 *     modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: 0 } }; },
 *   async load() { return stored; },
 * };
 * await model.save(memory);
 */
export interface IOHandler {
  /** Stores the artifacts; resolves to what was written (its sizes). model.save calls it. */
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  /** Resolves to ModelArtifacts (or JSON-compatible data shaped like them); nn.loadModel checks everything it gets. */
  load?(): Promise<unknown>;
}

/**
 * model.save's target: a URL ('file://dir' in Node, 'indexeddb://name', 'localstorage://name', 'downloads://name'
 * in browsers) or a handler. Another scheme is a ValueError.
 *
 * @example
 * const target: nn.SaveTarget = 'indexeddb://my-model';
 * await model.save(target);
 */
export type SaveTarget = string | IOHandler;

/**
 * nn.loadModel's source: a URL ('file://', 'indexeddb://', 'localstorage://'), a handler, a one-file binary
 * (Uint8Array/ArrayBuffer from nn.io.saveToBytes), JSON text (nn.io.saveToJSON), or artifacts.
 *
 * @example
 * const source: nn.LoadSource = await nn.io.saveToBytes(model);
 * const copy = await nn.loadModel(source);
 */
export type LoadSource = string | IOHandler | Uint8Array | ArrayBuffer | ModelArtifacts | Record<string, unknown>;

// ------------------------------------------------------------------------------------------------ model → artifacts

function checkSaveOptions(o: unknown): SaveOptions {
  if (o === undefined) return {};
  if (!isObject(o)) throw new ValueError(`save options must be an object such as { includeOptimizer: true }, got ${show(o)}`);
  if (o.includeOptimizer !== undefined && typeof o.includeOptimizer !== 'boolean') {
    throw new ValueError(`includeOptimizer must be true or false, got ${show(o.includeOptimizer)}`);
  }
  return o as SaveOptions;
}

/**
 * The model as TF.js Layers artifacts: topology, weight specs and little-endian float32 weight data (plus the
 * training configuration and optimizer state with includeOptimizer).
 *
 * @example
 * const artifacts = await nn.io.toArtifacts(model, { includeOptimizer: true });
 * artifacts.weightSpecs[0].name; // 'dense_1/kernel'
 */
export async function toArtifacts(model: LayersModel, options?: SaveOptions): Promise<ModelArtifacts> {
  if (!(model instanceof LayersModel)) throw new ValueError(`expected a model from nn.sequential or nn.model, got ${show(model)}`);
  const opts = checkSaveOptions(options);
  const weights = model.getWeights();
  const names = model.layers.flatMap((l) => l.params().map((p) => `${l.name}/${p.name}`));
  const list: NamedValues[] = weights.map((t, i) => ({ name: names[i], shape: [...t.shape], dtype: 'float32', values: t.data }));
  const training = opts.includeOptimizer ? trainingToTfjs(model) : undefined;
  if (training) list.push(...training.weights);
  const data = new Uint8Array(list.reduce((a, w) => a + 4 * w.values.length, 0));
  let at = 0;
  for (const w of list) { writeLE(data, at, w.values); at += 4 * w.values.length; }
  return {
    modelTopology: topologyOf(model),
    format: 'layers-model',
    generatedBy: 'neurite',
    convertedBy: null,
    weightSpecs: list.map((w): WeightSpec => ({ name: w.name, shape: w.shape, dtype: w.dtype, ...(w.group ? { group: w.group } : {}) })),
    weightData: data.buffer,
    ...(training ? { trainingConfig: training.trainingConfig } : {}),
  };
}

/** The TF.js topology of a model: Sequential for a chain, a functional 'Model' for any other graph. */
export function topologyOf(model: LayersModel): JsonObject {
  return model instanceof Sequential ? topologyToTfjs(model.name, model.layers) : functionalToTfjs(model.name, model.inputs, model.outputs);
}

/**
 * A model from a checked topology (see topologyFromTfjs), its weights initialized from `seed`: a Sequential for a
 * chain, a graph model otherwise. Layer errors are FormatErrors saying where.
 */
export function modelFromTopology(topo: BuiltTopology, where: string, seed?: number): LayersModel {
  const common = { ...(topo.name !== undefined ? { name: topo.name } : {}), ...(seed !== undefined ? { seed } : {}) };
  try {
    return topo.kind === 'sequential' ? new Sequential({ layers: topo.layers, ...common })
      : graphModel({ inputs: topo.inputs, outputs: topo.outputs, ...common });
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${where}: ${(e as Error).message}`);
  }
}

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** TF.js's ModelArtifactsInfo for a save result. */
export function artifactsInfo(a: ModelArtifacts): SaveResult {
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: utf8Length(JSON.stringify(a.modelTopology)),
      weightSpecsBytes: utf8Length(JSON.stringify(a.weightSpecs)),
      weightDataBytes: a.weightData.byteLength,
    },
  };
}

// ------------------------------------------------------------------------------------------------ artifacts → model

/** The parts of a model file once its bytes are in memory (from any target), still unchecked. */
export interface RawModel {
  topology: unknown;
  weightSpecs: unknown;
  weightData: Uint8Array;
  trainingConfig?: unknown;
  format?: unknown;
  /**
   * Set by targets that read the weight bytes only once everything else is checked (file://): reads exactly
   * `bytes` bytes, the length the checked manifest describes, or throws a FormatError. weightData is then empty.
   */
  readWeights?: (entries: WeightEntry[], bytes: number) => Promise<Uint8Array>;
}

/**
 * Thrown by a target whose files were replaced by a save while they were being read (file://): loadModel reads
 * them again from the start.
 */
export class ModelReplaced extends FormatError {}

/** The most optimizer state per weight any optimizer keeps (centered RMSprop: rms, momentum, mg). */
const MAX_SLOTS = 3;

/** How many times loadModel starts again when a save keeps replacing the files it reads. */
const MAX_REREADS = 100;

function maxParamsOf(o: LoadOptions): number {
  const m = o.maxParams ?? LIMITS.maxParams;
  if (typeof m !== 'number' || !Number.isSafeInteger(m) || m <= 0 || m > 2 ** 28) {
    throw new ValueError(`maxParams must be an integer in [1, 2^28], got ${show(m)}`);
  }
  return m;
}

/** The keys loadModel's options take. */
export const LOAD_OPTIONS = ['compile', 'seed', 'maxParams', 'customObjects'] as const;

function checkLoadOptions(o: unknown): LoadOptions {
  if (o === undefined) return {};
  if (!isObject(o)) throw new ValueError(`load options must be an object, got ${show(o)}`);
  optionsOf('loadModel', o, LOAD_OPTIONS);
  if (o.customObjects !== undefined && !isObject(o.customObjects)) {
    throw new ValueError(`loadModel: customObjects must be an object of custom losses and metrics by name, got ${show(o.customObjects)}`);
  }
  if (o.compile !== undefined && typeof o.compile !== 'boolean') throw new ValueError(`compile must be true or false, got ${show(o.compile)}`);
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isFinite(o.seed))) throw new ValueError(`seed must be a finite number, got ${show(o.seed)}`);
  maxParamsOf(o as LoadOptions);
  return o as LoadOptions;
}

/** What is known about a model file before its weight bytes are read. */
interface LoadPlan {
  entries: WeightEntry[];
  bytes: number;
  topo: BuiltTopology;
  /** The manifest entry of each layer weight, in the model's order. */
  weights: { entry: WeightEntry; shape: readonly number[]; variance: boolean }[];
}

/**
 * Checks everything but the weight bytes: the format, the manifest, the topology and that every manifest weight
 * has the shape its layer needs, and that the optimizer state is no larger than an optimizer can keep. Nothing is
 * allocated from the file's sizes before this passes.
 */
function planFromRaw(raw: RawModel, where: string, options: LoadOptions): LoadPlan {
  const maxParams = maxParamsOf(options);
  if (raw.format !== undefined && raw.format !== null && raw.format !== 'layers-model') {
    fail(where, `format ${show(raw.format)} is not supported; neurite loads TF.js 'layers-model' files`);
  }
  const { entries, bytes } = readWeightSpecs(raw.weightSpecs, where, maxParams);
  const topo = topologyFromTfjs(raw.topology, `${where} modelTopology`, maxParams);

  const byName = new Map(entries.filter((e) => e.group !== 'optimizer').map((e) => [e.name, e]));
  const weights: LoadPlan['weights'] = [];
  let params = 0;
  for (const layer of topo.layers) {
    for (const spec of layer.params()) {
      const name = `${layer.name}/${spec.name}`;
      const e = byName.get(name);
      if (!e) return fail(where, `the weight ${show(name)} of layer '${layer.name}' (${layer.className}) is missing from the weights manifest`);
      byName.delete(name);
      if (e.dtype !== 'float32' || e.shape.length !== spec.shape.length || e.shape.some((d, i) => d !== spec.shape[i])) {
        fail(e.where, `layer '${layer.name}' needs float32 of shape [${spec.shape.join(', ')}], the manifest has ${e.dtype} [${e.shape.join(', ')}]`);
      }
      weights.push({ entry: e, shape: spec.shape, variance: spec.name === 'moving_variance' });
      params += e.size;
    }
  }
  if (byName.size > 0) {
    fail(where, `the weights manifest has ${byName.size} weight(s) that no layer uses: ${[...byName.keys()].slice(0, 5).map(show).join(', ')}`);
  }
  // an optimizer keeps at most MAX_SLOTS values per weight, plus its step counter
  const state = entries.reduce((n, e) => n + (e.group === 'optimizer' ? e.size : 0), 0);
  if (state > MAX_SLOTS * params + 1) fail(where, `the optimizer state holds ${state} values, more than any optimizer keeps for ${params} weights`);
  return { entries, bytes, topo, weights };
}

/**
 * Builds a model from checked parts. Order matters for hostile files: sizes are checked and the layers' shapes
 * computed (planFromRaw) before any weight memory is allocated, then byte lengths are verified.
 */
export function modelFromRaw(raw: RawModel, where: string, options: LoadOptions = {}, plan = planFromRaw(raw, where, options)): LayersModel {
  const { entries, bytes, topo } = plan;
  checkDataLength(entries, bytes, raw.weightData.length, where);
  const values: Tensor[] = [];
  for (const { entry: e, shape, variance } of plan.weights) {
    const v = readFinite(raw.weightData, e);
    if (variance) {
      const neg = v.findIndex((x) => x < 0);
      if (neg >= 0) fail(e.where, `holds ${v[neg]} at index ${neg}; a variance cannot be negative`);
    }
    values.push(new Tensor(v, shape));
  }
  const seed = options.seed ?? seedFrom(raw.trainingConfig);
  const model = modelFromTopology(topo, where, seed);
  try {
    model.setWeights(values);
  } catch (e) {
    throw new FormatError(`${where}: ${(e as Error).message}`);
  }
  if (raw.trainingConfig !== undefined && raw.trainingConfig !== null && options.compile !== false) {
    compileFromTfjs(model, raw.trainingConfig, entries.filter((e) => e.group === 'optimizer'), raw.weightData, `${where} trainingConfig`,
      options.customObjects);
  }
  return model;
}

/** modelFromRaw for parts whose weights are still to be read: plans, reads exactly the planned bytes, builds. */
async function modelFromLoaded(raw: RawModel, where: string, options: LoadOptions): Promise<LayersModel> {
  if (!raw.readWeights) return modelFromRaw(raw, where, options);
  const plan = planFromRaw(raw, where, options);
  raw.weightData = await raw.readWeights(plan.entries, plan.bytes);
  return modelFromRaw(raw, where, options, plan);
}

/**
 * Reads in-memory artifacts (TF.js ModelArtifacts, or a parsed model.json with weights inline) into RawModel. The
 * JSON parts are re-read as plain checked JSON, so getters, prototypes or cycles in the object cannot leak in.
 */
export function rawFromArtifacts(a: unknown, where: string): RawModel {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return fail(where, `expected model artifacts, got ${show(a)}`);
  const obj = a as Record<string, unknown>;
  let topology: unknown, specs: unknown, manifest: unknown, trainingConfig: unknown, format: unknown, weightData: unknown;
  try {
    ({ modelTopology: topology, weightSpecs: specs, weightsManifest: manifest, trainingConfig, format, weightData } = obj);
  } catch (e) {
    return fail(where, `cannot read the artifacts (${(e as Error).message})`);
  }
  if (topology instanceof ArrayBuffer || ArrayBuffer.isView(topology)) fail(where, 'binary (graph) model topologies are not supported');
  const json = plainJson({ topology, specs, manifest, trainingConfig, format }, where) as JsonObject;
  let weightSpecs = own(json, 'specs');
  if (weightSpecs === undefined && own(json, 'manifest') !== undefined) {
    weightSpecs = readManifestGroups(own(json, 'manifest'), where).flatMap((g) => g.weights);
  }
  if (weightSpecs === undefined) fail(where, 'has no weightSpecs (or weightsManifest)');
  const bytes = typeof weightData === 'string'
    ? fromBase64(weightData, `${where} weightData`, 20 * LIMITS.maxParams)
    : weightData === undefined || weightData === null ? new Uint8Array(0) : toBytes(weightData, `${where} weightData`);
  return { topology: own(json, 'topology'), weightSpecs, weightData: bytes, trainingConfig: own(json, 'trainingConfig'), format: own(json, 'format') };
}

// ------------------------------------------------------------------------------------------------ one-blob forms

const MAGIC = [0x4e, 0x52, 0x54, 0x4d]; // 'NRTM'
const BLOB_VERSION = 1;
const HEADER = 16;

/**
 * The whole model in one self-contained Uint8Array: 'NRTM', u32 version, u32 JSON length J, u32 weight length W
 * (little-endian), then J bytes of model.json (UTF-8, weightsManifest paths []), zero padding to a multiple of 4,
 * then W bytes of weights. nn.loadModel reads it back.
 *
 * @example
 * const bytes = await nn.io.saveToBytes(model, { includeOptimizer: true });
 * const copy = await nn.loadModel(bytes);
 */
export async function saveToBytes(model: LayersModel, options?: SaveOptions): Promise<Uint8Array> {
  return artifactsToBytes(await toArtifacts(model, options));
}

export function artifactsToBytes(a: ModelArtifacts): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(modelJson(a, [])));
  const pad = (4 - (json.length % 4)) % 4;
  const weights = new Uint8Array(a.weightData);
  const out = new Uint8Array(HEADER + json.length + pad + weights.length);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, BLOB_VERSION, true);
  dv.setUint32(8, json.length, true);
  dv.setUint32(12, weights.length, true);
  out.set(json, HEADER);
  out.set(weights, HEADER + json.length + pad);
  return out;
}

const isBinaryBlob = (b: Uint8Array) => b.length >= 4 && MAGIC.every((m, i) => b[i] === m);

function rawFromBinary(b: Uint8Array, where: string): RawModel {
  if (b.length < HEADER) fail(where, `is ${b.length} bytes, shorter than the ${HEADER}-byte header`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== BLOB_VERSION) fail(where, `has format version ${version}; this neurite reads version ${BLOB_VERSION}`);
  const j = dv.getUint32(8, true);
  const w = dv.getUint32(12, true);
  const pad = (4 - (j % 4)) % 4;
  const expected = HEADER + j + pad + w;
  if (expected !== b.length) fail(where, `has ${b.length} bytes but its header describes ${expected} (JSON ${j}, weights ${w})`);
  const json = parseJsonBytes(b.subarray(HEADER, HEADER + j), `${where} model.json`);
  if (!isObject(json)) return fail(where, 'the embedded model.json must be an object');
  const specs = readManifestGroups(own(json, 'weightsManifest'), `${where} model.json`).flatMap((g) => g.weights);
  return { topology: own(json, 'modelTopology'), weightSpecs: specs, weightData: b.subarray(HEADER + j + pad),
    trainingConfig: own(json, 'trainingConfig'), format: own(json, 'format') };
}

/**
 * The whole model as one self-contained JSON string: model.json with the weights inline (`weightData`, base64).
 * nn.loadModel reads it back, and JSON.parse of it is valid TF.js artifacts apart from the weights' encoding.
 *
 * @example
 * const text = await nn.io.saveToJSON(model);
 * const copy = await nn.loadModel(text);
 */
export async function saveToJSON(model: LayersModel, options?: SaveOptions): Promise<string> {
  const a = await toArtifacts(model, options);
  return JSON.stringify({ ...modelJson(a, []), weightData: toBase64(new Uint8Array(a.weightData)) });
}

// ------------------------------------------------------------------------------------------------ memory handlers

/**
 * A load handler over artifacts in memory (TF.js's tf.io.fromMemory): `fromMemory(artifacts)` or the older
 * `fromMemory(modelTopology, weightSpecs, weightData, trainingConfig)`.
 *
 * @example
 * const model = await nn.loadModel(nn.io.fromMemory(artifacts));
 */
export function fromMemory(artifacts: unknown, weightSpecs?: unknown, weightData?: unknown, trainingConfig?: unknown): IOHandler {
  const single = weightSpecs === undefined && weightData === undefined && trainingConfig === undefined && isObject(artifacts) &&
    ['modelTopology', 'weightSpecs', 'weightsManifest', 'weightData'].some((k) => k in artifacts);
  const a = single ? artifacts : { modelTopology: artifacts, weightSpecs, weightData, trainingConfig };
  return { load: async () => a };
}

/**
 * A save handler that passes the artifacts to your function (TF.js's tf.io.withSaveHandler).
 *
 * @example
 * let saved;
 * await model.save(nn.io.withSaveHandler(async (artifacts) => { saved = artifacts; }));
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing is allowed, as in TF.js
export function withSaveHandler(fn: (artifacts: ModelArtifacts) => Promise<SaveResult | void> | SaveResult | void): IOHandler {
  if (typeof fn !== 'function') throw new ValueError(`withSaveHandler expects a function, got ${show(fn)}`);
  return { save: async (a) => (await fn(a)) ?? artifactsInfo(a) };
}

// ------------------------------------------------------------------------------------------------ routing

const SCHEMES = ['file://', 'indexeddb://', 'localstorage://', 'downloads://'];

async function handlerFor(url: string, purpose: 'save' | 'load'): Promise<IOHandler> {
  if (url.startsWith('file://')) {
    return fileSystem(url.slice('file://'.length));
  }
  if (url.startsWith('indexeddb://')) return browserIndexedDB(url.slice('indexeddb://'.length));
  if (url.startsWith('localstorage://')) return browserLocalStorage(url.slice('localstorage://'.length));
  if (url.startsWith('downloads://')) {
    if (purpose === 'load') throw new ValueError('downloads:// can only save; load the downloaded files with nn.io.browserFiles(files)');
    return browserDownloads(url.slice('downloads://'.length) || 'model');
  }
  throw new ValueError(`cannot ${purpose} ${show(url)}: use a URL starting with ${SCHEMES.join(', ')}, or an IOHandler`);
}

/** What model.save does: converts the model and hands the artifacts to the target. */
export async function saveModel(model: LayersModel, target: SaveTarget, options?: SaveOptions): Promise<SaveResult> {
  const handler = typeof target === 'string' ? await handlerFor(target, 'save') : target;
  if (!handler || typeof handler.save !== 'function') {
    throw new ValueError(`model.save expects a URL (${SCHEMES.join(', ')}) or a handler with a save method, got ${show(target)}`);
  }
  const artifacts = await toArtifacts(model, options);
  return handler.save(artifacts);
}

/** Loads from whatever a handler's load() returned. */
function rawFromLoaded(v: unknown, where: string): RawModel {
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return rawFromBytes(toBytes(v, where), where);
  if (isRawModel(v)) return v;
  return rawFromArtifacts(v, where);
}

const RAW = Symbol('raw model');
/** Marks parts a target has already read and checked (file, browser stores). */
export function markRaw(r: RawModel): RawModel {
  Object.defineProperty(r, RAW, { value: true });
  return r;
}
const isRawModel = (v: unknown): v is RawModel => typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[RAW] === true;

function rawFromBytes(b: Uint8Array, where: string): RawModel {
  if (isBinaryBlob(b)) return rawFromBinary(b, where);
  if (b.length > 0 && (b[0] === 0x7b || b[0] === 0x20 || b[0] === 0x0a || b[0] === 0xef)) return rawFromArtifacts(parseJsonBytes(b, where), where);
  return fail(where, 'is neither a neurite binary model (it does not start with NRTM) nor JSON');
}

/**
 * Loads a model saved by model.save (or by TF.js): from a URL ('file://dir' or 'file://dir/model.json' in Node;
 * 'indexeddb://name', 'localstorage://name' in browsers), an IOHandler (nn.io.fromMemory, TF.js handlers), the
 * bytes of nn.io.saveToBytes, or the text of nn.io.saveToJSON. With a training configuration in the file, the model
 * comes back compiled, with its optimizer state and training position. Anything malformed or unsupported throws a
 * FormatError saying what and where.
 *
 * @example
 * const model = await nn.loadModel('file://./my-model');
 * model.predict([[0, 1]]);
 */
export async function loadModel(source: LoadSource, options?: LoadOptions): Promise<LayersModel> {
  const opts = checkLoadOptions(options);
  let raw: RawModel;
  let where: string;
  if (typeof source === 'string') {
    const text = source.trimStart();
    if (text.startsWith('{')) {
      where = 'model JSON';
      raw = rawFromArtifacts(parseJson(text, where), where);
    } else {
      where = source.length > 200 ? `${source.slice(0, 197)}...` : source;
      const handler = await handlerFor(source, 'load');
      return loadFromHandler(() => handler.load!(), where, opts);
    }
  } else if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    where = 'model bytes';
    raw = rawFromBytes(toBytes(source, where), where);
  } else if (source && typeof source === 'object' && typeof (source as IOHandler).load === 'function') {
    where = 'the handler\'s artifacts';
    return loadFromHandler(async () => {
      try {
        return await (source as IOHandler).load!();
      } catch (e) {
        if (e instanceof NeuriteError) throw e;
        throw new FormatError(`${where}: load() failed (${(e as Error)?.message ?? String(e)})`);
      }
    }, where, opts);
  } else if (source && typeof source === 'object') {
    where = 'model artifacts';
    raw = rawFromArtifacts(source, where);
  } else {
    throw new ValueError(`loadModel expects a URL, an IOHandler, bytes, JSON text or artifacts, got ${show(source)}`);
  }
  return modelFromRaw(raw, where, opts);
}

/** Loads through a handler, starting again when its files were replaced by a save while they were read. */
async function loadFromHandler(load: () => Promise<unknown>, where: string, options: LoadOptions): Promise<LayersModel> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await modelFromLoaded(rawFromLoaded(await load(), where), where, options);
    } catch (e) {
      if (!(e instanceof ModelReplaced)) throw e;
      if (attempt >= MAX_REREADS) throw new FormatError(`${e.message}; it was replaced ${attempt} times while it was read, try again`);
    }
  }
}
