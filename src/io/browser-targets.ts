// Browser targets, with the standard Web APIs and in the layouts TF.js uses, so that a model saved by either library
// loads in the other: indexeddb:// (database 'tensorflowjs', stores 'models_store' and 'model_info_store'),
// localstorage:// (keys 'tensorflowjs_models/<name>/…', weights base64) and downloads:// (<name>.json and
// <name>.weights.bin). nn.io.browserFiles reads downloaded files back from an <input type="file">.
import { NeuriteError, ValueError } from '../errors';
import {
  checkDataLength, concatBytes, fail, fromBase64, isObject, LIMITS, modelJson, own, parseJson, readManifestGroups, show, toBase64,
  type ModelArtifacts, type SaveResult,
} from './format';
import { artifactsInfo, markRaw, rawFromArtifacts, type IOHandler, type RawModel } from './artifacts';

function checkName(scheme: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > LIMITS.maxNameChars) {
    throw new ValueError(`${scheme} needs a model name, got ${show(name)}`);
  }
  return name;
}

const maxWeightBytes = () => 5 * 4 * LIMITS.maxParams;

// ------------------------------------------------------------------------------------------------ IndexedDB

const DB_NAME = 'tensorflowjs';
const DB_VERSION = 1;
const MODEL_STORE = 'models_store';
const INFO_STORE = 'model_info_store';

function openDb(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(MODEL_STORE)) db.createObjectStore(MODEL_STORE, { keyPath: 'modelPath' });
      if (!db.objectStoreNames.contains(INFO_STORE)) db.createObjectStore(INFO_STORE, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new NeuriteError(`cannot open IndexedDB database '${DB_NAME}': ${req.error?.message ?? 'unknown error'}`));
    req.onblocked = () => reject(new NeuriteError(`IndexedDB database '${DB_NAME}' is blocked by another open connection`));
  });
}

/**
 * A handler for a model in IndexedDB (what 'indexeddb://name' means). Both stores are written in one transaction,
 * so a save either happens completely or not at all.
 *
 * @example
 * await model.save('indexeddb://my-model', { includeOptimizer: true });
 * const copy = await nn.loadModel('indexeddb://my-model');
 */
export function browserIndexedDB(name: string, factory?: IDBFactory): IOHandler {
  const path = checkName('indexeddb://', name);
  const idb = () => {
    const f = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!f) throw new ValueError('indexeddb:// needs IndexedDB, which this environment does not have');
    return f;
  };
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const db = await openDb(idb());
      const info = artifactsInfo(a);
      try {
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction([MODEL_STORE, INFO_STORE], 'readwrite');
          tx.oncomplete = () => resolve();
          const failed = () => reject(new NeuriteError(`saving to indexeddb://${path} failed: ${tx.error?.message ?? 'the transaction was aborted'}; ` +
            'the model that was there before is unchanged'));
          tx.onerror = failed;
          tx.onabort = failed;
          try {
            tx.objectStore(INFO_STORE).put({ modelPath: path, modelArtifactsInfo: info.modelArtifactsInfo });
            tx.objectStore(MODEL_STORE).put({ modelPath: path, modelArtifacts: { ...a }, modelArtifactsInfo: info.modelArtifactsInfo });
          } catch (e) {
            try { tx.abort(); } catch { /* already finished */ }
            reject(new NeuriteError(`saving to indexeddb://${path} failed: ${(e as Error).message}`));
          }
        });
      } finally {
        db.close();
      }
      return info;
    },
    async load(): Promise<RawModel> {
      const db = await openDb(idb());
      let record: unknown;
      try {
        record = await new Promise((resolve, reject) => {
          const tx = db.transaction(MODEL_STORE, 'readonly');
          const req = tx.objectStore(MODEL_STORE).get(path);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(new NeuriteError(`reading indexeddb://${path} failed: ${req.error?.message ?? 'unknown error'}`));
        });
      } finally {
        db.close();
      }
      if (record === undefined || record === null) throw new NeuriteError(`there is no model named '${path}' in IndexedDB`);
      const artifacts = typeof record === 'object' ? (record as { modelArtifacts?: unknown }).modelArtifacts : undefined;
      return markRaw(rawFromArtifacts(artifacts, `indexeddb://${path}`));
    },
  };
}

// ------------------------------------------------------------------------------------------------ localStorage

const KEY_PARTS = ['info', 'model_topology', 'weight_specs', 'weight_data', 'model_metadata'] as const;
type KeyPart = (typeof KEY_PARTS)[number];

/**
 * A handler for a model in localStorage (what 'localstorage://name' means), under TF.js's keys. localStorage
 * cannot write several keys at once: if a write fails (the quota), the previous values are put back; `info` is
 * written last and records the sizes of the other parts, so a save cut short is detected on load.
 *
 * @example
 * await model.save('localstorage://my-model');
 * const copy = await nn.loadModel('localstorage://my-model');
 */
export function browserLocalStorage(name: string, storage?: Storage): IOHandler {
  const path = checkName('localstorage://', name);
  const keys = Object.fromEntries(KEY_PARTS.map((k) => [k, `tensorflowjs_models/${path}/${k}`])) as Record<KeyPart, string>;
  const ls = () => {
    const s = storage ?? (globalThis as { localStorage?: Storage }).localStorage;
    if (!s) throw new ValueError('localstorage:// needs localStorage, which this environment does not have');
    return s;
  };
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const s = ls();
      const info = artifactsInfo(a);
      const values: [KeyPart, string][] = [
        ['model_topology', JSON.stringify(a.modelTopology)],
        ['weight_specs', JSON.stringify(a.weightSpecs)],
        ['weight_data', toBase64(new Uint8Array(a.weightData))],
        ['model_metadata', JSON.stringify({ format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
          ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
          ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}) })],
        ['info', JSON.stringify(info.modelArtifactsInfo)],
      ];
      const before = KEY_PARTS.map((k) => [k, s.getItem(keys[k])] as const);
      try {
        for (const [k, v] of values) s.setItem(keys[k], v);
      } catch (e) {
        for (const [k] of values) { try { s.removeItem(keys[k]); } catch { /* keep restoring */ } }
        for (const [k, v] of before) { if (v !== null) { try { s.setItem(keys[k], v); } catch { /* best effort */ } } }
        throw new NeuriteError(`saving to localstorage://${path} failed (${(e as Error)?.name ?? 'error'}: ${(e as Error)?.message ?? e}; ` +
          `the quota is a likely cause: the weights need ${values[2][1].length} characters); the model that was there before is unchanged`);
      }
      return info;
    },
    async load(): Promise<RawModel> {
      const s = ls();
      const where = `localstorage://${path}`;
      const get = (k: KeyPart) => s.getItem(keys[k]);
      const infoText = get('info');
      if (infoText === null) throw new NeuriteError(`there is no model named '${path}' in localStorage`);
      const info = parseJson(infoText, `${where}/info`);
      const topology = parseJson(get('model_topology') ?? fail(where, 'model_topology is missing'), `${where}/model_topology`);
      const specs = parseJson(get('weight_specs') ?? fail(where, 'weight_specs is missing'), `${where}/weight_specs`);
      const meta = get('model_metadata');
      const metadata = meta === null ? {} : parseJson(meta, `${where}/model_metadata`);
      if (!isObject(metadata)) fail(`${where}/model_metadata`, 'must be an object');
      const weightData = fromBase64(get('weight_data') ?? fail(where, 'weight_data is missing'), `${where}/weight_data`, maxWeightBytes());
      const bytes = isObject(info) ? own(info, 'weightDataBytes') : undefined;
      if (typeof bytes === 'number' && bytes !== weightData.length) {
        fail(where, `info records ${bytes} bytes of weights but weight_data holds ${weightData.length} (an interrupted save?)`);
      }
      const m = metadata as Record<string, unknown>;
      return markRaw({ topology, weightSpecs: specs, weightData, trainingConfig: own(m, 'trainingConfig'), format: own(m, 'format') });
    },
  };
}

// ------------------------------------------------------------------------------------------------ downloads

/**
 * A handler that downloads the model as two files, `<name>.json` and `<name>.weights.bin` (what 'downloads://name'
 * means), by clicking a temporary <a download> link for each.
 *
 * @example
 * await model.save('downloads://my-model');   // my-model.json, my-model.weights.bin
 */
export function browserDownloads(name = 'model'): IOHandler {
  const base = checkName('downloads://', name);
  if (/[/\\]/.test(base)) throw new ValueError(`downloads:// takes a file name without folders, got ${show(base)}`);
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const doc = (globalThis as { document?: Document }).document;
      if (!doc || typeof URL.createObjectURL !== 'function') throw new ValueError('downloads:// needs a browser document');
      const weightsName = `${base}.weights.bin`;
      const files: [string, Blob][] = [
        [`${base}.json`, new Blob([JSON.stringify(modelJson(a, [`./${weightsName}`]))], { type: 'application/json' })],
        [weightsName, new Blob([a.weightData], { type: 'application/octet-stream' })],
      ];
      for (const [file, blob] of files) {
        const url = URL.createObjectURL(blob);
        const link = doc.createElement('a');
        link.download = file;
        link.href = url;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      }
      return artifactsInfo(a);
    },
  };
}

/**
 * A handler that loads files picked by the user (an <input type="file" multiple>): the model's .json and its
 * weights files, matched by the names in its manifest.
 *
 * @example
 * const model = await nn.loadModel(nn.io.browserFiles([...input.files]));
 */
export function browserFiles(files: ArrayLike<Blob & { name: string }>): IOHandler {
  const list = Array.from(files ?? []);
  return {
    async load(): Promise<RawModel> {
      const jsonFile = list.find((f) => f.name.endsWith('.json'));
      if (!jsonFile) throw new ValueError('browserFiles needs the model\'s .json file among the files');
      if (jsonFile.size > LIMITS.maxJsonChars) fail(jsonFile.name, 'is too large for a model.json');
      const json = parseJson(await jsonFile.text(), jsonFile.name);
      if (!isObject(json)) return fail(jsonFile.name, 'must be a JSON object');
      const groups = readManifestGroups(own(json, 'weightsManifest'), jsonFile.name);
      const weightFiles = groups.flatMap((g) => g.paths).map((p) => {
        const base = p.slice(p.lastIndexOf('/') + 1);
        return list.find((x) => x.name === base) ?? fail(jsonFile.name, `names the weights file ${show(base)}, which is not among the files`);
      });
      const raw = rawFromArtifacts({ ...json, weightData: undefined }, jsonFile.name);
      // the weights are read only once loadModel has checked the manifest and the topology, and only if the files'
      // sizes add up to exactly the bytes the manifest describes
      raw.readWeights = async (entries, bytes) => {
        const total = weightFiles.reduce((n, f) => n + f.size, 0);
        checkDataLength(entries, bytes, total, jsonFile.name);
        const parts = await Promise.all(weightFiles.map(async (f) => new Uint8Array(await f.arrayBuffer())));
        const data = concatBytes(parts);
        checkDataLength(entries, bytes, data.length, jsonFile.name);
        return data;
      };
      return markRaw(raw);
    },
  };
}
