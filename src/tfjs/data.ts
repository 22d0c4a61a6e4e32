// tf.data over neurite's datasets (nn.data): the same names, methods and semantics, with TF.js tensors at the
// edges. Elements may hold TF.js tensors (from neurite/tfjs or @tensorflow/tfjs); batch stacks them as TF.js does
// and gives TF.js tensors back, so a program's map, forEachAsync and fitDataset see what they see under TF.js.
import { nodeImport } from '../platform';
import * as nn from './nn';
import { NotProvidedError, Tensor } from './tensor';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && Object.getPrototypeOf(v) === Object.prototype;
/** A tensor of TF.js (this module's or @tensorflow/tfjs's): a shape and dataSync. */
const isTfTensor = (v: unknown): v is { shape: number[]; dataSync(): ArrayLike<number> } =>
  v instanceof Tensor || (typeof v === 'object' && v !== null && Array.isArray((v as { shape?: unknown }).shape) &&
    typeof (v as { dataSync?: unknown }).dataSync === 'function' && !(v instanceof nn.Tensor));

/** An element with its TF.js tensors as neurite's, which nn.data's batch stacks. */
function toNeurite(v: unknown): unknown {
  if (isTfTensor(v)) return nn.tensor(Float32Array.from(v.dataSync()), v.shape);
  if (Array.isArray(v)) return v.map(toNeurite);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toNeurite(x)]));
  return v;
}

/** A batch with neurite's tensors as TF.js's (float32; the values are shared, not copied). */
function toTf(v: unknown): unknown {
  if (v instanceof nn.Tensor) return new Tensor(v.data, [...v.shape], 'float32');
  if (Array.isArray(v)) return v.map(toTf);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toTf(x)]));
  return v;
}

/** TF.js's shuffle seed (a string or a number) as the integer neurite's shuffle takes: FNV-1a of its text. */
function seedOf(seed: string | number | undefined): number | undefined {
  if (seed === undefined || (typeof seed === 'number' && Number.isInteger(seed))) return seed as number | undefined;
  let h = 0x811c9dc5;
  for (const ch of String(seed)) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return h;
}

/**
 * TF.js's tf.data.Dataset over a neurite dataset (`dataset.neurite`): lazy, re-iterable, with TF.js's methods.
 * `shuffle` is seeded by neurite's generator (the same seed gives the same order on every run, not TF.js's order);
 * batches of numbers, booleans and tensors are float32 tensors.
 *
 * @example
 * const ds = tf.data.array([{ xs: [1, 2], ys: [1] }, { xs: [3, 4], ys: [0] }]).shuffle(2, 'seed').batch(2);
 * await model.fitDataset(ds, { epochs: 5 });
 */
export class Dataset<T = unknown> {
  /** The neurite dataset this one presents. */
  readonly neurite: nn.data.Dataset<T>;
  /** @internal */
  constructor(inner: nn.data.Dataset<T>) {
    this.neurite = inner;
  }
  /** The number of elements when known, Infinity for an endless one, null when unknown. @example ds.size; */
  get size(): number | null { return this.neurite.size; }
  /** The elements through `transform`. @example ds.map(({ xs, ys }) => ({ xs: xs.div(255), ys })); */
  map<O>(transform: (value: T) => O): Dataset<O> { return new Dataset(this.neurite.map(transform)); }
  /** The elements through `transform`, which may return a promise. @example ds.mapAsync(async (x) => x); */
  mapAsync<O>(transform: (value: T) => Promise<O> | O): Dataset<O> { return new Dataset(this.neurite.mapAsync(transform)); }
  /** The elements for which `predicate` is true. @example ds.filter((x) => x.ys[0] > 0); */
  filter(predicate: (value: T) => boolean): Dataset<T> { return new Dataset(this.neurite.filter(predicate)); }
  /**
   * `batchSize` consecutive elements stacked into one, as TF.js's batch: tensors, numbers and number arrays into a
   * tensor with a new first dimension, objects and lists key by key.
   *
   * @example
   * ds.batch(32);
   */
  batch(batchSize: number, smallLastBatch = true): Dataset<unknown> {
    return new Dataset(this.neurite.map(toNeurite).batch(batchSize, smallLastBatch).map(toTf));
  }
  /** The elements shuffled through a buffer of `bufferSize`, seeded. @example ds.shuffle(100, 'seed'); */
  shuffle(bufferSize: number, seed?: string | number, reshuffleEachIteration = true): Dataset<T> {
    return new Dataset(this.neurite.shuffle(bufferSize, seedOf(seed), reshuffleEachIteration));
  }
  /** The first `count` elements. @example ds.take(10); */
  take(count?: number): Dataset<T> { return new Dataset(this.neurite.take(count)); }
  /** All but the first `count` elements. @example ds.skip(10); */
  skip(count?: number): Dataset<T> { return new Dataset(this.neurite.skip(count)); }
  /** The elements `count` times over (endlessly without a count). @example ds.repeat(3); */
  repeat(count?: number): Dataset<T> { return new Dataset(this.neurite.repeat(count)); }
  /** Reads up to `bufferSize` elements ahead. @example ds.prefetch(2); */
  prefetch(bufferSize: number): Dataset<T> { return new Dataset(this.neurite.prefetch(bufferSize)); }
  /** This dataset's elements, then `other`'s. @example a.concatenate(b); */
  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset)) throw new nn.ValueError('concatenate takes another tf.data dataset');
    return new Dataset(this.neurite.concatenate(other.neurite));
  }
  /** Calls `f` on every element in order. @example await ds.forEachAsync((b) => b.xs.print()); */
  forEachAsync(f: (value: T) => unknown): Promise<void> { return this.neurite.forEachAsync(f); }
  /** All the elements in a list. @example await ds.toArray(); */
  toArray(): Promise<T[]> { return this.neurite.toArray(); }
  /** A new iteration from the start, as TF.js's iterator(). @example const it = await ds.iterator(); await it.next(); */
  iterator(): Promise<nn.data.DatasetIterator<T>> { return this.neurite.iterator(); }
  /** A new iteration from the start. @example for await (const b of ds) console.log(b); */
  [Symbol.asyncIterator](): AsyncIterator<T> { return this.neurite[Symbol.asyncIterator](); }
}

/** The elements of a tf.data dataset given to zip, as neurite's. */
function innerOf(c: unknown): unknown {
  if (c instanceof Dataset) return c.neurite;
  if (Array.isArray(c)) return c.map(innerOf);
  if (isRecord(c)) return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, innerOf(v)]));
  return c;
}

/** TF.js's column options of tf.data.csv. */
export interface ColumnConfig {
  /** The column is a label: it goes to `ys`, the others to `xs`. */
  isLabel?: boolean;
  /** A missing or empty value is an error. */
  required?: boolean;
  /** The value of a missing or empty field. */
  default?: number | string | boolean;
  /** 'float32' and 'int32' read numbers, 'bool' 1/0/true/false, 'string' keeps the text. */
  dtype?: 'float32' | 'int32' | 'bool' | 'string';
}

/** TF.js's options of tf.data.csv. */
export interface CSVConfig {
  /** The first line holds the column names (default true). */
  hasHeader?: boolean;
  /** The column names, when the file has no header, or to rename them. */
  columnNames?: string[];
  /** Options per column name. */
  columnConfigs?: Record<string, ColumnConfig>;
  /** Only the columns in columnConfigs (default false). */
  configuredColumnsOnly?: boolean;
  /** The field separator (default ','). */
  delimiter?: string;
  /** Split on runs of spaces instead of delimiter (default false). */
  delimWhitespace?: boolean;
}

const CSV_OPTIONS = ['hasHeader', 'columnNames', 'columnConfigs', 'configuredColumnsOnly', 'delimiter', 'delimWhitespace'];

/** The fields of one CSV line: `delimiter`-separated, double quotes around a field that holds one ("" is a quote). */
function fieldsOf(line: string, delimiter: string, whitespace: boolean): string[] {
  if (whitespace) return line.trim().split(/\s+/);
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (line.startsWith(delimiter, i)) { out.push(field); field = ''; i += delimiter.length - 1; } else field += ch;
  }
  out.push(field);
  return out;
}

/** One field as TF.js's CSV reader reads it: a number where it parses as one (or the column's dtype says). */
function fieldValue(text: string, column: string, config: ColumnConfig | undefined, line: number): unknown {
  if (text === '') {
    if (config?.default !== undefined) return config.default;
    if (config?.required) throw new nn.ValueError(`tf.data.csv: line ${line}: the required column '${column}' is empty`);
    return undefined;
  }
  const dtype = config?.dtype;
  if (dtype === 'string') return text;
  if (dtype === 'bool') return text === '1' || text.toLowerCase() === 'true' ? 1 : 0;
  const v = Number(text);
  if (Number.isNaN(v)) {
    if (dtype === 'float32' || dtype === 'int32') throw new nn.ValueError(`tf.data.csv: line ${line}: column '${column}' is ${dtype}, got '${text}'`);
    return text;
  }
  return dtype === 'int32' ? Math.trunc(v) : v;
}

async function readText(source: string): Promise<string> {
  if (source.startsWith('file://')) {
    const [fs, url] = await Promise.all([nodeImport<typeof import('node:fs/promises')>('node:fs/promises'), nodeImport<typeof import('node:url')>('node:url')]);
    return fs.readFile(url.fileURLToPath(source), 'utf8');
  }
  const res = await fetch(source);
  if (!res.ok) throw new nn.ValueError(`tf.data.csv: ${source} answered ${res.status} ${res.statusText}`);
  return res.text();
}

/**
 * TF.js's tf.data.csv over a file:// (Node) or http(s):// URL: one element per line, a row object `{ column: value }`,
 * or `{ xs, ys }` when a column is a label (`columnConfigs: { price: { isLabel: true } }`); numbers where a field
 * parses as one, else strings. The file is read when the dataset is first iterated.
 */
function csv(source: string, config: CSVConfig = {}): Dataset<unknown> {
  if (typeof source !== 'string') throw new nn.ValueError(`tf.data.csv takes a URL (file:// or http(s)://), got ${typeof source}`);
  for (const k of Object.keys(config)) {
    if (!CSV_OPTIONS.includes(k)) throw new nn.ValueError(`tf.data.csv: unknown option '${k}'. Valid options are: ${CSV_OPTIONS.join(', ')}`);
  }
  const { hasHeader = true, columnConfigs = {}, configuredColumnsOnly = false, delimiter = ',', delimWhitespace = false } = config;
  const labels = Object.keys(columnConfigs).filter((c) => columnConfigs[c].isLabel);
  let text: Promise<string> | undefined;
  return new Dataset(nn.data.generator(async function* () {
    text ??= readText(source);
    const lines = (await text).split(/\r?\n/);
    let names = config.columnNames;
    let first = 0;
    if (hasHeader) {
      const header = fieldsOf(lines[0] ?? '', delimiter, delimWhitespace);
      names ??= header;
      first = 1;
    }
    if (!names) throw new nn.ValueError('tf.data.csv: a file without a header needs columnNames');
    for (const c of Object.keys(columnConfigs)) {
      if (!names.includes(c)) throw new nn.ValueError(`tf.data.csv: columnConfigs names '${c}', which is not a column (columns: ${names.join(', ')})`);
    }
    for (let i = first; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      const fields = fieldsOf(lines[i], delimiter, delimWhitespace);
      if (fields.length !== names.length) {
        throw new nn.ValueError(`tf.data.csv: line ${i + 1} has ${fields.length} fields, the header ${names.length}`);
      }
      const xs: Record<string, unknown> = {};
      const ys: Record<string, unknown> = {};
      names.forEach((c, j) => {
        if (configuredColumnsOnly && !columnConfigs[c]) return;
        (labels.includes(c) ? ys : xs)[c] = fieldValue(fields[j], c, columnConfigs[c], i + 1);
      });
      yield labels.length > 0 ? { xs, ys } : xs;
    }
  }));
}

/**
 * `tf.data`: array, generator, zip and csv make a dataset.
 *
 * @example
 * const xs = tf.data.array([[1], [2], [3]]);
 * const ys = tf.data.array([[2], [4], [6]]);
 * await model.fitDataset(tf.data.zip({ xs, ys }).batch(2), { epochs: 10 });
 */
export const data = {
  /** A dataset of the items of a list. @example tf.data.array([1, 2, 3]); */
  array: <T>(items: readonly T[]): Dataset<T> => new Dataset(nn.data.array(items)),
  /** A dataset of what a generator function yields (sync or async), anew at each iteration. @example tf.data.generator(function* () { yield 1; }); */
  generator: <T>(fn: () => nn.data.AnyIterator<T>): Dataset<T> => new Dataset(nn.data.generator(fn)),
  /** Datasets side by side: a list or an object of them, one element of each at a time. @example tf.data.zip({ xs, ys }); */
  zip: (datasets: unknown): Dataset<unknown> => new Dataset(nn.data.zip(innerOf(datasets) as nn.data.DatasetContainer)),
  /** The lines of a CSV file as elements (see the function's notes). @example tf.data.csv('file://data/houses.csv', { columnConfigs: { price: { isLabel: true } } }); */
  csv,
  /** Not provided. @example tf.data.webcam; */
  webcam(): never {
    throw new NotProvidedError('tf.data.webcam is not provided: draw the video frames on a canvas and use tf.browser.fromPixels');
  },
  /** Not provided. @example tf.data.microphone; */
  microphone(): never {
    throw new NotProvidedError('tf.data.microphone is not provided');
  },
};
