// Routes a URL to its target: file:// (Node), indexeddb://, localstorage://, downloads:// (browsers). Imports the
// targets; the targets import only artifacts.ts, so routing makes no cycle.
import { ValueError } from '../errors';
import { show } from './format';
import type { IOHandler } from './artifacts';
import { browserDownloads, browserIndexedDB, browserLocalStorage } from './browser-targets';
import { fileSystem } from './file-target';

export const SCHEMES = ['file://', 'indexeddb://', 'localstorage://', 'downloads://'];

export async function handlerFor(url: string, purpose: 'save' | 'load'): Promise<IOHandler> {
  if (url.startsWith('file://')) {
    return fileSystem(url.slice('file://'.length));
  }
  if (url.startsWith('indexeddb://')) return browserIndexedDB(url.slice('indexeddb://'.length));
  if (url.startsWith('localstorage://')) return browserLocalStorage(url.slice('localstorage://'.length));
  if (url.startsWith('downloads://')) {
    if (purpose === 'load') throw new ValueError('downloads:// can only save; load the downloaded files with nn.io.browserFiles(files)');
    return browserDownloads(url.slice('downloads://'.length) || 'model');
  }
  throw new ValueError(`cannot ${purpose} ${show(url)}: use a URL starting with ${SCHEMES.join(', ')}, or an IOHandler`);
}

