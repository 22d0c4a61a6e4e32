// tf.io over neurite's handlers (nn.io): the artifacts a handler sees are TF.js's ModelArtifacts, so a handler
// written for TF.js (withSaveHandler, fromMemory) works unchanged, and artifacts move between the two libraries.
import * as nn from './nn';
import { NotProvidedError } from './tensor';

const notProvided = (name: string, instead: string) => (): never => {
  throw new NotProvidedError(`tf.io.${name} is not provided: ${instead}`);
};

// the handlers' types spelled with neurite's public names, so that the declarations need no module of src/io
type FromMemory = (artifacts: unknown, weightSpecs?: unknown, weightData?: unknown, trainingConfig?: unknown) => nn.IOHandler;
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing is allowed, as in TF.js
type SaveFn = (artifacts: nn.ModelArtifacts) => Promise<nn.SaveResult | void> | nn.SaveResult | void;
const fromMemory: FromMemory = (...args) => nn.io.fromMemory(...args);
const withSaveHandler = (fn: SaveFn): nn.IOHandler => nn.io.withSaveHandler(fn);
const browserFiles = (files: ArrayLike<Blob & { name: string }>): nn.IOHandler => nn.io.browserFiles(files);
const browserDownloads = (name?: string): nn.IOHandler => nn.io.browserDownloads(name);
const http = (url: string, options?: nn.HttpOptions): nn.IOHandler => nn.io.http(url, options);

/**
 * `tf.io`: fromMemory, withSaveHandler, browserFiles, browserDownloads, http, and URL schemes (file://,
 * http(s)://, localstorage://, indexeddb://, downloads://) wherever a model is loaded or saved.
 *
 * @example
 * let artifacts;
 * await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date() } }; }));
 * const copy = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
 */
export const io = {
  /** A load handler over artifacts in memory: `fromMemory(artifacts)` or `fromMemory(topology, weightSpecs, weightData)`. @example tf.io.fromMemory(artifacts); */
  fromMemory,
  /** As fromMemory (neurite's loading is asynchronous either way). @example tf.io.fromMemorySync(artifacts); */
  fromMemorySync: fromMemory,
  /** A save handler that gives the artifacts to your function. @example tf.io.withSaveHandler(async (a) => ({ modelArtifactsInfo: { dateSaved: new Date() } })); */
  withSaveHandler,
  /** As withSaveHandler. @example tf.io.withSaveHandlerSync((a) => ({ modelArtifactsInfo: { dateSaved: new Date() } })); */
  withSaveHandlerSync: withSaveHandler,
  /** Loads from files a user picked (model.json and its weight files). @example tf.io.browserFiles([jsonFile, weightsFile]); */
  browserFiles,
  /** Saves as downloads (model.json and model.weights.bin) in a browser. @example tf.io.browserDownloads('my-model'); */
  browserDownloads,
  /** Loads model.json and its weights over http(s), with TF.js's options (onProgress, fetchFunc, requestInit, weightPathPrefix). @example tf.io.http('https://example.com/model.json'); */
  http,
  /** As http (TF.js's older name). @example tf.io.browserHTTPRequest('https://example.com/model.json'); */
  browserHTTPRequest: http,
  /** Not provided. @example tf.io.listModels; */
  listModels: notProvided('listModels', 'neurite keeps no model registry; save to and load from a URL (localstorage://name, indexeddb://name)'),
  /** Not provided. @example tf.io.copyModel; */
  copyModel: notProvided('copyModel', 'load the model and save it under the new URL'),
  /** Not provided. @example tf.io.moveModel; */
  moveModel: notProvided('moveModel', 'load the model and save it under the new URL'),
  /** Not provided. @example tf.io.removeModel; */
  removeModel: notProvided('removeModel', 'remove the localStorage keys or the IndexedDB entry with the browser\'s own API'),
  /** Not provided. @example tf.io.registerLoadRouter; */
  registerLoadRouter: notProvided('registerLoadRouter', 'pass a handler object ({ load }) to tf.loadLayersModel'),
  /** Not provided. @example tf.io.registerSaveRouter; */
  registerSaveRouter: notProvided('registerSaveRouter', 'pass a handler object ({ save }) to model.save'),
};
