// file:// in Node: a folder holding model.json and weights.bin, the layout tfjs-node writes.
//
// Saving is atomic: a crash, a kill or a full disk at any point leaves the folder holding either the previous model
// or the new one, complete. model.json is the commit record, and it only ever names a weights file that is complete
// and unchanged while model.json points at it:
//   1. the weights go to a fresh name, weights.<id>.bin (written, fsynced);
//   2. model.json naming weights.<id>.bin is written to a temporary file and fsynced, the folder is fsynced, and the
//      temporary file is renamed over model.json: the new model is saved (this rename is the commit point);
//   3. weights.bin becomes a hard link to (or, where links fail, a copy of) weights.<id>.bin, via a temporary name
//      and a rename (the current model.json does not name weights.bin, so this is safe);
//   4. model.json naming weights.bin replaces model.json the same way, and weights.<id>.bin is removed.
// A failure before the commit point throws and leaves the previous model; a failure after it leaves the new model
// under weights.<id>.bin, which the next save tidies up. Temporary and unreferenced weights.<id>.bin files from
// interrupted saves are removed at the start of each save. Two processes saving into one folder at the same time
// are not supported.
import { NeuriteError, ValueError } from '../errors';
import {
  checkDataLength, concatBytes, fail, isObject, LIMITS, modelJson, own, parseJsonBytes, readManifestGroups,
  readWeightSpecs, type ModelArtifacts, type SaveResult,
} from './format';
import { nodeImport } from '../worker/platform';
import { artifactsInfo, markRaw, type IOHandler, type RawModel } from './model-io';

/** The file operations a save or load needs; tests substitute failing ones. */
export interface FileOps {
  readFile(path: string): Promise<Uint8Array>;
  /** Size in bytes of a regular file (throws for anything else). */
  size(path: string): Promise<number>;
  realpath(path: string): Promise<string>;
  /** Creates or truncates `path`, writes all of `data`, fsyncs and closes it. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, created: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** fsyncs a directory, so that renames in it are durable. */
  syncDir(path: string): Promise<void>;
}

type Path = typeof import('node:path');

async function nodeModules(): Promise<{ fs: typeof import('node:fs/promises'); path: Path; platform: string }> {
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new ValueError('file:// targets need Node.js; in a browser use indexeddb://, localstorage:// or downloads://');
  }
  const [fs, path] = await Promise.all([nodeImport<typeof import('node:fs/promises')>('node:fs/promises'), nodeImport<Path>('node:path')]);
  return { fs, path, platform: process.platform };
}

/** The real file system (node:fs/promises). */
export async function nodeFileOps(): Promise<FileOps> {
  const { fs, platform } = await nodeModules();
  return {
    readFile: async (p) => new Uint8Array(await fs.readFile(p)),
    size: async (p) => {
      const s = await fs.stat(p);
      if (!s.isFile()) throw Object.assign(new Error(`${p} is not a file`), { code: 'ENOTFILE' });
      return s.size;
    },
    realpath: (p) => fs.realpath(p),
    writeFile: async (p, data) => {
      const h = await fs.open(p, 'w');
      try {
        let at = 0;
        while (at < data.length) at += (await h.write(data, at, data.length - at)).bytesWritten;
        await h.sync();
      } finally {
        await h.close();
      }
    },
    rename: (a, b) => fs.rename(a, b),
    link: (a, b) => fs.link(a, b),
    unlink: (p) => fs.unlink(p),
    mkdir: async (p) => { await fs.mkdir(p, { recursive: true }); },
    readdir: (p) => fs.readdir(p),
    syncDir: async (p) => {
      if (platform === 'win32') return; // directories cannot be opened for fsync there; renames are durable on NTFS
      const h = await fs.open(p, 'r');
      try { await h.sync(); } finally { await h.close(); }
    },
  };
}

const STAGED = /^weights\.[0-9a-f]{16}\.bin$/;
const TEMP = /^\.neurite-[0-9a-f]{16}\..*\.tmp$/;

function randomId(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The weights files the folder's current model.json names (empty if it has none or cannot be read). */
async function referenced(ops: FileOps, path: Path, dir: string): Promise<Set<string>> {
  try {
    const json = parseJsonBytes(await ops.readFile(path.join(dir, 'model.json')), 'model.json');
    if (!isObject(json)) return new Set();
    return new Set(readManifestGroups(own(json, 'weightsManifest'), 'model.json').flatMap((g) => g.paths));
  } catch {
    return new Set();
  }
}

/** Best effort: errors are ignored (what is left is unreferenced and tidied by a later save). */
async function quietly(f: () => Promise<unknown>): Promise<void> {
  try { await f(); } catch { /* see above */ }
}

function ioError(e: unknown, what: string, url: string): NeuriteError {
  const code = (e as { code?: string })?.code;
  return new NeuriteError(`saving to ${url} failed while ${what}: ${code ? `${code} ` : ''}${(e as Error)?.message ?? String(e)}; ` +
    'the model that was there before is unchanged');
}

/** Saves artifacts into `dir` atomically (see the top of this file). */
export async function saveToFolder(dir: string, a: ModelArtifacts, ops?: FileOps): Promise<SaveResult> {
  const { path } = await nodeModules();
  const io = ops ?? await nodeFileOps();
  const url = `file://${dir}`;
  const at = (name: string) => path.join(dir, name);
  const weights = new Uint8Array(a.weightData);
  const json = (file: string) => new TextEncoder().encode(JSON.stringify(modelJson(a, [file])));
  const id = randomId();
  const staged = `weights.${id}.bin`;
  const tmpJson = `.neurite-${id}.model.json.tmp`;
  let step = 'creating the folder';
  let keep = new Set<string>();
  try {
    await io.mkdir(dir);
    step = 'removing files left by interrupted saves';
    keep = await referenced(io, path, dir);
    for (const name of await io.readdir(dir)) {
      if ((STAGED.test(name) || TEMP.test(name)) && !keep.has(name)) await quietly(() => io.unlink(at(name)));
    }
    step = `writing ${staged}`;
    await io.writeFile(at(staged), weights);
    step = 'writing model.json';
    await io.writeFile(at(tmpJson), json(staged));
    step = 'syncing the folder';
    await io.syncDir(dir);
    step = 'replacing model.json';
    await io.rename(at(tmpJson), at('model.json'));
  } catch (e) {
    await quietly(() => io.unlink(at(tmpJson)));
    await quietly(() => io.unlink(at(staged)));
    throw ioError(e, step, url);
  }
  // committed: from here on, failures leave the new model complete under its staged weights name
  const tmpWeights = `.neurite-${id}.weights.bin.tmp`;
  try {
    await io.syncDir(dir);
    try {
      await io.link(at(staged), at(tmpWeights));
    } catch {
      await io.writeFile(at(tmpWeights), weights);
    }
    await io.rename(at(tmpWeights), at('weights.bin'));
    await io.syncDir(dir);
    await io.writeFile(at(tmpJson), json('weights.bin'));
    await io.rename(at(tmpJson), at('model.json'));
    await io.syncDir(dir);
    await io.unlink(at(staged));
    // staged weights the previous model.json named (an earlier save that stopped after its commit point)
    for (const name of keep) if (STAGED.test(name)) await quietly(() => io.unlink(at(name)));
    await io.syncDir(dir);
  } catch {
    await quietly(() => io.unlink(at(tmpWeights)));
    await quietly(() => io.unlink(at(tmpJson)));
  }
  return artifactsInfo(a);
}

/** Reads a model folder (or a model.json path), never outside the folder, checking sizes before reading. */
export async function loadFromFolder(target: string, ops?: FileOps): Promise<RawModel> {
  const { path } = await nodeModules();
  const io = ops ?? await nodeFileOps();
  const jsonPath = target.endsWith('.json') ? target : path.join(target, 'model.json');
  const dir = path.dirname(jsonPath);
  const where = `file://${jsonPath}`;
  let size: number;
  try {
    size = await io.size(jsonPath);
  } catch (e) {
    throw new NeuriteError(`no model at ${where}: ${(e as { code?: string }).code ?? (e as Error).message}`);
  }
  if (size > LIMITS.maxJsonChars) fail(where, `is ${size} bytes, more than the ${LIMITS.maxJsonChars} allowed for model.json`);
  const json = parseJsonBytes(await io.readFile(jsonPath), where);
  if (!isObject(json)) return fail(where, `must be a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  const groups = readManifestGroups(own(json, 'weightsManifest'), where);
  const specs = groups.flatMap((g) => g.weights);
  // the byte count to expect, with the largest caps loadModel accepts (its own maxParams is checked later)
  const { entries, bytes } = readWeightSpecs(specs, where, 2 ** 28);
  const realDir = await io.realpath(dir);
  const files: { file: string; size: number }[] = [];
  let total = 0;
  for (const g of groups) {
    for (const p of g.paths) {
      const full = path.join(dir, ...p.split('/'));
      const unreadable = (e: unknown) => fail(where, `the weights file ${JSON.stringify(p)} cannot be read (${(e as { code?: string }).code ?? (e as Error).message})`);
      let real: string;
      try {
        real = await io.realpath(full);
      } catch (e) {
        return unreadable(e);
      }
      // links are followed only within the folder
      const rel = path.relative(realDir, real);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) fail(where, `the weights file ${JSON.stringify(p)} resolves outside the model's folder`);
      let n: number;
      try {
        n = await io.size(real);
      } catch (e) {
        return unreadable(e);
      }
      files.push({ file: real, size: n });
      total += n;
      if (total > bytes) break;
    }
  }
  checkDataLength(entries, bytes, total, where);
  // groups hold their weights in order, so the concatenated files are the concatenated weight data
  const parts: Uint8Array[] = [];
  for (const f of files) {
    const b = await io.readFile(f.file);
    if (b.length !== f.size) fail(where, `${f.file} changed while it was read`);
    parts.push(b);
  }
  const weightData = parts.length === 1 ? parts[0] : concatBytes(parts);
  return markRaw({ topology: own(json, 'modelTopology'), weightSpecs: specs, weightData, trainingConfig: own(json, 'trainingConfig'), format: own(json, 'format') });
}

/**
 * A handler for a model folder in Node (what 'file://dir' means): model.json + weights.bin, saved atomically.
 *
 * @example
 * await model.save(nn.io.fileSystem('./my-model'));   // same as model.save('file://./my-model')
 * const copy = await nn.loadModel(nn.io.fileSystem('./my-model'));
 */
export function fileSystem(dir: string, options: { ops?: FileOps } = {}): IOHandler {
  if (typeof dir !== 'string' || dir.length === 0) throw new ValueError(`file:// needs a folder path, got ${JSON.stringify(dir)}`);
  return {
    save: (a) => saveToFolder(dir, a, options.ops),
    load: () => loadFromFolder(dir, options.ops),
  };
}
