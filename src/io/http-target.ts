// http:// and https:// loading, as TF.js's tf.io.http loads: model.json from the URL, then the weights files its
// manifest names, resolved against the model.json's folder (or weightPathPrefix) with the URL's query string kept,
// fetched in parallel. The same checks as file://: model.json is read up to LIMITS.maxJsonChars bytes (a larger
// Content-Length is refused before the body is read), the weights are fetched only once loadModel has checked the
// manifest and the topology, and their bodies are read only up to the bytes the manifest describes.
import { NeuriteError, ValueError } from '../errors';
import { checkDataLength, concatBytes, fail, isObject, LIMITS, own, parseJsonBytes, readManifestGroups, show, type WeightEntry } from './format';
import { markRaw, type IOHandler, type RawModel } from './artifacts';
import { optionsOf } from '../options';

/**
 * Options of nn.io.http, and the http(s) options of nn.loadModel (TF.js's names). A bad value is a ValueError.
 *
 * @example
 * const model = await nn.loadModel('https://example.com/model/model.json', {
 *   requestInit: { headers: { Authorization: 'Bearer ...' } },
 *   onProgress: (f) => console.log(`${Math.round(100 * f)}%`),
 * });
 */
export interface HttpOptions {
  /** The fetch to use (TF.js's option): same arguments as the global fetch. Default globalThis.fetch. */
  fetchFunc?: (url: string, init?: RequestInit) => Promise<Response>;
  /** Passed to every request (model.json and each weights file): headers, credentials, mode, ... Default none. */
  requestInit?: RequestInit;
  /**
   * Where the weights files are, instead of model.json's folder: a URL (or one relative to model.json's) that the
   * manifest's file names are appended to, so it ends with '/' as a rule. Default model.json's folder.
   */
  weightPathPrefix?: string;
  /**
   * Called as the weights arrive with the fraction of their bytes received so far: increasing values in (0, 1],
   * the last of them exactly 1. nn.loadModel from another source calls it once, with 1, when the model is built.
   * Default none.
   */
  onProgress?: (fraction: number) => void;
}

/** The keys HttpOptions takes. */
export const HTTP_OPTIONS = ['fetchFunc', 'requestInit', 'weightPathPrefix', 'onProgress'] as const;

/** True for a URL that the http target loads (http:// or https://, any letter case). */
export const isHttpUrl = (url: string): boolean => /^https?:\/\//i.test(url);

/** Checks HttpOptions (unknown keys are the caller's business: loadModel and nn.io.http check them). */
export function checkHttpOptions(o: HttpOptions, who: string): void {
  for (const k of ['fetchFunc', 'onProgress'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'function') throw new ValueError(`${who}: ${k} must be a function, got ${show(o[k])}`);
  }
  if (o.requestInit !== undefined && !isObject(o.requestInit)) {
    throw new ValueError(`${who}: requestInit must be an object of fetch options such as { headers }, got ${show(o.requestInit)}`);
  }
  if (o.weightPathPrefix !== undefined && (typeof o.weightPathPrefix !== 'string' || o.weightPathPrefix.length === 0)) {
    throw new ValueError(`${who}: weightPathPrefix must be a non-empty string, got ${show(o.weightPathPrefix)}`);
  }
}

const causeOf = (e: unknown): string => {
  const c = (e as { cause?: { code?: string; message?: string } })?.cause;
  const own = (e as Error)?.message ?? String(e);
  return c?.code ? `${own} (${c.code})` : c?.message ? `${own} (${c.message})` : own;
};

/**
 * Fetches `url` and reads its body, at most `cap` bytes (a larger Content-Length is refused before reading);
 * `onBytes` sees each chunk's size. Transport failures and HTTP statuses other than 2xx are NeuriteErrors naming
 * `what` (the URL) and the status; a body over the cap is a FormatError.
 */
async function fetchBytes(fetchFunc: NonNullable<HttpOptions['fetchFunc']>, url: string, init: RequestInit | undefined, what: string,
  cap: number, onBytes: (n: number) => void): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetchFunc(url, init);
  } catch (e) {
    if (e instanceof NeuriteError) throw e;
    throw new NeuriteError(`fetching ${what} failed: ${causeOf(e)}`);
  }
  if (typeof res?.status !== 'number') throw new NeuriteError(`fetching ${what}: fetchFunc did not resolve to a Response`);
  if (!res.ok) {
    await res.body?.cancel?.().catch(() => undefined);
    throw new NeuriteError(`fetching ${what} failed with HTTP status ${res.status}${res.statusText ? ` (${res.statusText})` : ''}`);
  }
  const length = Number(res.headers?.get?.('content-length') ?? NaN);
  // node-fetch's body is a Node stream, without getReader: such a body is read whole, through arrayBuffer()
  const reader = typeof res.body?.getReader === 'function' ? res.body.getReader() : undefined;
  const tooLong = async (): Promise<never> => {
    await reader?.cancel().catch(() => undefined);
    return fail(what, `holds more than the ${cap} bytes expected${length > cap ? ` (its Content-Length is ${length})` : ''}`);
  };
  if (length > cap) await tooLong();
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    for (;;) {
      const value = reader ? (await reader.read()).value : parts.length > 0 ? undefined : new Uint8Array(await res.arrayBuffer());
      if (!value) break;
      n += value.length;
      if (n > cap) await tooLong();
      parts.push(value);
      onBytes(value.length);
    }
    return parts.length === 1 ? parts[0] : concatBytes(parts);
  } catch (e) {
    if (e instanceof NeuriteError) throw e;
    throw new NeuriteError(`reading ${what} failed: ${causeOf(e)}`);
  }
}

// without fetch in the runtime, the call fails and the error says so ("fetch is not defined"): pass fetchFunc
const fetchOf = (o: HttpOptions) => o.fetchFunc ?? ((u: string, i?: RequestInit) => fetch(u, i));

/** A JSON file (at most LIMITS.maxJsonChars bytes) fetched with the options' fetchFunc and requestInit. */
export const fetchJsonBytes = (url: string, options: HttpOptions): Promise<Uint8Array> =>
  fetchBytes(fetchOf(options), url, options.requestInit, url, LIMITS.maxJsonChars, () => undefined);

/** The URL's folder (up to its last '/', which is kept) and its query string (TF.js carries it to weight URLs). */
function splitUrl(url: URL): { folder: string; query: string } {
  const base = `${url.origin}${url.pathname}`;
  return { folder: base.slice(0, base.lastIndexOf('/') + 1), query: url.search };
}

/**
 * Loads model.json from an http(s) URL; the weights are fetched later through readWeights (see the top of this file).
 * `where` names the model in errors.
 */
export async function loadFromHttp(url: string, options: HttpOptions = {}): Promise<RawModel> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValueError(`${show(url)} is not a valid URL`);
  }
  const where = parsed.href.length > 200 ? `${parsed.href.slice(0, 197)}...` : parsed.href;
  const fetchFunc = fetchOf(options);
  const text = await fetchBytes(fetchFunc, parsed.href, options.requestInit, where, LIMITS.maxJsonChars, () => undefined);
  const json = parseJsonBytes(text, where);
  if (!isObject(json)) return fail(where, `must be a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  const groups = readManifestGroups(own(json, 'weightsManifest'), where);

  const { folder, query } = splitUrl(parsed);
  let prefix = folder;
  if (options.weightPathPrefix !== undefined) {
    try {
      prefix = new URL(options.weightPathPrefix, parsed).href;
    } catch {
      throw new ValueError(`weightPathPrefix ${show(options.weightPathPrefix)} is not a URL`);
    }
  }
  // each manifest path's URL: under the prefix (never above it, percent-encoded dots included), the query kept
  const names = groups.flatMap((g) => g.paths);
  const urls = names.map((p) => {
    const full = new URL(prefix + p + (p.includes('?') ? '' : query));
    if (!splitUrl(full).folder.startsWith(prefix)) fail(where, `the weights file ${show(p)} leads outside the weights' folder ${prefix}`);
    return full.href;
  });

  const readWeights = async (entries: WeightEntry[], bytes: number): Promise<Uint8Array> => {
    const onProgress = options.onProgress;
    let received = 0, last = 0;
    const progress = (n: number) => {
      received += n;
      if (received > bytes) fail(where, `the weights files hold more than the ${bytes} bytes the manifest describes`);
      if (onProgress && bytes > 0) {
        const f = received / bytes;
        if (f > last) { last = f; onProgress(f); }
      }
    };
    // one failure stops the other downloads (unless the caller gave a signal of their own)
    const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
    const init = controller && !options.requestInit?.signal ? { ...options.requestInit, signal: controller.signal } : options.requestInit;
    let parts: Uint8Array[];
    try {
      parts = await Promise.all(urls.map((u, i) =>
        fetchBytes(fetchFunc, u, init, `the weights file ${show(names[i])} (${u})`, bytes, progress)));
    } catch (e) {
      controller?.abort();
      throw e;
    }
    const data = parts.length === 1 ? parts[0] : concatBytes(parts);
    checkDataLength(entries, bytes, data.length, where);
    if (onProgress && last !== 1) onProgress(1);
    return data;
  };
  return markRaw({ topology: own(json, 'modelTopology'), weightSpecs: groups.flatMap((g) => g.weights), weightData: new Uint8Array(0),
    readWeights, trainingConfig: own(json, 'trainingConfig'), format: own(json, 'format') });
}

/**
 * A load handler for a model.json over http(s), as TF.js's tf.io.http: the weights files its manifest names are
 * fetched in parallel from model.json's folder (or weightPathPrefix), with model.json's query string. A status other
 * than 2xx or a network failure is a NeuriteError naming the URL (and the status); what the files hold is checked as
 * for file://. nn.loadModel('https://...') uses it. It cannot save.
 *
 * @example
 * const model = await nn.loadModel(nn.io.http('https://example.com/model/model.json', {
 *   requestInit: { credentials: 'include' },
 * }));
 */
export function http(url: string, options: HttpOptions = {}): IOHandler {
  if (typeof url !== 'string' || !isHttpUrl(url)) throw new ValueError(`nn.io.http needs an http:// or https:// URL, got ${show(url)}`);
  optionsOf('nn.io.http', options, HTTP_OPTIONS);
  checkHttpOptions(options, 'nn.io.http');
  return { load: () => loadFromHttp(url, options) };
}

