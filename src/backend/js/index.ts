import type { Backend } from '../types';
import { gemmKernels } from './gemm';
import { lossKernels } from './loss';
import { JsMemory } from './memory';
import { optimKernels } from './optim';
import { unaryKernels } from './unary';

/** The plain-TypeScript backend: the same kernels as wasm, over an ArrayBuffer laid out like wasm memory. */
export function createJsBackend(): Backend {
  const memory = new JsMemory();
  return {
    name: 'js',
    memory,
    kernels: { ...gemmKernels(memory), ...unaryKernels(memory), ...lossKernels(memory), ...optimKernels(memory) },
  };
}
