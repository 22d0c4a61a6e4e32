// Batches from a dataset, for fitDataset and evaluateDataset: any sync or async iterable of { xs, ys } batches
// (an nn.data Dataset, a generator object, a list of batches) or a TF.js dataset (`iterator()` resolving to an
// object with `next()`). Opens an iteration, reads one batch at a time, and turns an error thrown while reading
// (inside the user's generator or map) into a DataError that names the batch and keeps the error as its cause.
import { DataError, ValueError } from '../errors';
import { show } from '../options';

/** One iteration over a dataset: the next batch, and an early end (closes the user's generator). */
export interface BatchReader {
  next(): Promise<IteratorResult<unknown>>;
  close(): Promise<void>;
}

/** Something fitDataset takes as data: an iterable, an async iterable, or a TF.js dataset. */
export function isDataset(v: unknown): boolean {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return false;
  const o = v as Record<string | symbol, unknown>;
  return typeof o[Symbol.asyncIterator] === 'function' || typeof o[Symbol.iterator] === 'function' || typeof o.iterator === 'function';
}

/** Throws unless `v` is a dataset fitDataset can read. */
export function checkDataset(v: unknown, what: string): void {
  if (!isDataset(v)) throw new ValueError(`${what} must be a dataset (an iterable of { xs, ys } batches), got ${show(v)}`);
}

/** A new iteration over `dataset` (see the file's comment). */
export async function openBatches(dataset: unknown): Promise<BatchReader> {
  const o = dataset as Record<string | symbol, unknown>;
  let it: { next(): unknown; return?(): unknown };
  if (typeof o[Symbol.asyncIterator] === 'function') it = (o[Symbol.asyncIterator] as () => AsyncIterator<unknown>).call(dataset);
  else if (typeof o[Symbol.iterator] === 'function') it = (o[Symbol.iterator] as () => Iterator<unknown>).call(dataset);
  else it = await (o.iterator as () => Promise<{ next(): Promise<IteratorResult<unknown>> }>).call(dataset);
  return {
    next: async () => {
      const r = (await it.next()) as IteratorResult<unknown> | undefined;
      if (!r || typeof r !== 'object') throw new ValueError(`the dataset's iterator gave ${show(r)}, not { value, done }`);
      return r;
    },
    close: async () => {
      if (typeof it.return === 'function') await it.return();
    },
  };
}

/** The message of whatever was thrown. */
const messageOf = (e: unknown) => (e instanceof Error ? e.message : show(e));

/**
 * The next batch of `reader`; an error thrown while reading becomes a DataError naming `call`, the epoch (−1:
 * none) and the batch index, with the thrown value as its cause.
 */
export async function readBatch(reader: BatchReader, call: string, epoch: number, batch: number): Promise<IteratorResult<unknown>> {
  try {
    return await reader.next();
  } catch (e) {
    if (e instanceof DataError) throw e;
    const at = epoch < 0 ? `batch ${batch + 1}` : `batch ${batch + 1} of epoch ${epoch + 1}`;
    throw new DataError(`the dataset threw while ${call} read ${at} (batch index ${batch}): ${messageOf(e)}`, { cause: e });
  }
}

/** The { xs, ys } of a batch the dataset gave, or a ValueError naming the batch. */
export function batchParts(value: unknown, call: string, batch: number): { xs: unknown; ys: unknown } {
  const v = value as { xs?: unknown; ys?: unknown } | null;
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v.xs == null || v.ys == null) {
    throw new ValueError(`${call}: batch ${batch} of the dataset is ${show(value)}, not an object { xs, ys }`);
  }
  return { xs: v.xs, ys: v.ys };
}
