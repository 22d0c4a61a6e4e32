// Routes a URL to its target: file:// (Node), http:// and https:// (loading), indexeddb://, localstorage://,
// downloads:// (browsers). Imports the targets; the targets import only artifacts.ts, so routing makes no cycle.
import { ValueError } from '../errors';
import { show } from './format';
import type { IOHandler } from './artifacts';
import { browserDownloads, browserIndexedDB, browserLocalStorage } from './browser-targets';
import { fileSystem } from './file-target';
import { http, isHttpUrl, type HttpOptions } from './http-target';

/** The URL schemes model.save writes to. */
export const SCHEMES = ['file://', 'indexeddb://', 'localstorage://', 'downloads://'];
/** The URL schemes nn.loadModel reads from. */
export const LOAD_SCHEMES = ['file://', 'http://', 'https://', 'indexeddb://', 'localstorage://'];

/** The handler of a URL; `httpOptions` are given to the http(s) target (loadModel's fetchFunc, requestInit, ...). */
export async function handlerFor(url: string, purpose: 'save' | 'load', httpOptions: HttpOptions = {}): Promise<IOHandler> {
  if (isHttpUrl(url)) {
    if (purpose === 'save') {
      throw new ValueError(`cannot save to ${show(url)}: http(s):// URLs load models; save with file://, indexeddb://, localstorage:// or downloads://`);
    }
    return http(url, httpOptions);
  }
  if (url.startsWith('file://')) {
    return fileSystem(url.slice('file://'.length));
  }
  if (url.startsWith('indexeddb://')) return browserIndexedDB(url.slice('indexeddb://'.length));
  if (url.startsWith('localstorage://')) return browserLocalStorage(url.slice('localstorage://'.length));
  if (url.startsWith('downloads://')) {
    if (purpose === 'load') throw new ValueError('downloads:// can only save; load the downloaded files with nn.io.browserFiles(files)');
    return browserDownloads(url.slice('downloads://'.length) || 'model');
  }
  throw new ValueError(`cannot ${purpose} ${show(url)}: use a URL starting with ${(purpose === 'load' ? LOAD_SCHEMES : SCHEMES).join(', ')}, or an IOHandler`);
}

