// Browser build stand-in for file-target.ts (see node-only.ts).
import type { IOHandler } from './artifacts';
import { needsNode } from './node-only';

export function fileSystem(_dir: string, _options: object = {}): IOHandler {
  throw needsNode('file:// (nn.io.fileSystem)', 'use indexeddb://, localstorage:// or downloads://');
}
