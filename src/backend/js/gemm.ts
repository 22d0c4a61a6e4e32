import type { Kernels } from '../types';
import type { JsMemory } from './memory';

type GemmKernels = Pick<Kernels, 'f32_gemm_nn' | 'f32_gemm_nt' | 'f32_gemm_tn'>;

export function gemmKernels(mem: JsMemory): GemmKernels {
  const todo = (): never => { throw new Error('not implemented'); };
  return { f32_gemm_nn: todo, f32_gemm_nt: todo, f32_gemm_tn: todo };
}
