// Datasets: lazy, re-iterable streams of elements (tensors, numbers, arrays, objects of them) with TF.js's
// tf.data names and semantics: array, generator and zip make one; map, filter, batch, shuffle, take, skip,
// repeat, prefetch and concatenate make another from it; nothing is read until a dataset is iterated, and each
// iteration starts its sources anew. A Dataset is an async iterable (`for await`), and has TF.js's `iterator()`
// too, so fitDataset takes either.
import { ShapeError, ValueError } from '../errors';
import { boolOption, intOption, show } from '../options';
import { Rng } from '../random';
import { Tensor, tensor } from '../tensor';

/**
 * What `dataset.iterator()` gives, as TF.js's LazyIterator: `next()` resolves to `{ value, done }`.
 *
 * @example
 * const it: nn.data.DatasetIterator<number> = await nn.data.array([1, 2]).iterator();
 */
export interface DatasetIterator<T> {
  /**
   * The next element, or `{ done: true }` at the end.
   *
   * @example
   * const it = await nn.data.array([1, 2]).iterator();
   * await it.next();   // { value: 1, done: false }
   */
  next(): Promise<IteratorResult<T>>;
}

type Source<T> = () => AsyncIterator<T>;

/** A dataset's size after take(count) or skip(count) as TF.js computes it: null (unknown) stays null. */
const known = (size: number | null): size is number => size !== null;

/** A count for take, skip and repeat: an integer or ±Infinity; negative or undefined (TF.js's "all") is Infinity. */
function countOf(what: string, v: unknown): number {
  if (v === undefined) return Infinity;
  if (Math.abs(v as number) !== Infinity) integer(what, v);
  return (v as number) < 0 ? Infinity : (v as number);
}

/** Throws unless `v` is a safe integer. */
function integer(what: string, v: unknown): void {
  if (!Number.isSafeInteger(v)) throw new ValueError(`${what} must be an integer, got ${show(v)}`);
}

/** Throws unless `f` is a function: `what` names the method and argument. */
function fnOf<F>(what: string, f: F): F {
  if (typeof f !== 'function') throw new ValueError(`${what} must be a function, got ${show(f)}`);
  return f;
}

/** Ends an iterator that was not read to its end (a generator's finally blocks run). */
async function close<T>(it: AsyncIterator<T>): Promise<void> {
  if (typeof it.return === 'function') await it.return();
}

/**
 * A lazy, re-iterable stream of elements, as TF.js's tf.data.Dataset: each `for await` (or `iterator()`) starts
 * it anew from its sources, and each method returns a new dataset, leaving this one as it was. Make one with
 * {@link array}, {@link generator} or {@link zip}.
 *
 * @example
 * const ds = nn.data.array([1, 2, 3, 4, 5]).map((x) => x * 10).batch(2);
 * for await (const b of ds) console.log((b as nn.Tensor).toArray());   // [10, 20], [30, 40], [50]
 */
export class Dataset<T = unknown> implements AsyncIterable<T> {
  /**
   * The number of elements when known beforehand (from array, and the methods that keep it computable), Infinity
   * for an endless one (repeat()), null when unknown (a generator, filter), as TF.js's `size`.
   */
  readonly size: number | null;
  readonly #source: Source<T>;

  /**
   * A dataset whose elements come from `source()`, a function returning a new async iterator each time it is
   * called; `size` as {@link Dataset.size} (default null: unknown). Most code uses array, generator or zip instead.
   *
   * @example
   * const ds = new nn.data.Dataset(async function* () { yield 1; yield 2; }, 2);
   */
  constructor(source: () => AsyncIterator<T>, size: number | null = null) {
    this.#source = fnOf('Dataset: source', source);
    this.size = size;
  }

  /** A new iteration over the elements, from the start. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.#source();
  }

  /**
   * A new iteration over the elements, as TF.js's `dataset.iterator()` (for code written against tf.data).
   *
   * @example
   * const it = await ds.iterator();
   * for (let r = await it.next(); !r.done; r = await it.next()) console.log(r.value);
   */
  async iterator(): Promise<DatasetIterator<T>> {
    const it = this.#source();
    return { next: () => it.next() };
  }

  /**
   * The elements passed through `transform` (a synchronous function; see mapAsync for one returning a promise).
   * Errors thrown by `transform` reach whoever iterates.
   *
   * @example
   * nn.data.array([1, 2, 3]).map((x) => ({ xs: [x], ys: [2 * x] }));
   */
  map<O>(transform: (value: T) => O): Dataset<O> {
    return this.mapAsync(fnOf('map: transform', transform));
  }

  /**
   * The elements passed through `transform`, which may return a promise (awaited, in order).
   *
   * @example
   * nn.data.array(['a.png', 'b.png']).mapAsync(async (file) => decode(await readFile(file)));
   */
  mapAsync<O>(transform: (value: T) => Promise<O> | O): Dataset<O> {
    fnOf('mapAsync: transform', transform);
    const base = this;
    return new Dataset<O>(async function* () {
      for await (const v of base) yield await transform(v);
    }, this.size);
  }

  /**
   * The elements for which `predicate` returns true (size becomes unknown, as in TF.js, unless it was Infinity).
   *
   * @example
   * nn.data.array([1, 2, 3, 4]).filter((x) => x % 2 === 0);   // 2, 4
   */
  filter(predicate: (value: T) => boolean): Dataset<T> {
    fnOf('filter: predicate', predicate);
    const base = this;
    return new Dataset<T>(async function* () {
      for await (const v of base) if (predicate(v)) yield v;
    }, this.size === Infinity ? Infinity : null);
  }

  /**
   * Groups `batchSize` consecutive elements into one, as TF.js's batch: nn.Tensors of one shape are stacked into a
   * tensor with a new first dimension, numbers (and booleans, as 0/1) become a tensor of shape [n], nested number
   * arrays and typed arrays a tensor of shape [n, ...], strings a list; objects are batched key by key (`{ xs, ys }`
   * gives `{ xs: Tensor, ys: Tensor }`) and lists of tensors or objects position by position, at any depth. The
   * last, smaller batch is kept when `smallLastBatch` (default true), dropped otherwise. batchSize is a positive
   * integer (ValueError); elements that do not match the first one's structure or shape are a ShapeError naming
   * the element and the key.
   *
   * @example
   * await nn.data.array([{ xs: [1, 2], ys: 0 }, { xs: [3, 4], ys: 1 }]).batch(2).toArray();
   * // [{ xs: Tensor [2, 2], ys: Tensor [2] }]
   */
  batch(batchSize: number, smallLastBatch = true): Dataset<unknown> {
    const n = intOption('batch: batchSize', batchSize, 1);
    boolOption('batch: smallLastBatch', smallLastBatch, true);
    const base = this;
    const size = !known(this.size) || this.size === Infinity ? this.size
      : smallLastBatch ? Math.ceil(this.size / n) : Math.floor(this.size / n);
    return new Dataset<unknown>(async function* () {
      let rows: T[] = [];
      let first = 0;
      for await (const v of base) {
        rows.push(v);
        if (rows.length === n) {
          yield stackRows(rows, first);
          first += n;
          rows = [];
        }
      }
      if (rows.length > 0 && smallLastBatch) yield stackRows(rows, first);
    }, size);
  }

  /**
   * The elements in a pseudo-random order, as TF.js's shuffle: a buffer of `bufferSize` elements is filled from
   * this dataset, and each element given is drawn uniformly from the buffer and replaced by the next one read. A
   * buffer at least the dataset's size shuffles it uniformly; a smaller one only locally (and reads less ahead).
   * `seed` (a safe integer; default random) makes the order reproducible; each new iteration draws a new order
   * from the seed's stream when `reshuffleEachIteration` (default true), else repeats the first one. bufferSize
   * must be a positive integer (ValueError).
   *
   * @example
   * const ds = nn.data.array([1, 2, 3, 4, 5, 6]).shuffle(6, 42);
   * await ds.toArray();   // the same permutation of 1..6 on every run
   */
  shuffle(bufferSize: number, seed?: number, reshuffleEachIteration = true): Dataset<T> {
    intOption('shuffle: bufferSize', bufferSize, 1);
    if (seed !== undefined) integer('shuffle: seed', seed);
    boolOption('shuffle: reshuffleEachIteration', reshuffleEachIteration, true);
    const streams = new Rng(seed ?? Math.floor(Math.random() * 2 ** 32));
    const fixed = reshuffleEachIteration ? undefined : streams.fork().getState();
    const base = this;
    return new Dataset<T>(async function* () {
      const rng = fixed ? new Rng(0) : streams.fork();
      if (fixed) rng.setState(fixed);
      const it = base[Symbol.asyncIterator]();
      const buffer: T[] = [];
      let ended = false;
      try {
        for (;;) {
          while (!ended && buffer.length < bufferSize) {
            const r = await it.next();
            if (r.done) ended = true;
            else buffer.push(r.value);
          }
          if (buffer.length === 0) return;
          const j = rng.int(buffer.length);
          const v = buffer[j];
          buffer[j] = buffer[buffer.length - 1];
          buffer.pop();
          yield v;
        }
      } finally {
        if (!ended) await close(it);
      }
    }, this.size);
  }

  /**
   * The first `count` elements (all of them when count is negative, undefined or larger than the dataset), as
   * TF.js's take. Stops reading this dataset after them.
   *
   * @example
   * nn.data.array([1, 2, 3, 4]).take(2);   // 1, 2
   */
  take(count?: number): Dataset<T> {
    const limit = countOf('take: count', count);
    const size = !known(this.size) ? null : Math.min(this.size, limit);
    const base = this;
    return new Dataset<T>(async function* () {
      if (limit === 0) return;
      let i = 0;
      for await (const v of base) {
        yield v;
        if (++i >= limit) return;
      }
    }, size);
  }

  /**
   * All but the first `count` elements (none when count is negative or undefined, as TF.js's skip).
   *
   * @example
   * nn.data.array([1, 2, 3, 4]).skip(3);   // 4
   */
  skip(count?: number): Dataset<T> {
    const skipped = countOf('skip: count', count);
    // an endless dataset stays endless unless all of it is skipped
    const size = !known(this.size) ? null : skipped === Infinity ? 0 : Math.max(0, this.size - skipped);
    const base = this;
    return new Dataset<T>(async function* () {
      let i = 0;
      for await (const v of base) if (i++ >= skipped) yield v;
    }, size);
  }

  /**
   * The elements `count` times over, each pass a new iteration (a shuffle reshuffles); forever when count is
   * undefined or negative, as TF.js's repeat.
   *
   * @example
   * nn.data.array([1, 2]).repeat(2);   // 1, 2, 1, 2
   * nn.data.array([1, 2]).repeat().take(5);   // 1, 2, 1, 2, 1
   */
  repeat(count?: number): Dataset<T> {
    const times = countOf('repeat: count', count);
    const size = times === 0 ? 0 : !known(this.size) ? null : this.size === 0 ? 0 : this.size * times;
    const base = this;
    return new Dataset<T>(async function* () {
      for (let pass = 0; pass < times; pass++) {
        let any = false;
        for await (const v of base) {
          any = true;
          yield v;
        }
        // an empty dataset repeated forever would never yield: end instead of spinning
        if (!any) return;
      }
    }, size);
  }

  /**
   * Reads up to `bufferSize` elements ahead of the consumer (a positive integer; ValueError otherwise), so that a
   * slow source (files, decoding) works while the model trains on the element before. The order is unchanged.
   *
   * @example
   * nn.data.generator(readBatches).prefetch(2);
   */
  prefetch(bufferSize: number): Dataset<T> {
    const n = intOption('prefetch: bufferSize', bufferSize, 1);
    const base = this;
    return new Dataset<T>(async function* () {
      const it = base[Symbol.asyncIterator]();
      const ahead: Promise<IteratorResult<T>>[] = [];
      let ended = false;
      try {
        for (;;) {
          while (ahead.length < n + 1) {
            const p = it.next();
            // a rejection is seen when its turn comes; until then it must not count as unhandled
            p.catch(() => {});
            ahead.push(p);
          }
          const r = await ahead.shift()!;
          if (r.done) {
            ended = true;
            return;
          }
          yield r.value;
        }
      } finally {
        if (!ended) await close(it);
      }
    }, this.size);
  }

  /**
   * This dataset's elements, then `other`'s, as TF.js's concatenate.
   *
   * @example
   * nn.data.array([1, 2]).concatenate(nn.data.array([3]));   // 1, 2, 3
   */
  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset)) throw new ValueError(`concatenate: expected a Dataset, got ${show(other)}`);
    const size = this.size === Infinity || other.size === Infinity ? Infinity
      : known(this.size) && known(other.size) ? this.size + other.size : null;
    const base = this;
    return new Dataset<T>(async function* () {
      yield* base;
      yield* other;
    }, size);
  }

  /**
   * Calls `f` on each element in order (awaiting it when it returns a promise); resolves when the dataset ends.
   *
   * @example
   * await nn.data.array([1, 2, 3]).forEachAsync((x) => console.log(x));
   */
  async forEachAsync(f: (value: T) => unknown): Promise<void> {
    fnOf('forEachAsync: f', f);
    for await (const v of this) await f(v);
  }

  /**
   * All the elements in a list (only for datasets that fit in memory; ValueError for an endless one).
   *
   * @example
   * await nn.data.array([1, 2, 3]).skip(1).toArray();   // [2, 3]
   */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new ValueError('toArray: the dataset is endless; take(n) first');
    const out: T[] = [];
    for await (const v of this) out.push(v);
    return out;
  }
}

/**
 * A dataset of the items of a list, in order (the list is read when the dataset is iterated, not copied).
 *
 * @example
 * const ds = nn.data.array([{ xs: [0, 1], ys: [1] }, { xs: [1, 1], ys: [0] }]);
 */
export function array<T>(items: readonly T[]): Dataset<T> {
  if (!Array.isArray(items)) throw new ValueError(`data.array: expected an array, got ${show(items)}`);
  return new Dataset<T>(async function* () {
    yield* items;
  }, items.length);
}

/**
 * What {@link generator}'s function returns: an iterator or iterable, sync or async, as a generator function's
 * call gives it.
 *
 * @example
 * const it: nn.data.AnyIterator<number> = (function* () { yield 1; })();
 */
export type AnyIterator<T> = Iterator<T> | AsyncIterator<T> | Iterable<T> | AsyncIterable<T>;

/**
 * A dataset whose elements come from `fn`, a function that returns an iterator: a generator function
 * (`function*`) or an async one (`async function*`), or any function returning an object with `next()`. `fn` is
 * called anew at each iteration (each epoch of fitDataset), so the data is produced lazily and never held whole.
 * Its size is unknown (null). Errors thrown inside `fn`'s iterator reach whoever iterates, unchanged.
 *
 * @example
 * const ds = nn.data.generator(function* () {
 *   for (let i = 0; i < 100; i++) yield { xs: [i / 100], ys: [2 * i / 100] };
 * });
 */
export function generator<T>(fn: () => AnyIterator<T>): Dataset<T> {
  fnOf('data.generator: fn', fn);
  return new Dataset<T>(async function* () {
    const it = fn() as unknown as Record<symbol | string, unknown> | null;
    if (typeof it?.[Symbol.asyncIterator] === 'function' || typeof it?.[Symbol.iterator] === 'function') {
      yield* it as unknown as AsyncIterable<T>;
      return;
    }
    if (typeof it?.next !== 'function') throw new ValueError(`data.generator: fn must return an iterator, got ${show(it)}`);
    for (;;) {
      const r = await (it as unknown as AsyncIterator<T>).next();
      if (r.done) return;
      yield r.value;
    }
  }, null);
}

/**
 * A nested structure of datasets, as zip takes it: a dataset, or a list or object of structures.
 *
 * @example
 * const c: nn.data.DatasetContainer = { xs: nn.data.array([[1], [2]]), ys: nn.data.array([[0], [1]]) };
 */
export type DatasetContainer = Dataset | readonly DatasetContainer[] | { readonly [key: string]: DatasetContainer };

/**
 * A dataset of the elements of several datasets side by side, as TF.js's tf.data.zip: `zip([a, b])` gives
 * `[a₀, b₀], [a₁, b₁], ...`, `zip({ xs: a, ys: b })` gives `{ xs: a₀, ys: b₀ }, ...`, nested to any depth; it ends
 * with the shortest. `zip(a, b)` is `zip([a, b])`. Leaves that are not datasets are a ValueError.
 *
 * @example
 * const xs = nn.data.array([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const ys = nn.data.array([[0], [1], [1], [0]]);
 * const ds = nn.data.zip({ xs, ys }).batch(4);   // one batch { xs: Tensor [4, 2], ys: Tensor [4, 1] }
 */
export function zip(...datasets: DatasetContainer[]): Dataset<unknown> {
  const root: DatasetContainer = datasets.length === 1 && !(datasets[0] instanceof Dataset) ? datasets[0] : datasets;
  const leaves: Dataset[] = [];
  const shape = (c: unknown, path: string): unknown => {
    if (c instanceof Dataset) return leaves.push(c) - 1;
    if (Array.isArray(c)) return c.map((v, i) => shape(v, `${path}[${i}]`));
    if (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c) && !(c instanceof Tensor)) {
      return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, shape(v, path ? `${path}.${k}` : k)]));
    }
    throw new ValueError(`data.zip: the leaves must be datasets, but ${path || 'the argument'} is ${show(c)}`);
  };
  const layout = shape(root, '');
  const sizes = leaves.map((d) => d.size);
  const size = sizes.length === 0 ? 0 : sizes.some((s) => s === null) ? null : Math.min(...(sizes as number[]));
  const build = (l: unknown, values: unknown[]): unknown => {
    if (typeof l === 'number') return values[l];
    if (Array.isArray(l)) return l.map((v) => build(v, values));
    return Object.fromEntries(Object.entries(l as object).map(([k, v]) => [k, build(v, values)]));
  };
  return new Dataset<unknown>(async function* () {
    if (leaves.length === 0) return;
    const its = leaves.map((d) => d[Symbol.asyncIterator]());
    const ended = its.map(() => false);
    try {
      for (;;) {
        const rs = await Promise.all(its.map((it) => it.next()));
        rs.forEach((r, i) => { if (r.done) ended[i] = true; });
        if (rs.some((r) => r.done)) return;
        yield build(layout, rs.map((r) => r.value));
      }
    } finally {
      await Promise.all(its.map((it, i) => (ended[i] ? undefined : close(it))));
    }
  }, size);
}

/** True for a value batched as one tensor (or a list of strings) rather than recursed into. */
function isLeaf(v: unknown): boolean {
  if (!isObject(v) || v instanceof Tensor || ArrayBuffer.isView(v)) return true;
  // a list of numbers (nested to any depth) is one tensor; a list holding a tensor or an object is a structure
  if (Array.isArray(v)) {
    for (let x of v) {
      while (Array.isArray(x) && x.length > 0) x = x[0];
      if (isObject(x) && !Array.isArray(x)) return false;
    }
    return true;
  }
  return false;
}

const isObject = (v: unknown): v is object => v !== null && typeof v === 'object';

/** The ShapeError for element `first + i` of a batch (at `path`), which is `r` where element `first` is `want`. */
function unlike(first: number, i: number, path: string, r: unknown, want: string): never {
  const got = r instanceof Tensor ? `a tensor of shape [${r.shape.join(', ')}]` : show(r);
  throw new ShapeError(`batch: element ${first + i}${path ? ` (at ${path})` : ''} is ${got}, but element ${first} is ${want}`);
}

/** Stacks the batch's rows (elements first .. first + rows.length − 1 of the dataset) as TF.js's batch does. */
function stackRows(rows: readonly unknown[], first: number, path = ''): unknown {
  const example = rows[0];
  if (isLeaf(example)) return stackLeaves(rows, first, path);
  if (Array.isArray(example)) {
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== example.length) unlike(first, i, path, r, `a list of ${example.length}`);
    });
    return example.map((_, j) => stackRows(rows.map((r) => (r as unknown[])[j]), first, `${path}[${j}]`));
  }
  const keys = Object.keys(example as object);
  const out: Record<string, unknown> = {};
  rows.forEach((r, i) => {
    if (isLeaf(r) || Array.isArray(r) || keys.some((k) => !Object.hasOwn(r as object, k))) unlike(first, i, path, r, show(example));
  });
  for (const k of keys) out[k] = stackRows(rows.map((r) => (r as Record<string, unknown>)[k]), first, path ? `${path}.${k}` : k);
  return out;
}

/** One leaf of a batch: tensors stacked, numbers / booleans / number arrays into a tensor, strings into a list. */
function stackLeaves(rows: readonly unknown[], first: number, path: string): unknown {
  const example = rows[0];
  const kind = typeof example;
  if (kind === 'string' || kind === 'number' || kind === 'boolean') {
    rows.forEach((r, i) => {
      if (typeof r !== kind && (kind === 'string' || (typeof r !== 'number' && typeof r !== 'boolean'))) unlike(first, i, path, r, `a ${kind}`);
    });
    return kind === 'string' ? [...rows] : new Tensor(Float32Array.from(rows as number[], Number), [rows.length]);
  }
  if (example instanceof Tensor || ArrayBuffer.isView(example)) {
    const parts = rows.map((r, i) => (r instanceof Tensor ? r : ArrayBuffer.isView(r) && !(r instanceof DataView) ? tensor(r as Float32Array)
      : unlike(first, i, path, r, 'a tensor')));
    const shape = parts[0].shape;
    const size = parts[0].size;
    const data = new Float32Array(size * parts.length);
    parts.forEach((t, i) => {
      if (t.shape.length !== shape.length || t.shape.some((d, j) => d !== shape[j])) unlike(first, i, path, t, `of shape [${shape.join(', ')}]`);
      data.set(t.data, i * size);
    });
    return new Tensor(data, [parts.length, ...shape]);
  }
  if (!Array.isArray(example)) throw new ValueError(`batch: element ${first}${path ? ` (at ${path})` : ''} is ${show(example)}, which cannot be batched`);
  try {
    return tensor(rows as number[][]);
  } catch (e) {
    if (e instanceof Error) e.message = e.message.replace(/^tensor/, `batch: elements ${first}..${first + rows.length - 1}${path ? ` at ${path}` : ''}`);
    throw e;
  }
}
