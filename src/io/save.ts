// Saving: a model's snapshot → TF.js Layers artifacts, and the forms they go to (a target by URL or handler, one
// binary blob, one JSON string). Knows the snapshot (train/state.ts), never the model class.
import { ValueError } from '../errors';
import { isSnapshottable, type ModelSnapshot, type Snapshottable } from '../train/state';
import { artifactsInfo, BLOB_VERSION, checkSaveOptions, HEADER, MAGIC, type IOHandler, type SaveOptions, type SaveTarget } from './artifacts';
import { modelJson, show, toBase64, writeLE, type JsonObject, type ModelArtifacts, type SaveResult, type WeightSpec } from './format';
import { handlerFor, SCHEMES } from './router';
import { trainingToTfjs, type NamedValues } from './training';

/**
 * The model as TF.js Layers artifacts: topology, weight specs and little-endian float32 weight data (plus the
 * training configuration and optimizer state with includeOptimizer).
 *
 * @example
 * const artifacts = await nn.io.toArtifacts(model, { includeOptimizer: true });
 * artifacts.weightSpecs[0].name; // 'dense_1/kernel'
 */
export async function toArtifacts(model: Snapshottable, options?: SaveOptions): Promise<ModelArtifacts> {
  if (!isSnapshottable(model)) throw new ValueError(`expected a model from nn.sequential or nn.model, got ${show(model)}`);
  const opts = checkSaveOptions(options);
  return snapshotToArtifacts(model.snapshot(opts.includeOptimizer === true));
}

/** A snapshot as TF.js Layers artifacts (its training part, when it has one, as trainingConfig and optimizer weights). */
export function snapshotToArtifacts(s: ModelSnapshot): ModelArtifacts {
  const list: NamedValues[] = s.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32', values: w.data }));
  const training = s.training ? trainingToTfjs(s.training, s.seed) : undefined;
  if (training) list.push(...training.weights);
  const data = new Uint8Array(list.reduce((a, w) => a + 4 * w.values.length, 0));
  let at = 0;
  for (const w of list) { writeLE(data, at, w.values); at += 4 * w.values.length; }
  return {
    modelTopology: s.topology as JsonObject,
    format: 'layers-model',
    generatedBy: 'neurite',
    convertedBy: null,
    weightSpecs: list.map((w): WeightSpec => ({ name: w.name, shape: w.shape, dtype: w.dtype, ...(w.group ? { group: w.group } : {}) })),
    weightData: data.buffer,
    ...(training ? { trainingConfig: training.trainingConfig } : {}),
  };
}

/**
 * The whole model in one self-contained Uint8Array: 'NRTM', u32 version, u32 JSON length J, u32 weight length W
 * (little-endian), then J bytes of model.json (UTF-8, weightsManifest paths []), zero padding to a multiple of 4,
 * then W bytes of weights. nn.loadModel reads it back.
 *
 * @example
 * const bytes = await nn.io.saveToBytes(model, { includeOptimizer: true });
 * const copy = await nn.loadModel(bytes);
 */
export async function saveToBytes(model: Snapshottable, options?: SaveOptions): Promise<Uint8Array> {
  return artifactsToBytes(await toArtifacts(model, options));
}

/** Artifacts as the one-blob binary that saveToBytes writes. */
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

/**
 * The whole model as one self-contained JSON string: model.json with the weights inline (`weightData`, base64).
 * nn.loadModel reads it back, and JSON.parse of it is valid TF.js artifacts apart from the weights' encoding.
 *
 * @example
 * const text = await nn.io.saveToJSON(model);
 * const copy = await nn.loadModel(text);
 */
export async function saveToJSON(model: Snapshottable, options?: SaveOptions): Promise<string> {
  const a = await toArtifacts(model, options);
  return JSON.stringify({ ...modelJson(a, []), weightData: toBase64(new Uint8Array(a.weightData)) });
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

/** What model.save does: converts the model and hands the artifacts to the target. */
export async function saveModel(model: Snapshottable, target: SaveTarget, options?: SaveOptions): Promise<SaveResult> {
  const handler = typeof target === 'string' ? await handlerFor(target, 'save') : target;
  if (!handler || typeof handler.save !== 'function') {
    throw new ValueError(`model.save expects a URL (${SCHEMES.join(', ')}) or a handler with a save method, got ${show(target)}`);
  }
  const artifacts = await toArtifacts(model, options);
  return handler.save(artifacts);
}

