// What a model file is between a target and the codec: TF.js's IOHandler and the options of save, the checked-later
// parts a target hands over (RawModel), and the one-blob binary's header. Targets (file, browser stores) and both
// directions of the codec import this file; it imports neither.
import {
  fail, fromBase64, isObject, LIMITS, own, plainJson, readManifestGroups, show, toBytes, type JsonObject, type ModelArtifacts,
  type SaveResult, type WeightEntry,
} from './format';
import { FormatError, ValueError } from '../errors';

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

/** save's options, checked: an object whose includeOptimizer is a boolean (ValueError otherwise). */
export function checkSaveOptions(o: unknown): SaveOptions {
  if (o === undefined) return {};
  if (!isObject(o)) throw new ValueError(`save options must be an object such as { includeOptimizer: true }, got ${show(o)}`);
  if (o.includeOptimizer !== undefined && typeof o.includeOptimizer !== 'boolean') {
    throw new ValueError(`includeOptimizer must be true or false, got ${show(o.includeOptimizer)}`);
  }
  return o as SaveOptions;
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

export const MAGIC = [0x4e, 0x52, 0x54, 0x4d]; // 'NRTM'
export const BLOB_VERSION = 1;
export const HEADER = 16;

const RAW = Symbol('raw model');
/** Marks parts a target has already read and checked (file, browser stores). */
export function markRaw(r: RawModel): RawModel {
  Object.defineProperty(r, RAW, { value: true });
  return r;
}
export const isRawModel = (v: unknown): v is RawModel => typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[RAW] === true;


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

