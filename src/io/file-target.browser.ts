// Browser build stand-in for file-target.ts (see node-only.ts).
import type { IOHandler } from './artifacts';
import { needsNode } from './node-only';

export function fileSystem(_dir: string, _options: object = {}): IOHandler {
  throw needsNode('file:// (nn.io.fileSystem)', 'use indexeddb://, localstorage:// or downloads://');
}

export function readBesideModel(_dir: string, _name: string): Promise<Uint8Array> {
  throw needsNode('a model folder (nn.io.readTeachableMachine)', 'give it an http(s):// URL');
}
