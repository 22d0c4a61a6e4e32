// file:// in Node: a folder holding model.json and the weights file it names, the layout TF.js reads.
//
// A save is atomic, and saves are serialised: a crash, a kill or a full disk at any point, or any number of saves
// at once from this process or others, leave the folder holding one complete model, never a mix. model.json is the
// commit record, and it only ever names a weights file that is complete and never changes:
//   1. saves to one folder run one at a time in a process (a queue per folder), and take the folder's lock file,
//      .neurite-save.lock, created exclusively (so one process at a time); the holder refreshes its time while it
//      saves. A lock whose process is gone (same host) or whose time is older than LOCK_STALE_MS is taken over;
//   2. the weights go to a fresh name, weights.<id>.bin (written, fsynced);
//   3. model.json naming weights.<id>.bin is written to a temporary file and fsynced, the folder is fsynced, and the
//      temporary file is renamed over model.json: the new model is saved (this rename is the commit point);
//   4. the weights files the previous model.json named (weights.bin or weights.<id>.bin) are removed.
// A failure before the commit point throws and leaves the previous model; a failure after it leaves the new model
// and at worst unreferenced files, which the next save removes (temporary files and weights.<id>.bin files that the
// current model.json does not name). Nothing is removed when the current model.json cannot be read.
//
// Loading takes no lock: it reads model.json (one complete version, thanks to the rename), then the weights files
// it names, which never change. If a save removed them in between, model.json has changed, and the load starts
// again (ModelReplaced); a file that is missing while model.json is unchanged is a FormatError naming it.
import { FormatError, NeuriteError, ValueError } from '../errors';
import {
  concatBytes, fail, isObject, LIMITS, modelJson, own, parseJsonBytes, readManifestGroups, checkDataLength,
  type ModelArtifacts, type SaveResult, type WeightEntry,
} from './format';
import { nodeImport } from '../platform';
import { artifactsInfo, markRaw, ModelReplaced, type IOHandler, type RawModel } from './artifacts';

/** The file operations a save or load needs; tests substitute failing ones. */
export interface FileOps {
  /**
   * Reads a whole regular file. Throws (code EFBIG) when it holds more than `maxBytes`, checked on the open file
   * before anything is read, and (code ENOTFILE) for anything but a regular file.
   */
  readFile(path: string, maxBytes: number): Promise<Uint8Array>;
  /** Size in bytes of a regular file (throws for anything else). Sparse files count by their length. */
  size(path: string): Promise<number>;
  realpath(path: string): Promise<string>;
  /** Creates or truncates `path`, writes all of `data`, fsyncs and closes it. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Creates `path` holding `data` only if no such file exists (throws with code EEXIST otherwise). */
  createExclusive(path: string, data: Uint8Array): Promise<void>;
  /** Last modification time, in ms since the epoch. */
  mtime(path: string): Promise<number>;
  /** Sets the modification time to now. */
  touch(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** fsyncs a directory, so that renames in it are durable. */
  syncDir(path: string): Promise<void>;
}

type Path = typeof import('node:path');

interface NodeParts { fs: typeof import('node:fs/promises'); path: Path; platform: string; host: string }
let nodeParts: NodeParts | undefined;

async function nodeModules(): Promise<NodeParts> {
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new ValueError('file:// targets need Node.js; in a browser use indexeddb://, localstorage:// or downloads://');
  }
  if (!nodeParts) {
    const [fs, path, os] = await Promise.all([nodeImport<typeof import('node:fs/promises')>('node:fs/promises'),
      nodeImport<Path>('node:path'), nodeImport<typeof import('node:os')>('node:os')]);
    nodeParts = { fs, path, platform: process.platform, host: os.hostname() };
  }
  return nodeParts;
}

const errorCode = (e: unknown): string | undefined => (e as { code?: string })?.code;
const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

/** The real file system (node:fs/promises). */
export async function nodeFileOps(): Promise<FileOps> {
  const { fs, platform } = await nodeModules();
  // O_NONBLOCK: opening a FIFO planted as model.json must not hang (regular files are unaffected)
  const READ = platform === 'win32' ? 'r' : fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;
  return {
    readFile: async (p, maxBytes) => {
      const h = await fs.open(p, READ);
      try {
        const s = await h.stat();
        if (!s.isFile()) throw coded(`${p} is not a regular file`, 'ENOTFILE');
        if (s.size > maxBytes) throw coded(`${p} holds ${s.size} bytes, more than the ${maxBytes} expected`, 'EFBIG');
        const out = new Uint8Array(s.size);
        let at = 0;
        while (at < out.length) {
          const { bytesRead } = await h.read(out, at, out.length - at, at);
          if (bytesRead === 0) throw coded(`${p} became shorter while it was read`, 'ECHANGED');
          at += bytesRead;
        }
        return out;
      } finally {
        await h.close();
      }
    },
    size: async (p) => {
      const s = await fs.stat(p);
      if (!s.isFile()) throw coded(`${p} is not a regular file`, 'ENOTFILE');
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
    createExclusive: async (p, data) => {
      const h = await fs.open(p, 'wx');
      try {
        await h.write(data, 0, data.length);
      } finally {
        await h.close();
      }
    },
    mtime: async (p) => (await fs.stat(p)).mtimeMs,
    touch: async (p) => {
      const now = new Date();
      await fs.utimes(p, now, now);
    },
    rename: (a, b) => fs.rename(a, b),
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
/** The lock file of a model folder. */
export const LOCK_FILE = '.neurite-save.lock';
/** A lock whose holder has not refreshed it for this long is taken over (holders refresh it every LOCK_BEAT_MS). */
export const LOCK_STALE_MS = 30_000;
const LOCK_BEAT_MS = 2_000;
/** How long a save waits for another save's lock by default. */
const LOCK_TIMEOUT_MS = 120_000;

function randomId(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The weights files the folder's current model.json names; `known` is false when model.json exists but cannot be
 * read or understood (then nothing may be removed).
 */
async function referenced(io: FileOps, path: Path, dir: string): Promise<{ known: boolean; files: Set<string> }> {
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(path.join(dir, 'model.json'), LIMITS.maxJsonChars);
  } catch (e) {
    return { known: errorCode(e) === 'ENOENT', files: new Set() };
  }
  try {
    const json = parseJsonBytes(bytes, 'model.json');
    if (!isObject(json)) return { known: false, files: new Set() };
    return { known: true, files: new Set(readManifestGroups(own(json, 'weightsManifest'), 'model.json').flatMap((g) => g.paths)) };
  } catch {
    return { known: false, files: new Set() };
  }
}

/** Best effort: errors are ignored (what is left is unreferenced and tidied by a later save). */
async function quietly(f: () => Promise<unknown>): Promise<void> {
  try { await f(); } catch { /* see above */ }
}

function ioError(e: unknown, what: string, url: string): NeuriteError {
  if (e instanceof NeuriteError) return e;
  const code = errorCode(e);
  return new NeuriteError(`saving to ${url} failed while ${what}: ${code ? `${code} ` : ''}${(e as Error)?.message ?? String(e)}; ` +
    'the model that was there before is unchanged');
}

// ------------------------------------------------------------------------------------------------ locking

/** Tokens of the folder locks this process holds. */
const held = new Set<string>();
/** The last save queued for each folder in this process. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `f` after every earlier call for the same key has finished (resolved or not). */
async function serialised<T>(key: string, f: () => Promise<T>): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  const mine = before.then(f, f);
  const tail = mine.catch(() => undefined);
  queues.set(key, tail);
  try {
    return await mine;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}

interface LockInfo { pid?: number; host?: string; token?: string; since?: string }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM'; // exists, but belongs to someone else
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Lock {
  /** Throws unless the lock file is still this save's (another process may have judged it stale). */
  check(): Promise<void>;
  release(): Promise<void>;
}

/** Takes the folder's lock file, waiting for another holder up to `timeout` ms and taking over stale locks. */
async function acquire(io: FileOps, path: Path, host: string, dir: string, url: string, timeout: number): Promise<Lock> {
  const file = path.join(dir, LOCK_FILE);
  const token = randomId();
  const content = new TextEncoder().encode(JSON.stringify({ pid: process.pid, host, token, since: new Date().toISOString() }));
  const start = Date.now();
  let pause = 1, takeOvers = 0;
  for (;;) {
    try {
      await io.createExclusive(file, content);
      break;
    } catch (e) {
      if (errorCode(e) !== 'EEXIST') throw e;
    }
    let bytes: Uint8Array, age: number;
    try {
      bytes = await io.readFile(file, 4096);
      age = Date.now() - await io.mtime(file);
    } catch (e) {
      if (errorCode(e) === 'ENOENT') continue; // released meanwhile
      throw e;
    }
    let info: LockInfo = {};
    try {
      const v = JSON.parse(new TextDecoder().decode(bytes));
      if (isObject(v)) info = v as LockInfo;
    } catch { /* being written, or not ours: only its age tells */ }
    const mine = info.host === host && info.pid === process.pid;
    const stale = age > LOCK_STALE_MS || (info.host === host && typeof info.pid === 'number' &&
      (mine ? !held.has(String(info.token)) : !alive(info.pid)));
    if (stale) {
      await takeOver(io, path, file, bytes);
      if (++takeOvers < 100) continue; // else something keeps the lock file in place: wait, and time out
    }
    if (Date.now() - start > timeout) {
      const who = typeof info.pid === 'number' ? `process ${info.pid} on ${info.host}${info.since ? ` since ${info.since}` : ''}` : 'another process';
      throw new NeuriteError(`saving to ${url} failed: another save (${who}) held the folder's lock ${file} for more than ` +
        `${timeout} ms; the model that was there before is unchanged (if no save is running, delete the lock file)`);
    }
    if (!stale) {
      await sleep(pause);
      pause = Math.min(50, pause * 2);
    }
  }
  held.add(token);
  const beat = setInterval(() => { io.touch(file).catch(() => undefined); }, LOCK_BEAT_MS);
  (beat as { unref?: () => void }).unref?.();
  const ours = async () => {
    try {
      return sameBytes(await io.readFile(file, 4096), content);
    } catch {
      return false;
    }
  };
  return {
    async check() {
      if (!(await ours())) throw coded(`another process took over the folder's lock ${file}, judging it stale`, 'ELOCKLOST');
    },
    async release() {
      clearInterval(beat);
      held.delete(token);
      if (await ours()) await quietly(() => io.unlink(file));
    },
  };
}

/**
 * Removes a stale lock file whose bytes were `seen`. It is first moved aside, so that when two processes take over
 * the same stale lock, the second moves only the first one's new lock, sees it is not the stale one and puts it back.
 */
async function takeOver(io: FileOps, path: Path, file: string, seen: Uint8Array): Promise<void> {
  const aside = path.join(path.dirname(file), `.neurite-${randomId()}.lock.tmp`);
  try {
    await io.rename(file, aside);
  } catch {
    return; // gone already
  }
  let moved: Uint8Array | undefined;
  try {
    moved = await io.readFile(aside, 4096);
  } catch { /* removed by a save that tidies temporary files */ }
  if (moved && !sameBytes(moved, seen)) await quietly(() => io.createExclusive(file, moved!));
  await quietly(() => io.unlink(aside));
}

// ------------------------------------------------------------------------------------------------ save

/**
 * Options of nn.io.fileSystem. A negative or non-finite lockTimeout is a ValueError.
 *
 * @example
 * await model.save(nn.io.fileSystem('./my-model', { lockTimeout: 5000 }));
 */
export interface FileSystemOptions {
  /** File operations to use instead of node:fs (tests inject failures). @internal */
  ops?: FileOps;
  /**
   * How long a save waits for another save to the same folder (another process's lock), in ms, ≥ 0; default
   * 120000. A save that waits longer rejects with a NeuriteError naming the lock file.
   */
  lockTimeout?: number;
}

/** Saves artifacts into `dir` atomically and one save at a time (see the top of this file). */
export async function saveToFolder(dir: string, a: ModelArtifacts, ops?: FileOps, options: FileSystemOptions = {}): Promise<SaveResult> {
  const { path, host } = await nodeModules();
  const io = ops ?? await nodeFileOps();
  const timeout = options.lockTimeout ?? LOCK_TIMEOUT_MS;
  return serialised(path.resolve(dir), () => saveNow(io, path, host, dir, a, timeout));
}

async function saveNow(io: FileOps, path: Path, host: string, dir: string, a: ModelArtifacts, timeout: number): Promise<SaveResult> {
  const url = `file://${dir}`;
  const at = (name: string) => path.join(dir, name);
  const weights = new Uint8Array(a.weightData);
  const id = randomId();
  const staged = `weights.${id}.bin`;
  const tmpJson = `.neurite-${id}.model.json.tmp`;
  let step = 'creating the folder';
  let lock: Lock | undefined;
  let previous = { known: false, files: new Set<string>() };
  try {
    await io.mkdir(dir);
    step = 'locking the folder';
    lock = await acquire(io, path, host, dir, url, timeout);
    step = 'reading the current model.json';
    previous = await referenced(io, path, dir);
    step = 'removing files left by interrupted saves';
    if (previous.known) {
      for (const name of await io.readdir(dir)) {
        if ((STAGED.test(name) || TEMP.test(name)) && !previous.files.has(name)) await quietly(() => io.unlink(at(name)));
      }
    }
    step = `writing ${staged}`;
    await io.writeFile(at(staged), weights);
    step = 'writing model.json';
    await io.writeFile(at(tmpJson), new TextEncoder().encode(JSON.stringify(modelJson(a, [staged]))));
    step = 'syncing the folder';
    await io.syncDir(dir);
    step = 'checking the folder\'s lock';
    await lock.check();
    step = 'replacing model.json';
    try {
      await io.rename(at(tmpJson), at('model.json'));
    } catch (e) {
      // a rename that reports an error but happened anyway (network file systems) has committed the new model
      const now = await referenced(io, path, dir);
      if (!(now.known && now.files.has(staged))) throw e;
    }
  } catch (e) {
    await quietly(() => io.unlink(at(tmpJson)));
    await quietly(() => io.unlink(at(staged)));
    await lock?.release();
    throw ioError(e, step, url);
  }
  // committed: from here on, failures leave the new model complete, and at worst files a later save removes
  await quietly(() => io.syncDir(dir));
  if (previous.known) {
    for (const name of previous.files) {
      if (name !== staged && (STAGED.test(name) || name === 'weights.bin')) await quietly(() => io.unlink(at(name)));
    }
  }
  await quietly(() => io.syncDir(dir));
  await lock.release();
  return artifactsInfo(a);
}

// ------------------------------------------------------------------------------------------------ load

/** What a file-system error means, for a message (never the raw error). */
function problem(e: unknown): string {
  const code = errorCode(e);
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  if (code === 'ENOTFILE' || code === 'EISDIR') return 'is not a regular file';
  if (code === 'EFBIG' || code === 'ECHANGED') return `changed while it was read`;
  return `cannot be read (${code ?? (e as Error)?.message ?? String(e)})`;
}

/**
 * Reads a model folder (or a model.json path), never outside the folder. model.json is read whole (at most
 * LIMITS.maxJsonChars bytes, checked before reading); the weights only later, through readWeights, once loadModel
 * has checked the manifest and the topology, and only if the files' sizes add up to exactly what they describe.
 */
export async function loadFromFolder(target: string, ops?: FileOps): Promise<RawModel> {
  const { path } = await nodeModules();
  const io = ops ?? await nodeFileOps();
  const jsonPath = target.endsWith('.json') ? target : path.join(target, 'model.json');
  const dir = path.dirname(jsonPath);
  const where = `file://${jsonPath}`;
  let text: Uint8Array;
  try {
    text = await io.readFile(jsonPath, LIMITS.maxJsonChars);
  } catch (e) {
    if (errorCode(e) === 'EFBIG') fail(where, `is larger than the ${LIMITS.maxJsonChars} bytes allowed for model.json`);
    const code = errorCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FormatError(`no model at ${where} (the file does not exist)`);
    throw new FormatError(`${where}: ${problem(e)}`);
  }
  const json = parseJsonBytes(text, where);
  if (!isObject(json)) return fail(where, `must be a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  const groups = readManifestGroups(own(json, 'weightsManifest'), where);
  const specs = groups.flatMap((g) => g.weights);

  /** True when model.json is no longer the file read above (a save replaced it). */
  const replaced = async () => {
    try {
      return !sameBytes(await io.readFile(jsonPath, LIMITS.maxJsonChars), text);
    } catch {
      return true;
    }
  };
  const unreadable = async (p: string, e: unknown): Promise<never> => {
    if (await replaced()) throw new ModelReplaced(`${where} was replaced by a save while it was read`);
    return fail(where, `the weights file ${JSON.stringify(p)} ${problem(e)}`);
  };

  const readWeights = async (entries: WeightEntry[], bytes: number): Promise<Uint8Array> => {
    let realDir: string;
    try {
      realDir = await io.realpath(dir);
    } catch (e) {
      return fail(where, `the model's folder ${problem(e)}`);
    }
    const files: { name: string; file: string; size: number }[] = [];
    let total = 0;
    walk: for (const g of groups) {
      for (const p of g.paths) {
        const full = path.join(dir, ...p.split('/'));
        let real: string;
        try {
          real = await io.realpath(full);
        } catch (e) {
          return unreadable(p, e);
        }
        // links are followed only within the folder
        const rel = path.relative(realDir, real);
        if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) fail(where, `the weights file ${JSON.stringify(p)} resolves outside the model's folder`);
        let n: number;
        try {
          n = await io.size(real);
        } catch (e) {
          return unreadable(p, e);
        }
        files.push({ name: p, file: real, size: n });
        total += n;
        if (total > bytes) break walk; // more than described: refused below without looking further
      }
    }
    if (total !== bytes) {
      if (await replaced()) throw new ModelReplaced(`${where} was replaced by a save while it was read`);
      checkDataLength(entries, bytes, total, where);
    }
    // groups hold their weights in order, so the concatenated files are the concatenated weight data
    const parts: Uint8Array[] = [];
    for (const f of files) {
      let b: Uint8Array;
      try {
        b = await io.readFile(f.file, f.size);
      } catch (e) {
        return unreadable(f.name, e);
      }
      if (b.length !== f.size) await unreadable(f.name, coded('', 'ECHANGED'));
      parts.push(b);
    }
    return parts.length === 1 ? parts[0] : concatBytes(parts);
  };
  return markRaw({ topology: own(json, 'modelTopology'), weightSpecs: specs, weightData: new Uint8Array(0), readWeights,
    trainingConfig: own(json, 'trainingConfig'), format: own(json, 'format') });
}

/**
 * A small file beside a folder's model.json (Teachable Machine's metadata.json), read whole up to
 * LIMITS.maxJsonChars bytes; a missing or unreadable file is a FormatError naming it.
 */
export async function readBesideModel(dir: string, name: string, ops?: FileOps): Promise<Uint8Array> {
  const { path } = await nodeModules();
  const io = ops ?? await nodeFileOps();
  const file = path.join(dir, name);
  try {
    return await io.readFile(file, LIMITS.maxJsonChars);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FormatError(`no ${name} beside file://${path.join(dir, 'model.json')} (the file does not exist)`);
    if (code === 'EFBIG') fail(`file://${file}`, `is larger than the ${LIMITS.maxJsonChars} bytes allowed`);
    throw new FormatError(`file://${file}: ${problem(e)}`);
  }
}

/**
 * A handler for a model folder in Node (what 'file://dir' means): model.json and the weights file it names. Saves
 * are atomic and one at a time, also across processes (a lock file); loads never see a mix of two saves.
 *
 * @example
 * await model.save(nn.io.fileSystem('./my-model'));   // same as model.save('file://./my-model')
 * const copy = await nn.loadModel(nn.io.fileSystem('./my-model'));
 */
export function fileSystem(dir: string, options: FileSystemOptions = {}): IOHandler {
  if (typeof dir !== 'string' || dir.length === 0) throw new ValueError(`file:// needs a folder path, got ${JSON.stringify(dir)}`);
  if (options === null || typeof options !== 'object') throw new ValueError(`fileSystem options must be an object, got ${String(options)}`);
  const t = options.lockTimeout;
  if (t !== undefined && (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t))) {
    throw new ValueError(`lockTimeout must be a number of milliseconds ≥ 0, got ${String(t)}`);
  }
  return {
    save: (a) => saveToFolder(dir, a, options.ops, options),
    load: () => loadFromFolder(dir, options.ops),
  };
}
