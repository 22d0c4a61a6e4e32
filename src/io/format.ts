// The TF.js Layers format, the parts that do not depend on layers: artifacts, hostile-input-safe JSON, the weights
// manifest and the little-endian weight bytes. Everything read from outside is checked here before anything is
// allocated from it: sizes are bounded, byte lengths are verified against the manifest, keys that could reach an
// object's prototype are refused.
import { FormatError } from '../errors';

/**
 * What TF.js calls ModelArtifacts: one model in memory, as save handlers receive it and load handlers return it.
 *
 * @example
 * const a: nn.ModelArtifacts = await nn.io.toArtifacts(model);
 * a.weightSpecs.map((s) => s.shape);   // [[2, 16], [16], [16, 1], [1]]
 */
export interface ModelArtifacts {
  /** Keras-style `{ class_name: 'Sequential', config: { name, layers }, keras_version, backend }`. */
  modelTopology: Record<string, unknown>;
  /** One entry per tensor in weightData, in order. */
  weightSpecs: WeightSpec[];
  /** The tensors' values, little-endian, concatenated in weightSpecs order. */
  weightData: ArrayBuffer;
  /** The file format, 'layers-model' when neurite writes it. */
  format?: string;
  /** What wrote the file, e.g. 'neurite' or 'TensorFlow.js tfjs-layers v4.22.0'. */
  generatedBy?: string;
  /** The converter that made the file from another format (TF.js's field), or null. */
  convertedBy?: string | null;
  /** Loss, metrics and optimizer (TF.js fields), plus neurite's exact training position under `neurite`. */
  trainingConfig?: Record<string, unknown>;
  /** Any JSON the writer attached (TF.js's field); kept as read. */
  userDefinedMetadata?: Record<string, unknown>;
}

/**
 * One tensor of a weights manifest. Optimizer state carries `group: 'optimizer'`.
 *
 * @example
 * const spec: nn.WeightSpec = { name: 'dense_1/kernel', shape: [784, 128], dtype: 'float32' };
 */
export interface WeightSpec {
  /** `layer/param` ('dense_1/kernel'), or `layer/param/slot` for optimizer state. */
  name: string;
  /** The tensor's shape; its values take 4 bytes each in weightData. */
  shape: number[];
  /** 'float32' for weights and state, 'int32' for counters such as the optimizer's step. */
  dtype: 'float32' | 'int32';
  /** 'optimizer' for optimizer state; absent for the model's weights. */
  group?: string;
  /**
   * How the weight's values are stored when they were quantized by TF.js's converter (`--quantize_float16`,
   * `--quantize_uint8`, `--quantize_uint16`); absent for float32 (neurite always writes float32). nn.loadModel reads
   * them back as float32.
   */
  quantization?: WeightQuantization;
}

/**
 * The `quantization` field of a weights manifest entry, as TF.js's converter writes it. `float16` stores each value
 * as an IEEE half (2 bytes); `uint8` and `uint16` store codes q (1 or 2 bytes) that stand for q·scale + min, computed
 * as TF.js does (in double precision, rounded once to float32). A missing or non-finite scale or min, another
 * dtype, or float16 for an int32 weight is a FormatError naming the weight and the field.
 *
 * @example
 * const spec: nn.WeightSpec = { name: 'dense_1/kernel', shape: [784, 128], dtype: 'float32',
 *   quantization: { dtype: 'uint8', scale: 0.0039, min: -0.5, original_dtype: 'float32' } };
 */
export interface WeightQuantization {
  /** How each value is stored: 'float16', 'uint8' or 'uint16'. */
  dtype: 'float16' | 'uint8' | 'uint16';
  /** The step between codes: the value is q·scale + min (uint8 and uint16 only; needed there, no default). */
  scale?: number;
  /** The value that code 0 stands for (uint8 and uint16 only; needed there, no default). */
  min?: number;
  /** The weight's dtype before quantization, as the converter records it; when given it must equal dtype. Default: the entry's dtype. */
  original_dtype?: string;
}

/**
 * What TF.js's save handlers return, and so what model.save resolves to.
 *
 * @example
 * const { modelArtifactsInfo } = await model.save('file://./my-model');
 * modelArtifactsInfo.weightDataBytes;   // 4 bytes per weight
 */
export interface SaveResult {
  /** Sizes of what was written and when. */
  modelArtifactsInfo: {
    /** When the save happened. */
    dateSaved: Date;
    /** Always 'JSON' (the topology is JSON). */
    modelTopologyType: 'JSON';
    /** Bytes of the topology as JSON text (UTF-8). */
    modelTopologyBytes: number;
    /** Bytes of the weight specs as JSON text (UTF-8). */
    weightSpecsBytes: number;
    /** Bytes of weightData. */
    weightDataBytes: number;
  };
}

// ------------------------------------------------------------------------------------------------ limits

/**
 * Bounds applied to every loaded file. A model may hold at most MAX_PARAMS weights (2^26 floats, 256 MiB);
 * a whole weight file (weights plus optimizer state) at most 5·MAX_PARAMS floats.
 */
export const LIMITS = {
  /** Default cap on the number of model weights (floats); loadModel's `maxParams` may change it up to 2^28. */
  maxParams: 2 ** 26,
  /** model.json text (and each JSON field of other stores). */
  maxJsonChars: 32 * 2 ** 20,
  /** Nesting of arrays and objects in any JSON document. */
  maxDepth: 64,
  /** Rank of any weight or layer shape. */
  maxRank: 8,
  /** Entries in a weights manifest (all groups together), and layers in a model. */
  maxEntries: 100_000,
  /** Weight files a model.json may name (all groups together); TF.js's 4 MB shards of the largest model need 1280. */
  maxPaths: 4096,
  /** Characters in a name (layer, weight, model). */
  maxNameChars: 1000,
  /**
   * Bytes of a model's arena per sample: its input, each layer's output and output gradient, and each layer's
   * workspace for one sample (the whole chain, not each layer alone).
   */
  maxSampleBytes: 2 ** 30,
} as const;

// ------------------------------------------------------------------------------------------------ messages

/** A short, safe rendering of an untrusted value for an error message. */
export function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
  } catch {
    s = Object.prototype.toString.call(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export const fail = (where: string, what: string): never => {
  throw new FormatError(`${where}: ${what}`);
};

// ------------------------------------------------------------------------------------------------ JSON

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An own property of a plain JSON object (never something inherited). */
export function own(o: JsonObject, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** Throws unless the brackets of `text` nest at most LIMITS.maxDepth deep (strings are skipped). Linear time. */
function checkDepth(text: string, where: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 || c === 123) {
      if (++depth > LIMITS.maxDepth) fail(where, `JSON nests deeper than ${LIMITS.maxDepth} levels`);
    } else if (c === 93 || c === 125) {
      depth--;
    }
  }
}

/** Refuses keys that could reach a prototype (`__proto__`, `constructor`, `prototype`), naming where they are. */
function checkKeys(v: unknown, path: string, where: string): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkKeys(v[i], `${path}[${i}]`, where);
  } else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) fail(where, `the key "${k}" at ${path || 'the top level'} is not allowed`);
      checkKeys(v[k], path ? `${path}.${k}` : k, where);
    }
  }
}

/**
 * Where JSON.parse fails on `s`, as "at line L, column C (character N)" or "(the text ends at ...)": found by a
 * small recursive-descent checker (nesting is already bounded), so no part of the text is quoted.
 */
export function jsonErrorPlace(s: string): string {
  const at = jsonErrorOffset(s);
  let line = 1, lineStart = 0;
  for (let i = 0; i < at; i++) if (s.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
  const place = `line ${line}, column ${at - lineStart + 1} (character ${at})`;
  return at >= s.length ? `(the text ends early, at ${place})` : `at ${place}`;
}

/** Offset of the first JSON syntax error in s, s.length if the text ends too early, -1 if it is valid JSON. */
export function jsonErrorOffset(s: string): number {
  const n = s.length;
  let i = 0;
  const STOP = {};
  const stop = (): never => { throw STOP; };
  const ws = () => {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= n) stop();
      const c = s.charCodeAt(i);
      if (c === 34) { i++; return; }
      if (c < 32) stop();
      if (c !== 92) { i++; continue; }
      const e = s[i + 1];
      if (e === 'u') {
        i += 2;
        for (let k = 0; k < 4; k++, i++) if (i >= n || !/[0-9a-fA-F]/.test(s[i])) stop();
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
        i += 2;
      } else {
        i++;
        stop();
      }
    }
  };
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const value = (): void => {
    ws();
    if (i >= n) stop();
    const c = s[i];
    if (c === '{') {
      i++;
      ws();
      if (s[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (s[i] !== '"') stop();
        string();
        ws();
        if (s[i] !== ':') stop();
        i++;
        value();
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === '}') { i++; return; }
        stop();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (s[i] === ']') { i++; return; }
      for (;;) {
        value();
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === ']') { i++; return; }
        stop();
      }
    }
    if (c === '"') { string(); return; }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(s)) { if (c === '-') i++; stop(); }
      i = NUMBER.lastIndex;
      return;
    }
    for (const word of ['true', 'false', 'null']) if (s.startsWith(word, i)) { i += word.length; return; }
    stop();
  };
  try {
    value();
    ws();
    if (i < n) stop();
    return -1;
  } catch (e) {
    if (e !== STOP) throw e;
    return Math.min(i, n);
  }
}

/**
 * JSON.parse for untrusted text: bounded size and nesting, no prototype-reaching keys. Errors are FormatErrors
 * that name `where` (a file name or field).
 */
export function parseJson(text: unknown, where: string): unknown {
  if (typeof text !== 'string') fail(where, `expected JSON text, got ${typeof text}`);
  const s = text as string;
  if (s.length > LIMITS.maxJsonChars) fail(where, `JSON of ${s.length} characters is larger than the ${LIMITS.maxJsonChars} allowed`);
  checkDepth(s, where);
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    // the engine's message quotes the text; say only where the error is
    fail(where, `invalid JSON ${jsonErrorPlace(s)}`);
  }
  checkKeys(value, '', where);
  return value;
}

/**
 * Turns an in-memory value (artifacts from a handler) into plain checked JSON data: getters run once, functions
 * and class instances drop out, cycles and BigInts are refused.
 */
export function plainJson(value: unknown, where: string): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    fail(where, `cannot be read as JSON (${(e as Error).message})`);
  }
  return text === undefined ? undefined : parseJson(text, where);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 bytes (refusing invalid sequences) and parses them with parseJson. */
export function parseJsonBytes(bytes: Uint8Array, where: string): unknown {
  if (bytes.length > LIMITS.maxJsonChars * 3) fail(where, `${bytes.length} bytes of JSON is more than allowed`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail(where, 'is not valid UTF-8 text');
  }
  return parseJson(text, where);
}

// ------------------------------------------------------------------------------------------------ binary

/** A byte view of weight data given as ArrayBuffer, ArrayBuffer[] (TF.js' composite form) or a typed array. */
export function toBytes(data: unknown, where: string): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((b) => b instanceof ArrayBuffer)) {
    const total = data.reduce((a, b: ArrayBuffer) => a + b.byteLength, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const b of data as ArrayBuffer[]) { out.set(new Uint8Array(b), at); at += b.byteLength; }
    return out;
  }
  return fail(where, `weightData must be an ArrayBuffer, an array of them or a typed array, got ${Object.prototype.toString.call(data)}`);
}

/** Joins byte arrays into one new buffer. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Little-endian float32 values from bytes[offset, offset + 4n) (copied). */
export function readF32(bytes: Uint8Array, offset: number, n: number): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes.slice(offset, offset + 4 * n).buffer);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}

/** Writes float32 (or int32) values little-endian into bytes at offset. */
export function writeLE(bytes: Uint8Array, offset: number, values: Float32Array | Int32Array): void {
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, values.byteLength);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) dv.setFloat32(4 * i, values[i], true);
    else dv.setInt32(4 * i, values[i], true);
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 (with padding) of bytes. */
export function toBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, bytes.length);
    let s = '';
    for (let i = start; i < end; i += 3) {
      const a = bytes[i], b = i + 1 < end ? bytes[i + 1] : 0, c = i + 2 < end ? bytes[i + 2] : 0;
      const n = (a << 16) | (b << 8) | c;
      s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < end ? B64[(n >> 6) & 63] : '=') + (i + 2 < end ? B64[n & 63] : '=');
    }
    parts.push(s);
  }
  return parts.join('');
}

/** Decodes standard base64 (padding optional, no whitespace); refuses anything else. */
export function fromBase64(text: unknown, where: string, maxBytes: number): Uint8Array {
  if (typeof text !== 'string') return fail(where, `expected a base64 string, got ${typeof text}`);
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  if (text.length - end > 2 || end % 4 === 1) fail(where, 'is not valid base64 (bad length or padding)');
  const n = Math.floor((end * 3) / 4);
  if (n > maxBytes) fail(where, `holds ${n} bytes, more than the ${maxBytes} allowed`);
  const out = new Uint8Array(n);
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) fail(where, `is not valid base64 (a character outside the base64 alphabet at offset ${i})`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 255; }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ manifest

/** A checked manifest entry with its place in the weight data. */
export interface WeightEntry extends WeightSpec {
  /** Number of values. */
  size: number;
  /** Byte offset of its float32 (or int32) values in the decoded weight data (see decodeWeightData). */
  offset: number;
  /** Byte offset of its stored values in the weight data as read (differs from offset once a weight is quantized). */
  storedOffset: number;
  /** Bytes its stored values take: 4 per value, 2 for float16 and uint16, 1 for uint8. */
  storedBytes: number;
  where: string;
}

/** Checks a shape: at most maxRank positive safe integers whose product stays within `cap`; returns the product. */
export function checkShape(shape: unknown, where: string, cap: number): number {
  if (!Array.isArray(shape)) return fail(where, `shape must be an array of positive integers, got ${show(shape)}`);
  if (shape.length > LIMITS.maxRank) fail(where, `shape ${show(shape)} has rank ${shape.length}; at most ${LIMITS.maxRank} is supported`);
  let size = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d <= 0) {
      fail(where, `shape ${show(shape)} must hold positive integers, but has ${show(d)}`);
    }
    size *= d;
    if (size > cap) fail(where, `shape ${show(shape)} holds more than ${cap} values, the most allowed`);
  }
  return size;
}

/**
 * Checks a list of weight specs (TF.js `weightSpecs`, or the `weights` of every weightsManifest group in order)
 * and lays them out: names, shapes, dtypes (float32, or int32 for optimizer counters), quantization and byte offsets
 * (stored and decoded). Other dtypes and bad quantization fields are refused by name; `bytes` is what the weight
 * data as stored must hold.
 */
export function readWeightSpecs(specs: unknown, where: string, maxParams: number): { entries: WeightEntry[]; bytes: number } {
  // one tensor holds at most maxParams values; the file (weights and optimizer state) at most 5·maxParams
  const maxValues = 5 * maxParams;
  if (!Array.isArray(specs)) return fail(where, `weightSpecs must be an array, got ${show(specs)}`);
  if (specs.length > LIMITS.maxEntries) fail(where, `${specs.length} weight specs are more than the ${LIMITS.maxEntries} allowed`);
  const entries: WeightEntry[] = [];
  const seen = new Set<string>();
  let values = 0;
  specs.forEach((s, i) => {
    const at = `${where} weightSpecs[${i}]`;
    if (!isObject(s)) fail(at, `expected { name, shape, dtype }, got ${show(s)}`);
    const o = s as JsonObject;
    const name = own(o, 'name');
    if (typeof name !== 'string' || name.length === 0 || name.length > LIMITS.maxNameChars) {
      fail(at, `name must be a non-empty string of at most ${LIMITS.maxNameChars} characters, got ${show(name)}`);
    }
    const here = `${where}, weight ${show(name)}`;
    const group = own(o, 'group');
    if (group !== undefined && group !== null && typeof group !== 'string') fail(here, `group must be a string, got ${show(group)}`);
    const key = `${group === 'optimizer' ? 'optimizer:' : ''}${name}`;
    if (seen.has(key)) fail(here, 'appears twice in the manifest');
    seen.add(key);
    const dtype = own(o, 'dtype') ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32') fail(here, `has dtype ${show(dtype)}; neurite reads float32 weights (and int32 optimizer counters)`);
    const quantization = readQuantization(own(o, 'quantization'), dtype as 'float32' | 'int32', here);
    const size = checkShape(own(o, 'shape'), here, maxParams);
    values += size;
    if (values > maxValues) fail(where, `the weights manifest describes more than ${maxValues} values, the most allowed`);
    entries.push({ name: name as string, shape: [...(own(o, 'shape') as number[])], dtype: dtype as 'float32' | 'int32',
      ...(typeof group === 'string' ? { group } : {}), ...(quantization ? { quantization } : {}),
      size, offset: 0, storedOffset: 0, storedBytes: size * (quantization ? QUANTIZED_BYTES[quantization.dtype] : 4), where: here });
  });
  let offset = 0, stored = 0;
  for (const e of entries) {
    e.offset = offset;
    offset += 4 * e.size;
    e.storedOffset = stored;
    stored += e.storedBytes;
  }
  return { entries, bytes: stored };
}

/** Bytes per stored value of each quantized dtype. */
const QUANTIZED_BYTES = { float16: 2, uint8: 1, uint16: 2 } as const;

/**
 * Checks a manifest entry's `quantization` (undefined or null: none), naming the weight and the field: dtype is
 * float16 (float32 weights only, as TF.js requires), uint8 or uint16; the latter two need finite scale and min;
 * original_dtype, when given, is the entry's dtype. Other keys are ignored, as TF.js ignores them.
 */
function readQuantization(q: unknown, dtype: 'float32' | 'int32', here: string): WeightQuantization | undefined {
  if (q === undefined || q === null) return undefined;
  if (!isObject(q)) return fail(here, `quantization must be an object such as { dtype: 'uint8', scale, min }, got ${show(q)}`);
  const qd = own(q, 'dtype');
  if (qd !== 'float16' && qd !== 'uint8' && qd !== 'uint16') {
    fail(here, `quantization.dtype must be 'float16', 'uint8' or 'uint16', got ${show(qd)}`);
  }
  const original = own(q, 'original_dtype');
  if (original !== undefined && original !== dtype) {
    fail(here, `quantization.original_dtype is ${show(original)}, but the weight's dtype is ${show(dtype)}`);
  }
  if (qd === 'float16') {
    if (dtype !== 'float32') fail(here, `quantization.dtype 'float16' needs a float32 weight, but the weight's dtype is ${show(dtype)}`);
    return { dtype: qd, ...(original !== undefined ? { original_dtype: dtype } : {}) };
  }
  const number = (key: 'scale' | 'min'): number => {
    const v = own(q, key);
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(here, `quantization.${key} must be a finite number for ${show(qd)} codes, got ${show(v)}`);
    return v as number;
  };
  return { dtype: qd as 'uint8' | 'uint16', scale: number('scale'), min: number('min'), ...(original !== undefined ? { original_dtype: dtype } : {}) };
}

/**
 * The float32 value of IEEE 754 half-precision bits h (0..65535), as float32 bits: exact for every pattern (each
 * half is a float32), signed zeros, subnormals, infinities and NaN payloads included.
 */
export function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // infinity, NaN (payload kept)
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // rebias 15 → 127
  if (mant === 0) return sign >>> 0;
  // subnormal: mant·2^-24; shift the leading one up to the implicit bit
  let e = 113;
  while ((mant & 0x400) === 0) { mant <<= 1; e--; }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/**
 * The weight data with every entry's values as float32 (int32 for int32 entries) at its `offset`: the data itself
 * when nothing is quantized, else a new buffer with the quantized entries decoded (float16 exactly; uint8 and uint16
 * codes q as fround(q·scale + min), TF.js's arithmetic; an int32 weight rounds that to the nearest integer, as
 * TF.js does). The length must already be checked (checkDataLength).
 */
export function decodeWeightData(entries: WeightEntry[], data: Uint8Array): Uint8Array {
  if (entries.every((e) => e.quantization === undefined)) return data;
  const out = new Uint8Array(entries.reduce((n, e) => n + 4 * e.size, 0));
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const e of entries) {
    const q = e.quantization;
    if (!q) {
      out.set(data.subarray(e.storedOffset, e.storedOffset + e.storedBytes), e.offset);
      continue;
    }
    const at = e.storedOffset;
    if (q.dtype === 'float16') {
      const bits = new Uint32Array(e.size);
      for (let i = 0; i < e.size; i++) bits[i] = halfToFloatBits(dv.getUint16(at + 2 * i, true));
      writeLE(out, e.offset, new Float32Array(bits.buffer));
      continue;
    }
    const { scale, min } = q as { scale: number; min: number };
    const values = e.dtype === 'int32' ? new Int32Array(e.size) : new Float32Array(e.size);
    const round = e.dtype === 'int32' ? Math.round : (x: number) => x;
    if (q.dtype === 'uint8') for (let i = 0; i < e.size; i++) values[i] = round(data[at + i] * scale + min);
    else for (let i = 0; i < e.size; i++) values[i] = round(dv.getUint16(at + 2 * i, true) * scale + min);
    writeLE(out, e.offset, values);
  }
  return out;
}

/** Throws unless the weight data has exactly the bytes the manifest describes, naming the first weight that does not fit. */
export function checkDataLength(entries: WeightEntry[], bytes: number, dataBytes: number, where: string): void {
  if (dataBytes === bytes) return;
  if (dataBytes < bytes) {
    const cut = entries.find((e) => e.storedOffset + e.storedBytes > dataBytes);
    fail(where, `the weight data has ${dataBytes} bytes but the manifest describes ${bytes}` +
      (cut ? `: weight ${show(cut.name)} needs bytes ${cut.storedOffset}..${cut.storedOffset + cut.storedBytes}` : ''));
  }
  fail(where, `the weight data has ${dataBytes} bytes, ${dataBytes - bytes} more than the ${bytes} the manifest describes`);
}

/** A float32 entry's values, refusing NaN and Infinity (naming the weight and index). */
export function readFinite(bytes: Uint8Array, e: WeightEntry): Float32Array {
  const v = readF32(bytes, e.offset, e.size);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) fail(e.where, `holds ${v[i]} at index ${i}; weights must be finite`);
  }
  return v;
}

/** An int32 scalar entry (an optimizer's `iter`). */
export function readInt32(bytes: Uint8Array, e: WeightEntry): number {
  return new DataView(bytes.buffer, bytes.byteOffset + e.offset, 4).getInt32(0, true);
}

// ------------------------------------------------------------------------------------------------ model.json

/** model.json as TF.js writes it: the artifacts with a weightsManifest (one group, the given paths) for the bytes. */
export function modelJson(a: ModelArtifacts, paths: string[]): JsonObject {
  return {
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths, weights: a.weightSpecs }],
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
    ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
  };
}

/** The groups of a model.json weightsManifest: each group's checked relative paths and its weight specs. */
export function readManifestGroups(manifest: unknown, where: string): { paths: string[]; weights: unknown[] }[] {
  if (!Array.isArray(manifest)) return fail(where, `weightsManifest must be an array of { paths, weights }, got ${show(manifest)}`);
  if (manifest.length > LIMITS.maxEntries) fail(where, `weightsManifest has ${manifest.length} groups, more than the ${LIMITS.maxEntries} allowed`);
  // totals first, so that a manifest naming a huge number of files or weights is refused before any is looked at
  let paths = 0, weights = 0;
  for (const g of manifest) {
    const p = isObject(g) ? own(g, 'paths') : undefined;
    const w = isObject(g) ? own(g, 'weights') : undefined;
    if (Array.isArray(p)) paths += p.length;
    if (Array.isArray(w)) weights += w.length;
  }
  if (paths > LIMITS.maxPaths) fail(where, `the weightsManifest names ${paths} weight files, more than the ${LIMITS.maxPaths} allowed`);
  if (weights > LIMITS.maxEntries) fail(where, `the weightsManifest lists ${weights} weights, more than the ${LIMITS.maxEntries} allowed`);
  return manifest.map((g, i) => {
    const at = `${where}.weightsManifest[${i}]`;
    if (!isObject(g)) fail(at, `expected { paths, weights }, got ${show(g)}`);
    const paths = own(g as JsonObject, 'paths');
    const weights = own(g as JsonObject, 'weights');
    if (!Array.isArray(paths)) fail(at, `paths must be an array of file names, got ${show(paths)}`);
    if (!Array.isArray(weights)) fail(at, `weights must be an array, got ${show(weights)}`);
    return { paths: (paths as unknown[]).map((p, j) => checkRelativePath(p, `${at}.paths[${j}]`)), weights: weights as unknown[] };
  });
}

/**
 * A manifest path must stay inside the model's folder: relative, '/'-separated, without '..', backslashes,
 * colons (drive letters, URL schemes) or NUL. A leading './' is allowed (TF.js writes it for downloads).
 */
export function checkRelativePath(p: unknown, where: string): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 1024) return fail(where, `must be a relative file name, got ${show(p)}`);
  if (p.startsWith('/') || /[\\:\0]/.test(p)) fail(where, `${show(p)} must be a relative path inside the model's folder`);
  const segments = p.split('/');
  if (segments.some((s) => s === '..')) fail(where, `${show(p)} leads outside the model's folder ('..')`);
  if (segments.some((s, i) => s === '' || (s === '.' && i === segments.length - 1))) fail(where, `${show(p)} is not a file name`);
  return segments.filter((s) => s !== '.').join('/');
}
