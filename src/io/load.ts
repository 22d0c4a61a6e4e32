// Loading models: TF.js Layers artifacts (from any target, a binary blob, JSON text or memory) → a checked model,
// and the one place that builds models from topologies and snapshots (nn.loadModel, fitInWorker's worker).
import { FormatError, NeuriteError, ValueError } from '../errors';
import { type LayersModel, model as graphModel, Sequential } from '../model';
import { Tensor } from '../tensor';
import type { CustomLoss } from '../losses';
import type { CustomMetric } from '../metrics';
import { optionsOf } from '../options';
import { optimizerFromSnapshot, type ModelSnapshot } from '../train/state';
import {
  BLOB_VERSION, HEADER, isRawModel, MAGIC, ModelReplaced, rawFromArtifacts, type IOHandler, type RawModel,
} from './artifacts';
import {
  checkDataLength, decodeWeightData, fail, isObject, LIMITS, own, parseJson, parseJsonBytes,
  readFinite, readManifestGroups, readWeightSpecs, show, toBytes, type ModelArtifacts, type WeightEntry,
} from './format';
import { topologyFromTfjs } from './functional';
import { readBesideModel } from './file-target';
import { checkHttpOptions, fetchJsonBytes, HTTP_OPTIONS, isHttpUrl, type HttpOptions } from './http-target';
import { handlerFor } from './router';
import type { BuiltTopology } from './topology';
import { compileFromTfjs, seedFrom } from './training';

export type { ModelArtifacts, SaveResult, WeightQuantization, WeightSpec } from './format';
export type { IOHandler, SaveOptions, SaveTarget } from './artifacts';
export type { HttpOptions } from './http-target';

/**
 * Options of nn.loadModel; every field is optional. A bad value is a ValueError.
 *
 * @example
 * const model = await nn.loadModel('file://./my-model', { compile: false, maxParams: 2 ** 20 });
 */
export interface LoadOptions extends HttpOptions {
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
 * nn.loadModel's source: a URL ('file://', 'http://', 'https://', 'indexeddb://', 'localstorage://'), a handler, a one-file binary
 * (Uint8Array/ArrayBuffer from nn.io.saveToBytes), JSON text (nn.io.saveToJSON), or artifacts.
 *
 * @example
 * const source: nn.LoadSource = await nn.io.saveToBytes(model);
 * const copy = await nn.loadModel(source);
 */
export type LoadSource = string | IOHandler | Uint8Array | ArrayBuffer | ModelArtifacts | Record<string, unknown>;

// ------------------------------------------------------------------------------------------------ model → artifacts

/**
 * A model built from a snapshot (train/state.ts): its topology, weights and seed, then compiled with its optimizer
 * state and training position when it has a training part. `where` names the source in errors (FormatError for a
 * topology that does not load).
 */
export function modelFromSnapshot(s: ModelSnapshot, where: string): LayersModel {
  const model = modelFromTopology(topologyFromTfjs(s.topology, where, 2 ** 28), where, s.seed);
  const t = s.training;
  if (t) {
    model.compile({ optimizer: optimizerFromSnapshot(t.optimizer), loss: t.losses.length === 1 ? t.losses[0] : t.losses,
      lossWeights: t.lossWeights, metrics: t.metrics });
  }
  model.restore(s);
  return model;
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

// ------------------------------------------------------------------------------------------------ artifacts → model

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
export const LOAD_OPTIONS = ['compile', 'seed', 'maxParams', 'customObjects', ...HTTP_OPTIONS] as const;

function checkLoadOptions(o: unknown): LoadOptions {
  if (o === undefined) return {};
  if (!isObject(o)) throw new ValueError(`load options must be an object, got ${show(o)}`);
  optionsOf('loadModel', o, LOAD_OPTIONS);
  checkHttpOptions(o as LoadOptions, 'loadModel');
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
  const data = decodeWeightData(entries, raw.weightData);
  const values: Tensor[] = [];
  for (const { entry: e, shape, variance } of plan.weights) {
    const v = readFinite(data, e);
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
    compileFromTfjs(model, raw.trainingConfig, entries.filter((e) => e.group === 'optimizer'), data, `${where} trainingConfig`,
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

// ------------------------------------------------------------------------------------------------ one-blob forms

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

// ------------------------------------------------------------------------------------------------ routing

/** Loads from whatever a handler's load() returned. */
function rawFromLoaded(v: unknown, where: string): RawModel {
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return rawFromBytes(toBytes(v, where), where);
  if (isRawModel(v)) return v;
  return rawFromArtifacts(v, where);
}

function rawFromBytes(b: Uint8Array, where: string): RawModel {
  if (isBinaryBlob(b)) return rawFromBinary(b, where);
  if (b.length > 0 && (b[0] === 0x7b || b[0] === 0x20 || b[0] === 0x0a || b[0] === 0xef)) return rawFromArtifacts(parseJsonBytes(b, where), where);
  return fail(where, 'is neither a neurite binary model (it does not start with NRTM) nor JSON');
}

/**
 * Loads a model saved by model.save (or by TF.js): from a URL ('file://dir' or 'file://dir/model.json' in Node;
 * 'https://host/path/model.json' or 'http://...' anywhere fetch exists, with the weights files fetched in parallel
 * from the same folder; 'indexeddb://name', 'localstorage://name' in browsers), an IOHandler (nn.io.fromMemory,
 * nn.io.http, TF.js handlers), the bytes of nn.io.saveToBytes, or the text of nn.io.saveToJSON. With a training
 * configuration in the file, the model comes back compiled, with its optimizer state and training position.
 * Anything malformed or unsupported throws a FormatError saying what and where; an HTTP status other than 2xx or a
 * network failure is a NeuriteError naming the URL and the status.
 *
 * @example
 * const model = await nn.loadModel('file://./my-model');
 * model.predict([[0, 1]]);
 * const remote = await nn.loadModel('https://example.com/models/mnist/model.json', {
 *   onProgress: (fraction) => console.log(`${Math.round(100 * fraction)}%`),
 * });
 */
export async function loadModel(source: LoadSource, options?: LoadOptions): Promise<LayersModel> {
  const opts = checkLoadOptions(options);
  const overHttp = typeof source === 'string' && isHttpUrl(source.trimStart());
  const httpOnly = HTTP_OPTIONS.filter((k) => k !== 'onProgress' && opts[k] !== undefined);
  if (httpOnly.length > 0 && !overHttp) {
    throw new ValueError(`loadModel: ${httpOnly.join(', ')} apply to http:// and https:// URLs; pass them to nn.io.http for a handler`);
  }
  const model = await loadFrom(source, opts);
  // over http the weights' download reports its own progress; other sources report once, when the model is built
  if (opts.onProgress && !overHttp) opts.onProgress(1);
  return model;
}

async function loadFrom(source: LoadSource, opts: LoadOptions): Promise<LayersModel> {
  let raw: RawModel;
  let where: string;
  if (typeof source === 'string') {
    const text = source.trimStart();
    if (text.startsWith('{')) {
      where = 'model JSON';
      raw = rawFromArtifacts(parseJson(text, where), where);
    } else {
      where = source.length > 200 ? `${source.slice(0, 197)}...` : source;
      const http: HttpOptions = {};
      for (const k of HTTP_OPTIONS) if (opts[k] !== undefined) (http as Record<string, unknown>)[k] = opts[k];
      const handler = await handlerFor(text, 'load', http);
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

// ------------------------------------------------------------------------------------------------ Teachable Machine

/**
 * What nn.io.readTeachableMachine gives: the model, the class names in the order of its outputs, and the whole
 * metadata.json as read.
 *
 * @example
 * const { model, labels }: nn.TeachableMachineModel = await nn.io.readTeachableMachine('./my_model');
 */
export interface TeachableMachineModel {
  /** The exported model (a graph model: the MobileNet base, the pooling and the head, flattened). */
  model: LayersModel;
  /** metadata.json's labels: labels[i] names output i. */
  labels: string[];
  /** metadata.json as written (tfjsVersion, tmVersion, packageName, modelName, timeStamp, imageSize, ...). */
  metadata: Record<string, unknown>;
}

/**
 * Reads an image model exported by Teachable Machine (@teachablemachine/image: model.json, weights.bin and
 * metadata.json in one folder): from a folder path or a 'file://' URL in Node, or an 'http(s)://' URL of the folder
 * or of its model.json anywhere fetch exists. The model is a Sequential of a truncated MobileNet (a functional model
 * nested inside), a pooling layer and a dense head, which neurite loads as the graph it computes; it takes images of
 * metadata.imageSize (224) pixels scaled as Teachable Machine scales them, pixel / 127 - 1. The labels must be
 * strings, as many as the model's classes; a bad or missing metadata.json is a FormatError naming it. Options are
 * nn.loadModel's (http options apply to both files).
 *
 * @example
 * const { model, labels } = await nn.io.readTeachableMachine('https://teachablemachine.withgoogle.com/models/abc/');
 * const p = model.predict(images).data;   // p[i] is the probability of labels[i]
 */
export async function readTeachableMachine(source: string, options?: LoadOptions): Promise<TeachableMachineModel> {
  if (typeof source !== 'string' || source.length === 0) throw new ValueError(`readTeachableMachine expects a folder or a URL, got ${show(source)}`);
  checkLoadOptions(options);
  let modelSource: string, metadataWhere: string, metadata: () => Promise<Uint8Array>;
  if (isHttpUrl(source)) {
    let u: URL;
    try {
      u = new URL(source);
    } catch {
      throw new ValueError(`${show(source)} is not a valid URL`);
    }
    const json = /\.json$/i.test(u.pathname) ? u : new URL(`${u.pathname.replace(/\/?$/, '/')}model.json${u.search}`, u);
    modelSource = json.href;
    metadataWhere = new URL(`metadata.json${u.search}`, json).href;
    metadata = () => fetchJsonBytes(metadataWhere, options ?? {});
  } else if (source.startsWith('file://') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    const path = source.startsWith('file://') ? source.slice('file://'.length) : source;
    const dir = /\.json$/i.test(path) ? path.slice(0, Math.max(0, path.lastIndexOf('/'))) || '.' : path;
    modelSource = `file://${dir}`;
    metadataWhere = `file://${dir}/metadata.json`;
    metadata = () => readBesideModel(dir, 'metadata.json');
  } else {
    throw new ValueError(`readTeachableMachine reads a folder, a file:// URL or an http(s):// URL, got ${show(source)}`);
  }
  const meta = parseJsonBytes(await metadata(), metadataWhere);
  if (!isObject(meta)) return fail(metadataWhere, `must be a JSON object with labels, got ${Array.isArray(meta) ? 'an array' : typeof meta}`);
  const labels = own(meta, 'labels');
  if (!Array.isArray(labels)) return fail(metadataWhere, `labels must be a list of strings (the class names), got ${show(labels)}`);
  labels.forEach((l, i) => { if (typeof l !== 'string') fail(metadataWhere, `labels[${i}] must be a string, got ${show(l)}`); });
  const model = await loadModel(modelSource, options);
  const classes = model.outputShape.at(-1);
  if (classes !== labels.length) throw new FormatError(`${metadataWhere} has ${labels.length} labels, but the model gives ${classes} classes`);
  return { model, labels: [...labels] as string[], metadata: meta };
}
