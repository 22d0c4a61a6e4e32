// Browser build stand-in for mnist.ts (see node-only.ts).
import type { MnistOptions, MnistSplit } from './mnist';
import { needsNode } from './node-only';

export type { MnistOptions, MnistSplit } from './mnist';

export async function loadMnist(_options: MnistOptions = {}): Promise<{ train: MnistSplit; test: MnistSplit }> {
  throw needsNode('loadMnist', 'parse IDX bytes you fetch with nn.parseIdx');
}
