import type { Backend } from '../types';
import { binaryKernels } from './binary';
import { convKernels } from './conv';
import { depthwiseKernels } from './depthwise';
import { embedKernels } from './embed';
import { gemmKernels } from './gemm';
import { imageKernels } from './image';
import { lossKernels } from './loss';
import { JsMemory } from './memory';
import { normKernels } from './norm';
import { optimKernels } from './optim';
import { poolKernels } from './pool';
import { rnnKernels } from './rnn';
import { unaryKernels } from './unary';

/** The plain-TypeScript backend: the same kernels as wasm, over an ArrayBuffer laid out like wasm memory. */
export function createJsBackend(): Backend {
  const memory = new JsMemory();
  return {
    name: 'js',
    memory,
    kernels: {
      ...gemmKernels(memory), ...unaryKernels(memory), ...lossKernels(memory), ...optimKernels(memory),
      ...convKernels(memory), ...poolKernels(memory), ...normKernels(memory), ...binaryKernels(memory),
      ...depthwiseKernels(memory), ...imageKernels(memory), ...embedKernels(memory), ...rnnKernels(memory),
    },
  };
}
