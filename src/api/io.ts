/**
 * Model storage in TF.js style: handlers for nn.loadModel and model.save, and one-blob encodings.
 *
 * @example
 * let artifacts;
 * await model.save(nn.io.withSaveHandler(async (a) => { artifacts = a; }));
 * const copy = await nn.loadModel(nn.io.fromMemory(artifacts));
 *
 * @module
 */
export { fromMemory, readTeachableMachine } from '../io/load';
export { withSaveHandler, toArtifacts, saveToBytes, saveToJSON } from '../io/save';
export { fileSystem } from '../io/file-target';
export { http } from '../io/http-target';
export { browserIndexedDB, browserLocalStorage, browserDownloads, browserFiles } from '../io/browser-targets';
